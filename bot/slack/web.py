"""HTTP mode: the Bolt app behind Starlette (with its adapter's conversions), on uvicorn, on $PORT.

POST /slack/events           slash commands, events and interactivity (signed requests only)
GET  /slack/install          "Add to Slack" (with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)
GET  /slack/oauth_redirect   where Slack sends the installer back (the same)
GET  /healthz        200 with {"ok": true, "redis": "ok" | "unavailable" | "embedded",
                     "persistence": "aof" | "rdb" | "aof+rdb" | "none" | "unknown" |
                     "unreachable" | "embedded"}
GET  /metrics        Prometheus' text format (bot.metrics)

On SIGTERM or SIGINT uvicorn stops accepting requests and lets those in progress finish;
then the replies already owed are finished too (``bot.owed``), and only then does the
process close its clients and exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from types import FrameType

import uvicorn
from slack_bolt.adapter.starlette.async_handler import (
    to_async_bolt_request,
    to_starlette_response,
)
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot import services as composition
from bot.errors import StoreUnavailable
from bot.render import pages
from bot.services import Services
from bot.settings import Settings
from bot.slack import oauth
from bot.slack.admission import INVALID_REQUEST
from bot.slack.app import create_app, web_api_session
from bot.slack.payloads import well_formed
from bot.slack.sweep import Sweep
from bot.state import startup, store

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"

Endpoint = Callable[[Request], Awaitable[Response]]
Lifespan = Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]

# Slack's largest payloads (a modal's state, a long message event) are tens of kilobytes.
MAX_BODY_BYTES = 512 * 1024


def create_web_app(services: Services) -> Starlette:
    """The ASGI app; ``services`` are closed when it shuts down."""
    app = create_app(services)
    routes = [
        Route(EVENTS_PATH, _events_endpoint(app, services), methods=["POST"]),
        Route("/healthz", _health_endpoint(services), methods=["GET"]),
        Route("/metrics", _metrics_endpoint(services), methods=["GET"]),
    ]
    flow = app.oauth_flow
    if flow is not None:
        routes += [
            Route(oauth.INSTALL_PATH, _oauth_endpoint(flow.handle_installation), methods=["GET"]),
            Route(oauth.REDIRECT_PATH, _oauth_endpoint(flow.handle_callback), methods=["GET"]),
        ]
    return Starlette(routes=routes, lifespan=_lifespan(app, services))


def _events_endpoint(app: AsyncApp, services: Services) -> Endpoint:
    async def slack_events(request: Request) -> Response:
        received = await _received(request)
        if isinstance(received, Response):
            return received
        # Waiting for its ack only once its body is in: a slow client (signed or not)
        # must not make everyone's work go one piece at a time while it trickles.
        with services.backlog.acking():
            # Bolt verifies the signature (a 401 when it is wrong or stale), then
            # bot.slack.admission refuses replays.
            return to_starlette_response(await app.async_dispatch(received))

    return slack_events


async def _received(request: Request) -> AsyncBoltRequest | Response:
    """One Slack request read: refused with a status when it is not what Slack sends."""
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or len(declared) > 9 or int(declared) > MAX_BODY_BYTES:
        return PlainTextResponse("payload too large", status_code=413)
    timestamp = request.headers.get("x-slack-request-timestamp", "")
    if not (timestamp.isascii() and timestamp.isdigit()):
        # Bolt's check would raise on it (int("²") fails), and its error handler would
        # then act on an unverified body (reply to its response_url): refuse it here.
        return JSONResponse(INVALID_REQUEST, status_code=401)
    body = await _read_at_most(request, MAX_BODY_BYTES)
    if body is None:
        return PlainTextResponse("payload too large", status_code=413)
    try:
        # What Bolt's Starlette adapter does; the body is parsed here, once.
        bolt_request = to_async_bolt_request(request, body)
    except UnicodeDecodeError:
        return PlainTextResponse("body is not UTF-8", status_code=400)
    except (ValueError, AttributeError, TypeError, LookupError) as error:
        # Bolt reads the payload as it builds the request and assumes Slack's shapes:
        # not JSON (a ValueError), or JSON of another shape, fails in there. The type
        # is logged so that a failure of Bolt's own shows as one; the body may hold a key.
        log.warning("Refused a malformed request (%s)", type(error).__name__)
        return PlainTextResponse("malformed request", status_code=400)
    if not well_formed(bolt_request.body):
        log.warning("Refused a malformed request")
        return PlainTextResponse("malformed request", status_code=400)
    return bolt_request


def _oauth_endpoint(step: Callable[[AsyncBoltRequest], Awaitable[BoltResponse]]) -> Endpoint:
    """A page of the install flow, as Bolt's OAuth flow answers it."""

    async def oauth_page(request: Request) -> Response:
        bolt_request = to_async_bolt_request(request, b"")
        try:
            response = to_starlette_response(await step(bolt_request))
        except StoreUnavailable:
            # The install's state could not be checked: nothing was saved.
            language = oauth.language_of(bolt_request.headers)
            response = to_starlette_response(oauth.failure_page("storage_error", language, 503))
        response.headers.update(pages.headers())
        return response

    return oauth_page


def _health_endpoint(services: Services) -> Endpoint:
    durability = store.PersistenceCheck(services.redis)

    async def healthz(_: Request) -> Response:
        if services.embedded_store:
            redis_state, kept = "embedded", "embedded"
        else:
            redis_state = "ok" if await store.ping(services.redis) else "unavailable"
            kept = await durability.state()
        # Configuration stays out of it: this endpoint is public.
        return JSONResponse({"ok": True, "redis": redis_state, "persistence": kept})

    return healthz


def _metrics_endpoint(services: Services) -> Endpoint:
    async def metrics(_: Request) -> Response:
        # Counts and timings only, no ids or text: public like /healthz. In multiprocess
        # mode it reads every process's files, a few milliseconds: off the event loop.
        text, content_type = await asyncio.to_thread(services.metrics.exposition)
        return Response(text, headers={"Content-Type": content_type})

    return metrics


def _lifespan(app: AsyncApp, services: Services) -> Lifespan:
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if not services.embedded_store:
            await store.warn_if_forgetful(services.redis)
        async with web_api_session(app):
            async with Sweep(app, services).running():
                yield
            # uvicorn has stopped taking requests (SIGTERM, SIGINT): finish the replies
            # already acked while the Web API session is still open, then close.
            await services.settle()
        await services.close()

    return lifespan


class _Server(uvicorn.Server):
    """uvicorn, starting the owed work's grace period at the shutdown signal itself."""

    def __init__(self, config: uvicorn.Config, services: Services) -> None:
        super().__init__(config)
        self._services = services

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        owed = self._services.owed
        if self.should_exit:
            # A second signal: uvicorn exits at once, so say here what is abandoned.
            abandoned = owed.hurry()
            if abandoned:
                log.warning(
                    "Second signal: %d replies abandoned: %s", len(abandoned), "; ".join(abandoned)
                )
        owed.begin(self._services.settings.shutdown_grace_seconds)
        super().handle_exit(sig, frame)


async def _read_at_most(request: Request, limit: int) -> bytes | None:
    """The body, or None past ``limit`` bytes: a chunked body declares no length."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def serve(settings: Settings) -> None:
    """Run the web process until it is stopped."""
    if settings.slack_signing_secret is None:
        raise SystemExit("HTTP mode needs SLACK_SIGNING_SECRET (see .env.example).")
    asyncio.run(startup.verify(settings.redis_url))  # a wrong kind of Redis stops it here
    services = composition.build(settings, serves_metrics=True)
    config = uvicorn.Config(
        create_web_app(services),
        host="0.0.0.0",  # noqa: S104
        port=settings.port,
        # uvloop where it is installed (a dependency, but for Windows): the work after
        # each ack is mostly event-loop and socket work, which it does in C.
        loop="auto",
        # uvicorn's records go through our handler, redaction included.
        log_config=None,
        # Requests still being acked get the same grace as the replies owed after them.
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds) or None,
    )
    # What startup built (the content index, templates, modules) lives as long as the
    # process: frozen, full collections under load stop rescanning it (95 ms -> 40 ms each).
    gc.freeze()
    log.info("Serving Slack requests on port %s%s", settings.port, EVENTS_PATH)
    _Server(config, services).run()
