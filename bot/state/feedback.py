"""Signals for the content's authors: votes, questions the guide did not cover, "not helpful"s.

Unanswered questions and "not helpful" votes are kept in sorted sets scored by time, so
entries older than the retention period (GAPS_RETENTION_DAYS) are dropped on every write
and never read. Storage is bounded whatever people post: a logged question keeps its first
``QUESTION_CHARS`` characters, a workspace its newest ``QUESTIONS_KEPT`` questions, and a
person has ``QUESTIONS_A_DAY`` logged a day (the rest are answered, not logged).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

import redis.asyncio as redis

from bot.person import Person
from bot.state import activity, schema, store
from bot.state.members import EVERYONE, Seen
from bot.state.schema import question_entry

DAY = 86400
# Enough for any real question, and for the content's authors to read at a glance.
QUESTION_CHARS = 500
QUESTIONS_KEPT = 2000
QUESTIONS_A_DAY = 50


@dataclass(frozen=True)
class Asked:
    """A question the guide did not cover."""

    user: str
    question: str
    at: float


@dataclass(frozen=True)
class Unhelpful:
    """Someone found a topic's answer not helpful."""

    user: str
    topic: str
    at: float


class FeedbackStore:
    """Votes per topic, the log of uncovered questions, and the "not helpful" log."""

    def __init__(self, client: redis.Redis, *, retention_days: int = 90) -> None:
        self._redis = client
        self.retention_days = retention_days

    async def vote(self, person: Person, topic: str, *, helpful: bool) -> None:
        """Record a vote, and count it in the week's figures; a person's latest vote on a
        topic replaces their earlier one (the week's figures count both)."""
        now = time.time()
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            self.write_vote(pipe, person.team, person.user, topic, helpful, now)
            activity.write_vote(pipe, person, now, helpful=helpful)
            await pipe.execute()

    def write_vote(
        self,
        pipe: redis.client.Pipeline,
        team: str,
        user: str,
        topic: str,
        helpful: bool,
        at: float | None,
    ) -> None:
        """The commands that keep a vote (an import passes when it was cast, if known)."""
        unhelpful = schema.UNHELPFUL.key(team)
        pipe.hset(schema.FEEDBACK.key(team, topic), user, "up" if helpful else "down")
        if helpful:
            pipe.zrem(unhelpful, f"{topic}|{user}")
        elif at is not None:
            pipe.zadd(unhelpful, {f"{topic}|{user}": at})
            self._expire(pipe, unhelpful)

    def write_question(self, pipe: redis.client.Pipeline, team: str, entry: str, at: float) -> None:
        """The commands that log a question (``question_entry``) asked at ``at``."""
        name = schema.UNANSWERED.key(team)
        pipe.zadd(name, {entry: at})
        pipe.zremrangebyrank(name, 0, -QUESTIONS_KEPT - 1)  # the newest are kept
        self._expire(pipe, name)

    async def tally(self, team: str, topic: str, seen: Seen = EVERYONE) -> tuple[int, int]:
        """(helpful, not helpful) votes on a topic, by the people ``seen``."""
        async with store.available():
            votes = await self._redis.hgetall(schema.FEEDBACK.key(team, topic))
        shown = [vote for voter, vote in votes.items() if voter in seen]
        return shown.count("up"), shown.count("down")

    async def unanswered(self, person: Person, question: str, language: str = "en") -> None:
        """Log a question the guide did not cover (replied to in ``language``), its start
        only, within the person's daily quota, and count it in the week's figures."""
        if len(question) > QUESTION_CHARS:
            question = question[: QUESTION_CHARS - 1] + "…"
        # A random id keeps two identical questions as two entries.
        entry = question_entry(uuid.uuid4().hex, person.user, question)
        quota = schema.QUESTIONS_LOGGED.key(person.team, person.user)
        now = time.time()
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            pipe.set(quota, 0, ex=DAY, nx=True)
            pipe.incr(quota)
            _, logged = await pipe.execute()
            if int(logged) <= QUESTIONS_A_DAY:
                self.write_question(pipe, person.team, entry, now)
            activity.write_question(pipe, person, now, topic=None, language=language)
            await pipe.execute()

    async def answered(self, person: Person, topic: str, language: str) -> None:
        """Count a question the guide answered with ``topic``'s card, in ``language``."""
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            activity.write_question(pipe, person, time.time(), topic=topic, language=language)
            await pipe.execute()

    async def recent_unanswered(self, team: str) -> list[Asked]:
        """Uncovered questions within the retention period, newest first."""
        asked = []
        for member, at in await self._scored(schema.UNANSWERED.key(team)):
            entry = json.loads(member)
            asked.append(Asked(str(entry["user"]), str(entry["question"]), at))
        return asked

    async def recent_unhelpful(self, team: str) -> list[Unhelpful]:
        """ "Not helpful" votes within the retention period, newest first."""
        votes = []
        for member, at in await self._scored(schema.UNHELPFUL.key(team)):
            topic, _, user = member.partition("|")
            votes.append(Unhelpful(user, topic, at))
        return votes

    async def _scored(self, name: str) -> list[tuple[str, float]]:
        """A sorted set's members within the retention period, newest first."""
        async with store.available():
            raw = await self._redis.zrevrangebyscore(name, "+inf", self._cutoff(), withscores=True)
        # withscores: each item is a (member, score) pair.
        return [(str(pair[0]), float(pair[1])) for pair in raw]

    async def teams(self) -> list[str]:
        """Every team with unanswered questions or "not helpful" votes on record."""
        return await schema.teams(self._redis, (schema.UNANSWERED, schema.UNHELPFUL))

    def cutoff(self) -> float:
        """When the retention period starts: entries older than this are gone."""
        return self._cutoff()

    def _cutoff(self) -> float:
        return time.time() - self.retention_days * DAY

    def _expire(self, pipe: redis.client.Pipeline, name: str) -> None:
        # Old entries go on every write; the key itself goes when nothing is written for
        # a whole retention period.
        pipe.zremrangebyscore(name, "-inf", self._cutoff())
        pipe.expire(name, self.retention_days * DAY)
