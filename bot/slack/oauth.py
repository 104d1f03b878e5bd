"""'Add to Slack': the install flow, its pages, and what happens when a workspace leaves.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET the web process serves

    GET /slack/install          the "Add to Slack" page (it issues the install's state)
    GET /slack/oauth_redirect   where Slack sends the installer back: the token is saved

Bolt's OAuth flow does the protocol (the state in a cookie and in the URL, oauth.v2.access);
this module gives it our stores and our pages, in the browser's language. The state is
signed, not stored: an anonymous visit to the install page writes nothing to Redis, and
only an installer coming back from Slack leaves a record (that its state was used).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

import redis.asyncio as redis
from pydantic import SecretStr
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
# Web processes on different machines may disagree on the time by this much.
_CLOCK_SKEW_SECONDS = 60

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
            state_store=SignedOAuthStateStore(installs.store.redis, state_key(secret)),
            callback_options=AsyncCallbackOptions(success=_installed, failure=_failed),
            logger=log,
        )
    )


class SignedOAuthStateStore(AsyncOAuthStateStore):
    """The ``state`` of each install: a random nonce and its issue time, signed (HMAC-SHA256).

    Issuing writes nothing, so the install page costs no Redis key however often it is
    opened; any web process verifies the signature when the installer comes back. A state is
    good for ``STATE_SECONDS``, once: the first return records its nonce (SET NX, for those
    seconds), so a replay within the window finds it used. Those records are bounded by
    real returns from Slack, not by visits.
    """

    def __init__(
        self, client: redis.Redis, key: bytes, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = client
        self._key = key
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        signed = f"{secrets.token_urlsafe(16)}.{int(self._clock())}"
        return f"{signed}.{self._signature(signed)}"

    async def async_consume(self, state: str) -> bool:
        nonce = self._verified(state[:100])
        if nonce is None:
            return False
        async with store.available():
            first = await self._redis.set(
                schema.OAUTH_STATE.key(nonce), "used", nx=True, ex=STATE_SECONDS
            )
        return bool(first)

    def _verified(self, state: str) -> str | None:
        """The nonce of a state this deployment signed less than STATE_SECONDS ago."""
        signed, _, signature = state.rpartition(".")
        nonce, _, issued = signed.partition(".")
        if not (nonce and issued.isascii() and issued.isdigit()):
            return None
        if not hmac.compare_digest(signature, self._signature(signed)):
            return None
        age = self._clock() - int(issued)
        return nonce if -_CLOCK_SKEW_SECONDS <= age <= STATE_SECONDS else None

    def _signature(self, signed: str) -> str:
        digest = hmac.new(self._key, signed.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def state_key(client_secret: SecretStr | None) -> bytes:
    """The key that signs install states: derived from the client secret, which every
    web process of the deployment has and nobody else does, for this use only."""
    secret = client_secret.get_secret_value() if client_secret else ""
    return hmac.new(secret.encode("utf-8"), b"mistral-setup oauth state v1", "sha256").digest()


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
    # The reason may be the raw ?error= of the URL: quoted and cut, it cannot forge a line.
    log.warning("An install did not finish: %r", args.reason[:100])
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
