"""What depends on the working-day calendar, and how it is told to recompute.

DESIGN.md "Working days": "entering the schedule recomputes what depended on it". Lights, approval
clocks, scoring … each register one callback here, from their AppConfig.ready() (so web workers, task
workers and the scheduler all know them):

    register_calendar_dependent("lights", "亮灯", lights_recompute_for_calendar)

The callback gets the first and last date whose working-day status may have changed and must recompute
every stored result whose computation touched a day in that range (a deadline counted across it, a
light judged on it), returning how many records changed. It runs in the background task
`tuijin.core.calendar_tasks.recompute_after_calendar_change`, outside any request, so it must be
idempotent: a retried task calls every callback again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

RecomputeCallback = Callable[[date, date], int]


@dataclass(frozen=True)
class CalendarDependent:
    """One capability whose stored results depend on the calendar."""

    name: str
    label_zh: str
    callback: RecomputeCallback


_DEPENDENTS: dict[str, CalendarDependent] = {}


def register_calendar_dependent(name: str, label_zh: str, callback: RecomputeCallback) -> None:
    """Register (or replace, so a reloaded module registers once) the recompute callback `name`."""
    if not name or not callable(callback):
        raise ValueError("register_calendar_dependent needs a name and a callable")
    _DEPENDENTS[name] = CalendarDependent(name=name, label_zh=label_zh, callback=callback)


def unregister_calendar_dependent(name: str) -> None:
    """Forget a callback (tests)."""
    _DEPENDENTS.pop(name, None)


def calendar_dependents() -> list[CalendarDependent]:
    """Every registered dependent, in registration order."""
    return list(_DEPENDENTS.values())
