"""Admission: no signed request is accepted twice, and each event is handled once.

A Bolt middleware, so it runs in both modes, after Bolt has verified the request's
signature (forged requests cannot fill Redis) and before any listener. Over HTTP it
refuses a replayed signature with a 401 (``Deliveries`` remembers signatures across
processes); in both modes it claims the event id and tells the listeners, through the
context, whether this is the event's first delivery. Both claims share one trip to Redis,
which every HTTP ack, and in Socket Mode every event's ack, waits for (0.5 s at most).

Only a request that got this far was verified: the error handler acts on no other.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.slack.exchange import FIRST_DELIVERY
from bot.state.deliveries import Deliveries

log = logging.getLogger(__name__)

# What Bolt answers a request whose signature it refuses.
INVALID_REQUEST = {"error": "invalid request"}


class Admission(AsyncMiddleware):
    """Refuses replays, and marks repeated deliveries of an event for the listeners."""

    def __init__(self, deliveries: Deliveries) -> None:
        self._deliveries = deliveries

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        # Socket Mode requests are not signed: Slack sends them over our own WebSocket.
        signature = req.headers.get("x-slack-signature", [""])[0] if req.mode == "http" else ""
        admitted = await self._deliveries.admit(signature, event_id(req.body))
        if not admitted.fresh:
            log.warning("Refused a replayed request (its signature was already used)")
            # Bolt's own refusal, word for word: a replay looks like any bad signature.
            return BoltResponse(status=401, body=INVALID_REQUEST)
        req.context[FIRST_DELIVERY] = admitted.first
        return await next()


def event_id(body: dict[str, Any]) -> str:
    """What tells a repeated delivery from a new event; empty for what is not an event."""
    event = body.get("event")
    fallback = event.get("client_msg_id") if isinstance(event, dict) else None
    return str(body.get("event_id") or fallback or "")
