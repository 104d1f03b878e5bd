"""Shared fixtures: settings, content, a real Redis, the assistant over it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis

from bot.assistant import Assistant
from bot.content import Content, load_content
from bot.feedback import FeedbackStore
from bot.progress import Person, ProgressStore
from bot.search import Index
from bot.settings import CONTENT_DIR, Settings

pytest_plugins = ["tests.fakes.slack_api"]

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
DEFAULT_TEST_REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's Slack, Mistral or Redis settings leak into a test."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "MISTRAL_", "REDIS_", "HELP_", "ESCALATION_")):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(CONTENT_DIR)


@pytest.fixture(scope="session")
def index(content: Content) -> Index:
    return Index(content)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis server's URL; a missing server fails under CI and skips elsewhere."""
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_TEST_REDIS)
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {url}; scripts/test starts one")
        pytest.skip(f"no Redis at {url}; run scripts/test, which starts one")
    return url


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def settings(redis_url: str) -> Settings:
    return Settings(_env_file=None, redis_url=redis_url)


@pytest.fixture
def assistant(content: Content, index: Index, redis_client: aioredis.Redis) -> Assistant:
    return Assistant(content, index, ProgressStore(redis_client), FeedbackStore(redis_client))


@pytest.fixture
def person() -> Person:
    return Person("T111", "U111")


@pytest.fixture
def env_without_slack() -> dict[str, str]:
    """The environment for a subprocess of the bot: no Slack, no Redis, no developer .env."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "MISTRAL_", "REDIS_", "HELP_", "ESCALATION_"))
    }
    env["PYTHONPATH"] = str(REPO)
    return env
