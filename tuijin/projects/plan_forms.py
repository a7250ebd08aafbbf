"""Forms of the annual plan pages: they parse input; the rules live in `plan_services`."""

from decimal import Decimal

from django import forms

from . import rules

MONTHS = range(1, 13)


class DateInput(forms.DateInput):
    input_type = "date"


def _rate(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=5, decimal_places=1, initial=Decimal(100))


class TargetsForm(forms.Form):
    title = forms.CharField(label="计划名称", max_length=120)
    document = forms.CharField(
        label="印发文号",
        max_length=80,
        required=False,
        help_text="填写后计划即为已印发：此后增补、调出和调整须写明决定机构、日期和理由，并记入调整记录。",
    )
    start_rate_target = _rate("开工率目标（%）")
    investment_rate_target = _rate("投资完成率目标（%）")
    completion_rate_target = _rate("竣工率目标（%）")
    early_planning_target = forms.IntegerField(
        label="前期谋划项目数", required=False, min_value=0, help_text="如：不含前期谋划项目 134 个"
    )


class PlanCreateForm(TargetsForm):
    jurisdiction = forms.ModelChoiceField(label="辖区", queryset=None, empty_label=None)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)

    field_order = ["jurisdiction", "year", "title", "document"]

    def __init__(self, *args, jurisdictions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdictions


class EntryValuesForm(forms.Form):
    """Plan type, annual planned investment and twelve optional monthly targets (万元)."""

    plan_type = forms.ChoiceField(label="计划类型", choices=list(rules.PLAN_TYPES.items()))
    planned_investment = forms.DecimalField(label="年度计划投资（万元）", max_digits=14, decimal_places=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for month in MONTHS:
            self.fields[f"m{month}"] = forms.DecimalField(
                label=f"{month}月", max_digits=14, decimal_places=2, required=False
            )

    def month_fields(self):
        return [self[f"m{month}"] for month in MONTHS]

    def monthly_targets(self) -> list[Decimal | None]:
        return [self.cleaned_data.get(f"m{month}") for month in MONTHS]

    @staticmethod
    def monthly_initial(targets) -> dict:
        return {f"m{month}": amount for month, amount in zip(MONTHS, targets, strict=False)}


class DecisionForm(forms.Form):
    """Who decided a change during the year (required once the plan is issued; the service checks)."""

    decided_by = forms.CharField(label="决定机构/会议", max_length=120, required=False)
    decided_on = forms.DateField(label="决定日期", required=False, widget=DateInput)
    document_number = forms.CharField(label="文号", max_length=80, required=False)
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def decision(self) -> dict:
        data = self.cleaned_data
        return {
            "decided_by": data.get("decided_by") or "",
            "decided_on": data.get("decided_on"),
            "document_number": data.get("document_number") or "",
            "reason": data.get("reason") or "",
        }


class AddForm(EntryValuesForm, DecisionForm):
    project = forms.ModelChoiceField(label="项目", queryset=None, empty_label="请选择项目库中的项目")
    annual_content = forms.CharField(
        label="年度建设内容（形象进度目标）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["project"].label_from_instance = lambda p: (
            f"{p.name}（{p.responsible_unit.short_name or p.responsible_unit.name}，{rules.STAGES.get(p.stage, p.stage)}）"
        )


class ReplanForm(EntryValuesForm, DecisionForm):
    pass


class RolloverForm(forms.Form):
    year = forms.IntegerField(label="结转到年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="新计划名称", max_length=120)
