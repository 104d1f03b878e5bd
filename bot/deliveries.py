"""Once-only delivery: Slack retries an event it thinks was lost, and each must be answered once.

The first process to claim an event id in Redis answers it; every other copy, in this
process or another, is dropped. Retries can come five minutes after the original, so
claims live ten minutes.
"""

from __future__ import annotations

import logging

import redis.asyncio as redis

from bot import store
from bot.errors import StoreUnavailable

log = logging.getLogger(__name__)

CLAIM_SECONDS = 600


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
