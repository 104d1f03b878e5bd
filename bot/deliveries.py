"""Once-only delivery: each Slack event is answered once, and no signed request is accepted twice.

Slack retries an event it thinks was lost; an attacker may replay a request they saw.

The first process to claim an event id in Redis answers it; every other copy, in this
process or another, is dropped. Retries can come five minutes after the original, so
claims live ten minutes.
"""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as redis

from bot import store
from bot.errors import StoreUnavailable

log = logging.getLogger(__name__)

CLAIM_SECONDS = 600

# Slack signs every delivery afresh and Bolt refuses timestamps more than five minutes
# away from our clock, in either direction: remembering signatures for ten minutes covers
# the whole window even when our clock is off.
SIGNATURE_SECONDS = 600

# The replay check runs before the ack, so it gets a small slice of Slack's 3 seconds.
SIGNATURE_CHECK_TIMEOUT = 0.5


class Deliveries:
    """Claims on Slack event ids, shared by every process through Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    async def claim(self, event_id: str) -> bool:
        """True for the first delivery of ``event_id``, False for every repeat."""
        if not event_id:
            return True  # nothing to recognise a repeat by
        try:
            async with store.available():
                claimed = await self._redis.set(
                    store.key("event", event_id), "1", nx=True, ex=CLAIM_SECONDS
                )
        except StoreUnavailable:
            # Answering twice is better than never answering while Redis is away.
            log.warning("Event %s handled without a dedupe claim: Redis unavailable", event_id)
            return True
        return bool(claimed)

    async def first_signature(self, signature: str) -> bool:
        """True the first time a request signature is seen; a replay within 5 minutes is False."""
        if not signature:
            return True  # unsigned: request verification refuses it anyway
        try:
            async with asyncio.timeout(SIGNATURE_CHECK_TIMEOUT), store.available():
                fresh = await self._redis.set(
                    store.key("signature", signature), "1", nx=True, ex=SIGNATURE_SECONDS
                )
        except (StoreUnavailable, TimeoutError):
            # Timestamps still bound replays to five minutes; availability matters more.
            return True
        return bool(fresh)
