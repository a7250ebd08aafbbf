"""The preferences pages (推送设置, H2): one's own channels and quiet hours; the office sets anyone's of
its subtree; choices a person cannot use are refused in Chinese."""

from __future__ import annotations

from datetime import time

import pytest

from tuijin.notify.models import Endpoint, Preference
from tuijin.org.models import Person

pytestmark = pytest.mark.django_db


def robot(world, name="东湖区调度群", jurisdiction=None, active=True):
    return Endpoint.objects.create(
        jurisdiction=jurisdiction or world.district,
        kind="wecom",
        name=name,
        url="http://127.0.0.1:9/wecom",
        is_active=active,
    )


def test_own_page_shows_the_choices_and_saves(world, client_for):
    lin = world.leader_person
    lin.email = "lin@example.cn"
    lin.save()
    bot = robot(world)
    robot(world, name="市调度群", jurisdiction=world.city)
    robot(world, name="停用的群", active=False)
    robot(world, name="青山湖区群", jurisdiction=world.other_district)
    client = client_for(world.leader)
    page = client.get("/notify/preferences/").content.decode()
    assert "我的推送设置" in page and "lin@example.cn" in page and "未登记手机号" in page
    assert "东湖区调度群" in page and "市调度群" in page
    assert "停用的群" not in page and "青山湖区群" not in page
    assert 'value="email" checked' in page  # the default before any choice: e-mail (has an address)
    response = client.post(
        "/notify/preferences/",
        {"channels": ["email", f"robot:{bot.pk}"], "quiet_start": "21:00", "quiet_end": "08:00"},
    )
    assert response.status_code == 302 and response["Location"] == "/notify/preferences/"
    pref = Preference.objects.get(person=lin)
    assert pref.channels == ["email", f"robot:{bot.pk}"]
    assert (pref.quiet_start, pref.quiet_end, pref.updated_by) == (time(21), time(8), world.leader)


@pytest.mark.parametrize(
    "data,error",
    [
        ({"channels": ["sms"]}, "sms"),  # no mobile number: not offered
        ({"channels": ["robot:999"]}, "robot:999"),
        ({"quiet_start": "22:00"}, "免打扰时段请同时填写开始和结束时间"),
        ({"quiet_start": "22:00", "quiet_end": "22:00"}, "免打扰结束时间不能与开始时间相同"),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "请输入时间"),
    ],
)
def test_bad_choices_are_refused(world, client_for, data, error):
    response = client_for(world.leader).post("/notify/preferences/", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Preference.objects.exists()


def test_the_office_sets_a_persons_preferences_of_its_subtree_only(world, client_for):
    lin = world.leader_person
    lin.phone = "13800138000"
    lin.save()
    client = client_for(world.admin)
    page = client.get(f"/notify/preferences/{lin.pk}/").content.decode()
    assert "林志远的推送设置" in page
    response = client.post(f"/notify/preferences/{lin.pk}/", {"channels": ["sms"]})
    assert response.status_code == 302
    assert Preference.objects.get(person=lin).channels == ["sms"]
    outsider = Person.objects.create(jurisdiction=world.other_district, name="外区领导", is_leader=True)
    assert client.get(f"/notify/preferences/{outsider.pk}/").status_code == 404
    assert client_for(world.foreign_admin).get(f"/notify/preferences/{lin.pk}/").status_code == 404


def test_an_account_without_a_person_and_others_pages_are_refused(world, client_for):
    assert client_for(world.reporter).get("/notify/preferences/").status_code == 403
    head = world.unit_head.person
    assert client_for(world.leader).get(f"/notify/preferences/{head.pk}/").status_code == 403


def test_service_refuses_a_channel_without_address(world):
    from django.core.exceptions import ValidationError

    from tuijin.notify.pushes import preference_save

    with pytest.raises(ValidationError, match="没有登记短信所需的地址"):
        preference_save(
            actor=world.admin, person=world.leader_person, channels=["sms"], quiet_start=None, quiet_end=None
        )
