"""What a test left in Redis, checked against bot.state.schema: every key a declared kind.

Keys are read with SCAN, which a cluster's client sends to every primary (KEYS, like PING,
goes to one node only), and emptied with FLUSHDB on every primary.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.state import schema
from bot.state.store import on_every_primary


async def every_key(client: aioredis.Redis, pattern: str = "*") -> list[str]:
    """Every key matching ``pattern``, on every primary, sorted."""
    return sorted([str(name) async for name in client.scan_iter(match=pattern)])


async def flush(client: aioredis.Redis) -> None:
    """Delete every key of the test database, on every primary."""
    await on_every_primary(client, "FLUSHDB")


async def undeclared(client: aioredis.Redis) -> list[str]:
    """Each key no kind declares, or whose Redis type is not its kind's, with why."""
    names_found = await every_key(client)
    async with client.pipeline(transaction=False) as pipe:
        for name in names_found:
            pipe.type(name)
        types = [str(found) for found in await pipe.execute()]
    faults = []
    for name, found in zip(names_found, types, strict=True):
        kind = schema.kind_of(name)
        if kind is None:
            faults.append(f"{name}: no kind in bot/state/schema.py declares it")
        elif found not in (kind.type, "none"):  # "none": it expired meanwhile
            faults.append(f"{name}: a {found}, but {kind.name} keys are a {kind.type}")
    return faults


async def assert_declared(client: aioredis.Redis) -> None:
    """Fail, naming them, when keys the schema does not declare were written."""
    faults = await undeclared(client)
    assert not faults, "keys the schema does not declare:\n" + "\n".join(faults)
