"""`tuijin serve [--host 127.0.0.1] [--port 8000] [--workers 2]`: the embedded default in one command
(DESIGN.md "Stack"): gunicorn serving `tuijin.wsgi`, one background-task worker and the scheduler, as
child processes of this one. Production runs the same three as separate services.

Ctrl+C or SIGTERM stops all three (gracefully, then by force after `--grace` seconds); if one of them
dies, the others are stopped and serve exits non-zero, so a service manager restarts the group whole.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import OperationalError
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend

POLL_SECONDS = 0.2
DUPLICATE_SIGNAL_SECONDS = 1.0
READY_TIMEOUT_SECONDS = 60


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: a child gets SIGTERM if serve itself is killed outright, so nothing is left orphaned."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    name: str
    argv: list[str]
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        # Own process group: a terminal's Ctrl+C reaches serve only, which stops each child once.
        self.proc = subprocess.Popen(self.argv, env=env, process_group=0, preexec_fn=_die_with_parent)  # noqa: S603

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, signum: int) -> None:
        """Signal the child's whole process group, so gunicorn's workers go with their master."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signum)


def _connect_host(host: str) -> str:
    """Where to check that the server listens: a wildcard bind is reached on loopback."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104


def _bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _port_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((_connect_host(host), port), timeout=0.5):
            return True
    except OSError:
        return False


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"无法在 {_bind_address(host, port)} 监听：{exc.strerror}（端口可能已被占用）。"
                f"请换一个端口，例如 tuijin serve --port {port + 1}。"
            ) from exc


class Supervisor:
    """Starts the children, waits, and stops them all when asked or when one dies."""

    def __init__(self, children: list[Child], *, say, grace: float, host: str, port: int) -> None:
        self.children, self.say, self.grace, self.host, self.port = children, say, grace, host, port
        self.stop_signal: int | None = None
        self.first_signal_at = 0.0
        self.force = False

    def on_signal(self, signum, frame) -> None:
        # A second Ctrl+C forces; a duplicate arriving at once (e.g. `timeout` signals the group and
        # `uv run` forwards the same signal) does not.
        now = time.monotonic()
        if self.stop_signal is not None and now - self.first_signal_at > DUPLICATE_SIGNAL_SECONDS:
            self.force = True
        if self.stop_signal is None:
            self.stop_signal, self.first_signal_at = signum, now

    def run(self, env: dict[str, str]) -> int:
        self.say(f"正在启动推进，网页地址 http://{_bind_address(self.host, self.port)}/ …")
        for child in self.children:
            child.start(env)
            self.say(f"  已启动 {child.name}，进程号 {child.proc.pid}")
        ready, started = False, time.monotonic()
        while self.stop_signal is None:
            dead = next((c for c in self.children if not c.alive()), None)
            if dead is not None:
                self.say(f"{dead.name}已退出（退出码 {dead.proc.returncode}），正在停止其余进程 …")
                self.stop()
                return 1
            if not ready and _port_accepts(self.host, self.port):
                ready = True
                self.say(f"推进已就绪：http://{_bind_address(self.host, self.port)}/ （按 Ctrl+C 停止）")
            elif not ready and time.monotonic() - started > READY_TIMEOUT_SECONDS:
                self.say(f"网页服务 {READY_TIMEOUT_SECONDS} 秒内没有开始监听，请查看上面的错误信息。")
                ready = True
            time.sleep(POLL_SECONDS)
        self.say(f"收到 {signal.Signals(self.stop_signal).name}，正在停止全部进程 …")
        self.stop()
        return 0

    def stop(self) -> None:
        for child in self.children:
            child.signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        while any(c.alive() for c in self.children) and time.monotonic() < deadline and not self.force:
            time.sleep(POLL_SECONDS / 2)
        for child in self.children:
            if child.alive():
                reason = "再次收到停止信号" if self.force else f"未在 {self.grace:g} 秒内退出"
                self.say(f"  {child.name}{reason}，强制结束。")
                child.signal(signal.SIGKILL)
        for child in self.children:
            if child.proc is not None:
                child.proc.wait()
        self.say("全部进程已停止。")


class Command(BaseCommand):
    help = "一条命令运行网页服务（gunicorn）、一个后台任务工作进程和定时调度器"

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；对外服务用 0.0.0.0）"
        )
        parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn 网页进程数（默认 2）")
        parser.add_argument("--access-log", action="store_true", help="输出每个请求的访问日志")
        parser.add_argument("--no-collectstatic", action="store_true", help="启动前不收集静态文件")
        parser.add_argument("--grace", type=float, default=15.0, help="停止时等待各进程退出的秒数（默认 15）")

    def handle(self, *args, host="127.0.0.1", port=8000, workers=2, access_log=False, **options):
        if workers < 1:
            raise CommandError("--workers 至少为 1。")
        self._check_migrations()
        if not options.get("no_collectstatic"):
            call_command("collectstatic", interactive=False, verbosity=0)
        connections.close_all()
        _check_port_free(host, port)
        children = self._children(host, port, workers, access_log)
        supervisor = Supervisor(
            children, say=self._say, grace=options.get("grace", 15.0), host=host, port=port
        )
        previous = {s: signal.signal(s, supervisor.on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            code = supervisor.run(self._child_env())
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if code:
            raise CommandError("有进程意外退出，推进已停止。", returncode=code)

    def _say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def _check_migrations(self) -> None:
        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except OperationalError as exc:
            raise CommandError(f"无法连接数据库：{exc}。请检查 DATABASE_URL 或 TUIJIN_SQLITE。") from exc
        if plan:
            first = plan[0][0]
            raise CommandError(
                f"数据库还有 {len(plan)} 个迁移未执行（第一个是 {first.app_label}.{first.name}）。"
                "请先运行 tuijin migrate，再启动 tuijin serve。"
            )

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _children(self, host: str, port: int, workers: int, access_log: bool) -> list[Child]:
        python = sys.executable
        web = [python, "-m", "gunicorn", "tuijin.wsgi:application", "--bind", _bind_address(host, port)]
        web += ["--workers", str(workers), "--worker-class", "sync", "--graceful-timeout", "10"]
        web += ["--error-logfile", "-", "--log-level", "warning", "--name", "tuijin-web"]
        if access_log:
            web += ["--access-logfile", "-"]
        children = [Child(f"网页服务（gunicorn，{workers} 个进程）", web)]
        if isinstance(task_backends["default"], DatabaseBackend):
            children.append(Child("后台任务工作进程", [python, "-m", "tuijin.cli", "worker"]))
        else:
            self._say("任务后端不是数据库队列：任务在提交它的进程里直接执行，不启动工作进程。")
        children.append(Child("定时调度器", [python, "-m", "tuijin.cli", "scheduler"]))
        return children
