"""What the bot keeps about people, read in one place: for forgetting, exporting, importing.

Everything here follows bot.state.schema: ``forget`` deletes a person's entries in every
personal kind, ``forget_team`` every key keyed by the team, and ``records``, ``export``
and ``restore`` go through the schema's codecs, one per section of the export (checklist
progress, helpful / not helpful votes, the questions logged for the content's authors).
A kind declared there is covered here with no edit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis

from bot.person import Person
from bot.state import archive, codecs, schema, store
from bot.state.feedback import FeedbackStore
from bot.state.schema import Kind


@dataclass(frozen=True)
class Forgotten:
    """What was deleted."""

    steps: int
    votes: int
    questions: int


@dataclass(frozen=True)
class Restored:
    """What an import wrote."""

    teams: int
    people: int
    votes: int
    questions: int
    notes: int  # the workspaces' notes on cards


class Privacy:
    """Knows every kind of key the bot keeps about people (from ``kinds``, the schema's)."""

    def __init__(
        self, client: redis.Redis, feedback: FeedbackStore, kinds: Sequence[Kind] = schema.KINDS
    ) -> None:
        self._redis = client
        self._feedback = feedback  # votes and questions are written its way, kept as long
        self._kinds = kinds

    async def records(self, team: str, user: str | None = None) -> archive.Team:
        """Everything kept about the people of ``team``, or only about ``user``."""
        sections: dict[str, Any] = {}
        async with store.available():
            for codec in codecs.CODECS:
                found = await codec.read(self._redis, self._feedback, team, user)
                sections[codec.section] = tuple(found)
        return archive.Team(team=team, **sections)

    async def forget(self, person: Person) -> Forgotten:
        """Delete everything kept about ``person``: their records and the caches about them.

        Votes and questions are found by scanning, not from the current cards, so those on
        a topic that has since been renamed or removed go too.
        """
        kept = await self.records(person.team, person.user)
        async with store.available():
            await self._erase(person.team, person.user)
        steps = sum(len(p.done) for p in kept.progress)
        return Forgotten(steps=steps, votes=len(kept.votes), questions=len(kept.questions))

    async def forget_team(self, team: str) -> archive.Team:
        """Delete every key keyed by a workspace: everything about its people, the caches and
        throttles (the workspace uninstalled the app); return the records deleted."""
        kept = await self.records(team)
        async with store.available():
            names = []
            for kind in self._kinds:
                if "team" in kind.parts:
                    names += await schema.scan(self._redis, kind.glob(team=team))
            if names:
                await self._redis.delete(*names)
        return kept

    async def export(self, team: str | None = None) -> archive.Archive:
        """Everything kept about everyone, team by team (or about one team's people)."""
        teams = [await self.records(each) for each in await self.teams() if team in (None, each)]
        return archive.Archive(exported_at=time.time(), teams=tuple(teams))

    async def restore(self, data: archive.Archive) -> Restored:
        """Write an export back. Idempotent: importing the same file twice changes nothing.

        One transaction per team: a team's keys share its hash tag, so on a Redis Cluster
        each team's import is whole or not at all (an interrupted import is run again).
        """
        async with store.available():
            for team in data.teams:
                async with self._redis.pipeline(transaction=True) as pipe:
                    for codec in codecs.CODECS:
                        codec.write(pipe, self._feedback, team.team, getattr(team, codec.section))
                    await pipe.execute()
                indexes = {
                    index.key()
                    for codec in codecs.CODECS
                    if getattr(team, codec.section)
                    for index in codec.indexes
                }
                await schema.index(self._redis, team.team, indexes)
        return Restored(
            teams=len(data.teams),
            people=sum(len(t.progress) for t in data.teams),
            votes=sum(len(t.votes) for t in data.teams),
            questions=sum(len(t.questions) for t in data.teams),
            notes=sum(len(t.notes) for t in data.teams),
        )

    async def teams(self) -> list[str]:
        """Every team with anything exported about its people."""
        kinds = [kind for codec in codecs.CODECS for kind in (*codec.kinds, *codec.shared)]
        async with store.available():
            return await schema.teams(self._redis, kinds)

    async def _erase(self, team: str, user: str) -> None:
        """Delete the person's keys, and their entries in the team's keys, in one transaction."""
        theirs: list[str] = []  # keys that are the person's
        shared: list[tuple[Kind, str]] = []  # the team's keys that hold entries of theirs
        for kind in self._kinds:
            if not kind.personal or "team" not in kind.parts:
                continue
            if "user" in kind.parts:
                theirs += await schema.scan(self._redis, kind.glob(team=team, user=user))
            else:
                names = await schema.scan(self._redis, kind.glob(team=team))
                shared += [(kind, name) for name in names]
        entries = await self._entries(shared)
        async with self._redis.pipeline(transaction=True) as pipe:
            if theirs:
                pipe.delete(*theirs)
            for (kind, name), found in zip(shared, entries, strict=True):
                gone = [entry for entry in found if kind.whose and kind.whose(entry) == user]
                if gone:
                    _remove(pipe, kind, name, gone)
            await pipe.execute()

    async def _entries(self, keys: list[tuple[Kind, str]]) -> list[list[str]]:
        """The members (or, for a hash, the fields) of each key, in one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for kind, name in keys:
                if kind.type == "hash":
                    pipe.hkeys(name)
                elif kind.type == "zset":
                    pipe.zrange(name, 0, -1)
                else:
                    pipe.smembers(name)
            return [[str(entry) for entry in found] for found in await pipe.execute()]


def _remove(pipe: redis.client.Pipeline, kind: Kind, name: str, entries: list[str]) -> None:
    if kind.type == "hash":
        pipe.hdel(name, *entries)
    elif kind.type == "zset":
        pipe.zrem(name, *entries)
    else:
        pipe.srem(name, *entries)
