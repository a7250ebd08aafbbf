"""Seed the preset node templates (chains/presets.py) as templates with no jurisdiction."""

from django.db import migrations


def seed(apps, schema_editor):
    from tuijin.chains.presets import PRESETS

    ChainTemplate = apps.get_model("chains", "ChainTemplate")
    TemplateNode = apps.get_model("chains", "TemplateNode")
    for sort, preset in enumerate(PRESETS, start=1):
        template, _ = ChainTemplate.objects.update_or_create(
            jurisdiction=None,
            name=preset.name,
            defaults={
                "description": preset.description,
                "source": preset.source,
                "categories": list(preset.categories),
                "sort": sort,
            },
        )
        for node in preset.nodes:
            TemplateNode.objects.update_or_create(
                template=template,
                key=node.key,
                defaults={
                    "name": node.name,
                    "phase": "construction" if node.stage or node.key == "structure" else "approval",
                    "step": node.step,
                    "after": list(node.after),
                    "duration": node.duration,
                    "stage": node.stage,
                    "anchor": node.anchor,
                    "department": preset.departments.get(node.key, ""),
                    "starts_clock": node.key == preset.clock_start,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("chains", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
