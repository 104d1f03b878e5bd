"""``python -m bench.load``: the options, and one run from start to report."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import NoReturn

import bench.load
from bench.load.report import print_overflows, print_profile, report
from bench.load.server import listen_overflows
from bench.load.stage import Stage
from bench.load.target import measure_in_turns

DEFAULT_REDIS = "redis://127.0.0.1:6379/14"  # not the tests' database (15)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=(bench.load.__doc__ or "").splitlines()[0],
    )
    add = parser.add_argument
    add("--concurrency", type=int, default=200, help="requests in flight")
    add("--requests", type=int, default=2000, help="requests per target and round")
    add("--rounds", type=int, default=6, help="rounds of each target (even: each first as often)")
    add("--warmup", type=int, default=200, help="unmeasured requests first")
    add("--settle", type=float, default=15.0, help="seconds to wait for replies, then idle")
    add("--redis-url", default=DEFAULT_REDIS, help="a database emptied before and after")
    add("--tls", action="store_true", help="the fake Slack over HTTPS, as Slack's API")
    add("--profile", type=Path, help="run the bot under cProfile, stats here; print its top")
    add("--workspaces", type=int, default=0, help="the bot serving this many workspaces vs one")
    add("--bot-command", help="a python command to run instead of the Procfile's web: line")
    return parser


def _check(args: argparse.Namespace) -> None:
    if not (1 <= args.concurrency <= 1000 and 1 <= args.requests <= 100_000):
        raise SystemExit("--concurrency must be 1..1000 and --requests 1..100000")
    if not 1 <= args.rounds <= 100:
        raise SystemExit("--rounds must be 1..100")
    if not 0 <= args.workspaces <= 10_000:
        raise SystemExit("--workspaces must be 0..10000")
    if args.warmup < 0:
        raise SystemExit("--warmup must be at least 0")


def _raise_on_sigterm(signum: int, _frame: object) -> NoReturn:
    # A SystemExit unwinds the with blocks, so the servers and Redis are cleaned up.
    raise SystemExit(128 + signum)


def main() -> int:
    args = _parser().parse_args()
    _check(args)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    overflows = listen_overflows()
    with contextlib.ExitStack() as stack:
        stage = Stage.open(args, stack)
        ours, baseline, goal = stage.contenders()
        # Both run throughout, but only one is loaded at a time: an idle server costs nothing.
        asyncio.run(measure_in_turns(ours, baseline, args))
        results = ours.result(), baseline.result()
        ours.server.stop()  # before the profile is read: stopping writes it
        baseline.server.stop()
        met = report(*results, args, ours.phases("mix", args.requests), goal)
        print_overflows(overflows)
        if args.profile:
            print_profile(args.profile)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
