"""A started server under load: warmed up, measured round by round, its results pooled."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.load.client import Sample, send_load
from bench.load.server import Server
from bench.load.traffic import Replies, Traffic

Phases = Callable[[str, int], Traffic]  # a phase's requests, by tag and count


@dataclass
class Result:
    """Every round of one target."""

    name: str
    samples: list[Sample]
    peak_rss_kb: int | None
    log: list[str]
    replies: list[Replies] | None = None  # per round; None for a server that never replies
    never_idle: int = 0  # measurements after which the server was still busy at --settle

    @property
    def sample(self) -> Sample:
        """The rounds pooled."""
        return Sample.pooled(self.samples)


@dataclass
class Target:
    """A started server and what was measured of it so far."""

    server: Server
    expect_replies: bool
    phases: Phases  # its requests, tagged so that its replies are its own
    samples: list[Sample] = field(default_factory=list)
    replies: list[Replies] = field(default_factory=list)
    never_idle: int = 0

    async def warm_up(self, args: argparse.Namespace) -> None:
        """Unmeasured requests, as after any deploy: one alone, then a burst."""
        if not args.warmup:
            return
        # One request alone first: Bolt's auth.test, lazy imports and the first
        # connections happen once, not 200 times at once.
        await send_load(self.server.url, self.phases("warm", 1), 1)
        warm = self.phases("warm", args.warmup)
        await send_load(self.server.url, warm, args.concurrency, start=1)
        if self.expect_replies:
            await warm.wait_for_replies(args.settle)
        # The warm-up's work after the acks must not run into the measured rounds.
        await self._settle(args)

    async def measure(self, traffic: Traffic, args: argparse.Namespace) -> None:
        """One round: the requests, then (for the bot) their replies, until idle again."""
        cpu_before = self.server.cpu_seconds()
        sample = await send_load(self.server.url, traffic, args.concurrency)
        if self.expect_replies:
            self.replies.append(await traffic.wait_for_replies(args.settle))
        # Work goes on after the last reply (Home republished, questions logged): the
        # next measurement, of either target, starts only once this server is idle,
        # and the CPU figure includes all of it.
        await self._settle(args)
        cpu_after = self.server.cpu_seconds()
        if cpu_before is not None and cpu_after is not None:
            sample.server_cpu = cpu_after - cpu_before
        self.samples.append(sample)

    async def _settle(self, args: argparse.Namespace) -> None:
        if not await self.server.until_idle(args.settle):
            self.never_idle += 1

    def result(self) -> Result:
        """What was measured; call it before the server stops (its log and memory)."""
        return Result(
            name=self.server.name,
            samples=self.samples,
            peak_rss_kb=self.server.peak_rss_kb(),
            log=self.server.log_summary(),
            replies=self.replies if self.expect_replies else None,
            never_idle=self.never_idle,
        )


async def measure_in_turns(ours: Target, baseline: Target, args: argparse.Namespace) -> None:
    """Warm both up, then ``args.rounds`` rounds of each, alternating which goes first."""
    for target in (ours, baseline):
        await target.warm_up(args)
    for number in range(args.rounds):
        order = (ours, baseline) if number % 2 == 0 else (baseline, ours)
        for target in order:
            # Each round has its own tag, so its replies are told from the others'.
            await target.measure(target.phases(f"round{number}", args.requests), args)
