"""Who hears about supervision findings (issue 6 part 4).

An unresolved finding of kind `discrepancy` (填报与现场不符) or `ceremony` (举行开工仪式无实质进展) on a
project lights the project ("督查" dimension). Supervision must not import the lights' services, so the
lights register a listener here (in `tuijin/lights/apps.py` `ready()`), and the supervision services call
`notify_findings` in their transaction after a finding of those kinds is recorded or resolved.

    register_finding_listener(fn)   # fn(*, project_ids: list[int], today: date) -> None
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from . import rules

FindingListener = Callable[..., None]

_LISTENERS: list[FindingListener] = []

# the finding kinds that feed a project's light
LIGHT_KINDS = ("discrepancy", "ceremony")
assert all(kind in rules.FINDING_KINDS for kind in LIGHT_KINDS)


def register_finding_listener(fn: FindingListener) -> None:
    """Call `fn(project_ids=…, today=…)` after findings that feed the lights change (once per function)."""
    if fn not in _LISTENERS:
        _LISTENERS.append(fn)


def notify_findings(*, project_ids: Iterable[int | None], today: date) -> None:
    ids = sorted({pk for pk in project_ids if pk})
    if not ids:
        return
    for fn in list(_LISTENERS):
        fn(project_ids=ids, today=today)
