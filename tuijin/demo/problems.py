"""Demo problems of 东湖区: a dozen realistic problems across every state of the closed loop (梳理—交办—
跟踪—销号), with their slips, one overdue and some closed. Written through the services (the office
`admin`, the reporter accounts of the units), dated in the weeks before the demo's today. Problems do not
feed the lights, so the pinned light counts stay as they are."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction

from tuijin.org.models import Jurisdiction, Role, User
from tuijin.problems import services
from tuijin.problems.models import Problem
from tuijin.projects.models import Project

# (kind, grade, title, description, needs, final state)
PROBLEMS = [
    (
        "demolition",
        "serious",
        "地块内 3 户居民房屋征收未完成",
        "项目红线内尚有 3 户住宅未签订征收补偿协议，影响场地平整。",
        "请街道加快入户协商",
        "acknowledged_overdue",
    ),
    (
        "land",
        "major",
        "用地规划红线与地籍权属不一致",
        "规划红线东侧约 0.8 亩与相邻地块权属存在争议。",
        "请自然资源部门核定红线",
        "closed",
    ),
    (
        "utilities",
        "general",
        "施工临时用电未接入",
        "项目已进场，施工临时用电报装 20 个工作日未接入。",
        "请供电公司加快接电",
        "closed",
    ),
    (
        "approval",
        "major",
        "施工图审查意见反复修改",
        "施工图审查已三轮退改，影响施工许可办理。",
        "请住建部门组织会审",
        "replied",
    ),
    (
        "funding",
        "major",
        "专项债资金未按计划拨付",
        "第二批专项债资金 2000 万元尚未拨付，影响工程款支付。",
        "请财政部门协调拨付",
        "acknowledged",
    ),
    (
        "utilities",
        "general",
        "市政雨污水管网接驳口未预留",
        "项目北侧道路未预留雨污水接驳口。",
        "请城管部门确定接驳方案",
        "assigned",
    ),
    (
        "demolition",
        "major",
        "管线迁改涉及通信光缆",
        "场地内通信光缆迁改方案未确定。",
        "请通信运营商出具迁改方案",
        "escalated",
    ),
    (
        "land",
        "general",
        "临时占道施工许可未批复",
        "施工围挡需临时占用人行道，申请已提交 10 日。",
        "",
        "sorted",
    ),
    ("approval", "general", "环评批复前置条件不明确", "环评报告受理后要求补充材料清单不明确。", "", "filed"),
    (
        "other",
        "general",
        "周边居民反映夜间施工噪音",
        "周边小区居民多次反映夜间施工噪音。",
        "请协调施工时段",
        "transfer_requested",
    ),
    ("utilities", "major", "天然气管道接入方案未确定", "燃气公司尚未出具接入方案。", "", "supervised"),
    ("funding", "general", "配套资金申报材料退回", "省级配套资金申报材料被退回补正。", "", "closed"),
]


def _evidence(name: str) -> ContentFile:
    return ContentFile(b"%PDF-1.4\n% demo evidence\n", name=name)


def _reporter_of(unit) -> User | None:
    return (
        User.objects.filter(unit=unit, role__in=(Role.UNIT_REPORTER, Role.UNIT_HEAD), is_active=True)
        .order_by("role", "username")
        .first()
    )


@transaction.atomic
def demo_problems(district: Jurisdiction, *, today: date) -> str:
    if Problem.objects.filter(jurisdiction=district).exists():
        return f"问题闭环：已有 {Problem.objects.filter(jurisdiction=district).count()} 个问题"
    admin = User.objects.filter(username="admin").first()
    projects = list(
        Project.objects.filter(jurisdiction=district, responsible_unit__isnull=False)
        .exclude(stage="completed")
        .select_related("responsible_unit")
        .order_by("id")[:40]
    )
    if admin is None or not projects:
        return "问题闭环：没有可用的项目"
    staffed = [p for p in projects if _reporter_of(p.responsible_unit) is not None]
    reporter = User.objects.filter(username="reporter").first()
    mine = [p for p in staffed if reporter is not None and p.responsible_unit_id == reporter.unit_id]
    for i, (kind, grade, title, description, needs, state) in enumerate(PROBLEMS):
        project = (
            (mine[i] if i < len(mine) and i % 2 == 0 else staffed[i % len(staffed)]) if staffed else None
        )
        if project is None:
            break
        unit = project.responsible_unit
        clerk = _reporter_of(unit)
        start = today - timedelta(days=40 - 2 * i)
        problem = services.problem_file(
            actor=clerk,
            project=project,
            kind=kind,
            grade=grade,
            title=title,
            description=description,
            needs=needs,
            today=start,
        )
        if state == "filed":
            continue
        problem = services.problem_sort(
            actor=admin,
            problem=problem,
            kind=kind,
            grade=grade,
            note="已梳理",
            today=start + timedelta(days=1),
        )
        if state == "sorted":
            continue
        workdays = 5 if state == "acknowledged_overdue" else 15
        problem = services.problem_assign(
            actor=admin,
            problem=problem,
            unit=unit,
            workdays=workdays,
            requirement="请按期办结并书面答复，附佐证材料。",
            today=start + timedelta(days=2),
        )
        if state == "assigned":
            continue
        problem = services.problem_acknowledge(actor=clerk, problem=problem, today=start + timedelta(days=3))
        services.problem_progress(
            actor=clerk, problem=problem, note="已对接相关部门，正在办理。", today=start + timedelta(days=5)
        )
        if state == "acknowledged_overdue":
            services.problem_remind(
                actor=admin,
                problem=problem,
                content=f"“{title}”即将到期，请抓紧办理。",
                today=start + timedelta(days=8),
            )
            continue
        if state == "supervised":
            services.problem_supervise(
                actor=admin,
                problem=problem,
                content=f"“{title}”进展缓慢，请加快办理。",
                today=start + timedelta(days=9),
            )
            continue
        if state == "transfer_requested":
            services.problem_request_transfer(
                actor=clerk,
                problem=problem,
                reason="属城管部门职责，建议转办。",
                today=start + timedelta(days=6),
            )
            continue
        if state == "escalated" and services.ladder_for(district):
            services.problem_request_escalation(
                actor=clerk,
                problem=problem,
                reason="涉及多家单位，需上级协调。",
                today=start + timedelta(days=6),
            )
            services.problem_escalate(actor=admin, problem=problem, today=start + timedelta(days=7))
            continue
        if state == "acknowledged":
            continue
        services.problem_reply(
            actor=clerk,
            problem=problem,
            resolution="问题已解决，相关批复文件附后。",
            files=[_evidence("办理结果.pdf")],
            today=start + timedelta(days=10),
        )
        if state == "replied":
            continue
        services.problem_review_close(
            actor=admin, problem=problem, note="经复核，予以销号。", today=start + timedelta(days=11)
        )
    count = Problem.objects.filter(jurisdiction=district).count()
    from tuijin.problems.models import Slip

    slips = Slip.objects.filter(jurisdiction=district).count()
    return f"问题闭环：{count} 个问题，{slips} 张四单"


def wipe_problems(root: Jurisdiction) -> None:
    """Remove the problems and slips of `root`'s subtree (the demo's own records), before the library goes."""
    from tuijin.problems.models import Counter, ProblemAttachment, ProblemEvent, Slip

    under = {"jurisdiction__path__startswith": root.path}
    problems = Problem.objects.filter(**under).values("pk")
    for attachment in ProblemAttachment.objects.filter(problem__in=problems):
        attachment.file.delete(save=False)
    ProblemAttachment.objects.filter(problem__in=problems).delete()
    ProblemEvent.objects.filter(problem__in=problems).delete()
    Slip.objects.filter(**under).delete()
    Problem.history.model.objects.filter(jurisdiction__path__startswith=root.path).delete()
    Problem.objects.filter(**under).delete()
    Counter.objects.filter(**under).delete()
