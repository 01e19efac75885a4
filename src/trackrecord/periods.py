"""Retention periods in calendar terms: years, months and days added to a UTC date.

"10 years after 2026-12-01" is 2036-12-01 and six months after 2026-07-01 is
2027-01-01, whatever the number of days in between. The time of day is kept
(UTC). Years and months are added first, then days. When the same day does not
exist in the month the period ends in, the period ends on that month's last day
(as Regulation (EEC, Euratom) No 1182/71, Art. 3(2)(c), has it for periods in
months and years):

- 2027-01-31 + 1 month is 2027-02-28 (2028-01-31 + 1 month is 2028-02-29);
- 2028-02-29 + 1 year is 2029-02-28, and + 4 years is 2032-02-29;
- 2026-08-31 + 6 months is 2027-02-28.

A period is written ``10y``, ``6m``, ``183d`` or combined (``1y6m``); a plain
number is days.

Example:
    >>> Period.parse("10y").end_date(dt.date(2026, 12, 1))
    datetime.date(2036, 12, 1)
    >>> str(Period.parse("1y6m"))
    '1 year 6 months'
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from trackrecord.errors import InvalidValueError

__all__ = ["Period", "day_of", "ms_of_day"]

_DAY_MS: Final = 86_400_000
_FORM: Final = re.compile(r"(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?")


def day_of(ms: int) -> dt.date:
    """The UTC date of a time in Unix milliseconds."""
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).date()


def ms_of_day(day: dt.date) -> int:
    """Unix milliseconds at 00:00 UTC of *day*."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()) * 1000


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" + ("" if count == 1 else "s")


@dataclass(frozen=True)
class Period:
    """A calendar period: *years*, *months* and *days* (each zero or more)."""

    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str | int) -> Period:
        """``"10y"``, ``"6m"``, ``"183d"``, ``"1y6m"``, or a number of days.

        Raises:
            InvalidValueError: anything else, or a period of zero.
        """
        if isinstance(text, bool):
            raise InvalidValueError(f"{text!r} is not a period")
        if isinstance(text, int):
            text = str(text)
        spoken = text.strip().lower().replace(" ", "")
        match = _FORM.fullmatch(spoken) if not spoken.isdigit() else None
        if spoken.isdigit():
            found = cls(days=int(spoken))
        elif match is not None and spoken:
            years, months, days = (int(g) if g else 0 for g in match.groups())
            found = cls(years, months, days)
        else:
            raise InvalidValueError(
                f"{text!r} is not a period; write years, months and days as 10y, 6m, 183d or "
                f"1y6m (a plain number is days)"
            )
        if found == cls():
            raise InvalidValueError("a period must be longer than zero, e.g. 6m or 10y")
        return found

    def __str__(self) -> str:
        units = ((self.years, "year"), (self.months, "month"), (self.days, "day"))
        return " ".join(_plural(n, unit) for n, unit in units if n) or "0 days"

    @property
    def code(self) -> str:
        """The short form :meth:`parse` reads back (``10y``, ``1y6m``, ``183d``)."""
        units = ((self.years, "y"), (self.months, "m"), (self.days, "d"))
        return "".join(f"{n}{u}" for n, u in units if n) or "0d"

    def end_date(self, start: dt.date) -> dt.date:
        """The date this period after *start* (see the module docstring for month ends)."""
        months = start.month - 1 + self.months + 12 * self.years
        year, month = start.year + months // 12, months % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return dt.date(year, month, day) + dt.timedelta(days=self.days)

    def after(self, start_ms: int) -> int:
        """Unix ms this period after *start_ms*: the calendar date moved, the time of day kept."""
        start = day_of(start_ms)
        return ms_of_day(self.end_date(start)) + (start_ms - ms_of_day(start))

    def shortest_days(self) -> int:
        """The fewest whole days this period lasts, over every start date of a leap cycle."""
        first = dt.date(2024, 1, 1)
        starts = (first + dt.timedelta(days=n) for n in range(4 * 365 + 1))
        return min((self.end_date(day) - day).days for day in starts)

    def at_least(self, other: Period) -> bool:
        """Whether this period never ends before *other*, whatever the start date."""
        first = dt.date(2024, 1, 1)
        starts = (first + dt.timedelta(days=n) for n in range(4 * 365 + 1))
        return all(self.end_date(day) >= other.end_date(day) for day in starts)
