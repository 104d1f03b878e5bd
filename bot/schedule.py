"""When the bot may act unasked: hours and days in each person's own time zone.

A reminder goes out only inside working hours (``NUDGE_HOURS`` on ``NUDGE_DAYS``) where
its recipient is, and a digest on its day and hour there: a DM at 3 a.m. is how a bot gets
muted. Time zones are Slack's names (``users.info``'s ``tz``, e.g. ``Europe/Rome``); a
person whose zone is unknown is taken to be on UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_HOURS = re.compile(r"\s*(\d{1,2})\s*-\s*(\d{1,2})\s*")


@dataclass(frozen=True)
class Window:
    """Local hours (``start`` inclusive, ``end`` exclusive) on some days of the week."""

    start: int
    end: int
    days: frozenset[int]  # 0 is Monday, as datetime.weekday() counts

    @classmethod
    def parse(cls, hours: str, days: str) -> Window:
        """From ``9-17`` and ``mon-fri`` (or ``mon,wed,fri``); ValueError says what is wrong."""
        match = _HOURS.fullmatch(hours)
        if match is None:
            raise ValueError(f"{hours!r}: write the hours as START-END, e.g. 9-17")
        start, end = int(match[1]), int(match[2])
        if not 0 <= start < end <= 24:
            raise ValueError(f"{hours!r}: hours go from 0 to 24, the start before the end")
        return cls(start, end, weekdays(days))

    def contains(self, moment: datetime, zone: tzinfo) -> bool:
        """Whether ``moment`` falls inside the window where ``zone`` is."""
        local = moment.astimezone(zone)
        return local.weekday() in self.days and self.start <= local.hour < self.end

    def next_opening(self, moment: datetime, zone: tzinfo) -> datetime:
        """The first whole hour after ``moment`` that is inside the window in ``zone``
        (``moment`` itself when it is inside)."""
        if self.contains(moment, zone):
            return moment
        hour = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        # Counted in UTC hours, so a clock change (a skipped or repeated local hour) is
        # simply one more hour looked at; a week and a day covers every window.
        for hours in range(1, 8 * 24 + 1):
            candidate = hour + timedelta(hours=hours)
            if self.contains(candidate, zone):
                return candidate
        raise ValueError("a window with no hours")


@dataclass(frozen=True)
class Weekly:
    """Once a week, on a day at an hour, local time (the digest's ``DIGEST_DAY`` and hour)."""

    day: int
    hour: int

    def may_be_due(self, moment: datetime) -> bool:
        """Whether it is the day and hour somewhere (UTC-12 to UTC+14): otherwise nobody
        needs asking where they are."""
        return any(
            self.week_due(moment, timezone(timedelta(hours=hours))) for hours in range(-12, 15)
        )

    def week_due(self, moment: datetime, zone: tzinfo) -> str | None:
        """The local week (``2026-W49``) whose turn it is at ``moment``, or None: it is
        due from the hour on, for the rest of that day (a sweep may come a little late)."""
        local = moment.astimezone(zone)
        if local.weekday() != self.day or local.hour < self.hour:
            return None
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"


def weekdays(days: str) -> frozenset[int]:
    """``mon-fri``, ``mon-sun``, ``sat,sun`` or ``mon`` as weekday numbers."""
    found: set[int] = set()
    for part in days.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"{days!r}: name days as mon, tue, … sun, e.g. mon-fri")
        start, end = DAYS.index(first), DAYS.index(last or first)
        found.update(day % 7 for day in range(start, end + (7 if end < start else 0) + 1))
    return frozenset(found)


@cache
def zone(name: str | None) -> tzinfo:
    """The time zone Slack names, or UTC when it names none we know."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def now() -> datetime:
    return datetime.now(UTC)
