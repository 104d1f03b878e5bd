"""Setup progress per (team, user): which checklist steps are done, kept in Redis.

Each person's progress is one Redis set of topic ids, so marking and undoing are single
atomic commands: two processes updating the same person at once lose nothing. Topic
ids, not step numbers, are stored, so reordering the checklist keeps everyone's ticks.
"""

from __future__ import annotations

import time

import redis.asyncio as redis

from bot.person import Person
from bot.state import store


class ProgressStore:
    """Read and change people's checklist progress."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    async def done(self, person: Person) -> frozenset[str]:
        """The topic ids this person has marked done."""
        async with store.available():
            members = await self._redis.smembers(_done_key(person))
        return frozenset(str(member) for member in members)

    async def mark_done(self, person: Person, topic: str) -> bool:
        """Mark a step done; False when it already was."""
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(_done_key(person), topic)
            self._touch(pipe, person)
            added, *_ = await pipe.execute()
        return bool(added)

    async def undo(self, person: Person, topic: str) -> bool:
        """Mark a step not done; False when it was not done."""
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            pipe.srem(_done_key(person), topic)
            self._touch(pipe, person)
            removed, *_ = await pipe.execute()
        return bool(removed)

    async def reset(self, person: Person) -> None:
        """Forget every step this person marked."""
        async with store.available():
            await self._redis.delete(_done_key(person))

    async def people(self, team: str) -> list[tuple[str, float]]:
        """Everyone in the team who has ticked a step, with when they last changed it."""
        async with store.available():
            raw = await self._redis.zrevrange(store.key("people", team), 0, -1, withscores=True)
        return [(str(pair[0]), float(pair[1])) for pair in raw]

    async def done_by(self, team: str, users: list[str]) -> dict[str, frozenset[str]]:
        """The steps each of ``users`` has done, in one round trip."""
        async with store.available(), self._redis.pipeline(transaction=False) as pipe:
            for user in users:
                pipe.smembers(_done_key(Person(team, user)))
            results = await pipe.execute()
        return {user: frozenset(map(str, done)) for user, done in zip(users, results, strict=True)}

    def _touch(self, pipe: redis.client.Pipeline, person: Person) -> None:
        # Remember who has started and when, for the team view: a sorted set by last change.
        pipe.zadd(store.key("people", person.team), {person.user: time.time()})


def _done_key(person: Person) -> str:
    return store.key("progress", person.team, person.user)
