# A throwaway PostgreSQL server for the test suite, from Debian's packages.
# Sourced after common.sh. `start_test_postgres` exports TRACKER_TEST_POSTGRES_URL.
# shellcheck shell=bash

_pg_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$dir" && -x "$dir/initdb" ]] && echo "$dir"
}

ensure_postgres_installed() {
  _pg_bindir >/dev/null && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing PostgreSQL from Debian's packages"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
      || die "$EXIT_MISSING" "apt-get install postgresql failed: check the Debian package sources"
  fi
  _pg_bindir >/dev/null || die "$EXIT_MISSING" "PostgreSQL server binaries not found: apt-get install postgresql"
}

_free_port() {
  "$VENV_DIR/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

_as_pg() {  # initdb and postgres refuse to run as root: use the postgres system user then
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_test_postgres() {
  ensure_postgres_installed
  local bin port
  bin="$(_pg_bindir)"; port="$(_free_port)"
  PG_TEST_DIR="$(mktemp -d /tmp/provenance-pg.XXXXXX)"
  chmod 755 "$PG_TEST_DIR"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$PG_TEST_DIR"
  _as_pg "$bin/initdb" -D "$PG_TEST_DIR/data" -U postgres -A trust --no-sync >"$PG_TEST_DIR/initdb.log" 2>&1 \
    || die "$EXIT_FAILED" "initdb failed: $PG_TEST_DIR/initdb.log"
  _as_pg "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 60 \
    -o "-p $port -k $PG_TEST_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
    || die "$EXIT_FAILED" "PostgreSQL did not start: $PG_TEST_DIR/server.log"
  export TRACKER_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  log "test PostgreSQL on 127.0.0.1:$port"
}

stop_test_postgres() {
  [[ -n "${PG_TEST_DIR:-}" && -d "$PG_TEST_DIR/data" ]] || return 0
  _as_pg "$(_pg_bindir)/pg_ctl" -D "$PG_TEST_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DIR"
}
