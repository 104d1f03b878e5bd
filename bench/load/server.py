"""A web process under test: a subprocess on a loopback port, and what /proc says of it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# A server is idle when /proc shows no CPU used in each of three 100 ms polls in a row
# (its clock ticks every 10 ms, so "under 5 ms" means "not one tick").
IDLE_POLLS, IDLE_POLL_SECONDS, IDLE_CPU_SECONDS = 3, 0.1, 0.005


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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

    def cpu_seconds(self) -> float | None:
        """User plus system CPU time the process has used so far (/proc/PID/stat)."""
        if self.process is None:
            return None
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return None
        # After the command name, which may hold spaces: utime and stime are fields 14
        # and 15 of stat, 12 and 13 of what follows it.
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_kb(self) -> int | None:
        """VmHWM from /proc/PID/status: the most resident memory the process ever had."""
        if self.process is None:
            return None
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return None

    async def until_idle(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until the process used no CPU for a few polls in a row: False after ``timeout``."""
        deadline = time.perf_counter() + timeout
        quiet, last = 0, self.cpu_seconds()
        while quiet < IDLE_POLLS:
            if time.perf_counter() > deadline:
                return False
            await asyncio.sleep(IDLE_POLL_SECONDS)
            now = self.cpu_seconds()
            busy = now is None or last is None or now - last > IDLE_CPU_SECONDS
            quiet, last = (0 if busy else quiet + 1), now
        return True

    def log_text(self) -> str:
        if self.log is None:
            return ""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def log_summary(self, top: int = 5) -> list[str]:
        """The most frequent log lines, timestamps dropped and numbers folded, with counts."""
        lines = Counter(
            re.sub(r"\d+", "N", line.split(" ", 2)[-1] if line[:4].isdigit() else line)
            for line in self.log_text().splitlines()
            if line.strip()
        )
        return [f"{count:>6} x {line}" for line, count in lines.most_common(top)]

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
