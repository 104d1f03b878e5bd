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
from slack_bolt.context.async_context import AsyncBoltContext

from bot.domain.replies import Answer, CommandPointer, NoAnswer, Reply
from bot.guide.language import language_of
from bot.person import Person
from bot.slack import home, leaks, threads
from bot.slack.context import exchange_of, owed
from bot.slack.exchange import Exchange

log = logging.getLogger(__name__)

# Message subtypes that are a person writing; edits, joins and the like are not questions.
PERSON_SUBTYPES = (None, "file_share", "thread_broadcast")


def register(app: AsyncApp) -> None:
    """Every event this surface handles."""
    app.event("app_mention")(owed(on_mention))
    app.event("message")(owed(on_message))
    app.event("app_home_opened")(owed(on_home_opened))


async def on_mention(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """A mention is answered in a thread under it, for everyone to read."""
    exchange = exchange_of(context)
    if event.get("bot_id") or not exchange.first_delivery:
        return
    if await leaks.warn_if_leaked(exchange, event):
        return  # answering in public would draw more eyes to the leaked key
    text = str(event.get("text") or "")
    await exchange.answer(lambda person: exchange.assistant.ask(person, text, private=False))


async def on_message(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """A DM is a conversation with the bot; a help-channel post is a question; an edit may
    add a leaked key."""
    exchange = exchange_of(context)
    if event.get("bot_id") or not exchange.first_delivery:
        return
    if event.get("subtype") == "message_changed":
        await _on_edit(exchange, event)
        return
    if event.get("subtype") not in PERSON_SUBTYPES:
        return
    text = str(event.get("text") or "")
    im = event.get("channel_type") == "im"
    bot_user = exchange.bot_user_id
    if not im and bot_user and f"<@{bot_user}>" in text:
        return  # the app_mention event answers it, and warns about any key in it
    if await leaks.warn_if_leaked(exchange, event):
        return  # the message is a leaked key, not a question
    if im:
        await _converse(exchange, event)
    elif not event.get("thread_ts") and await _in_help_channel(exchange, event):

        async def public_answer(person: Person) -> Reply | None:
            reply = await exchange.assistant.ask(person, text, private=False)
            # Chatter ("thanks!", "ok", a bare file) in the channel gets no reply.
            return reply if isinstance(reply, Answer | NoAnswer | CommandPointer) else None

        await exchange.answer(public_answer)


async def on_home_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """The Home tab shows the checklist; the Messages tab offers prompts for what is next."""
    exchange = exchange_of(context)
    tab = event.get("tab", "home")
    async with exchange.turn():
        person = await exchange.person()
        if tab == "home":
            await home.publish(exchange.client, exchange.assistant, person)
            return
        prompts = await exchange.assistant.suggested_prompts(person)
    # Outside the turn: Slack may be slow to take prompts, and answers must not wait on it.
    if tab == "messages" and event.get("channel"):
        await threads.suggest(exchange.client, event["channel"], prompts, person.speaks)


async def _converse(exchange: Exchange, event: dict[str, Any]) -> None:
    """A DM, answered in its thread with a status meanwhile; the command language works."""
    client = exchange.client
    channel = str(event["channel"])
    thread = str(event.get("thread_ts") or event["ts"])
    text = str(event.get("text") or "")
    person = await exchange.person()
    language = language_of(text) or person.speaks
    # Shown while the answer is worked out, not before: a slow Slack must not delay it.
    status = asyncio.create_task(threads.show_status(client, channel, thread, language))
    try:
        async with exchange.turn():
            reply = await exchange.assistant.handle(person, text)
        # The status must be set before the answer, which clears it, not after.
        await status
        await exchange.deliver(reply)  # in the thread; Home stays in step
    except BaseException:
        if await status:  # no answer will clear it
            await threads.clear_status(client, channel, thread)
        raise


async def _in_help_channel(exchange: Exchange, event: dict[str, Any]) -> bool:
    """Whether the message was posted in one of the workspace's help channels."""
    return event.get("channel") in (await exchange.workspace()).help_channels


async def _on_edit(exchange: Exchange, event: dict[str, Any]) -> None:
    """A key added by editing a message is a leak too; edits are not new questions."""
    edited = event.get("message") or {}
    before = str((event.get("previous_message") or {}).get("text") or "")
    if not edited.get("bot_id"):
        edited = {**edited, "channel": event.get("channel")}
        await leaks.warn_if_leaked(exchange, edited, already_seen=before)
