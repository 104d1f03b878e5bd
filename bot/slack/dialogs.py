"""The private dialogs (modals) for key checks and rate-limit summaries."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain import commands
from bot.domain.keychecks import COMMON_CHAT_MODELS, DEFAULT_COUNT
from bot.domain.replies import Notice
from bot.render.blocks import render_template
from bot.services import Services

log = logging.getLogger(__name__)

DIALOG_FAILED = Notice(
    "Slack didn't let me open the dialog in time (it allows 3 seconds). Please try again.",
    kind="warning",
)


async def open_for(
    command: commands.CheckKey | commands.ShowLimits,
    client: AsyncWebClient,
    body: dict[str, Any],
    services: Services,
) -> bool:
    """Open the dialog for ``command``; False when Slack refused (an expired trigger, say)."""
    if isinstance(command, commands.CheckKey):
        view = render_template("key_dialog")
    else:
        view = render_template(
            "limits_dialog", models=COMMON_CHAT_MODELS, defaults=COMMON_CHAT_MODELS[:DEFAULT_COUNT]
        )
    # From inside a modal (the key result's "Summarize its rate limits"), Slack wants a push.
    in_modal = (body.get("view") or {}).get("type") == "modal"
    opener = client.views_push if in_modal else client.views_open
    try:
        await opener(trigger_id=body.get("trigger_id"), view=view)
    except SlackApiError as error:
        log.warning("Could not open a dialog: %s", error.response.get("error"))
        return False
    return True
