"""Logging set up as the entry point does: Slack's SDK builds its debug lines only at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot import logs
from bot.services import build
from bot.slack.app import create_app
from tests.conftest import bot_settings
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_requests import (
    BOT_USER_ID,
    app_mention,
    event_callback,
    slash_command,
    socket_mode_envelope,
    socket_mode_request,
)

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
