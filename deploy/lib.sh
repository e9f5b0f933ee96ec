# Shared by deploy/backup.sh and deploy/restore.sh (sourced, not run): the project's Python and the
# helpers of deploy/pg.py (the live database, the right pg_dump / pg_restore, which database is which).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -x "$ROOT/.venv/bin/python" ]; then
  PY="$ROOT/.venv/bin/python"
else
  PY="${PYTHON:-python3}"
fi

pg_helper() {
  PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m deploy.pg "$@"
}

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}
