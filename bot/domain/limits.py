"""What a model's rate limits mean for AIsuru, in words a non-engineer can act on.

The figures come from Mistral (``bot.mistral.probes``, or the Admin API); this module
turns them into AIsuru messages a minute, as catalog phrases the reader's language fills.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.mistral.probes import LimitStatus, ModelLimits
from bot.mistral.ratelimits import Quota, RateLimitReading
from bot.strings import Phrase

# The guide (section 9): "a single message on AIsuru may consume up to 10 requests".
REQUESTS_PER_AISURU_MESSAGE = 10
# An assumption, not a measurement: an AIsuru request carries the assistant's instructions,
# retrieved context and recent turns plus a short answer, which we put at about 1,000
# tokens. So one AIsuru message may use up to 10,000 tokens, and estimates err on the safe
# side. Change these two numbers, not the wording, if AIsuru publishes real figures.
TOKENS_PER_REQUEST = 1_000
TOKENS_PER_AISURU_MESSAGE = REQUESTS_PER_AISURU_MESSAGE * TOKENS_PER_REQUEST

LIMITS_PAGE = "https://admin.mistral.ai/plateforme/limits"
ASSUMPTIONS = Phrase.of(
    "limits_assumptions",
    requests=REQUESTS_PER_AISURU_MESSAGE,
    tokens=TOKENS_PER_REQUEST,
    per_message=TOKENS_PER_AISURU_MESSAGE,
)
_PERIODS = {1: "per_second", 60: "per_minute", 3600: "per_hour", 86400: "per_day"}
_STATUS_KEYS = {
    LimitStatus.RATE_LIMITED: "limit_rate_limited",
    LimitStatus.FORBIDDEN: "limit_forbidden",
    LimitStatus.ERROR: "limit_error",
}
_TOKEN_WINDOWS = (
    ("limit_tokens_minute", "per_minute"),
    ("limit_tokens_5_minutes", "per_5_minutes"),
    ("limit_tokens_month", "per_month"),
)


@dataclass(frozen=True)
class LimitsDescription:
    """One model's limits in words: a headline, then one line per figure."""

    headline: Phrase
    details: tuple[Phrase, ...] = ()


def describe_limits(limits: ModelLimits) -> LimitsDescription:
    """Say what a model's limits mean for AIsuru."""
    model, reading = limits.model, limits.reading
    if limits.status is not LimitStatus.OK:
        extra = (limits.message,) if limits.message else ()
        return LimitsDescription(Phrase.of(_STATUS_KEYS[limits.status], model=model), extra)
    if reading.is_empty:
        return LimitsDescription(Phrase.of("limit_no_figures", model=model, page=LIMITS_PAGE))
    rate = messages_per_minute(reading)
    if rate is None:
        headline = Phrase.of("limit_no_minute", model=model)
    elif rate == 0:
        headline = Phrase.of("limit_unavailable", model=model)
    else:
        headline = Phrase.of("limit_at_most", model=model, messages=_messages(rate, "per_minute"))
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


def _details(reading: RateLimitReading) -> tuple[Phrase, ...]:
    lines = []
    quotas = (reading.tokens_per_minute, reading.tokens_per_5_minutes, reading.tokens_per_month)
    for (key, per), quota in zip(_TOKEN_WINDOWS, quotas, strict=True):
        if quota is not None and quota.limit is not None:
            messages = _messages(quota.limit / TOKENS_PER_AISURU_MESSAGE, per)
            lines.append(Phrase.of(key, limit=quota.limit, left=_left(quota), messages=messages))
    for w in reading.request_windows:
        if w.limit is None:
            continue
        period = _period(w.window_seconds)
        if w.window_seconds <= 60:
            per_minute = w.limit * 60 / w.window_seconds / REQUESTS_PER_AISURU_MESSAGE
            messages = _messages(per_minute, "per_minute")
        else:
            messages = _messages(w.limit / REQUESTS_PER_AISURU_MESSAGE, period)
        left = _left(Quota(w.limit, w.remaining))
        lines.append(Phrase.of("limit_requests", limit=w.limit, period=period, left=left,
                               messages=messages))  # fmt: skip
    if reading.query_cost is not None:
        lines.append(Phrase.of("limit_query_cost", tokens=reading.query_cost))
    if reading.unrecognised:
        other = ", ".join(
            f"{name}: {value}" for name, value in sorted(reading.unrecognised.items())
        )
        lines.append(Phrase.of("limit_other", headers=other))
    return tuple(lines)


def _period(seconds: int) -> Phrase:
    key = _PERIODS.get(seconds)
    return Phrase.of(key) if key else Phrase.of("per_seconds", seconds=seconds)


def _messages(count: float, per: str | Phrase) -> Phrase:
    period = Phrase.of(per) if isinstance(per, str) else per
    if count == 0:
        return Phrase.of("messages_none")
    if count < 1:
        return Phrase.of("messages_less_than_one", period=period)
    return Phrase.of("messages_about", count=int(count), period=period)


def _left(quota: Quota) -> Phrase | str:
    return "" if quota.remaining is None else Phrase.of("limit_left", count=quota.remaining)
