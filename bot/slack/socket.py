"""Socket Mode: the same Bolt app over a WebSocket Slack opens to us; no public URL needed."""

from __future__ import annotations

import gc
import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot import services as composition
from bot.settings import Settings
from bot.slack.app import create_app, web_api_session

log = logging.getLogger(__name__)


async def serve(settings: Settings) -> None:
    """Connect and handle requests until the process is stopped."""
    if settings.slack_app_token is None:
        raise SystemExit("Socket Mode needs SLACK_APP_TOKEN (see .env.example).")
    services = composition.build(settings)
    app = create_app(services)
    handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
    gc.freeze()  # as in HTTP mode (bot.slack.web.serve): startup's objects live for good
    log.info("Connecting to Slack in Socket Mode")
    try:
        async with web_api_session(app):
            # Bolt leaves these two untyped.
            await handler.start_async()  # type: ignore[no-untyped-call]
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await services.close()
