"""Submissions of the private dialogs: the key never leaves the modal, the result replaces it.

The submission is acked at once with a "checking" view (Slack allows 3 seconds), then
the check runs and ``views.update`` shows the result, or the progress of a limits check.
A value that cannot be a key is refused inline, before anything is sent to Mistral.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.apikeys import looks_like_key
from bot.domain import commands
from bot.domain.replies import Notice, Reply
from bot.mistral.client import NOT_A_KEY
from bot.render.blocks import CallbackId, render, render_template
from bot.slack.context import owed, services_of
from bot.slack.people import person_for

CHECKING = Notice(":hourglass_flowing_sand: Asking Mistral about the key…")
LIMITS_CHECKING = Notice(
    ":hourglass_flowing_sand: Reading the key's rate limits: one request with one output token "
    "per model, about a second apart, so this costs a handful of tokens."
)
KEY_TITLE = "Mistral key check"
LIMITS_TITLE = "Rate limits per model"


def register(app: AsyncApp) -> None:
    """The submissions of both dialogs."""
    app.view(CallbackId.KEY_CHECK)(owed(on_key_submission))
    app.view(CallbackId.LIMITS)(owed(on_limits_submission))


async def on_key_submission(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """The key dialog: refuse a non-key inline, else check it and show the result."""
    services = services_of(context)
    key = await _accept_key(ack, body, KEY_TITLE)
    if key:  # waits on Mistral, not on our CPU: no backlog turn needed
        person = await person_for(body, client, services)
        await _show(client, body, KEY_TITLE, await services.keys.check(person, key))


async def on_limits_submission(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """The limits dialog: probe the chosen models, showing progress in the modal."""
    services = services_of(context)
    key = await _accept_key(ack, body, LIMITS_TITLE)
    if not key:
        return

    async def progress(report: Reply) -> None:
        await _show(client, body, LIMITS_TITLE, report)

    # A limits check waits on Mistral for seconds: holding a backlog turn would stall
    # everyone else's answers behind it.
    person = await person_for(body, client, services)
    report = await services.keys.limits(person, key, _selected(body, "models"), progress)
    await _show(client, body, LIMITS_TITLE, report)


async def _accept_key(ack: AsyncAck, body: dict[str, Any], title: str) -> str | None:
    """Ack the submission: refuse a non-key inline, else show "checking"; return the key."""
    key = _value(body, "key")
    if not looks_like_key(key):
        await ack(response_action="errors", errors={"key": NOT_A_KEY})
        return None
    note = LIMITS_CHECKING if title == LIMITS_TITLE else CHECKING
    await ack(response_action="update", view=modal(title, note))
    return key


def checking_note(command: commands.Command) -> Notice | None:
    """What to say while Mistral is asked about a key, or None for other commands."""
    if isinstance(command, commands.ShowLimits):
        return LIMITS_CHECKING
    return CHECKING if isinstance(command, commands.CheckKey) else None


def modal(title: str, reply: Reply) -> dict[str, Any]:
    """A read-only modal showing ``reply``."""
    view: dict[str, Any] = render_template(
        "modal", title=title, blocks=render(reply, surface="view")
    )
    return view


async def _show(client: AsyncWebClient, body: dict[str, Any], title: str, reply: Reply) -> None:
    view = body.get("view") or {}
    await client.views_update(view_id=view.get("id"), view=modal(title, reply))


def _value(body: dict[str, Any], block: str) -> str:
    state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    return str(((state.get(block) or {}).get(block) or {}).get("value") or "").strip()


def _selected(body: dict[str, Any], block: str) -> tuple[str, ...]:
    state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    options = ((state.get(block) or {}).get(block) or {}).get("selected_options") or []
    return tuple(str(option.get("value")) for option in options if option.get("value"))
