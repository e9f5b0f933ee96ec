"""Proves that a backup restores: dumps the database with deploy/backup.sh, restores the dump with
deploy/restore.sh into a fresh scratch database on the same server, compares the two, drops the
scratch database. `make backup-check`; exit status 0 when the restore matches, 1 when it does not
(or when the backup or the restore fails), 2 on bad usage.

    python -m deploy.backup_restore_check [--database DATABASE] [--dump FILE]

Compared: the tables and the row count of each, the indexes, the extensions (vector, pg_trgm and
unaccent must be in the restore), and sample exercise searches (accent folding, similar words,
full text, nearest embeddings), which must give the same rows.

The dump and the counts read one snapshot of the database (pg_dump --snapshot), so rows written
while the check runs do not show as differences. --dump FILE checks an existing backup instead,
against the database as it is now: on a live database the rows written since that backup differ.
The database's user needs the right to create databases (CREATEDB).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from deploy import pg

DEPLOY_DIR = Path(__file__).resolve().parent
REQUIRED_EXTENSIONS = ("vector", "pg_trgm", "unaccent")

# Every table of the database's own (not PostgreSQL's, not an extension's).
TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY 1, 2
"""
INDEXES_SQL = """
SELECT schemaname || '.' || indexname FROM pg_indexes
WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
"""
# The sample searches need the app's schema: the exercises table and its search function.
SAMPLES_POSSIBLE_SQL = """
SELECT to_regprocedure('movo_search_norm(text)') IS NOT NULL
   AND (SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass('exercises') AND NOT attisdropped
        AND attname IN ('search_name_fr', 'search_vector', 'embedding')) = 3
"""
SAMPLES = {
    "accent folding (unaccent)": "SELECT movo_search_norm('Développé couché, ÉLÉVATION latérale')",
    "exercises by similar words (pg_trgm)": """
        SELECT id FROM exercises
        WHERE word_similarity(movo_search_norm('developpe couche'), search_name_fr) >= 0.45
        ORDER BY word_similarity(movo_search_norm('developpe couche'), search_name_fr) DESC, id LIMIT 10""",
    "exercises by full text": """
        SELECT id FROM exercises WHERE search_vector @@ websearch_to_tsquery('english', 'squat')
        ORDER BY ts_rank(search_vector, websearch_to_tsquery('english', 'squat')) DESC, id LIMIT 10""",
    # round(): an exact ordering, not the HNSW index's approximate one (two builds of that index may
    # disagree on near ties).
    "nearest exercises by embedding (pgvector)": """
        SELECT e.id FROM exercises e,
            (SELECT embedding FROM exercises WHERE embedding IS NOT NULL ORDER BY id LIMIT 1) probe
        WHERE e.embedding IS NOT NULL
        ORDER BY round((e.embedding <=> probe.embedding)::numeric, 6), e.id LIMIT 5""",
}


@dataclass
class DatabaseFacts:
    row_counts: dict[str, int]
    indexes: set[str]
    extensions: set[str]
    # sample name -> its rows as text, or its error; None: the database has no exercise search
    samples: dict[str, str] | None


def collect_facts(conn: psycopg.Connection[tuple[object, ...]]) -> DatabaseFacts:
    """The facts compared, read on `conn` (in its transaction, if it has one)."""
    row_counts: dict[str, int] = {}
    for schema, table in conn.execute(TABLES_SQL).fetchall():
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(str(schema)), sql.Identifier(str(table)))
        count = conn.execute(query).fetchone()
        row_counts[f"{schema}.{table}"] = int(str(count[0])) if count else 0
    indexes = {str(row[0]) for row in conn.execute(INDEXES_SQL)}
    extensions = {str(row[0]) for row in conn.execute("SELECT extname FROM pg_extension")}
    possible = conn.execute(SAMPLES_POSSIBLE_SQL).fetchone()
    samples: dict[str, str] | None = None
    if possible and possible[0]:
        samples = {}
        for name, query_text in SAMPLES.items():
            try:
                with conn.transaction():  # a savepoint: a failing sample leaves the snapshot usable
                    samples[name] = repr(conn.execute(query_text).fetchall())
            except psycopg.Error as error:
                samples[name] = f"error: {str(error).strip()}"
    return DatabaseFacts(row_counts=row_counts, indexes=indexes, extensions=extensions, samples=samples)


def compare(database: DatabaseFacts, restored: DatabaseFacts) -> list[str]:
    """The differences between the database and its restore, one sentence each; empty when they match."""
    differences: list[str] = []
    for table in sorted(database.row_counts.keys() | restored.row_counts.keys()):
        if table not in restored.row_counts:
            differences.append(f"table {table} is missing from the restore")
        elif table not in database.row_counts:
            differences.append(f"table {table} is in the restore only")
        elif database.row_counts[table] != restored.row_counts[table]:
            differences.append(
                f"table {table}: {database.row_counts[table]} rows in the database, "
                f"{restored.row_counts[table]} in the restore"
            )
    for index in sorted(database.indexes - restored.indexes):
        differences.append(f"index {index} is missing from the restore")
    for extension in sorted((database.extensions | set(REQUIRED_EXTENSIONS)) - restored.extensions):
        differences.append(f"extension {extension} is missing from the restore")
    if database.samples is not None:
        if restored.samples is None:
            differences.append(
                "the exercise search (table exercises, function movo_search_norm) is missing from the restore"
            )
        else:
            for name, rows in database.samples.items():
                if restored.samples.get(name, "").startswith("error: "):
                    differences.append(f"sample query {name!r} fails in the restore: {restored.samples[name]}")
                elif restored.samples.get(name) != rows:
                    differences.append(
                        f"sample query {name!r}: {rows} in the database, {restored.samples.get(name)} in the restore"
                    )
    return differences


def run_script(script: str, *arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own scripts, arguments passed as a list
        [str(DEPLOY_DIR / script), *arguments],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def scratch_database_name(dbname: str) -> str:
    """A new database's name beside `dbname`, within PostgreSQL's 63 bytes."""
    return f"{dbname[:40]}_restore_check_{secrets.token_hex(4)}"


def create_database_like(admin: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    """An empty database with the encoding and locale of the one `admin` is connected to."""
    row = admin.execute(
        "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database WHERE datname = current_database()"
    ).fetchone()
    if row is None:  # the database a connection is in always exists
        raise pg.DeployError("cannot read the database's encoding")
    encoding, collate, ctype = (str(value) for value in row)
    admin.execute(
        sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING {} LC_COLLATE {} LC_CTYPE {}").format(
            sql.Identifier(name), sql.Literal(encoding), sql.Literal(collate), sql.Literal(ctype)
        )
    )


def _facts_summary(facts: DatabaseFacts) -> str:
    return (
        f"{len(facts.row_counts)} tables, {sum(facts.row_counts.values())} rows, {len(facts.indexes)} indexes, "
        f"extensions {', '.join(sorted(facts.extensions))}"
    )


def check(database: str, dump: Path | None) -> int:
    """Back up (unless given a dump), restore into a scratch database, compare; the exit status."""
    described = pg.describe(database)
    dbname = str(conninfo_to_dict(database).get("dbname") or "movoai")
    scratch = scratch_database_name(dbname)
    scratch_database = pg.with_database(database, scratch)
    with tempfile.TemporaryDirectory(prefix="movoai-backup-check-") as folder:
        with pg.connect(database) as snapshot_conn:
            snapshot_conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            snapshot_conn.read_only = True
            if dump is None:
                snapshot = snapshot_conn.execute("SELECT pg_export_snapshot()").fetchone()
                backup = run_script(
                    "backup.sh",
                    database,
                    "--",
                    f"--snapshot={snapshot[0] if snapshot else ''}",
                    env={"BACKUP_DIR": folder},
                )
                if backup.returncode != 0:
                    print(f"backup failed:\n{backup.stderr.strip()}", file=sys.stderr)
                    return 1
                dump = Path(backup.stdout.strip().splitlines()[-1])
                print(f"backed up {described} ({dump.stat().st_size} bytes)")
            facts = collect_facts(snapshot_conn)
        print(f"database: {_facts_summary(facts)}")

        with pg.connect(database, autocommit=True) as admin:
            create_database_like(admin, scratch)
            try:
                restore = run_script("restore.sh", str(dump), scratch_database)
                if restore.returncode != 0:
                    print(f"restore failed: {dump} did not restore into a fresh database:", file=sys.stderr)
                    print(restore.stderr.strip(), file=sys.stderr)
                    return 1
                with pg.connect(scratch_database, autocommit=True) as restored_conn:
                    restored = collect_facts(restored_conn)
            finally:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
    print(f"restore:  {_facts_summary(restored)}")
    if facts.samples is None:
        print("sample searches skipped: the database has no exercise search (not migrated?)")
    differences = compare(facts, restored)
    for difference in differences:
        print(f"DIFFERENT: {difference}", file=sys.stderr)
    if differences:
        print(f"backup check FAILED: {len(differences)} differences", file=sys.stderr)
        return 1
    samples = f", {len(facts.samples)} sample searches" if facts.samples is not None else ""
    print(f"backup check passed: the restore has the same tables, row counts, indexes and extensions{samples}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a libpq URL or key=value string (default: DATABASE_URL, else embedded)")
    parser.add_argument("--dump", type=Path, help="check this existing backup instead of making one")
    arguments = parser.parse_args(argv)
    if arguments.dump is not None and not arguments.dump.is_file():
        parser.error(f"no backup file at {arguments.dump}")
    try:
        database = arguments.database or pg.live_database_url()
        return check(database, arguments.dump.resolve() if arguments.dump else None)
    except pg.DeployError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
