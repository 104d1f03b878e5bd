"""Socket Mode: the same Bolt app over a WebSocket Slack opens to us; no public URL needed.

On SIGTERM or SIGINT the WebSocket closes first, so no new envelope arrives, then the
replies already owed are finished (``bot.owed``) before the process exits.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot import services as composition
from bot.settings import Settings
from bot.slack.app import create_app, web_api_session
from bot.state import store

log = logging.getLogger(__name__)


async def serve(settings: Settings) -> None:
    """Handle requests until SIGTERM or SIGINT, then stop receiving, finish what is owed, exit."""
    if settings.slack_app_token is None:
        raise SystemExit("Socket Mode needs SLACK_APP_TOKEN (see .env.example).")
    services = composition.build(settings)
    app = create_app(services)
    handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    if not services.embedded_store:
        await store.warn_if_forgetful(services.redis)
    gc.freeze()  # as in HTTP mode (bot.slack.web.serve): startup's objects live for good
    log.info("Connecting to Slack in Socket Mode")
    try:
        async with web_api_session(app):
            await handler.connect_async()  # type: ignore[no-untyped-call]
            await stop.wait()
            # No new envelopes from here on: Slack sends them to another connection, and
            # any it had sent us but got no ack for, it sends again.
            await handler.close_async()  # type: ignore[no-untyped-call]
            await services.settle()
    finally:
        # Again when connecting failed or was interrupted; closing twice is harmless.
        await handler.close_async()  # type: ignore[no-untyped-call]
        await services.close()
