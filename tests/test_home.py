"""The home page: what each role sees first."""

import time_machine

from tuijin.core.models import TaskAttempt


def test_home_needs_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@time_machine.travel("2026-02-13 09:00 +0800")
def test_home_shows_today_on_the_working_day_calendar(world, client_for):
    text = client_for(world.reporter).get("/").content.decode()
    assert "今天 2月13日 星期五" in text
    assert "下一个工作日：<strong>2月14日</strong>" in text  # the Saturday make-up day of 2026
    assert "2月14日补班（春节）" in text and "2月16日春节" in text


@time_machine.travel("2026-11-22 10:00 +0800")
def test_home_marks_provisional_days(world, client_for):
    text = client_for(world.leader).get("/").content.decode()
    assert "1月1日元旦（临时日历）" in text


@time_machine.travel("2026-11-22 10:00 +0800")
def test_admin_sees_system_status_others_do_not(world, client_for):
    TaskAttempt.objects.create(result_id="r1", root_id="r1", task_path="x.y", outcome="given_up")
    admin_text = client_for(world.admin).get("/").content.decode()
    assert "1 个后台任务多次失败已放弃" in admin_text
    assert "待录入 2027 年放假安排" in admin_text
    assert "后台工作进程尚未报到" in admin_text
    supervisor_text = client_for(world.supervisor).get("/").content.decode()
    assert "系统运行" not in supervisor_text and "在用账号" not in supervisor_text


def test_discipline_viewer_home_has_no_directory_counts(world, client_for):
    text = client_for(world.discipline).get("/").content.decode()
    assert "责任单位" not in text and "东湖区重大重点项目工作台" in text
