"""Redis durability, made visible: a Redis that keeps nothing on disk is named at startup."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.slack_api import FakeSlackApi
from tests.redis_server import RedisServer, require_redis_server
from tests.web_process import web_process

WARNING = "Redis keeps nothing on disk"


@pytest.fixture
def redis_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of the test's own, started with the flags the test is parametrized with."""
    require_redis_server()
    server = RedisServer("--dir", str(tmp_path), *request.param)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("redis_server", "persistence", "warned"),
    [
        (("--save", "", "--appendonly", "no"), "none", True),
        (("--save", "", "--appendonly", "yes", "--appendfsync", "everysec"), "aof", False),
        (("--save", "3600 1", "--appendonly", "no"), "rdb", False),
        # A managed Redis that does not allow CONFIG: nobody can tell.
        (("--save", "", "--appendonly", "no", "--rename-command", "CONFIG", ""), "unknown", False),
    ],
    indirect=["redis_server"],
    ids=["nothing", "aof", "rdb", "config-refused"],
)
def test_startup_and_healthz_say_whether_redis_keeps_data_across_a_restart(
    redis_server: RedisServer,
    persistence: str,
    warned: bool,
    slack_api: FakeSlackApi,
    tmp_path: Path,
) -> None:
    stderr = tmp_path / "stderr.log"
    with (
        stderr.open("w", encoding="utf-8") as log,
        web_process(slack_api, redis_server.url, tmp_path, stderr=log) as url,
    ):
        health = httpx.get(f"{url}/healthz").json()

    written = stderr.read_text(encoding="utf-8")
    assert health == {"ok": True, "redis": "ok", "persistence": persistence}
    assert (WARNING in written) is warned
    assert written.count(WARNING) <= 1  # one clear warning, not one per request
    if warned:
        assert "appendonly yes" in written  # the fix, named
