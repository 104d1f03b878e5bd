"""Builds the Bolt app: one AsyncWebClient, the listeners of every surface, one error handler."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot import strings
from bot.domain.replies import Notice
from bot.metrics import Metrics
from bot.render.blocks import fallback_text, render
from bot.services import Services
from bot.settings import Settings
from bot.slack import actions, commands, events, modals, oauth, uninstalls, views, workspace
from bot.slack.admission import Admission
from bot.slack.arguments import lighten
from bot.slack.context import EXCHANGE, Provide, exchange_of
from bot.slack.exchange import FIRST_DELIVERY
from bot.slack.installations import Installs
from bot.slack.payloads import describe, kind_of
from bot.strings import Language, Phrase

log = logging.getLogger(__name__)


def configure_client(client: AsyncWebClient, services: Services) -> None:
    """Point the app's Web API client at SLACK_API_URL and have it retry 429s (after
    Retry-After), 5xx and dropped connections: Bolt's way, retry handlers on app.client.
    Bolt gives each request's client a copy of them, so every call's errors are counted."""
    client.base_url = services.settings.slack_api_url
    client.timeout = 10
    client.retry_handlers = [
        CountErrors(services.metrics),
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=1),
    ]


class CountErrors(AsyncRetryHandler):
    """Counts every failed Web API call by method and Slack's error, and retries nothing.

    slack_sdk shows each response (and each failure to get one) to its retry handlers
    before raising: the one place every call of every client passes through.
    """

    def __init__(self, metrics: Metrics) -> None:
        super().__init__()
        self._errors = metrics.slack_api_errors

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if error is not None:
            failure = type(error).__name__
        elif response is None or (response.status_code == 200 and _ok(response)):
            return False
        else:
            body = response.body or {}
            failure = str(body.get("error") or f"http_{response.status_code}")[:60]
        self._errors.labels(request.url.rsplit("/", 1)[-1][:60], failure).inc()
        return False


def _ok(response: HttpResponse) -> bool:
    """Slack answers 200 with ``"ok": false`` and an error; files come back without a body."""
    return response.body is None or bool(response.body.get("ok", True))


@contextlib.asynccontextmanager
async def web_api_session(app: AsyncApp) -> AsyncIterator[None]:
    """One HTTP session for every Web API call while the app runs (Bolt's per-request
    clients share it), instead of a new session and connection per call."""
    session = aiohttp.ClientSession()
    app.client.session = session
    try:
        yield
    finally:
        app.client.session = None
        await session.close()


def create_app(services: Services) -> AsyncApp:
    """The Bolt app with every listener registered.

    One workspace: its bot token (SLACK_BOT_TOKEN). Many ("Add to Slack"): each request's
    token is found in the installation store, and the OAuth flow fills it.
    """
    settings = services.settings
    secret = settings.slack_signing_secret
    token = settings.slack_bot_token
    installs = (
        Installs.over(services.redis, settings.token_cipher()) if settings.distributed else None
    )
    app = MeasuredApp(
        services.metrics,
        token=token.get_secret_value() if token else None,
        signing_secret=secret.get_secret_value() if secret else "",
        # Without a signing secret (Socket Mode), HTTP requests cannot be verified: refuse them.
        request_verification_enabled=True,
        # Listeners use the client directly, not Bolt's say/set_status helpers: don't
        # build those for every event.
        attaching_conversation_kwargs_enabled=False,
        logger=logging.getLogger("slack_bolt"),
        **(_many_workspaces(settings, installs) if installs else {}),
    )
    configure_client(app.client, services)
    # After Bolt's own middleware (the signature check among them), before any listener.
    app.use(Provide(services, installs))
    app.use(Admission(services.deliveries))
    # Bolt tries listeners in this order for every request: the busiest come first.
    commands.register(app)
    events.register(app)
    actions.register(app)
    views.register(app)
    workspace.register(app)
    uninstalls.register(app)
    lighten(app)
    app.error(_handle_error)
    return app


class MeasuredApp(AsyncApp):
    """Bolt's app, counting each request and timing it from dispatch to its ack.

    Both surfaces hand every request to ``async_dispatch`` and send its answer, the ack,
    when it returns; a middleware cannot time that, since Bolt runs the listener after
    the last middleware has returned.
    """

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._metrics = metrics

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        start = time.perf_counter()
        try:
            return await super().async_dispatch(req)
        finally:
            # Only a request that reached our middleware was verified: the kind of a
            # forged one, whatever it claims, must not become a label.
            if EXCHANGE in req.context:
                surface = "socket" if req.mode == "socket_mode" else "http"
                self._metrics.request(surface, kind_of(req.body), time.perf_counter() - start)


def _many_workspaces(settings: Settings, installs: Installs) -> dict[str, Any]:
    """AsyncApp's arguments for "Add to Slack": our stores, our OAuth pages, and an
    authorize that reads the store without calling auth.test on every request."""
    return {
        "installation_store": installs.store,
        "authorize": installs.authorize,
        "oauth_flow": oauth.oauth_flow(settings, installs),
        # Said when no install is found: Bolt's own words tell everyone to reinstall, which
        # is wrong while Redis is away. Nobody is known yet: the deployment's language.
        "user_facing_authorize_error_message": strings.text(
            settings.language or "en", "install_not_found"
        ),
    }


async def _handle_error(
    error: Exception,
    body: dict[str, Any],
    context: AsyncBoltContext,
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    """Unexpected failures: log the traceback, never the body (it may hold a key); tell the user."""
    log.error("Unhandled error in a listener for %s", describe(context, body), exc_info=error)
    if FIRST_DELIVERY not in context:
        # The request failed before bot.slack.admission, maybe before its signature was
        # checked: its response_url and channel may be anyone's.
        return
    try:
        person = await exchange_of(context).known_person()
        await _apologize(body, person.speaks, respond, client)
    except Exception:  # noqa: BLE001  (the user's channel may be gone; the log says enough)
        log.warning("Could not tell the user about the error")


async def _apologize(
    body: dict[str, Any], language: Language, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    """Say something went wrong wherever the person is looking: reply, modal or thread."""
    sorry = Notice(Phrase.of("something_went_wrong"), "warning", language)
    blocks, text = render(sorry), fallback_text(sorry)
    view = body.get("view")
    event = body.get("event")
    if body.get("response_url"):
        await respond(blocks=blocks, text=text, response_type="ephemeral", replace_original=False)
    elif isinstance(view, dict) and view.get("type") == "modal" and view.get("id"):
        # A modal left on "checking…" would wait forever.
        modal = modals.modal(strings.text(language, "modal_title"), sorry, language)
        await client.views_update(view_id=view["id"], view=modal)
    elif isinstance(event, dict) and event.get("channel") and event.get("user"):
        await client.chat_postEphemeral(
            channel=event["channel"],
            user=event["user"],
            thread_ts=event.get("thread_ts") or event.get("ts"),
            blocks=blocks,
            text=text,
        )
