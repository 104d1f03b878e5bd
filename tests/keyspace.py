"""What a test left in Redis: its keys, what they hold as text, and whether each is a kind
bot.state.schema declares.

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


async def stored_text(client: aioredis.Redis, name: str) -> str:
    """Whatever Redis holds under ``name``, as text."""
    match await client.type(name):
        case "list":
            return str(await client.lrange(name, 0, -1))
        case "hash":
            return str(await client.hgetall(name))
        case "set":
            return str(await client.smembers(name))
        case "zset":
            return str(await client.zrange(name, 0, -1))
        case _:
            return str(await client.get(name))


async def kinds_holding(client: aioredis.Redis, text: str) -> set[str]:
    """The kinds of the keys whose name or value holds ``text`` (every key, every value)."""
    found = set()
    async for name in client.scan_iter():
        if text in name or text in await stored_text(client, name):
            kind = schema.kind_of(name)
            assert kind is not None, name
            found.add(kind.name)
    return found


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
