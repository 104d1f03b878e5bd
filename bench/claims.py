"""What once-only claims cost on a Redis Cluster, against one server's script, in one run.

    python -m bench.claims                  30 bursts of 100 requests, each a signature and an event
    python -m bench.claims --requests 200 --rounds 50

On one server, the claims of the requests that arrive together go to Redis in one Lua
script call (``bot.state.deliveries``). A cluster runs a script within one slot, and the
claims are in every slot, so there they go as a pipeline of ``SET NX EX``, which redis-py
sends to each primary in one round trip. This starts a server and a 3-master cluster on
loopback (redis-server, as the tests do), claims the same bursts on each through
``Deliveries.admit``, and prints the median wall time per burst and the ratio; the pipeline
on the one server is shown too, to tell the cost of the cluster from that of the pipeline.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

import redis.asyncio as aioredis

from bot.state.deliveries import Deliveries
from bot.state.store import connect
from tests.keyspace import flush
from tests.redis_server import LocalCluster, RedisServer


async def burst(deliveries: Deliveries, requests: int) -> float:
    """Seconds to admit ``requests`` requests that arrive together (fresh ids each)."""
    ids = [uuid.uuid4().hex for _ in range(requests)]
    start = time.perf_counter()
    admitted = await asyncio.gather(*(deliveries.admit(f"v0={i}", f"Ev{i}") for i in ids))
    took = time.perf_counter() - start
    assert all(delivery.first and delivery.fresh for delivery in admitted)
    return took


async def measure(url: str, *, scripted: bool, requests: int, rounds: int) -> float:
    """The median milliseconds per burst on ``url``."""
    client: aioredis.Redis = connect(url)[0]
    try:
        await flush(client)
        deliveries = Deliveries(client, scripted=scripted)
        await burst(deliveries, requests)  # connections opened, the script loaded
        times = [await burst(deliveries, requests) for _ in range(rounds)]
        await flush(client)
    finally:
        await client.aclose()
    return statistics.median(times) * 1000


async def run(server: str, cluster: str, requests: int, rounds: int) -> None:
    script = await measure(server, scripted=True, requests=requests, rounds=rounds)
    pipeline = await measure(server, scripted=False, requests=requests, rounds=rounds)
    spread = await measure(cluster, scripted=True, requests=requests, rounds=rounds)
    print(f"{requests} requests a burst ({2 * requests} claims), median of {rounds} bursts")
    print(f"{'':36}{'ms':>8}{'ratio':>8}")
    print(f"{'one server, one script (before)':36}{script:>8.2f}{1:>7.2f}x")
    print(f"{'one server, pipeline':36}{pipeline:>8.2f}{pipeline / script:>7.2f}x")
    print(f"{'3-master cluster, pipeline':36}{spread:>8.2f}{spread / script:>7.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    server, cluster = RedisServer(), LocalCluster()
    try:
        server.start()
        cluster.start()
        asyncio.run(run(server.url, cluster.url, args.requests, args.rounds))
    finally:
        server.stop()
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
