"""Reminders in Redis: who is due one, what each person was sent, and once-only claims.

A person's next reminder is scheduled by every change to their progress
(``ProgressStore``): a sorted set per team, scored by when it is due. A sweep reads only
the entries already due, team by team, so its cost follows how many are due, not how many
people there are. Sending one is claimed first (``SET NX`` with a short lease), so any
number of processes send it once; a process that dies mid-send leaves the lease to expire
and the entry due, and a later sweep sends it. What was sent is recorded only after Slack
took it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as redis
from redis.exceptions import WatchError

from bot.person import Person
from bot.state import schema, store

# Long enough to send a reminder (a users.info and a chat.postMessage, with their
# retries); short enough that one a dead process claimed goes out minutes later.
CLAIM_SECONDS = 120

# A digest claim held while it is sent, then for as long as its week can come round.
DIGEST_SENDING_SECONDS = 120
DIGEST_SENT_SECONDS = 8 * 86400


@dataclass(frozen=True)
class Due:
    """A reminder due for ``user`` of ``team`` since ``at``."""

    team: str
    user: str
    at: float


@dataclass(frozen=True)
class Sent:
    """What a person was sent so far: how many reminders, the last one's step, whether they
    stopped them, and their workspace within an org-wide install (empty: the team)."""

    count: int = 0
    step: str | None = None
    stopped: bool = False
    workspace: str = ""


class ReminderStore:
    """Reads what is due and keeps what was sent, stopped and claimed."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    async def due(self, now: float, *, per_team: int = 100) -> list[Due]:
        """Reminders due by ``now``, at most ``per_team`` of each team, oldest first."""
        async with store.available():
            teams = sorted(map(str, await self._redis.smembers(schema.NUDGE_TEAMS.key())))
            async with self._redis.pipeline(transaction=False) as pipe:
                for team in teams:
                    pipe.zrangebyscore(
                        schema.NUDGE_DUE.key(team), "-inf", now, 0, per_team, withscores=True
                    )
                    pipe.exists(schema.NUDGE_DUE.key(team))
                found = await pipe.execute()
        due, idle = [], []
        for team, entries, scheduled in zip(teams, found[::2], found[1::2], strict=True):
            due += [Due(team, str(user), float(at)) for user, at in entries]
            if not scheduled:
                idle.append(team)
        for team in idle:
            await self._retire(team)
        return due

    async def sent(self, team: str, user: str) -> Sent:
        """What ``user`` was sent so far."""
        async with store.available():
            state = await self._redis.hgetall(schema.NUDGE.key(team, user))
        return Sent(
            count=int(state.get("sent") or 0),
            step=str(state["step"]) if state.get("step") else None,
            stopped=state.get("stopped") == "1",
            workspace=str(state.get("workspace") or ""),
        )

    async def claim(self, due: Due) -> bool:
        """Whether this process may send ``due``'s reminder now: no other is sending it, and
        it is still due as read (the person may have acted since, which moved it on)."""
        name = schema.NUDGE_CLAIM.key(due.team, due.user)
        async with store.available():
            if not await self._redis.set(name, "1", nx=True, ex=CLAIM_SECONDS):
                return False
            return await self._still(due)

    async def last_change(self, team: str, user: str) -> float | None:
        """When ``user`` last changed their progress."""
        async with store.available():
            return await self._redis.zscore(schema.PEOPLE.key(team), user)

    async def record(self, due: Due, step: str) -> None:
        """A reminder for ``step`` was sent: count it, and nothing is due until they act.
        Not when the person acted, forgot or left meanwhile: nothing is kept then."""
        name = schema.NUDGE.key(due.team, due.user)
        await self._if_still(due, lambda pipe: (
            pipe.hincrby(name, "sent", 1),
            pipe.hset(name, "step", step),
            pipe.zrem(schema.NUDGE_DUE.key(due.team), due.user),
        ))  # fmt: skip

    async def postpone(self, due: Due, until: float) -> None:
        """Due again at ``until`` (outside their working hours now, or after a failure):
        never earlier than a time their acting since has set."""
        async with store.available():
            await self._redis.zadd(
                schema.NUDGE_DUE.key(due.team), {due.user: until}, xx=True, gt=True
            )

    async def drop(self, due: Due) -> None:
        """Nothing is due for ``due``'s person until they change their progress again
        (unless they did since it was read)."""
        await self._if_still(due, lambda pipe: pipe.zrem(schema.NUDGE_DUE.key(due.team), due.user))

    async def stop(self, person: Person, *, stopped: bool) -> None:
        """The person stopped reminders ("Stop reminders", ``reminders off``) or let them
        come again (``reminders on``)."""
        name = schema.NUDGE.key(person.team, person.user)
        async with store.available():
            if stopped:
                await self._redis.hset(name, "stopped", "1")
            else:
                await self._redis.hdel(name, "stopped")

    async def teams(self) -> list[str]:
        """Every team whose people have started: where digests may be owed."""
        async with store.available():
            return sorted(map(str, await self._redis.smembers(schema.TEAMS.key())))

    async def claim_digest(self, team: str, workspace: str, user: str, week: str) -> bool:
        """Whether this process may send ``user`` the digest of ``workspace`` (``team``
        itself, or one of its workspaces) for ``week``: nobody sent it, and nobody is
        sending it."""
        name = schema.DIGEST_CLAIM.key(team, workspace, user, week)
        async with store.available():
            return bool(await self._redis.set(name, "sending", nx=True, ex=DIGEST_SENDING_SECONDS))

    async def digest_sent(self, team: str, workspace: str, user: str, week: str) -> None:
        """The digest of ``workspace`` for ``week`` reached ``user``: not again that week."""
        name = schema.DIGEST_CLAIM.key(team, workspace, user, week)
        async with store.available():
            await self._redis.set(name, "sent", ex=DIGEST_SENT_SECONDS)

    async def _still(self, due: Due) -> bool:
        """Whether ``due`` is scheduled as it was read."""
        return await self._redis.zscore(schema.NUDGE_DUE.key(due.team), due.user) == due.at

    async def _if_still(self, due: Due, write: Callable[[redis.client.Pipeline], object]) -> bool:
        """Run ``write`` in a transaction if ``due`` is still scheduled as it was read; a
        change meanwhile (the person acted, forgot, or their workspace left) wins."""
        name = schema.NUDGE_DUE.key(due.team)
        async with store.available(), self._redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(name)
                if await pipe.zscore(name, due.user) != due.at:
                    return False
                pipe.multi()  # type: ignore[no-untyped-call]
                write(pipe)
                await pipe.execute()
            except WatchError:
                return False
        return True

    async def _retire(self, team: str) -> None:
        """A team with nothing scheduled leaves the index, unless something was scheduled
        meanwhile. The index is in a slot of its own on a cluster, so no transaction holds
        both: the team is taken out, then its schedule read again, and put back if a change
        came in between (a change writes the schedule first, then the index: whichever of
        the two runs second leaves the team listed)."""
        due, teams = schema.NUDGE_DUE.key(team), schema.NUDGE_TEAMS.key()
        async with store.available():
            await self._redis.srem(teams, team)
            if await self._redis.exists(due):
                await self._redis.sadd(teams, team)
