"""The pieces bench/run.py drives: a bench database with demo data (a city of N projects), the production
server (gunicorn, 2 sync workers, serving the app and the floor page of `bench/floor.py`) on 127.0.0.1, a
logged-in session over real HTTP, wrk runs, the workers' memory, and the timed command-line steps.

Every wait is bounded and all traffic goes to 127.0.0.1. Messages are Chinese first, then English.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
WRK = shutil.which("wrk") or "/usr/bin/wrk"
HOST = "127.0.0.1"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
PG_DB = os.environ.get("BENCH_PG_DB", "tuijin_bench")
DEMO_USER, DEMO_PASSWORD = "admin", "Tuijin@2026"

SETUP_TIMEOUT = 600  # migrate + demo data (10,000 projects) + collectstatic
STEP_TIMEOUT = 300  # one timed step (export, import)
WSGI_APP = "bench.floor:application"  # Django's handler for every path, the floor view for /__floor__/
START_TIMEOUT = 60  # gunicorn answering
STOP_TIMEOUT = 30


class BenchError(RuntimeError):
    """Something is broken (not slow): the runner stops and exits non-zero."""


def require_wrk() -> None:
    if not Path(WRK).exists():
        raise BenchError(
            "未找到 wrk 压测工具，请先安装：sudo apt-get install wrk\n"
            "wrk not found; install it with: sudo apt-get install wrk"
        )


# --- PostgreSQL -------------------------------------------------------------------------------------


def _pg_connect(dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(f"{PG_ADMIN_URL}/{dbname}", autocommit=True, connect_timeout=5)


def pg_reachable() -> bool:
    try:
        with _pg_connect():
            return True
    except Exception:
        return False


def pg_drop() -> None:
    with _pg_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def pg_create() -> str:
    pg_drop()
    with _pg_connect() as conn:
        conn.execute(f'CREATE DATABASE "{PG_DB}"')
    return f"{PG_ADMIN_URL}/{PG_DB}"


# --- the server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """One database's prepared var dir and running gunicorn; `close()` undoes everything it did."""

    db: str
    settings: str = "tuijin.settings"
    var_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tuijin-bench-")))
    proc: subprocess.Popen | None = None
    port: int = 0
    seen_workers: dict[int, dict] = field(default_factory=dict)
    _log: object = None

    def __post_init__(self) -> None:
        self.run_env = self.env()

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TUIJIN_SQLITE")}
        env.update(
            DJANGO_SETTINGS_MODULE=self.settings,
            TUIJIN_VAR_DIR=str(self.var_dir),
            SECRET_KEY=secrets.token_urlsafe(40),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DEBUG="false",
            LOG_LEVEL="WARNING",
        )
        if self.db == "postgres":
            env["DATABASE_URL"] = f"{PG_ADMIN_URL}/{PG_DB}"
        else:
            env["TUIJIN_SQLITE"] = str(self.var_dir / "bench.sqlite3")
        env.pop("TUIJIN_FAST_HASHER", None)
        return env

    def prepare(self, projects: int | None = None) -> list[dict]:
        """Fresh database, the demo (a city of `projects` projects with `tuijin demo --projects N`), static
        files into the var dir. Returns the timed steps (the demo's build time is one of the targets)."""
        if self.db == "postgres":
            pg_create()
        steps = []
        if projects is None:
            self._manage(["demo", "--no-serve"])
        elif demo_has_projects_option(self.run_env):
            seconds = self._manage(["demo", "--projects", str(projects), "--no-serve", "--force"])
            steps.append(step(self.db, f"demo --projects {projects}", seconds, rows=projects))
        else:
            raise BenchError(
                "tuijin demo 没有 --projects 选项，无法生成 10,000 个项目的基准数据 / "
                "`tuijin demo --projects N` is missing: cannot build the benchmark's projects"
            )
        self._manage(["collectstatic", "--noinput"])
        return steps

    def _manage(self, args: list[str], timeout: int = SETUP_TIMEOUT) -> float:
        return self._run([sys.executable, "-m", "tuijin.cli", *args], " ".join(args), timeout)

    def _run(self, cmd: list[str], label: str, timeout: int = SETUP_TIMEOUT) -> float:
        """Run a command in the server's environment; its wall time in seconds (BenchError if it fails)."""
        started = time.monotonic()
        try:
            done = subprocess.run(
                cmd, cwd=REPO_DIR, env=self.run_env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"准备数据超时 / setup timed out: {label}") from exc
        if done.returncode != 0:
            raise BenchError(
                f"命令失败 / command failed ({self.db}): tuijin {label}\n{done.stdout[-1500:]}{done.stderr[-3000:]}"
            )
        return time.monotonic() - started

    def admin_jurisdiction(self) -> str:
        """The demo admin's jurisdiction code (the city with --projects, the district otherwise)."""
        code = (
            "from tuijin.org.models import User; print(User.objects.get(username='admin').jurisdiction.code)"
        )
        done = subprocess.run(
            [sys.executable, "-m", "tuijin.cli", "shell", "-c", code],
            cwd=REPO_DIR,
            env=self.run_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise BenchError(
                f"读不到 admin 的辖区 / cannot read admin's jurisdiction:\n{done.stderr[-2000:]}"
            )
        return done.stdout.strip().splitlines()[-1]

    def start(self) -> None:
        self.port = free_port()
        self._log = open(self.var_dir / "gunicorn.log", "w")  # noqa: SIM115 - closed in close()
        cmd = [sys.executable, "-m", "gunicorn", WSGI_APP, "--workers", "2", "--worker-class", "sync"]
        cmd += ["--bind", f"{HOST}:{self.port}", "--graceful-timeout", "5", "--timeout", "60"]
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO_DIR,
            env=self.run_env,
            stdout=self._log,
            stderr=self._log,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn 启动失败 / gunicorn exited ({self.db}):\n{self.log_tail()}")
            if _answers(f"{self.base_url}/login/") and len(self.worker_pids()) == 2:
                return
            time.sleep(0.2)
        raise BenchError(
            f"gunicorn 在 {START_TIMEOUT} 秒内未响应 / did not answer ({self.db}):\n{self.log_tail()}"
        )

    def log_tail(self) -> str:
        path = self.var_dir / "gunicorn.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def worker_pids(self) -> list[int]:
        return _children(self.proc.pid) if self.proc else []

    def worker_cpu_seconds(self) -> float:
        """User + system CPU seconds the workers have used so far (/proc/<pid>/stat utime, stime)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
        return total / ticks

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait (at most `timeout` s) until the workers stop using CPU. wrk closes its connections when a
        run ends, but sync workers still answer the requests queued behind them: after a slow page at 16
        connections that is seconds of work, which would be charged to the next run."""
        deadline = time.monotonic() + timeout
        last = self.worker_cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.worker_cpu_seconds()
            if now - last < 0.03:  # under 10 % of one core over 0.3 s: idle
                return
            last = now

    def sample_memory(self) -> None:
        """Remember each worker's peak (VmHWM) and current (VmRSS) resident memory, in MB."""
        for pid in self.worker_pids():
            status = _proc_status(pid)
            if status:
                self.seen_workers[pid] = status

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        workers = self.worker_pids()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            for pid in [self.proc.pid, *workers]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            if self._log:
                self._log.close()
            if self.db == "postgres":
                try:
                    pg_drop()
                except Exception as exc:
                    print(f"警告：未能删除数据库 {PG_DB} / could not drop it: {exc}", file=sys.stderr)
            shutil.rmtree(self.var_dir, ignore_errors=True)


def demo_has_projects_option(env: dict[str, str]) -> bool:
    """`tuijin demo --projects N` exists (another part of the issue adds it)."""
    done = subprocess.run(
        [sys.executable, "-m", "tuijin.cli", "demo", "--help"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return "--projects" in done.stdout


def step(
    db: str, name: str, seconds: float | None, *, rows: int | None = None, note: str = "", ok=True
) -> dict:
    """One timed step of the run (demo build, export, import) as it appears in the JSON."""
    row = {"db": db, "name": name, "seconds": None if seconds is None else round(seconds, 2), "rows": rows}
    row.update(ok=ok, note=note)
    return row


def _die_with_parent() -> None:
    """Linux: the gunicorn master gets SIGTERM if the runner dies without cleaning up (SIGKILL)."""
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass


def _answers(url: str) -> bool:
    try:
        with _opener().open(url, timeout=2) as resp:
            return resp.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _children(ppid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == ppid:
            pids.append(int(entry.name))
    return sorted(pids)


def _proc_status(pid: int) -> dict | None:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    values = {}
    for line in lines:
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = round(int(rest.split()[0]) / 1024, 1)  # kB -> MB
    return {"peak_mb": values.get("VmHWM", 0.0), "rss_mb": values.get("VmRSS", 0.0)}


# --- HTTP: log in, check pages ----------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener(jar: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
    # No proxies: the traffic is for 127.0.0.1 only, whatever http_proxy says.
    handlers = [urllib.request.ProxyHandler({}), _NoRedirect()]
    if jar is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    return urllib.request.build_opener(*handlers)


def login(base_url: str) -> dict[str, str]:
    """Log in as the demo admin like a browser does; returns the cookies (sessionid, csrftoken)."""
    jar = http.cookiejar.CookieJar()
    opener = _opener(jar)
    with opener.open(f"{base_url}/login/", timeout=10) as resp:
        resp.read()
    cookies = {c.name: c.value for c in jar}
    if "csrftoken" not in cookies:
        raise BenchError("登录页未设置 csrftoken / the login page set no csrftoken cookie")
    form = {"username": DEMO_USER, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": cookies["csrftoken"]}
    request = urllib.request.Request(
        f"{base_url}/login/",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Referer": f"{base_url}/login/", "Content-Type": "application/x-www-form-urlencoded"},
    )
    status = _status(opener, request)
    cookies = {c.name: c.value for c in jar}
    if status != 302 or "sessionid" not in cookies:
        raise BenchError(f"以 {DEMO_USER} 登录失败 / login as {DEMO_USER} failed (HTTP {status})")
    return cookies


def _status(opener, request) -> int:
    try:
        with opener.open(request, timeout=30) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(cookies.items()))


def fetch(base_url: str, path: str, cookie: str | None, timeout: float = 30) -> tuple[int, bytes]:
    """GET a page without following redirects: (status, body)."""
    request = urllib.request.Request(f"{base_url}{path}", headers={"Cookie": cookie} if cookie else {})
    try:
        with _opener().open(request, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def check_page(base_url: str, path: str, expected: str, cookie: str | None) -> int:
    """The page answers 200 with its Chinese title, not a redirect to the login page; returns its size."""
    request = urllib.request.Request(f"{base_url}{path}", headers={"Cookie": cookie} if cookie else {})
    try:
        with _opener().open(request, timeout=30) as resp:
            status, body = resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, body = exc.code, ""
    if status != 200 or expected not in body:
        raise BenchError(
            f"页面 {path} 不是预期内容（HTTP {status}，应含“{expected}”）/ "
            f"page {path} answered HTTP {status} without the expected text"
        )
    return len(body.encode())


# --- wrk --------------------------------------------------------------------------------------------


def run_wrk(url: str, *, connections: int, duration: int, cookie: str | None) -> dict:
    """One wrk run with bench/report.lua; returns its JSON line (latencies in microseconds)."""
    cmd = [WRK, "--latency", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{duration}s"]
    cmd += ["--timeout", "10s", "-s", str(BENCH_DIR / "report.lua")]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cmd.append(url)
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk 超时 / wrk timed out: {url}") from exc
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line.removeprefix("WRK_JSON "))
    raise BenchError(
        f"wrk 未输出结果 / wrk printed no result ({done.returncode}):\n{done.stdout}{done.stderr}"
    )
