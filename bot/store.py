"""Redis in one place: the connection, every key name, and turning outages into StoreUnavailable.

Keys are namespaced and versioned (``mistral-setup:v1:…``) so a future change of shape
can live beside the old one. All state the bot keeps is here, so any number of web
processes can share one Redis.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from bot.errors import StoreUnavailable

log = logging.getLogger(__name__)

PREFIX = "mistral-setup:v1"

# Slack gives a request 3 seconds; a Redis that does not answer in one is treated as down
# so the bot can still say so in time.
SOCKET_TIMEOUT = 1.0
CONNECT_TIMEOUT = 0.5

# Connections per process. Each request in flight may hold one while the event loop is
# busy; redis-py's default of 100 fails at once under a burst of 200. Redis takes 10,000.
MAX_CONNECTIONS = 1000

# One immediate retry: it replaces a pooled connection that died when Redis restarted.
# redis-py's default (ten retries with backoff) would wait seconds on a Redis that is down.
RETRY = Retry(NoBackoff(), retries=1)


def key(*parts: str) -> str:
    """The one function that names Redis keys: ``key("progress", team, user)``."""
    return ":".join((PREFIX, *parts))


def connect(url: str | None) -> tuple[redis.Redis, bool]:
    """A Redis client for ``url``, or an embedded in-process one; the flag says which."""
    if url:
        client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=CONNECT_TIMEOUT,
            retry=RETRY,
            max_connections=MAX_CONNECTIONS,
            health_check_interval=30,
            decode_responses=True,
        )
        return client, False
    import fakeredis  # only the embedded mode needs it

    return fakeredis.FakeAsyncRedis(decode_responses=True), True


@asynccontextmanager
async def available() -> AsyncIterator[None]:
    """Run Redis calls; an outage becomes StoreUnavailable, logged once with its cause."""
    try:
        yield
    except (RedisError, OSError) as exc:
        log.warning("Redis unavailable: %s", type(exc).__name__)
        raise StoreUnavailable from exc


async def ping(client: redis.Redis) -> bool:
    """True when Redis answers; never raises (health checks call it)."""
    try:
        return bool(await client.ping())
    except (RedisError, OSError):
        return False
