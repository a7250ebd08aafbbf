"""Forms of the decided-matter pages. Each carries a one-time `token`: a double-click or a retried POST
is recognised by the service (nothing is doubled)."""

from __future__ import annotations

from django import forms

from tuijin.problems.forms import MultipleFileField, TokenForm, UnitChoice

from .models import AgendaItem, Meeting, MeetingSeries


def _text(label: str, *, rows: int = 3, required: bool = True, max_length: int | None = None, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "class": "form-control"}),
    )


class UnitsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class AgendaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.order or ''} {obj.title}".strip()


class DecideForm(TokenForm):
    agenda_item = AgendaChoice(
        label="所属议题",
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label="（不属于具体议题）",
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text="议题带有前次议定事项时，本事项记为同一事项再次上会",
    )
    title = forms.CharField(
        label="事项", max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    content = _text("议定内容", rows=3)
    lead_unit = UnitChoice(
        label="牵头单位",
        queryset=None,
        empty_label="请选择牵头单位",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    units = UnitsChoice(
        label="配合单位",
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 5}),
        help_text="可多选（按住 Ctrl 或在手机上逐个点选）；牵头单位自动计入责任单位",
    )
    deadline = forms.DateField(
        label="办结时限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    no_deadline = forms.BooleanField(
        label="无时限（会议未规定办结时限）",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        from .matter_selectors import unit_choices

        super().__init__(*args, **kwargs)
        self.meeting = meeting
        units = unit_choices(meeting.jurisdiction)
        self.fields["lead_unit"].queryset = units
        self.fields["units"].queryset = units
        self.fields["agenda_item"].queryset = AgendaItem.objects.filter(meeting=meeting).order_by(
            "order", "id"
        )

    def clean(self):
        data = super().clean()
        if data.get("deadline") and data.get("no_deadline"):
            self.add_error("deadline", "已勾选“无时限”，请不要再填写办结时限（或取消勾选）。")
        elif not data.get("deadline") and not data.get("no_deadline") and "deadline" not in self.errors:
            self.add_error("deadline", "请填写办结时限（年-月-日）；会议未规定时限的，请勾选“无时限”。")
        return data


class ProgressForm(TokenForm):
    note = _text("办理进展")
    files = MultipleFileField(label="附件（可多选）")


class ReplyForm(TokenForm):
    note = _text("办结情况", help_text="写明如何落实会议议定事项")
    done_on = forms.DateField(
        label="完成日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        help_text="实际完成的日期，缺省为今天；不能晚于今天，不能早于会议日期。销号时按此日期计算是否超期",
    )
    files = MultipleFileField(
        label="佐证材料（必传，可多选）", help_text="PDF、OFD、图片、Word、Excel 或 ZIP，每个不超过 20 MB"
    )


class CloseForm(TokenForm):
    note = _text("销号意见", rows=2, required=False, max_length=300)


class ReturnForm(TokenForm):
    reason = _text("退回理由", rows=2, max_length=300)


class SlipForm(TokenForm):
    content = _text("内容", rows=2)
    requirement = _text("办理要求", rows=2, required=False)


class CarryForm(TokenForm):
    to_meeting = forms.ModelChoiceField(
        label="转入会议",
        queryset=Meeting.objects.none(),
        required=False,
        empty_label="本层级下次会议（自动）",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meetings is not None:
            self.fields["to_meeting"].queryset = meetings


class EscalateForm(TokenForm):
    series = forms.ModelChoiceField(
        label="提请会议层级",
        queryset=MeetingSeries.objects.none(),
        empty_label="请选择上一层级的会议",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = _text("提请理由", rows=2, required=False, max_length=300)

    def __init__(self, *args, series=None, **kwargs):
        super().__init__(*args, **kwargs)
        if series is not None:
            self.fields["series"].queryset = series


class CancelForm(TokenForm):
    reason = _text("撤销理由", rows=2, max_length=300)


STEP_FORMS = {
    "progress": ProgressForm,
    "reply": ReplyForm,
    "close": CloseForm,
    "return": ReturnForm,
    "remind": SlipForm,
    "supervise": SlipForm,
    "carry": CarryForm,
    "escalate": EscalateForm,
    "cancel": CancelForm,
}
