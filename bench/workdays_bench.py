"""Time one million `WorkCalendar.add_workdays` calls and the calendar's construction; prints JSON.

Run: `uv run python bench/workdays_bench.py`. Target: under 3 s for the million calls.
"""

import json
import random
import time
from datetime import date, timedelta

from tuijin.core.rules.holidays import schedules_for
from tuijin.core.rules.workdays import WorkCalendar

CALLS = 1_000_000


def build_calendar() -> tuple[WorkCalendar, float, float]:
    """The full 2000–2100 calendar; returns it with the seconds spent on schedules and on the index."""
    start = time.perf_counter()
    schedules = schedules_for(range(2000, 2100))
    loaded = time.perf_counter()
    calendar = WorkCalendar.from_schedules(schedules)
    return calendar, loaded - start, time.perf_counter() - loaded


def main() -> None:
    calendar, schedule_seconds, index_seconds = build_calendar()
    rng = random.Random(20250101)
    base = date(2005, 1, 1)
    cases = [(base + timedelta(days=rng.randrange(33_000)), rng.randint(-200, 200)) for _ in range(CALLS)]
    add_workdays = calendar.add_workdays
    start = time.perf_counter()
    for d, n in cases:
        add_workdays(d, n)
    seconds = time.perf_counter() - start
    result = {
        "calls": CALLS,
        "seconds": round(seconds, 3),
        "per_call_us": round(seconds / CALLS * 1e6, 3),
        "build_schedules_seconds": round(schedule_seconds, 4),
        "build_index_seconds": round(index_seconds, 4),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
