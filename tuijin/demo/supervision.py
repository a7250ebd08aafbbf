"""Demo supervision acts of 东湖区 (issue 6 part 4), written through the supervision services by the
supervision office (`supervisor`) and the project office (`admin`), dated in the two months before the
demo's today:

- a 窗口催办 at the approval window and a 链条跟办 of a late chain node (findings at units);
- a 实地督办 (on-site check) of a project of 区住建局 whose weekly report says more than the site shows: a
  discrepancy (填报与现场不符, the project's light turns yellow) with a site photo, and two required
  actions — one replied and checked (已整改), one overdue with a 督办单 to 区住建局 (the cards' demo counts
  it: `demo.cards.demo_cards` makes 区住建局 end with exactly two 督办单 before this month);
- a 进度评办 finding a ceremony without real progress (举行开工仪式无实质进展, that project's light turns red);
- last month's 巡回督导: the checklist prepared from the stored facts, its lines confirmed as findings, the
  act recorded, and an accountability proposal (问责建议) for a named person of one unit, which waits for
  the leader's consent on the referral pages.

Run after the lights are computed (the circuit checklist reads the stored node and project lights); the
findings refresh their projects' lights as they are recorded."""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tuijin.org.models import Jurisdiction, Person, Role, Unit, User
from tuijin.projects.models import Project
from tuijin.supervision import selectors, services
from tuijin.supervision.models import SupervisionAct

RED_UNIT = "区住建局"


def _user(username: str, role: str) -> User | None:
    return User.objects.filter(username=username, role=role, is_active=True).first()


def _clerk(unit: Unit) -> User | None:
    return (
        User.objects.filter(unit=unit, role__in=(Role.UNIT_REPORTER, Role.UNIT_HEAD), is_active=True)
        .order_by("role", "username")
        .first()
    )


def _photo(name: str, color: tuple[int, int, int]) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), color)
    draw = ImageDraw.Draw(image)
    for y in range(300, 480, 12):  # bare ground: a few furrows
        draw.line([(0, y), (640, y + 20)], fill=(color[0] - 30, color[1] - 30, color[2] - 30), width=3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _pick(
    projects: list[Project], *, unit_name: str = "", stages: tuple[str, ...] = (), skip=()
) -> Project | None:
    for p in projects:
        if p.pk in skip:
            continue
        if unit_name and p.responsible_unit.short_name != unit_name:
            continue
        if stages and p.stage not in stages:
            continue
        return p
    return None


def _month_before(day: date) -> date:
    first = day.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


@transaction.atomic
def demo_supervision(district: Jurisdiction, *, today: date) -> str:
    if SupervisionAct.objects.filter(jurisdiction=district).exists():
        return f"督查记录：已有 {SupervisionAct.objects.filter(jurisdiction=district).count()} 条，保留不变"
    supervisor = _user("supervisor", Role.SUPERVISOR)
    admin = _user("admin", Role.OFFICE_ADMIN)
    if supervisor is None or admin is None:
        return "督查记录：没有督查人员或项目办管理员账号，未生成"
    projects = list(
        Project.objects.filter(jurisdiction=district, responsible_unit__isnull=False)
        .exclude(stage__in=("completed", "producing"))
        .select_related("responsible_unit")
        .order_by("id")
    )
    building = ("started", "construction")
    onsite_p = _pick(projects, unit_name=RED_UNIT, stages=building) or _pick(projects, stages=building)
    if onsite_p is None:
        return "督查记录：没有在建项目，未生成"
    ceremony_p = _pick(projects, stages=("started",), skip={onsite_p.pk}) or _pick(
        projects, stages=building, skip={onsite_p.pk}
    )
    units = {u.short_name: u for u in Unit.objects.filter(jurisdiction=district)}
    inspectors = "区委区政府督查室 督查人员、区重点公共建设项目管理中心 项目办管理员"
    made = []

    # 窗口催办 at the approval window (45 days ago)
    window_day = today - timedelta(days=45)
    window_unit = units.get("区行政审批局") or onsite_p.responsible_unit
    window = services.act_create(
        actor=supervisor,
        jurisdiction=district,
        kind="window",
        title="重点项目审批事项窗口催办",
        date=window_day,
        inspectors=inspectors,
        lead_unit=units.get("区督查室"),
        units=[window_unit],
        summary="按项目计划推进表核对审批事项办理进度，对 3 个超时事项当场催办。",
        today=window_day,
    )
    services.finding_add(
        actor=supervisor,
        act=window,
        kind="issue",
        unit=window_unit,
        note="施工许可等 3 个审批事项超过承诺时限，窗口已承诺 5 个工作日内办结。",
        today=today,
    )
    services.act_record(actor=supervisor, act=window, today=window_day)
    made.append(window)

    # 链条跟办 of a late node (30 days ago)
    chain_day = today - timedelta(days=30)
    from tuijin.lights.models import NodeLight

    late = (
        NodeLight.objects.filter(project__jurisdiction=district, shown__in=("red", "yellow"))
        .select_related("node__responsible_unit", "project")
        .order_by("-days", "node_id")
        .first()
    )
    chain_unit = late.node.responsible_unit if late is not None else onsite_p.responsible_unit
    chain = services.act_create(
        actor=admin,
        jurisdiction=district,
        kind="chain",
        title="推进链条滞后环节专项跟办",
        date=chain_day,
        inspectors=inspectors,
        projects=[late.project] if late is not None else [],
        units=[chain_unit],
        summary="对照年度推进链条，对时间进度滞后的环节逐一跟办。",
        today=chain_day,
    )
    services.finding_add(
        actor=admin,
        act=chain,
        kind="issue",
        project=late.project if late is not None else None,
        unit=chain_unit,
        node=late.node if late is not None else None,
        note=(f"{late.reason}，责任单位已说明原因并承诺限期完成。" if late is not None else "链条环节滞后。"),
        today=today,
    )
    services.act_record(actor=admin, act=chain, today=chain_day)
    made.append(chain)

    # 实地督办: what was reported against what was seen (20 days ago)
    site_day = today - timedelta(days=20)
    unit = onsite_p.responsible_unit
    onsite = services.act_create(
        actor=supervisor,
        jurisdiction=district,
        kind="onsite",
        title=f"{onsite_p.name}施工现场实地督办",
        date=site_day,
        inspectors=inspectors,
        lead_unit=units.get("区督查室"),
        projects=[onsite_p],
        units=[unit],
        summary="对照单位最近一期周报，现场核实形象进度、施工人员和机械投入情况。",
        today=site_day,
    )
    facts = selectors.reported_facts(onsite_p)
    finding = services.finding_add(
        actor=supervisor,
        act=onsite,
        kind="discrepancy",
        project=onsite_p,
        observed="现场仅见少量施工人员，主体结构施工未开展；周报所述形象进度与现场不符。",
        reported=facts.text,
        today=today,
    )
    services.photo_add(
        actor=supervisor,
        act=onsite,
        file=_photo("现场全景.jpg", (150, 130, 100)),
        taken_on=site_day,
        caption="施工现场全景：主体结构未施工",
        finding=finding,
        today=site_day,
    )
    done = services.action_add(
        actor=supervisor,
        act=onsite,
        unit=unit,
        content="如实更正周报形象进度，说明与现场不符的原因。",
        deadline=site_day + timedelta(days=5),
        finding=finding,
        today=site_day,
    )
    overdue = services.action_add(
        actor=supervisor,
        act=onsite,
        unit=unit,
        content="增加施工人员和机械投入，主体结构施工于 10 日内全面展开。",
        deadline=site_day + timedelta(days=10),
        finding=finding,
        today=site_day,
    )
    services.act_record(actor=supervisor, act=onsite, today=site_day)
    clerk = _clerk(unit)
    if clerk is not None:
        services.action_reply(
            actor=clerk,
            action=done,
            reply="已更正周报最新工作进展，并书面说明前期填报口径有误。",
            today=site_day + timedelta(days=3),
        )
        services.action_check(
            actor=supervisor,
            action=done,
            result="done",
            note="周报已更正，整改到位。",
            today=site_day + timedelta(days=4),
        )
    slip = services.action_supervise(
        actor=supervisor, action=overdue, today=site_day + timedelta(days=11)
    ).slip
    made.append(onsite)

    # 进度评办: a ceremony without real progress (12 days ago)
    if ceremony_p is not None:
        eval_day = today - timedelta(days=12)
        evaluation = services.act_create(
            actor=supervisor,
            jurisdiction=district,
            kind="evaluation",
            title="新开工项目进度评办",
            date=eval_day,
            inspectors=inspectors,
            projects=[ceremony_p],
            units=[ceremony_p.responsible_unit],
            summary="对已报开工的新开工项目逐一评办实际进展。",
            today=eval_day,
        )
        services.finding_add(
            actor=supervisor,
            act=evaluation,
            kind="ceremony",
            project=ceremony_p,
            observed="已举行开工仪式，但现场无施工队伍进场，未见实质性施工。",
            today=today,
        )
        services.photo_add(
            actor=supervisor,
            act=evaluation,
            file=_photo("开工仪式后现场.jpg", (170, 150, 110)),
            taken_on=eval_day,
            caption="开工仪式后现场：无施工",
            project=ceremony_p,
            today=eval_day,
        )
        services.act_record(actor=supervisor, act=evaluation, today=eval_day)
        made.append(evaluation)

    # last month's 巡回督导 with an accountability proposal
    month = _month_before(today)
    circuit = services.circuit_prepare(actor=supervisor, jurisdiction=district, month=month, today=today)
    checklist = selectors.circuit_checklist(district, month=month, today=today, act=circuit)
    keys = [ln.key for g in checklist.groups[:4] for ln in g.lines[:3]]
    if keys:
        services.circuit_confirm(actor=supervisor, act=circuit, keys=keys, today=today)
    services.act_record(actor=supervisor, act=circuit, today=today)
    proposals = 0
    target = checklist.groups[0].unit if checklist.groups else unit
    person = Person.objects.filter(unit=target).order_by("id").first()
    services.circuit_propose(
        actor=supervisor,
        act=circuit,
        unit=target,
        person_name=person.name if person is not None else "某某",
        person_post=person.post if person is not None else "分管负责人",
        proposal=(
            f"{month.year}年{month.month}月巡回督导发现{target.name}节点计划执行滞后、督办事项逾期未办结，"
            "经督导组研究，建议对单位分管负责人予以约谈问责。"
        ),
        today=today,
    )
    proposals += 1
    made.append(circuit)
    return (
        f"督查记录：{len(made)} 条（窗口催办、链条跟办、实地督办、进度评办、{month.month}月巡回督导），"
        f"填报与现场不符 1 项、开工仪式无实质进展 {1 if ceremony_p else 0} 项，"
        f"督办单 {slip.number_text} 致{slip.to_unit.short_name or slip.to_unit.name}，问责建议 {proposals} 条"
    )
