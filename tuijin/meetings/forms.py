"""Forms of the meeting pages. The info, attendance and minutes forms carry the meeting's `version` (two
editors: the later is told); the others are small and idempotent by their service's checks."""

from __future__ import annotations

from django import forms

from tuijin.org.models import Person, Unit

from . import rules

WEEKDAYS = [("", "周期内第一个工作日")] + [(str(i), f"周{'一二三四五六日'[i - 1]}") for i in range(1, 8)]


def _select(label: str, choices, *, required: bool = True, initial=None, help_text=""):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        initial=initial,
        help_text=help_text,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def _char(label: str, *, required: bool = True, max_length: int | None = None, help_text="", initial=None):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        initial=initial,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


def _text(label: str, *, rows: int = 3, required: bool = False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "class": "form-control"}),
    )


def _date(label: str, *, required: bool = True):
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )


def _time(label: str):
    return forms.TimeField(
        label=label, required=False, widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"})
    )


class UnitLabel(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PersonLabel(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.post}{obj.name}" if obj.post else obj.name


class PersonsLabel(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.post}{obj.name}" if obj.post else obj.name


class SeriesForm(forms.Form):
    name = _char("会议名称", max_length=80)
    kind = _select("类别", list(rules.SERIES_KINDS.items()), initial="meeting")
    frequency = _select("频次", list(rules.FREQUENCIES.items()), initial="monthly")
    times = forms.IntegerField(
        label="每期次数",
        min_value=1,
        max_value=31,
        initial=1,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    weekday = _select("惯常星期", WEEKDAYS, required=False, help_text="排日历用；遇节假日顺延到下一个工作日")
    chair = _char("主持/牵头", max_length=120)
    chair_person = PersonLabel(
        label="主持领导",
        queryset=Person.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text="只在分领导调度时选择：议程只列该领导挂点的项目，日历可按领导筛选",
        empty_label="（不指定：本辖区全部项目）",
    )
    level_key = _select("协调层级", [], required=False, help_text="议程取上报到该层级的问题")
    member_units = UnitLabel(
        label="成员单位（纪要主送）",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )
    source = _char("出处", required=False, max_length=120, help_text="如“DH24 五(三)”或“项目办自设”")
    sort = forms.IntegerField(
        label="排序", min_value=0, required=False, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    is_active = forms.BooleanField(label="在用", required=False, initial=True)

    def __init__(self, *args, units=None, leaders=None, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_units"].queryset = units if units is not None else Unit.objects.none()
        self.fields["chair_person"].queryset = leaders if leaders is not None else Person.objects.none()
        self.fields["level_key"].choices = [("", "（不对应层级）"), *levels]

    def clean_weekday(self):
        value = self.cleaned_data.get("weekday")
        return int(value) if value else None


class LeadersForm(forms.Form):
    name = _char(
        "会议名称",
        max_length=60,
        initial="分管领导月度调度会",
        help_text="每位领导一个系列：名称后加（领导姓名）",
    )
    persons = PersonsLabel(
        label="领导",
        queryset=Person.objects.none(),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 5}),
    )
    frequency = _select("频次", list(rules.FREQUENCIES.items()), initial="monthly")
    level_key = _select("协调层级", [], required=False)

    def __init__(self, *args, leaders=None, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].queryset = leaders if leaders is not None else Person.objects.none()
        self.fields["level_key"].choices = [("", "（不对应层级）"), *levels]


class MeetingForm(forms.Form):
    series = forms.ModelChoiceField(
        label="会议系列", queryset=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    date = _date("会议日期")
    start_time = _time("开始时间")
    place = _char("地点", required=False, max_length=120)
    chair = _char("主持人", required=False, max_length=80, help_text="留空取会议系列的主持领导")
    title = _char("会议名称", required=False, max_length=120, help_text="留空为“会议系列名称（2024年6月）”")

    def __init__(self, *args, series=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].queryset = series


class InfoForm(forms.Form):
    prefix = "info"
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = _char("会议名称", max_length=120)
    date = _date("会议日期")
    start_time = _time("开始时间")
    place = _char("地点", required=False, max_length=120)
    chair = _char("主持人", required=False, max_length=80)
    recorder = _char("记录人", required=False, max_length=40)


class ItemForm(forms.Form):
    prefix = "agenda"
    title = _char("议题", max_length=200)
    presenter = _char("汇报单位/人", required=False, max_length=80)
    reason = _char("列入理由", required=False, max_length=300)


class CancelForm(forms.Form):
    prefix = "cancel"
    reason = _char("取消原因", max_length=100)


class MinutesForm(forms.Form):
    """The summary, the recorder and one textarea per agenda item (`item-<id>`)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    summary = _text("纪要导语", rows=4, help_text="时间、地点、主持、参会范围和会议概述；每段一行")
    recorder = _char("记录人", required=False, max_length=40)

    def __init__(self, *args, agenda=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agenda = list(agenda)
        for item in self.agenda:
            self.fields[f"item-{item.pk}"] = _text(f"{item.order}. {item.title}", rows=3)
            if not self.is_bound:
                self.initial[f"item-{item.pk}"] = item.minutes

    def item_fields(self):
        return [(item, self[f"item-{item.pk}"]) for item in self.agenda]

    def items(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data.get(f"item-{item.pk}", "") for item in self.agenda}
