"""`tuijin worker`: one background-task worker (django_tasks_db's `db_worker` with Tuijin's defaults).

Defaults: every queue named in settings.TASKS, no auto-reload, and a worker id "host-pid" so the tasks
page says which machine ran what. Run as many as you like against PostgreSQL; they claim work with
row locks (SKIP LOCKED). `--batch` runs what is due and exits (cron-style deployments, tests).
"""

import os
import socket

from django.conf import settings
from django.core.management.base import CommandError
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[-64:]


def configured_queues(backend: str = "default") -> str:
    queues = settings.TASKS.get(backend, {}).get("QUEUES") or ["default"]
    return ",".join(queues)


class Command(DbWorkerCommand):
    help = "运行一个后台任务工作进程（处理全部队列，--batch 处理完即退出）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        for action in parser._actions:
            if action.dest == "backend_name":
                action.type = str  # checked in handle(), with a message in Chinese
        parser.set_defaults(queue_name=configured_queues(), reload=False, worker_id=default_worker_id())

    def handle(self, *args, **options):
        backend = task_backends[options["backend_name"]]
        if not isinstance(backend, DatabaseBackend):
            raise CommandError(
                f"后台任务后端“{options['backend_name']}”是 {type(backend).__name__}，不是数据库队列"
                "（django_tasks_db.DatabaseBackend），没有需要工作进程处理的任务。请检查 TASKS 设置或 TASKS_BACKEND 环境变量。"
            )
        return super().handle(*args, **options)
