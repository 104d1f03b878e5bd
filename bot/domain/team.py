"""The team view: who has started the setup, how far each person is, where people are stuck."""

from __future__ import annotations

import math
from collections import Counter

from bot.domain.replies import Member, TeamProgress
from bot.guide.content import Card, Content
from bot.state.members import EVERYONE, Seen
from bot.state.progress import ProgressStore
from bot.strings import Language

PAGE_SIZE = 15  # people per page: one line each keeps a page well inside a Slack message
STUCK_SHOWN = 3


async def team_progress(
    progress: ProgressStore,
    content: Content,
    team: str,
    page: int,
    language: Language,
    seen: Seen = EVERYONE,
) -> TeamProgress:
    """The progress of everyone ``seen``, most recently active first, one page at a time."""
    people = await progress.people(team, seen)
    pages = max(1, math.ceil(len(people) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    done = await progress.done_by(team, [user for user, _ in people])
    members = [
        Member(user, len(done[user] & _step_topics(content)), next_step(content, done[user]), at)
        for user, at in people
    ]
    # Stuck means a required step is next: optional ones are skipped, not stuck on.
    stuck = Counter(m.next_step.topic for m in members if m.next_step and not m.next_step.optional)
    start = (page - 1) * PAGE_SIZE
    return TeamProgress(
        members=tuple(members[start : start + PAGE_SIZE]),
        started=len(members),
        total_steps=len(content.steps),
        stuck=tuple((content.card(t), n) for t, n in stuck.most_common(STUCK_SHOWN)),
        page=page,
        pages=pages,
        language=language,
    )


def next_step(content: Content, done: frozenset[str]) -> Card | None:
    """The first required step not done, else the first optional one, else None."""
    pending = [step for step in content.steps if step.topic not in done]
    required = [step for step in pending if not step.optional]
    return next(iter(required or pending), None)


def _step_topics(content: Content) -> frozenset[str]:
    return frozenset(step.topic for step in content.steps)
