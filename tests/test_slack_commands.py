"""/mistral-setup through HTTP, signed as Slack signs it, against a fake Slack Web API."""

from __future__ import annotations

import time
from typing import Any

from tests.blockkit import assert_no_broadcast, assert_valid_blocks
from tests.conftest import RunningBot
from tests.slack_requests import slash_command


def _text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(str(b.get("text", {}).get("text", "")) for b in blocks)


async def test_empty_command_acks_at_once_then_sends_the_checklist_privately(
    bot: RunningBot,
) -> None:
    started = time.perf_counter()
    response = await bot.send(slash_command("", response_url=bot.slack.response_url("c1")))
    ack_seconds = time.perf_counter() - started

    assert response.status_code == 200
    assert ack_seconds < 3
    [reply] = await bot.slack.wait_for_responses(1)
    assert reply.body["response_type"] == "ephemeral"
    assert_valid_blocks(reply.body["blocks"])
    assert "0 of 12 done" in _text(reply.body["blocks"])


async def test_done_by_number_is_remembered_across_commands(bot: RunningBot) -> None:
    await bot.command("done 1")
    [checklist] = await bot.command_posts("")

    assert "1 of 12 done" in _text(checklist.body["blocks"])


async def test_a_question_is_answered_privately_with_the_question_restated(bot: RunningBot) -> None:
    [reply] = await bot.command_posts("how do I add a credit card?")

    text = _text(reply.body["blocks"])
    assert "how do I add a credit card?" in text
    assert "admin.mistral.ai/organization/billing" in text


async def test_unknown_subcommand_gets_help_with_did_you_mean(bot: RunningBot) -> None:
    [reply] = await bot.command_posts("dne 3")

    assert "Did you mean `/mistral-setup done 3`?" in _text(reply.body["blocks"])


async def test_hostile_text_is_escaped_and_changes_nothing(bot: RunningBot) -> None:
    [reply] = await bot.command_posts("<!channel> " + "é\u202e" * 1990)

    assert_valid_blocks(reply.body["blocks"])
    assert_no_broadcast(reply.body["blocks"])
