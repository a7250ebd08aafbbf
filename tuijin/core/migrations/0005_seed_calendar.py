"""Seed the official holiday schedules (chinesecalendar, 2004–2026) so a fresh install's calendar is right
without any further step. Years an admin entered are never touched; `tuijin calendar seed` adds years a
newer chinesecalendar release brings."""

from django.db import migrations


def seed(apps, schema_editor):
    from tuijin.core.rules.holidays import official_schedule, official_years

    year_model = apps.get_model("core", "CalendarYear")
    day_model = apps.get_model("core", "CalendarDay")
    entered = set(year_model.objects.values_list("year", flat=True))
    for year in official_years():
        if year in entered:
            continue
        schedule = official_schedule(year)
        day_model.objects.filter(date__year=year).delete()
        day_model.objects.bulk_create(
            [day_model(date=d, kind="off", name=n) for d, n in schedule.days_off.items()]
            + [day_model(date=d, kind="makeup", name=n) for d, n in schedule.make_up_days.items()]
        )
        year_model.objects.create(year=year, source="package", document="chinesecalendar 数据包")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_calendar_history")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
