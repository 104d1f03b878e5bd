"""A Redis server of a test's own: to stop and restart at will, or configured differently."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

# As the machine's Redis runs: nothing kept on disk.
NO_PERSISTENCE = ("--save", "", "--appendonly", "no")


class RedisServer:
    """A Redis server of the test's own, started with ``options`` (redis-server flags)."""

    def __init__(self, *options: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.options = options or NO_PERSISTENCE
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", *self.options],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def require_redis_server() -> None:
    """Skip on a laptop without redis-server; fail under CI, which must have it."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs redis-server on PATH for tests that run their own Redis")
        pytest.skip("redis-server is not installed")


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis of the test's own that keeps nothing on disk."""
    require_redis_server()
    server = RedisServer()
    server.start()
    yield server
    server.stop()
