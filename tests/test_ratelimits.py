"""Rate-limit headers of every family, per-model probes, and what the figures mean."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.limits import ASSUMPTIONS, LimitsDescription, describe_limits, messages_per_minute
from bot.errors import MistralRejectedKey
from bot.metrics import Metrics
from bot.mistral.client import MistralClient, build_http_client
from bot.mistral.probes import LimitStatus, ModelLimits, probe_limits
from bot.mistral.ratelimits import Quota, RateLimitReading, RequestWindow, parse_rate_limit_headers
from bot.strings import Language, Phrase
from tests.fakes.mistral_api import (
    FORBIDDEN,
    UNAUTHORIZED,
    FakeMistralAPI,
    Scenario,
    json_reply,
    rate_limited,
)


@pytest.fixture
async def mistral(mistral_api: FakeMistralAPI) -> AsyncIterator[MistralClient]:
    async with build_http_client(mistral_api.url, timeout=httpx.Timeout(2.0)) as http:
        yield MistralClient(http, Metrics())


def test_2026_family_gives_tokens_per_minute_and_month_and_requests_per_minute():
    reading = parse_rate_limit_headers(
        {
            "x-ratelimit-limit-tokens-minute": "5000000",
            "x-ratelimit-remaining-tokens-minute": "4999948",
            "x-ratelimit-limit-tokens-month": "10000000000",
            "x-ratelimit-remaining-tokens-month": "9999999948",
            "x-ratelimit-limit-req-minute": "720",
            "x-ratelimit-remaining-req-minute": "719",
            "x-ratelimit-tokens-query-cost": "52",
            "content-type": "application/json",
        }
    )

    assert reading == RateLimitReading(
        tokens_per_minute=Quota(5_000_000, 4_999_948),
        tokens_per_month=Quota(10_000_000_000, 9_999_999_948),
        request_windows=(RequestWindow(720, 719, window_seconds=60),),
        query_cost=52,
    )


@pytest.mark.parametrize(
    ("suffix", "seconds"),
    [("req-minute", 60), ("req-60-second", 60), ("req-10-second", 10), ("req-second", 1)],
)
def test_every_request_window_is_kept_with_its_length_in_seconds(suffix, seconds):
    reading = parse_rate_limit_headers({f"X-Ratelimit-Limit-{suffix.title()}": "60"})

    assert reading.request_windows == (RequestWindow(60, None, window_seconds=seconds),)


def test_five_minute_token_window_gets_its_own_field_instead_of_a_faked_minute():
    reading = parse_rate_limit_headers(
        {
            "X-Ratelimit-Limit-Tokens-5-Minute": "600000",
            "X-Ratelimit-Remaining-Tokens-5-Minute": "599000",
        }
    )

    assert reading.tokens_per_5_minutes == Quota(600_000, 599_000)
    assert reading.tokens_per_minute is None


def test_2025_ratelimitbysize_family_is_read_as_tokens():
    reading = parse_rate_limit_headers(
        {
            "ratelimitbysize-limit": "500000",
            "ratelimitbysize-remaining": "468000",
            "ratelimitbysize-reset": "3",
            "ratelimitbysize-query-cost": "32000",
            "x-ratelimitbysize-limit-minute": "500000",
            "x-ratelimitbysize-remaining-minute": "468000",
            "x-ratelimitbysize-limit-month": "1000000000",
            "x-ratelimitbysize-remaining-month": "999968000",
        }
    )

    assert reading == RateLimitReading(
        tokens_per_minute=Quota(500_000, 468_000),
        tokens_per_month=Quota(1_000_000_000, 999_968_000),
        query_cost=32_000,
        reset_seconds=3,
    )


def test_unknown_or_unreadable_ratelimit_headers_are_kept_raw():
    reading = parse_rate_limit_headers(
        {
            "x-ratelimit-limit-ocr-pages-minute": "100",
            "x-ratelimit-limit-tokens-7-minute": "1",
            "x-ratelimit-limit-req-minute": "lots",
            "x-kong-request-id": "abc",
        }
    )

    assert reading.unrecognised == {
        "x-ratelimit-limit-ocr-pages-minute": "100",
        "x-ratelimit-limit-tokens-7-minute": "1",
        "x-ratelimit-limit-req-minute": "lots",
    }
    assert reading.request_windows == ()


def test_response_without_ratelimit_headers_is_an_empty_reading():
    assert parse_rate_limit_headers({"content-type": "application/json"}).is_empty


@given(st.dictionaries(st.text(), st.text()))
def test_parsing_never_crashes_and_loses_no_ratelimit_header(headers):
    reading = parse_rate_limit_headers(headers)

    assert set(reading.unrecognised) <= {name.lower() for name in headers}


def test_tokens_per_minute_are_told_as_aisuru_messages_at_ten_thousand_tokens_each():
    limits = _ok(RateLimitReading(tokens_per_minute=Quota(2_000_000, 1_999_000)))

    description = describe_limits(limits)

    assert _said(description) == (
        "mistral-small-latest: about 200 AIsuru messages a minute at most.",
        "Tokens per minute: 2,000,000 (1,999,000 left), about 200 AIsuru messages a minute.",
    )
    assert _said(description, "it") == (
        "mistral-small-latest: circa 200 messaggi di AIsuru al minuto al massimo.",
        "Token al minuto: 2.000.000 (ne restano 1.999.000), "
        "circa 200 messaggi di AIsuru al minuto.",
    )


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (
            RequestWindow(720, None, 60),
            "Requests: 720 a minute, about 72 AIsuru messages a minute.",
        ),
        (
            RequestWindow(60, 59, 10),
            "Requests: 60 every 10 seconds (59 left), about 36 AIsuru messages a minute.",
        ),
        (RequestWindow(1, None, 1), "Requests: 1 a second, about 6 AIsuru messages a minute."),
    ],
)
def test_requests_are_told_as_aisuru_messages_at_ten_requests_each(window, expected):
    description = describe_limits(_ok(RateLimitReading(request_windows=(window,))))

    assert _said(description)[1:] == (expected,)


def test_headline_names_the_tightest_limit():
    reading = RateLimitReading(
        tokens_per_5_minutes=Quota(600_000),
        request_windows=(RequestWindow(360, None, 60),),
    )

    assert messages_per_minute(reading) == 12.0
    assert _said(describe_limits(_ok(reading)))[1] == (
        "Tokens per 5 minutes: 600,000, about 60 AIsuru messages every 5 minutes."
    )


def test_a_limit_of_zero_says_the_model_is_not_available():
    description = describe_limits(_ok(RateLimitReading(tokens_per_minute=Quota(0, 0))))

    assert "not available to this key" in _said(description)[0]


def test_a_small_limit_says_less_than_one_message():
    description = describe_limits(_ok(RateLimitReading(tokens_per_minute=Quota(5_000))))

    assert "less than one AIsuru message a minute" in _said(description)[0]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (LimitStatus.RATE_LIMITED, "rate limited right now"),
        (LimitStatus.FORBIDDEN, "may not use it"),
        (LimitStatus.ERROR, "couldn't read"),
    ],
)
def test_models_without_figures_say_why(status, words):
    because = Phrase.of("mistral_forbidden")
    description = describe_limits(ModelLimits("devstral-latest", status, message=because))

    headline, *details = _said(description)
    assert words in headline
    assert details == [because.said("en")]


def test_no_figures_at_all_points_to_the_limits_page():
    description = describe_limits(_ok(RateLimitReading()))

    assert "https://admin.mistral.ai/plateforme/limits" in _said(description)[0]


def test_assumptions_are_stated_for_the_reader():
    assert "10 requests" in ASSUMPTIONS.said("en")
    assert "(10,000 tokens)" in ASSUMPTIONS.said("en")
    assert "(10.000 token)" in ASSUMPTIONS.said("it")


async def test_probe_sends_exactly_one_request_per_model(mistral, mistral_api):
    key = mistral_api.add_key()
    models = ["mistral-small-latest", "mistral-medium-latest", "codestral-latest"]

    limits = await probe_limits(mistral, key, models)

    assert [r.model for r in mistral_api.requests_for(key)] == models
    assert [item.model for item in limits] == models
    assert {item.status for item in limits} == {LimitStatus.OK}
    assert limits[1].reading.tokens_per_5_minutes == Quota(600_000, 599_994)
    assert limits[2].reading.reset_seconds == 3


async def test_probe_records_each_model_it_could_not_read_and_carries_on(mistral, mistral_api):
    zero = {"x-ratelimit-limit-tokens-minute": "0", "x-ratelimit-remaining-tokens-minute": "0"}
    key = mistral_api.add_key(
        Scenario(
            chat={
                "mistral-large-latest": FORBIDDEN,
                "devstral-latest": rate_limited("2026"),
                "codestral-latest": json_reply(503, {"message": "Service unavailable"}),
            },
            chat_headers={"ministral-8b-latest": zero},
        )
    )
    models = [
        "mistral-large-latest",
        "devstral-latest",
        "codestral-latest",
        "ministral-8b-latest",
        "mistral-embed",
    ]

    limits = await probe_limits(mistral, key, models)

    assert [item.status for item in limits] == [
        LimitStatus.FORBIDDEN,
        LimitStatus.RATE_LIMITED,
        LimitStatus.ERROR,
        LimitStatus.OK,
        LimitStatus.ERROR,  # chat with an embedding model: 400 invalid model
    ]
    assert "not available" in _said(describe_limits(limits[3]))[0]


async def test_probe_stops_at_the_first_model_when_the_key_is_rejected(mistral, mistral_api):
    key = mistral_api.add_key(Scenario(reply=UNAUTHORIZED))

    with pytest.raises(MistralRejectedKey):
        await probe_limits(mistral, key, ["mistral-small-latest", "mistral-large-latest"])

    assert len(mistral_api.requests_for(key)) == 1


def _ok(reading: RateLimitReading) -> ModelLimits:
    return ModelLimits("mistral-small-latest", LimitStatus.OK, reading)


def _said(description: LimitsDescription, language: Language = "en") -> tuple[str, ...]:
    """The headline, then each detail, as a reader of ``language`` sees them."""
    return tuple(phrase.said(language) for phrase in (description.headline, *description.details))
