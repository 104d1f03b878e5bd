"""What a team's leads see about it: the figures of the team view, the weekly digest, and
the chart, read from the stores and computed by ``bot.domain.insights``.

The chart is drawn by the renderer, which sits above the domain: the composition root
hands its ``draw`` in, and drawing (CPU-bound, a few hundred milliseconds) runs in a
worker thread so the event loop goes on serving.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain import insights
from bot.domain.gaps import group_questions
from bot.domain.insights import FunnelStep, QuestionFigures, SetupFigures, WeekPoint
from bot.domain.replies import Digest
from bot.guide.content import Card, Content
from bot.state import activity
from bot.state.activity import ActivityStore
from bot.state.feedback import FeedbackStore
from bot.state.members import Members, Seen
from bot.state.progress import ProgressStore
from bot.strings import Language

WEEK = 7 * 86400
WEEKS_SHOWN = 8
DIGEST_SHOWN = 5  # uncovered questions and 👎 cards in a digest

Draw = Callable[[Sequence[FunnelStep], Sequence[WeekPoint], int, Language], bytes]


class Dashboard:
    """Reads a team's figures; ``stalled_after`` is how long without a change counts as
    stalled (NUDGE_AFTER_HOURS, when reminders would go).

    ``workspace`` names one workspace of an organisation's org-wide install: then only the
    people seen there, their questions and votes, and that workspace's weekly counts are
    read ("": the whole team)."""

    def __init__(
        self,
        content: Content,
        progress: ProgressStore,
        feedback: FeedbackStore,
        activity_store: ActivityStore,
        members: Members,
        draw: Draw,
        *,
        stalled_after: float,
    ) -> None:
        self._content = content
        self._progress = progress
        self._feedback = feedback
        self._activity = activity_store
        self._members = members
        self._draw = draw
        self._stalled_after = stalled_after

    async def seen(self, team: str, workspace: str) -> Seen:
        """The people of ``team`` a view of ``workspace`` shows."""
        return await self._members.seen(team, workspace)

    async def setup(self, team: str, language: Language, workspace: str = "") -> SetupFigures:
        """Who started and finished, the median days to finish, and the funnel."""
        return (await self._read(team, workspace)).figures(self._content.steps, language)

    async def questions(
        self, team: str, language: Language, workspace: str = ""
    ) -> QuestionFigures:
        """The figures of the last ``WEEKS_SHOWN`` weeks' questions, from when counting began."""
        weeks = activity.last_weeks(time.time(), WEEKS_SHOWN)
        counted = await self._activity.weeks(team, weeks, workspace)
        askers = await self._activity.askers(team, weeks, workspace)
        since = await self._activity.since(team)
        return insights.question_figures(counted, askers, since, self._card, language)

    async def digest(self, team: str, language: Language, workspace: str = "") -> Digest:
        """The last 7 days for the team's leads."""
        now = time.time()
        week_ago = now - WEEK
        team_now = await self._read(team, workspace)
        seen = team_now.seen
        started, finished = team_now.started, team_now.finished
        asked = [
            q
            for q in await self._feedback.recent_unanswered(team)
            if q.at >= week_ago and q.user in seen
        ]
        votes = await self._feedback.recent_unhelpful(team)
        down = Counter(v.topic for v in votes if v.at >= week_ago and v.user in seen)
        return Digest(
            setup=team_now.figures(self._content.steps, language),
            started_week=sum(at >= week_ago for at in started.values()),
            finished_week=sum(at >= week_ago for at in finished.values()),
            stalled=insights.stalled(
                self._content.steps,
                team_now.people,
                team_now.done,
                now,
                after=self._stalled_after,
                language=language,
            ),
            uncovered=tuple(group_questions(asked)[:DIGEST_SHOWN]),
            unhelpful=tuple(
                (card, count)
                for topic, count in down.most_common()
                if (card := self._card(topic)) is not None
            )[:DIGEST_SHOWN],
            language=language,
        )

    async def chart(self, team: str, language: Language, workspace: str = "") -> bytes:
        """The team chart as a PNG, drawn in a worker thread."""
        setup = await self.setup(team, language, workspace)
        questions = await self.questions(team, language, workspace)
        return await asyncio.to_thread(
            self._draw, setup.funnel, questions.weeks, setup.started, language
        )

    async def slack_admins(self, team: str, workspace: str = "") -> frozenset[str]:
        """The team's (or one workspace of an organisation's) Slack admins who used the bot
        lately."""
        return await self._activity.slack_admins(team, workspace)

    async def _read(self, team: str, workspace: str) -> _Progress:
        seen = await self._members.seen(team, workspace)
        people = await self._progress.people(team, seen)
        done = await self._progress.done_by(team, [user for user, _ in people])
        started, finished = await self._activity.milestones(team)
        return _Progress(
            people,
            done,
            {user: at for user, at in started.items() if user in seen},
            {user: at for user, at in finished.items() if user in seen},
            seen,
        )

    async def forget_workspace(self, team: str, workspace: str) -> None:
        """Delete who was seen in ``workspace`` of the organisation ``team``, and its counts."""
        await self._members.forget_workspace(team, workspace)

    async def chart_file(self, team: str, workspace: str, channel: str) -> str | None:
        """The chart uploaded into ``channel`` in the last few minutes, if any."""
        return await self._activity.chart_file(team, workspace, channel)

    async def keep_chart_file(self, team: str, workspace: str, channel: str, file_id: str) -> None:
        """The chart just uploaded into ``channel``: App Home shows it for a few minutes."""
        await self._activity.keep_chart_file(team, workspace, channel, file_id)

    def _card(self, topic: str) -> Card | None:
        return self._content.card(topic) if self._content.has(topic) else None


@dataclass(frozen=True)
class _Progress:
    """The team's progress as read: everyone by last change, their steps, their milestones."""

    people: list[tuple[str, float]]
    done: dict[str, frozenset[str]]
    started: dict[str, float]
    finished: dict[str, float]
    seen: Seen

    def figures(self, steps: Sequence[Card], language: Language) -> SetupFigures:
        return SetupFigures(
            started=len(self.people),
            finished=len(self.finished),
            median_days=insights.median_days(self.started, self.finished),
            funnel=insights.funnel(steps, self.done.values(), language),
        )
