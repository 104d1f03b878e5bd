"""Setup progress per (team, user): which checklist steps are done, kept in Redis.

Each person's progress is one Redis set of topic ids, so marking and undoing are single
atomic commands: two processes updating the same person at once lose nothing. Topic
ids, not step numbers, are stored, so reordering the checklist keeps everyone's ticks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis

from bot.person import Person
from bot.state import members, schema, store
from bot.state.members import EVERYONE, Seen

# Queues commands on a pipeline (a transaction), to be sent with a read.
Along = Callable[[redis.client.Pipeline], None]


@dataclass(frozen=True)
class Change:
    """A step marked or undone: whether that changed anything, and the steps done after it.

    True when it changed something, as the bool these calls return in a condition.
    """

    changed: bool
    done: frozenset[str]

    def __bool__(self) -> bool:
        return self.changed


class ProgressStore:
    """Read and change people's checklist progress.

    Every change also schedules the person's reminder ``remind_after`` seconds on: it goes
    out only if nothing changes before then (``bot.state.reminders`` reads what is due).
    """

    def __init__(self, client: redis.Redis, *, remind_after: float = 72 * 3600) -> None:
        self._redis = client
        self._remind_after = remind_after

    async def done(self, person: Person, *, along: Along | None = None) -> frozenset[str]:
        """The topic ids this person has marked done; ``along`` queues other commands (a
        count to keep) in the same transaction, so both cost one round trip."""
        async with store.available():
            if along is None:
                members = await self._redis.smembers(_done_key(person))
            else:
                async with self._redis.pipeline(transaction=True) as pipe:
                    along(pipe)
                    pipe.smembers(_done_key(person))
                    members = (await pipe.execute())[-1]
        return frozenset(str(member) for member in members)

    async def mark_done(self, person: Person, topic: str) -> Change:
        """Mark a step done; falsy when it already was."""
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(_done_key(person), topic)
            # When they did their first step: a later one does not move it.
            pipe.zadd(schema.STARTED.key(person.team), {person.user: time.time()}, nx=True)
            return self._change(await self._touched(pipe, person))

    async def undo(self, person: Person, topic: str) -> Change:
        """Mark a step not done; falsy when it was not done."""
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            pipe.srem(_done_key(person), topic)
            return self._change(await self._touched(pipe, person))

    async def reset(self, person: Person) -> None:
        """Forget every step this person marked, when they started and finished, and the
        reminder that was due: they start again from nothing."""
        team, user = person.team, person.user
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(_done_key(person))
            for kind in (schema.STARTED, schema.FINISHED, schema.NUDGE_DUE):
                pipe.zrem(kind.key(team), user)
            await pipe.execute()

    async def finished(self, person: Person, *, finished: bool) -> None:
        """Keep when the person did their last required step (``finished``), or that they
        are no longer finished; a finished person is reminded of nothing."""
        team, user = person.team, person.user
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            if finished:
                pipe.zadd(schema.FINISHED.key(team), {user: time.time()}, nx=True)
                pipe.zrem(schema.NUDGE_DUE.key(team), user)
            else:
                pipe.zrem(schema.FINISHED.key(team), user)
            await pipe.execute()

    async def people(self, team: str, seen: Seen = EVERYONE) -> list[tuple[str, float]]:
        """Everyone in the team who has ticked a step (of those ``seen``: one workspace's,
        in an organisation), with when they last changed it, the latest first."""
        async with store.available():
            raw = await self._redis.zrevrange(schema.PEOPLE.key(team), 0, -1, withscores=True)
        return [(str(pair[0]), float(pair[1])) for pair in raw if str(pair[0]) in seen]

    async def done_by(self, team: str, users: list[str]) -> dict[str, frozenset[str]]:
        """The steps each of ``users`` has done, in one round trip."""
        async with store.available(), self._redis.pipeline(transaction=False) as pipe:
            for user in users:
                pipe.smembers(_done_key(Person(team, user)))
            results = await pipe.execute()
        return {user: frozenset(map(str, done)) for user, done in zip(users, results, strict=True)}

    async def _touched(self, pipe: redis.client.Pipeline, person: Person) -> list[Any]:
        # Remember who has started and when, for the team view: a sorted set by last change.
        # The steps done are read in the same transaction, so the checklist shown after a
        # change needs no second round trip and shows exactly this change's result.
        now, team, user = time.time(), person.team, person.user
        due = now + self._remind_after
        pipe.zadd(schema.PEOPLE.key(team), {user: now})
        pipe.zadd(schema.NUDGE_DUE.key(team), {user: due})
        members.write_seen(pipe, person)
        if person.workspace_id and person.workspace_id != team:
            # Whose settings apply when the reminder goes (an org-wide install's workspace).
            pipe.hset(schema.NUDGE.key(team, user), "workspace", person.workspace_id)
        pipe.smembers(_done_key(person))
        results = list(await pipe.execute())
        # Where the sweep looks for reminders and digests: the process's sets, outside the
        # transaction, which holds only the team's keys (one hash tag, one cluster slot).
        await schema.index(self._redis, team, (schema.NUDGE_TEAMS.key(), schema.TEAMS.key()))
        return results

    @staticmethod
    def _change(results: list[Any]) -> Change:
        return Change(bool(results[0]), frozenset(map(str, results[-1])))


def _done_key(person: Person) -> str:
    return schema.PROGRESS.key(person.team, person.user)
