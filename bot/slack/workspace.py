"""The workspace's settings and notes dialogs: opened from App Home by an admin, saved on submit.

Help channels, who is called when the guide has no answer, the bot's admins and the
language are picked with Slack's own pickers, so they arrive as ids; only a user group's
id is typed, and checked before the dialog closes. A note on a card is typed; the
domain checks it (its length, its card) and Home says what became of it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError

from bot import strings
from bot.person import Workspace
from bot.render.blocks import ActionId, CallbackId, render_template
from bot.slack import home
from bot.slack.context import exchange_of, owed
from bot.state.workspaces import NOTE_LIMIT
from bot.strings import LANGUAGES, Language

log = logging.getLogger(__name__)

_GROUP = re.compile(r"S[A-Z0-9]{2,20}")
_MENTIONED_USER = re.compile(r"<@([UW][A-Z0-9]+)")
_MENTIONED_GROUP = re.compile(r"<!subteam\^([A-Z0-9]+)")


def register(app: AsyncApp) -> None:
    """The Home tab's settings and notes buttons and their dialogs' submissions."""
    app.action(ActionId.OPEN_SETTINGS_DIALOG)(owed(on_open_settings))
    app.view(CallbackId.WORKSPACE_SETTINGS)(owed(on_settings_submission))
    app.action(ActionId.OPEN_NOTES_DIALOG)(owed(on_open_notes))
    app.view(CallbackId.WORKSPACE_NOTES)(owed(on_notes_submission))


async def on_open_settings(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Open the dialog with the workspace's current settings (admins only)."""
    await ack()
    exchange = exchange_of(context)
    client, person = exchange.client, await exchange.person()
    if not person.admin:
        # The button is shown to admins only; anyone else's click changes nothing.
        await home.publish(client, exchange.assistant, person)
        return
    workspace = person.workspace
    mentioned = workspace.escalation_mention
    view = render_template(
        "settings_dialog",
        lang=person.speaks,
        workspace=workspace,
        escalation_users=_MENTIONED_USER.findall(mentioned),
        escalation_group=next(iter(_MENTIONED_GROUP.findall(mentioned)), ""),
    )
    try:
        await client.views_open(trigger_id=body.get("trigger_id"), view=view)
    except SlackApiError as error:
        log.warning("Could not open the settings dialog: %s", error.response.get("error"))


async def on_settings_submission(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """Check the typed user group, close the dialog, save, and show Home with the result."""
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    group = str(_field(values, "escalation_group").get("value") or "").strip().upper()
    if group and not _GROUP.fullmatch(group):
        language = _language(str((body.get("view") or {}).get("private_metadata") or ""))
        problem = strings.text(language or "en", "settings_group_invalid")
        await ack(response_action="errors", errors={"escalation_group": problem})
        return
    await ack()
    exchange = exchange_of(context)
    workspace = _submitted(values, group)
    reply = await exchange.assistant.change_workspace(await exchange.person(), workspace)
    # Home shows the settings as saved (and the admin's language, if that changed).
    person = await exchange.person(again=True)
    await home.publish(exchange.client, exchange.assistant, person, reply)


async def on_open_notes(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """Open the notes dialog with the workspace's notes (admins only)."""
    await ack()
    exchange = exchange_of(context)
    client, person, assistant = exchange.client, await exchange.person(), exchange.assistant
    if not person.admin:
        await home.publish(client, assistant, person)
        return
    view = render_template(
        "notes_dialog",
        lang=person.speaks,
        cards=assistant.cards,
        notes=assistant.noted_cards(person.workspace),
        limit=NOTE_LIMIT,
    )
    try:
        await client.views_open(trigger_id=body.get("trigger_id"), view=view)
    except SlackApiError as error:
        log.warning("Could not open the notes dialog: %s", error.response.get("error"))


async def on_notes_submission(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """Keep (or, empty, remove) the note on the chosen card; Home says what became of it."""
    await ack()
    exchange = exchange_of(context)
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    topic = str((_field(values, "card").get("selected_option") or {}).get("value") or "")
    text = str(_field(values, "note").get("value") or "")
    reply = await exchange.assistant.change_note(await exchange.person(), topic, text)
    person = await exchange.person(again=True)
    await home.publish(exchange.client, exchange.assistant, person, reply)


def _submitted(values: dict[str, Any], group: str) -> Workspace:
    """The settings as the dialog's pickers give them."""
    mentions = ([f"<!subteam^{group}>"] if group else []) + [
        f"<@{user}>" for user in _field(values, "escalation_users").get("selected_users") or []
    ]
    choice = (_field(values, "language").get("selected_option") or {}).get("value")
    unasked = {
        str(option.get("value"))
        for option in _field(values, "unasked").get("selected_options") or []
    }
    return Workspace(
        help_channels=frozenset(
            _field(values, "help_channels").get("selected_conversations") or []
        ),
        escalation_mention=" ".join(mentions),
        admin_users=frozenset(_field(values, "admin_users").get("selected_users") or []),
        language=_language(str(choice or "")),
        nudges="nudges" in unasked,
        digest="digest" in unasked,
    )


def _field(values: dict[str, Any], block: str) -> dict[str, Any]:
    field: dict[str, Any] = (values.get(block) or {}).get(block) or {}
    return field


def _language(value: str) -> Language | None:
    return next((language for language in LANGUAGES if language == value), None)
