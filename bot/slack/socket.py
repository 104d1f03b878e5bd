"""Socket Mode: the same Bolt app over a WebSocket Slack opens to us; no public URL needed.

On SIGTERM or SIGINT the process stops reading envelopes, lets those it already read
be dispatched and acked (so Slack does not send them again elsewhere), closes the
WebSocket, and finishes the replies owed (``bot.owed``) before exiting. A second signal
stops waiting. A signal while still connecting ends the connecting.

With METRICS_PORT set, the metrics (``bot.metrics``) are served on it at GET /metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Callable
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest

from bot import services as composition
from bot.services import Services
from bot.settings import Settings
from bot.slack.app import create_app, web_api_session
from bot.slack.sweep import Sweep
from bot.state import startup, store

log = logging.getLogger(__name__)


class _Handler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, knowing which envelopes it is still dispatching (not
    yet acked): a shutdown waits for them before closing the WebSocket."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dispatching: set[asyncio.Task[Any]] = set()

    async def handle(self, client: Any, req: SocketModeRequest) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.dispatching.add(task)
        try:
            await super().handle(client, req)
        finally:
            self.dispatching.discard(task)


def run(settings: Settings) -> None:
    """Run the worker until it is stopped: on uvloop where it is installed (not on Windows),
    as uvicorn runs the web process, since the work after each ack is mostly event-loop
    and socket work (Redis, the Web API)."""
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    with contextlib.suppress(ImportError):
        import uvloop

        loop_factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve(settings))


async def serve(settings: Settings) -> None:
    """Handle requests until SIGTERM or SIGINT, then wind down without dropping any."""
    if settings.slack_app_token is None:
        raise SystemExit("Socket Mode needs SLACK_APP_TOKEN (see .env.example).")
    await startup.verify(settings.redis_url)  # a wrong kind of Redis stops it here
    services = composition.build(settings, serves_metrics=True)
    app = create_app(services)
    handler = _Handler(app, settings.slack_app_token.get_secret_value())
    stop = _on_signals(services)
    if not services.embedded_store:
        await store.warn_if_forgetful(services.redis)
    gc.freeze()  # as in HTTP mode (bot.slack.web.serve): startup's objects live for good
    log.info("Connecting to Slack in Socket Mode")
    try:
        if settings.metrics_port is not None:
            try:
                services.metrics.serve(settings.metrics_port)  # stopped by services.close()
            except OSError as error:  # in use, or not ours to bind: say so, not a traceback
                why = error.strerror or type(error).__name__
                raise SystemExit(
                    f"METRICS_PORT {settings.metrics_port} cannot be served ({why}): "
                    "choose a free port, or unset it"
                ) from None
            log.info("Serving metrics on port %s at /metrics", settings.metrics_port)
        async with web_api_session(app):
            if await _connected(handler, stop):
                async with Sweep(app, services).running():
                    await stop.wait()
                await _stop_reading(handler, services)
            await handler.close_async()  # type: ignore[no-untyped-call]
            await services.settle()
    finally:
        # Again when something above failed; closing twice is harmless.
        await handler.close_async()  # type: ignore[no-untyped-call]
        await services.close()


def _on_signals(services: Services) -> asyncio.Event:
    """The first SIGTERM or SIGINT starts the shutdown; a second one stops its waiting."""
    stop = asyncio.Event()

    def on_signal() -> None:
        if stop.is_set():
            abandoned = services.owed.hurry()
            log.warning("Second signal: not waiting; %d replies abandoned", len(abandoned))
        services.owed.begin(services.settings.shutdown_grace_seconds)
        stop.set()

    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, on_signal)
    return stop


async def _connected(handler: _Handler, stop: asyncio.Event) -> bool:
    """Connect, unless a signal comes first (slack_sdk retries a failing connect forever)."""
    connecting = asyncio.ensure_future(handler.connect_async())  # type: ignore[no-untyped-call]
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if connecting.done():
        connecting.result()
        return True
    connecting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await connecting
    return False


async def _stop_reading(handler: _Handler, services: Services) -> None:
    """Read no more envelopes; let those already read be dispatched and acked."""
    client = handler.client
    client.auto_reconnect_enabled = False
    for reader in (client.message_receiver, client.current_session_monitor):
        if reader is not None:
            reader.cancel()
    # Envelopes already read wait in the queue for the processor: let it take them all.
    # slack_sdk signals nothing when its queue empties, so this looks every 10 ms.
    while not client.message_queue.empty() and services.owed.remaining() > 0:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    await asyncio.sleep(0)  # the processor's last dispatches start before this resumes
    if handler.dispatching:
        await asyncio.wait(list(handler.dispatching), timeout=services.owed.remaining())
