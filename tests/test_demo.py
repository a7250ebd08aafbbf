"""`tuijin demo --no-serve` builds the demo district; a second run keeps it and resets the logins."""

from io import StringIO

from django.core.management import call_command

from tuijin.org.models import Jurisdiction, LeadingGroup, Person, Role, Unit, User


def _demo(*args) -> str:
    out = StringIO()
    call_command("demo", "--no-serve", *args, stdout=out)
    return out.getvalue()


def test_demo_builds_a_realistic_district_with_one_login_per_role(transactional_db):
    text = _demo("--today", "2024-06-30")
    district = Jurisdiction.objects.get(code="360102")
    assert Jurisdiction.objects.filter(parent=district, level="street").count() == 11
    assert Unit.objects.filter(jurisdiction=district).count() >= 30
    assert LeadingGroup.objects.get(jurisdiction=district).members.count() == 9
    assert Person.objects.filter(is_leader=True).count() == 9
    for role in Role.values:
        user = User.objects.filter(role=role).first()
        assert user is not None and user.check_password("Tuijin@2026")
        assert f"用户名 {user.username}" in text
    assert "登录地址：http://127.0.0.1:8000/login/" in text and "2024-06-30" in text
    # every responsible unit has its own reporter
    assert (
        User.objects.filter(username__startswith="unit", role=Role.UNIT_REPORTER).count()
        == Unit.objects.count()
    )


def test_demo_people_are_fictional_not_the_notice_roster(transactional_db):
    _demo()
    real_names = {
        "高辉红",
        "胡俊峰",
        "熊广义",
        "邓云生",
        "胡天诚",
    }  # DH24's roster: never shown ranked or carded
    assert not Person.objects.filter(name__in=real_names).exists()


def test_running_demo_again_keeps_the_data_and_resets_logins(transactional_db):
    _demo()
    counts = (Unit.objects.count(), Person.objects.count(), User.objects.count())
    admin = User.objects.get(username="admin")
    admin.set_password("changed-by-someone")
    admin.locked_until = "2099-01-01T00:00:00Z"
    admin.save()
    _demo()
    assert (Unit.objects.count(), Person.objects.count(), User.objects.count()) == counts
    admin.refresh_from_db()
    assert admin.check_password("Tuijin@2026") and admin.locked_until is None


def test_demo_refuses_a_malformed_date(transactional_db):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today 应为 YYYY-MM-DD"):
        call_command("demo", "--no-serve", "--today", "2024-02-30")


def test_demo_refuses_a_database_with_real_accounts(transactional_db):
    import pytest
    from django.core.management.base import CommandError

    from tests.factories import build_world

    build_world()  # real accounts: admin, head, … plus foreign_admin
    with pytest.raises(CommandError, match="已有非演示账号"):
        _demo()
    assert not Unit.objects.filter(name="区公建中心").exists()


def test_demo_prints_the_plan_it_built_and_keeps_it_on_a_second_run(transactional_db):
    from tuijin.projects.models import Project

    text = _demo("--today", "2024-06-30")
    assert "东湖区2024年计划实施项目 90 个（计划投资 67.6亿元），前期谋划项目 134 个" in text
    count = Project.objects.count()
    again = _demo("--today", "2024-09-30")
    assert Project.objects.count() == count and "保留不变" in again


def test_demo_refuses_a_malformed_project_count(transactional_db):
    import pytest
    from django.core.management.base import CommandError

    for value in ("0", "abc", "-5"):
        with pytest.raises(CommandError, match="--projects 应为 1 至 1000000 之间的整数"):
            call_command("demo", "--no-serve", "--projects", value)


def test_demo_of_a_city_logs_the_admin_in_at_the_city(transactional_db):
    from tuijin.projects.models import Project

    text = _demo("--today", "2024-06-30", "--projects", "30")
    assert Project.objects.count() == 30
    assert "演示数据已就绪（南昌市" in text and "admin 为南昌市项目办管理员" in text
    admin = User.objects.get(username="admin")
    assert admin.jurisdiction.code == "3601" and admin.check_password("Tuijin@2026")
