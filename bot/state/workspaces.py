"""Each workspace's settings in Redis, over the defaults the environment gives.

Every request reads its workspace's settings (is this a help channel? who is admin?), so
they are kept in memory for a short while: a change made in one process reaches the
others within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import logging
import time

import redis.asyncio as redis
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import StoreUnavailable
from bot.person import Workspace
from bot.state import store
from bot.strings import Language

log = logging.getLogger(__name__)

CACHE_SECONDS = 30.0


class _Stored(BaseModel):
    """The record in Redis: ids as Slack writes them, checked again when read back."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    help_channels: list[str] = Field(default_factory=list, max_length=100)
    escalation_mention: str = Field(default="", max_length=2000)
    admin_users: list[str] = Field(default_factory=list, max_length=100)
    language: Language | None = None


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
        """Keep ``workspace`` as the team's settings (StoreUnavailable if Redis is down)."""
        record = _Stored(
            help_channels=sorted(workspace.help_channels),
            escalation_mention=workspace.escalation_mention,
            admin_users=sorted(workspace.admin_users),
            language=workspace.language,
        )
        async with store.available():
            await self._redis.set(_key(team), record.model_dump_json())
        self._cache[team] = (time.monotonic() + CACHE_SECONDS, workspace)

    async def forget(self, team: str) -> bool:
        """Delete the team's settings; whether there were any."""
        self._cache.pop(team, None)
        async with store.available():
            return bool(await self._redis.delete(_key(team)))

    def _read(self, team: str, raw: bytes | str | None) -> Workspace:
        if raw is None:
            return self.defaults
        try:
            record = _Stored.model_validate_json(raw)
        except ValidationError:
            log.warning("Settings of workspace %s are unreadable: the defaults are used", team)
            return self.defaults
        return Workspace(
            help_channels=frozenset(record.help_channels),
            escalation_mention=record.escalation_mention,
            admin_users=frozenset(record.admin_users),
            language=record.language,
        )


def _key(team: str) -> str:
    return store.key("workspace", team)
