# Sourced by scripts/test: start a throwaway PostgreSQL for this run, unless DATABASE_URL names one.
# Sets MARKET_TEST_POSTGRES_URL on success, MARKET_TEST_POSTGRES_REASON when it cannot start one.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

free_port() {
  "${PYTHON_BIN:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    export MARKET_TEST_POSTGRES_URL="$DATABASE_URL"
    echo "postgres: using DATABASE_URL"
    return 0
  fi
  local bindir
  bindir=$(pg_bindir || true)
  if [ -z "$bindir" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "postgres: installing Debian's postgresql package"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || true
    bindir=$(pg_bindir || true)
  fi
  if [ -z "$bindir" ]; then
    export MARKET_TEST_POSTGRES_REASON="no PostgreSQL server on this machine and it could not be installed"
    echo "postgres: $MARKET_TEST_POSTGRES_REASON"
    return 0
  fi

  local as_user=()
  PG_DIR=$(mktemp -d /tmp/market-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_DIR"
    as_user=(runuser -u postgres --)
  fi
  local port
  port=$(free_port)
  if ! "${as_user[@]}" "$bindir/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1; then
    export MARKET_TEST_POSTGRES_REASON="initdb failed: $(tail -n 1 "$PG_DIR/initdb.log")"
    echo "postgres: $MARKET_TEST_POSTGRES_REASON"
    return 0
  fi
  if ! "${as_user[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
      -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
      start >/dev/null; then
    export MARKET_TEST_POSTGRES_REASON="the server did not start: $(tail -n 1 "$PG_DIR/server.log")"
    echo "postgres: $MARKET_TEST_POSTGRES_REASON"
    return 0
  fi
  PG_STOP=("${as_user[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -m immediate stop)
  "${as_user[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres market_test
  export MARKET_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/market_test"
  echo "postgres: $("$bindir/postgres" --version) on port $port (throwaway, in $PG_DIR)"
}

stop_postgres() {
  if [ -n "${PG_STOP:-}" ]; then
    "${PG_STOP[@]}" >/dev/null 2>&1 || true
  fi
  [ -n "${PG_DIR:-}" ] && rm -rf "$PG_DIR"
  return 0
}
