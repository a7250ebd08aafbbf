"""Forms of the project page and the create/edit pages. They parse and check shapes only; the rules of a
project (code, dates, money, links) live in `rules.py` and are applied by `services.py`, whose
`ValidationError` the views put back beside each field.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms

from tuijin.org.models import Jurisdiction, Person, Unit

from . import rules
from .models import ProjectTag

FULL_WIDTH = {ord("０") + i: ord("0") + i for i in range(10)} | {ord("．"): ord("."), ord("－"): ord("-")}


def _choices(mapping: dict[str, str], blank: str | None = None) -> list[tuple[str, str]]:
    head = [("", blank)] if blank is not None else []
    return head + list(mapping.items())


class MoneyField(forms.DecimalField):
    """万元 as people type it: full-width digits, thousands separators, a trailing 万元/万."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault(
            "error_messages", {"invalid": "请填写数字金额（单位：万元），如 12500 或 12,500.50。"}
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"[,，\s]|万元$|万$", "", value.translate(FULL_WIDTH))
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return {**attrs, "inputmode": "decimal"}


class CoordinateField(forms.DecimalField):
    """A longitude or latitude, rounded to six decimals (about 0.1 m) instead of refused."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        super().__init__(required=False, max_digits=9, decimal_places=6, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(FULL_WIDTH).strip()
        if value in self.empty_values:
            return None
        try:
            return Decimal(str(value)).quantize(Decimal("0.000001"))
        except InvalidOperation as exc:
            raise forms.ValidationError("请填写数字坐标，如 115.912345。", code="invalid") from exc

    def validate(self, value):
        forms.Field.validate(self, value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return {**attrs, "inputmode": "decimal"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date(label: str, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        error_messages={"invalid": "请填写有效日期，如 2024-03-15。"},
    )


def _text(label: str, *, rows: int = 3, required: bool = False, max_length: int | None = None):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=required, widget=widget, max_length=max_length)


def _picker(label: str, *, required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Unit.objects.none(),
        required=required,
        empty_label="（无）" if not required else "请选择",
    )


def style(form: forms.BaseForm) -> None:
    """Tabler classes on every widget; pickers (units, people, tags) get tom-select (`js-picker`)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if isinstance(field, forms.ModelChoiceField):
            css += " js-picker"
        widget.attrs["class"] = css


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class ProjectLocationForm(StyledForm):
    """What the responsible unit's staff edit: content, location, map point, image progress."""

    content = _text("建设内容及规模", rows=4)
    address = _text("建设地点", rows=0, max_length=160)
    longitude = CoordinateField(label="经度", help_text="如 115.912345（CGCS2000/WGS-84）")
    latitude = CoordinateField(label="纬度", help_text="如 28.681234")
    image_progress = _text("形象进度", rows=3)

    full = False


class ProjectForm(ProjectLocationForm):
    """Everything the office edits (REQ B1, A3). Pickers offer the jurisdiction's units and people."""

    name = forms.CharField(label="项目名称", max_length=120)
    code = forms.CharField(
        label="项目代码",
        max_length=40,
        required=False,
        help_text="全国投资项目在线审批监管平台赋予的 24 位代码，如 2024-360102-47-01-123456；可暂不填",
    )
    category = forms.ChoiceField(label="项目类别", choices=_choices(rules.CATEGORIES, "请选择"))
    sector = forms.ChoiceField(
        label="产业类型",
        choices=_choices(rules.SECTORS, "（未填）"),
        required=False,
        help_text="用于分线归口",
    )
    tags = forms.ModelMultipleChoiceField(label="项目级别", queryset=ProjectTag.objects.all(), required=False)
    total_investment = MoneyField(label="总投资（万元）")
    planned_start = _date("计划开工")
    planned_start_precision = forms.ChoiceField(
        label="精度", choices=_choices(rules.PRECISIONS), initial="week"
    )
    planned_completion = _date("计划竣工")
    planned_completion_precision = forms.ChoiceField(
        label="精度", choices=_choices(rules.PRECISIONS), initial="month"
    )
    planned_production = _date("计划投产")
    planned_production_precision = forms.ChoiceField(
        label="精度", choices=_choices(rules.PRECISIONS), initial="month"
    )
    lead_leader = _picker("挂点领导")
    responsible_unit = _picker("责任单位", required=True)
    service_officer = _picker("服务专员")
    owner = forms.CharField(label="业主单位", max_length=120, required=False)
    supervising_unit = _picker("主管部门")
    street = _picker("所在街道")
    coordinating_office = _picker("统筹协调部门")
    secondary_units = forms.ModelMultipleChoiceField(
        label="配合单位", queryset=Unit.objects.none(), required=False
    )

    full = True

    def __init__(self, *args, units, people, leaders, jurisdictions=None, creating=False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (
            "responsible_unit",
            "supervising_unit",
            "street",
            "coordinating_office",
            "secondary_units",
        ):
            self.fields[name].queryset = units
        self.fields["street"].queryset = units.filter(kind="street")
        self.fields["lead_leader"].queryset = leaders
        self.fields["service_officer"].queryset = people
        self.fields["lead_leader"].label_from_instance = person_label
        self.fields["service_officer"].label_from_instance = person_label
        self.fields["coordinating_office"].help_text = "留空时按本辖区规则集的分线归口规则确定"
        if creating:
            self.fields["stage"] = forms.ChoiceField(
                label="所处阶段",
                choices=_choices(rules.STAGES),
                initial="planning",
                help_text="新建项目不补记阶段变更；之后的阶段变更在项目页面记录",
            )
            if jurisdictions is not None and len(jurisdictions) > 1:
                # no blank choice: the first (the user's own jurisdiction) is chosen unless changed
                self.fields["jurisdiction"] = forms.ModelChoiceField(
                    label="所属辖区",
                    queryset=Jurisdiction.objects.filter(pk__in=[j.pk for j in jurisdictions]).order_by(
                        "path"
                    ),
                    required=False,
                    empty_label=None,
                )
        style(self)

    def project_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("tags", "secondary_units", "stage", "jurisdiction"):
            data.pop(name, None)
        return data


FIELD_GROUPS = [
    ("基本信息", ["jurisdiction", "name", "code", "category", "sector", "tags", "total_investment", "stage"]),
    ("建设内容与地点", ["content", "address", "longitude", "latitude", "image_progress"]),
    (
        "计划日期",
        [
            "planned_start",
            "planned_start_precision",
            "planned_completion",
            "planned_completion_precision",
            "planned_production",
            "planned_production_precision",
        ],
    ),
    (
        "责任分工",
        [
            "lead_leader",
            "responsible_unit",
            "service_officer",
            "owner",
            "supervising_unit",
            "street",
            "coordinating_office",
            "secondary_units",
        ],
    ),
]


class FundingForm(StyledForm):
    kind = forms.ChoiceField(
        label="资金来源", choices=_choices(rules.FUNDING_KINDS, "（不填/删除此行）"), required=False
    )
    amount = MoneyField(label="金额（万元）", required=False)
    note = forms.CharField(label="说明", max_length=120, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("kind") and (data.get("amount") is not None or data.get("note")):
            self.add_error("kind", "请选择资金来源，或清空这一行。")
        return data


class BaseFundingFormSet(forms.BaseFormSet):
    def lines(self) -> list[dict]:
        return [
            {
                "kind": f.cleaned_data["kind"],
                "amount": f.cleaned_data.get("amount"),
                "note": f.cleaned_data.get("note", ""),
            }
            for f in self.forms
            if f.cleaned_data.get("kind")
        ]


FundingFormSet = forms.formset_factory(FundingForm, formset=BaseFundingFormSet, extra=2, max_num=20)


# ---------------------------------------------------------------------------------------------------
# The forms on the project page


class StageForm(StyledForm):
    to_stage = forms.ChoiceField(label="变更为", choices=_choices(rules.STAGES))
    on = _date("日期", required=True)
    document = forms.CharField(label="依据（文件、会议或证照）", max_length=120, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = [(k, v) for k, v in rules.STAGES.items() if k != current]
        if current and not self.is_bound:
            following = [k for k in rules.STAGES if rules.STAGE_ORDER[k] == rules.STAGE_ORDER[current] + 1]
            self.initial.setdefault("to_stage", following[0] if following else "")


class MilestoneForm(StyledForm):
    """补录实际开工/竣工/投产日期: a milestone the project reached with no date in the library."""

    milestone = forms.ChoiceField(label="补录", choices=_choices(rules.MILESTONE_STAGES))
    on = _date("日期", required=True)
    document = forms.CharField(label="依据（文件或证照）", max_length=120, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, missing: list[tuple[str, str]] | None = None, **kwargs):
        kwargs.setdefault("prefix", "backfill")  # beside the stage form on the same page
        super().__init__(*args, **kwargs)
        if missing is not None:
            self.fields["milestone"].choices = self.choices_for(missing)

    @staticmethod
    def choices_for(missing: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(stage, f"{label}日期") for stage, label in missing]


class HandoverOpenForm(StyledForm):
    kind = forms.ChoiceField(label="移交类型", choices=_choices(rules.HANDOVER_KINDS))
    since = _date("起算日期", required=True)
    from_unit = _picker("移交单位")
    to_unit = _picker("接收单位")
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, units, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        units = list(units)  # one query for both pickers
        for name in ("from_unit", "to_unit"):
            self.fields[name].queryset = self.fields[name].queryset.model.objects.filter(
                pk__in=[u.pk for u in units]
            )
            self.fields[name].choices = [("", "（无）")] + [(u.pk, str(u)) for u in units]
        self.fields["kind"].choices = kinds
        self.fields[
            "since"
        ].help_text = "签约、注册手续齐全之日（招商部门移交）或投产之日（项目办移交）；期限为其后一个月"


class HandoverCompleteForm(StyledForm):
    handover = forms.IntegerField(widget=forms.HiddenInput)
    # presence is checked by rules.check_handover_complete, whose messages say what is expected
    handed_on = _date("移交日期")
    signed_by = forms.CharField(label="签字负责人", max_length=40, required=False)
    site_checked_on = _date("现场核实日期")
    note = forms.CharField(label="说明", max_length=200, required=False)


MONTHS = [(str(m), f"{m}月") for m in range(1, 13)]


class InvestmentForm(StyledForm):
    year = forms.IntegerField(label="年", min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(label="月", choices=MONTHS, coerce=int)
    amount = MoneyField(label="金额（万元）")
    note = forms.CharField(label="说明", max_length=200, required=False)


def person_label(person: Person) -> str:
    return f"{person.name}（{person.post}）" if person.post else person.name
