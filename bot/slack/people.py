"""Who is asking, as the domain needs it: their language (Slack locale) and whether they are admin.

Slack's ``users.info`` tells both; its answer is cached in Redis for an hour so a busy
channel does not call it for every message. Without the ``users:read`` scope, or when
Slack or Redis is unavailable, the person is simply not known to be admin and speaks the
default language.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import StoreUnavailable
from bot.guide.language import from_locale
from bot.person import Person
from bot.services import Services
from bot.slack.payloads import person_of
from bot.state import schema, store

log = logging.getLogger(__name__)

PROFILE_SECONDS = 3600
# When Slack could not say, ask again a minute later rather than on every request.
UNKNOWN_SECONDS = 60


async def person_for(body: dict[str, Any], client: AsyncWebClient, services: Services) -> Person:
    """The person behind a request, with their language and admin rights."""
    person = person_of(body)
    profile = await _cached(services, person)
    if profile is None:
        profile = await _profile(client, services, person)
    return await _described(person, profile, services)


async def known_person(body: dict[str, Any], services: Services) -> Person:
    """The person as far as is known without asking Slack: for answers owed within 3
    seconds (opening a dialog before its trigger expires), where users.info may be slow."""
    person = person_of(body)
    return await _described(person, await _cached(services, person) or {}, services)


async def _described(person: Person, profile: dict[str, Any], services: Services) -> Person:
    workspace = await services.workspaces.get(person.settings_key)
    language = workspace.language or from_locale(profile.get("locale"))
    admin = person.user in workspace.admin_users or bool(profile.get("admin"))
    return dataclasses.replace(person, language=language, admin=admin, workspace=workspace)


async def _cached(services: Services, person: Person) -> dict[str, Any] | None:
    try:
        async with store.available():
            cached = await services.redis.get(schema.PROFILE.key(person.team, person.user))
    except StoreUnavailable:
        return None
    profile: dict[str, Any] | None = json.loads(cached) if cached else None
    return profile


async def _profile(client: AsyncWebClient, services: Services, person: Person) -> dict[str, Any]:
    """Ask Slack, and remember the answer (or that there was none) for a while."""
    name = schema.PROFILE.key(person.team, person.user)
    seconds = PROFILE_SECONDS
    try:
        response = await client.users_info(user=person.user, include_locale=True)
        user = response.get("user") or {}
        profile = {
            "locale": user.get("locale"),
            "admin": bool(user.get("is_admin") or user.get("is_owner")),
        }
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
        # No users:read scope, or Slack unreachable: the person is simply not known to be
        # admin and gets the default language.
        log.info("users.info unavailable (%s): defaults used", type(error).__name__)
        profile, seconds = {}, UNKNOWN_SECONDS
    try:
        async with store.available():
            await services.redis.set(name, json.dumps(profile), ex=seconds)
    except StoreUnavailable:
        pass  # the next request asks Slack again
    return profile
