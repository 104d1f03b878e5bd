"""Reading Slack payloads: who is asking, and where to answer. Tolerant of missing fields."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from bot.person import Person


def person_of(context: AsyncBoltContext, body: dict[str, Any]) -> Person:
    """The person behind a command, action, view submission or event: who and where, as
    Bolt read them from the payload to find the install."""
    return Person(workspace_of(context, body), context.user_id or "unknown",
                  workspace_id=_team_of(context, body))  # fmt: skip


def workspace_of(context: AsyncBoltContext, body: dict[str, Any]) -> str:
    """Whose data a request touches: its workspace, or its organisation when the app is
    installed org-wide on Enterprise Grid (user ids are global there, and one install
    serves every workspace of the org).

    Bolt reads it to find the install (``authorizations`` first, then the view's
    installing team), so that in a channel shared with another organisation the data is
    this install's, like the token.
    """
    enterprise = context.enterprise_id
    if enterprise and context.is_enterprise_install:
        return enterprise
    return _team_of(context, body) or enterprise or "unknown"


def _team_of(context: AsyncBoltContext, body: dict[str, Any]) -> str:
    """The workspace a request came from (one of the organisation's, when org-wide)."""
    # An org-wide install's authorization names no team: the event's envelope does.
    return str(context.team_id or body.get("team_id") or "")


def action_value(body: dict[str, Any]) -> str:
    """The value of the first action: a button's value or a select's chosen option."""
    actions = body.get("actions") or [{}]
    action = actions[0]
    selected = action.get("selected_option") or {}
    return str(selected.get("value") or action.get("value") or "")


def thread_of(event: dict[str, Any]) -> str | None:
    """Where a reply to this message goes: its thread, or a new thread under it."""
    ts = event.get("thread_ts") or event.get("ts")
    return str(ts) if ts else None


# The parts of a payload that Bolt and our listeners index into, and the types they must be.
_SHAPES: dict[str, tuple[type, ...]] = {
    "event": (dict,),
    "view": (dict,),
    "actions": (list,),
    "container": (dict,),
    "channel": (dict,),
    "message": (dict,),
    "user": (dict, str),
    "team": (dict, str, type(None)),
}


def well_formed(body: object) -> bool:
    """Whether a parsed request body has the shape Slack sends; Bolt trusts it blindly."""
    if not isinstance(body, dict):
        return False
    for name, kinds in _SHAPES.items():
        if name in body and not isinstance(body[name], kinds):
            return False
    if body.get("type") == "block_actions" and not body.get("actions"):
        return False
    return all(isinstance(action, dict) for action in body.get("actions", []))


def describe(context: AsyncBoltContext, body: dict[str, Any]) -> str:
    """What a request was, for the log: its kind and who and where, never its text or values
    (enough to follow up with the person when their reply could not be sent)."""
    given = body.get("event")
    event: dict[str, Any] = given if isinstance(given, dict) else {}
    actions = body.get("actions")
    channel = body.get("channel")
    parts = [
        str(body.get("type") or body.get("command") or "request"),
        str(event.get("type", "")),
        str(actions[0].get("action_id", "")) if actions and isinstance(actions[0], dict) else "",
        f"team {workspace_of(context, body)}",
        f"user {context.user_id or 'unknown'}",
        "channel "
        + str(
            body.get("channel_id")
            or (channel.get("id") if isinstance(channel, dict) else "")
            or event.get("channel")
            or "-"
        ),
    ]
    return " ".join(part for part in parts if part)


def kind_of(body: dict[str, Any]) -> str:
    """What kind of request it is, for the metrics: ``command``, the event's type, or the
    interaction's (``block_actions``, ``view_submission``…); never anything a person wrote."""
    if body.get("command"):
        return "command"
    event = body.get("event")
    if body.get("type") == "event_callback" and isinstance(event, dict):
        return str(event.get("type") or "event")[:40]
    return str(body.get("type") or "unknown")[:40]
