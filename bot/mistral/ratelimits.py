"""Mistral rate limits: read them from any header family, probe models, say what they mean.

Mistral has renamed its rate-limit headers at least three times (2025 ``ratelimitbysize-*``,
then ``x-ratelimit-*-req-10-second``, ``-req-60-second``, ``-req-minute``), and only sends
them on inference responses. So parsing matches patterns, not a fixed list, and keeps any
``ratelimit`` header it does not understand instead of dropping it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.errors import MistralBroken, MistralForbidden, MistralRateLimited

_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

# x-ratelimit-{limit,remaining}-{tokens,req,requests}-[N-]{second,minute,hour,day,month}
_WINDOW = re.compile(
    r"x-ratelimit-(?P<kind>limit|remaining)-(?P<what>tokens|req|requests)"
    r"-(?:(?P<count>\d+)-)?(?P<unit>second|minute|hour|day|month)"
)
# 2025: x-ratelimitbysize-{limit,remaining}-{minute,month}, counted in tokens.
_BY_SIZE = re.compile(r"x-ratelimitbysize-(?P<kind>limit|remaining)-(?P<unit>minute|month)")
# 2025: ratelimitbysize-{limit,remaining} repeat the per-minute token window.
_BY_SIZE_BARE = re.compile(r"ratelimitbysize-(?P<kind>limit|remaining)")
_QUERY_COST = frozenset({"x-ratelimit-tokens-query-cost", "ratelimitbysize-query-cost"})
_RESET = "ratelimitbysize-reset"


@dataclass(frozen=True)
class Quota:
    """A window's cap and what is left of it; either may be missing from a response."""

    limit: int | None = None
    remaining: int | None = None


@dataclass(frozen=True)
class RequestWindow:
    """At most ``limit`` requests every ``window_seconds`` seconds."""

    limit: int | None
    remaining: int | None
    window_seconds: int


@dataclass(frozen=True)
class RateLimitReading:
    """What one response (or the Admin API) said about a model's limits."""

    tokens_per_minute: Quota | None = None
    tokens_per_5_minutes: Quota | None = None
    tokens_per_month: Quota | None = None
    request_windows: tuple[RequestWindow, ...] = ()
    query_cost: int | None = None
    reset_seconds: int | None = None
    unrecognised: dict[str, str] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """True when the response carried no rate-limit header at all."""
        return self == RateLimitReading()


def parse_rate_limit_headers(headers: Mapping[str, str]) -> RateLimitReading:
    """Collect every header whose name contains "ratelimit", whatever its family."""
    tokens: dict[str, dict[str, int]] = {}
    requests: dict[int, dict[str, int]] = {}
    bare: dict[str, int] = {}
    unrecognised: dict[str, str] = {}
    query_cost = reset = None
    for raw_name, raw_value in headers.items():
        name = raw_name.lower()
        if "ratelimit" not in name:
            continue
        value = _integer(raw_value)
        if value is None:
            unrecognised[name] = raw_value
        elif window := _WINDOW.fullmatch(name):
            kind, unit = window["kind"], window["unit"]
            count = int(window["count"] or 1)
            if window["what"] != "tokens" and unit in _UNIT_SECONDS:
                requests.setdefault(count * _UNIT_SECONDS[unit], {})[kind] = value
            elif window["what"] == "tokens" and (slot := _token_slot(count, unit)):
                tokens.setdefault(slot, {})[kind] = value
            else:
                unrecognised[name] = raw_value
        elif by_size := _BY_SIZE.fullmatch(name):
            tokens.setdefault(by_size["unit"], {})[by_size["kind"]] = value
        elif by_size_bare := _BY_SIZE_BARE.fullmatch(name):
            bare[by_size_bare["kind"]] = value
        elif name in _QUERY_COST:
            query_cost = value
        elif name == _RESET:
            reset = value
        else:
            unrecognised[name] = raw_value
    for kind, value in bare.items():
        tokens.setdefault("minute", {}).setdefault(kind, value)
    return RateLimitReading(
        tokens_per_minute=_quota(tokens.get("minute")),
        tokens_per_5_minutes=_quota(tokens.get("5-minute")),
        tokens_per_month=_quota(tokens.get("month")),
        request_windows=tuple(
            RequestWindow(limit=q.get("limit"), remaining=q.get("remaining"), window_seconds=s)
            for s, q in sorted(requests.items())
        ),
        query_cost=query_cost,
        reset_seconds=reset,
        unrecognised=unrecognised,
    )


class LimitStatus(StrEnum):
    """How asking about one model went."""

    OK = "ok"
    RATE_LIMITED = "rate_limited"
    FORBIDDEN = "forbidden"
    ERROR = "error"


@dataclass(frozen=True)
class ModelLimits:
    """One model's limits, or why we could not read them (``message`` is safe to show)."""

    model: str
    status: LimitStatus
    reading: RateLimitReading = field(default_factory=RateLimitReading)
    message: str | None = None


class ChatProbe(Protocol):
    """What ``probe_limits`` needs from a client: ``MistralClient`` is one."""

    async def probe_chat(self, key: str, model: str) -> RateLimitReading: ...


async def probe_limits(
    client: ChatProbe,
    key: str,
    models: Sequence[str],
    *,
    pace: float = 0.0,
    before: Callable[[str, int], Awaitable[None]] | None = None,
) -> list[ModelLimits]:
    """Ask Mistral about each model with one tiny chat request, one model after another.

    Sequential on purpose, ``pace`` seconds apart: a Free-mode key may send about one
    request a second, and probing faster would turn the check itself into the rate limit
    it reports. ``before(model, number)`` runs before each probe (progress for the user).
    A rejected key or an unreachable API ends the check (``MistralRejectedKey``,
    ``MistralUnreachable`` propagate): every other model would fail the same way.
    """
    results: list[ModelLimits] = []
    for number, model in enumerate(models, start=1):
        if before is not None:
            await before(model, number)
        await asyncio.sleep(pace)
        try:
            reading = await client.probe_chat(key, model)
        except MistralRateLimited as exc:
            results.append(ModelLimits(model, LimitStatus.RATE_LIMITED, message=str(exc)))
        except MistralForbidden as exc:
            results.append(ModelLimits(model, LimitStatus.FORBIDDEN, message=str(exc)))
        except MistralBroken as exc:
            results.append(ModelLimits(model, LimitStatus.ERROR, message=str(exc)))
        else:
            results.append(ModelLimits(model, LimitStatus.OK, reading))
    return results


def _token_slot(count: int, unit: str) -> str | None:
    if unit == "month" and count == 1:
        return "month"
    seconds = count * _UNIT_SECONDS.get(unit, 0)
    return {60: "minute", 300: "5-minute"}.get(seconds)


def _quota(values: Mapping[str, int] | None) -> Quota | None:
    if values is None:
        return None
    return Quota(limit=values.get("limit"), remaining=values.get("remaining"))


def _integer(value: str) -> int | None:
    text = value.strip()
    # A header of twenty digits is no figure Mistral sends: ignored, not converted.
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


# The guide (section 9): "a single message on AIsuru may consume up to 10 requests".
REQUESTS_PER_AISURU_MESSAGE = 10
# An assumption, not a measurement: an AIsuru request carries the assistant's instructions,
# retrieved context and recent turns plus a short answer, which we put at about 1,000
# tokens. So one AIsuru message may use up to 10,000 tokens, and estimates err on the safe
# side. Change these two numbers, not the wording, if AIsuru publishes real figures.
TOKENS_PER_REQUEST = 1_000
TOKENS_PER_AISURU_MESSAGE = REQUESTS_PER_AISURU_MESSAGE * TOKENS_PER_REQUEST

LIMITS_PAGE = "https://admin.mistral.ai/plateforme/limits"
ASSUMPTIONS = (
    f"Estimates assume one AIsuru message uses up to {REQUESTS_PER_AISURU_MESSAGE} requests "
    f"of about {TOKENS_PER_REQUEST:,} tokens each ({TOKENS_PER_AISURU_MESSAGE:,} tokens)."
)
_PERIODS = {1: "a second", 60: "a minute", 3600: "an hour", 86400: "a day"}
_STATUS_WORDS = {
    LimitStatus.RATE_LIMITED: "rate limited right now, so no figures.",
    LimitStatus.FORBIDDEN: "this key may not use it (check your plan).",
    LimitStatus.ERROR: "I couldn't read its limits.",
}


@dataclass(frozen=True)
class LimitsDescription:
    """One model's limits in plain words: a headline, then one line per figure."""

    headline: str
    details: tuple[str, ...] = ()


def describe_limits(limits: ModelLimits) -> LimitsDescription:
    """Say what a model's limits mean for AIsuru, in words a non-engineer can act on."""
    model, reading = limits.model, limits.reading
    if limits.status is not LimitStatus.OK:
        extra = (limits.message,) if limits.message else ()
        return LimitsDescription(f"{model}: {_STATUS_WORDS[limits.status]}", extra)
    if reading.is_empty:
        return LimitsDescription(f"{model}: Mistral sent no figures; see {LIMITS_PAGE}")
    rate = messages_per_minute(reading)
    if rate is None:
        headline = f"{model}: no per-minute limit reported."
    elif rate == 0:
        headline = f"{model}: not available to this key (its limit is 0)."
    else:
        headline = f"{model}: {_messages(rate, 'a minute')} at most."
    return LimitsDescription(headline, _details(reading))


def messages_per_minute(reading: RateLimitReading) -> float | None:
    """The tightest per-minute estimate of AIsuru messages over every window we know."""
    rates = [
        tokens / TOKENS_PER_AISURU_MESSAGE / minutes
        for quota, minutes in ((reading.tokens_per_minute, 1), (reading.tokens_per_5_minutes, 5))
        if quota is not None and (tokens := quota.limit) is not None
    ] + [
        w.limit * 60 / w.window_seconds / REQUESTS_PER_AISURU_MESSAGE
        for w in reading.request_windows
        if w.limit is not None and w.window_seconds <= 60
    ]
    return min(rates, default=None)


def _details(reading: RateLimitReading) -> tuple[str, ...]:
    lines = []
    for label, quota, per in (
        ("Tokens per minute", reading.tokens_per_minute, "a minute"),
        ("Tokens per 5 minutes", reading.tokens_per_5_minutes, "every 5 minutes"),
        ("Tokens per month", reading.tokens_per_month, "a month"),
    ):
        if quota is not None and quota.limit is not None:
            messages = _messages(quota.limit / TOKENS_PER_AISURU_MESSAGE, per)
            lines.append(f"{label}: {quota.limit:,}{_left(quota.remaining)}, {messages}.")
    for w in reading.request_windows:
        if w.limit is None:
            continue
        period = _PERIODS.get(w.window_seconds, f"every {w.window_seconds} seconds")
        if w.window_seconds <= 60:
            per_minute = w.limit * 60 / w.window_seconds / REQUESTS_PER_AISURU_MESSAGE
            messages = _messages(per_minute, "a minute")
        else:
            messages = _messages(w.limit / REQUESTS_PER_AISURU_MESSAGE, period)
        lines.append(f"Requests: {w.limit:,} {period}{_left(w.remaining)}, {messages}.")
    if reading.query_cost is not None:
        lines.append(f"This check used {reading.query_cost:,} tokens.")
    if reading.unrecognised:
        other = ", ".join(
            f"{name}: {value}" for name, value in sorted(reading.unrecognised.items())
        )
        lines.append(f"Other limits Mistral reported: {other}.")
    return tuple(lines)


def _messages(count: float, per: str) -> str:
    if count == 0:
        return "none, so this model is not available to this key"
    if count < 1:
        return f"less than one AIsuru message {per}"
    whole = int(count)
    return f"about {whole:,} AIsuru message{'' if whole == 1 else 's'} {per}"


def _left(remaining: int | None) -> str:
    return "" if remaining is None else f" ({remaining:,} left)"
