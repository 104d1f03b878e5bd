"""Once-only delivery: each Slack event is answered once, and no signed request is accepted twice.

Slack retries an event it thinks was lost; an attacker may replay a request they saw.
The first process to claim an event id (or a request signature) in Redis handles it;
every other copy, in this process or another, is dropped.

Claims are ``SET key 1 NX EX`` commands. The signature claim runs before every ack, so
concurrent claims share one pipelined round trip to Redis: under a burst, one command
per request would cost the web process more than everything else it does before the ack.
"""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as redis

from bot import store
from bot.errors import StoreUnavailable

log = logging.getLogger(__name__)

# Slack's last retry of an event comes about five minutes after the original.
CLAIM_SECONDS = 600

# Slack signs every delivery afresh and Bolt refuses timestamps more than five minutes
# away from our clock, in either direction: remembering signatures for ten minutes covers
# the whole window even when our clock is off.
SIGNATURE_SECONDS = 600

# The replay check runs before the ack, so it gets a small slice of Slack's 3 seconds.
SIGNATURE_CHECK_TIMEOUT = 0.5


class Deliveries:
    """Claims on Slack event ids and request signatures, shared by every process."""

    def __init__(self, client: redis.Redis) -> None:
        self._claims = _Claims(client)

    async def claim(self, event_id: str) -> bool:
        """True for the first delivery of ``event_id``, False for every repeat."""
        if not event_id:
            return True  # nothing to recognise a repeat by
        try:
            return await self._claims.claim(store.key("event", event_id), CLAIM_SECONDS)
        except StoreUnavailable:
            # Answering twice is better than never answering while Redis is away.
            log.warning("Event %s handled without a dedupe claim: Redis unavailable", event_id)
            return True

    async def first_signature(self, signature: str) -> bool:
        """True the first time a request signature is seen; a replay is False."""
        if not signature:
            return True  # unsigned: request verification refuses it anyway
        name = store.key("signature", signature)
        try:
            async with asyncio.timeout(SIGNATURE_CHECK_TIMEOUT):
                return await self._claims.claim(name, SIGNATURE_SECONDS)
        except (StoreUnavailable, TimeoutError):
            # Timestamps still bound replays to five minutes; availability matters more.
            return True


class _Claims:
    """``SET NX EX`` claims, gathered from one turn of the event loop into one pipeline."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._waiting: list[tuple[str, int, asyncio.Future[bool]]] = []
        self._sending: set[asyncio.Task[None]] = set()  # held so they are not collected

    async def claim(self, name: str, seconds: int) -> bool:
        """True when this call set ``name``; raise StoreUnavailable when Redis is down."""
        loop = asyncio.get_running_loop()
        claimed: asyncio.Future[bool] = loop.create_future()
        if not self._waiting:
            # The first claim of a turn sends the batch once the callers of this turn joined.
            loop.call_soon(self._send)
        self._waiting.append((name, seconds, claimed))
        return await claimed

    def _send(self) -> None:
        batch, self._waiting = self._waiting, []
        task = asyncio.ensure_future(self._execute(batch))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _execute(self, batch: list[tuple[str, int, asyncio.Future[bool]]]) -> None:
        try:
            async with store.available(), self._redis.pipeline(transaction=False) as pipe:
                for name, seconds, _ in batch:
                    pipe.set(name, "1", nx=True, ex=seconds)
                results = await pipe.execute()
        except StoreUnavailable:
            for _, _, claimed in batch:
                if not claimed.done():
                    claimed.set_exception(StoreUnavailable())
            return
        for (_, _, claimed), result in zip(batch, results, strict=True):
            if not claimed.done():
                claimed.set_result(bool(result))
