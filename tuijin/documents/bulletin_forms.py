"""Forms of the briefing and notice pages."""

from __future__ import annotations

from django import forms

from . import bulletin_rules as rules


class BulletinDraftForm(forms.Form):
    kind = forms.ChoiceField(label="文书类别", choices=list(rules.KIND_LABELS.items()))
    period = forms.CharField(
        label="期次",
        max_length=10,
        help_text="周 2024-W23（ISO 周）、月 2024-06、季度 2024Q2",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["class"] = "form-select"


class ReturnForm(forms.Form):
    # not required in the form: the same panel signs (no reason) or returns (the service asks for one)
    reason = forms.CharField(
        label="退回理由",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )


class SignForm(forms.Form):
    note = forms.CharField(
        label="签发意见",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2, "placeholder": "同意印发"}),
    )
