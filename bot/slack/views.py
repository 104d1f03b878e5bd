"""Submissions of the private dialogs: the key never leaves the modal, the result replaces it.

The submission is acked at once with a "checking" view (Slack allows 3 seconds), then
the check runs and ``views.update`` shows the result, or the progress of a limits check.
A value that cannot be a key is refused inline, before anything is sent to Mistral.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.apikeys import looks_like_key
from bot.domain.keychecks import NOT_A_KEY
from bot.domain.replies import Notice, Reply
from bot.render.blocks import CallbackId
from bot.slack import modals
from bot.slack.context import exchange_of, owed
from bot.strings import LANGUAGES, Language


def register(app: AsyncApp) -> None:
    """The submissions of both dialogs."""
    app.view(CallbackId.KEY_CHECK)(owed(on_key_submission))
    app.view(CallbackId.LIMITS)(owed(on_limits_submission))


async def on_key_submission(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """The key dialog: refuse a non-key inline, else check it and show the result."""
    exchange = exchange_of(context)
    key = await _accept_key(ack, body, CallbackId.KEY_CHECK)
    if key:  # waits on Mistral, not our CPU: a check, not a turn
        person = await exchange.person()
        async with exchange.checking():
            report = await exchange.assistant.check_key(person, key)
        await _show(client, body, CallbackId.KEY_CHECK, report)


async def on_limits_submission(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """The limits dialog: probe the chosen models, showing progress in the modal."""
    exchange = exchange_of(context)
    key = await _accept_key(ack, body, CallbackId.LIMITS)
    if not key:
        return

    async def progress(report: Reply) -> None:
        await _show(client, body, CallbackId.LIMITS, report)

    # A limits check waits on Mistral for seconds: holding a backlog turn would stall
    # everyone else's answers behind it. It takes one of the workspace's checks instead.
    person = await exchange.person()
    models = _selected(body, "models")
    async with exchange.checking():
        report = await exchange.assistant.read_limits(person, key, models, progress)
    await _show(client, body, CallbackId.LIMITS, report)


async def _accept_key(ack: AsyncAck, body: dict[str, Any], dialog: CallbackId) -> str | None:
    """Ack the submission: refuse a non-key inline, else show "checking"; return the key.

    The ack must come within 3 seconds, so it speaks the language the dialog was opened
    in (kept in the view's private_metadata) rather than ask Slack who the person is.
    """
    key, language = _value(body, "key"), _language(body)
    if not looks_like_key(key):
        await ack(response_action="errors", errors={"key": NOT_A_KEY.said(language)})
        return None
    note = Notice(modals.CHECKING[dialog], language=language)
    await ack(response_action="update", view=modals.result(dialog, note, language))
    return key


async def _show(
    client: AsyncWebClient, body: dict[str, Any], dialog: CallbackId, reply: Reply
) -> None:
    view = body.get("view") or {}
    language = getattr(reply, "language", _language(body))
    await client.views_update(view_id=view.get("id"), view=modals.result(dialog, reply, language))


def _language(body: dict[str, Any]) -> Language:
    """The language the dialog was opened in (see ``bot.slack.dialogs``)."""
    said = str((body.get("view") or {}).get("private_metadata") or "")
    return next((language for language in LANGUAGES if language == said), "en")


def _value(body: dict[str, Any], block: str) -> str:
    state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    return str(((state.get(block) or {}).get(block) or {}).get("value") or "").strip()


def _selected(body: dict[str, Any], block: str) -> tuple[str, ...]:
    state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    options = ((state.get(block) or {}).get(block) or {}).get("selected_options") or []
    return tuple(str(option.get("value")) for option in options if option.get("value"))
