"""Where a team is with the setup, as figures a chart, the team view or a digest shows: how
many people did each checklist step, who finished and how fast, who stalled, and how many
questions the guide answered or did not cover, per week. Computed from what the stores
read, with no I/O here."""

from __future__ import annotations

import datetime
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.guide.content import Card
from bot.state import activity
from bot.state.activity import WeekCounts
from bot.strings import Language

DAY = 86400
STALLED_SHOWN = 5
TOP_CARDS = 5


@dataclass(frozen=True)
class WeekPoint:
    """The questions asked in one week: those the guide answered and those it did not cover."""

    week_start: datetime.date
    answered: int
    not_covered: int


@dataclass(frozen=True)
class FunnelStep:
    """One checklist step and how many people did it."""

    number: int
    title: str  # already in the reader's language
    reached: int


@dataclass(frozen=True)
class SetupFigures:
    """How far the team is: who started and finished, how long finishing took, and the
    funnel (how many people did each step)."""

    started: int
    finished: int
    median_days: float | None  # from the first step to the last required one; None: nobody
    funnel: tuple[FunnelStep, ...]


@dataclass(frozen=True)
class TopCard:
    """A card that answered questions, and how many."""

    title: str  # already in the reader's language
    topic: str
    count: int


@dataclass(frozen=True)
class QuestionFigures:
    """The questions of the last weeks: per week, answered or not, votes, askers, languages
    and the cards that answered most. ``weeks`` starts at the week counting began, so no
    week before ``since`` is shown as empty."""

    weeks: tuple[WeekPoint, ...]
    since: float | None  # when counting began; None: nothing counted yet
    asked: int = 0
    answered: int = 0
    not_covered: int = 0
    up: int = 0
    down: int = 0
    askers: int = 0
    languages: tuple[tuple[str, int], ...] = ()  # language code, questions; most first
    top: tuple[TopCard, ...] = ()

    @property
    def answered_percent(self) -> int:
        return round(100 * self.answered / self.asked) if self.asked else 0

    @property
    def not_covered_percent(self) -> int:
        return 100 - self.answered_percent if self.asked else 0


@dataclass(frozen=True)
class Stalled:
    """Someone who started and then did nothing for a while: their next step, how long."""

    user: str
    step_number: int
    step_title: str  # already in the reader's language
    idle_days: int


def funnel(
    steps: Sequence[Card], done: Iterable[frozenset[str]], language: Language
) -> tuple[FunnelStep, ...]:
    """How many of the people whose ``done`` steps are given did each step."""
    reached = Counter(topic for theirs in done for topic in theirs)
    return tuple(
        FunnelStep(number, card.title_in(language), reached[card.topic])
        for number, card in enumerate(steps, start=1)
    )


def median_days(started: dict[str, float], finished: dict[str, float]) -> float | None:
    """The median days from a person's first step to their finish, over those who finished
    and whose start is known (a version 1 import does not say); one decimal."""
    took = [(at - started[user]) / DAY for user, at in finished.items() if user in started]
    return round(statistics.median(took), 1) if took else None


def stalled(
    steps: Sequence[Card],
    people: Sequence[tuple[str, float]],
    done: dict[str, frozenset[str]],
    now: float,
    *,
    after: float,
    language: Language,
) -> tuple[Stalled, ...]:
    """Who has a required step left and changed nothing for ``after`` seconds, the longest
    idle first, ``STALLED_SHOWN`` at most."""
    found = []
    for user, last_change in people:
        left = [(n, card) for n, card in enumerate(steps, 1) if card.topic not in done[user]]
        required = [(n, card) for n, card in left if not card.optional]
        if required and done[user] and now - last_change >= after:
            number, card = required[0]
            idle = int((now - last_change) // DAY)
            found.append(Stalled(user, number, card.title_in(language), idle))
    found.sort(key=lambda person: -person.idle_days)
    return tuple(found[:STALLED_SHOWN])


def question_figures(
    weeks: Sequence[WeekCounts],
    askers: int,
    since: float | None,
    cards: Callable[[str], Card | None],
    language: Language,
) -> QuestionFigures:
    """The figures of ``weeks`` (oldest first), from the week that holds ``since`` on;
    ``cards`` finds a topic's card (None for one since removed)."""
    if since is None:
        return QuestionFigures(weeks=(), since=None)
    counted = [week for week in weeks if week.week >= activity.week_of(since)]
    total: Counter[str] = Counter()
    for week in counted:
        total.update(week.counts)
    top: list[TopCard] = []
    topics = Counter({t: n for week in counted for t, n in week.prefixed(activity.TOPIC).items()})
    for topic, count in topics.most_common():
        card = cards(topic)
        if card is not None and len(top) < TOP_CARDS:
            top.append(TopCard(card.title_in(language), topic, count))
    languages = Counter(
        {c: n for week in counted for c, n in week.prefixed(activity.LANGUAGE).items()}
    )
    return QuestionFigures(
        weeks=tuple(
            WeekPoint(activity.week_start(w.week), w[activity.ANSWERED], w[activity.NOT_COVERED])
            for w in counted
        ),
        since=since,
        asked=total[activity.ASKED],
        answered=total[activity.ANSWERED],
        not_covered=total[activity.NOT_COVERED],
        up=total[activity.UP],
        down=total[activity.DOWN],
        askers=askers,
        languages=tuple(languages.most_common()),
        top=tuple(top),
    )
