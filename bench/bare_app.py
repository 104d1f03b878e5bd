"""The baseline for ``python -m bench.load``: a Bolt app that only acks, on the bot's stack.

    PORT=3000 SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=xoxb-... python bench/bare_app.py

The same stack as ``python -m bot web`` (``bot/slack/web.py``): Bolt's ``AsyncApp`` behind
its Starlette adapter, served by uvicorn in one process at warning level, with
``/slack/events`` and ``/healthz``. Its listeners do nothing but ack, so whatever the bot
costs beyond this is the bot's own work.
"""

from __future__ import annotations

import os

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# The bot's command (bot.commands.SLASH_COMMAND), spelled out so the baseline imports nothing of it.
COMMAND = "/mistral-setup"


def create_bare_app() -> Starlette:
    """The ASGI app: signed requests to /slack/events are verified by Bolt and acked."""
    # Bolt calls auth.test once before the first listener runs, as it does for the bot,
    # so the baseline gets the same Web API URL (the fake Slack in the benchmark).
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"],
        base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.command(COMMAND)
    async def ack_command(ack: AsyncAck) -> None:
        await ack()

    # Events are acked by Bolt before the listener runs; there is nothing else to do. Each
    # event the load sends has a listener, as in the bot: Bolt answers 404 to the others.
    @app.event("app_mention")
    async def ignore_mention() -> None:
        pass

    @app.event("message")
    async def ignore_message() -> None:
        pass

    @app.event("app_home_opened")
    async def ignore_home() -> None:
        pass

    handler = AsyncSlackRequestHandler(app)

    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def main() -> None:
    port = int(os.environ.get("PORT", "3000"))
    # Loopback only: this exists to be measured, never to be reached from elsewhere.
    uvicorn.run(create_bare_app(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
