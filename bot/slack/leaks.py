"""Leaked keys: whoever pastes something shaped like a Mistral key gets a private warning at once.

The key itself is never repeated, logged or sent to Mistral: the warning names it by its
last four characters only.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import strings
from bot.apikey import find_leaked_keys
from bot.blocks import render_template
from bot.language import language_of
from bot.services import Services

log = logging.getLogger(__name__)


async def warn_if_leaked(
    client: AsyncWebClient,
    event: dict[str, Any],
    services: Services,
    *,
    already_seen: str = "",
) -> bool:
    """Warn the author privately when ``event`` holds a key; True when it did.

    ``already_seen`` is text the author was already warned about (an edited message's
    previous version): a key that was there before is not warned about again.
    """
    text = str(event.get("text") or "")
    seen = {finding.hint for finding in find_leaked_keys(already_seen)}
    findings = [f for f in find_leaked_keys(text) if f.hint not in seen]
    if not findings or not event.get("user"):
        return False
    hints = [finding.hint for finding in findings]
    log.info("Possible Mistral key pasted in %s; author warned (%s)", event.get("channel"), hints)
    language = language_of(text) or services.settings.language or "en"
    blocks = render_template(
        "leak_warning",
        hints=hints,
        delete_card=services.content.card("delete-api-key"),
        in_dm=str(event.get("channel", "")).startswith("D"),
        lang=language,
    )
    await client.chat_postEphemeral(
        channel=event["channel"],
        user=event["user"],
        thread_ts=event.get("thread_ts") or None,
        blocks=blocks,
        text=strings.text(language, "leak_fallback"),
    )
    return True
