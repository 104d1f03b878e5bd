"""HTTP mode: Bolt's ASGI handler behind Starlette, served by uvicorn on $PORT.

POST /slack/events   slash commands, events and interactivity (signed requests only)
GET  /healthz        200 with {"ok": true, "redis": "ok" | "unavailable" | "embedded"}
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import services as composition
from bot import store
from bot.services import Services
from bot.settings import Settings
from bot.slack.app import create_app

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def create_web_app(services: Services) -> Starlette:
    """The ASGI app; ``services`` are closed when it shuts down."""
    handler = AsyncSlackRequestHandler(create_app(services))

    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_: Request) -> Response:
        if services.embedded_store:
            redis_state = "embedded"
        else:
            redis_state = "ok" if await store.ping(services.redis) else "unavailable"
        # Configuration stays out of it: this endpoint is public.
        return JSONResponse({"ok": True, "redis": redis_state})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await services.close()

    return Starlette(
        routes=[
            Route(EVENTS_PATH, slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def serve(settings: Settings) -> None:
    """Run the web process until it is stopped."""
    if settings.slack_signing_secret is None:
        raise SystemExit("HTTP mode needs SLACK_SIGNING_SECRET (see .env.example).")
    app = create_web_app(composition.build(settings))
    log.info("Serving Slack requests on port %s%s", settings.port, EVENTS_PATH)
    uvicorn.run(app, host="0.0.0.0", port=settings.port, log_level="warning")  # noqa: S104
