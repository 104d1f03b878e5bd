"""Each workspace's settings in Redis, over the defaults the environment gives.

Only what an admin changed is kept, field by field: the environment's value stands for
every other field, and still follows the environment when it changes. Every request
reads its workspace's settings (is this a help channel? who is admin?), so they are kept
in memory for a short while: a change made in one process reaches the others within
``CACHE_SECONDS``. The workspace's notes on cards are read with them, in the same round
trip, so an answer that shows one costs no read of its own.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Literal, TypeVar

import redis.asyncio as redis
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import StoreUnavailable
from bot.person import Workspace, settings_key
from bot.state import schema, store
from bot.strings import Language

log = logging.getLogger(__name__)

CACHE_SECONDS = 30.0
# A workspace's note on a card is a line or two under the answer, not a second answer.
NOTE_LIMIT = 300

T = TypeVar("T")


class _Stored(BaseModel):
    """The record in Redis: the fields an admin changed (absent: the default stands)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    help_channels: list[str] | None = Field(default=None, max_length=100)
    escalation_mention: str | None = Field(default=None, max_length=2000)
    admin_users: list[str] | None = Field(default=None, max_length=100)
    # "auto" stands for a choice of no language: each person's own.
    language: Language | Literal["auto"] | None = None
    nudges: bool | None = None
    digest: bool | None = None


class WorkspaceSettings:
    """Reads and writes each workspace's settings; the defaults stand where none are saved."""

    def __init__(self, client: redis.Redis, defaults: Workspace) -> None:
        self._redis = client
        self.defaults = defaults
        self._cache: dict[str, tuple[float, Workspace]] = {}

    async def get(self, team: str) -> Workspace:
        """The workspace's settings; the defaults when none are saved or Redis is down."""
        cached = self._cache.get(team)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            async with store.available(), self._redis.pipeline(transaction=False) as pipe:
                pipe.get(_key(team))
                pipe.hgetall(schema.NOTES.key(team))
                raw, notes = await pipe.execute()
        except StoreUnavailable:
            # Answering goes on with the defaults; the next request tries Redis again.
            return cached[1] if cached else self.defaults
        workspace = dataclasses.replace(self._read(team, raw), notes=_notes(notes))
        self._cache[team] = (time.monotonic() + CACHE_SECONDS, workspace)
        return workspace

    async def save(self, team: str, workspace: Workspace) -> None:
        """Keep ``workspace`` as the team's settings (StoreUnavailable if Redis is down):
        the fields that differ from the defaults."""
        defaults = self.defaults
        record = _Stored(
            help_channels=_changed(sorted(workspace.help_channels), sorted(defaults.help_channels)),
            escalation_mention=_changed(workspace.escalation_mention, defaults.escalation_mention),
            admin_users=_changed(sorted(workspace.admin_users), sorted(defaults.admin_users)),
            language=_changed(workspace.language or "auto", defaults.language or "auto"),
            nudges=_changed(workspace.nudges, defaults.nudges),
            digest=_changed(workspace.digest, defaults.digest),
        )
        async with store.available():
            await self._redis.set(_key(team), record.model_dump_json(exclude_none=True))
        # The notes are not the dialog's to change: they stay as they are.
        notes = (await self.get(team)).notes
        self._cache[team] = (
            time.monotonic() + CACHE_SECONDS,
            dataclasses.replace(workspace, notes=notes),
        )

    async def keep_note(self, team: str, topic: str, text: str) -> None:
        """Keep ``text`` as the workspace's note on ``topic`` (StoreUnavailable if Redis is
        down); this process shows it at once, the others within ``CACHE_SECONDS``."""
        async with store.available():
            await self._redis.hset(schema.NOTES.key(team), topic, text)
        self._cache.pop(team, None)

    async def drop_note(self, team: str, topic: str) -> bool:
        """Delete the workspace's note on ``topic``; whether there was one."""
        async with store.available():
            dropped = await self._redis.hdel(schema.NOTES.key(team), topic)
        self._cache.pop(team, None)
        return bool(dropped)

    async def forget(self, team: str) -> None:
        """Delete the settings and notes of a workspace, or of every workspace of an
        organisation."""
        for cached in [key for key in self._cache if key == team or key.startswith(f"{team}:")]:
            del self._cache[cached]
        async with store.available():
            names = []
            for kind in (schema.WORKSPACE, schema.NOTES):
                # An organisation's workspaces each have theirs: ``settings_key(org, workspace)``.
                theirs = await schema.scan(self._redis, kind.key(settings_key(team, "*")))
                names += [kind.key(team), *theirs]
            await self._redis.delete(*names)

    def _read(self, team: str, raw: bytes | str | None) -> Workspace:
        if raw is None:
            return self.defaults
        try:
            record = _Stored.model_validate_json(raw)
        except ValidationError:
            log.warning("Settings of workspace %s are unreadable: the defaults are used", team)
            return self.defaults
        default = self.defaults
        channels, mention, admins = (
            record.help_channels,
            record.escalation_mention,
            record.admin_users,
        )
        language = default.language if record.language is None else record.language
        return Workspace(
            help_channels=default.help_channels if channels is None else frozenset(channels),
            escalation_mention=default.escalation_mention if mention is None else mention,
            admin_users=default.admin_users if admins is None else frozenset(admins),
            language=None if language == "auto" else language,
            nudges=default.nudges if record.nudges is None else record.nudges,
            digest=default.digest if record.digest is None else record.digest,
        )


def _key(settings: str) -> str:
    return schema.WORKSPACE.key(settings)


def _notes(stored: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The notes hash as the Workspace holds them: (topic, text), by topic."""
    return tuple(sorted((str(topic), str(text)) for topic, text in stored.items()))


def _changed(value: T, default: T) -> T | None:
    """``value`` when it is not the default (then nothing is kept)."""
    return None if value == default else value
