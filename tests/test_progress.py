"""Setup progress in a real Redis: per person, atomic, and nothing lost under concurrency."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest
import redis.asyncio as aioredis

from bot.errors import StoreUnavailable
from bot.person import Person
from bot.state.progress import ProgressStore
from bot.state.store import connect
from tests.keyspace import every_key

ALICE = Person("T1", "UALICE")
BOB = Person("T1", "UBOB")


@pytest.fixture
def progress(redis_client: aioredis.Redis) -> ProgressStore:
    return ProgressStore(redis_client)


async def test_marking_a_step_done_is_remembered_per_person(progress: ProgressStore) -> None:
    assert await progress.mark_done(ALICE, "register")

    assert await progress.done(ALICE) == {"register"}
    assert await progress.done(BOB) == frozenset()


async def test_marking_the_same_step_twice_changes_nothing(progress: ProgressStore) -> None:
    await progress.mark_done(ALICE, "register")

    assert not await progress.mark_done(ALICE, "register")
    assert await progress.done(ALICE) == {"register"}


async def test_undo_and_reset(progress: ProgressStore) -> None:
    await progress.mark_done(ALICE, "register")
    await progress.mark_done(ALICE, "payment-method")

    assert await progress.undo(ALICE, "register")
    assert not await progress.undo(ALICE, "register")
    assert await progress.done(ALICE) == {"payment-method"}
    await progress.reset(ALICE)
    assert await progress.done(ALICE) == frozenset()


async def test_keys_are_namespaced_and_versioned(
    progress: ProgressStore, redis_client: aioredis.Redis
) -> None:
    await progress.mark_done(ALICE, "register")

    keys = sorted(await every_key(redis_client))
    assert keys == [  # the team is the hash tag: on a cluster, one slot holds them all
        "mistral-setup:v2:nudge-due:{T1}",  # when Alice's reminder is due
        "mistral-setup:v2:nudge-teams",
        "mistral-setup:v2:people:{T1}",
        "mistral-setup:v2:progress:{T1}:UALICE",
        "mistral-setup:v2:started:{T1}",  # when she started
        "mistral-setup:v2:teams",  # where the sweep looks for digests
    ]


async def test_concurrent_updates_from_many_connections_lose_nothing(redis_url: str) -> None:
    topics = [f"step-{i}" for i in range(50)]
    clients = [connect(redis_url)[0] for _ in range(5)]
    stores = [ProgressStore(c) for c in clients]

    await asyncio.gather(*(stores[i % 5].mark_done(ALICE, t) for i, t in enumerate(topics)))

    assert await stores[0].done(ALICE) == frozenset(topics)
    for client in clients:
        await client.aclose()


def test_two_processes_updating_one_person_at_once_lose_nothing(
    redis_url: str, redis_client: aioredis.Redis
) -> None:
    writer = textwrap.dedent(
        """
        import asyncio, sys
        from bot.state.progress import ProgressStore
        from bot.state.store import connect
        from bot.person import Person

        async def main(url, start):
            client = connect(url)[0]
            store = ProgressStore(client)
            person = Person("T1", "UALICE")
            steps = (f"step-{i}" for i in range(start, start + 100))
            await asyncio.gather(*(store.mark_done(person, step) for step in steps))
            await client.aclose()

        asyncio.run(main(sys.argv[1], int(sys.argv[2])))
        """
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", writer, redis_url, str(start)])
        for start in (0, 100)
    ]
    assert [p.wait(timeout=60) for p in processes] == [0, 0]

    done = asyncio.run(_done(redis_url))
    assert done == frozenset(f"step-{i}" for i in range(200))


async def _done(url: str) -> frozenset[str]:
    client = connect(url)[0]
    try:
        return await ProgressStore(client).done(ALICE)
    finally:
        await client.aclose()


async def test_an_unreachable_redis_is_reported_as_unavailable_quickly() -> None:
    client, embedded = connect("redis://127.0.0.1:1/0")  # nothing listens on port 1
    store = ProgressStore(client)

    assert not embedded
    with pytest.raises(StoreUnavailable, match="Redis did not answer"):
        await asyncio.wait_for(store.done(ALICE), timeout=2.5)
    await client.aclose()


async def test_without_redis_url_the_embedded_store_keeps_progress() -> None:
    client, embedded = connect(None)
    store = ProgressStore(client)

    await store.mark_done(ALICE, "register")

    assert embedded
    assert await store.done(ALICE) == {"register"}
