"""Events: mentions and help-channel questions answered in a thread, the Messages tab as a
conversation, App Home.

Each event is answered once, even when Slack retries it or delivers it to several
processes (``bot.slack.admission`` claims it first). A mention in a help channel arrives
both as ``app_mention`` and as ``message``: only the mention answers it. Bots, including
this one, are ignored.

In the Messages tab (Slack's ``agent_view``), every message is a conversation in a
thread: a top-level message is answered in its own thread, a reply in a thread stays
there, and the thread shows a status while the bot works (``bot.slack.threads``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.replies import Answer, Checklist, CommandPointer, NoAnswer, Reply
from bot.guide.language import language_of
from bot.services import Services
from bot.slack import home, leaks, threads
from bot.slack.context import first_delivery, owed, services_of
from bot.slack.payloads import person_of, thread_of
from bot.slack.people import person_for
from bot.slack.sending import post, post_privately

log = logging.getLogger(__name__)

# Message subtypes that are a person writing; edits, joins and the like are not questions.
PERSON_SUBTYPES = (None, "file_share", "thread_broadcast")


def register(app: AsyncApp) -> None:
    """Every event this surface handles."""
    app.event("app_mention")(owed(on_mention))
    app.event("message")(owed(on_message))
    app.event("app_home_opened")(owed(on_home_opened))


async def on_mention(
    body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """A mention is answered in a thread under it, for everyone to read."""
    services = services_of(context)
    if event.get("bot_id") or not first_delivery(context):
        return
    if await leaks.warn_if_leaked(client, event, services, settings=person_of(body).settings_key):
        return  # answering in public would draw more eyes to the leaked key
    async with services.backlog.turn():
        person = await person_for(body, client, services)
        reply = await services.assistant.ask(person, str(event.get("text") or ""), private=False)
        await _answer_in_channel(client, event, reply)


async def on_message(
    body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """A DM is a conversation with the bot; a help-channel post is a question; an edit may
    add a leaked key."""
    services = services_of(context)
    if event.get("bot_id") or not first_delivery(context):
        return
    settings = person_of(body).settings_key
    if event.get("subtype") == "message_changed":
        await _on_edit(client, event, context, settings)
        return
    if event.get("subtype") not in PERSON_SUBTYPES:
        return
    text = str(event.get("text") or "")
    im = event.get("channel_type") == "im"
    bot_user = context.get("bot_user_id")
    if not im and bot_user and f"<@{bot_user}>" in text:
        return  # the app_mention event answers it, and warns about any key in it
    if await leaks.warn_if_leaked(client, event, services, settings=settings):
        return  # the message is a leaked key, not a question
    if im:
        await _converse(body, event, client, context)
    elif not event.get("thread_ts") and await _in_help_channel(services, settings, event):
        async with services.backlog.turn():
            person = await person_for(body, client, services)
            reply = await services.assistant.ask(person, text, private=False)
            # Chatter ("thanks!", "ok", a bare file) in the channel gets no reply.
            if isinstance(reply, Answer | NoAnswer | CommandPointer):
                await _answer_in_channel(client, event, reply)


async def on_home_opened(
    body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """The Home tab shows the checklist; the Messages tab offers prompts for what is next."""
    services = services_of(context)
    tab = event.get("tab", "home")
    async with services.backlog.turn():
        person = await person_for(body, client, services)
        if tab == "home":
            await home.publish(client, services, person)
            return
        prompts = await services.assistant.suggested_prompts(person)
    # Outside the turn: Slack may be slow to take prompts, and answers must not wait on it.
    if tab == "messages" and event.get("channel"):
        await threads.suggest(client, event["channel"], prompts, person.speaks)


async def _converse(
    body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """A DM, answered in its thread with a status meanwhile; the command language works."""
    services = services_of(context)
    channel = str(event["channel"])
    thread = str(event.get("thread_ts") or event["ts"])
    text = str(event.get("text") or "")
    person = await person_for(body, client, services)
    language = language_of(text) or person.speaks
    # Shown while the answer is worked out, not before: a slow Slack must not delay it.
    status = asyncio.create_task(threads.show_status(client, channel, thread, language))
    try:
        async with services.backlog.turn():
            reply = await services.assistant.handle(person, text)
        # The status must be set before the answer, which clears it, not after.
        await status
        await post(client, reply, channel=channel, thread_ts=thread)
        if isinstance(reply, Checklist) and reply.changed:
            await home.publish(client, services, person, reply)  # Home stays in step
    except BaseException:
        if await status:  # no answer will clear it
            await threads.clear_status(client, channel, thread)
        raise


async def _in_help_channel(services: Services, settings: str, event: dict[str, Any]) -> bool:
    """Whether the message was posted in one of the workspace's help channels."""
    return event.get("channel") in (await services.workspaces.get(settings)).help_channels


async def _on_edit(
    client: AsyncWebClient, event: dict[str, Any], context: dict[str, Any], settings: str
) -> None:
    """A key added by editing a message is a leak too; edits are not new questions."""
    edited = event.get("message") or {}
    before = str((event.get("previous_message") or {}).get("text") or "")
    if not edited.get("bot_id"):
        edited = {**edited, "channel": event.get("channel")}
        services = services_of(context)
        await leaks.warn_if_leaked(client, edited, services, settings=settings, already_seen=before)


async def _answer_in_channel(client: AsyncWebClient, event: dict[str, Any], reply: Reply) -> None:
    """An answer goes in the post's thread, for everyone; a command typed without the slash
    gets a pointer only its author sees, and nothing in public."""
    if isinstance(reply, CommandPointer):
        await post_privately(
            client,
            reply,
            channel=event["channel"],
            user=event["user"],
            thread_ts=event.get("thread_ts") or None,
        )
        return
    await post(client, reply, channel=event["channel"], thread_ts=thread_of(event))
