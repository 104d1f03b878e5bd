"""Installations in Redis: every workspace's bot token, shared by every process.

slack_sdk has no Redis store, so this is ours, laid out like its file store: one record
for the workspace's bot and one for its latest install, under the workspace's id (the
organisation's, for an Enterprise Grid org-wide install).

A bot token is a secret: it is kept here, encrypted with TOKEN_ENCRYPTION_KEYS (only the
bot record holds it), and given to Slack's client, and nowhere else. The records'
``__repr__`` is never logged and ``Installed`` (what the CLI lists) holds none.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis
from redis.exceptions import WatchError
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.error import BoltError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

from bot.cipher import Cipher, TokenUnreadable
from bot.errors import StoreUnavailable
from bot.state import schema, store

log = logging.getLogger(__name__)

# How long a process trusts the token it last read for a workspace. An uninstall deletes
# it from Redis at once; other processes stop using it within this many seconds.
AUTHORIZE_CACHE_SECONDS = 10.0

_NONE = "-"  # the part of a key for a missing enterprise or team id

# An install's fields that are credentials. Only the bot record keeps them, encrypted,
# under _SEALED; the installer record keeps none.
_SECRETS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
)
_SEALED = "sealed"


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


@dataclass(frozen=True)
class Resealed:
    """What ``rotate-tokens`` did: tokens encrypted again, and installs none of the keys reads."""

    tokens: int
    unreadable: tuple[str, ...]


class RedisInstallationStore(AsyncInstallationStore):
    """Bolt's installation store, in Redis (bot-only: the bot asks for no user scopes).

    The token is kept once, encrypted, in the bot record: the installer record says who
    installed the app, where and when, and holds no credential, so the operator's listing
    reads it without the keys and there is one copy to rotate and to delete. A record from
    before tokens were encrypted is rewritten encrypted the first time it is read.
    """

    def __init__(self, client: redis.Redis, cipher: Cipher | None = None) -> None:
        self.redis = client
        self._cipher = cipher

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        name = _name(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        bot = self._sealed(installation.to_bot().__dict__)
        try:
            async with store.available():
                # The install's records share its hash tag; the list of installs, in a slot
                # of its own on a cluster, comes after them (it lists only what exists).
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.set(
                        schema.INSTALLATION.key(name, "installer"), _plain(installation.__dict__)
                    )
                    pipe.set(schema.INSTALLATION.key(name, "bot"), bot)
                    await pipe.execute()
                await self.redis.zadd(schema.INSTALLATIONS.key(), {name: installation.installed_at})
        except StoreUnavailable as error:
            # Bolt shows its "storage error" page for a BoltError, and nothing is half-saved.
            raise BoltError("the installation could not be saved: Redis did not answer") from error

    async def async_save_bot(self, bot: Bot) -> None:
        name = _name(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        record = self._sealed(bot.__dict__)
        async with store.available():
            await self.redis.set(schema.INSTALLATION.key(name, "bot"), record)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        name = _name(enterprise_id, team_id, is_enterprise_install)
        try:
            return await self.readable_bot(
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=is_enterprise_install,
            )
        except TokenUnreadable:
            # Served as not installed; the operator learns why (never the token itself).
            log.error(
                "The bot token of install %s cannot be read: no key of TOKEN_ENCRYPTION_KEYS "
                "decrypts it (was the key that encrypted it removed?)",
                name,
            )
            return None

    async def readable_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """``async_find_bot``, but a token no key of TOKEN_ENCRYPTION_KEYS decrypts raises
        TokenUnreadable, for whoever must tell a misconfigured key from an uninstall."""
        record = await self._bot(_name(enterprise_id, team_id, is_enterprise_install))
        return None if record is None else Bot(**record)

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
        installer = await self._installer(_name(enterprise_id, team_id, is_enterprise_install))
        if installer is None:
            return None
        bot = await self.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if bot is not None:  # the token is in the bot record only
            installer |= {"bot_token": bot.bot_token, "bot_refresh_token": bot.bot_refresh_token}
        return Installation(**installer)

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
        records = [await self._installer(str(name)) for name in names]
        return [_installed(record) for record in records if record is not None]

    async def reseal(self) -> Resealed:
        """Encrypt every install's token again with the first key (a plain one from before
        too), and drop any token an installer record still holds."""
        async with store.available():
            keys = [str(key) async for key in self.redis.scan_iter(schema.INSTALLATION.glob())]
        resealed, unreadable = 0, []
        for key in sorted(keys):
            parts = schema.INSTALLATION.parts_of(key) or {}
            if parts.get("record") == "installer":
                await self._installer(parts["install"])
            elif parts.get("record") == "bot":
                try:
                    resealed += await self._reseal_bot(key)
                except TokenUnreadable:
                    unreadable.append(parts["install"])
        return Resealed(resealed, tuple(unreadable))

    async def _bot(self, name: str) -> dict[str, Any] | None:
        """The bot record of install ``name``, its secrets decrypted."""
        key = schema.INSTALLATION.key(name, "bot")
        raw = await self._get(key)
        if raw is None:
            return None
        record: dict[str, Any] = json.loads(raw)
        sealed: dict[str, str] | None = record.pop(_SEALED, None)
        if sealed is None:  # written before tokens were encrypted: encrypt it now
            await self._replace(key, raw, self._sealed(record))
            await self._installer(name)  # and drop the installer record's plain copy
            return record
        cipher = self._needed()
        return record | {field: cipher.open(value) for field, value in sealed.items()}

    async def _installer(self, name: str) -> dict[str, Any] | None:
        """The installer record of install ``name``; one from before, which held the token
        as well, loses it (the bot record has it)."""
        key = schema.INSTALLATION.key(name, "installer")
        raw = await self._get(key)
        if raw is None:
            return None
        record: dict[str, Any] = json.loads(raw)
        if any(record.get(field) for field in _SECRETS):
            await self._replace(key, raw, _plain(record))
        return {field: value for field, value in record.items() if field not in _SECRETS}

    async def _reseal_bot(self, key: str) -> bool:
        raw = await self._get(key)
        if raw is None:
            return False
        record: dict[str, Any] = json.loads(raw)
        sealed: dict[str, str] | None = record.pop(_SEALED, None)
        if sealed is None:
            return await self._replace(key, raw, self._sealed(record))
        cipher = self._needed()
        again = {field: cipher.reseal(value) for field, value in sealed.items()}
        return await self._replace(key, raw, json.dumps(record | {_SEALED: again}))

    async def _get(self, key: str) -> str | None:
        async with store.available():
            raw = await self.redis.get(key)
        return None if raw is None else str(raw)

    async def _replace(self, key: str, old: str, new: str) -> bool:
        """Write ``new`` over ``old`` unless the record changed meanwhile: rewriting a record
        must never bring back a token that an uninstall deleted, nor undo a new install."""
        async with store.available(), self.redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                if await pipe.get(key) != old:
                    return False
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.set(key, new)
                await pipe.execute()
            except WatchError:
                return False
        return True

    def _sealed(self, record: dict[str, Any]) -> str:
        """A bot record as kept: its secrets encrypted, under ``sealed``."""
        cipher = self._needed()
        secrets = {field: cipher.seal(value) for field in _SECRETS if (value := record.get(field))}
        return json.dumps({**_without_secrets(record), _SEALED: secrets})

    def _needed(self) -> Cipher:
        if self._cipher is None:
            raise TokenUnreadable("TOKEN_ENCRYPTION_KEYS is not set")
        return self._cipher

    async def _delete(self, enterprise_id: str | None, team_id: str | None, *what: str) -> None:
        # Bolt passes no team for an org-wide install, as its file store expects.
        name = _name(enterprise_id, team_id, team_id is None)
        async with store.available():
            # One DEL: the install's records share its hash tag. The list of installs is in
            # a slot of its own on a cluster, so it is a command of its own.
            await self.redis.delete(*(schema.INSTALLATION.key(name, part) for part in what))
            if "bot" in what:
                await self.redis.zrem(schema.INSTALLATIONS.key(), name)


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


def _without_secrets(record: dict[str, Any]) -> dict[str, Any]:
    return {field: value for field, value in record.items() if field not in _SECRETS}


def _plain(record: dict[str, Any]) -> str:
    """An installer record as kept: no credential in it."""
    return json.dumps(_without_secrets(record))


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
    def over(cls, client: redis.Redis, cipher: Cipher | None) -> Installs:
        installations = RedisInstallationStore(client, cipher)
        return cls(installations, InstallationAuthorize(installations))

    async def forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Delete an install and stop using its token in this process at once."""
        self.authorize.forget(enterprise_id, team_id)
        await self.store.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
