"""The Mistral client against a fake Mistral API over real loopback HTTP."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import traceback
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from bot.errors import (
    MistralBroken,
    MistralError,
    MistralForbidden,
    MistralRateLimited,
    MistralRejectedKey,
    MistralUnreachable,
)
from bot.metrics import Metrics
from bot.mistral.client import MistralClient, build_http_client, parse_retry_after
from bot.mistral.models import ModelCard, ModelKind, summarize_models
from bot.mistral.probes import LimitStatus
from bot.mistral.ratelimits import Quota, RequestWindow
from bot.strings import Phrase
from tests.fakes.mistral_api import (
    FORBIDDEN,
    MALFORMED_JSON,
    MODEL_CARDS,
    UNAUTHORIZED,
    UNAUTHORIZED_2025,
    WRONG_SHAPE,
    FakeMistralAPI,
    Scenario,
    random_key,
    rate_limited,
    server_error,
)

SHORT_TIMEOUT = httpx.Timeout(0.3)


@pytest.fixture
async def mistral(mistral_api: FakeMistralAPI) -> AsyncIterator[MistralClient]:
    async with build_http_client(mistral_api.url, timeout=SHORT_TIMEOUT) as http:
        yield MistralClient(http, Metrics())


async def test_valid_key_lists_every_card_with_aliases_as_separate_entries(mistral, mistral_api):
    key = mistral_api.add_key()

    cards = await mistral.list_models(key)

    assert [card.id for card in cards] == [card["id"] for card in MODEL_CARDS]
    assert {c.name for c in cards if c.id.startswith("mistral-small")} == {"mistral-small-2603"}


async def test_key_is_sent_once_as_a_bearer_token_without_surrounding_whitespace(
    mistral, mistral_api
):
    key = mistral_api.add_key()

    await mistral.list_models(f"  {key}\n")

    [request] = mistral_api.requests
    assert (request.method, request.path, request.key) == ("GET", "/v1/models", key)
    assert request.key_headers == {"authorization"}


@pytest.mark.parametrize("reply", [UNAUTHORIZED, UNAUTHORIZED_2025], ids=["detail", "message"])
async def test_revoked_key_in_either_body_shape_is_reported_as_rejected(
    mistral, mistral_api, reply
):
    key = mistral_api.add_key(Scenario(reply=reply))

    with pytest.raises(MistralRejectedKey) as raised:
        await mistral.list_models(key)
    assert re.search("invalid, revoked or expired", _said(raised.value))


async def test_key_the_api_has_never_seen_is_rejected(mistral):
    with pytest.raises(MistralRejectedKey):
        await mistral.list_models(random_key())


async def test_forbidden_without_a_body_is_reported_as_forbidden(mistral, mistral_api):
    key = mistral_api.add_key(Scenario(reply=FORBIDDEN))

    with pytest.raises(MistralForbidden):
        await mistral.list_models(key)


@pytest.mark.parametrize("shape", ["2025", "2026"])
@pytest.mark.parametrize(
    ("retry_after", "expected"), [(None, None), ("7", 7.0), ("1.5", 1.5), ("soon", None)]
)
async def test_rate_limit_in_either_body_shape_carries_retry_after_when_given(
    mistral, mistral_api, shape, retry_after, expected
):
    key = mistral_api.add_key(Scenario(reply=rate_limited(shape, retry_after)))

    with pytest.raises(MistralRateLimited) as caught:
        await mistral.list_models(key)

    assert caught.value.retry_after == expected


@pytest.mark.parametrize(("retry_after", "words"), [("30", "30 seconds"), ("1", "1 second")])
async def test_rate_limit_message_says_how_long_to_wait(mistral, mistral_api, retry_after, words):
    key = mistral_api.add_key(Scenario(reply=rate_limited("2026", retry_after)))

    with pytest.raises(MistralRateLimited) as raised:
        await mistral.list_models(key)
    assert re.search(f"Try again in {words}\\.", _said(raised.value))


def test_retry_after_as_an_http_date_counts_seconds_from_now():
    now = datetime(2026, 8, 17, 12, 0, 0, tzinfo=UTC)

    assert parse_retry_after("Mon, 17 Aug 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Mon, 17 Aug 2026 11:59:00 GMT", now=now) == 0.0


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_reported_as_broken(mistral, mistral_api, status):
    key = mistral_api.add_key(Scenario(reply=server_error(status)))

    with pytest.raises(MistralBroken) as raised:
        await mistral.list_models(key)
    assert re.search(f"HTTP {status}", _said(raised.value))


@pytest.mark.parametrize("reply", [MALFORMED_JSON, WRONG_SHAPE], ids=["malformed", "bare-array"])
async def test_model_list_that_is_not_what_the_api_promises_is_reported_as_broken(
    mistral, mistral_api, reply
):
    key = mistral_api.add_key(Scenario(reply=reply))

    with pytest.raises(MistralBroken) as raised:
        await mistral.list_models(key)
    assert re.search("couldn't read", _said(raised.value))


async def test_slow_api_is_reported_as_unreachable_once_the_read_timeout_passes(
    mistral, mistral_api
):
    key = mistral_api.add_key(Scenario(delay=5.0))

    with pytest.raises(MistralUnreachable) as raised:
        await mistral.list_models(key)
    assert re.search("did not answer in time", _said(raised.value))


async def test_closed_port_is_reported_as_unreachable():
    async with build_http_client(f"http://127.0.0.1:{_closed_port()}") as http:
        with pytest.raises(MistralUnreachable) as raised:
            await MistralClient(http, Metrics()).list_models(random_key())
        assert re.search("couldn't reach", _said(raised.value))


@pytest.mark.parametrize("text", ["", "   ", "abc\ndef", "two words", "clé-privée", "k\x00y"])
async def test_text_that_cannot_be_a_key_is_rejected_without_a_request(mistral, mistral_api, text):
    with pytest.raises(MistralRejectedKey) as raised:
        await mistral.list_models(text)
    assert re.search("not a Mistral API key", _said(raised.value))

    assert mistral_api.requests == []


LEAKY_OUTCOMES = {
    "revoked": Scenario(reply=UNAUTHORIZED),
    "revoked-2025": Scenario(reply=UNAUTHORIZED_2025),
    "forbidden": Scenario(reply=FORBIDDEN),
    "rate-limited": Scenario(reply=rate_limited("2026", "3")),
    "server-error": Scenario(reply=server_error(503)),
    "malformed": Scenario(reply=MALFORMED_JSON),
    "wrong-shape": Scenario(reply=WRONG_SHAPE),
    "timeout": Scenario(delay=5.0),
}


@pytest.mark.parametrize("scenario", LEAKY_OUTCOMES.values(), ids=LEAKY_OUTCOMES.keys())
async def test_key_never_appears_in_errors_their_causes_or_logs(
    mistral, mistral_api, caplog, scenario
):
    caplog.set_level(logging.DEBUG)
    key = mistral_api.add_key(scenario)

    for call in (mistral.list_models, mistral.admin_rate_limits):
        with pytest.raises(MistralError) as caught:
            await call(key)
        _assert_no_key_in(caught.value, key, caplog)


async def test_key_never_appears_when_mistral_is_unreachable_or_the_key_is_unsendable(caplog):
    caplog.set_level(logging.DEBUG)
    key = random_key()
    async with build_http_client(f"http://127.0.0.1:{_closed_port()}") as http:
        client = MistralClient(http, Metrics())
        for attempt in (key, f"{key}\n{key}", f"{key}é"):
            with pytest.raises(MistralError) as caught:
                await client.admin_rate_limits(attempt)
            _assert_no_key_in(caught.value, key, caplog)


async def test_logs_name_the_key_by_its_last_four_characters_only(mistral, mistral_api, caplog):
    caplog.set_level(logging.INFO, logger="bot.mistral.client")
    key = mistral_api.add_key()

    await mistral.list_models(key)

    assert f"…{key[-4:]}" in caplog.text
    assert key[:-4] not in caplog.text


async def test_probe_sends_one_short_message_limited_to_one_token(mistral, mistral_api):
    key = mistral_api.add_key()

    await mistral.probe_chat(key, "mistral-small-latest")

    [request] = mistral_api.requests
    assert (request.method, request.path, request.model) == (
        "POST",
        "/v1/chat/completions",
        "mistral-small-latest",
    )
    assert request.body["max_tokens"] == 1
    assert [m["role"] for m in request.body["messages"]] == ["user"]


async def test_probe_reads_the_rate_limit_headers_of_the_model(mistral, mistral_api):
    key = mistral_api.add_key()

    reading = await mistral.probe_chat(key, "mistral-large-latest")

    assert reading.tokens_per_minute == Quota(limit=2_000_000, remaining=1_999_994)
    assert reading.request_windows == (RequestWindow(60, 59, window_seconds=10),)


async def test_probe_of_a_model_outside_the_plan_is_forbidden_and_names_the_model(
    mistral, mistral_api
):
    key = mistral_api.add_key(Scenario(chat={"mistral-large-latest": FORBIDDEN}))

    with pytest.raises(MistralForbidden) as raised:
        await mistral.probe_chat(key, "mistral-large-latest")
    assert re.search("mistral-large-latest", _said(raised.value))


async def test_admin_key_is_sent_both_as_bearer_and_as_x_api_key(mistral, mistral_api):
    key = mistral_api.add_key(Scenario(admin=True))

    await mistral.admin_rate_limits(key)

    [request] = mistral_api.requests
    assert request.path == "/v1/admin/rate-limit"
    assert request.key_headers == {"authorization", "x-api-key"}


async def test_admin_limits_become_one_reading_per_model(mistral, mistral_api):
    key = mistral_api.add_key(Scenario(admin=True))

    limits = (await mistral.admin_rate_limits(key)).model_limits()

    assert [item.model for item in limits] == [
        "codestral-2508",
        "mistral-large-2512",
        "mistral-small-2603",
    ]
    assert {item.status for item in limits} == {LimitStatus.OK}
    assert limits[0].reading.request_windows == (RequestWindow(5, None, window_seconds=1),)
    assert limits[0].reading.tokens_per_minute == Quota(limit=500_000)


async def test_ordinary_key_on_the_admin_api_is_told_it_needs_an_admin_key(mistral, mistral_api):
    key = mistral_api.add_key()

    with pytest.raises(MistralRejectedKey) as raised:
        await mistral.admin_rate_limits(key)
    assert re.search("Admin API key", _said(raised.value))


async def test_forbidden_on_the_admin_api_also_says_it_needs_an_admin_key(mistral, mistral_api):
    key = mistral_api.add_key(Scenario(reply=FORBIDDEN))

    with pytest.raises(MistralForbidden) as raised:
        await mistral.admin_rate_limits(key)
    assert re.search("Admin API key", _said(raised.value))


async def test_concurrent_checks_share_one_client_and_each_get_their_own_answer(
    mistral, mistral_api
):
    good, revoked = mistral_api.add_key(), mistral_api.add_key(Scenario(reply=UNAUTHORIZED))

    results = await asyncio.gather(
        *(mistral.list_models(key) for key in (good, revoked, good, revoked)),
        return_exceptions=True,
    )

    assert [type(result).__name__ for result in results] == [
        "list",
        "MistralRejectedKey",
        "list",
        "MistralRejectedKey",
    ]


def test_http_client_fails_fast_on_connect_and_waits_longer_to_read():
    http = build_http_client("https://api.mistral.ai")

    assert (http.timeout.connect, http.timeout.read) == (3.0, 8.0)
    assert http.base_url == httpx.URL("https://api.mistral.ai")


async def test_key_check_summary_counts_distinct_models_by_kind(mistral, mistral_api):
    summary = summarize_models(await mistral.list_models(mistral_api.add_key()))

    assert summary.total == 14
    assert dict(summary.counts) == {
        ModelKind.CHAT: 8,
        ModelKind.EMBEDDING: 2,
        ModelKind.OCR: 1,
        ModelKind.AUDIO: 2,
        ModelKind.OTHER: 1,
    }
    assert "mistral-small-latest" in summary.chat_models
    assert "magistral-small-latest" not in summary.chat_models
    assert [(d.name, d.replacement) for d in summary.deprecated] == [
        ("devstral-2512", "mistral-medium-3-5")
    ]


def test_chat_model_is_offered_by_the_latest_alias_closest_to_its_name():
    cards = [
        _card("mistral-small-2603", "mistral-small-2603"),
        _card("magistral-small-latest", "mistral-small-2603"),
        _card("mistral-small-latest", "mistral-small-2603"),
        _card("open-mistral-nemo", "open-mistral-nemo"),
    ]

    assert summarize_models(cards).chat_models == ("mistral-small-latest", "open-mistral-nemo")


@pytest.mark.parametrize(
    ("model_id", "capabilities", "kind"),
    [
        ("mistral-embed", {}, ModelKind.EMBEDDING),
        ("codestral-embed", {"classification": True}, ModelKind.EMBEDDING),
        ("mistral-ocr-latest", {"ocr": True, "vision": True}, ModelKind.OCR),
        ("voxtral-small-latest", {"completion_chat": True, "audio": True}, ModelKind.CHAT),
        ("voxtral-mini-tts-2603", {"audio_speech": True}, ModelKind.AUDIO),
        ("mistral-moderation-2603", {"moderation": True}, ModelKind.OTHER),
    ],
)
def test_model_kind_follows_capabilities(model_id, capabilities, kind):
    card = ModelCard.model_validate({"id": model_id, "capabilities": capabilities})

    assert summarize_models([card]).counts[kind] == 1


def _card(model_id: str, name: str) -> ModelCard:
    capabilities = {"completion_chat": True, "a_flag_from_the_future": True}
    return ModelCard.model_validate(
        {"id": model_id, "name": name, "capabilities": capabilities, "new_field": 1}
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _assert_no_key_in(error: BaseException, key: str, caplog: pytest.LogCaptureFixture) -> None:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    texts = [text for e in chain for text in (str(e), repr(e), repr(e.args))]
    texts.append("".join(traceback.format_exception(error)))
    texts.extend(record.getMessage() for record in caplog.records)
    assert not [text for text in texts if key in text]


def _said(error: MistralError) -> str:
    """What a person reads about an error from the client, in English."""
    return Phrase.of_error(error).said("en")
