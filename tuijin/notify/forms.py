"""Forms of the push-record pages."""

from django import forms

from .models import ROBOT_CHANNELS, FollowUpResult


class FollowUpForm(forms.Form):
    result = forms.ChoiceField(label="跟进结果", choices=[("", "请选择")] + list(FollowUpResult.choices))
    note = forms.CharField(label="跟进情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(forms.Form):
    note = forms.CharField(label="核实说明", max_length=200, required=False)


class EndpointForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=[(c.value, c.label) for c in ROBOT_CHANNELS])
    name = forms.CharField(label="名称", max_length=60, help_text="如：东湖区重点项目调度群")
    url = forms.URLField(label="Webhook 地址", max_length=500, assume_scheme="https")
    secret = forms.CharField(
        label="加签密钥",
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="钉钉“加签”或飞书“签名校验”的密钥；企业微信不需要",
    )
    clear_secret = forms.BooleanField(label="清除已保存的密钥", required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
