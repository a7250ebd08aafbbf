"""Turning a read workbook into what an import would do, row by row (issue 3 part 6). Pure: the facts
about the library come in as plain data (`Library`, `NameIndex`), loaded by import_services in a constant
number of queries, so every rule here is tested without a database.

For each data row: map its cells to our columns, parse them (sheet_parse), resolve unit and person names
(exact names and short names, then the office's choices, then the remembered mappings), check the
project code, match an existing project (by code, else by name and responsible unit), merge the row
into it (a blank cell keeps the library's value), validate the result with `rules.validate_project`, and
work out the year's plan entry and the 开工 transition. Every problem becomes a `RowIssue` naming the row
and the column as the office typed it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from . import rules
from . import sheet_parse as parse
from .sheet_columns import BY_KEY, IMPORTED, is_ignored_header, match_any_header, normalise_header
from .sheet_read import Book, Skipped

SAMPLE_ROWS = 20
UNIT_KEYS = ("responsible_unit", "supervising_unit", "street")
PERSON_KEYS = ("lead_leader", "service_officer")
SCALAR_KEYS = (
    "name",
    "category",
    "sector",
    "content",
    "address",
    "longitude",
    "latitude",
    "total_investment",
    "planned_start",
    "planned_start_precision",
    "planned_completion",
    "planned_completion_precision",
    "planned_production",
    "planned_production_precision",
    "image_progress",
    "owner",
)
TEXT_FIELDS = (
    "name",
    "code",
    "code_note",
    "category",
    "sector",
    "content",
    "address",
    "image_progress",
    "owner",
)
DEFAULTS = {
    "stage": "planning",
    "planned_start_precision": "day",
    "planned_completion_precision": "month",
    "planned_production_precision": "month",
}
_BRACKETS = re.compile(r"[(（][^)）]*[)）]")
_POSTS = ("书记", "长", "主任", "委员", "常委", "部长", "调研员", "巡视员", "秘书长", "组长")


@dataclass(frozen=True)
class ImportMapping:
    """The office's choices: header → column key ("" ignores the column); a unit's or a person's name in
    the sheet → an existing record's id (None: leave the field blank)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, int | None] = field(default_factory=dict)
    people: Mapping[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class RowIssue:
    sheet: str
    row: int
    column: str
    message: str
    sheet_named: bool = False

    @property
    def where(self) -> str:
        return f"“{self.sheet}”表第 {self.row} 行" if self.sheet_named else f"第 {self.row} 行"

    def __str__(self) -> str:
        return (
            f"{self.where} {self.column}：{self.message}" if self.column else f"{self.where}：{self.message}"
        )


@dataclass
class ColumnChoice:
    """One header of the sheet and the column it maps to, for the mapping step."""

    header: str
    where: list[str]  # column letters (with the sheet when several)
    key: str  # "" ignored
    source: str  # chosen, remembered, auto, ignored, unknown
    samples: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return BY_KEY[self.key].header if self.key else "（不导入）"


@dataclass
class NameChoice:
    """A unit or person name the library does not know, where it appears, and the office's choice."""

    kind: str  # unit | person
    text: str
    columns: list[str]
    rows: list[int]
    note: str = ""  # why an exact match failed (同名单位 2 个)


@dataclass
class RowPlan:
    """What one row will do: create or update a project, and what comes with it."""

    sheet: str
    row: int
    project_id: int | None
    fields: dict[str, Any]
    changed: list[str] = field(default_factory=list)
    tags: list[int] | None = None
    secondary: list[int] | None = None
    funding: list[parse.FundingItem] | None = None
    started_on: date | None = None
    plan: tuple[str, Decimal] | None = None
    plan_changed: bool = False
    has_errors: bool = False

    @property
    def action(self) -> str:
        if self.has_errors:
            return "有错误"
        if self.project_id is None:
            return "新增"
        touched = self.changed or self.tags is not None or self.secondary is not None
        return (
            "更新"
            if touched or self.funding is not None or self.started_on or self.plan_changed
            else "无变化"
        )


@dataclass
class ImportPreview:
    file_name: str
    jurisdiction: Any  # org.Jurisdiction
    year: int
    columns: list[ColumnChoice] = field(default_factory=list)
    column_errors: list[str] = field(default_factory=list)
    names: list[NameChoice] = field(default_factory=list)
    errors: list[RowIssue] = field(default_factory=list)
    notes: list[RowIssue] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)
    plans: list[RowPlan] = field(default_factory=list)
    plan_title: str = ""
    library: Any = field(default=None, repr=False)  # what the rows were checked against (for the write)

    @property
    def ok(self) -> bool:
        return not self.column_errors and not self.errors

    def count(self, action: str) -> int:
        return sum(1 for plan in self.plans if plan.action == action)

    @property
    def sample(self) -> list[RowPlan]:
        return self.plans[:SAMPLE_ROWS]

    @property
    def plan_entries(self) -> int:
        return sum(1 for plan in self.plans if plan.plan_changed)

    @property
    def starts(self) -> int:
        return sum(1 for plan in self.plans if plan.started_on)

    def messages(self) -> list[str]:
        return self.column_errors + [str(issue) for issue in self.errors]


# ---------------------------------------------------------------------------------------------------
# Names


class NameIndex:
    """Unit and person names → ids: exact names and short names, then the office's choices, then the
    remembered mappings. Unknown and ambiguous names are collected for the name-mapping step.

    `units`: (id, name, short name, kind); `people`: (id, name, is_leader); `remembered`: (kind, text) →
    id or None (a name the office chose to leave blank)."""

    def __init__(
        self,
        *,
        units: Iterable[tuple[int, str, str, str]],
        people: Iterable[tuple[int, str, bool]],
        remembered: Mapping[tuple[str, str], int | None],
        mapping: ImportMapping,
    ) -> None:
        self.units: dict[str, list[int]] = {}
        self.unit_kind: dict[int, str] = {}
        self.people: dict[str, list[int]] = {}
        self.leaders: set[int] = set()
        self.cache: dict[tuple[str, str], tuple[int | None, str]] = {}
        for pk, name, short, kind in units:
            self.unit_kind[pk] = kind
            for text in {parse.compact(name), parse.compact(short)} - {""}:
                self.units.setdefault(text, []).append(pk)
        self.person_ids: set[int] = set()
        for pk, name, is_leader in people:
            self.person_ids.add(pk)
            self.people.setdefault(parse.compact(name), []).append(pk)
            if is_leader:
                self.leaders.add(pk)
        self.remembered = {(kind, parse.compact(text)): pk for (kind, text), pk in remembered.items()}
        self.chosen = {("unit", parse.compact(k)): v for k, v in mapping.units.items()}
        self.chosen |= {("person", parse.compact(k)): v for k, v in mapping.people.items()}
        self.unknown: dict[tuple[str, str], NameChoice] = {}

    def _exact(self, kind: str, text: str) -> tuple[int | None, str]:
        key = parse.compact(text)
        if kind == "unit":
            found = (
                self.units.get(key) or self.units.get(key + "办事处") or self.units.get(key + "街道办事处")
            )
            return (
                (found[0], "")
                if found and len(found) == 1
                else (None, f"同名单位 {len(found)} 个" if found else "")
            )
        bare = parse.compact(_BRACKETS.sub("", text))
        found = self.people.get(bare)
        if not found:  # 林志远副区长 → 林志远
            found = next(
                (
                    ids
                    for name, ids in self.people.items()
                    if bare.startswith(name) and _is_post(bare[len(name) :])
                ),
                None,
            )
        if found and len(found) > 1:
            leaders = [pk for pk in found if pk in self.leaders]
            return (leaders[0], "") if len(leaders) == 1 else (None, f"同名人员 {len(found)} 个")
        return (found[0], "") if found else (None, "")

    def resolve(self, kind: str, text: str, *, column: str, row: int) -> tuple[int | None, bool]:
        """(id, known): known is False when the office still has to map the name."""
        if (kind, text) not in self.cache:
            self.cache[(kind, text)] = self._exact(kind, text)
        pk, note = self.cache[(kind, text)]
        if pk is not None:
            return pk, True
        key = (kind, parse.compact(text))
        allowed = self.unit_kind if kind == "unit" else self.person_ids
        for source in (self.chosen, self.remembered):
            if key in source and (source[key] is None or source[key] in allowed):
                return source[key], True
        choice = self.unknown.setdefault(
            key, NameChoice(kind=kind, text=text, columns=[], rows=[], note=note)
        )
        if column not in choice.columns:
            choice.columns.append(column)
        choice.rows.append(row)
        return None, False

    def is_street(self, pk: int) -> bool:
        return self.unit_kind.get(pk) == "street"


def _is_post(rest: str) -> bool:
    return bool(rest) and len(rest) <= 8 and rest.endswith(_POSTS)


@dataclass
class Library:
    """The jurisdiction's projects and what hangs off them, keyed for matching and comparing; the year's
    plan (`plan_document` is its 印发文号 once issued) and its entries by project; the level tags."""

    projects: dict[int, dict[str, Any]]
    by_code: dict[str, int]
    by_name_unit: dict[tuple[str, int], int]
    tags: dict[int, dict[int, int]]  # project → {tag id: through row id}
    secondary: dict[int, dict[int, int]]
    funding: dict[int, list[tuple[int, str, Decimal | None, str]]]
    started: dict[int, date]  # the actual start by rules.actual_dates (a move back undoes it)
    last_move: dict[int, tuple[date, str]]  # the latest transition: its date and the stage it went to
    plan_exists: bool
    plan_document: str
    entries: dict[int, dict[str, Any]]
    tag_ids: dict[str, int]
    tag_names: list[str]


def tag_key(name: str) -> str:
    """省级重点项目 and 省重点 name the same tag."""
    return re.sub(r"(项目|级)", "", parse.compact(name))


# ---------------------------------------------------------------------------------------------------
# Columns


def _column_key(text: str, chosen: Mapping[str, str], remembered: Mapping[str, str]) -> tuple[str, str]:
    header = normalise_header(text)
    if header in chosen and (chosen[header] == "" or chosen[header] in BY_KEY):
        return chosen[header], "chosen"
    if header in remembered:
        return remembered[header], "remembered"
    if is_ignored_header(text):
        return "", "ignored"
    key = match_any_header(text)
    return (key, "auto") if key else ("", "unknown")


def map_columns(book: Book, preview: ImportPreview, mapping: ImportMapping, remembered: Mapping[str, str]):
    """Each table's {key: column index}; the choices and column errors go on the preview."""
    chosen = {normalise_header(h): k for h, k in mapping.columns.items()}
    choices: dict[str, ColumnChoice] = {}
    keyed: dict[str, dict[str, int]] = {}
    several = len(book.tables) > 1
    for table in book.tables:
        keys: dict[str, int] = {}
        for header in table.headers:
            key, source = _column_key(header.text, chosen, remembered)
            where = f"{table.sheet}!{header.letter}" if several else header.letter
            choice = choices.setdefault(header.text, ColumnChoice(header.text, [], key, source))
            choice.where.append(where)
            if len(choice.samples) < 3:
                choice.samples += [
                    parse.shown(r.cells[header.index].value)[:30]
                    for r in table.rows[:6]
                    if header.index < len(r.cells) and not parse.is_blank(r.cells[header.index].value)
                ][: 3 - len(choice.samples)]
            if not key or key not in BY_KEY or not BY_KEY[key].imported:
                continue
            if key in keys:
                first = next(h.text for h in table.headers if h.index == keys[key])
                preview.column_errors.append(
                    f"“{first}”和“{header.text}”两列都对应“{BY_KEY[key].header}”：请在列对应中把其中一列改为“不导入”。"
                )
                continue
            keys[key] = header.index
        keyed[table.sheet] = keys
        _check_required(table, keys, preview, several)
    preview.columns = list(choices.values())
    return keyed


def _check_required(table, keys: dict[str, int], preview: ImportPreview, several: bool) -> None:
    where = f"工作表“{table.sheet}”" if several else "表格"
    for column in IMPORTED:
        if not column.required or column.key in keys:
            continue
        if column.key == "category" and table.rows and all("category" in r.context for r in table.rows):
            continue  # the sub-headings give every row its category
        preview.column_errors.append(
            f"{where}缺少“{column.header}”列：请在下方“列对应”中指定哪一列是{column.header}（或按导入模板补上这一列）。"
        )


# ---------------------------------------------------------------------------------------------------
# Rows


class RowPlanner:
    """Turns parsed rows into RowPlans, collecting every row's errors and notes."""

    def __init__(
        self,
        preview: ImportPreview,
        *,
        library: Library,
        names: NameIndex,
        today: date,
        jurisdiction_codes: list[str],
        codes_elsewhere: Mapping[str, tuple[str, str]],
    ):
        self.preview, self.library, self.names, self.today = preview, library, names, today
        self.elsewhere = codes_elsewhere
        self.codes, self.jurisdiction_name = jurisdiction_codes, preview.jurisdiction.name
        self.seen_codes: dict[str, int] = {}
        self.seen_projects: dict[int, int] = {}
        self.seen_new: dict[tuple[str, int], int] = {}
        self.several = False

    def issue(self, raw, labels, key: str, message: str, *, note: bool = False) -> None:
        label = labels.get(key) or (BY_KEY[key].header if key in BY_KEY else "")
        target = self.preview.notes if note else self.preview.errors
        target.append(RowIssue(raw.sheet, raw.number, label, message, self.several))

    def plan_row(self, raw, keys: dict[str, int], labels: dict[str, str], units: dict[str, Decimal]) -> None:
        cells = {k: raw.cells[i] if i < len(raw.cells) else parse.Cell(None) for k, i in keys.items()}
        parsed = parse.parse_row(cells, units=units, context=raw.context)
        if not parsed.values and not parsed.errors:
            return
        errors: dict[str, str] = dict(parsed.errors)
        notes: list[tuple[str, str]] = []
        values = parsed.values
        ids = self._names(raw, values, labels, errors, notes)
        code, code_notes = self._code(values, errors)
        notes += [("code", text) for text in code_notes]
        pk = self._match(raw, values, code, ids.get("responsible_unit_id"), errors)
        base = (
            dict(self.library.projects[pk]) if pk else {"id": None, "code": "", "code_note": "", **DEFAULTS}
        )
        fields = {k: base.get(k) for k in ("code", "code_note", "stage", *SCALAR_KEYS)}
        fields |= {f"{k}_id": base.get(f"{k}_id") for k in (*UNIT_KEYS, *PERSON_KEYS)}
        fields |= {k: v for k, v in values.items() if k in SCALAR_KEYS}
        fields |= ids
        for key in TEXT_FIELDS:
            fields[key] = fields.get(key) or ""
        if code:
            fields["code"], fields["code_note"] = code, "；".join(code_notes)[:120]
        plan = RowPlan(raw.sheet, raw.number, pk, fields)
        plan.tags = self._tags(values, errors)
        plan.secondary = ids.pop("secondary", None)
        plan.fields.pop("secondary", None)
        plan.funding = values.get("funding")
        self._stage(plan, values, errors, notes)
        self._validate(plan, errors)
        self._plan_entry(plan, values, errors, notes)
        self._compare(plan, base)
        plan.has_errors = bool(errors)
        for key, message in errors.items():
            self.issue(raw, labels, key, message)
        for key, message in notes:
            self.issue(raw, labels, key, message, note=True)
        self.preview.plans.append(plan)

    # names, tags, code -------------------------------------------------------------------------

    def _names(self, raw, values, labels, errors, notes) -> dict[str, Any]:
        ids: dict[str, Any] = {}
        for key in (*UNIT_KEYS, *PERSON_KEYS):
            if key not in values:
                continue
            text = values[key]
            if key == "lead_leader" and len(names := parse.split_names(text)) > 1:
                text = names[0]
                notes.append((key, f"挂点领导只导入第一位（{text}），其余（{'、'.join(names[1:])}）未导入。"))
            kind = "unit" if key in UNIT_KEYS else "person"
            pk, known = self.names.resolve(kind, text, column=labels.get(key, ""), row=raw.number)
            if not known:
                what = "单位" if kind == "unit" else "人员"
                errors[key] = (
                    f"“{text}”不是本辖区已有的{what}：请改为系统中的名称，或在“名称对应”中选择对应的{what}。"
                )
            elif key == "street" and pk is not None and not self.names.is_street(pk):
                errors[key] = f"“{text}”不是镇/街道，所在街道应填镇或街道办事处。"
            elif pk is not None:
                ids[f"{key}_id"] = pk
        if "secondary_units" in values:
            units = []
            for text in values["secondary_units"]:
                pk, known = self.names.resolve(
                    "unit", text, column=labels.get("secondary_units", ""), row=raw.number
                )
                if not known:
                    errors["secondary_units"] = (
                        f"“{text}”不是本辖区已有的单位：请改为系统中的名称，或在“名称对应”中选择对应的单位。"
                    )
                elif pk is not None and pk not in units:
                    units.append(pk)
            ids["secondary"] = units
        return ids

    def _tags(self, values, errors) -> list[int] | None:
        if "tags" not in values:
            return None
        ids = []
        for name in values["tags"]:
            pk = self.library.tag_ids.get(tag_key(name))
            if pk is None:
                errors["tags"] = f"项目级别“{name}”不存在（可选：{'、'.join(self.library.tag_names)}）。"
            elif pk not in ids:
                ids.append(pk)
        return ids

    def _code(self, values, errors) -> tuple[str, list[str]]:
        text = values.get("code", "")
        if not text:
            return "", []
        check = rules.check_project_code(
            text, jurisdiction_codes=self.codes, jurisdiction_name=self.jurisdiction_name, today=self.today
        )
        if not check.ok:
            errors["code"] = " ".join(check.errors)
            return "", []
        if check.code in self.elsewhere:
            name, where = self.elsewhere[check.code]
            errors["code"] = (
                f"项目代码 {check.code} 已被{where}的项目“{name}”使用，同一代码只能对应一个项目。"
            )
            return "", []
        return check.code, list(check.notes)

    def _match(self, raw, values, code: str, unit_id: int | None, errors) -> int | None:
        """By code, else by name and responsible unit; a row may not repeat another row's project."""
        if code and code in self.seen_codes:
            errors["code"] = f"项目代码 {code} 与第 {self.seen_codes[code]} 行重复。"
            return None
        if code:
            self.seen_codes[code] = raw.number
        name_key = (parse.compact(values.get("name", "")), unit_id)
        pk = self.library.by_code.get(code) if code else None
        if pk is None and values.get("name") and unit_id:
            pk = self.library.by_name_unit.get(name_key)
            other = self.library.projects[pk]["code"] if pk else ""
            if pk and code and other and other != code:
                errors["code"] = (
                    f"与已有项目“{values['name']}”名称和责任单位相同，但项目代码不同（库中为 {other}）。"
                )
                return None
        if pk is not None:
            if pk in self.seen_projects:
                errors["name"] = (
                    f"与第 {self.seen_projects[pk]} 行是同一个项目（项目代码或名称与责任单位相同）。"
                )
            self.seen_projects[pk] = raw.number
        elif values.get("name") and unit_id:
            if name_key in self.seen_new and not code:
                errors["name"] = f"与第 {self.seen_new[name_key]} 行的项目名称和责任单位相同。"
            self.seen_new.setdefault(name_key, raw.number)
        return pk

    # stage, validation, plan ---------------------------------------------------------------------

    def _stage(self, plan: RowPlan, values, errors, notes) -> None:
        """A new project takes the sheet's 所处阶段 (without inventing transitions, as project_create).
        An existing project's stage moves only by a dated transition (DESIGN.md: one source of truth):
        a 所处阶段 that differs from the library's is noted, not applied; the one move an import makes
        is the 开工 of a new, valid 实际开工时间 (recorded as a transition by import_services)."""
        old, existing = plan.fields["stage"], plan.project_id is not None
        stage = values.get("stage")
        self._start(plan, values, errors)
        order = rules.STAGE_ORDER
        if values.get("started_on") is not None and stage and order[stage] < order["started"]:
            errors["stage"] = f"已有实际开工时间，所处阶段不能是“{rules.STAGES[stage]}”。"
        final = old if existing else (stage or old)
        if plan.started_on and order[final] < order["started"]:
            final = "started"
        plan.fields["stage"] = final
        if existing and stage and stage != final and "stage" not in errors:
            kept = (
                "本次导入不改变阶段"
                if final == old
                else f"本次导入只按实际开工时间记为“{rules.STAGES[final]}”"
            )
            notes.append(
                (
                    "stage",
                    f"表格为“{rules.STAGES[stage]}”，项目库为“{rules.STAGES[old]}”；"
                    f"阶段变更须在项目页面记录日期，{kept}。",
                )
            )
        known_start = self.library.started.get(plan.project_id) if existing else None
        begun = values.get("started_on") is not None or known_start is not None
        if not begun and order[final] >= order["started"]:
            notes.append(
                (
                    "stage",
                    f"所处阶段为“{rules.STAGES[final]}”，但没有实际开工时间：开工率不计入该项目，请补填。",
                )
            )

    def _start(self, plan: RowPlan, values, errors) -> None:
        """The row's 实际开工时间: recorded (plan.started_on) only when the library has no start yet and
        the date is a valid next move of the project."""
        started = values.get("started_on")
        if started is None:
            return
        pk = plan.project_id
        known_start = self.library.started.get(pk) if pk else None
        last = self.library.last_move.get(pk) if pk else None
        if values.get("started_on_precision") != "day":
            errors["started_on"] = "实际开工时间应写到日（如 2024-03-15）。"
        elif started > self.today:
            errors["started_on"] = f"实际开工时间 {started} 晚于今天（{self.today}）。"
        elif known_start:
            if known_start != started:
                errors["started_on"] = (
                    f"与库中记录的实际开工时间 {known_start} 不一致：如需更正，请在项目页修改阶段记录。"
                )
        elif last and rules.STAGE_ORDER[last[1]] > rules.STAGE_ORDER["started"]:
            # a move into 开工 after 竣工/投产 would undo them (rules.actual_dates)
            errors["started_on"] = (
                f"该项目 {last[0]} 已记为“{rules.STAGES[last[1]]}”，表格不能再补记实际开工时间"
                f"（会撤销{rules.STAGES[last[1]]}记录），请在项目页面处理。"
            )
        elif last and started < last[0]:
            errors["started_on"] = f"实际开工时间 {started} 早于该项目最近一次阶段变更（{last[0]}）。"
        else:
            plan.started_on = started

    def _validate(self, plan: RowPlan, errors) -> None:
        f = plan.fields
        funding = (
            plan.funding
            if plan.funding is not None
            else [
                parse.FundingItem(kind, amount, note)
                for _, kind, amount, note in self.library.funding.get(plan.project_id, [])
            ]
        )
        facts = rules.ProjectFacts(
            name=f["name"] or "",
            category=f["category"] or "",
            total_investment=f["total_investment"],
            planned_start=f["planned_start"],
            planned_completion=f["planned_completion"],
            planned_production=f["planned_production"],
            longitude=f["longitude"],
            latitude=f["latitude"],
            funding=tuple(item.amount for item in funding),
            planned_start_precision=f.get("planned_start_precision") or "day",
            planned_completion_precision=f.get("planned_completion_precision") or "day",
            planned_production_precision=f.get("planned_production_precision") or "day",
        )
        for key, message in rules.validate_project(facts).items():
            errors.setdefault(key, message)
        if f.get("responsible_unit_id") is None:
            errors.setdefault("responsible_unit", "责任单位不能为空。")

    def _plan_entry(self, plan: RowPlan, values, errors, notes) -> None:
        plan_type, planned = values.get("plan_type"), values.get("planned_investment")
        if plan_type is None and planned is None:
            return
        entry = self.library.entries.get(plan.project_id) if plan.project_id else None
        year = self.preview.year
        if entry and entry["removed"]:
            notes.append(("plan_type", f"该项目已调出 {year} 年度计划，本行的计划类型和年度计划投资未导入。"))
            return
        plan_type = plan_type or (entry["plan_type"] if entry else None)
        if planned is None:
            planned = entry["planned_investment"] if entry else Decimal(0)
        if plan_type is None:
            errors["plan_type"] = (
                f"填写了年度计划投资，还须填写计划类型（{'、'.join(rules.PLAN_TYPES.values())}）。"
            )
            return
        total = plan.fields["total_investment"]
        if total is not None and planned > total:
            errors["planned_investment"] = f"年度计划投资 {planned} 万元超过总投资 {total} 万元。"
        plan.plan = (plan_type, planned)
        plan.plan_changed = entry is None or (entry["plan_type"], entry["planned_investment"]) != plan.plan
        if plan.plan_changed and self.library.plan_document:
            errors["plan_type"] = (
                f"{year} 年度计划已印发（{self.library.plan_document}），年内增补或调整须写明决定机构："
                "请在年度计划页办理，或删去本行的计划类型和年度计划投资。"
            )

    def _compare(self, plan: RowPlan, base: dict[str, Any]) -> None:
        if plan.project_id is None:
            return
        plan.changed = [k for k, v in plan.fields.items() if base.get(k) != v]
        pk = plan.project_id
        if plan.tags is not None and set(plan.tags) == set(self.library.tags.get(pk, {})):
            plan.tags = None
        if plan.secondary is not None and set(plan.secondary) == set(self.library.secondary.get(pk, {})):
            plan.secondary = None
        if plan.funding is not None:
            old = [(kind, amount, note) for _, kind, amount, note in self.library.funding.get(pk, [])]
            if old == [(i.kind, i.amount, i.note) for i in plan.funding]:
                plan.funding = None


def plan_rows(
    book: Book,
    preview: ImportPreview,
    *,
    keyed: dict[str, dict[str, int]],
    planner: RowPlanner,
) -> None:
    """Plan every data row of every table; problems go on the preview."""
    planner.several = len(book.tables) > 1
    for table in book.tables:
        keys = keyed[table.sheet]
        headers = {h.index: h for h in table.headers}
        labels = {key: headers[index].text for key, index in keys.items()}
        units = {
            key: headers[index].unit or table.unit or Decimal(1)
            for key, index in keys.items()
            if BY_KEY[key].kind in ("money", "funding")
        }
        preview.skipped += table.skipped
        for raw in table.rows:
            planner.plan_row(raw, keys, labels, units)
    preview.names = sorted(planner.names.unknown.values(), key=lambda n: (n.kind, n.rows[0]))
    for choice in preview.names:
        choice.rows = sorted(set(choice.rows))


def sheet_codes(book: Book, keyed: dict[str, dict[str, int]]) -> list[str]:
    """Every project code the sheet names (to look up codes taken in other jurisdictions at once)."""
    codes = set()
    for table in book.tables:
        index = keyed[table.sheet].get("code")
        if index is None:
            continue
        for raw in table.rows:
            if index < len(raw.cells) and not parse.is_blank(raw.cells[index].value):
                codes.add(rules.normalise_code(str(raw.cells[index].value)))
    return sorted(codes)
