"""Redis in one place: the connection, its persistence, and turning outages into StoreUnavailable.

All state the bot keeps is in Redis, so any number of web processes can share one; every
kind of key it writes is declared in bot.state.schema.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError

from bot.errors import StoreUnavailable
from bot.metrics import count_redis_error

log = logging.getLogger(__name__)

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
        count_redis_error()
        raise StoreUnavailable from exc


async def ping(client: redis.Redis) -> bool:
    """True when Redis answers; never raises (health checks call it)."""
    try:
        return bool(await client.ping())
    except (RedisError, OSError):
        return False


# How Redis keeps its data across a restart: an append-only file, snapshots, both, nothing,
# or unknown (a managed Redis may refuse CONFIG; the bot's own embedded store keeps nothing).
Persistence = Literal["aof", "rdb", "aof+rdb", "none", "unknown", "unreachable", "embedded"]

NO_PERSISTENCE_WARNING = (
    "Redis keeps nothing on disk (no AOF, no RDB snapshots): everyone's checklist progress, "
    "votes and logged questions are lost the next time it restarts. Turn on AOF "
    "(appendonly yes, appendfsync everysec) or use a managed Redis with persistence; "
    "meanwhile `python -m bot export` saves a copy."
)


async def persistence(client: redis.Redis) -> Persistence:
    """Whether Redis keeps its data across a restart, from CONFIG GET appendonly and save."""
    try:
        appendonly = await client.config_get("appendonly")
        save = await client.config_get("save")
    except ResponseError:
        return "unknown"  # CONFIG refused or renamed, as managed Redis services do
    except (RedisError, OSError):
        return "unreachable"
    aof = str(appendonly.get("appendonly", "")).lower() == "yes"
    rdb = bool(str(save.get("save", "")).strip())
    if aof and rdb:
        return "aof+rdb"
    return "aof" if aof else "rdb" if rdb else "none"


async def warn_if_forgetful(client: redis.Redis) -> Persistence:
    """At startup: log once what Redis keeps on disk, and a warning when it keeps nothing."""
    state = await persistence(client)
    if state == "none":
        log.warning(NO_PERSISTENCE_WARNING)
    elif state == "unknown":
        log.info("Redis persistence is unknown (CONFIG is not allowed): check your provider's")
    elif state == "unreachable":
        log.warning("Redis is unreachable at startup: its persistence is not known yet")
    else:
        log.info("Redis persistence: %s", state)
    return state


class PersistenceCheck:
    """The persistence state for /healthz, asked of Redis at most once a minute."""

    def __init__(self, client: redis.Redis, *, seconds: float = 60.0) -> None:
        self._client = client
        self._seconds = seconds
        self._state: Persistence | None = None
        self._checked = 0.0

    async def state(self) -> Persistence:
        if self._state is None or time.monotonic() - self._checked > self._seconds:
            self._state = await persistence(self._client)
            self._checked = time.monotonic()
        return self._state
