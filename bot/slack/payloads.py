"""Reading Slack payloads: who is asking, and where to answer. Tolerant of missing fields."""

from __future__ import annotations

from typing import Any

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
    return Person(workspace_of(body), str(user_id))


def workspace_of(body: dict[str, Any]) -> str:
    """Whose data a request touches: its workspace, or its organisation when the app is
    installed org-wide on Enterprise Grid (user ids are global there, and one install
    serves every workspace of the org)."""
    team, user = body.get("team"), body.get("user")
    enterprise = _enterprise_of(body)
    if enterprise and _org_wide(body):
        return enterprise
    team_id = (
        body.get("team_id")
        or (team.get("id") if isinstance(team, dict) else None)
        or (user.get("team_id") if isinstance(user, dict) else None)
        or enterprise
        or "unknown"
    )
    return str(team_id)


def _authorization(body: dict[str, Any]) -> dict[str, Any]:
    """The first of an event's ``authorizations``: which install the event is for."""
    found = body.get("authorizations")
    first = found[0] if isinstance(found, list) and found else None
    return first if isinstance(first, dict) else {}


def _enterprise_of(body: dict[str, Any]) -> str | None:
    enterprise = body.get("enterprise")
    found = (
        body.get("enterprise_id")
        or (enterprise.get("id") if isinstance(enterprise, dict) else None)
        or _authorization(body).get("enterprise_id")
    )
    return str(found) if found else None


def _org_wide(body: dict[str, Any]) -> bool:
    # Slash commands send the flag as the string "true"; JSON payloads as a boolean.
    flag = body.get("is_enterprise_install", _authorization(body).get("is_enterprise_install"))
    return flag is True or flag == "true"


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
