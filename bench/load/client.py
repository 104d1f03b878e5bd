"""The load generator: a fixed number of aiohttp clients sending one phase's requests in a
closed loop, and what it measured.

aiohttp only: at 200 connections httpx's pool costs about 7 ms of client CPU per request
(encode/httpx#3215), so an httpx client measured itself more than the server.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from bench.load.traffic import Traffic

EVENTS_PATH = "/slack/events"
SLACK_ACK_SECONDS = 3.0  # Slack shows the user an error when the ack takes longer
CLIENT_TIMEOUT = 10.0  # beyond Slack's 3 s, so a slow ack is measured rather than cut off


@dataclass
class Sample:
    """What one phase measured: acks on the client side, CPU on the server's."""

    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: Counter[str] = field(default_factory=Counter)  # HTTP status or exception name
    wall: float = 0.0
    client_cpu: float = 0.0  # this process's CPU seconds, the fakes' threads included
    # The server's CPU seconds from the first request until it was idle again: the acks
    # and the work after them.
    server_cpu: float | None = None

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else math.nan
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    @property
    def cpu_per_request(self) -> float | None:
        if self.server_cpu is None or not self.requests:
            return None
        return self.server_cpu / self.requests

    @property
    def late(self) -> int:
        return sum(latency > SLACK_ACK_SECONDS for latency in self.latencies)

    @classmethod
    def pooled(cls, samples: list[Sample]) -> Sample:
        pooled = cls(server_cpu=0.0)
        for sample in samples:
            pooled.latencies += sample.latencies
            pooled.errors += sample.errors
            pooled.wall += sample.wall
            pooled.client_cpu += sample.client_cpu
            if pooled.server_cpu is not None and sample.server_cpu is not None:
                pooled.server_cpu += sample.server_cpu
            else:
                pooled.server_cpu = None
        return pooled


async def send_load(base_url: str, traffic: Traffic, concurrency: int, start: int = 0) -> Sample:
    """Requests ``start`` to ``traffic.count``, ``concurrency`` in flight at any time."""
    sample = Sample()
    pending = iter(range(start, traffic.count))  # shared by the workers: each sent once
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            for index in pending:
                await _send(session, traffic, index, sample)

        started, cpu = time.perf_counter(), time.process_time()
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
        sample.wall = time.perf_counter() - started
        sample.client_cpu = time.process_time() - cpu
    return sample


async def _send(
    session: aiohttp.ClientSession, traffic: Traffic, index: int, sample: Sample
) -> None:
    """One request, its ack timed into ``sample``."""
    body, headers = traffic.build(index)
    started = time.perf_counter()
    try:
        async with session.post(EVENTS_PATH, data=body.encode(), headers=headers) as response:
            await response.read()
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        sample.errors[type(error).__name__] += 1
        return
    if 200 <= response.status < 300:
        sample.latencies.append(time.perf_counter() - started)
    else:
        sample.errors[f"HTTP {response.status}"] += 1
