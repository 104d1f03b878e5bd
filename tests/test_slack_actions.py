"""Buttons: the checklist updates in place, feedback is stored, App Home stays in step."""

from __future__ import annotations

import json
from typing import Any

from bot.guide.content import Content
from bot.render.blocks import ActionId
from tests.blockkit import assert_valid_view
from tests.conftest import RunningBot
from tests.slack_requests import block_action

EPHEMERAL = {"type": "message", "message_ts": "1.1", "channel_id": "C111", "is_ephemeral": True}


def _text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks)


async def test_mark_done_button_updates_the_private_checklist_in_place(bot: RunningBot) -> None:
    await bot.send(
        block_action(
            f"{ActionId.COMMAND}:done register",
            "done register",
            container=EPHEMERAL,
            response_url=bot.slack.response_url("x"),
        )
    )

    [reply] = await bot.slack.wait_for_responses(1)
    assert reply.body["replace_original"] is True
    assert "1 of 12 done" in _text(reply.body["blocks"])


async def test_the_step_menu_opens_the_chosen_step(bot: RunningBot) -> None:
    await bot.send(
        block_action(
            f"{ActionId.COMMAND}:jump",
            "step invite-members",
            selected=True,
            container=EPHEMERAL,
            response_url=bot.slack.response_url(),
        )
    )

    [reply] = await bot.slack.wait_for_responses(1)
    assert "Step 9 of 12" in _text(reply.body["blocks"])


async def test_feedback_is_stored_per_topic_and_thanked_privately(bot: RunningBot) -> None:
    await bot.send(block_action(ActionId.FEEDBACK_DOWN, "spending-limit"))
    await bot.send(block_action(ActionId.FEEDBACK_UP, "spending-limit", user="U222"))

    await bot.slack.wait_for("chat.postEphemeral", count=2)
    assert await bot.services.feedback.tally("T111", "spending-limit") == (1, 1)


async def test_mark_done_under_a_public_answer_replies_only_to_the_clicker(bot: RunningBot) -> None:
    await bot.send(block_action(f"{ActionId.COMMAND}:done payment-method", "done payment-method"))

    [ephemeral] = await bot.slack.wait_for("chat.postEphemeral")
    assert ephemeral.args["user"] == "U111"
    assert bot.slack.calls("chat.update") == []
    assert bot.slack.responses == []


async def test_a_button_in_app_home_republishes_home(bot: RunningBot) -> None:
    home = {"id": "V1", "type": "home", "blocks": []}
    await bot.send(block_action(f"{ActionId.COMMAND}:done register", "done register", view=home))

    [publish] = await bot.slack.wait_for("views.publish")
    assert_valid_view(publish.args["view"])
    assert "1 of 12 done" in json.dumps(publish.args["view"])


async def test_the_key_button_opens_the_private_dialog(bot: RunningBot) -> None:
    home = {"id": "V1", "type": "home", "blocks": []}
    await bot.send(block_action(ActionId.OPEN_KEY_DIALOG, "key", view=home))

    [opened] = await bot.slack.wait_for("views.open")
    assert_valid_view(opened.args["view"])


async def test_an_expired_trigger_gets_a_kind_message(bot: RunningBot) -> None:
    bot.slack.fail_views_open_with("expired_trigger_id")

    await bot.send(
        block_action(
            ActionId.OPEN_LIMITS_DIALOG,
            "limits",
            container=EPHEMERAL,
            response_url=bot.slack.response_url(),
        )
    )

    [reply] = await bot.slack.wait_for_responses(1)
    assert "try again" in _text(reply.body["blocks"])


async def test_a_topic_button_shows_that_topic_in_the_clickers_language(
    bot: RunningBot, content: Content
) -> None:
    bot.slack.add_user("U111", locale="it-IT")
    private = {"type": "message", "message_ts": "1.1", "channel_id": "C111", "is_ephemeral": True}
    for card in content.cards:
        action, url = f"{ActionId.SHOW_TOPIC}:{card.topic}", bot.slack.response_url(card.topic)
        await bot.send(block_action(action, card.topic, container=private, response_url=url))

    posts = await bot.slack.wait_for_responses(len(content.cards))
    shown = {post.path: post.body["text"] for post in posts}  # the answer's title
    assert shown == {f"/response/{card.topic}": card.title_in("it") for card in content.cards}
