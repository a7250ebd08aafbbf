"""The level tags of REQ B1; those ETDZ19 四 says "必须列入" are marked (REQ B7)."""

from django.db import migrations

TAGS = [
    ("省重点", True, "ETDZ19 四"),
    ("市重点", True, "ETDZ19 四"),
    ("新区（开发区）重点", True, "ETDZ19 四"),
    ("区重点", False, "DH24 三"),
    ("两行动方案", True, "ETDZ19 四"),
    ("三看", True, "ETDZ19 四"),
    ("三个一百", False, "REQ B1"),
    ("8+1产业链", False, "REQ B1"),
    ("500强", False, "REQ B1"),
]


def seed(apps, schema_editor):
    ProjectTag = apps.get_model("projects", "ProjectTag")
    for sort, (name, must, source) in enumerate(TAGS, start=1):
        ProjectTag.objects.get_or_create(name=name, defaults={"must_be_listed": must, "source": source, "sort": sort})


def unseed(apps, schema_editor):
    apps.get_model("projects", "ProjectTag").objects.filter(name__in=[t[0] for t in TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
