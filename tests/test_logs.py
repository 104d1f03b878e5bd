"""Logging set up as the entry point does: Slack's SDK builds its debug lines only at DEBUG;
LOG_FORMAT=json writes JSON lines."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot import logs
from bot.services import build
from bot.slack.app import create_app
from tests.conftest import bot_settings
from tests.fakes.mistral_api import FakeMistralAPI
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_requests import (
    BOT_USER_ID,
    SIGNING_SECRET,
    app_mention,
    event_callback,
    slash_command,
    socket_mode_envelope,
    socket_mode_request,
)
from tests.web_process import web_process

# The debug lines Bolt and slack_sdk build, request and body included, only when the
# logger's own level lets them: Bolt's middleware, a Web API call, a response_url post.
GUARDED = ("Applying ", "Sending a request - url", "Received the following response")


@pytest.fixture
def built_debug_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every debug line a Slack logger was handed, whether or not it was then written;
    afterwards, no handler of the bot's and the levels as they were."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *logs.SLACK_LOGGERS)}
    lines: list[str] = []
    debug = logging.Logger.debug

    def spy(logger: logging.Logger, message: object, *args: object, **kwargs: object) -> None:
        if logger.name.startswith(("slack_bolt", "slack_sdk")):
            lines.append(str(message))
        debug(logger, message, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(logging.Logger, "debug", spy)
    yield lines
    for handler in root.handlers[:]:
        if any(isinstance(f, logs.RedactSecrets) for f in handler.filters):
            root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def _command_and_mention(slack_api: FakeSlackApi, redis_url: str) -> None:
    """A slash command answered on its response_url, a mention answered in its thread."""
    services = build(bot_settings(slack_api, redis_url, slack_signing_secret=None))
    app = create_app(services)
    command = slash_command("how do I add a card", response_url=slack_api.response_url())
    mention = event_callback(app_mention(f"<@{BOT_USER_ID}> how do I add a card"))
    for envelope in (
        socket_mode_envelope("slash_commands", command.payload),
        socket_mode_envelope("events_api", mention.payload),
    ):
        await app.async_dispatch(socket_mode_request(envelope))
    await slack_api.wait_for_responses(1)
    await slack_api.wait_for("chat.postMessage")
    await services.close()


async def test_above_debug_slack_builds_no_debug_line_for_requests_calls_or_replies(
    slack_api: FakeSlackApi, redis_url: str, redis_client: object, built_debug_lines: list[str]
) -> None:
    logs.configure("INFO")

    await _command_and_mention(slack_api, redis_url)

    assert [line for line in built_debug_lines if line.startswith(GUARDED)] == []


async def test_at_debug_slack_still_logs_its_calls_and_replies(
    slack_api: FakeSlackApi, redis_url: str, redis_client: object, built_debug_lines: list[str]
) -> None:
    logs.configure("DEBUG")

    await _command_and_mention(slack_api, redis_url)

    built = " ".join(built_debug_lines)
    assert all(line in built for line in GUARDED)


def test_the_web_process_with_log_format_json_writes_one_json_object_per_line_without_secrets(
    slack_api: FakeSlackApi,
    mistral_api: FakeMistralAPI,
    redis_url: str,
    redis_client: object,
    tmp_path: Path,
) -> None:
    key = mistral_api.add_key()
    log = tmp_path / "web.log"
    mention = event_callback(app_mention(f"<@{BOT_USER_ID}> is {key} valid? how do I add a card"))
    requests = [
        slash_command(f"key {key}", response_url=slack_api.response_url("1")),
        mention,
        slash_command("/nonsense", response_url=slack_api.response_url("2")),
    ]
    extra = {"LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG", "MISTRAL_API_URL": mistral_api.url}

    with log.open("w") as stderr, web_process(slack_api, redis_url, tmp_path, extra, stderr) as url:
        for body, headers in requests:
            assert httpx.post(f"{url}/slack/events", content=body, headers=headers).is_success
        asyncio.run(slack_api.wait_for_responses(2))
        asyncio.run(slack_api.wait_for("chat.postEphemeral"))  # the key's leak warning

    written = log.read_text()
    lines = [json.loads(line) for line in written.splitlines()]  # each one parses, alone
    assert len(lines) > 20  # DEBUG: Bolt's and slack_sdk's lines too
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    assert {line["level"] for line in lines} >= {"DEBUG", "INFO"}
    # Lines written while a request was handled say which workspace and event it was.
    event_id = json.loads(mention.body)["event_id"]
    assert any(line.get("workspace") == "T111" for line in lines)
    assert any(line.get("event_id") == event_id for line in lines)
    assert key not in written
    assert "xoxb-test-token" not in written
    assert SIGNING_SECRET not in written
