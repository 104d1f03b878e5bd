"""A fake of Slack's Socket Mode WebSocket on loopback: it sends envelopes and records acks.

Slack's side of Socket Mode: the app calls ``apps.connections.open`` (the fake Web API
answers with this fake's ``url``), connects, gets a ``hello``, then receives envelopes
and answers each with an ack carrying its ``envelope_id``. Served by aiohttp from a
thread with its own event loop, so a test can drive a bot running in a subprocess.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, Self

import pytest
from aiohttp import WSMsgType, web

from tests.fakes.slack_api import APP_ID, FakeSlackApi


class FakeSocketMode:
    """One Socket Mode endpoint; ``send`` an envelope, ``wait_for_acks``, see when it closed."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._socket: web.WebSocketResponse | None = None
        self._port = 0
        self._lock = threading.Lock()
        self.acks: list[str] = []
        self.connected = threading.Event()
        self.closed_at: float | None = None  # when the app closed its WebSocket

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/link"

    def start(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def send(self, envelope: dict[str, Any]) -> None:
        """Deliver one envelope to the connected app."""
        connection = self._socket
        assert connection is not None, "no app is connected"
        message = json.dumps(envelope)
        sent = asyncio.run_coroutine_threadsafe(connection.send_str(message), self._loop)
        sent.result(timeout=10)

    def wait_for_acks(self, count: int, timeout: float = 10.0) -> list[str]:
        """Wait until ``count`` envelopes were acked; their ids, in order."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.acks) >= count:
                    return list(self.acks)
            time.sleep(0.01)
        raise AssertionError(f"expected {count} acks within {timeout}s, got {len(self.acks)}")

    def _free_port(self) -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self._port = int(probe.getsockname()[1])
        return self._port

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._connection)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._free_port())
        await site.start()

    async def _connection(self, request: web.Request) -> web.WebSocketResponse:
        connection = web.WebSocketResponse()
        await connection.prepare(request)
        self._socket = connection
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": APP_ID}}
        await connection.send_str(json.dumps(hello))
        self.connected.set()
        async for message in connection:
            if message.type == WSMsgType.TEXT:
                envelope_id = json.loads(message.data).get("envelope_id")
                if envelope_id:
                    with self._lock:
                        self.acks.append(str(envelope_id))
        self.closed_at = time.time()
        return connection


@pytest.fixture
def socket_mode(slack_api: FakeSlackApi) -> Iterator[FakeSocketMode]:
    """A fake Socket Mode endpoint that the fake Web API hands out on apps.connections.open."""
    with FakeSocketMode() as fake:
        slack_api.socket_mode_url = fake.url
        yield fake
