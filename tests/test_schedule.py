"""When the bot may act unasked: working hours and the digest's day, in each person's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.schedule import Weekly, Window, weekdays, zone

# Monday 7 December 2026, 08:30 UTC: 09:30 in Rome, 03:30 in New York, 17:30 in Tokyo.
MONDAY_0830_UTC = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
WORKING_HOURS = Window.parse("9-17", "mon-fri")


@pytest.mark.parametrize(
    ("tz", "inside"),
    [("Europe/Rome", True), ("America/New_York", False), ("Asia/Tokyo", False)],
)
def test_working_hours_are_the_recipients_own(tz: str, inside: bool) -> None:
    assert WORKING_HOURS.contains(MONDAY_0830_UTC, zone(tz)) is inside


def test_the_end_hour_is_outside_and_the_start_hour_inside() -> None:
    rome = zone("Europe/Rome")
    assert WORKING_HOURS.contains(datetime(2026, 12, 7, 8, 0, tzinfo=UTC), rome)  # 09:00
    assert not WORKING_HOURS.contains(datetime(2026, 12, 7, 16, 0, tzinfo=UTC), rome)  # 17:00


def test_weekends_are_outside_unless_every_day_is_named() -> None:
    saturday = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
    assert not WORKING_HOURS.contains(saturday, zone("Europe/London"))
    assert Window.parse("9-17", "mon-sun").contains(saturday, zone("Europe/London"))


def test_an_unknown_or_missing_time_zone_is_utc() -> None:
    assert zone("Mars/Olympus_Mons") is zone(None)
    assert WORKING_HOURS.contains(datetime(2026, 12, 7, 9, 0, tzinfo=UTC), zone(None))


@pytest.mark.parametrize(
    ("days", "expected"),
    [("mon-fri", {0, 1, 2, 3, 4}), ("mon-sun", set(range(7))), ("sat,sun", {5, 6}),
     ("fri-mon", {4, 5, 6, 0}), ("MON", {0})],
)  # fmt: skip
def test_days_are_read_as_people_write_them(days: str, expected: set[int]) -> None:
    assert weekdays(days) == expected


@pytest.mark.parametrize(("hours", "days"), [("17-9", "mon-fri"), ("9", "mon"), ("9-25", "mon"),
                                             ("9-17", "monday"), ("9-17", "")])  # fmt: skip
def test_a_window_it_cannot_read_is_refused_with_the_reason(hours: str, days: str) -> None:
    with pytest.raises(ValueError, match=r"hours|days"):
        Window.parse(hours, days)


def test_the_digest_is_due_from_its_hour_on_its_day_in_the_admins_zone() -> None:
    monday_nine = Weekly(day=0, hour=9)
    rome, new_york = zone("Europe/Rome"), zone("America/New_York")

    assert monday_nine.week_due(MONDAY_0830_UTC, rome) == "2026-W50"
    assert monday_nine.week_due(MONDAY_0830_UTC, new_york) is None  # 03:30 there
    sunday = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert monday_nine.week_due(sunday, rome) is None


def test_a_reminder_outside_working_hours_waits_for_the_next_opening_there() -> None:
    friday_evening_rome = datetime(2026, 12, 11, 17, 30, tzinfo=UTC)  # 18:30 in Rome

    opening = WORKING_HOURS.next_opening(friday_evening_rome, zone("Europe/Rome"))

    assert opening == datetime(2026, 12, 14, 8, 0, tzinfo=UTC)  # Monday 09:00 in Rome
    assert WORKING_HOURS.next_opening(MONDAY_0830_UTC, zone("Europe/Rome")) == MONDAY_0830_UTC


def test_the_digest_may_be_due_only_while_its_day_and_hour_are_somewhere_on_earth() -> None:
    monday_nine = Weekly(day=0, hour=9)

    assert monday_nine.may_be_due(MONDAY_0830_UTC)  # 09:30 in Rome
    assert monday_nine.may_be_due(datetime(2026, 12, 6, 20, 0, tzinfo=UTC))  # Mon 09:00 at +13
    assert not monday_nine.may_be_due(datetime(2026, 12, 9, 12, 0, tzinfo=UTC))  # a Wednesday
