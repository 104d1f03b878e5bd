"""Who is asking, as the domain needs it: their language (Slack locale) and whether they are admin.

Slack's ``users.info`` tells both. Admin rights belong to one workspace: in an Enterprise
Grid org-wide install the same user id is in every workspace of the organisation, so Slack is
asked about the workspace the request came from (its ``team_id``), its ``is_admin`` is
trusted only for a member of that workspace, and the answer is kept per workspace. It is
kept in Redis for five minutes, so a busy channel does not call Slack for every message and
every process shares it, and a demoted admin loses their rights within those minutes; in the
process for as long at most, so a request does not wait on Redis for it either. Without the
``users:read`` scope, or when Slack or Redis is unavailable, the person is simply not
known to be admin and speaks the default language.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from typing import Any

import aiohttp
import redis.asyncio as redis
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.assistant import Assistant
from bot.errors import StoreUnavailable
from bot.guide.language import from_locale
from bot.person import Person
from bot.state import schema, store

log = logging.getLogger(__name__)

# How long a demoted admin keeps their rights, at most.
PROFILE_SECONDS = 300
# When Slack could not say, ask again a minute later rather than on every request.
UNKNOWN_SECONDS = 60
# How long this process trusts what it read, and for how many people at most.
MEMORY_SECONDS = 300.0
MEMORY_PEOPLE = 10_000
# A Slack admin who has not used the bot for this long no longer gets its digest.
ADMINS_SECONDS = 30 * 86400

# {"locale": str | None, "admin": bool, "tz": str | None}, or {} when Slack did not say
Profile = dict[str, Any]


class People:
    """Describes the person behind each request, with what Slack said about them."""

    def __init__(self, assistant: Assistant, client: redis.Redis) -> None:
        self._assistant = assistant
        self._redis = client
        # (team, user, workspace) -> (until, profile), oldest first: bounded, the oldest go first.
        self._memory: dict[tuple[str, str, str], tuple[float, Profile]] = {}

    async def person(self, who: Person, client: AsyncWebClient) -> Person:
        """``who`` with their language, admin rights and workspace settings."""
        profile = await self._cached(who)
        if profile is None:
            profile = await self._asked(client, who)
        return await self._described(who, profile)

    async def known(self, who: Person) -> Person:
        """``who`` as far as is known without asking Slack."""
        return await self._described(who, await self._cached(who) or {})

    async def _described(self, who: Person, profile: Profile) -> Person:
        workspace = await self._assistant.workspace(who.settings_key)
        language = workspace.language or from_locale(profile.get("locale"))
        admin = who.user in workspace.admin_users or bool(profile.get("admin"))
        return dataclasses.replace(who, language=language, admin=admin, workspace=workspace)

    async def _cached(self, who: Person) -> Profile | None:
        remembered = self._memory.get(_name(who))
        if remembered is not None and remembered[0] > time.monotonic():
            return remembered[1]
        try:
            async with store.available(), self._redis.pipeline(transaction=False) as pipe:
                pipe.get(_key(who))
                pipe.ttl(_key(who))
                cached, seconds = await pipe.execute()
        except StoreUnavailable:
            return None
        if not cached:
            return None
        profile: Profile = json.loads(cached)
        self._remember(who, profile, float(seconds))
        return profile

    async def _asked(self, client: AsyncWebClient, who: Person) -> Profile:
        """Ask Slack, and remember the answer (or that there was none) for a while."""
        seconds = PROFILE_SECONDS
        try:
            # An org-wide token answers for any workspace of the organisation: name this one.
            asked = {"team_id": _workspace(who)} if _workspace(who) != who.team else {}
            response = await client.users_info(user=who.user, include_locale=True, **asked)
            profile = profile_from(response.get("user") or {}, _workspace(who))
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            # No users:read scope, or Slack unreachable: the person is simply not known to be
            # admin and gets the default language.
            log.info("users.info unavailable (%s): defaults used", type(error).__name__)
            profile, seconds = {}, UNKNOWN_SECONDS
        self._remember(who, profile, seconds)
        try:
            async with store.available(), self._redis.pipeline(transaction=False) as pipe:
                pipe.set(_key(who), json.dumps(profile), ex=seconds)
                if "admin" in profile:
                    self._admins(pipe, who, admin=bool(profile["admin"]))
                await pipe.execute()
        except StoreUnavailable:
            pass  # the next process to meet them asks Slack again
        return profile

    @staticmethod
    def _admins(pipe: redis.client.Pipeline, who: Person, *, admin: bool) -> None:
        """Keep who are Slack admins of the workspace, for its digest (of one workspace of
        an organisation: its admins are not the organisation's)."""
        workspace = who.org_workspace
        admins = (
            schema.WORKSPACE_ADMINS.key(who.team, workspace)
            if workspace
            else schema.ADMINS.key(who.team)
        )
        if admin:
            pipe.sadd(admins, who.user)
            pipe.expire(admins, ADMINS_SECONDS)
        else:
            pipe.srem(admins, who.user)

    def _remember(self, who: Person, profile: Profile, seconds: float) -> None:
        name = _name(who)
        self._memory.pop(name, None)
        if len(self._memory) >= MEMORY_PEOPLE:
            del self._memory[next(iter(self._memory))]
        self._memory[name] = (time.monotonic() + min(seconds, MEMORY_SECONDS), profile)


def profile_from(user: dict[str, Any], workspace: str) -> Profile:
    """What ``users.info`` said, the admin flag only for a member of ``workspace``: an admin
    of another workspace of the organisation is no admin here."""
    enterprise = user.get("enterprise_user") or {}
    member = user.get("team_id") == workspace or workspace in (enterprise.get("teams") or ())
    admin = bool(user.get("is_admin") or user.get("is_owner"))
    return {"locale": user.get("locale"), "admin": admin and member, "tz": user.get("tz")}


def _workspace(who: Person) -> str:
    """The workspace the request came from, whose admins are asked about."""
    return who.workspace_id or who.team


def _name(who: Person) -> tuple[str, str, str]:
    return who.team, who.user, _workspace(who)


def _key(who: Person) -> str:
    return schema.PROFILE.key(*_name(who))
