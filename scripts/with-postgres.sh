#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server:
#
#   scripts/with-postgres.sh [-c name=value ...] CMD [ARG...]
#
# The server listens on 127.0.0.1 only, on a free port, with its data directory under /tmp and
# password-less (trust) access for loopback connections only. The command sees
#   IPPROTECT_PG_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/ipprotect   (an empty database)
# and PGHOST, PGPORT, PGUSER, PGDATABASE for psql and the other client tools. On exit — the
# command's success, its failure or an interrupt — the server is stopped and its directory
# deleted; the command's exit status is the script's.
#
# The server is durable (fsync on) and sized like a small production server on this machine (see
# SETTINGS below); each `-c name=value` before the command sets a server parameter after those,
# e.g. `-c fsync=off` for a test run whose data does not need to survive a crash.
# Expects Debian's postgresql package (scripts/system-deps.sh installs it).
set -euo pipefail

usage() {
    echo "usage: $0 [-c name=value ...] CMD [ARG...]" >&2
    exit 2
}

# What an operator changes first on a dedicated server (PostgreSQL's defaults are sized for a
# small shared machine): a page cache of its own, the planner told how much the OS caches
# besides, and memory for building indexes and vacuuming after bulk loads.
SETTINGS=(-c shared_buffers=1GB -c effective_cache_size=4GB -c maintenance_work_mem=256MB)
while [ $# -gt 0 ]; do
    case "$1" in
        -c)
            [ $# -ge 2 ] || usage
            SETTINGS+=(-c "$2")
            shift 2
            ;;
        --)
            shift
            break
            ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || usage

# The newest PostgreSQL installed: Debian keeps each major version under its own directory.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PG_BIN" ]; then
    echo "with-postgres: PostgreSQL server binaries not found under /usr/lib/postgresql;" \
        "run scripts/system-deps.sh" >&2
    exit 1
fi

# initdb refuses to run as root: the server then runs as Debian's `postgres` user.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

PGDATA_DIR=$(mktemp -d /tmp/ipprotect-pg.XXXXXX)
stop_pg() {
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PGDATA_DIR"
}
trap stop_pg EXIT
# An interrupt ends the script through its EXIT trap, so the server is stopped then too.
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$PGDATA_DIR"
fi
as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres -E UTF8 --locale=C.UTF-8 -A trust --no-sync >/dev/null
# Only the local socket and 127.0.0.1 may connect, without a password: a throwaway server.
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' \
    | as_pg tee "$PGDATA_DIR/pg_hba.conf" >/dev/null
PG_PORT=$(free_port)
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PGDATA_DIR ${SETTINGS[*]}" \
    >/dev/null || { cat "$PGDATA_DIR/server.log" >&2; exit 1; }
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres ipprotect

export IPPROTECT_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/ipprotect"
export PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=postgres PGDATABASE=ipprotect

status=0
"$@" || status=$?
exit "$status"
