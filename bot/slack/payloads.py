"""Reading Slack payloads: who is asking, and where to answer. Tolerant of missing fields."""

from __future__ import annotations

from typing import Any

from slack_bolt.request.internals import (
    extract_enterprise_id,
    extract_is_enterprise_install,
    extract_team_id,
)

from bot.person import Person


def person_of(body: dict[str, Any]) -> Person:
    """The person behind a command, action, view submission or event body."""
    user = body.get("user")
    event = body.get("event") or {}
    user_id = (
        body.get("user_id")
        or (user.get("id") if isinstance(user, dict) else user)
        or event.get("user")
        or "unknown"
    )
    return Person(workspace_of(body), str(user_id), workspace_id=_team_of(body))


def workspace_of(body: dict[str, Any]) -> str:
    """Whose data a request touches: its workspace, or its organisation when the app is
    installed org-wide on Enterprise Grid (user ids are global there, and one install
    serves every workspace of the org).

    Read as Bolt reads it to find the install (``authorizations`` first, then the view's
    installing team), so that in a channel shared with another organisation the data is
    this install's, like the token.
    """
    enterprise = extract_enterprise_id(body)
    if enterprise and extract_is_enterprise_install(body):
        return str(enterprise)
    return _team_of(body) or str(enterprise or "unknown")


def _team_of(body: dict[str, Any]) -> str:
    """The workspace a request came from (one of the organisation's, when org-wide)."""
    # An org-wide install's authorization names no team: the event's envelope does.
    return str(extract_team_id(body) or body.get("team_id") or "")


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


def describe(body: dict[str, Any]) -> str:
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
        f"team {person_of(body).team}",
        f"user {person_of(body).user}",
        "channel "
        + str(
            body.get("channel_id")
            or (channel.get("id") if isinstance(channel, dict) else "")
            or event.get("channel")
            or "-"
        ),
    ]
    return " ".join(part for part in parts if part)
