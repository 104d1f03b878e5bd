"""Buttons and menus. A command button carries its command ("done create-api-key") as its value.

Where each reply goes is decided by ``routing.deliver``; every button acts for whoever
clicks it, whatever message it is under.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.domain import commands
from bot.render.blocks import TOOL_ACTIONS, ActionId
from bot.slack import dialogs
from bot.slack.context import ACK_FIRST, exchange_of, owed
from bot.slack.payloads import action_value

# Which tool each tool button opens.
OPENS = {action: tool for tool, action in TOOL_ACTIONS.items()}


def register(app: AsyncApp) -> None:
    """Every action this surface handles; each acks with nothing, first of all."""
    first = [ACK_FIRST]
    app.action(re.compile(f"^{ActionId.COMMAND}"), middleware=first)(owed(on_command_button))
    app.action(re.compile(f"^{ActionId.SHOW_TOPIC}"), middleware=first)(owed(on_show_topic))
    app.action(ActionId.FEEDBACK, middleware=first)(owed(on_feedback))
    app.action(
        re.compile(f"^({ActionId.FEEDBACK_UP}|{ActionId.FEEDBACK_DOWN})$"), middleware=first
    )(owed(on_vote_button))
    app.action(re.compile(f"^({'|'.join(TOOL_ACTIONS.values())})$"), middleware=first)(
        owed(on_open_dialog)
    )


async def on_command_button(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """A button or menu option that runs a command of the command language."""
    await ack()
    exchange = exchange_of(context)
    command = commands.parse(action_value(body))
    await exchange.answer(lambda person: exchange.assistant.run(person, command))


async def on_show_topic(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """A related topic or a "did you mean": its answer, for the clicker only (it may show
    their progress)."""
    await ack()
    exchange, topic = exchange_of(context), action_value(body)
    await exchange.answer(lambda person: exchange.assistant.show_topic(person, topic),
                          replace=False)  # fmt: skip


async def on_feedback(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Slack's own feedback buttons: the value says which ("up:TOPIC" or "down:TOPIC")."""
    await ack()
    vote, _, topic = action_value(body).partition(":")
    if vote in ("up", "down"):
        await _vote(context, topic, helpful=vote == "up")


async def on_vote_button(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Our own 👍/👎, where Slack's feedback buttons do not go (App Home, modals)."""
    await ack()
    helpful = body["actions"][0]["action_id"] == ActionId.FEEDBACK_UP
    await _vote(context, action_value(body), helpful=helpful)


async def on_open_dialog(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Open the private key or limits dialog for the clicker."""
    await ack()
    tool = OPENS[body["actions"][0]["action_id"]]
    await dialogs.open_for(commands.tool_command(tool), exchange_of(context), replace=False)


async def _vote(context: AsyncBoltContext, topic: str, *, helpful: bool) -> None:
    """Keep a vote for ``topic`` and thank the voter privately."""
    exchange = exchange_of(context)
    await exchange.answer(lambda person: exchange.assistant.vote(person, topic, helpful=helpful),
                          replace=False)  # fmt: skip
