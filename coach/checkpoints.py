"""LangGraph checkpoints in PostgreSQL, for the multi-agent workflows (issue #6).

A workflow run with a `thread_id` saves its state after every step in the project's database
(`checkpoints`, `checkpoint_blobs`, `checkpoint_writes`), so it can pause for review (`interrupt`) and
resume in any worker, and a crashed run continues from its last step. Redis cannot hold them here
(no RedisJSON/RediSearch module). The tables are created by migration coach/0003 through the
library's own `setup()`, whose `CREATE INDEX CONCURRENTLY` needs a connection outside a transaction:
the saver always gets its own autocommit connection, never Django's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg import pq
from psycopg.conninfo import make_conninfo

# Every keyword libpq takes in a connection string (sslmode, sslrootcert, application_name, ...).
LIBPQ_KEYWORDS = frozenset(option.keyword.decode() for option in pq.Conninfo.get_defaults())


def checkpoint_conninfo(alias: str = "default") -> str:
    """A libpq connection string for the database Django uses under `alias` (the test database in
    tests), Unix-socket hosts included, with the connection options of `DATABASE_URL`
    (`?sslmode=verify-full&sslrootcert=...`) that libpq knows; Django-only ones are left out."""
    settings: dict[str, Any] = connections[alias].settings_dict
    options: dict[str, Any] = settings.get("OPTIONS") or {}
    parameters = {
        "connect_timeout": 5,
        **{key: value for key, value in options.items() if key in LIBPQ_KEYWORDS},
        "dbname": settings["NAME"],
        "user": settings.get("USER") or None,
        "password": settings.get("PASSWORD") or None,
        "host": settings.get("HOST") or None,
        "port": settings.get("PORT") or None,
    }
    return make_conninfo("", **{key: str(value) for key, value in parameters.items() if value not in (None, "")})


@contextmanager
def checkpointer(alias: str = "default") -> Iterator[PostgresSaver]:
    """A PostgreSQL checkpointer on its own autocommit connection, closed on exit."""
    with PostgresSaver.from_conn_string(checkpoint_conninfo(alias)) as saver:
        yield saver


def checkpoint_tables_setup(alias: str = "default") -> None:
    """Create or upgrade the checkpoint tables (idempotent: the library records its migrations)."""
    with checkpointer(alias) as saver:
        saver.setup()
