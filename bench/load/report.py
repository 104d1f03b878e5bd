"""The printed verdict: both targets' figures, the bot's as ratios to the baseline's, the
rounds, what went wrong, the replies after the acks, and the goals."""

from __future__ import annotations

import argparse
import math
import pstats
import statistics
from dataclasses import dataclass
from pathlib import Path

import bot
from bench.load.client import SLACK_ACK_SECONDS, Sample
from bench.load.server import listen_overflows
from bench.load.target import Result
from bench.load.traffic import Replies, Traffic

PROFILE_ROWS = 15
BOT = Path(bot.__file__).parent  # where the bot's own functions are


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None or math.isnan(seconds) else f"{seconds * 1000:,.1f}"


def _ratio(ours: float | None, base: float | None) -> str:
    if ours is None or base is None or not base or math.isnan(ours) or math.isnan(base):
        return "n/a"
    return f"{ours / base:.2f}x"


def report(
    ours: Result, base: Result, args: argparse.Namespace, traffic: Traffic, goal_ratio: float
) -> bool:
    """Print the tables and the goals; True when every goal is met.

    ``base`` is the baseline: the bare Bolt app, or the bot serving one workspace.
    """
    mix = ", ".join(f"{count:,} {kind}" for kind, count in traffic.kinds.most_common())
    rounds = f"{args.rounds} rounds" if args.rounds > 1 else "1 round"
    print(
        f"\n{rounds} of {args.requests:,} requests per target ({mix}), {args.concurrency} "
        f"concurrent, after {args.warmup:,} warm-up requests; Slack over "
        f"{'HTTPS' if args.tls else 'HTTP'}; figures pooled over the rounds\n"
    )
    ratio = _print_rounds(ours, base)
    _print_table(ours, base, ratio)
    for result in (ours, base):
        _print_troubles(result, args)
    replied = ours.replies or []
    expected = traffic.expected()
    _print_replies(replied, expected, args.rounds)
    o = ours.sample
    errors = sum(o.errors.values()) + sum(base.sample.errors.values())
    p99 = o.percentile(99)
    sound = len(replied) == args.rounds and all(
        r.covers(expected) and not r.degraded for r in replied
    )
    goals = {
        "no errors": errors == 0,
        f"p99 ack < {SLACK_ACK_SECONDS:.0f} s ({_ms(p99)} ms)": p99 < SLACK_ACK_SECONDS,
        f"throughput >= {goal_ratio:.0%} of {base.name} (median {ratio:.0%})": ratio >= goal_ratio,
        "every reply sent and sound": sound,
    }
    print("\ngoals: " + "; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in goals.items()))
    return all(goals.values())


def _print_rounds(ours: Result, base: Result) -> float:
    """Each round's throughputs and CPU; the median throughput ratio, which the goal is
    judged on: a neighbour's burst of noise spoils one round's ratio, not the median."""
    ratios = [
        mine.throughput / theirs.throughput if theirs.throughput else 0.0
        for mine, theirs in zip(ours.samples, base.samples, strict=True)
    ]
    print(f"{'round':<7}{'req/s':>9}{'base req/s':>12}{'ratio':>8}{'CPU ms/req':>12}{'base':>8}")
    for number, (mine, theirs, r) in enumerate(
        zip(ours.samples, base.samples, ratios, strict=True), start=1
    ):
        print(
            f"{number:<7}{mine.throughput:>9,.0f}{theirs.throughput:>12,.0f}{r:>7.2f}x"
            f"{_ms(mine.cpu_per_request):>12}{_ms(theirs.cpu_per_request):>8}"
        )
    return statistics.median(ratios)


def _print_table(ours: Result, base: Result, ratio: float) -> None:
    """Both targets pooled over the rounds, then the bot's figures as ratios to the baseline's."""
    header = (
        f"{'target':<12}{'req/s':>9}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'>3 s':>6}"
        f"{'peak RSS MB':>13}{'CPU ms/req':>12}"
    )
    print(f"\n{header}\n{'-' * len(header)}")
    for result in (ours, base):
        s = result.sample
        rss = f"{result.peak_rss_kb / 1024:,.1f}" if result.peak_rss_kb else "n/a"
        print(
            f"{result.name:<12}{s.throughput:>9,.1f}{_ms(s.percentile(50)):>10}"
            f"{_ms(s.percentile(99)):>10}{sum(s.errors.values()):>8}{s.late:>6}{rss:>13}"
            f"{_ms(s.cpu_per_request):>12}"
        )
    o, b = ours.sample, base.sample
    print(
        f"{'ratio':<12}{ratio:>8.2f}x{_ratio(o.percentile(50), b.percentile(50)):>10}"
        f"{_ratio(o.percentile(99), b.percentile(99)):>10}{'':>14}"
        f"{_ratio(ours.peak_rss_kb, base.peak_rss_kb):>13}"
        f"{_ratio(o.cpu_per_request, b.cpu_per_request):>12}"
    )
    print(
        "\nThe req/s ratio is the median of the rounds' ratios. CPU ms/req is the server's, "
        "from its first request until it is idle again (the work after the acks included); "
        f"the load generator used {_client_ms(o)} ms/req against {ours.name} (the fakes "
        f"included) and {_client_ms(b)} against {base.name}."
    )


def _client_ms(sample: Sample) -> str:
    return _ms(sample.client_cpu / sample.requests) if sample.requests else "n/a"


def _print_troubles(result: Result, args: argparse.Namespace) -> None:
    """Whatever went wrong with one target: overlapping work, errors, its log."""
    if result.never_idle:
        print(
            f"\n{result.name} was still busy {args.settle:.0f} s after "
            f"{result.never_idle} measurement(s): the next one overlapped its work"
        )
    if result.sample.errors:
        print(f"\n{result.name} errors: {dict(result.sample.errors)}")
    if result.log:
        print(f"\n{result.name} logged, most frequent first:")
        print("\n".join(result.log))


def _print_replies(replied: list[Replies], expected: Replies, rounds: int) -> None:
    """How much of the work after the acks was done, and how late."""
    if not replied:
        return
    got = [
        (sum(r.commands for r in replied), expected.commands * rounds, "command replies"),
        (sum(r.messages for r in replied), expected.messages * rounds, "mention and DM replies"),
        (sum(r.homes for r in replied), expected.homes * rounds, "Home tabs published"),
    ]
    print(
        "\nafter the acks: "
        + ", ".join(f"{n:,}/{of:,} {what}" for n, of, what in got)
        + f"; the last of a round {max(r.lag for r in replied):.1f} s after its last ack at "
        f"worst; {sum(r.degraded for r in replied):,} said Redis was unreachable or "
        "something went wrong"
    )


def print_overflows(before: int | None) -> None:
    """Connections the kernel dropped on full listen queues since ``before``."""
    after = listen_overflows()
    if before is not None and after is not None and after > before:
        print(
            f"\nthis machine's kernel dropped {after - before:,} connection(s) on full listen "
            "queues during the run, each retried a second or more later: some server's "
            "backlog was too small (the counter is system-wide)"
        )


def print_profile(path: Path, rows: int = PROFILE_ROWS) -> None:
    """The bot's profile: the functions that took longest alone, then the bot's own
    functions that took longest with their callees (asyncio's frames, which hold
    everything, say nothing). cProfile times by the wall clock: on a busy machine a call
    that lost its core looks slow, and waiting in epoll is idle time, not work. A
    coroutine's calls count each time it resumed, not once per request."""
    profile = pstats.Stats(str(path)).get_stats_profile()
    entries = [Entry.of(function, row) for function, row in profile.func_profiles.items()]
    print(f"\nprofile of the bot's process: {path}, {profile.total_tt:,.1f} s in all")
    _print_entries(f"top {rows} by own time", sorted(entries, key=lambda e: -e.own)[:rows])
    # Called once: the process's entry points, which hold everything too.
    ours = [e for e in entries if e.in_bot and e.calls > 1]
    ours = sorted(ours, key=lambda e: -e.cumulative)[:rows]
    _print_entries(f"the bot's top {rows} by cumulative time", ours)


@dataclass(frozen=True)
class Entry:
    """One function's line in a profile."""

    function: str
    file: str
    line: int
    calls: int
    own: float
    cumulative: float

    @classmethod
    def of(cls, function: str, row: pstats.FunctionProfile) -> Entry:
        calls = int(row.ncalls.split("/")[0])  # "total/primitive" for recursive functions
        return cls(function, row.file_name, row.line_number, calls, row.tottime, row.cumtime)

    @property
    def in_bot(self) -> bool:
        return Path(self.file).is_relative_to(BOT)

    @property
    def name(self) -> str:
        if self.file == "~":  # a builtin
            return self.function
        parts = Path(self.file).parts
        # From the package down: slack_bolt/app/async_app.py, bot/slack/events.py.
        for root in ("site-packages", "python3.11"):
            if root in parts:
                parts = parts[parts.index(root) + 1 :]
        if self.in_bot:
            parts = Path(self.file).relative_to(BOT.parent).parts
        return f"{'/'.join(parts)}:{self.line}({self.function})"


def _print_entries(title: str, entries: list[Entry]) -> None:
    print(f"\n{title}\n{'own s':>8}{'cum s':>8}{'calls':>10}  function")
    for entry in entries:
        print(f"{entry.own:>8.2f}{entry.cumulative:>8.2f}{entry.calls:>10,}  {entry.name}")
