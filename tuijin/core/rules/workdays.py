"""The working-day calendar (工作日历) on which deadlines stated in working days are counted.

DESIGN.md "Domain rules": "overdue by more than 5 working days", "80 working days to start" are counted
here. DESIGN.md "Working days": a year without an official schedule is provisional, and every result
that touches such a year says so (the `*_explained` methods).

A day is a working day if it is Monday–Friday and not a day off, or if it is a make-up day (补班).
All queries are O(1): the constructor builds, once, a flag per day, the running count of working days
and the list of working-day ordinals. Standard library only: import-linter forbids Django here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

if TYPE_CHECKING:
    from tuijin.core.rules.holidays import YearSchedule

CALENDAR_FIRST = date(2000, 1, 1)
CALENDAR_LAST = date(2100, 12, 31)

DayKind = Literal["workday", "weekend", "holiday", "makeup"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What the calendar says about one day; `name` is the holiday a day off or make-up day belongs to."""

    date: date
    is_workday: bool
    kind: DayKind
    name: str | None
    provisional: bool


@dataclass(frozen=True, slots=True)
class Explained(Generic[T]):
    """A calendar result with the provisional years it depended on (empty when all were official)."""

    value: T
    provisional_years: tuple[int, ...]

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)

    @property
    def note(self) -> str:
        """ "计算涉及临时日历年份 2027" for the UI, or "" when every year involved is official."""
        if not self.provisional_years:
            return ""
        return "计算涉及临时日历年份 " + "、".join(str(year) for year in self.provisional_years)


def _check_disjoint(days_off: Mapping[date, str], make_up_days: Mapping[date, str]) -> None:
    """A day cannot be both a day off and a make-up working day."""
    both = sorted(days_off.keys() & make_up_days.keys())
    if both:
        raise ValueError("、".join(day.isoformat() for day in both) + " 同时被设为休息日和补班日")


def _workday_flags(
    first: date, last: date, days_off: Iterable[date], make_up_days: Iterable[date]
) -> bytearray:
    """One byte per day from `first` to `last`: 1 for a working day."""
    base, first_weekday = first.toordinal(), first.weekday()
    size = last.toordinal() - base + 1
    flags = bytearray(1 if (first_weekday + i) % 7 < 5 else 0 for i in range(size))
    for day in days_off:
        flags[day.toordinal() - base] = 0
    for day in make_up_days:
        flags[day.toordinal() - base] = 1
    return flags


class WorkCalendar:
    """Working days between `first` and `last`, built from explicit days off and make-up days.

    Index: `_counts[i]` is the number of working days among the first `i` days of the range, and
    `_work[k]` the ordinal of the k-th working day (0-based), so every query is a few list lookups.
    Days off or make-up days outside [first, last] are ignored.
    """

    __slots__ = (
        "first",
        "last",
        "_base",
        "_size",
        "_flags",
        "_counts",
        "_work",
        "_days_off",
        "_make_up",
        "_provisional",
    )

    def __init__(
        self,
        *,
        days_off: Mapping[date, str],
        make_up_days: Mapping[date, str],
        provisional_years: Iterable[int] = (),
        first: date = CALENDAR_FIRST,
        last: date = CALENDAR_LAST,
    ) -> None:
        if first > last:
            raise ValueError(f"工作日历起始日期 {first.isoformat()} 晚于结束日期 {last.isoformat()}")
        _check_disjoint(days_off, make_up_days)
        self.first, self.last = first, last
        self._days_off = {day: name for day, name in days_off.items() if first <= day <= last}
        self._make_up = {day: name for day, name in make_up_days.items() if first <= day <= last}
        self._provisional = tuple(sorted(set(provisional_years)))
        self._base = first.toordinal()
        self._flags = _workday_flags(first, last, self._days_off, self._make_up)
        self._size = len(self._flags)
        self._counts = list(accumulate(self._flags, initial=0))
        self._work = [self._base + i for i, flag in enumerate(self._flags) if flag]

    @classmethod
    def from_schedules(
        cls, schedules: Iterable[YearSchedule], *, first: date = CALENDAR_FIRST, last: date = CALENDAR_LAST
    ) -> WorkCalendar:
        """Merge year schedules. Provisional years, and years in range with no schedule at all (weekends
        only), are marked provisional: never guess silently."""
        days_off: dict[date, str] = {}
        make_up_days: dict[date, str] = {}
        covered: set[int] = set()
        provisional: set[int] = set()
        for schedule in schedules:
            if schedule.year in covered:
                raise ValueError(f"{schedule.year} 年的放假安排重复")
            covered.add(schedule.year)
            if schedule.provisional:
                provisional.add(schedule.year)
            days_off.update(schedule.days_off)
            make_up_days.update(schedule.make_up_days)
        missing = set(range(first.year, last.year + 1)) - covered
        return cls(
            days_off=days_off,
            make_up_days=make_up_days,
            provisional_years=provisional | missing,
            first=first,
            last=last,
        )

    @property
    def provisional_years(self) -> tuple[int, ...]:
        """Every provisional year, ascending."""
        return self._provisional

    def _offset(self, d: date) -> int:
        """Index of `d` in the range, or the Chinese out-of-range error."""
        offset = d.toordinal() - self._base
        if 0 <= offset < self._size:
            return offset
        raise self._out_of_range(d)

    def _out_of_range(self, d: date) -> ValueError:
        return ValueError(
            f"日期 {d.isoformat()} 超出工作日历范围（{self.first.isoformat()} 至 {self.last.isoformat()}）"
        )

    def _result_out_of_range(self, d: date, n: int) -> ValueError:
        direction = "之后" if n > 0 else "之前"
        return ValueError(
            f"{d.isoformat()} {direction}第 {abs(n)} 个工作日超出工作日历范围"
            f"（{self.first.isoformat()} 至 {self.last.isoformat()}）"
        )

    def _workday_at(self, index: int, d: date, n: int) -> date:
        """The working day with 0-based rank `index`; `d` and `n` only word the error."""
        if 0 <= index < len(self._work):
            return date.fromordinal(self._work[index])
        raise self._result_out_of_range(d, n)

    def is_workday(self, d: date) -> bool:
        """Mon–Fri and not a day off, or a make-up day."""
        return self._flags[self._offset(d)] == 1

    def add_workdays(self, d: date, n: int) -> date:
        """The n-th working day strictly after `d` (n > 0), strictly before it (n < 0), or `d` (n == 0)."""
        offset = d.toordinal() - self._base
        if not 0 <= offset < self._size:
            raise self._out_of_range(d)
        if n > 0:
            index = self._counts[offset + 1] + n - 1
        elif n < 0:
            index = self._counts[offset] + n
        else:
            return d
        work = self._work
        if 0 <= index < len(work):
            return date.fromordinal(work[index])
        raise self._result_out_of_range(d, n)

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b] if b >= a, minus those in (b, a] if b < a.

        Additive and antisymmetric. `workdays_between(d, add_workdays(d, n)) == n` except when n < 0
        and `d` is not a working day: then it is n + 1 (the first step back lands on the working day
        before `d`, and the half-open interval does not count that day's distance to `d`).
        """
        counts = self._counts
        return counts[self._offset(b) + 1] - counts[self._offset(a) + 1]

    def next_workday(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self.add_workdays(d, 1)

    def previous_workday(self, d: date) -> date:
        """The last working day strictly before `d`."""
        return self.add_workdays(d, -1)

    def workday_on_or_after(self, d: date) -> date:
        """`d` if it is a working day, else the next one."""
        return self._workday_at(self._counts[self._offset(d)], d, 1)

    def workday_on_or_before(self, d: date) -> date:
        """`d` if it is a working day, else the previous one."""
        return self._workday_at(self._counts[self._offset(d) + 1] - 1, d, -1)

    def is_provisional(self, d: date) -> bool:
        """Whether `d` lies in a year without an official schedule."""
        self._offset(d)
        return d.year in self._provisional

    def provisional_years_in(self, a: date, b: date) -> tuple[int, ...]:
        """Provisional years from the earlier of `a`, `b` to the later, inclusive."""
        self._offset(a)
        self._offset(b)
        low, high = min(a.year, b.year), max(a.year, b.year)
        return tuple(year for year in self._provisional if low <= year <= high)

    def add_workdays_explained(self, d: date, n: int) -> Explained[date]:
        """`add_workdays` with the provisional years between `d` and the result."""
        result = self.add_workdays(d, n)
        return Explained(result, self.provisional_years_in(d, result))

    def workdays_between_explained(self, a: date, b: date) -> Explained[int]:
        """`workdays_between` with the provisional years between `a` and `b`."""
        return Explained(self.workdays_between(a, b), self.provisional_years_in(a, b))

    def day_info(self, d: date) -> DayInfo:
        """Kind and holiday name of `d`: a make-up day, a named day off, a weekend or a plain workday."""
        is_workday = self._flags[self._offset(d)] == 1
        kind: DayKind
        name: str | None
        if d in self._make_up:
            kind, name = "makeup", self._make_up[d]
        elif d in self._days_off:
            kind, name = "holiday", self._days_off[d]
        else:
            kind, name = ("weekend" if d.weekday() >= 5 else "workday"), None
        return DayInfo(
            date=d, is_workday=is_workday, kind=kind, name=name, provisional=d.year in self._provisional
        )
