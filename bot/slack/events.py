"""Events: mentions and help-channel questions answered in a thread, DMs in the DM, App Home.

Each event is answered once, even when Slack retries it or delivers it to several
processes (``bot.slack.admission`` claims it first). A mention in a help channel arrives
both as ``app_mention`` and as ``message``: only the mention answers it. Bots, including
this one, are ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import fallback_text, render
from bot.replies import Answer, CommandPointer, NoAnswer, Reply
from bot.services import Services
from bot.slack import home, leaks
from bot.slack.payloads import first_delivery, thread_of
from bot.slack.people import person_for

log = logging.getLogger(__name__)

# Message subtypes that are a person writing; edits, joins and the like are not questions.
PERSON_SUBTYPES = (None, "file_share", "thread_broadcast")


def register(app: AsyncApp, services: Services) -> None:
    assistant = services.assistant
    help_channels = frozenset(services.settings.help_channels)

    @app.event("app_mention")
    async def handle_mention(
        body: dict[str, Any],
        event: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        if event.get("bot_id") or not first_delivery(context):
            return
        if await leaks.warn_if_leaked(client, event, services):
            return  # answering in public would draw more eyes to the leaked key
        async with services.backlog.turn():
            person = await person_for(body, client, services)
            reply = await assistant.ask(person, str(event.get("text") or ""))
            await _answer_in_channel(client, event, reply)

    @app.event("message")
    async def handle_message(
        body: dict[str, Any],
        event: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        bot_user = context.bot_user_id
        if event.get("bot_id") or not first_delivery(context):
            return
        if event.get("subtype") == "message_changed":
            # A key added by editing a message is a leak too; edits are not new questions.
            edited = event.get("message") or {}
            before = str((event.get("previous_message") or {}).get("text") or "")
            if not edited.get("bot_id"):
                edited = {**edited, "channel": event.get("channel")}
                await leaks.warn_if_leaked(client, edited, services, already_seen=before)
            return
        if event.get("subtype") not in PERSON_SUBTYPES:
            return
        text = str(event.get("text") or "")
        im = event.get("channel_type") == "im"
        if not im and bot_user and f"<@{bot_user}>" in text:
            return  # the app_mention event answers it, and warns about any key in it
        if await leaks.warn_if_leaked(client, event, services):
            return  # the message is a leaked key, not a question
        if im:
            # A DM is private: the whole command language works there.
            async with services.backlog.turn():
                person = await person_for(body, client, services)
                reply = await assistant.handle(person, text)
                await _post(client, event["channel"], None, reply)
            return
        if event.get("channel") in help_channels and not event.get("thread_ts"):
            async with services.backlog.turn():
                person = await person_for(body, client, services)
                reply = await assistant.ask(person, text)
                # Chatter ("thanks!", "ok", a bare file) in the channel gets no reply.
                if isinstance(reply, Answer | NoAnswer | CommandPointer):
                    await _answer_in_channel(client, event, reply)

    @app.event("app_home_opened")
    async def handle_home_opened(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab", "home") == "home":
            async with services.backlog.turn():
                await home.publish(client, services, await person_for(body, client, services))


async def _answer_in_channel(client: AsyncWebClient, event: dict[str, Any], reply: Reply) -> None:
    """An answer goes in the post's thread, for everyone; a command typed without the slash
    gets a pointer only its author sees, and nothing in public."""
    if isinstance(reply, CommandPointer):
        await client.chat_postEphemeral(
            channel=event["channel"],
            user=event["user"],
            thread_ts=event.get("thread_ts") or None,
            blocks=render(reply),
            text=fallback_text(reply),
        )
        return
    await _post(client, event["channel"], thread_of(event), reply)


async def _post(client: AsyncWebClient, channel: str, thread: str | None, reply: Reply) -> None:
    await client.chat_postMessage(
        channel=channel,
        thread_ts=thread,
        blocks=render(reply),
        text=fallback_text(reply),
        unfurl_links=False,
        unfurl_media=False,
    )
