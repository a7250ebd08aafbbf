"""Forms of the supervision acts' pages. Creates carry a one-time `token` so a double-click or a retried
POST is recognised by the service (nothing is doubled); state changes are refused twice by the services."""

from __future__ import annotations

import uuid

from django import forms

from tuijin.problems.forms import MultipleFileField

from . import rules

DATE = {"type": "date", "class": "form-control"}


def _text(label: str, *, rows: int = 3, required: bool = True, max_length: int | None = None, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "class": "form-control"}),
    )


def _line(label: str, *, required: bool = True, max_length: int = 200, help_text: str = ""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


def _select(label: str, choices, *, required: bool = True, initial=None):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        initial=initial,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class TokenForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class UnitsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProjectChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProjectsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def _unit(label: str, *, required: bool = True) -> UnitChoice:
    return UnitChoice(
        label=label,
        queryset=None,
        required=required,
        empty_label="请选择单位" if required else "（不指定）",
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def _project(label: str = "项目", *, required: bool = False) -> ProjectChoice:
    return ProjectChoice(
        label=label,
        queryset=None,
        required=required,
        empty_label="请选择项目" if required else "（不涉及具体项目）",
        widget=forms.Select(attrs={"class": "form-select"}),
    )


ACT_KIND_CHOICES = [(k, v) for k, v in rules.ACT_KINDS.items() if k != "circuit"]


class ActForm(TokenForm):
    kind = _select("督查方式", ACT_KIND_CHOICES, initial="onsite")
    title = _line("督查事项", help_text="如：东湖数字产业园施工现场实地督办")
    date = forms.DateField(label="督查日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    end_date = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    inspectors = _line("督查人员", help_text="督查组成员，如：区委区政府督查室 张某、区公建中心 李某")
    lead_unit = _unit("牵头单位", required=False)
    projects = ProjectsChoice(
        label="督查项目",
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}),
        help_text="可多选（按住 Ctrl 或在手机上逐个点选）",
    )
    units = UnitsChoice(
        label="被督查单位",
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}),
    )
    summary = _text("督查情况", rows=4, required=False)

    def __init__(self, *args, units, projects, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = units
        self.fields["units"].queryset = units
        self.fields["projects"].queryset = projects
        if edit:
            del self.fields["kind"]


FINDING_KIND_CHOICES = [
    (k, v)
    for k, v in rules.FINDING_KINDS.items()
    if k not in ("minutes", "node_plan", "should_start", "should_finish")
]


class FindingForm(TokenForm):
    kind = _select("发现类别", [("", "请选择"), *FINDING_KIND_CHOICES])
    project = _project()
    unit = _unit("责任单位", required=False)
    reported = _text(
        "填报情况",
        rows=4,
        required=False,
        help_text="单位最近填报的情况（最新周报的最新工作进展、项目阶段、近期完成节点）；留空则按系统记录自动填写",
    )
    observed = _text("现场所见", rows=4, required=False, help_text="填报与现场不符、开工仪式无实质进展须填写")
    note = _text("说明", rows=2, required=False)

    def __init__(self, *args, units, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["project"].queryset = projects


class ResolveForm(TokenForm):
    note = _text("纠正说明", rows=2, max_length=300)


class PhotoForm(TokenForm):
    file = forms.FileField(
        label="现场照片",
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": "image/jpeg,image/png,image/webp"}
        ),
    )
    taken_on = forms.DateField(label="拍摄日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    caption = _line("说明", required=False)
    finding = forms.ModelChoiceField(
        label="对应发现",
        queryset=None,
        required=False,
        empty_label="（不对应具体发现）",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = findings
        self.fields["finding"].label_from_instance = lambda f: (
            f"{f.get_kind_display()} · {f.project or f.unit or ''}"
        )


class ActionForm(TokenForm):
    unit = _unit("整改单位")
    content = _text("整改要求", rows=3)
    deadline = forms.DateField(label="整改时限", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    project = _project()
    finding = forms.ModelChoiceField(
        label="对应发现",
        queryset=None,
        required=False,
        empty_label="（不对应具体发现）",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, units, projects, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["project"].queryset = projects
        self.fields["finding"].queryset = findings
        self.fields["finding"].label_from_instance = lambda f: (
            f"{f.get_kind_display()} · {f.project or f.unit or ''}"
        )


class SuperviseForm(TokenForm):
    content = _text("督办内容", rows=2, required=False, help_text="留空则按整改要求自动生成")
    requirement = _text("办理要求", rows=2, required=False)


class ReplyForm(TokenForm):
    reply = _text("整改情况", rows=3)
    photos = MultipleFileField(label="佐证照片", help_text="JPEG、PNG 或 WebP 图片，可多选")


class CheckForm(TokenForm):
    result = _select("复查结果", [("done", "整改到位"), ("returned", "退回继续整改")])
    note = _text("复查意见", rows=2, required=False, max_length=300, help_text="退回时须写明理由")


class EmptyForm(TokenForm):
    pass


class ProposeForm(TokenForm):
    unit = _unit("被问责单位")
    person_name = _line("责任人", max_length=40)
    person_post = _line("职务", required=False, max_length=80)
    proposal = _text("问责建议", rows=3, help_text="写明事实（督导发现）和建议的问责方式")

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
