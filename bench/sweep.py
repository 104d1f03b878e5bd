"""What a reminder sweep costs Redis: 100,000 people scheduled, 100 of them due.

    python bench/sweep.py                       100,000 people in 50 teams, 100 due
    python bench/sweep.py --people 1000000 --teams 500 --due 100 --redis-url redis://…/8

Seeds a dedicated Redis database (8 unless told; emptied before and after) as progress
changes leave it: each person's reminder scheduled in their team's sorted set, the teams
indexed. Then it measures the sweep's read of what is due (``ReminderStore.due``), and
beside it, in the same run, a sweep that would read every person's schedule (a baseline,
what a sweep without the index and the scores would cost). Redis time is the server's own
(``INFO commandstats``: microseconds spent in commands), so a busy machine inflates the
wall time but not it. Goal: under 50 ms of Redis time per sweep.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import redis.asyncio as aioredis

from bot.state import schema
from bot.state.reminders import ReminderStore

GOAL_MS = 50.0


async def seed(client: aioredis.Redis, people: int, teams: int, due: int, now: float) -> None:
    """``people`` spread over ``teams``, ``due`` of them due by ``now``, the rest later."""
    async with client.pipeline(transaction=False) as pipe:
        for team in range(teams):
            pipe.sadd(schema.NUDGE_TEAMS.key(), f"T{team:05d}")
        for n in range(people):
            at = now - 60 if n < due else now + 3600 + n
            pipe.zadd(schema.NUDGE_DUE.key(f"T{n % teams:05d}"), {f"U{n:07d}": at})
            if len(pipe) >= 10_000:
                await pipe.execute()
        await pipe.execute()


async def redis_microseconds(client: aioredis.Redis) -> float:
    """Microseconds Redis has spent in commands since it started (or since CONFIG RESETSTAT)."""
    stats = await client.info("commandstats")
    return sum(float(entry["usec"]) for entry in stats.values() if isinstance(entry, dict))


async def every_schedule(client: aioredis.Redis, teams: int) -> int:
    """The baseline: read every person's schedule, team by team, and pick what is due."""
    now, found = time.time(), 0
    for team in range(teams):
        name = schema.NUDGE_DUE.key(f"T{team:05d}")
        entries = await client.zrange(name, 0, -1, withscores=True)
        # withscores: each item is a (member, score) pair.
        found += sum(float(pair[1]) <= now for pair in entries)
    return found


async def measure(client: aioredis.Redis, sweep: object, rounds: int) -> tuple[float, float]:
    """Median Redis ms and wall ms of ``sweep()`` over ``rounds``."""
    redis_ms, wall_ms = [], []
    for _ in range(rounds):
        before, started = await redis_microseconds(client), time.perf_counter()
        await sweep()  # type: ignore[operator]
        wall_ms.append((time.perf_counter() - started) * 1000)
        # INFO itself is not counted in commandstats until it returns: read after.
        redis_ms.append((await redis_microseconds(client) - before) / 1000)
    return statistics.median(redis_ms), statistics.median(wall_ms)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    args = parser.parse_args()
    client = aioredis.Redis.from_url(args.redis_url, decode_responses=True)
    await client.flushdb()
    try:
        now = time.time()
        await seed(client, args.people, args.teams, args.due, now)
        store = ReminderStore(client)
        found = len(await store.due(time.time(), per_team=args.due))
        ours = await measure(client, lambda: store.due(time.time(), per_team=args.due), args.rounds)
        base = await measure(client, lambda: every_schedule(client, args.teams), args.rounds)
    finally:
        await client.flushdb()
        await client.aclose()
    print(
        f"{args.people:,} people in {args.teams} teams, {found} due; median of {args.rounds} sweeps"
    )
    print(f"{'':24}{'Redis ms':>10}{'wall ms':>10}")
    print(f"{'sweep (due only)':24}{ours[0]:>10.2f}{ours[1]:>10.2f}")
    print(f"{'baseline (everyone)':24}{base[0]:>10.2f}{base[1]:>10.2f}")
    print(f"{'ratio':24}{ours[0] / base[0]:>9.3f}x{ours[1] / base[1]:>9.3f}x")
    met = ours[0] < GOAL_MS
    print(f"goal: under {GOAL_MS:g} ms of Redis time per sweep: {'yes' if met else 'NO'}")
    return 0 if met and found == args.due else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
