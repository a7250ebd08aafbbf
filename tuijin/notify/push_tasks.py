"""The periodic pushes (REQ J2, C6; NC20 四(二) 每周一推送): one job every 15 minutes that, for each
jurisdiction following a rule set, queues what is due at its `[notify]` weekday and time — the leaders'
digests and the units' to-dos on the digest day once its time has come, the deadline reminders every
working day once the reminder time has come. Every message key is unique (`pushes`), so a rerun never
doubles; a scheduler that was down catches up later the same day.

Reruns (the job runs every 15 minutes all day once the time has come):
- reminders: gathered and offered again each run — a handful of queries (one per kind, the reports',
  and `messages_queue`'s existing-key check), so a unit whose staff got an address later that day is
  reached on the next run;
- units' to-dos: run each time too, but `unit_todos_queue` skips the units already pushed in the week's
  batch (one query) — gathering every unit again costs seconds (500 units: see `pushes.unit_todos`);
- digests: a jurisdiction whose week's digest batch exists is not gathered again (gathering and
  composing 2,000 leaders' digests takes seconds, 60-odd times a Monday); a leader whose address was
  added after the first run is reached with `tuijin notify digest --today …` (`digests_run`), which
  has no short-cut and queues only the missing keys.

Imported from `apps.py` (the module registers its job and task when the app is ready).
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django_tasks import task

from tuijin.core.schedule import register_periodic
from tuijin.core.tasks import describe_task

TASK = "tuijin.notify.push_tasks.pushes_due"


def jurisdictions_with_rules():
    """(jurisdiction, NotifyRules) for each jurisdiction whose rule set (its own or an ancestor's) is in
    force. One query for the jurisdictions, one per rule set version read."""
    from tuijin.core.ruleset_selectors import ruleset_current_version
    from tuijin.org.models import Jurisdiction

    from . import rules as r

    everyone = list(Jurisdiction.objects.select_related("rule_set").order_by("path"))
    by_code = {j.code: j for j in everyone}
    versions: dict[int, dict | None] = {}
    for j in everyone:
        codes = [c for c in j.path.split("/") if c]
        picker = next((by_code[c] for c in reversed(codes) if c in by_code and by_code[c].rule_set_id), None)
        if picker is None:
            continue
        if picker.rule_set_id not in versions:
            version = ruleset_current_version(picker.rule_set)
            versions[picker.rule_set_id] = version.data if version is not None else None
        data = versions[picker.rule_set_id]
        if data is None:
            continue
        yield j, r.notify_rules(data)


def pushes_run(*, now: datetime | None = None) -> dict:
    """Queue whatever is due now in every jurisdiction; returns counts (for the tasks page)."""
    from . import pushes
    from . import rules as r
    from .models import Message

    now = now or timezone.now()
    local = timezone.localtime(now)
    today: date = local.date()
    summary = {"digests": 0, "todos": 0, "reminders": 0, "skipped": 0, "jurisdictions": []}
    for jurisdiction, rules in jurisdictions_with_rules():
        did = []
        if r.digest_due(rules, today, local.time()):
            batch = f"digest:{r.week_monday(today).isoformat()}"
            if not Message.objects.filter(jurisdiction=jurisdiction, batch=batch).exists():
                result = pushes.digests_queue(jurisdiction=jurisdiction, today=today, now=now)
                summary["digests"] += result.created
                summary["skipped"] += len(result.skipped)
                did.append("digest")
            if rules.unit_todos:
                result = pushes.unit_todos_queue(jurisdiction=jurisdiction, today=today, now=now)
                summary["todos"] += result.created
                summary["skipped"] += len(result.skipped)
                if result.created:
                    did.append("todos")
        if r.reminders_due(rules, local.time()):
            result = pushes.reminders_queue(jurisdiction=jurisdiction, today=today, now=now)
            summary["reminders"] += result.created
            summary["skipped"] += len(result.skipped)
            if result.created:
                did.append("reminders")
        if did:
            summary["jurisdictions"].append(f"{jurisdiction.code}:{'+'.join(did)}")
    return summary


def _targets(jurisdiction):
    from . import pushes

    if jurisdiction is not None:
        return [(jurisdiction, pushes.notify_rules_for(jurisdiction))]
    return list(jurisdictions_with_rules())


def _add(summary: dict, name: str, result) -> None:
    summary[name] += result.created
    summary["existing"] += result.existing
    summary["skipped"].extend(result.skipped)


def digests_run(*, today: date, jurisdiction=None, now: datetime | None = None) -> dict:
    """`tuijin notify digest --today … [--jurisdiction CODE]`: this week's digests (and the units' to-dos
    when the rule set says so) now, whatever the weekday and time; idempotent like the job."""
    from . import pushes

    summary: dict = {"digests": 0, "todos": 0, "existing": 0, "skipped": []}
    for j, rules in _targets(jurisdiction):
        _add(summary, "digests", pushes.digests_queue(jurisdiction=j, today=today, now=now))
        if rules.unit_todos:
            _add(summary, "todos", pushes.unit_todos_queue(jurisdiction=j, today=today, now=now))
    return summary


def reminders_run(*, today: date, jurisdiction=None, now: datetime | None = None) -> dict:
    """`tuijin notify reminders [--today …] [--jurisdiction CODE]`: the day's deadline reminders now."""
    from . import pushes

    summary: dict = {"reminders": 0, "existing": 0, "skipped": []}
    for j, _rules in _targets(jurisdiction):
        _add(summary, "reminders", pushes.reminders_queue(jurisdiction=j, today=today, now=now))
    return summary


@task()
def pushes_due() -> dict:
    """Every 15 minutes: the digests, to-dos and reminders whose time has come."""
    return pushes_run()


describe_task(TASK, label_zh="定时推送（周一推送、单位待办、到期提醒）")
register_periodic("notify-pushes", "*/15 * * * *", TASK, label_zh="定时推送（周一推送、单位待办、到期提醒）")
