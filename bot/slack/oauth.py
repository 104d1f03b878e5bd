"""'Add to Slack': the install flow, its pages, and what happens when a workspace leaves.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET the web process serves

    GET /slack/install          the "Add to Slack" page (it issues the install's state)
    GET /slack/oauth_redirect   where Slack sends the installer back: the token is saved

Bolt's OAuth flow does the protocol (state in a cookie and in Redis, oauth.v2.access);
this module gives it our stores and our pages, in the browser's language.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.guide.language import from_locale
from bot.render.pages import page
from bot.settings import Settings
from bot.slack.installations import Installs
from bot.state import schema, store
from bot.strings import Language

log = logging.getLogger(__name__)

# An install has this long between "Add to Slack" and coming back from Slack.
STATE_SECONDS = 600

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

# What the bot may do in a workspace: the bot scopes of manifest.yml, no user scopes.
BOT_SCOPES = (
    "app_mentions:read",
    "assistant:write",
    "channels:history",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "im:history",
    "im:write",
    "mpim:history",
    "users:read",
)

# Failures Bolt reports, each with a page that says what to do; others get a general one.
_FAILURE_PAGES = {
    "access_denied": "page_failed_access_denied",
    "invalid_browser": "page_failed_invalid_browser",
    "invalid_state": "page_failed_invalid_state",
    "invalid_code": "page_failed_invalid_code",
    "missing_code": "page_failed_invalid_code",
    "storage_error": "page_failed_storage_error",
}


def _html() -> dict[str, str | Sequence[str]]:
    return {"Content-Type": "text/html; charset=utf-8"}


def oauth_flow(settings: Settings, installs: Installs) -> AsyncOAuthFlow:
    """Bolt's OAuth flow over our Redis stores and pages (needs the client credentials)."""
    secret = settings.slack_client_secret
    return _Flow(
        settings=AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            redirect_uri=settings.slack_redirect_uri,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=installs.store,
            installation_store_bot_only=True,
            state_store=RedisOAuthStateStore(installs.store.redis),
            callback_options=AsyncCallbackOptions(success=_installed, failure=_failed),
            logger=log,
        )
    )


class RedisOAuthStateStore(AsyncOAuthStateStore):
    """The ``state`` of each install in progress, in Redis so that any web process may see
    the installer back: issued once, consumed once, then gone."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        async with store.available():
            await self._redis.set(schema.OAUTH_STATE.key(state), "1", ex=STATE_SECONDS)
        return state

    async def async_consume(self, state: str) -> bool:
        # GETDEL: of two requests replaying one state, only the first finds it.
        async with store.available():
            return await self._redis.getdel(schema.OAUTH_STATE.key(state[:100])) is not None


class _Flow(AsyncOAuthFlow):
    """Bolt's flow, with our "Add to Slack" page."""

    async def build_install_page_html(self, url: str, request: AsyncBoltRequest) -> str:
        return page(
            language_of(request.headers),
            "page_install_title",
            ("page_install_about", "page_install_approve"),
            button="page_install_button",
            button_url=url,
        )


async def _installed(args: AsyncSuccessArgs) -> BoltResponse:
    installation = args.installation
    where = installation.team_name or installation.enterprise_name or "Slack"
    log.info(
        "Installed in %s (team %s, enterprise %s%s)",
        where,
        installation.team_id,
        installation.enterprise_id,
        ", org-wide" if installation.is_enterprise_install else "",
    )
    html = page(
        language_of(args.request.headers),
        "page_installed_title",
        ("page_installed", "page_installed_admin"),
        values={"workspace": where},
    )
    return BoltResponse(status=200, body=html, headers=_html())


async def _failed(args: AsyncFailureArgs) -> BoltResponse:
    log.warning("An install did not finish: %s", args.reason)
    return failure_page(args.reason, language_of(args.request.headers), args.suggested_status_code)


def failure_page(reason: str, language: Language, status: int) -> BoltResponse:
    """The page for an install that did not finish, with the way to start again."""
    html = page(
        language,
        "page_failed_title",
        (_FAILURE_PAGES.get(reason, "page_failed_other"),),
        values={"reason": reason[:100]},
        button="page_start_again",
        button_url=INSTALL_PATH,
    )
    return BoltResponse(status=status, body=html, headers=_html())


def language_of(headers: dict[str, Any]) -> Language:
    """The browser's first language, when we speak it (Accept-Language: it-IT,it;q=0.9…)."""
    values = headers.get("accept-language") or [""]
    first = str(values[0] if isinstance(values, list | tuple) else values)
    return from_locale(first.split(",")[0].split(";")[0].strip()) or "en"
