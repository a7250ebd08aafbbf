"""`tuijin demo [--today YYYY-MM-DD] [--projects N] [--no-serve]`: migrate, seed reference data, build the
demo district (or, with --projects, a city of N projects), print the logins, and run `tuijin serve` on
127.0.0.1."""

import time
from datetime import date

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from tuijin.demo.notify import demo_notify_hints
from tuijin.demo.services import demo_build, foreign_accounts


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today 应为 YYYY-MM-DD 格式的日期，实际为“{value}”。") from exc


def _parse_count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 1_000_000:
        raise CommandError(f"--projects 应为 1 至 1000000 之间的整数，实际为“{value}”。")
    return int(value)


class Command(BaseCommand):
    help = "生成演示数据并启动平台"

    def add_arguments(self, parser):
        parser.add_argument("--today", type=_parse_day, default=None, help="演示数据围绕的日期（默认今天）")
        parser.add_argument(
            "--projects",
            type=_parse_count,
            default=None,
            metavar="N",
            help="生成南昌市 6 个区共 N 个项目（规模测试、性能测试用；重建已有的演示项目库）",
        )
        parser.add_argument("--no-serve", action="store_true", help="只生成数据，不启动服务")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--force",
            action="store_true",
            help="数据库中已有非演示账号时仍然写入演示数据（会重置演示账号的密码）",
        )

    def handle(
        self, *args, today=None, projects=None, no_serve=False, host="127.0.0.1", port=8000, **options
    ):
        from django.utils import timezone

        today = today or timezone.localdate()
        self.stdout.write("正在准备数据库 …")
        call_command("migrate", interactive=False, verbosity=0)
        others = foreign_accounts()
        if others and not options.get("force"):
            raise CommandError(
                f"该数据库已有非演示账号（{'、'.join(others)} 等），看起来是正式数据；演示数据会重置演示账号的密码。"
                "请用新的数据库运行演示（例如设置 TUIJIN_VAR_DIR），或确认后加 --force。"
            )
        for noun in ("calendar", "rulesets"):
            if noun in get_commands():
                call_command(noun, "seed", verbosity=0)
        started = time.perf_counter()
        result = demo_build(today=today, projects=projects)
        seconds = time.perf_counter() - started
        url = f"http://{host}:{port}/"
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已就绪（{result.where}，日期 {today:%Y-%m-%d}，用时 {seconds:.1f} 秒）。"
            )
        )
        for line in result.summary:
            self.stdout.write(line)
        self.stdout.write(f"登录地址：{url}login/")
        for user, password in result.accounts:
            self.stdout.write(f"  {user.get_role_display():<8} 用户名 {user.username:<12} 密码 {password}")
        self.stdout.write("  另有各责任单位的填报员账号 unit01、unit02 …（见“账号管理”），密码相同。")
        if projects is None:
            for line in demo_notify_hints(url):
                self.stdout.write(line)
        if not no_serve:
            call_command("serve", host=host, port=port)
