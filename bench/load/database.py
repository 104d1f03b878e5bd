"""The Redis the bot uses during the run: a dedicated database, and workspaces installed in it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urlsplit

import redis
from redis import asyncio as aioredis

from bot.cipher import Cipher
from bot.slack.installations import RedisInstallationStore
from tests.fakes.slack_api import Install
from tests.slack_requests import TOKEN_KEY

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@contextlib.contextmanager
def dedicated_redis(url: str) -> Iterator[None]:
    """A Redis database that is empty before the run and emptied after it."""
    if (urlsplit(url).hostname or "") not in LOOPBACK:
        raise SystemExit(f"--redis-url must be on loopback (its database is flushed): {url}")
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        raise SystemExit(f"no Redis at {url}: {error}") from None
    client.flushdb()
    try:
        yield
    finally:
        with contextlib.suppress(redis.RedisError):
            client.flushdb()
        client.close()


async def install_workspaces(url: str, workspaces: tuple[Install, ...]) -> None:
    """Write each workspace's install into Redis as the OAuth flow would have."""
    client = aioredis.Redis.from_url(url, decode_responses=True)
    try:
        installations = RedisInstallationStore(client, Cipher([TOKEN_KEY]))
        for workspace in workspaces:
            await installations.async_save(workspace.installation())
    finally:
        await client.aclose()
