"""The public page (NC20 四(三) 每月向社会公布排名): no login, published public monthly notices only, from
`content["public"]` only, units but never persons."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tuijin.documents.models import Bulletin

pytestmark = pytest.mark.django_db

PUBLIC = {
    "ranking": [
        {
            "group": "区直单位",
            "rank": 1,
            "unit": "区发展和改革委员会",
            "total": "96.50",
            "tied": False,
            "place": "first",
        },
        {
            "group": "区直单位",
            "rank": 2,
            "unit": "区住房和城乡建设局",
            "total": "90.00",
            "tied": True,
            "place": "",
        },
        {
            "group": "区直单位",
            "rank": 2,
            "unit": "区交通运输局",
            "total": "90.00",
            "tied": True,
            "place": "last",
        },
        {
            "group": "镇街",
            "rank": 1,
            "unit": "公园街道办事处",
            "total": "88.25",
            "tied": False,
            "place": "first",
        },
    ],
    "ranking_note": "本月考核尚未关账，排名以计算时的数据为准。",
    "progress": {"projects": 12, "started": 3, "completed": 1, "red": 2, "yellow": 1, "green": 9},
    "projects": [
        {
            "name": "东湖数字经济产业园",
            "unit": "区发展和改革委员会",
            "stage": "在建",
            "light": "红灯",
            "planned_investment": "20000.00",
            "completed_investment": "12500.50",
            "investment_rate": 62.5,
            "progress": "林志远现场调度，主体结构施工",  # free text of an older notice: never shown
        },
        {
            "name": "滨江公园提升工程",
            "unit": "区住房和城乡建设局",
            "stage": "前期",
            "light": "绿灯",
            "planned_investment": "",
            "completed_investment": "0.00",
            "investment_rate": None,
        },
    ],
    "leader": "林志远",  # an unexpected key: never shown
}


def notice(
    w, *, period="2026-05", status="published", public=True, kind="monthly_notice", content=None, **kw
):
    seq = kw.pop("seq", int(period[-2:]))
    return Bulletin.objects.create(
        jurisdiction=kw.pop("jurisdiction", w.district),
        kind=kind,
        period=period,
        title=f"{period[:4]}年{int(period[-2:])}月重大重点项目推进情况通报",
        status=status,
        public=public,
        content=content
        if content is not None
        else {"public": PUBLIC, "signer": "林志远", "cards": ["周文博"]},
        year=int(period[:4]),
        seq=seq,
        number=f"东湖重点办〔{period[:4]}〕{seq}号" if status == "published" else "",
        drafted_by=w.admin,
        published_at=timezone.now() if status == "published" else None,
        **kw,
    )


def test_anonymous_reads_the_latest_notice(world, client):
    notice(world, period="2026-04")
    latest = notice(world, period="2026-05")
    page = client.get("/public/360102/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "东湖区重大重点项目推进排名公示" in text
    assert f'data-bulletin="{latest.pk}"' in text and "东湖重点办〔2026〕5号" in text
    assert "东湖重点办〔2026〕4号" in text  # in the list of notices
    for shown in (
        "区发展和改革委员会",
        "96.50",
        "并列",
        "首位",
        "末位",
        "公园街道办事处",
        "东湖数字经济产业园",
        "20,000",
        "12,500.5",
        "62.5%",
        "红灯",
    ):
        assert shown in text, shown
    assert "尚未关账" in text
    assert 'id="public-progress"' in text
    # no persons: neither the signer nor names elsewhere in the content, nor an unexpected key of "public"
    for name in ("林志远", "周文博", "admin", "主体结构施工"):
        assert name not in text
    assert 'class="navbar' not in text and "退出登录" not in text
    assert "sessionid" not in page.cookies


def test_one_notice_and_no_file_to_download(world, client):
    older = notice(world, period="2026-04")
    notice(world, period="2026-05")
    older.pdf.save("notice.pdf", ContentFile(b"%PDF-1.7 internal"), save=True)
    page = client.get(f"/public/360102/{older.pk}/")
    assert page.status_code == 200 and f'data-bulletin="{older.pk}"' in page.content.decode()
    # the PDF is the internal notice (signer, cards' reasons): never offered here
    assert 'id="public-pdf"' not in page.content.decode() and "/pdf/" not in page.content.decode()
    assert client.get(f"/public/360102/{older.pk}/pdf/").status_code == 404
    older.pdf.delete(save=False)


def test_a_published_notice_shows_no_signer_and_no_card_reason(world, client):
    """The whole way: drafted, signed by 林志远 and published as public; the public page shows the
    ranking and the plan's projects, never the signer, the cards' reasons or the lights' reasons."""
    import time_machine

    from tests.documents.bulletin_factories import june
    from tests.projects.factories import entry, invest, plan
    from tuijin.documents import bulletin_services as svc

    made = june(world)
    entry(plan(world, 2024), made["start"], planned_investment=Decimal("8000"))
    invest(made["start"], 2024, 6, Decimal("2000"))
    b = svc.bulletin_draft(
        actor=world.admin, jurisdiction=world.district, kind="monthly_notice", period="2024-06"
    )
    b = svc.bulletin_submit(actor=world.admin, bulletin=b)
    b = svc.bulletin_sign(actor=world.leader, bulletin=b, note="同意印发")
    with time_machine.travel("2024-07-03 10:00 +0800", tick=False):
        b = svc.bulletin_publish(actor=world.admin, bulletin=b, public=True)
    assert "一年内累计黄牌 3 张" in str(b.content) and "施工许可证超期" in str(b.content)  # internal only
    text = client.get("/public/360102/").content.decode()
    assert "通报〔2024〕1号" in text and "区发展和改革委员会" in text and "96.50" in text
    assert "东湖数字经济产业园" in text and "25.0%" in text
    assert "东湖智造基地" not in text  # not in the year's plan
    for hidden in (
        "林志远",
        "同意印发",
        "一年内累计黄牌 3 张",
        "红牌〔2024〕第1号",
        "施工许可证超期",
        "主体结构施工",
    ):
        assert hidden not in text, hidden
    assert client.get(f"/public/360102/{b.pk}/pdf/").status_code == 404


@pytest.mark.parametrize(
    "kw",
    [
        {"status": "draft"},
        {"status": "submitted"},
        {"status": "signed"},
        {"public": False},
        {"kind": "weekly_briefing", "period": "2026-W20"},
    ],
)
def test_nothing_unpublished_or_non_public(world, client, kw):
    hidden = notice(world, **kw)
    assert client.get(f"/public/360102/{hidden.pk}/").status_code == 404
    page = client.get("/public/360102/")
    assert page.status_code == 200 and "暂无向社会公布的月通报" in page.content.decode()


def test_unknown_jurisdiction_and_another_jurisdictions_notice(world, client):
    theirs = notice(world, jurisdiction=world.other_district)
    assert client.get("/public/999999/").status_code == 404
    assert client.get(f"/public/360102/{theirs.pk}/").status_code == 404
    assert client.get(f"/public/360111/{theirs.pk}/").status_code == 200


@pytest.mark.parametrize(
    "content",
    [
        {},
        {"public": None},
        {"public": {"ranking": None, "progress": "x", "projects": [None, {"unit": "无名"}]}},
        {
            "public": {
                "ranking": [{"unit": "区发改委", "rank": "x", "total": None}],
                "progress": {"projects": "many"},
            }
        },
    ],
)
def test_missing_or_odd_content_is_shown_gracefully(world, client, content):
    notice(world, content=content)
    page = client.get("/public/360102/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "本期通报没有公布项目推进情况" in text


def test_signed_in_people_see_the_same_public_page(world, client_for):
    notice(world)
    page = client_for(world.unit_head).get("/public/360102/")
    assert page.status_code == 200 and 'class="navbar' not in page.content.decode()


def _follow(jurisdiction, slug):
    from tuijin.core.models import RuleSet
    from tuijin.core.ruleset_services import ruleset_seed

    if not RuleSet.objects.filter(slug=slug).exists():
        ruleset_seed()
    jurisdiction.rule_set = RuleSet.objects.get(slug=slug)
    jurisdiction.save()


def test_the_header_cites_the_jurisdictions_own_rule_set(world, client):
    """东湖区 follows DH24 (六(三)), 青山湖区 NC20 (三(四)4, 四(三)): each page cites its own rule set's name
    and the source of its [notify.publicity]; without a rule set no document is cited."""
    _follow(world.district, "donghu-2024")
    _follow(world.other_district, "nanchang-2020")
    notice(world)
    notice(world, jurisdiction=world.other_district)
    dh = client.get("/public/360102/").content.decode()
    assert "依据《东湖区2024年重大重点项目推进工作方案》向社会公布" in dh
    assert "DH24 六(三)" in dh and "NC20" not in dh
    nc = client.get("/public/360111/").content.decode()
    assert "依据《2020年南昌市重大重点项目协调推进机制》向社会公布" in nc
    assert "NC20 三(四)4" in nc and "四(三)" in nc and "DH24" not in nc


def test_without_a_rule_set_no_document_is_cited(world, client):
    notice(world)
    text = client.get("/public/360102/").content.decode()
    assert "依据正式发布的月通报向社会公布" in text and "NC20" not in text


def test_projects_are_grouped_by_unit_with_a_summary_row(world, client):
    """One summary row per responsible unit (projects, completed investment, rate over the planned
    figures), its projects folded under it."""
    projects = [
        {
            "name": f"项目{i}",
            "unit": unit,
            "stage": "在建",
            "light": light,
            "planned_investment": planned,
            "completed_investment": done,
            "investment_rate": None,
        }
        for i, (unit, light, planned, done) in enumerate(
            [
                ("区发展和改革委员会", "红灯", "1000.00", "250.00"),
                ("区发展和改革委员会", "绿灯", "3000.00", "750.00"),
                ("区交通运输局", "黄灯", "", "100.00"),
            ]
        )
    ]
    notice(world, content={"public": {**PUBLIC, "projects": projects}})
    text = client.get("/public/360102/").content.decode()
    assert text.count('class="unit-projects') == 2 and "2 个责任单位、3 个项目" in text
    first = text[text.index('<details class="unit-projects') : text.index("</details>")]
    assert "区发展和改革委员会" in first and '<span class="unit-count">2</span>' in first
    assert "1,000" in first and '<span class="unit-rate">25.0%</span>' in first and "红灯 1" in first
    assert "项目0" in first and "项目1" in first and "项目2" not in first
    second = text[text.rindex('<details class="unit-projects') :]
    assert "区交通运输局" in second and "100" in second and "unit-rate" not in second.split("</summary>")[0]
