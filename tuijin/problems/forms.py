"""Forms of the problem pages. Each carries a one-time `token` so a double-click or a retried POST is
recognised by the service (nothing is doubled)."""

from __future__ import annotations

import uuid

from django import forms

from . import rules


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _text(label: str, *, rows: int = 3, required: bool = True, max_length: int | None = None, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "class": "form-control"}),
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


class FileForm(TokenForm):
    project = forms.ModelChoiceField(
        label="项目",
        queryset=None,
        widget=forms.Select(attrs={"class": "form-select"}),
        empty_label="请选择项目",
    )
    kind = _select("问题类别", [("", "请选择"), *rules.KINDS.items()])
    grade = _select("问题级别", list(rules.GRADES.items()), initial="general")
    title = forms.CharField(
        label="问题概述", max_length=120, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    description = _text("问题描述", rows=4)
    needs = _text("需协调解决的事项", required=False)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects


class SortForm(TokenForm):
    kind = _select("问题类别", list(rules.KINDS.items()))
    grade = _select("问题级别", list(rules.GRADES.items()))
    note = _text("梳理意见", rows=2, required=False, max_length=300)


class AssignForm(TokenForm):
    unit = UnitChoice(
        label="承办单位",
        queryset=None,
        empty_label="请选择单位",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    workdays = forms.IntegerField(
        label="办理时限（工作日）",
        min_value=1,
        max_value=rules.MAX_DEADLINE_WORKDAYS,
        initial=rules.DEFAULT_DEADLINE_WORKDAYS,
        help_text="按工作日历计算办结期限",
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    requirement = _text("办理要求", rows=2, required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class TransferForm(TokenForm):
    unit = UnitChoice(
        label="转办单位",
        queryset=None,
        empty_label="请选择单位",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    workdays = forms.IntegerField(
        label="办理时限（工作日）",
        min_value=1,
        max_value=rules.MAX_DEADLINE_WORKDAYS,
        required=False,
        help_text="不填则沿用原时限天数",
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    note = _text("转办说明", rows=2, required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class RequestTransferForm(TokenForm):
    unit = UnitChoice(
        label="建议转办单位",
        queryset=None,
        required=False,
        empty_label="（不指定）",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reason = _text("申请理由", rows=2, max_length=300)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class LevelForm(TokenForm):
    level = _select("上报层级", [], required=False)

    def __init__(self, *args, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(lv.key, lv.name) for lv in levels]


class RequestEscalationForm(LevelForm):
    reason = _text("申请理由", rows=2, max_length=300)


class EscalateForm(LevelForm):
    note = _text("上报说明", rows=2, required=False)


class AcknowledgeForm(TokenForm):
    pass


class ProgressForm(TokenForm):
    note = _text("办理进展", rows=3)
    files = MultipleFileField(label="附件")


class SlipForm(TokenForm):
    content = _text("内容", rows=3)
    requirement = _text("办理要求", rows=2, required=False)


class ReplyForm(TokenForm):
    resolution = _text("办理结果", rows=4)
    files = MultipleFileField(label="佐证材料", help_text="批复文件、现场照片等；销号须有佐证材料")


class CloseForm(TokenForm):
    note = _text("复核意见", rows=2, required=False)
    files = MultipleFileField(label="复核材料", help_text="承办单位答复未附佐证材料时，须上传复核材料")


class ReturnForm(TokenForm):
    reason = _text("退回理由", rows=2, max_length=300)


class DeclineForm(TokenForm):
    note = _text("不同意的理由", rows=2, max_length=300)


class TemplateUploadForm(forms.Form):
    file = forms.FileField(
        label="模板文件（.docx）", widget=forms.ClearableFileInput(attrs={"class": "form-control"})
    )
