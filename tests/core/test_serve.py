"""`tuijin serve` for real: web, worker and scheduler as child processes on a temporary SQLite file; it
answers HTTP, stops everything on SIGTERM, stops everything when one child dies, and refuses an
unmigrated database."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

STARTED = re.compile(r"已启动 (.+?)，进程号 (\d+)")


def _env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TASKS_BACKEND")}
    env.update(
        DJANGO_SETTINGS_MODULE="tuijin.settings",
        TUIJIN_VAR_DIR=str(var_dir),
        TUIJIN_SQLITE=str(var_dir / "tuijin.sqlite3"),
        PYTHONUNBUFFERED="1",
    )
    return env


def _tuijin(*args: str) -> list[str]:
    return [sys.executable, "-m", "tuijin.cli", *args]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def migrated_dir(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("serve")
    subprocess.run(_tuijin("migrate", "-v0"), env=_env(var_dir), check=True, timeout=120)
    return var_dir


def _process_groups_alive(groups: set[int]) -> list[int]:
    """Processes (e.g. gunicorn's own workers) still in the children's process groups."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) in groups:
            alive.append(int(stat.parent.name))
    return alive


class Served:
    def __init__(self, var_dir: Path):
        self.port = _free_port()
        self.log_path = var_dir / f"serve-{self.port}.log"
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            _tuijin("serve", "--port", str(self.port), "--workers", "1", "--grace", "5"),
            env=_env(var_dir),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text()

    def children(self) -> dict[str, int]:
        return {name: int(pid) for name, pid in STARTED.findall(self.output())}

    def get(self, path: str, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as response:
                    return response.status
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise AssertionError(f"no answer on port {self.port}:\n{self.output()}")

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for pid in self.children().values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        self.log.close()


@pytest.fixture
def served(migrated_dir):
    server = Served(migrated_dir)
    yield server
    server.close()


def test_serve_answers_and_stops_all_children_on_sigterm(served):
    assert served.get("/login/") == 200
    children = served.children()
    assert set(children) == {"网页服务（gunicorn，1 个进程）", "后台任务工作进程", "定时调度器"}
    assert f"推进已就绪：http://127.0.0.1:{served.port}/" in served.output()

    served.proc.send_signal(signal.SIGTERM)

    assert served.proc.wait(timeout=10) == 0, served.output()
    assert _process_groups_alive(set(children.values())) == []
    assert "全部进程已停止。" in served.output()


def test_a_duplicated_sigterm_still_stops_gracefully(served):
    """`timeout` signals the process group and `uv run` forwards the same signal: one request to stop,
    not a forced kill that would orphan gunicorn's workers."""
    assert served.get("/login/") == 200
    children = served.children()

    served.proc.send_signal(signal.SIGTERM)
    served.proc.send_signal(signal.SIGTERM)

    assert served.proc.wait(timeout=10) == 0, served.output()
    assert "强制结束" not in served.output()
    assert _process_groups_alive(set(children.values())) == []


def test_serve_stops_the_others_when_one_child_dies(served):
    assert served.get("/login/") == 200
    children = served.children()

    os.kill(children["定时调度器"], signal.SIGKILL)

    assert served.proc.wait(timeout=10) == 1, served.output()
    assert "定时调度器已退出" in served.output()
    assert _process_groups_alive(set(children.values())) == []


def test_serve_refuses_an_unmigrated_database(tmp_path):
    result = subprocess.run(
        _tuijin("serve", "--port", str(_free_port()), "--no-collectstatic"),
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "个迁移未执行" in result.stderr and "请先运行 tuijin migrate" in result.stderr
