"""Forms of the exemption, bonus and rectification pages. They parse input only; every rule (the month,
the signers, the allowance, the file type) is checked by the services, whose errors are shown beside the
fields."""

from django import forms

INPUT = {"class": "form-control"}
SELECT = {"class": "form-select"}


class LeaderChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.post}）" if obj.post else obj.name


class ExemptionApplyForm(forms.Form):
    project = forms.ModelChoiceField(
        label="项目", queryset=None, widget=forms.Select(attrs=SELECT), empty_label="请选择本单位负责的项目"
    )
    month = forms.ChoiceField(
        label="月份", widget=forms.Select(attrs=SELECT), help_text="免扣分一月一申请：每次只申请一个月"
    )
    reason = forms.CharField(
        label="客观原因",
        widget=forms.Textarea(attrs={**INPUT, "rows": 4}),
        help_text="写明导致项目推进滞后的客观因素（如政策调整、不可抗力、上级审批暂停等）",
    )
    progress = forms.CharField(
        label="项目进展情况",
        widget=forms.Textarea(attrs={**INPUT, "rows": 4}),
        required=False,
        help_text="一月一汇报：本月的进展和下一步安排",
    )
    leader_in_charge = LeaderChoice(
        label="分管领导",
        queryset=None,
        widget=forms.Select(attrs=SELECT),
        required=False,
        empty_label="按领导小组排序的第一位",
        help_text="本单位有多位分管领导时可选择签字的一位",
    )

    def __init__(self, *args, projects=None, months=(), leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["month"].choices = list(months)
        if leaders is None or len(leaders) < 2:
            del self.fields["leader_in_charge"]
        else:
            self.fields["leader_in_charge"].queryset = leaders[0].__class__.objects.filter(
                pk__in=[p.pk for p in leaders]
            )


class ExemptionRenewForm(forms.Form):
    reason = forms.CharField(label="客观原因", widget=forms.Textarea(attrs={**INPUT, "rows": 4}))
    progress = forms.CharField(
        label="本月项目进展情况",
        widget=forms.Textarea(attrs={**INPUT, "rows": 4}),
        required=False,
        help_text="一月一汇报：写明本月的进展",
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label="意见",
        max_length=280,
        widget=forms.Textarea(attrs={**INPUT, "rows": 2}),
        required=False,
        help_text="不同意（或退回）时须写明理由",
    )


class BonusForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="单位", queryset=None, widget=forms.Select(attrs=SELECT), empty_label="请选择单位"
    )
    points = forms.DecimalField(
        label="加分",
        max_digits=4,
        decimal_places=2,
        widget=forms.NumberInput(attrs={**INPUT, "step": "0.5", "min": "0"}),
        help_text="每单位每年最高加 5 分（WH19 四(四)）",
    )
    reason = forms.CharField(
        label="加分理由",
        max_length=300,
        widget=forms.Textarea(attrs={**INPUT, "rows": 2}),
        help_text="超额完成项目推进目标任务、获得上级表彰或受到市委市政府通报表扬",
    )
    document = forms.CharField(
        label="依据文件", max_length=120, required=False, widget=forms.TextInput(attrs=INPUT)
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class RectificationSubmitForm(forms.Form):
    report = forms.CharField(
        label="整改报告",
        widget=forms.Textarea(attrs={**INPUT, "rows": 8}),
        help_text="排名靠后的原因分析、整改措施、完成时限和责任人",
    )
    file = forms.FileField(
        label="附件",
        required=False,
        widget=forms.ClearableFileInput(attrs=INPUT),
        help_text="可上传盖章的整改报告（PDF、OFD、图片、Word、Excel 或 ZIP，不超过 20 MB）",
    )
