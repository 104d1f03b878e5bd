"""Mistral's rate-limit headers, read whatever their family.

Mistral has renamed its rate-limit headers at least three times (2025 ``ratelimitbysize-*``,
then ``x-ratelimit-*-req-10-second``, ``-req-60-second``, ``-req-minute``), and only sends
them on inference responses. So parsing matches patterns, not a fixed list, and keeps any
``ratelimit`` header it does not understand instead of dropping it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

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
    found = _Found()
    for raw_name, raw_value in headers.items():
        name = raw_name.lower()
        if "ratelimit" not in name:
            continue
        value = _integer(raw_value)
        if value is None or not found.add(name, value):
            found.unrecognised[name] = raw_value
    return found.reading()


@dataclass
class _Found:
    """The figures read so far: token windows by slot, request windows by seconds."""

    tokens: dict[str, dict[str, int]] = field(default_factory=dict)
    requests: dict[int, dict[str, int]] = field(default_factory=dict)
    bare: dict[str, int] = field(default_factory=dict)  # 2025's repeat of the minute window
    unrecognised: dict[str, str] = field(default_factory=dict)
    query_cost: int | None = None
    reset: int | None = None

    def add(self, name: str, value: int) -> bool:
        """Note one header's figure; False when its name is none of the known families."""
        if window := _WINDOW.fullmatch(name):
            kind, unit = window["kind"], window["unit"]
            count = int(window["count"] or 1)
            if window["what"] != "tokens" and unit in _UNIT_SECONDS:
                self.requests.setdefault(count * _UNIT_SECONDS[unit], {})[kind] = value
            elif window["what"] == "tokens" and (slot := _token_slot(count, unit)):
                self.tokens.setdefault(slot, {})[kind] = value
            else:
                return False
        elif by_size := _BY_SIZE.fullmatch(name):
            self.tokens.setdefault(by_size["unit"], {})[by_size["kind"]] = value
        elif by_size_bare := _BY_SIZE_BARE.fullmatch(name):
            self.bare[by_size_bare["kind"]] = value
        elif name in _QUERY_COST:
            self.query_cost = value
        elif name == _RESET:
            self.reset = value
        else:
            return False
        return True

    def reading(self) -> RateLimitReading:
        tokens = {slot: dict(quota) for slot, quota in self.tokens.items()}
        for kind, value in self.bare.items():
            tokens.setdefault("minute", {}).setdefault(kind, value)
        return RateLimitReading(
            tokens_per_minute=_quota(tokens.get("minute")),
            tokens_per_5_minutes=_quota(tokens.get("5-minute")),
            tokens_per_month=_quota(tokens.get("month")),
            request_windows=tuple(
                RequestWindow(limit=q.get("limit"), remaining=q.get("remaining"), window_seconds=s)
                for s, q in sorted(self.requests.items())
            ),
            query_cost=self.query_cost,
            reset_seconds=self.reset,
            unrecognised=self.unrecognised,
        )


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
