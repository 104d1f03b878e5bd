"""The process's Prometheus metrics: built once by the composition root, read at GET /metrics.

Each is counted at the one place its thing happens: requests and their ack in Bolt's
dispatch (``bot.slack.app``), questions and votes in the assistant, Web API errors in the
Slack client's retry hooks, Mistral's latency in its client, the owed replies in
``bot.owed``, Redis outages in ``bot.state.store.available``. No label holds a user id,
a text or a key: only names from a small, fixed set (kinds, outcomes, API methods, errors).

prometheus_client is imported when the metrics are built, not with this module, because
it picks its storage when it is imported: in memory, or (``PROMETHEUS_MULTIPROC_DIR``)
files that every process on the machine writes and any one of them reads back summed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from prometheus_client import CollectorRegistry

PREFIX = "mistral_setup_"

# Acks must be within Slack's 3 s: the buckets are finest below that.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
# Mistral answers /v1/models in ~50 ms; the client gives up after 8 s.
MISTRAL_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)

# The one Metrics whose Redis error count ``count_redis_error`` feeds: the stores report
# an outage through a function of no object (bot.state.store.available), so the
# composition root makes the process's metrics this one (``Metrics.count_redis_errors``).
_redis_errors_to: Metrics | None = None


def count_redis_error() -> None:
    """One Redis call failed (an outage, a timeout): counted in the process's metrics."""
    if _redis_errors_to is not None:
        _redis_errors_to.redis_errors.inc()


class Metrics:
    """The instruments, in a registry of their own (or the shared multiprocess files)."""

    def __init__(self, multiprocess_dir: Path | None = None) -> None:
        for name in ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"):
            if os.environ.get(name) == "":
                # Empty means unset, as for every setting (docker compose passes .env's
                # empty lines on); prometheus_client would write its files into the cwd.
                del os.environ[name]
        if multiprocess_dir is not None:
            # prometheus_client reads it from the environment as it is imported; settings
            # may have read it from .env instead.
            os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(multiprocess_dir))
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values

        self.multiprocess = values.ValueClass is not values.MutexValue
        if multiprocess_dir is not None and not self.multiprocess:
            raise RuntimeError(
                "PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is imported"
            )
        self._multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        # In multiprocess mode the values live in files: the metrics join no registry, and
        # what is served is a collector that reads every process's files.
        own = None if self.multiprocess else CollectorRegistry(auto_describe=True)
        self.registry: CollectorRegistry = own if own is not None else self._files_registry()
        self.requests = Counter(
            f"{PREFIX}requests",
            "Slack requests received, by surface (http, socket) and kind",
            ["surface", "kind"],
            registry=own,
        )
        questions = Counter(
            f"{PREFIX}questions",
            "Questions asked, by outcome: answered from the guide, or not covered",
            ["outcome"],
            registry=own,
        )
        self.answered = questions.labels("answered")
        self.not_covered = questions.labels("not_covered")
        feedback = Counter(
            f"{PREFIX}feedback", "Votes on answers, helpful or not", ["vote"], registry=own
        )
        self.helpful = feedback.labels("helpful")
        self.not_helpful = feedback.labels("not_helpful")
        self.slack_api_errors = Counter(
            f"{PREFIX}slack_api_errors",
            "Slack Web API calls that failed, by method and Slack's error",
            ["method", "error"],
            registry=own,
        )
        self.mistral_seconds = Histogram(
            f"{PREFIX}mistral_request_seconds",
            "Time for Mistral's API to answer, by endpoint",
            ["endpoint"],
            buckets=MISTRAL_BUCKETS,
            registry=own,
        )
        self.ack_seconds = Histogram(
            f"{PREFIX}ack_seconds",
            "Time from Bolt's dispatch of a verified Slack request to its ack",
            buckets=ACK_BUCKETS,
            registry=own,
        )
        self.owed_tasks = Gauge(
            f"{PREFIX}owed_tasks",
            "Replies acked and still being worked on (a shutdown waits for them)",
            registry=own,
            multiprocess_mode="livesum",
        )
        self.redis_errors = Counter(
            f"{PREFIX}redis_errors",
            "Redis calls that failed (the bot then says its memory is unavailable)",
            registry=own,
        )
        self._server: WSGIServer | None = None

    @staticmethod
    def _files_registry() -> CollectorRegistry:
        from prometheus_client import CollectorRegistry, multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry

    def count_redis_errors(self) -> None:
        """Count ``count_redis_error`` here: the composition root calls it for its process."""
        global _redis_errors_to  # one process, one set of metrics
        _redis_errors_to = self

    def request(self, surface: str, kind: str, seconds_to_ack: float) -> None:
        """A Slack request acked ``seconds_to_ack`` after it reached the middleware."""
        self.requests.labels(surface, kind).inc()
        self.ack_seconds.observe(seconds_to_ack)

    @contextmanager
    def timing_mistral(self, endpoint: str) -> Iterator[None]:
        """Time one call to Mistral's API, answered or failed."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.mistral_seconds.labels(endpoint).observe(time.perf_counter() - start)

    def exposition(self) -> tuple[bytes, str]:
        """The metrics in Prometheus' text format, and its content type."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def serve(self, port: int) -> None:
        """Serve GET /metrics on ``port`` from a thread (the Socket Mode worker has no web
        server of its own)."""
        from prometheus_client import start_http_server

        self._server, _ = start_http_server(port, registry=self.registry)

    def close(self) -> None:
        """Stop serving; in multiprocess mode, this process's gauge leaves the sum."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self.multiprocess and self._multiprocess_dir:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid(), self._multiprocess_dir)  # type: ignore[no-untyped-call]
