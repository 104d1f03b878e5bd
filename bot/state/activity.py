"""The team's activity, week by week: questions and votes counted as they come.

Each ISO week of a team has a hash of counters (questions asked, answered, not covered,
👍 and 👎, the answers' languages and cards) and a set of who asked; both live 9 weeks
after their last write, so the last 8 weeks are always there and nothing older piles up.
A question's words are never counted here (the uncovered ones are logged by
``FeedbackStore`` for the content's authors). The counting starts when this code first
runs, and the first count keeps that moment, so views say "since" instead of showing
the weeks before as empty.

The ``write_*`` functions add their commands to a pipeline that already holds the other
writes of the same event, so a question or a vote is counted in the same round trip.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

import redis.asyncio as redis

from bot.person import Person
from bot.state import members, schema, store

WEEKS_SECONDS = 9 * 7 * 86400  # the last 8 weeks, and the one before for their edges
CHART_SECONDS = 300

# The counters' names: fixed ones, and a prefix with an answer's language or card.
ASKED, ANSWERED, NOT_COVERED, UP, DOWN = "asked", "answered", "not_covered", "up", "down"
LANGUAGE, TOPIC = "lang:", "topic:"


@dataclass(frozen=True)
class WeekCounts:
    """One week's counters (absent ones are 0) and how many people asked that week."""

    week: str  # "2026-W07"
    counts: dict[str, int] = field(default_factory=dict)
    askers: int = 0

    def __getitem__(self, name: str) -> int:
        return self.counts.get(name, 0)

    def prefixed(self, prefix: str) -> dict[str, int]:
        """The counters named ``prefix`` + something, by that something."""
        return {k.removeprefix(prefix): v for k, v in self.counts.items() if k.startswith(prefix)}


def week_of(at: float) -> str:
    """The ISO week (UTC) that holds the moment ``at``: "2026-W07"."""
    year, week, _ = datetime.datetime.fromtimestamp(at, datetime.UTC).isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> datetime.date:
    """The Monday that starts ``week``."""
    year, number = week.split("-W")
    return datetime.date.fromisocalendar(int(year), int(number), 1)


def last_weeks(now: float, count: int) -> list[str]:
    """The ``count`` weeks up to the one holding ``now``, oldest first."""
    return [week_of(now - 7 * 86400 * back) for back in reversed(range(count))]


def write_question(
    pipe: redis.client.Pipeline,
    person: Person,
    at: float,
    *,
    topic: str | None,
    language: str,
) -> None:
    """Count a question asked by ``person``: answered by ``topic``'s card, or not covered."""
    team = person.team
    counted = _counts(person, at)
    askers = schema.WEEK_ASKERS.key(team, week_of(at))
    for counts in counted:
        pipe.hincrby(counts, ASKED, 1)
        pipe.hincrby(counts, ANSWERED if topic else NOT_COVERED, 1)
        pipe.hincrby(counts, LANGUAGE + language, 1)
        if topic:
            pipe.hincrby(counts, TOPIC + topic, 1)
    pipe.sadd(askers, person.user)
    members.write_seen(pipe, person)
    _kept(pipe, team, at, *counted, askers)


def write_vote(pipe: redis.client.Pipeline, person: Person, at: float, *, helpful: bool) -> None:
    """Count a 👍 or a 👎 cast by ``person`` at ``at``."""
    counted = _counts(person, at)
    for counts in counted:
        pipe.hincrby(counts, UP if helpful else DOWN, 1)
    members.write_seen(pipe, person)
    _kept(pipe, person.team, at, *counted)


def _counts(person: Person, at: float) -> list[str]:
    """The week's counters the person's question or vote goes into: their team's, and in an
    org-wide install their workspace's too (which its admins see)."""
    week, workspace = week_of(at), person.org_workspace
    names = [schema.WEEK_COUNTS.key(person.team, week)]
    if workspace:
        names.append(schema.WORKSPACE_WEEK_COUNTS.key(person.team, workspace, week))
    return names


def _kept(pipe: redis.client.Pipeline, team: str, at: float, *names: str) -> None:
    for name in names:
        pipe.expire(name, WEEKS_SECONDS)
    pipe.set(schema.COUNTING_SINCE.key(team), repr(at), nx=True)


class ActivityStore:
    """Reads the weekly counters, who the team's Slack admins are, and the chart's cache."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    async def weeks(self, team: str, weeks: Sequence[str], workspace: str = "") -> list[WeekCounts]:
        """The counters of each of ``weeks``, in one round trip: the team's, or one
        workspace's of an organisation (who asked: those seen there)."""
        async with store.available(), self._redis.pipeline(transaction=False) as pipe:
            # Who was seen in the workspace, read with the weeks' askers and kept in common
            # here: a cluster's pipeline refuses SINTER, though both keys share the team's slot.
            if workspace:
                pipe.smembers(schema.MEMBERS.key(team, workspace))
            for week in weeks:
                askers = schema.WEEK_ASKERS.key(team, week)
                if workspace:
                    pipe.hgetall(schema.WORKSPACE_WEEK_COUNTS.key(team, workspace, week))
                    pipe.smembers(askers)
                else:
                    pipe.hgetall(schema.WEEK_COUNTS.key(team, week))
                    pipe.scard(askers)
            found = await pipe.execute()
        seen: set[str] = set(found.pop(0)) if workspace else set()
        return [
            WeekCounts(week, {str(k): int(v) for k, v in counts.items()}, _size(askers, seen))
            for week, counts, askers in zip(weeks, found[::2], found[1::2], strict=True)
        ]

    async def askers(self, team: str, weeks: Sequence[str], workspace: str = "") -> int:
        """How many people asked in any of ``weeks`` (each counted once): of the team, or
        of one workspace of an organisation."""
        names = [schema.WEEK_ASKERS.key(team, week) for week in weeks]
        if not names:
            return 0
        async with store.available():
            askers = await self._redis.sunion(names)
            if workspace:
                askers &= await self._redis.smembers(schema.MEMBERS.key(team, workspace))
        return len(askers)

    async def milestones(self, team: str) -> tuple[dict[str, float], dict[str, float]]:
        """When each person did their first step, and when each finished (``STARTED``,
        ``FINISHED``)."""
        async with store.available(), self._redis.pipeline(transaction=False) as pipe:
            pipe.zrange(schema.STARTED.key(team), 0, -1, withscores=True)
            pipe.zrange(schema.FINISHED.key(team), 0, -1, withscores=True)
            started, finished = await pipe.execute()
        # withscores: each item is a (member, score) pair.
        return (
            {str(pair[0]): float(pair[1]) for pair in started},
            {str(pair[0]): float(pair[1]) for pair in finished},
        )

    async def since(self, team: str) -> float | None:
        """When the team's first question or vote was counted; None before any was."""
        async with store.available():
            raw = await self._redis.get(schema.COUNTING_SINCE.key(team))
        return None if raw is None else float(raw)

    async def slack_admins(self, team: str, workspace: str = "") -> frozenset[str]:
        """The team's Slack admins who have used the bot lately (``ADMINS``), or those of
        one workspace of an organisation."""
        if workspace:
            name = schema.WORKSPACE_ADMINS.key(team, workspace)
        else:
            name = schema.ADMINS.key(team)
        async with store.available():
            found = await self._redis.smembers(name)
        return frozenset(map(str, found))

    async def chart_file(self, team: str, workspace: str, channel: str) -> str | None:
        """The id of the chart uploaded into ``channel`` in the last few minutes, if any."""
        async with store.available():
            raw = await self._redis.get(schema.CHART.key(team, workspace, channel))
        return None if raw is None else str(raw)

    async def keep_chart_file(self, team: str, workspace: str, channel: str, file_id: str) -> None:
        name = schema.CHART.key(team, workspace, channel)
        async with store.available():
            await self._redis.set(name, file_id, ex=CHART_SECONDS)


def _size(found: int | set[str], seen: set[str]) -> int:
    """How many: SCARD's count, or the askers among those ``seen`` in the workspace."""
    return found if isinstance(found, int) else len(found & seen)
