"""The test doubles behave like Slack: fake Web API, signed requests, Block Kit checks."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.say.async_say import AsyncSay
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.blockkit import assert_no_broadcast, assert_valid_blocks, assert_valid_view
from tests.fakes.certificate import Certificate
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_requests import (
    SIGNING_SECRET,
    app_mention,
    block_action,
    event_callback,
    sign,
    slash_command,
    socket_mode_envelope,
    socket_mode_request,
    stale_timestamp,
    view_submission,
)

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Step 1*: register"}}]


def client_for(fake: FakeSlackApi, **kwargs: Any) -> AsyncWebClient:
    return AsyncWebClient(base_url=fake.url, token="xoxb-test", **kwargs)


def app_for(fake: FakeSlackApi) -> AsyncApp:
    return AsyncApp(client=client_for(fake), signing_secret=SIGNING_SECRET)


def http_request(body: str, headers: dict[str, str]) -> AsyncBoltRequest:
    return AsyncBoltRequest(body=body, headers=dict(headers))


# The fake Web API


async def test_post_message_is_recorded_with_token_and_decoded_blocks(
    slack_api: FakeSlackApi,
) -> None:
    response = await client_for(slack_api).chat_postMessage(
        channel="C111", text="hi", blocks=BLOCKS
    )

    call = slack_api.last("chat.postMessage")
    assert (call.args["channel"], call.args["text"], call.args["blocks"]) == ("C111", "hi", BLOCKS)
    assert call.token == "xoxb-test"
    assert response["ts"] == response["message"]["ts"]


async def test_form_encoded_json_arguments_are_decoded(slack_api: FakeSlackApi) -> None:
    await client_for(slack_api).api_call(
        "chat.postMessage", data={"channel": "C111", "blocks": json.dumps(BLOCKS)}
    )

    assert slack_api.last("chat.postMessage").args["blocks"] == BLOCKS


async def test_post_message_to_a_user_answers_with_their_dm_channel(
    slack_api: FakeSlackApi,
) -> None:
    response = await client_for(slack_api).chat_postMessage(channel="U222", text="hi")

    assert response["channel"] == "D222"


async def test_users_info_reports_admin_and_locale_only_when_asked(
    slack_api: FakeSlackApi,
) -> None:
    slack_api.add_user("U222", is_admin=True, locale="it-IT")
    client = client_for(slack_api)

    with_locale = await client.users_info(user="U222", include_locale=True)
    without_locale = await client.users_info(user="U222")

    assert (with_locale["user"]["is_admin"], with_locale["user"]["locale"]) == (True, "it-IT")
    assert "locale" not in without_locale["user"]


async def test_views_open_answers_with_a_view_id(slack_api: FakeSlackApi) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Key"}, "blocks": BLOCKS}

    response = await client_for(slack_api).views_open(trigger_id="1.1.x", view=view)

    assert response["view"]["id"].startswith("V")
    assert slack_api.last("views.open").args["view"] == view


async def test_call_without_token_is_not_authed(slack_api: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError) as raised:
        await AsyncWebClient(base_url=slack_api.url).auth_test()

    assert raised.value.response["error"] == "not_authed"


async def test_injected_error_fails_once_then_the_method_recovers(
    slack_api: FakeSlackApi,
) -> None:
    slack_api.fail_next("chat.postMessage", error="channel_not_found")
    client = client_for(slack_api)

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C404", text="hi")
    recovered = await client.chat_postMessage(channel="C404", text="hi")

    assert raised.value.response["error"] == "channel_not_found"
    assert recovered["ok"]


async def test_expired_trigger_fails_views_open(slack_api: FakeSlackApi) -> None:
    slack_api.fail_views_open_with("expired_trigger_id")

    with pytest.raises(SlackApiError) as raised:
        await client_for(slack_api).views_open(trigger_id="1.1.x", view={"type": "modal"})

    assert raised.value.response["error"] == "expired_trigger_id"


async def test_server_error_surfaces_its_status(slack_api: FakeSlackApi) -> None:
    slack_api.fail_next("chat.postMessage", status=500)

    with pytest.raises(SlackApiError) as raised:
        await client_for(slack_api).chat_postMessage(channel="C111", text="hi")

    assert raised.value.response.status_code == 500


async def test_rate_limit_is_retried_after_retry_after(slack_api: FakeSlackApi) -> None:
    slack_api.fail_next("chat.postMessage", status=429, retry_after=1)
    client = client_for(
        slack_api, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
    )
    started = time.monotonic()

    response = await client.chat_postMessage(channel="C111", text="hi")

    assert response["ok"]
    assert len(slack_api.calls("chat.postMessage")) == 2
    assert time.monotonic() - started >= 1.0


async def test_wait_for_names_what_arrived_when_it_times_out(slack_api: FakeSlackApi) -> None:
    await client_for(slack_api).auth_test()

    with pytest.raises(AssertionError, match=r"got 0; recorded: \['auth.test'\]"):
        await slack_api.wait_for("chat.postMessage", timeout=0.05)


async def test_clear_forgets_calls_and_failures(slack_api: FakeSlackApi) -> None:
    client = client_for(slack_api)
    await client.auth_test()
    slack_api.fail_next("auth.test", error="invalid_auth")

    slack_api.clear()
    await client.auth_test()

    assert [call.method for call in slack_api.calls()] == ["auth.test"]


def test_calls_share_one_kept_alive_connection(slack_api: FakeSlackApi) -> None:
    host, port = slack_api.url.removeprefix("http://").strip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    sockets = []
    for text in ("one", "two"):
        body = json.dumps({"text": text})
        connection.request("POST", "/response/keep", body, {"Content-Type": "application/json"})
        connection.getresponse().read()
        sockets.append(connection.sock)  # None once a server closed the connection
    connection.close()

    assert sockets[0] is not None
    assert sockets[0] is sockets[1]
    assert [post.body["text"] for post in slack_api.responses] == ["one", "two"]


def test_stopping_the_fake_ends_its_kept_alive_connections() -> None:
    with FakeSlackApi() as fake:
        host, port = fake.url.removeprefix("http://").strip("/").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.request("GET", "/api/auth.test", headers={"Authorization": "Bearer x"})
        connection.getresponse().read()
        kept = connection.sock
    try:
        assert kept is not None
        assert kept.recv(1) == b""  # the end of the stream, not a wait for more
    finally:
        connection.close()


async def test_with_tls_the_fake_speaks_https_to_a_client_trusting_its_certificate(
    tmp_path: Path,
) -> None:
    certificate = Certificate.make(tmp_path)

    with FakeSlackApi(tls=certificate.server_context()) as fake:
        client = AsyncWebClient(base_url=fake.url, token="xoxb-test")
        trusting = AsyncWebClient(
            base_url=fake.url, token="xoxb-test", ssl=certificate.client_context()
        )
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await client.auth_test()
        response = await trusting.auth_test()
        url = fake.url

    assert url.startswith("https://127.0.0.1:")
    assert response["ok"]


# Through Bolt: HTTP mode, respond() and Socket Mode


async def test_slash_command_reaches_bolt_and_respond_reaches_the_fake(
    slack_api: FakeSlackApi,
) -> None:
    app = app_for(slack_api)

    @app.command("/mistral-setup")
    async def setup(ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        await ack()
        await respond(f"you said {command['text']}")

    request = slash_command("status", response_url=slack_api.response_url("cmd-1"))
    response = await app.async_dispatch(http_request(*request))
    posts = await slack_api.wait_for_responses()

    assert response.status == 200
    assert (posts[0].path, posts[0].body["text"]) == ("/response/cmd-1", "you said status")
    assert len(slack_api.calls("auth.test")) == 1


async def test_badly_signed_or_stale_request_gets_401(slack_api: FakeSlackApi) -> None:
    app = app_for(slack_api)
    forged = slash_command("status", secret="not-the-secret")
    stale = slash_command("status", timestamp=stale_timestamp())

    forged_response = await app.async_dispatch(http_request(*forged))
    stale_response = await app.async_dispatch(http_request(*stale))

    assert (forged_response.status, stale_response.status) == (401, 401)


async def test_block_action_and_view_submission_reach_their_listeners(
    slack_api: FakeSlackApi,
) -> None:
    app = app_for(slack_api)
    seen: list[str] = []

    @app.action("step_done")
    async def step_done(ack: AsyncAck, action: dict[str, Any]) -> None:
        await ack()
        seen.append(action["value"])

    @app.view("api_key")
    async def api_key(ack: AsyncAck, view: dict[str, Any]) -> None:
        seen.append(view["state"]["values"]["key"]["key"]["value"])
        await ack(response_action="errors", errors={"key": "That key is not valid."})

    click = await app.async_dispatch(http_request(*block_action("step_done", "register")))
    submit = await app.async_dispatch(
        http_request(*view_submission("api_key", {"key": {"key": "sk-test"}}))
    )

    assert (click.status, submit.status) == (200, 200)
    assert json.loads(submit.body)["errors"] == {"key": "That key is not valid."}
    assert seen == ["register", "sk-test"]


async def test_socket_mode_event_reaches_listener_with_retry_count(
    slack_api: FakeSlackApi,
) -> None:
    app = app_for(slack_api)
    retries: list[Sequence[str]] = []

    @app.event("app_mention")
    async def mention(event: dict[str, Any], say: AsyncSay, request: AsyncBoltRequest) -> None:
        # Bolt for Python keeps Slack's retry count in the headers, not in the context.
        retries.append(request.headers.get("x-slack-retry-num", []))
        await say(text="hello", thread_ts=event["ts"])

    payload = event_callback(app_mention("<@UBOT> hi")).payload
    envelope = socket_mode_envelope("events_api", payload, retry_attempt=1, retry_reason="timeout")
    response = await app.async_dispatch(socket_mode_request(envelope))
    [call] = await slack_api.wait_for("chat.postMessage")

    assert response.status == 200
    assert (call.args["channel"], call.args["text"]) == ("C111", "hello")
    assert retries == [["1"]]


def test_event_retry_headers_are_set_like_slacks() -> None:
    request = event_callback(app_mention("<@UBOT> hi"), event_id="Ev1", retry_num=2)

    assert request.headers["X-Slack-Retry-Num"] == "2"
    assert request.payload["event_id"] == "Ev1"


# Signing


def test_signature_verifies_with_slack_sdk() -> None:
    body, headers = slash_command("status")

    assert SignatureVerifier(SIGNING_SECRET).is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


def test_stale_signature_does_not_verify() -> None:
    headers = sign("payload=%7B%7D", timestamp=stale_timestamp())

    assert not SignatureVerifier(SIGNING_SECRET).is_valid(
        "payload=%7B%7D", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


# Block Kit checks


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_valid_blocks_pass() -> None:
    assert_valid_blocks([*BLOCKS, {"type": "divider"}])


def test_section_text_over_3000_characters_is_rejected() -> None:
    with pytest.raises(AssertionError, match="3000"):
        assert_valid_blocks([section("x" * 3001)])


def test_unknown_block_type_is_rejected() -> None:
    with pytest.raises(AssertionError, match="unknown type 'sektion'"):
        assert_valid_blocks([{"type": "sektion", "text": "hi"}])


def test_misspelt_field_is_rejected() -> None:
    block = {**section("hi"), "acessory": {"type": "button"}}

    with pytest.raises(AssertionError, match=r"blocks\[0\]\.acessory"):
        assert_valid_blocks([block])


def test_message_takes_at_most_50_blocks_and_home_100() -> None:
    blocks = [{"type": "divider"}] * 51

    assert_valid_blocks(blocks, surface="home")
    with pytest.raises(AssertionError, match="at most 50"):
        assert_valid_blocks(blocks)


def test_modal_with_input_needs_submit() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "API key"},
        "blocks": [
            {
                "type": "input",
                "block_id": "key",
                "label": {"type": "plain_text", "text": "Key"},
                "element": {"type": "plain_text_input", "action_id": "key"},
            }
        ],
    }

    with pytest.raises(AssertionError, match="needs submit"):
        assert_valid_view(view)
    assert_valid_view({**view, "submit": {"type": "plain_text", "text": "Check"}})


@pytest.mark.parametrize(
    "text",
    ["<!here> look", "<!channel|@channel>", "<!everyone>", "hi <@U999>", "<!subteam^S1|@ops>"],
)
def test_broadcasts_and_mentions_are_flagged(text: str) -> None:
    with pytest.raises(AssertionError, match="would notify"):
        assert_no_broadcast([section(text)])


def test_rich_text_broadcast_is_flagged() -> None:
    block = {
        "type": "rich_text",
        "elements": [
            {"type": "rich_text_section", "elements": [{"type": "broadcast", "range": "here"}]}
        ],
    }

    with pytest.raises(AssertionError, match="<!here>"):
        assert_no_broadcast([block])


def test_allowlisted_escalation_mention_passes() -> None:
    args = {"text": "Asking <!subteam^S0ONCALL|@oncall>", "blocks": [section("cc <@U0ESCAL>")]}

    assert_no_broadcast(args, allow=["<!subteam^S0ONCALL>", "U0ESCAL"])


@given(st.text())
def test_escaped_text_never_notifies(text: str) -> None:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    assert_no_broadcast([section(escaped)])


async def test_the_fake_slack_takes_a_file_as_files_upload_v2_sends_it(
    slack_api: FakeSlackApi,
) -> None:
    client = AsyncWebClient(token="xoxb-test-token", base_url=slack_api.url)

    await client.files_upload_v2(
        content=b"\x89PNG chart", filename="team.png", title="Team", channel="D111"
    )

    [upload] = slack_api.uploads
    assert (upload.content, upload.filename, upload.channel) == (
        b"\x89PNG chart",
        "team.png",
        "D111",
    )
    assert upload.token == "xoxb-test-token"
