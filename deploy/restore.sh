#!/usr/bin/env bash
# Restores a backup of deploy/backup.sh (a pg_dump custom-format file) into a database:
#
#   deploy/restore.sh [--force] FILE [TARGET]
#
# TARGET: a libpq URL or key=value string of an existing database (createdb it first); default the
# live database (DATABASE_URL, else the embedded PostgreSQL), which needs --force: restoring replaces
# every table the backup holds, and the rows written since the backup are lost.
# The restore is one transaction (--single-transaction): it succeeds entirely or leaves the target as
# it was. Objects are dropped first (--clean --if-exists) and owned by the restoring user (--no-owner).
# PG_BIN: the folder of the pg_restore to use (as for backup.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: $0 [--force] FILE [TARGET DATABASE]" >&2
  exit 2
}

force=0
arguments=()
for argument in "$@"; do
  case "$argument" in
    --force) force=1 ;;
    -h | --help) usage ;;
    -*) echo "unknown option: $argument" >&2; usage ;;
    *) arguments+=("$argument") ;;
  esac
done
[ ${#arguments[@]} -ge 1 ] && [ ${#arguments[@]} -le 2 ] || usage
file="${arguments[0]}"
[ -f "$file" ] && [ -r "$file" ] || die "no readable backup file at $file"

live="$(pg_helper live-url)"
target="${arguments[1]:-$live}"
described="$(pg_helper describe "$target")"
set +e
pg_helper same-database "$target" "$live"
same=$?
set -e
case "$same" in
  0)
    [ "$force" -eq 1 ] || die "refusing to restore into the live database ($described): every table in the" \
      "backup would be replaced and the rows written since it lost. Restore into another database, or add --force."
    ;;
  1) ;;
  *) die "cannot check the target ($described): it must be an existing database (createdb it first)" ;;
esac

bin_dir="$(pg_helper bin-dir "$target")"
"$bin_dir/pg_restore" --list "$file" >/dev/null || die "$file is not a readable pg_dump custom-format backup"
echo "restoring $file into $described with $bin_dir/pg_restore" >&2
"$bin_dir/pg_restore" --clean --if-exists --no-owner --single-transaction --exit-on-error \
  --dbname="$target" "$file" \
  || die "pg_restore failed: nothing was restored ($described is as it was)"
echo "restored $file into $described" >&2
