"""Each workspace's settings in Redis, over the defaults the environment gives.

Only what an admin changed is kept, field by field: the environment's value stands for
every other field, and still follows the environment when it changes. Every request
reads its workspace's settings (is this a help channel? who is admin?), so they are kept
in memory for a short while: a change made in one process reaches the others within
``CACHE_SECONDS``.
"""

from __future__ import annotations

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
            async with store.available():
                raw = await self._redis.get(_key(team))
        except StoreUnavailable:
            # Answering goes on with the defaults; the next request tries Redis again.
            return cached[1] if cached else self.defaults
        workspace = self._read(team, raw)
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
        self._cache[team] = (time.monotonic() + CACHE_SECONDS, workspace)

    async def forget(self, team: str) -> None:
        """Delete the settings of a workspace, or of every workspace of an organisation."""
        for cached in [key for key in self._cache if key == team or key.startswith(f"{team}:")]:
            del self._cache[cached]
        async with store.available():
            # An organisation's workspaces each have theirs: ``settings_key(org, workspace)``.
            theirs = await schema.scan(self._redis, _key(settings_key(team, "*")))
            await self._redis.delete(_key(team), *theirs)

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


def _changed(value: T, default: T) -> T | None:
    """``value`` when it is not the default (then nothing is kept)."""
    return None if value == default else value
