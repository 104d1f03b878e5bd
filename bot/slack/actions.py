"""Buttons and menus. A command button carries its command ("done create-api-key") as its value.

Where each reply goes is decided by ``routing.deliver``.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands, strings
from bot.assistant import said
from bot.blocks import ActionId
from bot.errors import StoreUnavailable
from bot.replies import Notice, Reply
from bot.services import Services
from bot.slack import dialogs
from bot.slack.payloads import action_value, person_of
from bot.slack.people import person_for
from bot.slack.routing import deliver


def register(app: AsyncApp, services: Services) -> None:
    assistant = services.assistant

    @app.action(re.compile(f"^{ActionId.COMMAND}"))
    async def handle_command_button(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        async with services.backlog.turn():
            person = await person_for(body, client, services)
            reply = await assistant.run(person, commands.parse(action_value(body)))
            await deliver(reply, body, person, respond, client, services)

    @app.action(re.compile(f"^{ActionId.SHOW_TOPIC}"))
    async def handle_show_topic(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        topic = action_value(body)
        if not assistant.content.has(topic):
            return
        card = assistant.content.card(topic)
        async with services.backlog.turn():
            person = await person_for(body, client, services)
            reply = await assistant.ask(person, card.title_in(person.language or "en"))
            await deliver(reply, body, person, respond, client, services, replace=False)

    @app.action(re.compile(f"^({ActionId.FEEDBACK_UP}|{ActionId.FEEDBACK_DOWN})$"))
    async def handle_feedback(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        helpful = body["actions"][0]["action_id"] == ActionId.FEEDBACK_UP
        topic = action_value(body)
        if not assistant.content.has(topic):
            return
        person = await person_for(body, client, services)
        reply: Reply = Notice(strings.text(person.language or "en", "thanks"))
        try:
            await assistant.feedback.vote(person, topic, helpful=helpful)
        except StoreUnavailable as error:
            reply = Notice(said(error, person.language or "en"), kind="warning")
        await deliver(reply, body, person, respond, client, services, replace=False)

    @app.action(re.compile(f"^({ActionId.OPEN_KEY_DIALOG}|{ActionId.OPEN_LIMITS_DIALOG})$"))
    async def handle_open_dialog(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        wanted: commands.CheckKey | commands.ShowLimits = (
            commands.CheckKey()
            if body["actions"][0]["action_id"] == ActionId.OPEN_KEY_DIALOG
            else commands.ShowLimits()
        )
        if not await dialogs.open_for(wanted, client, body, services):
            person = person_of(body)
            reply = dialogs.DIALOG_FAILED
            await deliver(reply, body, person, respond, client, services, replace=False)
