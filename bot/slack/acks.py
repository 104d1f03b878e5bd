"""A slash command's ack held open for its reply: the reply goes in the ack's body.

Slack shows a slash command's ack body with ``response_type`` ``ephemeral`` exactly as it
shows an ephemeral reply posted to the command's response_url, so a reply ready soon enough
needs no second HTTP request. The ack waits at most ``DEADLINE`` seconds, well inside
Slack's 3: a reply not ready by then goes through the response_url as before, and the ack
goes out empty at the deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

from slack_bolt.response import BoltResponse

from bot.domain.replies import Reply
from bot.render.blocks import fallback_text, render

# How long an ack waits for its reply: half of Slack's 3 seconds, so that an ack released
# at the deadline still reaches Slack in time on a slow network.
DEADLINE = 1.5

_EMPTY = ""


class HeldAck:
    """The ack of one request, waiting for the reply it may carry or for its deadline."""

    __slots__ = ("_answer", "_timer")

    def __init__(self, deadline: float = DEADLINE) -> None:
        loop = asyncio.get_running_loop()
        self._answer: asyncio.Future[BoltResponse] = loop.create_future()
        self._timer = loop.call_later(deadline, self.release)

    @property
    def held(self) -> bool:
        """Whether the ack has not gone yet: a reply may still go in it."""
        return not self._answer.done()

    def carry(self, reply: Reply) -> bool:
        """Put ``reply`` in the ack, if it is still held; False: send it another way."""
        if self._answer.done():
            return False
        blocks = render(reply, surface="message", show_question=True)
        if any(block.get("type") == "context_actions" for block in blocks):
            # Slack's feedback block may be refused (invalid_blocks) where a workspace
            # lacks Slack's AI features; a response_url post is then sent again with our
            # own buttons (bot.slack.sending), but an ack cannot be sent twice. So such a
            # reply goes through the response_url, and the ack goes out empty now.
            self.release()
            return False
        body = {"response_type": "ephemeral", "blocks": blocks, "text": fallback_text(reply)}
        self._answer.set_result(BoltResponse(status=200, body=body))
        self._timer.cancel()
        return True

    def release(self) -> None:
        """Let the ack go empty now, if it has not gone yet."""
        if not self._answer.done():
            self._answer.set_result(BoltResponse(status=200, body=_EMPTY))
            self._timer.cancel()

    def __await__(self) -> Generator[Any, None, BoltResponse]:
        return self._answer.__await__()
