"""Content gaps: the questions the guide did not cover, similar ones grouped, and the answers
people found not helpful, so the content's authors know what to write next."""

from __future__ import annotations

import dataclasses
from collections import Counter

from rapidfuzz import fuzz, process

from bot.domain.answers import rank
from bot.domain.replies import Gap, GapsReport
from bot.guide.content import question_entry
from bot.guide.search import SUGGESTION_FLOOR, Index
from bot.guide.words import STOPWORDS, words
from bot.state.feedback import Asked, FeedbackStore
from bot.state.members import EVERYONE, Seen
from bot.strings import Language

# Two questions belong together when their content words overlap this much (rapidfuzz's
# token_set_ratio: word order and repeated words do not matter).
SIMILAR = 70.0
SHOWN = 20
# Grouping compares each question with the groups so far: the newest this many are plenty
# to see what is missing, and keep the report fast however long the log grows.
GROUPED = 1000
OTHER_WORDINGS = 2


async def gaps_report(
    feedback: FeedbackStore,
    index: Index,
    team: str,
    language: Language,
    *,
    shown: int | None = SHOWN,
    seen: Seen = EVERYONE,
) -> GapsReport:
    """The gaps of one team within the retention period, the most asked first: the
    questions and votes of the people ``seen`` (one workspace's, in an organisation).

    Slack shows the ``shown`` biggest groups (a message holds 50 blocks); the shell
    report passes None for all of them. Each group names the card that came closest to
    its newest wording, with the line that adds that wording to the card's questions.
    """
    content = index.content
    asked = [entry for entry in await feedback.recent_unanswered(team) if entry.user in seen]
    unhelpful = [vote for vote in await feedback.recent_unhelpful(team) if vote.user in seen]
    votes = Counter(vote.topic for vote in unhelpful)
    last_vote: dict[str, float] = {}
    for vote in unhelpful:
        last_vote.setdefault(vote.topic, vote.at)  # newest first, so the first one is the last
    grouped = group_questions(asked)
    groups = [with_nearest_card(index, gap) for gap in grouped[:shown]]
    unhelpful_topics = []
    for topic, count in votes.most_common():
        if content.has(topic):
            helpful, _ = await feedback.tally(team, topic, seen)
            unhelpful_topics.append((content.card(topic), count, helpful, last_vote[topic]))
    return GapsReport(
        unanswered=tuple(groups),
        unhelpful=tuple(unhelpful_topics),
        retention_days=feedback.retention_days,
        more_groups=len(grouped) - len(groups),
        language=language,
    )


def group_questions(asked: list[Asked]) -> list[Gap]:
    """Group similar questions (newest first in ``asked``); biggest groups first."""
    representatives: list[str] = []  # the content words of each group's first question
    groups: list[list[Asked]] = []
    for entry in asked[:GROUPED]:
        key = " ".join(word for word in words(entry.question) if word not in STOPWORDS)
        found = process.extractOne(
            key, representatives, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR
        )
        if found is not None:
            groups[found[2]].append(entry)
        else:
            representatives.append(key)
            groups.append([entry])
    gaps = [
        Gap(
            question=members[0].question,
            count=len(members),
            last_asked=members[0].at,
            others=tuple(dict.fromkeys(m.question for m in members[1:]))[:OTHER_WORDINGS],
        )
        for members in groups
    ]
    return sorted(gaps, key=lambda gap: (-gap.count, -gap.last_asked))


def with_nearest_card(index: Index, gap: Gap) -> Gap:
    """``gap`` with the card the engine ranked first for its question, when that card
    shares anything real with it (``SUGGESTION_FLOOR``, as for "did you mean")."""
    ranking = rank(index, gap.question)
    if not ranking.matches or ranking.score < SUGGESTION_FLOOR:
        return gap
    nearest = ranking.matches[0].card
    return dataclasses.replace(gap, nearest=nearest, entry=question_entry(gap.question))
