"""Shared fixtures: settings, content, a real Redis, the assistant over it, the web app.

Installs of the app ("Add to Slack", org-wide, saved in the store) are set up in
tests/installs.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import httpx
import pytest
import redis.asyncio as aioredis
import uvicorn

from bot.domain.assistant import Assistant
from bot.guide.content import Content, load_content
from bot.guide.search import Index
from bot.person import Person
from bot.schedule import zone
from bot.services import Services, build
from bot.settings import CONTENT_DIR, Settings
from bot.slack.web import create_web_app
from bot.state.feedback import FeedbackStore
from bot.state.store import connect, ping
from tests.blockkit import assert_valid_blocks
from tests.fakes.mistral_api import FakeMistralAPI
from tests.keyspace import assert_declared, flush
from tests.slack_requests import (
    SIGNING_SECRET,
    TEAM,
    USER,
    app_home_opened,
    event_callback,
    slash_command,
)

if TYPE_CHECKING:
    from tests.fakes.slack_api import FakeSlackApi, ResponseUrlPost

pytest_plugins = [
    "tests.fakes.slack_api",
    "tests.fakes.socket_mode",
    "tests.redis_server",
    "tests.installs",
]

# A limits check paces its requests a second apart for real keys; tests need no pause.
TEST_PACE = 0.01

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
DEFAULT_TEST_REDIS = "redis://127.0.0.1:6379/15"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``test_redis`` every test on the test Redis (TEST_REDIS_URL): scripts/test runs
    them again on a Redis Cluster and behind Sentinels."""
    for item in items:
        if "redis_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.test_redis)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's Slack, Mistral or Redis settings leak into a test."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "MISTRAL_", "REDIS_", "HELP_", "ESCALATION_", "ADMIN_")):
            monkeypatch.delenv(name)
    monkeypatch.delenv("LANGUAGE", raising=False)


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(CONTENT_DIR)


@pytest.fixture(scope="session")
def index(content: Content) -> Index:
    return Index(content)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the content, to break on purpose."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file at ``path``; fail when it is not there, so an
    edit that no longer applies cannot pass as a test of the edited content."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis's URL (one server, a cluster or Sentinels: anything REDIS_URL may be);
    a missing server fails under CI and skips elsewhere."""
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_TEST_REDIS)
    if not asyncio.run(_answers(url)):
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {url}; scripts/test starts one")
        pytest.skip(f"no Redis at {url}; run scripts/test, which starts one")
    return url


async def _answers(url: str) -> bool:
    client, _ = connect(url)
    try:
        return await ping(client)
    finally:
        await client.aclose()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """The test database, empty, through the bot's own ``connect``; at the end, every key
    left in it (on every primary of a cluster) must be a declared kind."""
    client, _ = connect(redis_url)
    await flush(client)
    try:
        yield client
        await assert_declared(client)
    finally:
        await flush(client)
        await client.aclose()


@pytest.fixture
def settings(redis_url: str) -> Settings:
    # Nothing listens on port 9: a key check that reaches Mistral fails at once.
    return Settings(_env_file=None, redis_url=redis_url, mistral_api_url="http://127.0.0.1:9")


@pytest.fixture
async def services(settings: Settings, redis_client: aioredis.Redis) -> AsyncIterator[Services]:
    """The bot as the composition root builds it, over the test's Redis."""
    built = build(settings)
    yield built
    await built.close()


@pytest.fixture
def assistant(services: Services) -> Assistant:
    return services.assistant


@pytest.fixture
def feedback(services: Services) -> FeedbackStore:
    return services.feedback


@pytest.fixture
def person() -> Person:
    return Person("T111", "U111")


def run_bot(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` as a person would run it, in a folder with no .env."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture
def env_without_slack() -> dict[str, str]:
    """The environment for a subprocess of the bot: no Slack, no Redis, no developer .env."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "MISTRAL_", "REDIS_", "HELP_", "ESCALATION_", "ADMIN_"))
        and k != "LANGUAGE"
    }
    env["PYTHONPATH"] = str(REPO)
    return env


class Sender(TypedDict, total=False):
    """Who sends a slash command: ``user`` in ``team``, with ``org`` where the app is
    installed org-wide; what is left out defaults as in `RunningBot.command_posts`."""

    user: str
    team: str
    org: str | None


@dataclass
class RunningBot:
    """The real web process (Starlette + Bolt) on a loopback port, and what it talks to."""

    http: httpx.AsyncClient
    services: Services
    slack: FakeSlackApi

    async def send(self, request: tuple[str, dict[str, str]]) -> httpx.Response:
        """POST a signed Slack request to /slack/events, as Slack does."""
        body, headers = request
        return await self.http.post("/slack/events", content=body.encode(), headers=headers)

    async def command(self, text: str, *, replies: int = 1, **sender: Unpack[Sender]) -> str:
        """``/mistral-setup TEXT`` as `command_posts` sends it: the body of its last reply
        (its ``replies``-th post) as JSON text, for assertions on what it says."""
        posts = await self.command_posts(text, replies=replies, **sender)
        return json.dumps(posts[replies - 1].body, ensure_ascii=False)

    async def command_posts(
        self,
        text: str,
        *,
        user: str = USER,
        team: str = TEAM,
        org: str | None = None,
        replies: int = 1,
    ) -> list[ResponseUrlPost]:
        """``/mistral-setup TEXT`` by ``user`` in ``team`` (with ``org``, the app installed
        org-wide there): wait for its ``replies`` posts to the response_url (0 for a command
        answered with a dialog) and return every post since it was sent, each valid Block Kit,
        so that ``[reply] = await bot.command_posts(...)`` also says no other reply had come
        by then (one posted later is not seen)."""
        before = len(self.slack.responses)
        request = slash_command(
            text,
            user=user,
            team=team,
            enterprise=org,
            org_wide=org is not None,
            response_url=self.slack.response_url(),
        )
        await self.send(request)
        posts = (await self.slack.wait_for_responses(before + replies))[before:]
        for post in posts:
            assert_valid_blocks(post.body["blocks"])
        return posts

    async def drain(self) -> None:
        """Wait until the work of every request sent so far is done.

        Work after an ack takes turns in arrival order, so once a later request's work has
        had its turn (an App Home publish), the earlier requests' work has started; it is
        done when nothing is owed any more (``bot.owed``). An earlier request's own Home
        publish may be counted first; the drain's request is then still owed, and waited for.
        """
        before = len(self.slack.calls("views.publish"))
        await self.send(event_callback(app_home_opened(user="UDRAIN")))
        await self.slack.wait_for("views.publish", count=before + 1)
        async with asyncio.timeout(10):
            while len(self.services.owed):  # noqa: ASYNC110  (owed work signals nothing)
                await asyncio.sleep(0.001)


def bot_settings(slack_api: FakeSlackApi, redis_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack_api.url,
        "redis_url": redis_url,
        "help_channels": ["CHELP"],
        "escalation_mention": "<@UHELPER>",
        "mistral_api_url": "http://127.0.0.1:9",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def digest_due_now() -> dict[str, Any]:
    """Settings under which the weekly digest is due now, swept every 0.3 s: today from
    midnight in Europe/Rome, the time zone of the fake Slack's users."""
    today_in_rome = datetime.now(zone("Europe/Rome")).strftime("%a").lower()
    return {"digest": True, "digest_day": today_in_rome, "digest_hour": 0, "sweep_seconds": 0.3}


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, slack_api: FakeSlackApi) -> AsyncIterator[RunningBot]:
    """Serve the web app with uvicorn on an ephemeral loopback port for the test's duration."""
    services = build(settings)
    services.keys.pace = TEST_PACE
    server = uvicorn.Server(
        uvicorn.Config(create_web_app(services), host="127.0.0.1", port=0, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            yield RunningBot(http, services, slack_api)
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def mistral_api() -> Iterator[FakeMistralAPI]:
    """A fake Mistral API on loopback; ``add_key(scenario)`` makes a key that behaves so."""
    with FakeMistralAPI() as api:
        yield api


@pytest.fixture
async def bot(
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: aioredis.Redis,
) -> AsyncIterator[RunningBot]:
    settings = bot_settings(slack_api, redis_url, mistral_api_url=mistral_api.url)
    async with running_bot(settings, slack_api) as running:
        yield running
