"""Requests as Slack sends them: signed HTTP bodies and Socket Mode envelopes.

Shapes follow the payloads in bolt-python's scenario tests; see
slack-ecosystem.md section 3.3. Every builder returns a `SignedRequest` whose
`body` and `headers` go to the HTTP endpoint as they are, and whose `payload`
is what Socket Mode would carry instead.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qsl, urlencode

from slack_bolt.request.async_request import AsyncBoltRequest

SIGNING_SECRET = "test-signing-secret"
# A deployment's TOKEN_ENCRYPTION_KEYS for "Add to Slack" (tests and benchmarks only).
TOKEN_KEY = "FpYrlsRpuv_C8SirOPg0Ho__PIpaLnNy7PCgSWAZQ-c="
VERIFICATION_TOKEN = "legacy-verification-token"
TEAM = "T111"
USER = "U111"
CHANNEL = "C111"
IM_CHANNEL = "D111"
API_APP_ID = "A111"
BOT_USER_ID = "UBOT"
COMMAND = "/mistral-setup"
# A closed loopback port: a test that forgets to pass the fake's response_url fails
# fast on connection refused instead of reaching hooks.slack.com.
UNREACHABLE_RESPONSE_URL = "http://127.0.0.1:9/commands/T111/111/xxxxx"
# Slack's SignatureVerifier rejects timestamps more than five minutes from now.
STALE_AFTER_SECONDS = 5 * 60

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

SocketModeKind = Literal["slash_commands", "interactive", "events_api"]

_serials = itertools.count(1)


class SignedRequest(NamedTuple):
    """A body and the headers Slack sends with it, signature included."""

    body: str
    headers: dict[str, str]

    @property
    def payload(self) -> dict[str, Any]:
        """The same request as Socket Mode delivers it: a dict, not a signed string."""
        if self.headers["Content-Type"] == JSON:
            decoded: dict[str, Any] = json.loads(self.body)
            return decoded
        form = dict(parse_qsl(self.body, keep_blank_values=True))
        if "payload" in form:
            interactive: dict[str, Any] = json.loads(form["payload"])
            return interactive
        return form


def sign(
    body: str | bytes, secret: str = SIGNING_SECRET, timestamp: str | None = None
) -> dict[str, str]:
    """The two signing headers, computed as Slack does: v0=HMAC-SHA256(secret, v0:ts:body).

    Sign with a different secret for a bad signature, or pass `stale_timestamp()`.
    A `bytes` body is signed as it is, so even bytes that are not UTF-8 carry a good signature.
    """
    ts = timestamp if timestamp is not None else str(int(time.time()))
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), b"v0:%s:%s" % (ts.encode(), raw), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def stale_timestamp() -> str:
    """A timestamp just outside Slack's five-minute replay window."""
    return str(int(time.time()) - STALE_AFTER_SECONDS - 60)


def slash_command(
    text: str,
    *,
    command: str = COMMAND,
    user: str = USER,
    team: str = TEAM,
    enterprise: str | None = None,
    org_wide: bool = False,
    channel: str = CHANNEL,
    response_url: str = UNREACHABLE_RESPONSE_URL,
    trigger_id: str | None = None,
    secret: str = SIGNING_SECRET,
    timestamp: str | None = None,
) -> SignedRequest:
    """A slash command invocation, form-encoded like Slack's (``enterprise`` on Grid,
    ``org_wide`` for an app installed for the whole organisation)."""
    fields = {
        **({"enterprise_id": enterprise} if enterprise else {}),
        "token": VERIFICATION_TOKEN,
        "team_id": team,
        "team_domain": "test",
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "true" if org_wide else "false",
        "response_url": response_url,
        "trigger_id": trigger_id or _trigger_id(),
    }
    return _signed(urlencode(fields), FORM, secret, timestamp)


def block_action(
    action_id: str,
    value: str,
    *,
    block_id: str | None = None,
    user: str = USER,
    team: str = TEAM,
    org: str | None = None,
    channel: str = CHANNEL,
    container: dict[str, Any] | None = None,
    response_url: str = UNREACHABLE_RESPONSE_URL,
    trigger_id: str | None = None,
    view: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    selected: bool = False,
    feedback: bool = False,
    secret: str = SIGNING_SECRET,
    timestamp: str | None = None,
) -> SignedRequest:
    """A button click in a message, or in `view` (a modal or the Home tab) when given.

    Clicks in views carry the view and no channel, message or response_url, as in Slack.
    With `selected`, it is a choice in a static select menu whose option value is `value`;
    with `feedback`, a click on one of Slack's feedback buttons whose value is `value`.
    With `org`, the app is installed org-wide there (`team` is the user's workspace).
    """
    message_ts = _ts()
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or _trigger_id(),
        "team": {"id": team, "domain": "test", **({"enterprise_id": org} if org else {})},
        "enterprise": {"id": org, "name": org} if org else None,
        "is_enterprise_install": org is not None,
        "actions": [_action(action_id, value, block_id, selected=selected, feedback=feedback)],
    }
    if view is not None:
        payload["container"] = container or {"type": "view", "view_id": view.get("id", "")}
        payload["view"] = view
    else:
        payload["container"] = container or {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel, "name": "general"}
        payload["message"] = message or {
            "type": "message",
            "user": BOT_USER_ID,
            "ts": message_ts,
            "text": "",
        }
        payload["response_url"] = response_url
    return _interactive(payload, secret, timestamp)


def _action(
    action_id: str, value: str, block_id: str | None, *, selected: bool, feedback: bool
) -> dict[str, Any]:
    if selected:
        return _select(action_id, value, block_id)
    action = _button(action_id, value, block_id)
    if feedback:  # what Slack sends for a feedback_buttons element (FeedbackButtonsAction)
        action["type"] = "feedback_buttons"
    return action


def _button(action_id: str, value: str, block_id: str | None) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id or action_id,
        "text": {"type": "plain_text", "text": value, "emoji": True},
        "value": value,
        "action_ts": _ts(),
    }


def _select(action_id: str, value: str, block_id: str | None) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}
    return {
        "type": "static_select",
        "action_id": action_id,
        "block_id": block_id or action_id,
        "selected_option": option,
        "action_ts": _ts(),
    }


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, str | dict[str, Any]]],
    *,
    user: str = USER,
    team: str = TEAM,
    org: str | None = None,
    private_metadata: str = "",
    view_id: str | None = None,
    secret: str = SIGNING_SECRET,
    timestamp: str | None = None,
) -> SignedRequest:
    """A modal submission; `values` maps block_id -> action_id -> state. With `org`, the
    app is installed org-wide there, and Slack names no team but the user's.

    A string state stands for a `plain_text_input` with that value; a dict is used
    as given (e.g. `{"type": "static_select", "selected_option": {...}}`).
    """
    state = {
        block_id: {action_id: _input_state(entry) for action_id, entry in actions.items()}
        for block_id, actions in values.items()
    }
    blocks = [
        {
            "type": "input",
            "block_id": block_id,
            "label": {"type": "plain_text", "text": block_id},
            "element": {"type": entry["type"], "action_id": action_id},
        }
        for block_id, actions in state.items()
        for action_id, entry in actions.items()
    ]
    view_id = view_id or f"V{next(_serials):010d}"
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": None if org else {"id": team, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "title": {"type": "plain_text", "text": "Mistral setup"},
            "blocks": blocks,
            "state": {"values": state},
            "hash": f"{_ts()}.hash",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": API_APP_ID,
            "bot_id": "BBOT",
        },
        # No input opts into response_url_enabled, so Slack sends none (section 2.4).
        "response_urls": [],
        "is_enterprise_install": org is not None,
        "enterprise": {"id": org, "name": org} if org else None,
    }
    return _interactive(payload, secret, timestamp)


def event_callback(
    event: dict[str, Any],
    *,
    event_id: str | None = None,
    team: str = TEAM,
    enterprise: str | None = None,
    org_wide: bool = False,
    bot_user: str = BOT_USER_ID,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    secret: str = SIGNING_SECRET,
    timestamp: str | None = None,
) -> SignedRequest:
    """An Events API delivery wrapping `event`; `retry_num` marks it as Slack's retry.

    Reuse the `event_id` of the first delivery when simulating a retry, as Slack does.
    """
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team,
        **({"enterprise_id": enterprise} if enterprise else {}),
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_serials):08d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": enterprise,
                "team_id": None if org_wide else team,
                "user_id": bot_user,
                "is_bot": True,
                "is_enterprise_install": org_wide,
            }
        ],
        "is_ext_shared_channel": False,
    }
    request = _signed(json.dumps(envelope), JSON, secret, timestamp)
    if retry_num is not None:
        request.headers["X-Slack-Retry-Num"] = str(retry_num)
        request.headers["X-Slack-Retry-Reason"] = retry_reason
    return request


def app_mention(
    text: str,
    *,
    user: str = USER,
    channel: str = CHANNEL,
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """An `app_mention` event; `text` should contain `<@UBOT>` as Slack's does."""
    return _with_thread(
        {
            "type": "app_mention",
            "user": user,
            "text": text,
            "ts": ts or _ts(),
            "channel": channel,
            "team": TEAM,
        },
        thread_ts,
    )


def message_event(
    text: str,
    *,
    user: str = USER,
    channel: str = CHANNEL,
    channel_type: Literal["channel", "group", "im", "mpim"] = "channel",
    ts: str | None = None,
    thread_ts: str | None = None,
    bot_id: str | None = None,
    subtype: str | None = None,
) -> dict[str, Any]:
    """A `message` event; set `bot_id` or `subtype` for messages the bot should skip."""
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts or _ts(),
        "channel": channel,
        "channel_type": channel_type,
        "team": TEAM,
    }
    if bot_id is not None:
        event["bot_id"] = bot_id
    if subtype is not None:
        event["subtype"] = subtype
    return _with_thread(event, thread_ts)


def im_message(
    text: str,
    *,
    user: str = USER,
    channel: str = IM_CHANNEL,
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """A direct message to the bot (the Messages tab); in a thread when `thread_ts` is given."""
    return message_event(
        text, user=user, channel=channel, channel_type="im", ts=ts, thread_ts=thread_ts
    )


def app_home_opened(
    *, user: str = USER, channel: str = IM_CHANNEL, tab: Literal["home", "messages"] = "home"
) -> dict[str, Any]:
    """An `app_home_opened` event for `user` opening the given tab."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": _ts(),
    }


def socket_mode_envelope(
    kind: SocketModeKind,
    payload: dict[str, Any],
    *,
    envelope_id: str | None = None,
    retry_attempt: int = 0,
    retry_reason: str = "",
) -> dict[str, Any]:
    """The frame Socket Mode delivers for `payload` (e.g. `SignedRequest.payload`)."""
    envelope: dict[str, Any] = {
        "envelope_id": envelope_id or f"envelope-{next(_serials)}",
        "type": kind,
        "payload": payload,
        # Slack takes a reply payload for commands and interactions, not for events.
        "accepts_response_payload": kind != "events_api",
    }
    if kind == "events_api":
        envelope["retry_attempt"] = retry_attempt
        envelope["retry_reason"] = retry_reason
    return envelope


def socket_mode_request(envelope: dict[str, Any]) -> AsyncBoltRequest:
    """The AsyncBoltRequest Bolt's Socket Mode adapter builds from `envelope`.

    Mirrors `slack_bolt.adapter.socket_mode.async_internals.run_async_bolt_app`,
    which turns the retry fields into the HTTP retry headers.
    """
    headers: dict[str, str | Sequence[str]] = {}
    if envelope.get("retry_attempt") is not None:
        headers["x-slack-retry-num"] = str(envelope["retry_attempt"])
    if envelope.get("retry_reason") is not None:
        headers["x-slack-retry-reason"] = str(envelope["retry_reason"])
    return AsyncBoltRequest(mode="socket_mode", body=envelope["payload"], headers=headers or None)


def _signed(body: str, content_type: str, secret: str, timestamp: str | None) -> SignedRequest:
    return SignedRequest(body, {"Content-Type": content_type, **sign(body, secret, timestamp)})


def _interactive(payload: dict[str, Any], secret: str, timestamp: str | None) -> SignedRequest:
    return _signed(urlencode({"payload": json.dumps(payload)}), FORM, secret, timestamp)


def _input_state(entry: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(entry, str):
        return {"type": "plain_text_input", "value": entry}
    return entry


def _with_thread(event: dict[str, Any], thread_ts: str | None) -> dict[str, Any]:
    event["event_ts"] = event["ts"]
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def _ts() -> str:
    return f"{int(time.time())}.{next(_serials):06d}"


def _trigger_id() -> str:
    serial = next(_serials)
    return f"{serial}.{serial}.{serial:032x}"
