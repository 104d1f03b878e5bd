"""Buttons and menus. A command button carries its command ("done create-api-key") as its value.

Where each reply goes is decided by ``routing.deliver``; every button acts for whoever
clicks it, whatever message it is under.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain import commands
from bot.domain.replies import Notice, Reply
from bot.errors import StoreUnavailable
from bot.render.blocks import TOOL_ACTIONS, ActionId
from bot.slack import dialogs
from bot.slack.context import owed, services_of
from bot.slack.payloads import action_value
from bot.slack.people import known_person, person_for
from bot.slack.routing import deliver
from bot.strings import Phrase


def register(app: AsyncApp) -> None:
    """Every action this surface handles."""
    app.action(re.compile(f"^{ActionId.COMMAND}"))(owed(on_command_button))
    app.action(re.compile(f"^{ActionId.SHOW_TOPIC}"))(owed(on_show_topic))
    app.action(ActionId.FEEDBACK)(owed(on_feedback))
    app.action(re.compile(f"^({ActionId.FEEDBACK_UP}|{ActionId.FEEDBACK_DOWN})$"))(
        owed(on_vote_button)
    )
    app.action(re.compile(f"^({'|'.join(TOOL_ACTIONS.values())})$"))(owed(on_open_dialog))


async def on_command_button(
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """A button or menu option that runs a command of the command language."""
    await ack()
    services = services_of(context)
    async with services.backlog.turn():
        person = await person_for(body, client, services)
        reply = await services.assistant.run(person, commands.parse(action_value(body)))
        await deliver(reply, body, person, respond, client, services)


async def on_show_topic(
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """A related topic or a "did you mean": its answer, for the clicker only."""
    await ack()
    services = services_of(context)
    content = services.assistant.content
    topic = action_value(body)
    if not content.has(topic):
        return
    async with services.backlog.turn():
        person = await person_for(body, client, services)
        # The answer goes only to the clicker: it may show their progress.
        reply = await services.assistant.show_topic(person, topic)
        await deliver(reply, body, person, respond, client, services, replace=False)


async def on_feedback(
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """Slack's own feedback buttons: the value says which ("up:TOPIC" or "down:TOPIC")."""
    await ack()
    vote, _, topic = action_value(body).partition(":")
    if vote in ("up", "down"):
        await _vote(body, respond, client, context, topic, helpful=vote == "up")


async def on_vote_button(
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """Our own 👍/👎, where Slack's feedback buttons do not go (App Home, modals)."""
    await ack()
    helpful = body["actions"][0]["action_id"] == ActionId.FEEDBACK_UP
    await _vote(body, respond, client, context, action_value(body), helpful=helpful)


async def on_open_dialog(
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """Open the private key or limits dialog for the clicker."""
    await ack()
    services = services_of(context)
    opening = {action: tool for tool, action in TOOL_ACTIONS.items()}
    wanted = commands.tool_command(opening[body["actions"][0]["action_id"]])
    if not await dialogs.open_for(wanted, client, body, services):
        person = await known_person(body, services)
        reply = dialogs.failed(person)
        await deliver(reply, body, person, respond, client, services, replace=False)


async def _vote(
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: dict[str, Any],
    topic: str,
    *,
    helpful: bool,
) -> None:
    """Store a vote for ``topic`` and thank the voter privately."""
    services = services_of(context)
    if not services.assistant.content.has(topic):
        return
    person = await person_for(body, client, services)
    reply: Reply = Notice(Phrase.of("thanks"), language=person.speaks)
    try:
        await services.assistant.feedback.vote(person, topic, helpful=helpful)
    except StoreUnavailable as error:
        reply = Notice(Phrase.of_error(error), "warning", person.speaks)
    await deliver(reply, body, person, respond, client, services, replace=False)
