"""Where a team is with the setup, as figures a chart or a digest shows: how many people did
each checklist step, and how many questions the guide answered or did not cover, per week."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class WeekPoint:
    """The questions asked in one week: those the guide answered and those it did not cover."""

    week_start: datetime.date
    answered: int
    not_covered: int


@dataclass(frozen=True)
class FunnelStep:
    """One checklist step and how many people did it."""

    number: int
    title: str  # already in the reader's language
    reached: int
