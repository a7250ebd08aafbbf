"""The override form (人工调整亮灯): a colour and a reason, or clearing with a reason. The computed light
stays beside the override (REQ D); `lights.services` writes both."""

from django import forms

from . import rules

OVERRIDE_COLORS = ("red", "yellow", "green")


class LightOverrideForm(forms.Form):
    op = forms.ChoiceField(choices=[("set", "调整"), ("clear", "清除调整")], initial="set")
    color = forms.ChoiceField(
        label="调整为",
        choices=[(c, rules.LIGHTS[c]) for c in OVERRIDE_COLORS],
        required=False,
    )
    reason = forms.CharField(
        label="理由",
        max_length=200,
        error_messages={
            "required": "请填写理由：调整或清除人工亮灯都要说明依据（例如调度会议定、现场核实情况）。",
            "max_length": "理由最多 200 个字。",
        },
    )

    def clean(self):
        data = super().clean()
        if data.get("op") == "set" and not data.get("color"):
            self.add_error("color", "请选择调整后的亮灯：红灯、黄灯或绿灯。")
        return data
