"""The preferences form (推送设置): channels (e-mail, SMS, the jurisdiction's group robots) and quiet hours."""

from __future__ import annotations

from django import forms

from .pushes import ChannelChoice


class PreferenceForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label="接收渠道",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="都不选表示不接收推送（周一推送、待办和到期提醒）",
    )
    quiet_start = forms.TimeField(
        label="免打扰开始",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
        error_messages={"invalid": "请输入时间，如 22:00"},
    )
    quiet_end = forms.TimeField(
        label="免打扰结束",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
        error_messages={"invalid": "请输入时间，如 07:30"},
        help_text="都不填则采用本辖区规则集的默认免打扰时段；此时段内的消息顺延到结束时发送",
    )

    def __init__(self, *args, choices: list[ChannelChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.choice_rows = choices
        self.fields["channels"].choices = [(c.value, c.label) for c in choices if c.available]

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None) and not self.errors:
            raise forms.ValidationError("免打扰时段请同时填写开始和结束时间，或都不填")
        if start is not None and start == end:
            self.add_error("quiet_end", "免打扰结束时间不能与开始时间相同")
        return data
