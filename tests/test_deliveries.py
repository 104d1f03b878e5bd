"""Once-only claims in a real Redis: concurrent claims are batched but each answered right."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from bot.deliveries import Deliveries
from bot.store import connect


async def test_concurrent_claims_each_get_their_own_answer(redis_client: aioredis.Redis) -> None:
    deliveries = Deliveries(redis_client)

    fresh = await asyncio.gather(*(deliveries.first_signature(f"v0={n}") for n in range(100)))
    again = await asyncio.gather(*(deliveries.first_signature(f"v0={n}") for n in range(100)))

    assert fresh == [True] * 100
    assert again == [False] * 100


async def test_the_same_event_claimed_at_once_from_two_places_is_won_once(
    redis_url: str, redis_client: aioredis.Redis
) -> None:
    clients = [aioredis.Redis.from_url(redis_url, decode_responses=True) for _ in range(2)]
    places = [Deliveries(client) for client in clients]

    results = await asyncio.gather(*(d.claim("Ev1") for d in places for _ in range(5)))

    assert sorted(results) == [False] * 9 + [True]
    for client in clients:
        await client.aclose()


async def test_without_redis_claims_let_the_request_through() -> None:
    client, _ = connect("redis://127.0.0.1:1/0")  # nothing listens on port 1
    deliveries = Deliveries(client)

    assert await deliveries.claim("Ev1")
    assert await deliveries.first_signature("v0=abc")
    await client.aclose()
