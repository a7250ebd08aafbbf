"""Forms of the calendar page: parse input only; the services validate the calendar rules."""

from django import forms

from .models import CalendarDay
from .rules.workdays import CALENDAR_FIRST, CALENDAR_LAST

YEAR_RANGE = {"min_value": CALENDAR_FIRST.year, "max_value": CALENDAR_LAST.year}


class _Form(forms.Form):
    """Several forms share the page: each gets its own id prefix (`id_prefix`), names stay plain."""

    id_prefix = "cal"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class DaySetForm(_Form):
    id_prefix = "day"
    date = forms.DateField(label="日期")
    kind = forms.ChoiceField(label="类型", choices=CalendarDay.Kind.choices)
    name = forms.CharField(label="名称", max_length=40, help_text="如“春节”")
    reason = forms.CharField(
        label="调整原因", max_length=200, help_text="如“国务院办公厅关于延长2020年春节假期的通知”"
    )


class DayClearForm(_Form):
    id_prefix = "clear"
    date = forms.DateField(label="日期")
    reason = forms.CharField(label="清除原因", max_length=200)


class ImportForm(_Form):
    id_prefix = "import"
    year = forms.IntegerField(label="年份", **YEAR_RANGE)
    file = forms.FileField(label="表格文件（.xlsx）")
    document = forms.CharField(
        label="依据文件", max_length=200, help_text="如“国务院办公厅关于2027年部分节假日安排的通知”"
    )


class TextEntryForm(_Form):
    id_prefix = "text"
    year = forms.IntegerField(label="年份", **YEAR_RANGE)
    text = forms.CharField(
        label="放假和补班日期",
        widget=forms.Textarea,
        help_text="每行一天：日期 类型 名称，如“2027-02-06 休 春节”",
    )
    document = forms.CharField(label="依据文件", max_length=200)


class AddWorkdaysForm(_Form):
    id_prefix = "add"
    start = forms.DateField(label="起始日期")
    n = forms.IntegerField(label="工作日数", min_value=-2000, max_value=2000)


class BetweenForm(_Form):
    id_prefix = "between"
    date_from = forms.DateField(label="起始日期")
    date_to = forms.DateField(label="结束日期")
