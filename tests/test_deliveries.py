"""Once-only claims in a real Redis: concurrent claims are batched but each answered right."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest
import redis.asyncio as aioredis

from bot.services import build
from bot.settings import Settings
from bot.state.deliveries import Deliveries, Delivery
from bot.state.store import connect


async def test_concurrent_claims_each_get_their_own_answer(redis_client: aioredis.Redis) -> None:
    deliveries = Deliveries(redis_client)

    first = await asyncio.gather(*(deliveries.admit(f"v0={n}", f"Ev{n}") for n in range(100)))
    again = await asyncio.gather(*(deliveries.admit(f"v0={n}", "") for n in range(100)))
    retry = await asyncio.gather(*(deliveries.admit(f"v1={n}", f"Ev{n}") for n in range(100)))

    assert first == [Delivery(fresh=True, first=True)] * 100
    assert again == [Delivery(fresh=False, first=True)] * 100  # a replay; not an event
    assert retry == [Delivery(fresh=True, first=False)] * 100  # Slack's retry, signed anew


async def test_the_same_event_claimed_at_once_from_two_places_is_won_once(
    redis_url: str, redis_client: aioredis.Redis
) -> None:
    clients = [connect(redis_url)[0] for _ in range(2)]
    places = [Deliveries(client) for client in clients]

    results = await asyncio.gather(*(d.admit("", "Ev1") for d in places for _ in range(5)))

    assert sorted(r.first for r in results) == [False] * 9 + [True]
    for client in clients:
        await client.aclose()


async def test_without_redis_claims_let_the_request_through() -> None:
    client, _ = connect("redis://127.0.0.1:1/0")  # nothing listens on port 1
    deliveries = Deliveries(client)

    assert await deliveries.admit("v0=abc", "Ev1") == Delivery(fresh=True, first=True)
    await client.aclose()


async def test_the_embedded_store_claims_like_redis_without_lua() -> None:
    services = build(Settings(_env_file=None))  # no REDIS_URL: the embedded store
    deliveries = services.deliveries

    first = await deliveries.admit("v0=abc", "Ev1")
    replay = await deliveries.admit("v0=abc", "Ev1")

    assert services.embedded_store
    assert importlib.util.find_spec("lupa") is None  # the runtime install has no Lua
    assert (first, replay) == (Delivery(fresh=True, first=True), Delivery(fresh=False, first=False))
    await services.close()


async def test_claims_go_on_after_redis_forgot_the_script(redis_client: aioredis.Redis) -> None:
    deliveries = Deliveries(redis_client)
    assert (await deliveries.admit("v0=abc", "")).fresh

    await redis_client.script_flush()  # as after a restart

    assert await deliveries.admit("v0=abc", "") == Delivery(fresh=False, first=True)
    assert await deliveries.admit("v0=def", "") == Delivery(fresh=True, first=True)


async def test_a_claim_that_fails_unexpectedly_lets_the_request_through(
    redis_client: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    deliveries = Deliveries(redis_client)

    # The one fault real Redis will not produce on demand: an answer of the wrong shape.
    async def broken(**_: object) -> list[int]:
        return []  # fewer answers than claims: a reply the code cannot read

    deliveries._claims._claim_all = broken  # type: ignore[assignment]
    delivery = await asyncio.wait_for(deliveries.admit("v0=abc", "Ev1"), timeout=2)

    assert delivery == Delivery(fresh=True, first=True)
    assert "Claiming failed" in caplog.text
