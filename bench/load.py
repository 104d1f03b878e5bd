"""Ack latency, throughput and memory of the web process under load, against a bare Bolt app.

    python bench/load.py                  6 rounds of 2,000 requests per target, 200 at a time
    python bench/load.py --rounds 1       one round: quicker, noisier
    python bench/load.py --concurrency 50 --requests 500 --mix 0.2
    python bench/load.py --profile /tmp/web.prof      also profile the bot (cProfile)
    python bench/load.py --bot-command "python -c '...'"   measure a variant of the bot
    python bench/load.py --workspaces 100   one deployment serving 100 installed workspaces
                                            ("Add to Slack") against the same bot serving one

The bot runs as in production: the Procfile's ``web:`` command (``python -m bot web``) as
a subprocess, with a real Redis (a dedicated database, flushed before and after) and the
fake Slack and Mistral APIs of ``tests/fakes`` on loopback, in this process. Signed slash
commands (checklist, ``done N``, ``next``, questions) and ``app_mention`` events go to
``/slack/events`` from a fixed number of concurrent clients (a closed loop); the time from
sending a request to its HTTP response is the ack latency Slack sees. Non-2xx answers and
failed requests are errors. The same load goes to ``bench/bare_app.py``, a Bolt app on the
same server stack that only acks, and the bot's figures are given as ratios to it, because
this machine is shared and absolute figures drift.

The two take turns: several rounds, each measuring both, the order alternating. A burst
of noise from a neighbour then spoils one round's ratio, not the verdict: the throughput
goal is judged on the median of the rounds' ratios. The table pools every round. Each
measurement waits for the server it loaded to go idle, so none runs into the next.

After the load, the fake Slack must receive every command's reply (on its response_url)
and every mention's reply (``chat.postMessage``): proof that the work after the ack was
done, and how long it lagged behind the acks. Replies that only say Redis was unreachable
or that something went wrong are counted apart.

The load is sent with aiohttp by default: at 200 concurrent connections httpx's pool
costs about 7 ms of client CPU per request (encode/httpx#3215), so an httpx client caps
both targets near 100 requests/s and measures itself. ``--client httpx`` shows that.

Goals: no errors at 200 concurrent requests, p99 ack well under Slack's 3 seconds,
throughput at least 70% of the bare app's.

With ``--workspaces N`` the baseline is the bot itself: the same load goes to the bot with
SLACK_BOT_TOKEN (one workspace) and to the bot with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET
and N workspaces installed in Redis, the requests spread over them, each signed as its
workspace's and answered with its token. Goal: at least 80% of the one-workspace throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import math
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import IO, NoReturn
from urllib.parse import urlsplit

import aiohttp
import httpx
import redis

REPO = Path(__file__).resolve().parent.parent
# The fakes and the request builders live in tests/, which is not an installed package,
# so they can be imported only once the repository is on the path.
sys.path.insert(0, str(REPO))

from bot import strings  # noqa: E402
from tests.fakes.mistral_api import FakeMistralAPI  # noqa: E402
from tests.fakes.slack_api import FakeSlackApi, Install  # noqa: E402
from tests.slack_requests import (  # noqa: E402
    BOT_USER_ID,
    SIGNING_SECRET,
    TEAM,
    SignedRequest,
    app_mention,
    event_callback,
    slash_command,
)

BARE_APP = REPO / "bench" / "bare_app.py"
QUESTIONS = REPO / "tests" / "data" / "dev-questions.tsv"
EVENTS_PATH = "/slack/events"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"  # not the tests' database (15)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

SLACK_ACK_SECONDS = 3.0  # Slack shows the user an error when the ack takes longer
GOAL_THROUGHPUT_RATIO = 0.70
GOAL_WORKSPACES_RATIO = 0.80  # many workspaces against one, the same bot
CLIENT_TIMEOUT = 10.0  # beyond Slack's 3 s, so a slow ack is measured rather than cut off
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# A server is idle when /proc shows no CPU used in each of three 100 ms polls in a row
# (its clock ticks every 10 ms, so "under 5 ms" means "not one tick").
IDLE_POLLS, IDLE_POLL_SECONDS, IDLE_CPU_SECONDS = 3, 0.1, 0.005
STEPS = 12  # the checklist's length: `done N` stays a real step
USERS = 50  # progress is per person; several people make the Redis keys realistic
BOT_TOKEN = "xoxb-bench-token"
# Replies that mean the work after the ack failed, though a reply was sent.
DEGRADED_TEXTS = frozenset(
    strings.text("en", key) for key in ("store_unavailable", "something_went_wrong")
)

# Slack accepts as many connections as the bot opens. The fakes use the stdlib server,
# whose listen backlog is 5: a burst of the bot's connections overflows it, the kernel
# drops the SYNs and the bot's client retries a second later, a delay that is the fake's,
# not the bot's. Set before the fakes bind; only this process is affected.
ThreadingHTTPServer.request_queue_size = 1024


# Requests


def _questions() -> list[str]:
    with QUESTIONS.open(encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if row and row[0][:1] != "#"]
    return [row[2] for row in rows[1:]]  # the first row is the header


@dataclass(frozen=True)
class Traffic:
    """The requests of one phase: which are mentions, what they say, where replies go.

    ``tag`` names the phase in response_url paths and the mention channel, so that the
    replies of the measured phase can be told from the warm-up's.
    """

    tag: str
    count: int
    mix: float
    slack: FakeSlackApi
    questions: list[str]
    workspaces: tuple[Install, ...] = ()  # installed ones to spread requests over, if any

    def is_mention(self, index: int) -> bool:
        # Exactly round(count * mix) mentions, spread evenly rather than in runs.
        return math.floor((index + 1) * self.mix) > math.floor(index * self.mix)

    @property
    def mentions(self) -> int:
        return sum(self.is_mention(i) for i in range(self.count))

    @property
    def channel(self) -> str:
        return f"CBENCH{self.tag.upper()}"

    @property
    def response_prefix(self) -> str:
        return f"/response/{self.tag}-"

    def build(self, index: int) -> SignedRequest:
        """Request ``index``, signed now: every body is unique, so no signature repeats."""
        user = f"U{1000 + index % USERS}"
        question = self.questions[index % len(self.questions)]
        team, bot_user = TEAM, BOT_USER_ID
        if self.workspaces:
            workspace = self.workspaces[index % len(self.workspaces)]
            team, bot_user = str(workspace.team_id), workspace.bot_user_id
        if self.is_mention(index):
            event = app_mention(f"<@{bot_user}> {question}", user=user, channel=self.channel)
            event_id = f"Ev{self.tag}{index:08d}"
            return event_callback(event, event_id=event_id, team=team, bot_user=bot_user)
        step = 1 + (index // 4) % STEPS
        text = ("", f"done {step}", question, "next")[index % 4]
        url = self.slack.response_url(f"{self.tag}-{index}")
        return slash_command(text, user=user, team=team, response_url=url)

    def replies(self) -> Replies:
        """What the fake Slack received for this phase so far."""
        posts = [p for p in self.slack.responses if p.path.startswith(self.response_prefix)]
        messages = [
            call.args
            for call in self.slack.calls("chat.postMessage")
            if call.args.get("channel") == self.channel
        ]
        texts = [str(p.body.get("text", "")) for p in posts] + [
            str(m.get("text", "")) for m in messages
        ]
        return Replies(
            commands=len({p.path for p in posts}),
            mentions=len(messages),
            degraded=sum(text in DEGRADED_TEXTS for text in texts),
        )


@dataclass(frozen=True)
class Replies:
    commands: int  # commands answered on their response_url
    mentions: int  # mentions answered in the channel
    degraded: int  # replies saying Redis was unreachable or something went wrong
    lag: float = 0.0  # seconds from the last ack to the last reply (or to giving up)


# Load


Post = Callable[[bytes, dict[str, str]], Awaitable[int]]
Phases = Callable[[str, int], "Traffic"]


@contextlib.asynccontextmanager
async def aiohttp_client(base_url: str, concurrency: int) -> AsyncIterator[Post]:
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as session:

        async def post(body: bytes, headers: dict[str, str]) -> int:
            async with session.post(EVENTS_PATH, data=body, headers=headers) as response:
                await response.read()
                return response.status

        yield post


@contextlib.asynccontextmanager
async def httpx_client(base_url: str, concurrency: int) -> AsyncIterator[Post]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=CLIENT_TIMEOUT
    ) as client:

        async def post(body: bytes, headers: dict[str, str]) -> int:
            response = await client.post(EVENTS_PATH, content=body, headers=headers)
            return response.status_code

        yield post


CLIENTS = {"aiohttp": aiohttp_client, "httpx": httpx_client}


@dataclass
class Sample:
    """What one phase measured, on the client side."""

    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: Counter[str] = field(default_factory=Counter)  # HTTP status or exception name
    wall: float = 0.0
    client_cpu: float = 0.0  # this process's CPU seconds, the fakes' threads included
    server_cpu: float = 0.0  # the server's CPU seconds while the requests were sent

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else math.nan
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    @property
    def cpu_per_ack(self) -> float:
        """Server CPU seconds per request while they were sent: the acks, and whatever
        work after acks ran meanwhile (most of it runs later)."""
        return self.server_cpu / len(self.latencies) if self.latencies else math.nan

    @property
    def late(self) -> int:
        return sum(latency > SLACK_ACK_SECONDS for latency in self.latencies)


async def send_load(
    base_url: str, traffic: Traffic, concurrency: int, client: str, start: int = 0
) -> Sample:
    """Requests ``start`` to ``traffic.count``, ``concurrency`` in flight at any time."""
    sample = Sample()
    pending = iter(range(start, traffic.count))  # shared by the workers: each sent once

    async def worker(post: Post) -> None:
        for index in pending:
            body, headers = traffic.build(index)
            started = time.perf_counter()
            try:
                status = await post(body.encode(), headers)
            except (aiohttp.ClientError, httpx.HTTPError, TimeoutError, OSError) as error:
                sample.errors[type(error).__name__] += 1
                continue
            elapsed = time.perf_counter() - started
            if 200 <= status < 300:
                sample.latencies.append(elapsed)
            else:
                sample.errors[f"HTTP {status}"] += 1

    async with CLIENTS[client](base_url, concurrency) as post:
        started, cpu = time.perf_counter(), time.process_time()
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker(post))
        sample.wall = time.perf_counter() - started
        sample.client_cpu = time.process_time() - cpu
    return sample


async def wait_for_replies(
    traffic: Traffic,
    timeout: float,  # noqa: ASYNC109  (a deadline on polling, not on one call)
) -> Replies:
    """Poll the fake Slack until every reply of ``traffic`` arrived or ``timeout`` passed."""
    expected = (traffic.count - traffic.mentions, traffic.mentions)
    started = time.perf_counter()
    deadline = started + timeout
    # Polling, because the fake's own wait_for counts the warm-up's calls too; a lag in
    # seconds needs no finer grain than 50 ms.
    while True:
        got = traffic.replies()
        if (got.commands, got.mentions) == expected or time.perf_counter() > deadline:
            break
        await asyncio.sleep(0.05)
    return Replies(got.commands, got.mentions, got.degraded, time.perf_counter() - started)


async def until_idle(
    server: Server,
    timeout: float,  # noqa: ASYNC109  (a deadline on polling, not on one call)
) -> bool:
    """Wait until ``server`` used no CPU for a few polls in a row: False after ``timeout``."""
    deadline = time.perf_counter() + timeout
    quiet, last = 0, server.cpu_seconds()
    while quiet < IDLE_POLLS:
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(IDLE_POLL_SECONDS)
        now = server.cpu_seconds()
        busy = now is None or last is None or now - last > IDLE_CPU_SECONDS
        quiet, last = (0 if busy else quiet + 1), now
    return True


# Servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def procfile_web_command() -> str:
    """The command of the Procfile's ``web:`` line."""
    line = next(
        line for line in (REPO / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    return line.removeprefix("web:").strip()


def python_argv(command: str) -> list[str]:
    """``command`` split into arguments, run with this interpreter (the venv's)."""
    argv = shlex.split(command)
    if not argv or argv[0] != "python":
        raise SystemExit(f"bench/load.py runs python commands only, not {command!r}")
    return [sys.executable, *argv[1:]]


def server_env(
    port: int,
    slack: FakeSlackApi,
    mistral: FakeMistralAPI,
    redis_url: str,
    *,
    distributed: bool = False,
) -> dict[str, str]:
    # No developer settings leak in: the bot reads SLACK_*, REDIS_* etc. and a .env
    # (the server runs in an empty folder, so there is none).
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "MISTRAL_", "REDIS_", "HELP_", "ESCALATION_", "LOG_"))
    }
    env.update(
        PORT=str(port),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.url,
        REDIS_URL=redis_url,
        MISTRAL_API_URL=mistral.url,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO),
    )
    if distributed:  # "Add to Slack": each workspace's token is in Redis
        del env["SLACK_BOT_TOKEN"]
        env.update(SLACK_CLIENT_ID="1111.2222", SLACK_CLIENT_SECRET="bench-client-secret")
    return env


async def install_workspaces(redis_url: str, workspaces: tuple[Install, ...]) -> None:
    """Write each workspace's install into Redis as the OAuth flow would have."""
    from redis import asyncio as aioredis
    from slack_sdk.oauth.installation_store import Installation

    from bot.slack.installations import RedisInstallationStore

    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        installations = RedisInstallationStore(client)
        for workspace in workspaces:
            await installations.async_save(
                Installation(
                    app_id="A111",
                    team_id=workspace.team_id,
                    team_name=workspace.team_name,
                    bot_token=workspace.bot_token,
                    bot_id=workspace.bot_id,
                    bot_user_id=workspace.bot_user_id,
                    bot_scopes="commands,chat:write,app_mentions:read",
                    user_id="UINSTALLER",
                )
            )
    finally:
        await client.aclose()


@dataclass
class Server:
    """A web process on a loopback port: started, health-checked, measured, stopped."""

    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    workdir: Path
    # uvicorn shuts down cleanly on either, then raises the signal again: SIGTERM then ends
    # the process without unwinding, SIGINT unwinds it (KeyboardInterrupt), so cProfile writes.
    stop_signal: int = signal.SIGTERM
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> dict[str, object]:
        """Start the process and return what /healthz says once it answers."""
        self.log = (self.workdir / f"{self.name.replace(' ', '-')}.log").open("w+b")
        self.process = subprocess.Popen(
            self.argv, env=self.env, cwd=self.workdir, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise SystemExit(f"{self.name} exited with {code}:\n{self.log_text()}")
            try:
                health: dict[str, object] = httpx.get(f"{self.url}/healthz", timeout=1).json()
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    message = f"{self.name} did not answer /healthz:\n{self.log_text()}"
                    raise SystemExit(message) from None
                time.sleep(0.1)
            else:
                return health

    def peak_rss_kb(self) -> int | None:
        """VmHWM from /proc/<pid>/status: the most resident memory the process ever had."""
        if self.process is None:
            return None
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return None

    def cpu_seconds(self) -> float | None:
        """User plus system CPU time the process has used so far."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # utime and stime are fields 14 and 15 of stat; the split above starts at field 3.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_text(self) -> str:
        if self.log is None:
            return ""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        """The stop signal, then SIGKILL if the process is still there after a while."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)
        if self.log is not None:
            self.log.close()
            self.log = None


def log_summary(text: str, top: int = 5) -> list[str]:
    """The most frequent log lines, timestamps dropped and numbers folded, with counts."""
    lines = Counter(
        re.sub(r"\d+", "N", line.split(" ", 2)[-1] if line[:4].isdigit() else line)
        for line in text.splitlines()
        if line.strip()
    )
    return [f"{count:>6} x {line}" for line, count in lines.most_common(top)]


def listen_overflows() -> int | None:
    """The kernel's count of connections dropped because a listen queue was full."""
    with contextlib.suppress(OSError, KeyError, ValueError):
        lines = Path("/proc/net/netstat").read_text().splitlines()
        # Lines come in pairs: the names of a group's counters, then their values.
        for names, values in zip(lines[::2], lines[1::2], strict=False):
            if names.startswith("TcpExt:"):
                table = dict(zip(names.split()[1:], values.split()[1:], strict=True))
                return int(table["ListenOverflows"])
    return None


# Measuring one target


@dataclass
class Result:
    """Every round of one target, pooled."""

    name: str
    samples: list[Sample]
    peak_rss_kb: int | None
    cpu_per_request: float | None  # server CPU seconds per request: acks and replies
    log: list[str]
    replies: list[Replies] | None = None
    never_idle: int = 0  # measurements after which the server was still busy at --settle

    @property
    def sample(self) -> Sample:
        pooled = Sample()
        for sample in self.samples:
            pooled.latencies += sample.latencies
            pooled.errors += sample.errors
            pooled.wall += sample.wall
            pooled.client_cpu += sample.client_cpu
            pooled.server_cpu += sample.server_cpu
        return pooled


@dataclass
class Target:
    """A started server and what was measured of it so far."""

    server: Server
    expect_replies: bool
    phases: Callable[[str, int], Traffic]  # its requests, tagged so its replies are its own
    samples: list[Sample] = field(default_factory=list)
    replies: list[Replies] = field(default_factory=list)
    cpu: float | None = 0.0
    requests: int = 0
    never_idle: int = 0  # measurements after which the server did not go idle in time

    async def warm_up(self, args: argparse.Namespace) -> None:
        """Unmeasured requests, as after any deploy: one alone, then a burst."""
        if not args.warmup:
            return
        # One request alone first: Bolt's auth.test, lazy imports and the first
        # connections happen once, not 200 times at once.
        warm = self.phases("warm", args.warmup)
        await send_load(self.server.url, self.phases("warm", 1), 1, args.client)
        await send_load(self.server.url, warm, args.concurrency, args.client, start=1)
        if self.expect_replies:
            await wait_for_replies(warm, args.settle)
        # The warm-up's work after the acks must not run into the measured rounds.
        await self.settle(args)

    async def settle(self, args: argparse.Namespace) -> None:
        if not await until_idle(self.server, args.settle):
            self.never_idle += 1

    async def measure(self, traffic: Traffic, args: argparse.Namespace) -> None:
        """One round: the requests, then (for the bot) their replies."""
        cpu_before = self.server.cpu_seconds()
        sample = await send_load(self.server.url, traffic, args.concurrency, args.client)
        cpu_acked = self.server.cpu_seconds()
        if cpu_before is not None and cpu_acked is not None:
            sample.server_cpu = cpu_acked - cpu_before
        self.samples.append(sample)
        if self.expect_replies:
            self.replies.append(await wait_for_replies(traffic, args.settle))
        # Work goes on after the last reply (App Home republished, questions logged): the
        # next measurement, of either target, starts only once this server is idle.
        await self.settle(args)
        # After the replies, so that the CPU figure includes the work done after the acks.
        cpu_after = self.server.cpu_seconds()
        if self.cpu is None or cpu_before is None or cpu_after is None:
            self.cpu = None
        else:
            self.cpu += cpu_after - cpu_before
        self.requests += traffic.count

    def result(self) -> Result:
        return Result(
            name=self.server.name,
            samples=self.samples,
            peak_rss_kb=self.server.peak_rss_kb(),
            cpu_per_request=self.cpu / self.requests if self.cpu is not None else None,
            log=log_summary(self.server.log_text()),
            replies=self.replies if self.expect_replies else None,
            never_idle=self.never_idle,
        )


async def measure_in_turns(ours: Target, bare: Target, args: argparse.Namespace) -> None:
    """Warm both up, then ``args.rounds`` rounds of each, alternating which goes first."""
    for target in (ours, bare):
        await target.warm_up(args)
    for number in range(args.rounds):
        order = (ours, bare) if number % 2 == 0 else (bare, ours)
        for target in order:
            # Each round has its own tag, so its replies are told from the others'.
            await target.measure(target.phases(f"round{number}", args.requests), args)


# Report


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def _ratio(ours: float | None, bare: float | None) -> str:
    if ours is None or bare is None or not bare or math.isnan(ours) or math.isnan(bare):
        return "n/a"
    return f"{ours / bare:.2f}x"


def report(
    ours: Result, bare: Result, args: argparse.Namespace, mentions: int, goal_ratio: float
) -> bool:
    """Print the table, the ratios and the goals; True when every goal is met.

    ``bare`` is the baseline: the bare Bolt app, or the bot serving one workspace.
    """
    commands = args.requests - mentions
    rounds = f"{args.rounds} rounds" if args.rounds > 1 else "1 round"
    print(
        f"\n{rounds} of {args.requests:,} requests per target ({mentions:,} mentions, "
        f"{commands:,} slash commands), {args.concurrency} concurrent, {args.client} client, "
        f"after {args.warmup:,} warm-up requests; figures pooled over the rounds\n"
    )
    _print_table(ours, bare, args)
    ratio = _print_rounds(ours, bare)
    for result in (ours, bare):
        _print_troubles(result, args)
    replied = ours.replies or []
    _print_replies(replied, commands * args.rounds, mentions * args.rounds)

    o, b = ours.sample, bare.sample
    errors = sum(o.errors.values()) + sum(b.errors.values())
    p99 = o.percentile(99)
    all_replied = len(replied) == args.rounds and all(
        (r.commands, r.mentions) == (commands, mentions) and not r.degraded for r in replied
    )
    goals = {
        "no errors": errors == 0,
        f"p99 ack < {SLACK_ACK_SECONDS:.0f} s ({_ms(p99)} ms)": p99 < SLACK_ACK_SECONDS,
        f"throughput >= {goal_ratio:.0%} of {bare.name} (median {ratio:.0%})": (
            ratio >= goal_ratio
        ),
        "every reply sent and sound": all_replied,
    }
    print("\ngoals: " + "; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in goals.items()))
    return all(goals.values())


def _print_table(ours: Result, bare: Result, args: argparse.Namespace) -> None:
    """Both targets' figures pooled over the rounds, then ours as ratios to the baseline's."""
    header = (
        f"{'target':<12}{'req/s':>9}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}"
        f"{'max ms':>10}{'errors':>8}{'>3 s':>6}{'peak RSS MB':>13}{'CPU ms/req':>12}"
    )
    print(header)
    print("-" * len(header))
    for result in (ours, bare):
        s = result.sample
        rss = f"{result.peak_rss_kb / 1024:,.1f}" if result.peak_rss_kb else "n/a"
        cpu = _ms(result.cpu_per_request) if result.cpu_per_request is not None else "n/a"
        worst = max(s.latencies, default=math.nan)
        print(
            f"{result.name:<12}{s.throughput:>9,.1f}{_ms(s.percentile(50)):>10}"
            f"{_ms(s.percentile(95)):>10}{_ms(s.percentile(99)):>10}{_ms(worst):>10}"
            f"{sum(s.errors.values()):>8}{s.late:>6}{rss:>13}{cpu:>12}"
        )
    o, b = ours.sample, bare.sample
    print(
        f"{'ratio':<12}{_ratio(o.throughput, b.throughput):>9}"
        f"{_ratio(o.percentile(50), b.percentile(50)):>10}"
        f"{_ratio(o.percentile(95), b.percentile(95)):>10}"
        f"{_ratio(o.percentile(99), b.percentile(99)):>10}{'':>24}"
        f"{_ratio(ours.peak_rss_kb, bare.peak_rss_kb):>13}"
        f"{_ratio(ours.cpu_per_request, bare.cpu_per_request):>12}"
    )
    total = args.requests * args.rounds
    print(
        "\nCPU ms/req is the server's; the load generator used "
        f"{_ms(o.client_cpu / total)} ms/req against {ours.name} (the fakes included) "
        f"and {_ms(b.client_cpu / total)} ms/req against {bare.name}."
    )


def _print_rounds(ours: Result, bare: Result) -> float:
    """Each round's throughputs and ratio; the median ratio, which the goal is judged on."""
    ratios = [
        mine.throughput / theirs.throughput if theirs.throughput else 0.0
        for mine, theirs in zip(ours.samples, bare.samples, strict=True)
    ]
    ratio = statistics.median(ratios)
    print(
        f"\n{'round':<7}{'req/s':>11}{'base req/s':>12}{'ratio':>12}"
        f"{'CPU ms/ack':>16}{'base CPU ms/ack':>17}"
    )
    for number, (mine, theirs, r) in enumerate(
        zip(ours.samples, bare.samples, ratios, strict=True), start=1
    ):
        print(
            f"{number:<7}{mine.throughput:>11,.0f}{theirs.throughput:>12,.0f}{r:>11.2f}x"
            f"{_ms(mine.cpu_per_ack):>16}{_ms(theirs.cpu_per_ack):>17}"
        )
    print(f"{'median':<30}{ratio:>11.2f}x   (the throughput goal is judged on this)")
    return ratio


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


def _print_replies(replied: list[Replies], commands: int, mentions: int) -> None:
    """How much of the work after the acks was done, and how late."""
    if not replied:
        return
    got_commands = sum(r.commands for r in replied)
    got_mentions = sum(r.mentions for r in replied)
    degraded = sum(r.degraded for r in replied)
    print(
        f"\nafter the acks: {got_commands:,}/{commands:,} command replies "
        f"(response_url), {got_mentions:,}/{mentions:,} mention replies "
        f"(chat.postMessage), the last of a round {max(r.lag for r in replied):.1f} s "
        f"after its last ack at worst; {degraded:,} said Redis was unreachable or "
        "something went wrong"
    )


def print_profile(path: Path, rows: int = 30) -> None:
    import pstats  # only --profile needs it

    print(f"\nprofile of the bot's process: {path} (top {rows} by own time)")
    pstats.Stats(str(path)).sort_stats("tottime").print_stats(rows)


# Main


def _raise_on_sigterm(signum: int, _frame: object) -> NoReturn:
    # A SystemExit unwinds the try/finally blocks, so the servers and Redis are cleaned up.
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def dedicated_redis(url: str) -> Iterator[None]:
    """A Redis database that is empty before the run and emptied after it."""
    if (urlsplit(url).hostname or "") not in LOOPBACK:
        raise SystemExit(f"--redis-url must be on loopback (its database is flushed): {url}")
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        raise SystemExit(f"no Redis at {url}: {error}") from None
    client.flushdb()
    try:
        yield
    finally:
        with contextlib.suppress(redis.RedisError):
            client.flushdb()
        client.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=200, help="requests in flight")
    parser.add_argument("--requests", type=int, default=2000, help="requests per target and round")
    parser.add_argument(
        "--rounds",
        type=int,
        default=6,
        help="measured rounds of each target (even: each goes first as often)",
    )
    parser.add_argument("--mix", type=float, default=0.5, help="fraction that are mentions")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests first")
    parser.add_argument("--settle", type=float, default=15.0, help="seconds to wait for replies")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="flushed before and after")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="aiohttp")
    parser.add_argument("--profile", type=Path, help="run the bot under cProfile, stats here")
    parser.add_argument(
        "--workspaces",
        type=int,
        default=0,
        help="compare the bot serving this many installed workspaces with it serving one",
    )
    parser.add_argument(
        "--bot-command",
        help="a python command to run instead of the Procfile's web: line (to try a change)",
    )
    return parser


@dataclass
class Bench:
    """What one run shares: the fakes, Redis, a work folder, and what stops the servers."""

    args: argparse.Namespace
    stack: contextlib.ExitStack
    slack: FakeSlackApi
    mistral: FakeMistralAPI
    workdir: Path
    questions: list[str]

    def phases(self, prefix: str, workspaces: tuple[Install, ...] = ()) -> Phases:
        """A target's requests, tagged ``prefix`` so that its replies are told apart."""

        def traffic(tag: str, count: int) -> Traffic:
            mix, slack, questions = self.args.mix, self.slack, self.questions
            return Traffic(f"{prefix}{tag}", count, mix, slack, questions, workspaces)

        return traffic

    def server(self, name: str, argv: list[str], *, distributed: bool = False) -> Server:
        port, redis_url = free_port(), self.args.redis_url
        env = server_env(port, self.slack, self.mistral, redis_url, distributed=distributed)
        running = Server(name, argv, env, port, self.workdir)
        self.stack.callback(running.stop)  # stopped on every way out, in reverse order
        return running


def contenders(bench: Bench) -> tuple[Target, Target, float]:
    """The bot and its baseline (the bare app, or the bot serving one workspace), started,
    and the throughput ratio the bot must keep."""
    args = bench.args
    bot_argv = python_argv(args.bot_command or procfile_web_command())
    if args.profile:
        bot_argv[1:1] = ["-m", "cProfile", "-o", str(args.profile.resolve())]
    if args.workspaces:
        installed = tuple(Install(f"TBENCH{n:04d}", f"Bench {n}") for n in range(args.workspaces))
        asyncio.run(install_workspaces(args.redis_url, installed))
        ours = Target(bench.server("many", bot_argv, distributed=True), True,
                      bench.phases("many-", installed))  # fmt: skip
        one = bench.server("one", python_argv(procfile_web_command()))
        baseline, goal = Target(one, True, bench.phases("one-")), GOAL_WORKSPACES_RATIO
    else:
        ours = Target(bench.server("bot", bot_argv), True, bench.phases(""))
        bare = bench.server("bare Bolt", [sys.executable, str(BARE_APP)])
        baseline, goal = Target(bare, False, bench.phases("")), GOAL_THROUGHPUT_RATIO
    if args.profile:
        ours.server.stop_signal = signal.SIGINT
    health = ours.server.start()
    if health.get("redis") != "ok":
        raise SystemExit(f"the bot cannot reach Redis at {args.redis_url}: {health}")
    baseline.server.start()
    return ours, baseline, goal


def _check(args: argparse.Namespace) -> None:
    if not (1 <= args.concurrency <= 1000 and 1 <= args.requests <= 100_000):
        raise SystemExit("--concurrency must be 1..1000 and --requests 1..100000")
    if not 1 <= args.rounds <= 100:
        raise SystemExit("--rounds must be 1..100")
    if not 0 <= args.workspaces <= 10_000:
        raise SystemExit("--workspaces must be 0..10000")
    if not 0.0 <= args.mix <= 1.0 or args.warmup < 0:
        raise SystemExit("--mix must be between 0 and 1, --warmup at least 0")


def main() -> int:
    args = _parser().parse_args()
    _check(args)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    overflows = listen_overflows()
    with contextlib.ExitStack() as stack:
        stack.enter_context(dedicated_redis(args.redis_url))
        bench = Bench(
            args,
            stack,
            slack=stack.enter_context(FakeSlackApi()),
            mistral=stack.enter_context(FakeMistralAPI()),
            workdir=Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-"))),
            questions=_questions(),
        )
        ours, baseline, goal = contenders(bench)
        # Both run throughout, but only one is loaded at a time: an idle server costs nothing.
        asyncio.run(measure_in_turns(ours, baseline, args))
        results = ours.result(), baseline.result()
        ours.server.stop()
        baseline.server.stop()
        met = report(*results, args, ours.phases("load", args.requests).mentions, goal)
        dropped = listen_overflows()
        if overflows is not None and dropped is not None and dropped > overflows:
            print(
                f"\nthis machine's kernel dropped {dropped - overflows:,} connection(s) on full "
                "listen queues during the run, each retried a second or more later: some "
                "server's backlog was too small (the counter is system-wide)"
            )
        if args.profile:
            print_profile(args.profile)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
