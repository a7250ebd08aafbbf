"""What each demo project is and what happened to it up to `today` (issue 3 part 8).

A district's library is told as stories: one per project, holding the unsaved project, its transitions,
plan entry, monthly investment, funding, hand-overs and plan changes; `library.py` writes them in bulk.

Two random streams keep the demo reproducible and stable: the district's *identity* stream (seed, code,
year) decides what the projects are (names, categories, units, money, planned dates), so pinning another
day of the same year shows the same projects; each project's *outcome* stream (seed, code, number, today)
decides what happened by `today` (starts on time, late or not yet; completions; investment).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from tuijin.org.models import Jurisdiction, Person, Unit, User
from tuijin.projects import rules
from tuijin.projects.models import (
    FundingSource,
    Handover,
    InvestmentEntry,
    PlanChange,
    PlanEntry,
    Project,
    StageTransition,
)

from . import library_data as data

CENT = Decimal("0.01")
MONTH_WEIGHTS = (3, 4, 8, 9, 9, 9, 8, 9, 10, 10, 10, 11)  # construction season; 春节 slows Jan–Feb
ATTRACTED_PATH = ("planning", "negotiating", "signed", "registered", "landed", "preparation")
CODED_STAGES = ("registered", "landed", "preparation", "started")
DOCUMENTS = {
    "signed": "投资协议",
    "registered": "营业执照",
    "landed": "不动产权证书",
    "started": "建筑工程施工许可证",
    "completed": "竣工验收备案表",
    "producing": "现场核实记录",
}


@dataclass
class District:
    """The organisation one district's library draws on."""

    jurisdiction: Jurisdiction
    codes: tuple[str, ...]  # its code and its ancestors', for the project-code check
    units: dict[str, Unit]  # by short name
    streets: list[Unit]
    approval: list[Unit]
    office: Unit
    leader_of: dict[int, Person]  # unit id → the leader in charge of it
    leaders: list[Person]  # leaders who lead projects
    staff: dict[int, list[Person]]  # unit id → its people (service officers)
    recorder: User | None
    places: list[str]
    centre: tuple[float, float]
    signer: str = ""  # the investment bureau's head, who signs its hand-overs
    office_signer: str = ""  # the project office's head, who signs the office's

    @property
    def recorder_id(self) -> int | None:
        return self.recorder.pk if self.recorder else None


@dataclass
class Story:
    project: Project
    entered_on: date
    tags: list[str] = field(default_factory=list)
    secondary: list[Unit] = field(default_factory=list)
    funding: list[FundingSource] = field(default_factory=list)
    transitions: list[StageTransition] = field(default_factory=list)
    investments: list[InvestmentEntry] = field(default_factory=list)
    handovers: list[Handover] = field(default_factory=list)
    entry: PlanEntry | None = None
    changes: list[PlanChange] = field(default_factory=list)
    targets: list[Decimal] = field(default_factory=list)  # the plan entry's monthly targets

    def on(self, stage: str) -> date | None:
        """The (latest) date the project moved into `stage`."""
        found = [t.on for t in self.transitions if t.to_stage == stage]
        return found[-1] if found else None


@dataclass
class Slot:
    """A project of the year's plan before its story is told."""

    category: str
    plan_type: str
    name: str = ""
    sector: str = ""
    tags: tuple[str, ...] = ()
    unit: str = ""
    weight: float = 1.0
    planned: Decimal = Decimal(0)
    stalled: bool = False
    removed: bool = False
    added: bool = False


def split(total: int, shares: dict[str, int]) -> dict[str, int]:
    """`total` split in proportion to `shares` (largest remainder), so the parts add up exactly."""
    whole = sum(shares.values())
    raw = {key: total * share / whole for key, share in shares.items()}
    parts = {key: int(value) for key, value in raw.items()}
    for key in sorted(raw, key=lambda k: parts[k] - raw[k])[: total - sum(parts.values())]:
        parts[key] += 1
    return parts


def spread(total: Decimal, weights: list[float]) -> list[Decimal]:
    """`total` over `weights` to the cent; the parts add up exactly."""
    if not weights or sum(weights) <= 0:
        return []
    cents = int(total * 100)
    whole = sum(weights)
    parts = [int(cents * w / whole) for w in weights]
    parts[max(range(len(parts)), key=lambda i: weights[i])] += cents - sum(parts)
    return [Decimal(p) / 100 for p in parts]


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(first: date, last: date) -> Iterator[tuple[int, int]]:
    """(year, month) from the month of `first` to the month of `last`, inclusive."""
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


class DistrictLibrary:
    """Tells the stories of one district's library around `today`."""

    def __init__(self, district: District, *, today: date, seed: int, names: NameSource) -> None:
        self.d = district
        self.today = today
        self.year = today.year
        self.seed = seed
        self.code = district.jurisdiction.code
        self.ident = random.Random(f"{seed}:{self.code}:{self.year}")
        self.names = names
        self.plan_day = date(self.year, 2, 6)  # DH24 was issued on 6 February
        self.anchor = min(today, self.plan_day)
        self.count = 0
        self.used_codes: set[str] = names.used_codes
        # Plan changes (when the plan has run long enough to change): removals, then additions a week on.
        self.added_on = today - timedelta(days=30)
        self.removed_on = self.added_on - timedelta(days=10)

    # -------------------------------------------------------------------------------------------
    # The year's plan: which projects, of which kind, with how much planned investment.

    def plan_slots(self, *, planned: int, investment: int, notice: bool) -> list[Slot]:
        by_category = split(planned, data.CATEGORY_SHARE)
        slots: list[Slot] = []
        for category in data.CATEGORY_ORDER:
            for plan_type, n in split(by_category[category], data.PLAN_TYPE_SHARE).items():
                slots += [Slot(category, plan_type) for _ in range(n)]
        if notice:
            self._name_notice_projects(slots)
        self._allocate(slots, Decimal(investment))
        return slots

    def _name_notice_projects(self, slots: list[Slot]) -> None:
        for name, category, sector, plan_type, tags, unit, weight in data.NOTICE_PROJECTS:
            free = [s for s in slots if not s.name and (s.category, s.plan_type) == (category, plan_type)]
            if not free:
                continue
            slot = free[0]
            slot.name = self.names.take(name.format(year=self.year))
            slot.sector, slot.tags, slot.unit, slot.weight = sector, tuple(tags), unit, weight
            slot.stalled = name in data.STALLED

    def _allocate(self, slots: list[Slot], total: Decimal) -> None:
        """The year's planned investment over the slots, in whole 万元 rounded to 10, adding up exactly."""
        if not slots:
            return
        type_weight = {"new_start": 0.8, "continuing": 1.2, "completion": 0.7}
        weights = [s.weight * type_weight[s.plan_type] * self.ident.lognormvariate(0, 0.8) for s in slots]
        whole = sum(weights)
        for slot, weight in zip(slots, weights, strict=True):
            slot.planned = max(Decimal(300), Decimal(round(float(total) * weight / whole, -1)))
        biggest = max(slots, key=lambda s: s.planned)
        biggest.planned += total - sum(s.planned for s in slots)

    def replace(self, slots: list[Slot], count: int) -> list[Slot]:
        """Take `count` unnamed 计划新开工 projects out of the plan and add as many new ones with the same
        category and planned investment (so the plan keeps its 90 projects and its total)."""
        candidates = [s for s in slots if s.plan_type == "new_start" and not s.name]
        removed = self.ident.sample(candidates, min(max(count, 0), len(candidates)))
        if self.today < date(self.year, 4, 1):
            return []  # too early in the year for the plan to have changed
        added = []
        for slot in removed:
            slot.removed = True
            slot.tags = ("区重点",)
            added.append(Slot(slot.category, "new_start", planned=slot.planned, added=True, tags=("区重点",)))
        return added

    # -------------------------------------------------------------------------------------------
    # One project

    def _outcome(self) -> random.Random:
        self.count += 1
        return random.Random(f"{self.seed}:{self.code}:{self.count}:{self.today.isoformat()}")

    def _project(self, category: str, *, name: str = "", sector: str = "", unit: str = "") -> Project:
        ident, d = self.ident, self.d
        if not name:
            name, sector = self.names.invent(category, d.places, ident, sector=sector)
        if not sector:
            sector = ident.choice([s for _, s in data.FACILITIES[category]])
        unit = unit or ident.choice(data.RESPONSIBLE[category])
        if category == "livelihood":
            unit = next((u for word, u in data.LIVELIHOOD_UNITS.items() if word in name), unit)
        responsible = d.units[unit]
        supervising = data.SUPERVISING[category]
        street = ident.choice(d.streets)
        lon = Decimal(d.centre[0] + ident.uniform(-0.035, 0.035)).quantize(Decimal("0.000001"))
        lat = Decimal(d.centre[1] + ident.uniform(-0.03, 0.03)).quantize(Decimal("0.000001"))
        place = next((p for p in d.places if p in name), ident.choice(d.places))
        return Project(
            jurisdiction=d.jurisdiction,
            name=name,
            category=category,
            sector=sector,
            address=f"{d.jurisdiction.name}{place}{self._number(place, ident)}",
            longitude=lon,
            latitude=lat,
            lead_leader=d.leader_of.get(responsible.pk) or ident.choice(d.leaders),
            responsible_unit=responsible,
            service_officer=ident.choice(d.staff.get(responsible.pk) or d.staff[d.office.pk]),
            owner=self._owner(category, sector, responsible, ident),
            supervising_unit=d.units[supervising] if supervising else responsible,
            street=street,
            coordinating_office=d.office,
        )

    def _number(self, place: str, ident: random.Random) -> str:
        number = ident.randint(1, 399)
        return f"{number}号" if place.endswith(("路", "大道")) else "片区"

    def _owner(self, category: str, sector: str, responsible: Unit, ident: random.Random) -> str:
        if sector in data.COMPANY_KINDS:
            city = "南昌" if sector == "real_estate" else "江西"
            return f"{city}{ident.choice(data.COMPANY_WORDS)}{ident.choice(data.COMPANY_KINDS[sector])}"
        if category == "urban_construction":
            return f"南昌市{self.d.jurisdiction.name}城市建设投资发展集团有限公司"
        return f"南昌市{self.d.jurisdiction.name}{responsible.name.removeprefix('区')}"

    def _content(self, project: Project, ident: random.Random) -> str:
        facility = next((f for f, _ in data.FACILITIES[project.category] if f in project.name), "主体工程")
        template = data.CONTENT[project.category]
        if project.category == "urban_construction" and project.sector == "infrastructure":
            template = data.CONTENT["works"]
        return template.format(
            area=ident.randint(2, 40),
            land=ident.randint(20, 300),
            facility=facility,
            firms=ident.randint(10, 80),
            count=ident.randint(3, 30),
            households=ident.randint(300, 6000),
            km=ident.randint(2, 40),
            seats=ident.randint(100, 2000),
            small_area=ident.randint(5, 60) / 10,
        )

    def _story(
        self, project: Project, entered: date, stages: list[tuple[str, date]], out: random.Random
    ) -> Story:
        story = Story(project=project, entered_on=entered)
        previous = ""
        for stage, on in stages:
            document = DOCUMENTS.get(stage, "")
            story.transitions.append(
                StageTransition(
                    from_stage=previous,
                    to_stage=stage,
                    on=on,
                    document=document,
                    note="录入项目库" if not previous else "",
                    recorded_by_id=self.d.recorder_id,
                )
            )
            previous = stage
        project.stage = previous
        project.content = self._content(project, self.ident)
        story.secondary = [project.street]
        if self.ident.random() < 0.5 and self.d.approval:
            story.secondary.append(self.ident.choice(self.d.approval))
        texts = data.IMAGE_PROGRESS[previous]
        if previous in ("started", "construction") and project.sector == "infrastructure":
            texts = data.IMAGE_PROGRESS_WORKS
        floors = (3, 28) if project.category in ("industry", "urban_construction") else (2, 8)
        project.image_progress = out.choice(texts).format(floor=out.randint(*floors), pct=out.randint(10, 90))
        self._code(story, out)
        return story

    def _code(self, story: Story, out: random.Random) -> None:
        """A valid 24-character national code once the project is registered or in preparation."""
        coded = [t.on for t in story.transitions if t.to_stage in CODED_STAGES]
        if not coded:
            return
        year = coded[0].year
        department = out.choice(data.CODE_DEPARTMENTS[story.project.category])
        kind = "03" if story.project.sector in data.COMPANY_KINDS else "01"
        while True:
            head = f"{year}{self.code[:6]}{department}{kind}"
            if year >= rules.CHECK_CHARACTER_FROM_YEAR:
                digits = f"{out.randrange(100000):05d}"
                serial = digits + rules.check_character(head + digits)
            else:
                serial = f"{out.randrange(1000000):06d}"
            code = f"{year}-{self.code[:6]}-{department}-{kind}-{serial}"
            if code not in self.used_codes:
                break
        self.used_codes.add(code)
        check = rules.check_project_code(code, jurisdiction_codes=self.d.codes, today=self.today)
        story.project.code = check.code
        story.project.code_note = "；".join(check.notes)[:120]

    def _path_back(self, stages: tuple[str, ...], end: date, out: random.Random) -> list[tuple[str, date]]:
        """Stages that lead up to `end`, each some weeks before the next."""
        dated, on = [], end
        for stage in reversed(stages):
            dated.append((stage, on))
            on -= timedelta(days=out.randint(15, 70))
        return list(reversed(dated))

    def _before_start(self, project: Project, end: date, out: random.Random) -> list[tuple[str, date]]:
        attracted = project.sector in data.COMPANY_KINDS
        return self._path_back(ATTRACTED_PATH if attracted else ("preparation",), end, out)

    def _funding(self, story: Story) -> None:
        project, ident = story.project, self.ident
        key = project.sector if project.category in ("industry", "urban_construction") else project.category
        kinds = data.FUNDING.get(key) or data.FUNDING["industry"]
        covered = project.total_investment * Decimal(ident.uniform(0.85, 1.0))
        amounts = spread(covered, [share * ident.uniform(0.7, 1.3) for _, share in kinds])
        for (kind, _share), amount in zip(kinds, amounts, strict=True):
            story.funding.append(FundingSource(kind=kind, amount=amount.quantize(Decimal(1), "ROUND_DOWN")))

    def _tags(self, project: Project, ident: random.Random, planned: bool) -> list[str]:
        tags = ["区重点"] if planned else []
        extra = {
            "industry": [("两行动方案", 0.2), ("8+1产业链", 0.15), ("三个一百", 0.1), ("500强", 0.05)],
            "urban_construction": [("市重点", 0.1)],
            "livelihood": [("三看", 0.1)],
        }
        for tag, chance in extra.get(project.category, []):
            if ident.random() < chance * (1 if planned else 0.3):
                tags.append(tag)
        return tags

    # -------------------------------------------------------------------------------------------
    # Planned dates and what happened to them

    def _planned_start(self, lo: date, hi: date, ident: random.Random) -> tuple[date, str]:
        # random() rather than randint(): the identity stream must advance the same whatever the range
        day = lo + timedelta(days=int(ident.random() * ((hi - lo).days + 1)))
        precision = "week" if ident.random() < 0.6 else "day"
        return rules.period_start(day, precision), precision

    def _day_between(self, lo: date, hi: date, out: random.Random) -> date:
        return lo + timedelta(days=out.randint(0, max(0, (hi - lo).days)))

    def implemented(self, slot: Slot, sort: int) -> Story:
        ident = self.ident
        project = self._project(slot.category, name=slot.name, sector=slot.sector, unit=slot.unit)
        out = self._outcome()
        y = self.year
        if slot.plan_type == "new_start":
            lo, hi = date(y, 2, 15), date(y, 11, 20)
            if slot.added:
                lo = self.added_on + timedelta(days=7)
                hi = max(lo, min(lo + timedelta(days=40), date(y, 12, 10)))
            planned_start, precision = self._planned_start(lo, hi, ident)
            completion = rules.add_months(planned_start, ident.randint(12, 30)).replace(day=1)
            stages, entered = self._new_start(project, planned_start, precision, slot, out)
        elif slot.plan_type == "continuing":
            start = self._day_between(date(y - 2, 3, 1), date(y - 1, 11, 30), ident)
            planned_start, precision = (
                rules.period_start(start - timedelta(days=ident.randint(0, 40)), "day"),
                "day",
            )
            completion = date(y + ident.randint(1, 2), ident.randint(1, 12), 1)
            stages = [*self._before_start(project, start - timedelta(days=out.randint(40, 200)), out)]
            stages.append(("started", start))
            building = start + timedelta(days=out.randint(15, 45))
            if building <= self.today:
                stages.append(("construction", building))
            entered = stages[0][1]
        else:
            start = self._day_between(date(y - 3, 3, 1), date(y - 1, 3, 1), ident)
            planned_start, precision = start - timedelta(days=ident.randint(0, 30)), "day"
            completion = date(y, ident.randint(3, 12), 1)
            stages = self._completion(project, start, completion, out)
            entered = stages[0][1]
        project.planned_start, project.planned_start_precision = planned_start, precision
        project.planned_completion, project.planned_completion_precision = completion, "month"
        if project.sector in ("industrial", "service"):
            project.planned_production = rules.add_months(completion, ident.randint(1, 3))
            project.planned_production_precision = "month"
        story = self._story(project, entered, stages, out)
        story.tags = list(slot.tags) or self._tags(project, ident, planned=True)
        self._money(story, slot, out)
        self._funding(story)
        story.entry = self._entry(story, slot, sort)
        return story

    def _new_start(
        self, project: Project, planned: date, precision: str, slot: Slot, out: random.Random
    ) -> tuple[list[tuple[str, date]], date]:
        """Started on time, late, early or not yet, as of today (DESIGN.md: late only after the period)."""
        prepared = self.anchor - timedelta(days=out.randint(10, 200))
        stages = self._before_start(project, prepared, out)
        deadline = rules.period_end(planned, precision)
        today, roll = self.today, out.random()
        start = None
        if slot.removed:
            pass
        elif slot.added:
            if roll < 0.6:
                start = self.today - timedelta(days=out.randint(0, 20))
        elif deadline < today:
            if roll < 0.65:
                start = self._day_between(planned - timedelta(days=7), min(deadline, today), out)
            elif roll < 0.85:
                start = deadline + timedelta(days=out.randint(1, max(1, min(90, (today - deadline).days))))
        elif roll < 0.12 and planned - timedelta(days=30) <= today:
            start = self._day_between(max(planned - timedelta(days=30), prepared), today, out)
        if start is not None and prepared < start <= today:
            stages.append(("started", start))
            building = start + timedelta(days=out.randint(15, 40))
            if building <= today:
                stages.append(("construction", building))
        return stages, stages[0][1]

    def _completion(
        self, project: Project, start: date, planned: date, out: random.Random
    ) -> list[tuple[str, date]]:
        stages = [*self._before_start(project, start - timedelta(days=out.randint(40, 200)), out)]
        building = start + timedelta(days=out.randint(15, 45))
        stages += [("started", start), ("construction", building)]
        deadline, today, roll = rules.period_end(planned, "month"), self.today, out.random()
        done = None
        if deadline < today:
            if roll < 0.7:
                done = self._day_between(planned - timedelta(days=20), min(deadline, today), out)
            elif roll < 0.85:
                done = deadline + timedelta(days=out.randint(1, max(1, min(75, (today - deadline).days))))
        elif roll < 0.12 and planned - timedelta(days=45) <= today:
            done = self._day_between(planned - timedelta(days=45), today, out)
        if done is not None and building < done <= today:
            stages.append(("completed", done))
            producing = done + timedelta(days=out.randint(20, 60))
            if project.sector in ("industrial", "service") and producing <= today and out.random() < 0.7:
                stages.append(("producing", producing))
        return stages

    # -------------------------------------------------------------------------------------------
    # Money: totals, the plan entry's monthly targets, and the monthly investment entries.

    def _money(self, story: Story, slot: Slot, out: random.Random) -> None:
        ident, planned = self.ident, slot.planned
        if slot.plan_type == "new_start":
            total = planned / Decimal(ident.uniform(0.15, 0.4))
            before = Decimal(0)
        elif slot.plan_type == "continuing":
            share = ident.uniform(0.2, 0.45)
            total = planned / Decimal(share)
            before = total * Decimal(ident.uniform(0.15, max(0.16, 0.9 - share)))
        else:
            before = planned * Decimal(ident.uniform(1.5, 4))
            total = before + planned
        story.project.total_investment = Decimal(int(total / 10 + 1) * 10)
        story.targets = self._targets(story, slot)
        self._invest_before(story, before, out)
        if not slot.removed:
            self._invest_year(story, story.targets, planned, slot, out)

    def _targets(self, story: Story, slot: Slot) -> list[Decimal]:
        project = story.project
        months = range(1, 13)
        if slot.plan_type == "new_start":
            months = range(project.planned_start.month, 13)
        elif slot.plan_type == "completion":
            months = range(1, project.planned_completion.month + 1)
        weights = [MONTH_WEIGHTS[m - 1] if m in months else 0 for m in range(1, 13)]
        return spread(slot.planned, weights)

    def _invest_before(self, story: Story, amount: Decimal, out: random.Random) -> None:
        start = story.on("started")
        if start is None or amount <= 0 or start.year >= self.year:
            return
        end = min(story.on("completed") or date(self.year - 1, 12, 31), date(self.year - 1, 12, 31))
        months = list(months_between(start, end))
        for (year, month), part in zip(
            months, spread(amount, [out.uniform(0.6, 1.4) for _ in months]), strict=True
        ):
            self._invest(story, year, month, part)

    def _invest_year(
        self, story: Story, targets: list[Decimal], planned: Decimal, slot: Slot, out: random.Random
    ) -> None:
        """This year's monthly entries, for the months already reported (those before today's)."""
        start, done = story.on("started"), story.on("completed")
        if start is None:
            return
        pace = out.uniform(0.15, 0.35) if slot.stalled else min(1.3, max(0.4, out.gauss(0.95, 0.18)))
        for month in range(1, self.today.month):
            if (self.year, month) < (start.year, start.month):
                continue
            if done is not None and (self.year, month) > (done.year, done.month):
                break
            target = targets[month - 1] or planned * Decimal("0.02")
            self._invest(story, self.year, month, target * Decimal(pace * out.uniform(0.75, 1.25)))

    def _invest(self, story: Story, year: int, month: int, amount: Decimal) -> None:
        amount = amount.quantize(CENT)
        if amount > 0:
            story.investments.append(
                InvestmentEntry(year=year, month=month, amount=amount, recorded_by_id=self.d.recorder_id)
            )

    def _entry(self, story: Story, slot: Slot, sort: int) -> PlanEntry:
        project = story.project
        month = (project.planned_start if slot.plan_type == "new_start" else project.planned_completion).month
        content = data.ANNUAL_CONTENT[slot.plan_type].format(year=self.year, month=month, next=self.year + 1)
        return PlanEntry(
            plan_type=slot.plan_type,
            planned_investment=slot.planned,
            monthly_targets=[str(t.quantize(CENT)) for t in story.targets],
            annual_content=content,
            removed=slot.removed,
            sort=sort,
        )

    # -------------------------------------------------------------------------------------------
    # Early planning (前期/储备) and last year's completed projects

    def early(self, stage: str, sort: int) -> Story:
        ident = self.ident
        attracted = stage in ("negotiating", "signed", "registered", "landed")
        category = (
            ("industry" if ident.random() < 0.7 else "urban_construction")
            if attracted
            else ident.choices(list(data.CATEGORY_SHARE), list(data.CATEGORY_SHARE.values()))[0]
        )
        # 招商 projects (在谈 … 落地) are enterprises' projects: industry, or real estate
        sector = "real_estate" if attracted and category == "urban_construction" else ""
        project = self._project(category, sector=sector)
        out = self._outcome()
        last = self.today - timedelta(days=out.randint(3, 300))
        path = ATTRACTED_PATH if project.sector in data.COMPANY_KINDS else ("planning", "preparation")
        upto = path[: path.index(stage) + 1] if stage in path else ("planning", stage)
        stages = self._path_back(upto, last, out)
        if rules.STAGE_ORDER[stage] >= rules.STAGE_ORDER["registered"]:
            y = self.year + 1
            project.planned_start, project.planned_start_precision = date(y, ident.randint(1, 12), 1), "month"
            project.planned_completion = date(y + ident.randint(1, 3), ident.randint(1, 12), 1)
            project.planned_completion_precision = "month"
        story = self._story(project, stages[0][1], stages, out)
        if ident.random() > 0.6:
            story.project.lead_leader = None
        if ident.random() > 0.5:
            story.project.service_officer = None
        story.project.total_investment = Decimal(int(ident.lognormvariate(10.3, 1.0)) // 10 * 10 + 500)
        story.tags = self._tags(project, ident, planned=False)
        self._funding(story)
        plan_type = (
            "preparation" if rules.STAGE_ORDER[stage] >= rules.STAGE_ORDER["registered"] else "reserve"
        )
        story.entry = PlanEntry(
            plan_type=plan_type,
            planned_investment=Decimal(0),
            monthly_targets=[],
            annual_content=data.ANNUAL_CONTENT[plan_type].format(next=self.year + 1),
            sort=sort,
        )
        return story

    def completed_last_year(self, number: int) -> Story:
        """Finished last year (竣工库); the industrial ones produce (投产) and are handed on."""
        ident, y = self.ident, self.year
        category = (
            "industry",
            "urban_construction",
            "industry",
            "livelihood",
            "industry",
            "urban_management",
        )[number % 6]
        project = self._project(category)
        out = self._outcome()
        start = self._day_between(date(y - 3, 1, 10), date(y - 2, 6, 30), ident)
        done = self._day_between(date(y - 1, 3, 1), date(y - 1, 11, 30), ident)
        project.planned_start, project.planned_start_precision = start, "day"
        project.planned_completion, project.planned_completion_precision = month_start(done), "month"
        stages = [*self._before_start(project, start - timedelta(days=out.randint(40, 200)), out)]
        stages += [("started", start), ("construction", start + timedelta(days=out.randint(15, 45)))]
        stages.append(("completed", done))
        if project.sector in ("industrial", "service"):
            project.planned_production = rules.add_months(month_start(done), 1)
            project.planned_production_precision = "month"
            producing = done + timedelta(days=out.randint(20, 80))
            if producing <= self.today:
                stages.append(("producing", producing))
        story = self._story(project, stages[0][1], stages, out)
        story.project.total_investment = Decimal(int(ident.lognormvariate(10.0, 0.7)) // 10 * 10 + 1000)
        story.tags = ["区重点"]
        self._funding(story)
        self._invest_before(story, story.project.total_investment * Decimal("0.95"), out)
        return story

    def someone_just_started(self, stories: list[Story]) -> None:
        """Early in the year no planned start may have happened yet; the demo still shows a project in
        开工 (its groundbreaking this week), so that every stage has projects whatever the day."""
        if any(s.project.stage == "started" for s in stories):
            return
        waiting = [s for s in stories if s.entry and s.entry.plan_type == "new_start" and not s.entry.removed]
        waiting = [
            s for s in waiting if s.project.stage == "preparation" and s.transitions[-1].on < self.today
        ]
        if not waiting:
            return
        story = min(waiting, key=lambda s: s.project.planned_start)
        on = max(story.transitions[-1].on + timedelta(days=1), self.today - timedelta(days=3))
        story.transitions.append(
            StageTransition(
                from_stage="preparation",
                to_stage="started",
                on=on,
                document=DOCUMENTS["started"],
                recorded_by_id=self.d.recorder_id,
            )
        )
        story.project.stage = "started"
        story.project.image_progress = data.IMAGE_PROGRESS["started"][0]

    # -------------------------------------------------------------------------------------------
    # Plan changes and hand-overs

    def record_changes(self, stories: list[Story], slots: list[Slot]) -> None:
        """Each removal and addition with the deciding body, date, document number and reason (REQ B4)."""
        prefix = f"{self.d.jurisdiction.name[0]}项办〔{self.year}〕"
        number = 10 + self.today.month
        for story, slot in zip(stories, slots, strict=False):
            if not (slot.removed or slot.added):
                continue
            kind, on = ("remove", self.removed_on) if slot.removed else ("add", self.added_on)
            meeting = data.DECIDERS[0].format(n=on.month)
            story.changes.append(
                PlanChange(
                    kind=kind,
                    decided_by=meeting,
                    decided_on=on,
                    document_number=f"{prefix}{number + (kind == 'add')}号",
                    reason=data.REMOVE_REASON if kind == "remove" else data.ADD_REASON,
                    details={"plan_type": "new_start", "planned_investment": str(slot.planned)},
                    recorded_by_id=self.d.recorder_id,
                )
            )

    def record_handovers(self, stories: list[Story]) -> None:
        """招商部门 → 项目办 within a month of complete signing and registration papers (one overdue);
        项目办 → 经发部门 after the on-site check of a producing project (ETDZ19 四(五), REQ B3)."""
        d, today = self.d, self.today
        registered = [
            s
            for s in stories
            if s.project.stage in ("registered", "landed", "preparation") and s.on("registered")
        ]
        registered.sort(key=lambda s: s.on("registered"), reverse=True)
        overdue_done = False
        for story in registered[:5]:
            since = story.on("registered")
            handover = Handover(
                kind="to_office",
                from_unit=d.units[data.INVESTMENT_BUREAU],
                to_unit=d.office,
                since=since,
                due_on=rules.handover_due("to_office", since=since),
                recorded_by_id=d.recorder_id,
            )
            if handover.due_on < today and not overdue_done:
                overdue_done = True  # the one that is late: papers complete, not yet handed over
                handover.note = "投资协议和注册材料已齐备，尚未移交"
            elif handover.due_on < today or since + timedelta(days=10) <= today:
                handed = since + timedelta(days=10 + len(story.transitions))
                handover.handed_on = min(handed, today, handover.due_on)
                handover.signed_by = d.signer
            story.handovers.append(handover)
        for story in [s for s in stories if s.project.stage == "producing"][:4]:
            since = story.on("producing")
            handover = Handover(
                kind="to_economic",
                from_unit=d.office,
                to_unit=d.units[data.ECONOMIC_BUREAU],
                since=since,
                due_on=rules.handover_due("to_economic", since=since),
                recorded_by_id=d.recorder_id,
            )
            checked = since + timedelta(days=12)
            if checked <= today:
                handover.site_checked_on = checked
                if checked + timedelta(days=7) <= today:
                    handover.handed_on = checked + timedelta(days=7)
                    handover.signed_by = d.office_signer
            story.handovers.append(handover)


class NameSource:
    """Unique, realistic project names across the whole build (and the codes already given out)."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.used_codes: set[str] = set()

    def take(self, name: str) -> str:
        self.used.add(name)
        return name

    def invent(
        self, category: str, places: list[str], rng: random.Random, *, sector: str = ""
    ) -> tuple[str, str]:
        """A name "<place><facility><phase>" of the category (and of `sector`, when given)."""
        facilities = [f for f in data.FACILITIES[category] if not sector or f[1] == sector]
        for _ in range(50):
            place = rng.choice(places)
            facility, sector = rng.choice(facilities)
            for phase in data.PHASES:
                name = f"{place}{facility}{phase}"
                if name not in self.used:
                    return self.take(name), sector
        number = len(self.used) + 1
        place = rng.choice(places)
        facility, sector = rng.choice(facilities)
        return self.take(f"{place}{facility}（{number}号地块）"), sector


@dataclass
class Library:
    """One district's stories and the figures of its plan."""

    stories: list[Story]
    planned: int
    early: int
    investment: Decimal


def tell(
    district: District,
    *,
    today: date,
    seed: int,
    names: NameSource,
    planned: int,
    early: int,
    completed: int,
    investment: int,
    notice: bool = False,
    replacements: int = data.REPLACEMENTS,
) -> Library:
    """The stories of a district's library: `planned` projects in the year's plan sharing `investment`
    万元, `early` in early planning, `completed` finished last year; a few plan changes and hand-overs."""
    library = DistrictLibrary(district, today=today, seed=seed, names=names)
    slots = library.plan_slots(planned=planned, investment=investment, notice=notice)
    slots += library.replace(slots, replacements)
    order = {key: i for i, key in enumerate(data.CATEGORY_ORDER)}
    kinds = {key: i for i, key in enumerate(rules.PLAN_TYPES)}
    slots.sort(key=lambda s: (s.added, order[s.category], kinds[s.plan_type], -s.planned))
    stories = [library.implemented(slot, sort) for sort, slot in enumerate(slots, start=1)]
    for stage, n in split(early, data.EARLY_STAGE_SHARE).items():
        stories += [library.early(stage, len(stories) + 1) for _ in range(n)]
    stories += [library.completed_last_year(number) for number in range(completed)]
    library.someone_just_started(stories)
    library.record_changes(stories, slots)
    library.record_handovers(stories)
    return Library(stories, planned, early, Decimal(investment))
