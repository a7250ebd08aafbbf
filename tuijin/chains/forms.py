"""Forms of the chain page, the node page and the template pages. They parse shapes only; the rules
(deadline order, actual dates, cycles) are the services', whose errors the views put beside the fields.
"""

from __future__ import annotations

from django import forms

from tuijin.projects.forms import DateInput, StyledForm

from . import rules


def _date(label: str, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateInput(),
        error_messages={"invalid": "请填写有效日期，如 2025-03-15。", "required": f"请填写{label}。"},
    )


def _choices(mapping: dict[str, str], blank: str | None = None) -> list[tuple[str, str]]:
    return ([("", blank)] if blank is not None else []) + list(mapping.items())


class _Picker(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        unit = getattr(obj, "unit", None)
        if unit is not None or getattr(obj, "post", ""):
            extra = " ".join(filter(None, [str(unit) if unit else "", obj.post]))
            return f"{obj.name}（{extra}）"
        return str(obj)


def _picker(label: str, queryset, *, required: bool = False) -> _Picker:
    return _Picker(
        label=label,
        queryset=queryset,
        required=required,
        empty_label="请选择" if required else "（无）",
        error_messages={
            "invalid_choice": f"所选{label}不在可选范围内，请重新选择。",
            "required": f"请选择{label}。",
        },
    )


class ApplyTemplateForm(StyledForm):
    template = forms.TypedChoiceField(label="模板", coerce=int, error_messages={"required": "请选择模板。"})
    target = _date("倒排目标日期", help_text="计划开工日期；留空则按项目的计划开工日期倒排")

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", "请选择")] + [(t.pk, t.name) for t in templates]
        self.templates = {t.pk: t for t in templates}

    def clean_template(self):
        pk = self.cleaned_data["template"]
        if pk not in self.templates:
            raise forms.ValidationError("所选模板不在可选范围内，请重新选择。")
        return self.templates[pk]


class ChainForm(StyledForm):
    target = _date("倒排目标日期")
    clock_class = forms.ChoiceField(label="审批时限类别", choices=_choices(rules.CLOCK_CLASSES))
    signed_by = forms.CharField(label="审批部门负责人签字", max_length=80, required=False)
    signed_on = _date("签字日期")


class NodeForm(StyledForm):
    """What the node's unit fills in; the office also marks it exempt and reassigns it."""

    actual = _date("实际完成日期")
    responsible_person = _picker("责任人", None)
    note = forms.CharField(
        label="备注", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    exempt_reason = forms.CharField(
        label="免办说明", max_length=200, required=False, help_text="不涉及本手续时填写，填写后亮灯为“免办”"
    )
    responsible_unit = _picker("责任单位", None, required=True)

    def __init__(self, *args, people, units=None, stage_node=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_person"].queryset = people
        if units is None:  # unit staff: no exemption, no reassignment
            del self.fields["exempt_reason"]
            del self.fields["responsible_unit"]
        else:
            self.fields["responsible_unit"].queryset = units
        if stage_node:  # the actual date is the project's stage move
            del self.fields["actual"]


class ReplanForm(StyledForm):
    deadline = _date("新的完成时限", required=True)
    reason = forms.CharField(label="调整原因", max_length=300, required=False)


class EvidenceForm(forms.Form):
    file = forms.FileField(label="佐证材料", error_messages={"required": "请选择要上传的佐证材料。"})


class MilestoneForm(StyledForm):
    name = forms.CharField(label="形象进度节点", max_length=40, help_text="如：基础完成、主体封顶、设备安装")
    deadline = _date("计划完成日期", required=True)
    responsible_unit = _picker("责任单位", None)

    def __init__(self, *args, units, **kwargs):
        kwargs.setdefault("prefix", "milestone")
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].queryset = units
        self.fields["responsible_unit"].empty_label = "（项目责任单位）"


class NodeAddForm(StyledForm):
    name = forms.CharField(label="节点名称", max_length=40)
    phase = forms.ChoiceField(label="类别", choices=_choices(rules.PHASES))
    after = forms.MultipleChoiceField(
        label="前置节点", required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    deadline = _date("完成时限")
    duration = forms.IntegerField(
        label="工期（工作日）", min_value=0, max_value=2000, initial=0, required=False
    )
    responsible_unit = _picker("责任单位", None, required=True)

    def __init__(self, *args, units, nodes=(), **kwargs):
        kwargs.setdefault("prefix", "add")
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].queryset = units
        self.fields["after"].choices = [(n.key, n.name) for n in nodes]


class TemplateCopyForm(StyledForm):
    name = forms.CharField(label="新模板名称", max_length=60, required=False, help_text="留空则沿用原名称")


class TemplateForm(StyledForm):
    name = forms.CharField(label="模板名称", max_length=60)
    description = forms.CharField(label="适用说明", max_length=200, required=False)
    is_active = forms.BooleanField(label="在用", required=False)


class TemplateNodeForm(StyledForm):
    name = forms.CharField(label="节点名称", max_length=40)
    phase = forms.ChoiceField(label="类别", choices=_choices(rules.PHASES))
    step = forms.IntegerField(label="步骤", min_value=1, max_value=999, help_text="同一步骤的节点并行办理")
    after = forms.MultipleChoiceField(
        label="前置节点",
        required=False,
        help_text="不选则跟随上一步骤的全部节点",
        widget=forms.CheckboxSelectMultiple,
    )
    duration = forms.IntegerField(label="默认工期（工作日）", min_value=0, max_value=2000, initial=0)
    department = forms.CharField(
        label="默认办理部门",
        max_length=80,
        required=False,
        help_text="与单位名称或简称中的字样一致，如“自然资源”",
    )
    anchor = forms.ChoiceField(label="倒排锚点", choices=_choices(rules.ANCHORS, "（无）"), required=False)
    stage = forms.ChoiceField(
        label="对应项目阶段", choices=_choices(rules.STAGE_NODES, "（无）"), required=False
    )
    starts_clock = forms.BooleanField(label="审批计时起点（土地摘牌）", required=False)

    def __init__(self, *args, nodes=(), node=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["after"].choices = [(n.key, n.name) for n in nodes if node is None or n.pk != node.pk]
