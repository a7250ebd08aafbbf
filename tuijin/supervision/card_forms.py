"""Small forms of the card pages: appeal, revoke, decide an appeal, the referral steps. The monthly review
is posted per card (`decision_<id>`, `reason_<id>`) and read by the view."""

from django import forms

INPUT = {"class": "form-control"}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由", max_length=300, widget=forms.Textarea(attrs={**INPUT, "rows": 3}), required=False
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label="申诉理由",
        widget=forms.Textarea(attrs={**INPUT, "rows": 3}),
        required=False,
        help_text="写明与事实不符之处及依据（如督办单所涉问题已在期限内办结）",
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="撤销理由", max_length=280, widget=forms.Textarea(attrs={**INPUT, "rows": 2}), required=False
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="处理结果",
        choices=[("upheld", "维持"), ("revoked", "撤销该牌")],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label="处理意见", max_length=280, widget=forms.Textarea(attrs={**INPUT, "rows": 2}), required=False
    )


class ConsentForm(forms.Form):
    note = forms.CharField(
        label="领导意见",
        max_length=300,
        widget=forms.Textarea(attrs={**INPUT, "rows": 2}),
        required=False,
        help_text="不同意时须写明理由",
    )


class SendForm(forms.Form):
    sent_on = forms.DateField(
        label="移送日期", widget=forms.DateInput(attrs={**INPUT, "type": "date"}), required=False
    )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label="处理结果", widget=forms.Textarea(attrs={**INPUT, "rows": 3}), required=False
    )
    outcome_on = forms.DateField(
        label="结果日期", widget=forms.DateInput(attrs={**INPUT, "type": "date"}), required=False
    )
