"""`tuijin scheduler`: the one process that enqueues periodic tasks at their cron times (DESIGN.md).

It never runs a task itself; workers do. Run exactly one per installation (a second one does no harm:
each fire time is enqueued once, see `tuijin.core.schedule`). `--list` prints the jobs and exits.
"""

import signal

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone
from django.utils.module_loading import import_string

from tuijin.core import schedule


def _exit_on_signal(signum, frame):
    raise SystemExit(0)


class Command(BaseCommand):
    help = "定时调度器：按 cron 把周期任务放入队列（只排队，由工作进程执行）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--list", action="store_true", dest="list_only", help="列出定时任务及下次触发时间后退出"
        )
        parser.add_argument("--no-catch-up", action="store_true", help="启动时不补排宽限期内错过的一次触发")

    def handle(self, *args, list_only=False, no_catch_up=False, **options):
        jobs = schedule.periodic_jobs()
        self._check_tasks(jobs)
        self._print_jobs(jobs)
        if list_only:
            return
        if not no_catch_up:
            caught_up = schedule.catch_up(jobs)
            if caught_up:
                self.stdout.write(f"已补排启动前错过的 {caught_up} 次触发。")
        connections.close_all()
        scheduler = schedule.build_scheduler(jobs=jobs)
        signal.signal(signal.SIGTERM, _exit_on_signal)
        self.stdout.write("定时调度器已启动（按 Ctrl+C 停止）。")
        self.stdout.flush()
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
            self.stdout.write("定时调度器已停止。")

    def _check_tasks(self, jobs):
        for job in jobs:
            try:
                import_string(job.task_path)
            except ImportError as exc:
                raise CommandError(f"定时任务“{job.name}”指向的任务 {job.task_path} 不存在：{exc}") from exc

    def _print_jobs(self, jobs):
        now = timezone.now()
        for job in jobs:
            next_fire = job.next_fire_time(now)
            when = timezone.localtime(next_fire).strftime("%Y-%m-%d %H:%M") if next_fire else "—"
            self.stdout.write(f"  {job.cron:<15} {job.label_zh}（{job.name}），下次 {when}")
