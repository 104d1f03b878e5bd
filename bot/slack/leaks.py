"""Leaked keys: whoever pastes something shaped like a Mistral key gets a private warning at once.

The key itself is never repeated, logged or sent to Mistral: the warning names it by its
last four characters only.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.apikey import find_leaked_keys
from bot.blocks import render_template
from bot.services import Services

log = logging.getLogger(__name__)

WARNING_TEXT = "That message seems to contain a Mistral API key: delete it and revoke the key."


async def warn_if_leaked(client: AsyncWebClient, event: dict[str, Any], services: Services) -> bool:
    """Warn the author privately when ``event`` holds a key; True when it did."""
    findings = find_leaked_keys(str(event.get("text") or ""))
    if not findings or not event.get("user"):
        return False
    hints = [finding.hint for finding in findings]
    log.info("Possible Mistral key pasted in %s; author warned (%s)", event.get("channel"), hints)
    blocks = render_template(
        "leak_warning",
        hints=hints,
        delete_card=services.content.card("delete-api-key"),
        in_dm=str(event.get("channel", "")).startswith("D"),
    )
    await client.chat_postEphemeral(
        channel=event["channel"],
        user=event["user"],
        thread_ts=event.get("thread_ts") or None,
        blocks=blocks,
        text=WARNING_TEXT,
    )
    return True
