"""A live API with a PostgreSQL and a Redis of its own, for the fault tests (test_faults.py).

`FaultStack.start()` makes a folder in /tmp, starts a PostgreSQL cluster and a Redis server there
(movoai.embedded, the same servers `make run` uses when DATABASE_URL and REDIS_URL are unset),
migrates the database and loads the library, then starts gunicorn with the project's
gunicorn.conf.py (two worker processes of two threads, as in production) pointed at them through
DATABASE_URL and REDIS_URL. The tests stop and start those two servers under the running API; the
machine's shared test database and Redis are never touched.

Codes are delivered to files (SMS_FILE_PATH, EMAIL_FILE_PATH in the folder) and no language model is
configured, so the AI endpoints answer from their rules engine.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import redis

from movoai import embedded

REPO_ROOT = Path(__file__).resolve().parents[2]
BOOT_SECONDS = 90
# The variables of this environment that would point the server elsewhere or change what it does.
_NOT_INHERITED = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_DEBUG",
    "MOVOAI_ENV",
    "MOVOAI_BENCH",
    "MOVOAI_EMBEDDED_DIR",
    "MOVOAI_TEST_DB_NAME",
    "MOVOAI_TEST_REDIS_DB",
    "SENTRY_DSN",
    "PROMETHEUS_MULTIPROC_DIR",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "SMS_BACKEND",
    "EMAIL_BACKEND",
    "SENDGRID_API_KEY",
    "WEB_CONCURRENCY",
    "WEB_THREADS",
)
# migrate, then the library and the template plans (no embeddings: the AI answers from rules).
_PREPARE = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("load_exercises", verbosity=0)
call_command("load_plans", verbosity=0)
"""
_CODE = re.compile(r"code is (\d{6})")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class FaultStack:
    folder: Path
    port: int = field(default_factory=_free_port)
    server: subprocess.Popen[bytes] | None = None
    timings: dict[str, float] = field(default_factory=dict)

    # ---- life cycle ------------------------------------------------------------------------------
    @classmethod
    def start(cls) -> FaultStack:
        # In /tmp: Unix socket paths must stay short (movoai.embedded), whatever pytest's basetemp is.
        stack = cls(folder=Path(tempfile.mkdtemp(prefix="movoai-faults-", dir="/tmp")))
        try:
            stack._boot()
        except BaseException:
            stack.close()
            raise
        return stack

    def _boot(self) -> None:
        started = time.monotonic()
        self.start_postgres()
        self.start_redis()
        self.timings["servers"] = time.monotonic() - started
        env = self.server_env()
        prepare = subprocess.Popen(  # noqa: S603 - our interpreter, our script
            [sys.executable, "-c", _PREPARE], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        # gunicorn boots (imports Django) while the database is prepared; it answers once both are done.
        log = open(self.log_path, "wb")  # noqa: SIM115 - closed with the server
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "movoai.wsgi:application"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        output, _ = prepare.communicate(timeout=BOOT_SECONDS)
        if prepare.returncode != 0:
            raise RuntimeError(f"the fault stack's database could not be prepared:\n{output.decode()[-3000:]}")
        self.timings["database"] = time.monotonic() - started - self.timings["servers"]
        self.wait_until_healthy(BOOT_SECONDS)
        self.timings["total"] = time.monotonic() - started

    def close(self) -> None:
        """Stop the API, then the servers, and remove the folder."""
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()
        with contextlib.suppress(Exception):
            self.resume_redis()
        with contextlib.suppress(Exception):
            embedded.redis_stop(self.folder)
        with contextlib.suppress(Exception):
            embedded.postgres_stop(self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)

    def server_env(self) -> dict[str, str]:
        env = {name: value for name, value in os.environ.items() if name not in _NOT_INHERITED}
        env.update(
            DJANGO_SETTINGS_MODULE="movoai.settings",
            MOVOAI_ENV="development",
            # As a production server is configured: URLs, not the embedded servers' defaults.
            DATABASE_URL=f"postgres://postgres@{quote(str(self.folder / 'pgdata'), safe='')}/{embedded.DATABASE_NAME}",
            REDIS_URL=f"unix://{self.folder / 'redis.sock'}?db=0",
            # Should anything still ask for the embedded servers, it finds these.
            MOVOAI_EMBEDDED_DIR=str(self.folder),
            HOST="127.0.0.1",
            PORT=str(self.port),
            WEB_CONCURRENCY="2",
            WEB_THREADS="2",
            LOG_LEVEL="WARNING",
            # Every request of the tests comes from 127.0.0.1: the per-IP public limit is not under test.
            PUBLIC_RATE_LIMIT="10000/m",
            SMS_FILE_PATH=str(self.folder / "sms"),
            EMAIL_FILE_PATH=str(self.folder / "mail"),
            OPENAI_API_KEY="",
            OPENAI_BASE_URL="",
        )
        return env

    # ---- the servers under the API ---------------------------------------------------------------
    def start_postgres(self) -> None:
        embedded.postgres_socket_dir(self.folder)

    def stop_postgres(self) -> None:
        embedded.postgres_stop(self.folder)

    def start_redis(self) -> None:
        embedded.redis_url(self.folder)

    def stop_redis(self) -> None:
        embedded.redis_stop(self.folder)

    def freeze_redis(self) -> None:
        """SIGSTOP: the server keeps its socket, accepts connections and answers nothing."""
        pid = embedded.redis_pid(self.folder)
        assert pid is not None, "Redis is not running"
        os.kill(pid, signal.SIGSTOP)

    def resume_redis(self) -> None:
        pid = embedded.redis_pid(self.folder)
        if pid is not None:
            os.kill(pid, signal.SIGCONT)

    def redis(self) -> redis.Redis:
        """A client of the stack's Redis, to see what the API stored there."""
        return redis.Redis(unix_socket_path=str(self.folder / "redis.sock"), socket_timeout=2)

    # ---- the API ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=15)

    def wait_until_healthy(self, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        last: Any = None
        with self.client() as client:
            while time.monotonic() < deadline:
                if self.server is not None and self.server.poll() is not None:
                    raise RuntimeError(f"the API stopped (exit {self.server.returncode}):\n{self.log_tail()}")
                try:
                    last = client.get("/health")
                    if last.status_code == 200 and last.json()["status"] == "ok":
                        return
                except httpx.TransportError as error:
                    last = error
                time.sleep(0.1)
        raise RuntimeError(f"the API is not healthy after {seconds} s: {last!r}\n{self.log_tail()}")

    def processes(self) -> set[int]:
        """The pids of the gunicorn master and its workers: unchanged means nothing was restarted."""
        assert self.server is not None
        master = self.server.pid
        workers = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                # pid (comm) state ppid ...: the command name may hold spaces and parentheses
                if int(stat.read_text().rpartition(")")[2].split()[1]) == master:
                    workers.add(int(stat.parent.name))
        return {master, *workers}

    @property
    def log_path(self) -> Path:
        return self.folder / "server.log"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def crashes(self, since: int = 0) -> list[str]:
        """The server's log lines (from byte `since` on) that report a crash: a request answered 5xx
        other than 503, or an exception no handler answered."""
        found = []
        with open(self.log_path, "rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                if "Traceback" in line or "[ERROR]" in line:  # gunicorn's own lines are not JSON
                    found.append(line)
                continue
            status = entry.get("status")
            if (isinstance(status, int) and status >= 500 and status != 503) or entry.get("message", "").startswith(
                "unhandled exception"
            ):
                found.append(line)
        return found

    # ---- delivered codes -------------------------------------------------------------------------
    def delivered(self, kind: str) -> list[Path]:
        """The messages delivered so far: kind "sms" or "mail"."""
        folder = self.folder / kind
        return sorted(folder.glob("*.sms" if kind == "sms" else "*.log")) if folder.is_dir() else []

    def last_code(self, kind: str) -> str:
        messages = self.delivered(kind)
        assert messages, f"no {kind} delivered"
        match = _CODE.search(messages[-1].read_text())
        assert match, f"no code in {messages[-1]}"
        return match.group(1)


@contextlib.contextmanager
def stopped(stop: Any, start: Any) -> Iterator[None]:
    """A server stopped for the block, started again after it, whatever happens inside."""
    stop()
    try:
        yield
    finally:
        start()
