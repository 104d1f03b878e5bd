"""The private dialogs (modals) for key checks and rate-limit summaries."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain import commands
from bot.domain.keychecks import COMMON_CHAT_MODELS, DEFAULT_COUNT
from bot.domain.replies import Notice
from bot.person import Person
from bot.render.blocks import render_template
from bot.services import Services
from bot.slack.people import known_person
from bot.strings import Phrase

log = logging.getLogger(__name__)


def failed(person: Person) -> Notice:
    """What to say when Slack would not open a dialog (its trigger had expired, say)."""
    return Notice(Phrase.of("dialog_failed"), "warning", person.speaks)


async def open_for(
    command: commands.CheckKey | commands.ShowLimits,
    client: AsyncWebClient,
    body: dict[str, Any],
    services: Services,
) -> bool:
    """Open the dialog for ``command``; False when Slack refused (an expired trigger, say).

    The dialog speaks the person's language as far as it is known at once, and keeps it
    in its private_metadata for the answer to the submission.
    """
    language = (await known_person(body, services)).speaks
    if isinstance(command, commands.CheckKey):
        view = render_template("key_dialog", lang=language)
    else:
        defaults = COMMON_CHAT_MODELS[:DEFAULT_COUNT]
        view = render_template(
            "limits_dialog", models=COMMON_CHAT_MODELS, defaults=defaults, lang=language
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
