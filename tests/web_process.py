"""The bot's processes as a platform runs them: the Procfile's lines, as subprocesses."""

from __future__ import annotations

import contextlib
import os
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from tests.fakes.slack_api import FakeSlackApi
from tests.slack_requests import SIGNING_SECRET

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Running:
    """A Procfile process: its URL (the web line only) and the process itself."""

    url: str
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def procfile_process(
    kind: str,
    slack_api: FakeSlackApi,
    redis_url: str,
    cwd: Path,
    extra_env: dict[str, str] | None = None,
    stderr: IO[str] | None = None,
) -> Iterator[Running]:
    """Run the Procfile's ``kind`` line ("web" or "worker") until the block ends.

    The web process is yielded once /healthz answers; a test may stop either itself
    (``running.process.send_signal``), else it is terminated when the block ends.
    """
    line = next(
        line for line in (REPO / "Procfile").read_text().splitlines() if line.startswith(f"{kind}:")
    )
    command = shlex.split(line.removeprefix(f"{kind}:"))
    command[0] = sys.executable  # the Procfile says "python": this virtual environment's
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.url,
        "REDIS_URL": redis_url,
        "PYTHONPATH": str(REPO),
        **(extra_env or {}),
    }
    process = subprocess.Popen(command, env=env, cwd=cwd, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    try:
        if kind == "web":
            _wait_until_healthy(url)
        yield Running(url, process)
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def web_process(
    slack_api: FakeSlackApi,
    redis_url: str,
    cwd: Path,
    extra_env: dict[str, str] | None = None,
    stderr: IO[str] | None = None,
) -> Iterator[str]:
    """Run the Procfile's web line on a free port until the block ends; yields its URL."""
    with procfile_process("web", slack_api, redis_url, cwd, extra_env, stderr) as running:
        yield running.url


def _wait_until_healthy(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not become healthy")
        time.sleep(0.1)
