"""What one run shares: Redis, the fake Slack and Mistral APIs, a work folder, and the two
servers it compares, started as production starts the web process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import signal
import sys
import tempfile
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path

from bench.load.database import dedicated_redis, install_workspaces
from bench.load.server import Server, free_port
from bench.load.target import Phases, Target
from bench.load.traffic import Traffic, questions
from tests.fakes.certificate import Certificate
from tests.fakes.mistral_api import FakeMistralAPI
from tests.fakes.slack_api import FakeSlackApi, Install
from tests.slack_requests import SIGNING_SECRET, TOKEN_KEY

REPO = Path(__file__).resolve().parents[2]
BARE_APP = REPO / "bench" / "bare_app.py"
BOT_TOKEN = "xoxb-bench-token"
GOAL_THROUGHPUT_RATIO = 0.70  # the bot against the bare Bolt app
GOAL_WORKSPACES_RATIO = 0.80  # many workspaces against one, the same bot

# Slack accepts as many connections as the bot opens. The fakes use the stdlib server,
# whose listen backlog is 5: a burst of the bot's connections overflows it, the kernel
# drops the SYNs and the bot's client retries a second later, a delay that is the fake's,
# not the bot's. Set before the fakes bind; only this process is affected.
ThreadingHTTPServer.request_queue_size = 1024


def procfile_web_command() -> str:
    """The command of the Procfile's ``web:`` line."""
    lines = (REPO / "Procfile").read_text().splitlines()
    return next(line for line in lines if line.startswith("web:")).removeprefix("web:").strip()


def python_argv(command: str) -> list[str]:
    """``command`` split into arguments, run with this interpreter (the venv's)."""
    argv = shlex.split(command)
    if not argv or argv[0] != "python":
        raise SystemExit(f"python -m bench.load runs python commands only, not {command!r}")
    return [sys.executable, *argv[1:]]


@dataclass
class Stage:
    """The fakes, Redis and work folder of one run; it starts the servers and stops them."""

    args: argparse.Namespace
    stack: contextlib.ExitStack  # stops the servers and the fakes, empties Redis
    slack: FakeSlackApi
    mistral: FakeMistralAPI
    workdir: Path
    certificate: Certificate | None  # the fake Slack's, with --tls

    @classmethod
    def open(cls, args: argparse.Namespace, stack: contextlib.ExitStack) -> Stage:
        stack.enter_context(dedicated_redis(args.redis_url))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
        certificate = Certificate.make(workdir) if args.tls else None
        tls = certificate.server_context() if certificate else None
        slack = stack.enter_context(FakeSlackApi(tls=tls))
        mistral = stack.enter_context(FakeMistralAPI())
        return cls(args, stack, slack, mistral, workdir, certificate)

    def phases(self, prefix: str, workspaces: tuple[Install, ...] = ()) -> Phases:
        """A target's requests, tagged ``prefix`` so that its replies are told apart."""
        asked = questions()

        def traffic(tag: str, count: int) -> Traffic:
            return Traffic.of(f"{prefix}{tag}", count, self.slack, asked, workspaces)

        return traffic

    def contenders(self) -> tuple[Target, Target, float]:
        """The bot and its baseline (the bare app, or the bot serving one workspace),
        started, and the throughput ratio the bot must keep."""
        bot_argv = python_argv(self.args.bot_command or procfile_web_command())
        if self.args.profile:
            bot_argv[1:1] = ["-m", "cProfile", "-o", str(self.args.profile.resolve())]
        if self.args.workspaces:
            (ours, baseline), goal = self._many_and_one(bot_argv), GOAL_WORKSPACES_RATIO
        else:
            (ours, baseline), goal = self._bot_and_bare(bot_argv), GOAL_THROUGHPUT_RATIO
        if self.args.profile:
            ours.server.stop_signal = signal.SIGINT  # so that cProfile writes its file
        health = ours.server.start()
        if health.get("redis") != "ok":
            raise SystemExit(f"the bot cannot reach Redis at {self.args.redis_url}: {health}")
        baseline.server.start()
        return ours, baseline, goal

    def _bot_and_bare(self, bot_argv: list[str]) -> tuple[Target, Target]:
        bot = Target(self._server("bot", bot_argv), True, self.phases(""))
        bare = self._server("bare Bolt", [sys.executable, str(BARE_APP)])
        return bot, Target(bare, False, self.phases(""))

    def _many_and_one(self, bot_argv: list[str]) -> tuple[Target, Target]:
        count = self.args.workspaces
        installed = tuple(Install(f"TBENCH{n:04d}", f"Bench {n}") for n in range(count))
        asyncio.run(install_workspaces(self.args.redis_url, installed))
        many = self._server("many", bot_argv, distributed=True)
        one = self._server("one", python_argv(procfile_web_command()))
        return (
            Target(many, True, self.phases("many-", installed)),
            Target(one, True, self.phases("one-")),
        )

    def _server(self, name: str, argv: list[str], *, distributed: bool = False) -> Server:
        port = free_port()
        server = Server(name, argv, self._env(port, distributed=distributed), port, self.workdir)
        self.stack.callback(server.stop)  # stopped on every way out, in reverse order
        return server

    def _env(self, port: int, *, distributed: bool) -> dict[str, str]:
        # No developer settings leak in: the bot reads SLACK_*, REDIS_* etc. and a .env
        # (the server runs in an empty folder, so there is none).
        prefixes = (
            "SLACK_",
            "MISTRAL_",
            "REDIS_",
            "HELP_",
            "ESCALATION_",
            "LOG_",
            "SSL_",
            "TOKEN_",
        )
        env = {name: value for name, value in os.environ.items() if not name.startswith(prefixes)}
        env.update(
            PORT=str(port),
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=self.slack.url,
            REDIS_URL=self.args.redis_url,
            MISTRAL_API_URL=self.mistral.url,
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(REPO),
        )
        if self.certificate:
            # aiohttp's default SSL context (the Web API client's, and respond()'s) reads
            # OpenSSL's default CA file, which this names: the CA of the fake's certificate alone.
            env["SSL_CERT_FILE"] = str(self.certificate.ca)
        if distributed:  # "Add to Slack": each workspace's token is in Redis
            del env["SLACK_BOT_TOKEN"]
            env.update(
                SLACK_CLIENT_ID="1111.2222",
                SLACK_CLIENT_SECRET="bench-client-secret",
                TOKEN_ENCRYPTION_KEYS=TOKEN_KEY,
            )
        return env
