"""Retention periods are calendar periods: years and months move the date, month ends and
leap days end on the last day of the month."""

from __future__ import annotations

import datetime as dt

import pytest

from trackrecord.errors import InvalidValueError
from trackrecord.periods import Period, day_of, ms_of_day


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("10y", dt.date(2026, 12, 1), dt.date(2036, 12, 1)),  # not 3650 days later
        ("6m", dt.date(2026, 7, 1), dt.date(2027, 1, 1)),  # 184 days
        ("6m", dt.date(2026, 8, 31), dt.date(2027, 2, 28)),  # 181 days: month end
        ("1m", dt.date(2027, 1, 31), dt.date(2027, 2, 28)),
        ("1m", dt.date(2028, 1, 31), dt.date(2028, 2, 29)),  # a leap year's February
        ("1m", dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
        ("1y", dt.date(2028, 2, 29), dt.date(2029, 2, 28)),  # a leap day, a common year
        ("4y", dt.date(2028, 2, 29), dt.date(2032, 2, 29)),
        ("10y", dt.date(2028, 2, 29), dt.date(2038, 2, 28)),
        ("1y6m", dt.date(2026, 8, 31), dt.date(2028, 2, 29)),
        ("183d", dt.date(2026, 7, 1), dt.date(2026, 12, 31)),
        ("1m1d", dt.date(2027, 1, 31), dt.date(2027, 3, 1)),  # months first, then days
        ("11m", dt.date(2026, 12, 15), dt.date(2027, 11, 15)),
    ],
)
def test_a_period_moves_the_calendar_date(period: str, start: dt.date, end: dt.date) -> None:
    assert Period.parse(period).end_date(start) == end


def test_the_time_of_day_is_kept_in_utc() -> None:
    start = ms_of_day(dt.date(2028, 2, 29)) + 13 * 3_600_000 + 5
    end = Period(years=1).after(start)
    assert day_of(end) == dt.date(2029, 2, 28)
    assert end - ms_of_day(dt.date(2029, 2, 28)) == 13 * 3_600_000 + 5


def test_periods_read_and_print_back() -> None:
    assert Period.parse("1y6m") == Period(1, 6, 0) and Period.parse(400) == Period(days=400)
    assert Period.parse(" 18M ") == Period(months=18) and Period.parse("2y").code == "2y"
    assert str(Period(1, 6, 0)) == "1 year 6 months" and str(Period(days=1)) == "1 day"
    for bad in ("six months", "6w", "", "0d", "-3d", "y"):
        with pytest.raises(InvalidValueError, match="period"):
            Period.parse(bad)


def test_six_months_is_never_shorter_than_six_calendar_months() -> None:
    six = Period(months=6)
    assert six.shortest_days() == 181
    assert not Period(days=183).at_least(six)  # 2026-07-01 + 183 days is 2026-12-31
    assert Period(days=184).at_least(six) and Period(years=1).at_least(six)
