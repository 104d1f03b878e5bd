"""Sending a reply as a Slack message, with our own buttons where Slack refuses its own.

Answers carry Slack's feedback buttons (a ``context_actions`` block). Slack documents
the block for messages, but not how a workspace without its AI features treats it: when
Slack answers ``invalid_blocks``, the same reply goes again, rendered as for a view, with
the bot's own 👍/👎 buttons. Every message the bot sends about a reply goes through here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.domain.replies import Reply
from bot.render.blocks import fallback_text, render

log = logging.getLogger(__name__)

Send = Callable[..., Awaitable[Any]]


async def post(client: AsyncWebClient, reply: Reply, **where: Any) -> None:
    """``chat.postMessage``: a reply everyone in the conversation (or thread) sees."""
    await _send(client.chat_postMessage, reply, unfurl_links=False, unfurl_media=False, **where)


async def post_privately(client: AsyncWebClient, reply: Reply, **where: Any) -> None:
    """``chat.postEphemeral``: a reply only ``user`` sees."""
    await _send(client.chat_postEphemeral, reply, **where)


async def update(client: AsyncWebClient, reply: Reply, **where: Any) -> None:
    """``chat.update``: the bot's own message, replaced in place."""
    await _send(client.chat_update, reply, **where)


async def respond_privately(
    response_url: AsyncWebhookClient, reply: Reply, *, replace: bool, show_question: bool = False
) -> None:
    """Through a ``response_url`` (a slash command, an ephemeral message's button), which
    answers with a status rather than raising."""
    for surface in ("message", "view"):
        response = await response_url.send(
            blocks=render(reply, surface=surface, show_question=show_question),
            text=fallback_text(reply),
            response_type="ephemeral",
            replace_original=replace,
        )
        if response.status_code < 400 or "invalid_blocks" not in str(response.body):
            return
        log.info("Slack refused the feedback block through a response_url; sending our own")


async def _send(call: Send, reply: Reply, **where: Any) -> None:
    try:
        await call(blocks=render(reply), text=fallback_text(reply), **where)
    except SlackApiError as error:
        if error.response.get("error") != "invalid_blocks":
            raise
        log.info("Slack refused the feedback block in %s; sending our own", where.get("channel"))
        await call(blocks=render(reply, surface="view"), text=fallback_text(reply), **where)
