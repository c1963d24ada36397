#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on 127.0.0.1 for the ledger tests; print the URL to use.
# Usage: eval "$(scripts/test-postgres.sh start)"   ...   scripts/test-postgres.sh stop
set -euo pipefail
PORT="${SOCIALPUB_TEST_PG_PORT:-54329}"
DATA="${SOCIALPUB_TEST_PG_DATA:-/tmp/socialpub-test-pg}"

pg_bin() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$found" ]; then
        if [ "$(id -u)" = 0 ]; then
            (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
            found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
        else
            echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
            exit 1
        fi
    fi
    echo "$found"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
start)
    BIN=$(pg_bin)
    if [ -f "$DATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        echo "export SOCIALPUB_TEST_PG=postgresql://postgres@127.0.0.1:$PORT/postgres"
        exit 0
    fi
    rm -rf "$DATA"
    mkdir -p "$DATA"
    if [ "$(id -u)" = 0 ]; then chown postgres "$DATA"; fi
    as_owner "$BIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
        -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    echo "export SOCIALPUB_TEST_PG=postgresql://postgres@127.0.0.1:$PORT/postgres"
    ;;
stop)
    BIN=$(pg_bin)
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
