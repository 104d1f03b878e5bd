"""Installations in Redis: every workspace's bot token, shared by every process.

slack_sdk has no Redis store, so this is ours, laid out like its file store: one record
for the workspace's bot and one for its latest install, under the workspace's id (the
organisation's, for an Enterprise Grid org-wide install).

A bot token is a secret: it is kept here and given to Slack's client, and nowhere else.
The records' ``__repr__`` is never logged and ``Installed`` (what the CLI lists) holds none.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.error import BoltError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

from bot.errors import StoreUnavailable
from bot.state import schema, store

log = logging.getLogger(__name__)

# How long a process trusts the token it last read for a workspace. An uninstall deletes
# it from Redis at once; other processes stop using it within this many seconds.
AUTHORIZE_CACHE_SECONDS = 10.0

_NONE = "-"  # the part of a key for a missing enterprise or team id


@dataclass(frozen=True)
class Installed:
    """One installed workspace (or organisation), as the operator lists them: no token."""

    enterprise_id: str | None
    enterprise_name: str | None
    team_id: str | None
    team_name: str | None
    org_wide: bool
    bot_user_id: str | None
    installed_at: float


class RedisInstallationStore(AsyncInstallationStore):
    """Bolt's installation store, in Redis (bot-only: the bot asks for no user scopes)."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        name = _name(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        try:
            async with store.available(), self.redis.pipeline(transaction=True) as pipe:
                pipe.set(schema.INSTALLATION.key(name, "installer"), _record(installation))
                pipe.set(schema.INSTALLATION.key(name, "bot"), _record(installation.to_bot()))
                pipe.zadd(schema.INSTALLATIONS.key(), {name: installation.installed_at})
                await pipe.execute()
        except StoreUnavailable as error:
            # Bolt shows its "storage error" page for a BoltError, and nothing is half-saved.
            raise BoltError("the installation could not be saved: Redis did not answer") from error

    async def async_save_bot(self, bot: Bot) -> None:
        name = _name(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        async with store.available():
            await self.redis.set(schema.INSTALLATION.key(name, "bot"), _record(bot))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        raw = await self._get(_name(enterprise_id, team_id, is_enterprise_install), "bot")
        return None if raw is None else Bot(**raw)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        if user_id is not None:
            return None  # no user tokens are ever asked for, so none is kept
        raw = await self._get(_name(enterprise_id, team_id, is_enterprise_install), "installer")
        return None if raw is None else Installation(**raw)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._delete(enterprise_id, team_id, "bot")

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            await self._delete(enterprise_id, team_id, "installer")

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._delete(enterprise_id, team_id, "bot", "installer")

    async def installed(self) -> list[Installed]:
        """Every installed workspace and organisation, most recent first."""
        async with store.available():
            names = await self.redis.zrevrange(schema.INSTALLATIONS.key(), 0, -1)
            records = [await self._get(str(name), "installer") for name in names]
        return [_installed(record) for record in records if record is not None]

    async def _get(self, name: str, what: str) -> dict[str, Any] | None:
        async with store.available():
            raw = await self.redis.get(schema.INSTALLATION.key(name, what))
        if raw is None:
            return None
        record: dict[str, Any] = json.loads(raw)
        return record

    async def _delete(self, enterprise_id: str | None, team_id: str | None, *what: str) -> None:
        # Bolt passes no team for an org-wide install, as its file store expects.
        name = _name(enterprise_id, team_id, team_id is None)
        async with store.available(), self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(*(schema.INSTALLATION.key(name, part) for part in what))
            if "bot" in what:
                pipe.zrem(schema.INSTALLATIONS.key(), name)
            await pipe.execute()


class InstallationAuthorize(AsyncAuthorize):
    """Finds each request's workspace token in the installation store.

    Bolt's own authorize calls ``auth.test`` on every request; this one trusts what the
    install recorded (bot id, bot user id, token) and remembers it for a few seconds, so a
    busy workspace costs one Redis read every ``AUTHORIZE_CACHE_SECONDS``.
    """

    def __init__(
        self, installations: RedisInstallationStore, *, seconds: float = AUTHORIZE_CACHE_SECONDS
    ) -> None:
        self.installations = installations
        self.seconds = seconds
        # The install's bot, not a whole AuthorizeResult: that one holds the user of the
        # request that made it, and Bolt drops events "from the bot" by that user id.
        self._cache: dict[str, tuple[float, Bot]] = {}

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: Any,
    ) -> AuthorizeResult | None:
        bot = await self._bot(enterprise_id, team_id, context.is_enterprise_install)
        if bot is None:
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )

    async def _bot(
        self, enterprise_id: str | None, team_id: str | None, org_wide: bool | None
    ) -> Bot | None:
        name = _name(enterprise_id, team_id, org_wide)
        cached = self._cache.get(name)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            bot = await self.installations.async_find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org_wide
            )
        except StoreUnavailable:
            # Keep serving a workspace we know while Redis is away; a new one must wait.
            log.warning("Redis did not answer: workspace %s served from memory", name)
            return cached[1] if cached else None
        if bot is None:
            self._cache.pop(name, None)
        else:
            self._cache[name] = (time.monotonic() + self.seconds, bot)
        return bot

    def forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Stop using a workspace's token at once (it was uninstalled)."""
        self._cache.pop(_name(enterprise_id, team_id, team_id is None), None)


def _name(enterprise_id: str | None, team_id: str | None, org_wide: bool | None) -> str:
    """The install's id in keys: an org-wide install belongs to the organisation alone."""
    team = _NONE if org_wide else (team_id or _NONE)
    return f"{enterprise_id or _NONE}:{team}"


def _record(entity: Installation | Bot) -> str:
    return json.dumps(entity.__dict__)


def _installed(record: dict[str, Any]) -> Installed:
    return Installed(
        enterprise_id=record.get("enterprise_id"),
        enterprise_name=record.get("enterprise_name"),
        team_id=record.get("team_id"),
        team_name=record.get("team_name"),
        org_wide=bool(record.get("is_enterprise_install")),
        bot_user_id=record.get("bot_user_id"),
        installed_at=float(record.get("installed_at") or 0),
    )


@dataclass(frozen=True)
class Installs:
    """The installation store and the authorize that reads it, as the listeners need them."""

    store: RedisInstallationStore
    authorize: InstallationAuthorize

    @classmethod
    def over(cls, client: redis.Redis) -> Installs:
        installations = RedisInstallationStore(client)
        return cls(installations, InstallationAuthorize(installations))

    async def forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Delete an install and stop using its token in this process at once."""
        self.authorize.forget(enterprise_id, team_id)
        await self.store.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
