"""Buttons and menus. A command button carries its command ("done create-api-key") as its value.

Where the reply goes depends on where the button was:
- an ephemeral message (the slash command's reply) is updated in place through response_url;
- a public answer in a thread is left alone: the clicker gets a private reply in the thread;
- App Home is republished.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands
from bot.blocks import ActionId, fallback_text, render
from bot.errors import StoreUnavailable
from bot.replies import Notice, Reply
from bot.services import Services
from bot.slack import dialogs, home, views
from bot.slack.payloads import action_value, person_of

THANKS = Notice("Thanks for the feedback! It helps us improve the setup guide.")


def register(app: AsyncApp, services: Services) -> None:
    assistant = services.assistant

    @app.action(re.compile(f"^{ActionId.COMMAND}"))
    async def handle_command_button(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        reply = await assistant.run(person_of(body), commands.parse(action_value(body)))
        await _reply(reply, body, respond, client, services)

    @app.action(re.compile(f"^{ActionId.SHOW_TOPIC}"))
    async def handle_show_topic(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        topic = action_value(body)
        if not assistant.content.has(topic):
            return
        reply = await assistant.ask(person_of(body), assistant.content.card(topic).title)
        await _reply(reply, body, respond, client, services)

    @app.action(re.compile(f"^({ActionId.FEEDBACK_UP}|{ActionId.FEEDBACK_DOWN})$"))
    async def handle_feedback(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        helpful = body["actions"][0]["action_id"] == ActionId.FEEDBACK_UP
        topic = action_value(body)
        reply: Reply = THANKS
        try:
            await assistant.feedback.vote(person_of(body), topic, helpful=helpful)
        except StoreUnavailable as error:
            reply = Notice(str(error), kind="warning")
        await _reply(reply, body, respond, client, services, replace=False)

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
            await _reply(dialogs.DIALOG_FAILED, body, respond, client, services, replace=False)


async def _reply(
    reply: Reply,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    services: Services,
    *,
    replace: bool = True,
) -> None:
    container = body.get("container") or {}
    person = person_of(body)
    if container.get("type") == "view":
        view = body.get("view") or {}
        if view.get("type") == "modal":
            title = str((view.get("title") or {}).get("text") or "Mistral setup")
            await client.views_update(view_id=view.get("id"), view=views.modal(title, reply))
        else:
            await home.publish(client, services, person, reply)
        return
    if container.get("is_ephemeral") and body.get("response_url"):
        await respond(
            blocks=render(reply),
            text=fallback_text(reply),
            response_type="ephemeral",
            replace_original=replace,
        )
        return
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    message = body.get("message") or {}
    thread = message.get("thread_ts") or message.get("ts") or container.get("message_ts")
    if channel:
        await client.chat_postEphemeral(
            channel=channel,
            user=person.user,
            thread_ts=thread,
            blocks=render(reply),
            text=fallback_text(reply),
        )
