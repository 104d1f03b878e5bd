"""Leaked keys: whoever pastes something shaped like a Mistral key gets a private warning at once.

The key itself is never repeated, logged or sent to Mistral: the warning names it by its
last four characters only. What counts as a leak, and the warning, are the domain's
(``Assistant.leak_warning``); this module only delivers it.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.slack.exchange import Exchange
from bot.slack.sending import post_privately

log = logging.getLogger(__name__)


async def warn_if_leaked(
    exchange: Exchange, event: dict[str, Any], *, already_seen: str = ""
) -> bool:
    """Warn the author privately when ``event`` holds a key; True when it did.

    The warning speaks the language of the message, else the workspace's: it is sent at
    once, without asking Slack for the author's locale.
    """
    channel = str(event.get("channel") or "")
    warning = exchange.assistant.leak_warning(
        str(event.get("text") or ""),
        in_dm=channel.startswith("D"),
        language=(await exchange.workspace()).language,
        already_seen=already_seen,
    )
    if warning is None or not event.get("user"):
        return False
    log.info("Possible Mistral key pasted in %s; author warned (%s)", channel, warning.hints)
    # In a DM (the Messages tab) every message is its own thread: the warning goes there.
    thread = event.get("thread_ts") or (event.get("ts") if channel.startswith("D") else None)
    await post_privately(
        exchange.client, warning, channel=channel, user=event["user"], thread_ts=thread
    )
    return True
