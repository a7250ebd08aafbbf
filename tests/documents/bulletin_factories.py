"""Builders for the briefing and notice tests (H3). June 2024 in 东湖区: 东湖数字经济产业园 (区发改委)
started on 6月5日 and shows red; 东湖智造基地 (区住建局) signed in May, shows yellow and was handed over
to the office on 6月3日; the June score period ranks 区发改委 first and 区住建局 last; 区住建局 got a red card
on 6月15日. 林志远 (world.leader) has an e-mail address; the district has one WeCom robot."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from tests.projects.factories import project
from tuijin.core.models import RuleSet, RuleSetVersion
from tuijin.lights.models import ProjectLight
from tuijin.projects.models import Handover, StageTransition
from tuijin.scoring.models import ScorePeriod, UnitScore
from tuijin.supervision.models import Card

TZ = ZoneInfo("Asia/Shanghai")


def _light(p, color: str, reason: str, days: int = 0) -> ProjectLight:
    return ProjectLight.objects.create(
        project=p, color=color, shown=color, reason=reason, days=days, computed_on=date(2024, 6, 28)
    )


def june(world) -> dict:
    start = project(world, name="东湖数字经济产业园", stage="started", image_progress="主体结构施工")
    StageTransition.objects.create(
        project=start, from_stage="preparation", to_stage="started", on=date(2024, 6, 5)
    )
    _light(start, "red", "施工许可证超期 6 个工作日", 6)
    other = project(world, name="东湖智造基地", responsible_unit=world.other_dept, stage="registered")
    StageTransition.objects.create(
        project=other, from_stage="negotiating", to_stage="signed", on=date(2024, 5, 10)
    )
    StageTransition.objects.create(
        project=other, from_stage="signed", to_stage="registered", on=date(2024, 5, 20)
    )
    _light(other, "yellow", "用地规划许可证临期")
    Handover.objects.create(
        project=other,
        kind="to_office",
        from_unit=world.dept,
        to_unit=world.office,
        due_on=date(2024, 6, 10),
        handed_on=date(2024, 6, 3),
    )
    rule_set = RuleSet.objects.create(slug="test-bulletins", name="测试规则")
    version = RuleSetVersion.objects.create(rule_set=rule_set, number=1, data={}, sha256="x")
    period = ScorePeriod.objects.create(
        jurisdiction=world.district,
        key="2024-06",
        kind="month",
        start=date(2024, 6, 1),
        end=date(2024, 6, 30),
        rule_version=version,
        status="closed",
        computed_at=datetime(2024, 7, 2, 9, tzinfo=TZ),
    )
    for unit, rank, total, place in (
        (world.dept, 1, "96.50", "first"),
        (world.other_dept, 2, "81.25", "last"),
    ):
        UnitScore.objects.create(
            period=period,
            unit=unit,
            group="direct",
            group_name="区直单位",
            total=Decimal(total),
            rank=rank,
            place=place,
        )
    Card.objects.create(
        jurisdiction=world.district,
        unit=world.other_dept,
        color="red",
        period="2024",
        status="issued",
        reason="一年内累计黄牌 3 张",
        proposed_at=datetime(2024, 6, 14, 9, tzinfo=TZ),
        issued_at=datetime(2024, 6, 15, 10, tzinfo=TZ),
        year=2024,
        number=1,
    )
    world.leader_person.email = "linzhiyuan@example.gov.cn"
    world.leader_person.save()
    return {"start": start, "other": other, "period": period}


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a Word file, one per line."""
    from docx import Document

    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)  # the layout's spaces (also U+3000) are not the document's


def pdf_fonts(data: bytes) -> dict[str, bool]:
    """Each font the PDF uses → whether its file is embedded."""
    from pypdf import PdfReader

    fonts: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font["/BaseFont"])] = any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return fonts
