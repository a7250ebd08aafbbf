"""The demo's pushes and notices (issue 8), run after the assessment (the monthly notice reads its
ranking):

1. 东湖区's group robot (企业微信群机器人 “东湖区重点项目调度群”) pointing at the local sink
   (`tuijin notify sink`; DEMO_SINK_URL, default http://127.0.0.1:8025): with no sink running the messages
   simply wait and are retried — nothing leaves the machine;
2. the district leaders' push settings: a fictional e-mail address each (pinyin of the fictional name at
   donghu.example, e.g. fengzihan@donghu.example) and the channels e-mail + the group robot; the units'
   accounts fictional addresses too (unit01@donghu.example …), so the notices reach the units;
3. the Monday digests (每周一推送, NC20 四(二)) of the week of `today` queued (Monday on or before it);
4. the monthly notice (月通报, NC20 四(三)) of the month before `today` (`bulletin_rules.period_for`, the
   month an office reports on at the start of the next): drafted by the office from that month's ranking
   (the assessment computes every month of the year to date), submitted, signed by the `leader` account's person (冯子涵 in the default demo), published and made
   public, so /public/360102/ has content. Publishing numbers it, renders the final Word file and queues
   the PDF conversion and distribution task (the demo's worker runs it once `tuijin serve` is up).

Records are dated on the demo's day (the services stamp the real clock). Idempotent: a second run keeps
what is there.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from tuijin.org.models import Jurisdiction, Person, Role, User

from .data import SURNAMES
from .library import moment

ROBOT_NAME = "东湖区重点项目调度群"
SINK_DEFAULT = "http://127.0.0.1:8025"  # `tuijin notify sink`'s HTTP port
SINK_SMTP_PORT = 1025  # and its SMTP port
MAIL_DOMAIN = "donghu.example"
SIGN_NOTE = "同意印发，并向社会公布。"

# Pinyin of the demo's fictional names (tuijin/demo/data.py SURNAMES and GIVEN) for their e-mail addresses.
_PINYIN = (
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng liang xie "
    "song tang xu han feng deng cao peng zeng xiao tian dong yuan pan yu jiang cai yu du ye cheng su wei "
    "lv ding ren shen yao lu jiang cui zhong tan lu wang fan jin shi liao jia xia wei fu fang bai zou "
    "meng xiong qin qiu jiang yin xue yan duan lei hou long shi tao li he gu mao hao gong shao wan qian "
    "yan qin wu dai mo kong xiang tang"
)
_SURNAMES = dict(zip(SURNAMES, _PINYIN.split(" "), strict=True))
_GIVEN = {
    "志远": "zhiyuan",
    "文博": "wenbo",
    "晓东": "xiaodong",
    "建国": "jianguo",
    "海燕": "haiyan",
    "丽华": "lihua",
    "明轩": "mingxuan",
    "思远": "siyuan",
    "俊杰": "junjie",
    "雅琴": "yaqin",
    "国栋": "guodong",
    "春生": "chunsheng",
    "秀英": "xiuying",
    "立新": "lixin",
    "红梅": "hongmei",
    "伟民": "weimin",
    "静怡": "jingyi",
    "浩然": "haoran",
    "晨曦": "chenxi",
    "子涵": "zihan",
    "德明": "deming",
    "玉兰": "yulan",
    "永康": "yongkang",
    "嘉欣": "jiaxin",
    "启航": "qihang",
    "慧敏": "huimin",
    "振华": "zhenhua",
    "晓燕": "xiaoyan",
    "宏伟": "hongwei",
    "淑芬": "shufen",
    "一鸣": "yiming",
    "若溪": "ruoxi",
    "天佑": "tianyou",
    "梦琪": "mengqi",
    "长青": "changqing",
    "书瑶": "shuyao",
}


def sink_url() -> str:
    """Where the demo's robot posts: the local sink of `tuijin notify sink` (DEMO_SINK_URL)."""
    return os.environ.get("DEMO_SINK_URL", SINK_DEFAULT).rstrip("/")


def mail_address(person: Person, taken: set[str]) -> str:
    """fengzihan@donghu.example for 冯子涵; person<id>@… for a name outside the demo's tables; a digit
    appended when two fictional names read the same (徐/许)."""
    surname, given = person.name[:1], person.name[1:]
    local = (
        _SURNAMES[surname] + _GIVEN[given]
        if surname in _SURNAMES and given in _GIVEN
        else f"person{person.pk}"
    )
    address, n = f"{local}@{MAIL_DOMAIN}", 2
    while address in taken:
        address, n = f"{local}{n}@{MAIL_DOMAIN}", n + 1
    taken.add(address)
    return address


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@transaction.atomic
def demo_notify(district: Jurisdiction, *, today: date) -> str:
    from tuijin.notify.models import Endpoint

    if Endpoint.objects.filter(jurisdiction=district, name=ROBOT_NAME).exists():
        return "推送与通报：已有演示群机器人与推送设置，保留不变"
    admin = User.objects.filter(username="admin", role=Role.OFFICE_ADMIN).first()
    if admin is None:
        return "推送与通报：没有项目办管理员账号，未生成"
    robot = Endpoint.objects.create(
        jurisdiction=district,
        kind="wecom",
        name=ROBOT_NAME,
        url=f"{sink_url()}/cgi-bin/webhook/send?key=demo-donghu",
        created_by=admin,
    )
    leaders = _preferences(district, robot)
    _unit_addresses(district)
    digests = _digests(district, today)
    notice = _notice(district, admin, today)
    return (
        f"推送与通报：群机器人“{ROBOT_NAME}”（企业微信，发往本机接收端 {sink_url()}），"
        f"{leaders} 位区领导接收邮件和群机器人推送；{digests}；{notice}。"
    )


def _preferences(district: Jurisdiction, robot) -> int:
    from tuijin.notify.models import Preference

    taken = set(Person.objects.exclude(email="").values_list("email", flat=True))
    leaders = list(
        Person.objects.filter(jurisdiction=district, is_leader=True, is_active=True).order_by("id")
    )
    for person in leaders:
        if not person.email:
            person.email = mail_address(person, taken)
            person.save(update_fields=["email"])
        Preference.objects.update_or_create(
            person=person, defaults={"channels": ["email", f"robot:{robot.pk}"]}
        )
    return len(leaders)


def _unit_addresses(district: Jurisdiction) -> None:
    """The units' accounts get fictional addresses, so the units' to-dos and the distributed notices
    reach them by e-mail: an account with a person gets the person's (and e-mail as its channel), an
    account without one its own (unit01@donghu.example …)."""
    from tuijin.notify.models import Preference

    taken = set(Person.objects.exclude(email="").values_list("email", flat=True))
    staff = User.objects.filter(
        jurisdiction=district, role__in=(Role.UNIT_HEAD, Role.UNIT_REPORTER), is_active=True
    ).select_related("person")
    for user in staff.order_by("username"):
        person = user.person
        if person is not None:
            if not person.email:
                person.email = mail_address(person, taken)
                person.save(update_fields=["email"])
            Preference.objects.get_or_create(person=person, defaults={"channels": ["email"]})
        elif not user.email:
            user.email = f"{user.username}@{MAIL_DOMAIN}"
            user.save(update_fields=["email"])


def _digests(district: Jurisdiction, today: date) -> str:
    from tuijin.notify.models import Message
    from tuijin.notify.pushes import digests_queue

    monday = monday_of(today)
    try:
        result = digests_queue(jurisdiction=district, today=monday, now=moment(monday, 8))
    except ValidationError as exc:
        return f"周一推送未生成（{'；'.join(exc.messages)}）"
    batch = Message.objects.filter(jurisdiction=district, kind="digest", batch=f"digest:{monday.isoformat()}")
    batch.update(created_at=_at(monday, 8))
    skipped = f"，跳过 {len(result.skipped)} 人" if result.skipped else ""
    return f"{monday:%m月%d日}周一推送 {batch.count()} 条待发送{skipped}"


def _at(day: date, hour: int, minute: int = 0):
    """`day` at hh:mm, never later than now (a demo built at 7:00 on its own day is not dated ahead)."""
    from django.utils import timezone

    return min(moment(day, hour) + timedelta(minutes=minute), timezone.now())


def _notice(district: Jurisdiction, admin: User, today: date) -> str:
    """The month's notice: drafted, submitted, signed by the `leader` account, published (public)."""
    try:
        from tuijin.documents import bulletin_services as bs
    except ImportError:  # pragma: no cover (while the bulletins are being written)
        return "月通报未生成（简报通报尚未安装）"
    from tuijin.documents.bulletin_rules import MONTHLY, period_for
    from tuijin.documents.models import Bulletin, BulletinEvent

    leader = User.objects.filter(username="leader", role=Role.LEADER, is_active=True).first()
    if leader is None:
        return "月通报未生成（没有领导账号）"
    period = period_for(MONTHLY, today)  # the month before today's, as an office publishes it
    try:
        bulletin = bs.bulletin_draft(
            actor=admin, jurisdiction=district, kind=MONTHLY, period=period, today=today
        )
        bulletin = bs.bulletin_submit(actor=admin, bulletin=bulletin) or bulletin
        bulletin = bs.bulletin_sign(actor=leader, bulletin=bulletin, note=SIGN_NOTE) or bulletin
        bulletin = bs.bulletin_publish(actor=admin, bulletin=bulletin, public=True, today=today) or bulletin
    except ValidationError as exc:
        return f"月通报未生成（{'；'.join(exc.messages)}）"
    bulletin.refresh_from_db()
    # dated on the demo's day, early: drafted 8:00, submitted 8:15, signed 8:30, published 8:45
    minutes = {"drafted": 0, "refreshed": 0, "submitted": 15, "signed": 30, "published": 45}
    stamps = {f"{action}_at": m for action, m in minutes.items()}
    Bulletin.objects.filter(pk=bulletin.pk).update(
        **{name: _at(today, 8, m) for name, m in stamps.items() if getattr(bulletin, name, None)}
    )
    for event in BulletinEvent.objects.filter(bulletin=bulletin):
        BulletinEvent.objects.filter(pk=event.pk).update(at=_at(today, 8, minutes.get(event.action, 45)))
    signer = leader.person.name if leader.person_id else leader.get_username()
    return (
        f"{bulletin.title} {bulletin.number} 已由{signer}签发并向社会公布"
        f"（公开页 /public/{district.code}/，PDF 由后台任务生成后分发）"
    )


def demo_notify_hints(url: str) -> list[str]:
    """What `tuijin demo` prints after the logins: the public page and where the demo's messages go."""
    from django.conf import settings

    from .data import DISTRICT

    lines = [
        f"公开页（无需登录）：{url}public/{DISTRICT[0]}/",
        f"推送：演示的群机器人消息发往 {sink_url()}，邮件发往 {settings.EMAIL_HOST}:{settings.EMAIL_PORT}；"
        f"另开一个终端运行 uv run tuijin notify sink（邮件 {SINK_SMTP_PORT} 端口、群机器人 8025 端口）即可在本机"
        "接收并查看，收到的消息写入 var/sink/。未运行接收端时消息保持待发送并按时重试，不会发往外部。",
    ]
    if settings.EMAIL_PORT != SINK_SMTP_PORT:
        lines.append(f"  要让邮件也进入接收端，请以 EMAIL_PORT={SINK_SMTP_PORT} ./run demo 启动。")
    return lines
