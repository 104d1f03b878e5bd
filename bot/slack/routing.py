"""Where a reply goes, decided in one place from where the request came from.

- an event (a mention, a help-channel post, a DM): in the message's thread, for everyone
  there; a command typed without the slash in a channel gets a pointer only its author
  sees, and nothing in public;
- a slash command: privately, through its response_url (replacing the "checking" note
  when asked to);
- a button in an ephemeral message (the slash command's reply): that message, in place;
- a button in a DM with the bot: the bot's message, in place;
- a button under a public answer: a private reply to the clicker, in the thread, so the
  public answer stays as others saw it;
- a button in a modal: the modal; in App Home: Home is republished.

Whatever changes someone's progress also republishes their App Home, so Home never drifts.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import strings
from bot.domain.assistant import Assistant
from bot.domain.replies import Checklist, CommandPointer, Reply
from bot.person import Person
from bot.slack import home, modals
from bot.slack.payloads import thread_of
from bot.slack.sending import post, post_privately, respond_privately, update


async def deliver(
    reply: Reply,
    body: dict[str, Any],
    person: Person,
    client: AsyncWebClient,
    response_url: AsyncWebhookClient | None,
    assistant: Assistant,
    *,
    replace: bool = True,
) -> None:
    """Send ``reply`` where the request that produced it expects it."""
    container = body.get("container") or {}
    view = body.get("view") or {}
    event = body.get("event")
    if container.get("type") == "view" and view.get("type") == "home":
        await home.publish(client, assistant, person, reply)
        return  # Home is republished: nothing else to keep in step
    if isinstance(event, dict):
        await _in_thread(reply, event, client)
    elif container.get("type") == "view":
        title = (view.get("title") or {}).get("text") or strings.text(person.speaks, "modal_title")
        modal = modals.modal(str(title), reply, person.speaks)
        await client.views_update(view_id=view.get("id"), view=modal)
    elif response_url and (body.get("command") or container.get("is_ephemeral")):
        await respond_privately(
            response_url, reply, replace=replace, show_question=bool(body.get("command"))
        )
    else:
        await _in_channel(reply, body, person, client, replace=replace)
    if isinstance(reply, Checklist) and reply.changed:
        await home.publish(client, assistant, person, reply)


async def _in_thread(reply: Reply, event: dict[str, Any], client: AsyncWebClient) -> None:
    """An answer to a message goes in its thread, for everyone; a command typed without
    the slash in a channel gets a pointer only its author sees."""
    if isinstance(reply, CommandPointer) and event.get("channel_type") != "im":
        await post_privately(
            client,
            reply,
            channel=event["channel"],
            user=event["user"],
            thread_ts=event.get("thread_ts") or None,
        )
        return
    await post(client, reply, channel=event["channel"], thread_ts=thread_of(event))


async def _in_channel(
    reply: Reply, body: dict[str, Any], person: Person, client: AsyncWebClient, *, replace: bool
) -> None:
    container = body.get("container") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    message = body.get("message") or {}
    if not channel:
        return
    if replace and channel.startswith("D") and message.get("ts"):
        # In a DM the bot's own message is the person's private view: update it in place.
        await update(client, reply, channel=channel, ts=message["ts"])
        return
    await post_privately(
        client,
        reply,
        channel=channel,
        user=person.user,
        thread_ts=message.get("thread_ts") or message.get("ts") or container.get("message_ts"),
    )
