#!/usr/bin/env bash
# The whole test run behind `make test`:
#   1. every test on SQLite (the embedded default), browser tests included;
#   2. the database tests again on PostgreSQL, on a throwaway server (scripts/with-postgres.sh:
#      127.0.0.1 only, a free port, deleted on exit whether the tests passed or not).
# Extra arguments go to both pytest runs (e.g. `scripts/test.sh -x tests/core`, or `-n 2` to
# spread the tests over both cores with pytest-xdist: measured no faster on this suite yet, as
# each worker pays for its own imports, migrations and test server).
# Expects .venv (make .venv/.synced) and the Debian packages of scripts/system-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# Both passes run even when the first fails, so one run shows every failure; the exit status
# is the first non-zero one.
sqlite_status=0
postgres_status=0

echo "== SQLite: all tests"
.venv/bin/python -m pytest "$@" || sqlite_status=$?

echo "== PostgreSQL: the tests that use the database"
# Durability is pointless for a server deleted a minute later: turned off for speed.
scripts/with-postgres.sh -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    bash -c 'IPPROTECT_TEST_DATABASE_URL=$IPPROTECT_PG_URL exec .venv/bin/python -m pytest -m "not e2e" "$@"' \
    pytest "$@" || postgres_status=$?
[ "$sqlite_status" -ne 0 ] && exit "$sqlite_status"
exit "$postgres_status"
