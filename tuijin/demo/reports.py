"""The demo's weekly and monthly reports (issue 5 parts 1–2): four past weeks of 周报 for every project
that must report, in varied states, and May's 月报 for the demo reporter's unit.

The last due week (the one `today` falls in, or the week before it when today is before Friday) is
reported by every project (some late, some waiting for the head or the office, one returned), so the
lights' staleness (周报缺报 — the newest due cycle missing) changes no light: the demo's pinned light
counts stay as they were. Earlier weeks have a few missing and late reports and one 代填. May's monthly
report repeats May's recorded investment (no entry changes). Written in bulk, with every version row.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from tuijin.org.models import Jurisdiction, Role, Unit, User
from tuijin.projects.models import InvestmentEntry, Project
from tuijin.reports import rules
from tuijin.reports.models import Report, ReportVersion
from tuijin.reports.selectors import _must_report
from tuijin.reports.services import content_of, period_due

TZ = ZoneInfo("Asia/Shanghai")
WEEKS = 4
PROGRESS = (
    "完成桩基施工{n}根，主体结构按计划推进",
    "土方开挖完成约{p}%，正在办理施工许可证",
    "主体结构施工至第{n}层，外立面招标准备中",
    "设备基础浇筑完成，钢结构吊装进度{p}%",
    "完成初步设计评审，施工图设计进行中",
)
NEEDS = ("", "", "需协调解决临时用电接入", "需协调周边居民征迁补偿", "需协调施工图审查提速")
PLANS = (
    "继续推进主体施工，完成第{n}层结构",
    "完成施工许可证办理，组织进场施工",
    "推进设备采购和安装，开展联合调试准备",
    "完成施工图审查，启动施工招标",
)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=TZ)


def demo_reports(district: Jurisdiction, *, today: date, seed: int = 2024) -> str:
    """Write the demo's reports; returns a line for the demo's summary."""
    rng = random.Random(seed + 5)
    users = {u.username: u for u in User.objects.filter(username__in=("admin", "head", "reporter"))}
    admin, head, reporter = users.get("admin"), users.get("head"), users.get("reporter")
    demo_unit = reporter.unit if reporter is not None else None
    heads = {
        u.unit_id: u for u in User.objects.filter(jurisdiction=district, role=Role.UNIT_HEAD).order_by("pk")
    }
    reporters = {
        u.unit_id: u
        for u in User.objects.filter(jurisdiction=district, role=Role.UNIT_REPORTER).order_by("pk")
    }
    last_due = rules.period_start("weekly", today)
    unit_for_due = Unit(jurisdiction_id=district.pk)
    if period_due(unit_for_due, "weekly", last_due) >= today:
        last_due -= timedelta(days=7)
    weeks = [last_due - timedelta(days=7 * k) for k in range(WEEKS - 1, -1, -1)]
    projects = list(
        _must_report(Project.objects.filter(jurisdiction=district), today.year)
        .select_related("service_officer")
        .order_by("pk")
    )
    reports: list[Report] = []
    versions: list[tuple[Report, list[tuple[str, str, User | None, datetime, str]]]] = []
    counts = {"accepted": 0, "late": 0, "missing": 0, "returned": 0}
    for week in weeks:
        due_on = period_due(unit_for_due, "weekly", week)
        newest = week == last_due
        for index, project in enumerate(projects):
            roll = rng.random()
            if not newest and roll < 0.04:
                counts["missing"] += 1
                continue
            n, p = rng.randint(3, 30), rng.randint(20, 95)
            report = Report(
                project=project,
                unit_id=project.responsible_unit_id,
                kind="weekly",
                period_start=week,
                due_on=due_on,
                basic_facts=f"总投资 {project.total_investment} 万元。",
                needs=rng.choice(NEEDS),
                progress=rng.choice(PROGRESS).format(n=n, p=p),
                plan_next=rng.choice(PLANS).format(n=n + 2),
                responsible_person=project.service_officer.name if project.service_officer else "项目负责人",
                unit_head_name=getattr(
                    getattr(heads.get(project.responsible_unit_id), "person", None), "name", ""
                ),
            )
            late = roll > 0.93
            submitted = _at(due_on + timedelta(days=1 if late else -1), 16 if late else 10)
            author = reporters.get(project.responsible_unit_id) or reporter
            unit_head = heads.get(project.responsible_unit_id) or head
            events = [("submit", "submitted", author, submitted, "")]
            report.first_submitted_at = report.submitted_at = submitted
            report.submitted_by = author
            report.version = 1
            counts["late"] += late
            own = demo_unit is not None and project.responsible_unit_id == demo_unit.pk
            if newest and own and index % 4 == 0:
                report.status = "submitted"  # the demo head's to-do
            elif newest and own and index % 4 == 1 and not counts["returned"]:
                report.status = "returned"
                report.return_reason = "进展未写明完成比例和下一步时间节点，请补充后再报"
                events += [
                    ("approve", "approved", unit_head, submitted + timedelta(hours=2), ""),
                    ("return", "returned", admin, submitted + timedelta(days=1), report.return_reason),
                ]
                report.approved_by, report.approved_at = unit_head, submitted + timedelta(hours=2)
                report.reviewed_by, report.reviewed_at = admin, submitted + timedelta(days=1)
                counts["returned"] += 1
            elif newest and roll > 0.7:
                report.status = "approved"  # the office's to-do
                report.approved_by, report.approved_at = unit_head, submitted + timedelta(hours=2)
                events.append(("approve", "approved", unit_head, report.approved_at, ""))
            elif not newest and index == 3 and week == weeks[0]:
                report.status = "accepted"  # 代填 by the office
                report.is_proxy, report.proxy_by = True, admin
                report.submitted_by = admin
                report.reviewed_by, report.reviewed_at = admin, submitted
                events = [("proxy", "accepted", admin, submitted, "")]
                counts["accepted"] += 1
            else:
                report.status = "accepted"
                report.approved_by, report.approved_at = unit_head, submitted + timedelta(hours=2)
                report.reviewed_by, report.reviewed_at = admin, submitted + timedelta(days=1)
                events += [
                    ("approve", "approved", unit_head, report.approved_at, ""),
                    ("accept", "accepted", admin, report.reviewed_at, ""),
                ]
                counts["accepted"] += 1
            report.saved_by, report.saved_at = author, submitted
            reports.append(report)
            versions.append((report, events))
    monthly = _monthly(projects, demo_unit, head, reporter, admin, today)
    for report, events in monthly:
        reports.append(report)
        versions.append((report, events))
    for report, events in versions:
        report.events = len(events)
    Report.objects.bulk_create(reports, batch_size=500)
    rows = []
    for report, events in versions:
        snapshot = content_of(report)
        for seq, (event, status, author, at, reason) in enumerate(events, start=1):
            rows.append(
                ReportVersion(
                    report=report,
                    seq=seq,
                    version=1,
                    event=event,
                    status=status,
                    content=snapshot,
                    author=author,
                    at=at,
                    reason=reason,
                    is_proxy=event == "proxy",
                )
            )
    ReportVersion.objects.bulk_create(rows, batch_size=1000)
    return (
        f"周报 {len(weeks)} 周、月报 {len(monthly)} 份：已通过 {counts['accepted']} 份，退回 {counts['returned']} 份，"
        f"迟报 {counts['late']} 份，缺报 {counts['missing']} 份"
    )


def _monthly(projects, unit, head, reporter, admin, today):
    """May's monthly report of the demo reporter's unit, repeating May's recorded investment."""
    if unit is None:
        return []
    month = rules.previous_period("monthly", rules.period_start("monthly", today))
    due_on = period_due(unit, "monthly", month)
    own = [p for p in projects if p.responsible_unit_id == unit.pk]
    amounts = dict(
        InvestmentEntry.objects.filter(project__in=own, year=month.year, month=month.month)
        .filter(~Q(amount=None))
        .values_list("project_id", "amount")
    )
    out = []
    for project in own:
        submitted = _at(due_on - timedelta(days=1), 11)
        report = Report(
            project=project,
            unit=unit,
            kind="monthly",
            period_start=month,
            due_on=due_on,
            status="accepted",
            progress="本月按计划推进，完成月度形象进度目标",
            plan_next="下月继续推进主体施工",
            new_starts="无",
            problem_status="上月交办问题已按时限解决",
            difficulties="",
            investment_completed=amounts.get(project.pk),
            responsible_person="项目负责人",
            version=1,
            submitted_by=reporter,
            submitted_at=submitted,
            first_submitted_at=submitted,
            approved_by=head,
            approved_at=submitted + timedelta(hours=3),
            reviewed_by=admin,
            reviewed_at=submitted + timedelta(days=1),
        )
        out.append(
            (
                report,
                [
                    ("submit", "submitted", reporter, submitted, ""),
                    ("approve", "approved", head, report.approved_at, ""),
                    ("accept", "accepted", admin, report.reviewed_at, ""),
                ],
            )
        )
    return out


def wipe_reports(root: Jurisdiction) -> None:
    """Remove the reports (versions, photos' rows, camera links) of `root`'s subtree before the library
    is wiped (raw deletes, like `demo.library.wipe_library`)."""
    from tuijin.reports.models import CameraLink, SitePhoto

    projects = Project.objects.filter(jurisdiction__path__startswith=root.path).values("pk")
    for queryset in (
        ReportVersion.objects.filter(report__project__in=projects),
        SitePhoto.objects.filter(project__in=projects),
        CameraLink.objects.filter(project__in=projects),
        Report.objects.filter(project__in=projects),
    ):
        queryset._raw_delete(queryset.db)
