"""The private dialogs (modals) for key checks and rate-limit summaries."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.domain import commands
from bot.domain.keychecks import COMMON_CHAT_MODELS, DEFAULT_COUNT
from bot.domain.replies import Notice
from bot.render.blocks import render_template
from bot.slack.exchange import Exchange
from bot.strings import Phrase

log = logging.getLogger(__name__)


async def open_for(
    command: commands.CheckKey | commands.ShowLimits, exchange: Exchange, *, replace: bool = True
) -> None:
    """Open the dialog for ``command``; when Slack refuses (an expired trigger, say), tell
    the person, replacing the message the request came from when ``replace``.

    The dialog speaks the person's language as far as it is known at once, and keeps it
    in its private_metadata for the answer to the submission.
    """
    language = (await exchange.known_person()).speaks
    if isinstance(command, commands.CheckKey):
        view = render_template("key_dialog", lang=language)
    else:
        defaults = COMMON_CHAT_MODELS[:DEFAULT_COUNT]
        view = render_template(
            "limits_dialog", models=COMMON_CHAT_MODELS, defaults=defaults, lang=language
        )
    # From inside a modal (the key result's "Summarize its rate limits"), Slack wants a push.
    body, client = exchange.body, exchange.client
    in_modal = (body.get("view") or {}).get("type") == "modal"
    opener = client.views_push if in_modal else client.views_open
    try:
        await opener(trigger_id=body.get("trigger_id"), view=view)
    except SlackApiError as error:
        log.warning("Could not open a dialog: %s", error.response.get("error"))
        failed = Notice(Phrase.of("dialog_failed"), "warning", language)
        await exchange.deliver(failed, replace=replace)
