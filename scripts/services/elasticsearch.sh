# Sourced by scripts/test: start a throwaway single-node Elasticsearch for this run, unless ELASTICSEARCH_URL
# names one. Sets MARKET_TEST_ELASTICSEARCH_URL on success, MARKET_TEST_ELASTICSEARCH_REASON when it cannot
# start one (the search tests then skip with that reason, or fail under CI).
# The distribution comes from Maven Central (the integ-test zip: no bundled JDK, so a JDK >= 21 from
# /usr/lib/jvm runs it), unpacked once into .cache/elasticsearch/ and reused by later runs.
# Elasticsearch refuses to run as root, so as root the node runs as the `market-search` system user.

ES_VERSION=9.5.2
ES_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
ES_USER=market-search
ES_START_TIMEOUT=120

_es_fail() {
  export MARKET_TEST_ELASTICSEARCH_REASON="$1"
  echo "elasticsearch: $MARKET_TEST_ELASTICSEARCH_REASON"
  stop_elasticsearch
  return 0
}

_es_free_port() {
  "${PYTHON_BIN:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The major version of the JDK in $1 (a JAVA_HOME), from its `release` file, else from `java -version`.
_es_java_major() {
  local home=$1 version=""
  [ -x "$home/bin/java" ] || return 1
  if [ -r "$home/release" ]; then
    version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")
  fi
  if [ -z "$version" ]; then
    version=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  fi
  version=${version#1.}  # 1.8 -> 8
  version=${version%%[.+-]*}
  [ -n "$version" ] && echo "$version"
}

# ES_JAVA_HOME when it is set (and new enough), else the newest JDK >= 21 under /usr/lib/jvm.
_es_java_home() {
  local major
  if [ -n "${ES_JAVA_HOME:-}" ]; then
    major=$(_es_java_major "$ES_JAVA_HOME" || true)
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      echo "$ES_JAVA_HOME"
      return 0
    fi
  fi
  local dir best="" best_major=0
  for dir in /usr/lib/jvm/*; do
    [ -L "$dir" ] && continue  # aliases of the real directories
    major=$(_es_java_major "$dir" || true)
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best=$dir
      best_major=$major
    fi
  done
  [ -n "$best" ] && echo "$best"
}

# unzip, else Python's zipfile (keeping the files' modes, so that bin/ stays executable).
_es_unzip() {
  if command -v unzip >/dev/null; then
    unzip -q "$1" -d "$2"
    return
  fi
  "${PYTHON_BIN:-python3}" - "$1" "$2" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    for info in archive.infolist():
        path = archive.extract(info, sys.argv[2])
        mode = info.external_attr >> 16
        if mode:
            os.chmod(path, mode & 0o7777)
PY
}

# The unpacked distribution in the project's cache, fetched through Maven the first time.
_es_distribution() {
  local cache home zip_dir log
  cache="$(pwd)/.cache/elasticsearch"
  home="$cache/elasticsearch-$ES_VERSION"
  if [ -x "$home/bin/elasticsearch" ]; then
    echo "$home"
    return 0
  fi
  if ! command -v mvn >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "elasticsearch: installing Debian's maven package" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null) || true
  fi
  command -v mvn >/dev/null || { echo "Maven (mvn) is missing, so the distribution cannot be fetched"; return 1; }
  mkdir -p "$cache"
  zip_dir=$(mktemp -d "$cache/download.XXXXXX")
  log="$zip_dir/maven.log"
  echo "elasticsearch: fetching $ES_VERSION through Maven (once; cached in .cache/elasticsearch)" >&2
  # Run outside the project so that Maven never picks up a pom.xml; quiet, the log is kept for errors.
  if ! (cd "$zip_dir" && mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="$ES_ARTIFACT" \
        -Dtransitive=false -DoutputDirectory="$zip_dir" >"$log" 2>&1); then
    echo "Maven could not fetch $ES_ARTIFACT: $(sed 's/\x1b\[[0-9;]*m//g; s/^\[ERROR\] //' "$log" | grep -m 1 . | cut -c1-300)"
    rm -rf "$zip_dir"
    return 1
  fi
  if ! _es_unzip "$zip_dir/elasticsearch-$ES_VERSION.zip" "$zip_dir/unpacked" >"$log" 2>&1 \
      || [ ! -x "$zip_dir/unpacked/elasticsearch-$ES_VERSION/bin/elasticsearch" ]; then
    echo "the distribution zip could not be unpacked: $(tail -n 1 "$log")"
    rm -rf "$zip_dir"
    return 1
  fi
  # Another run may have unpacked it meanwhile: keep whichever landed first.
  mv -T "$zip_dir/unpacked/elasticsearch-$ES_VERSION" "$home" 2>/dev/null || true
  rm -rf "$zip_dir"
  [ -x "$home/bin/elasticsearch" ] || { echo "the distribution is not at $home"; return 1; }
  echo "$home"
}

# GET a path of the node; prints the body. Fails when the node does not answer.
_es_get() {
  curl -fsS --max-time "${2:-10}" "http://127.0.0.1:$ES_PORT$1" 2>/dev/null
}

start_elasticsearch() {
  if [ -n "${ELASTICSEARCH_URL:-}" ]; then
    export MARKET_TEST_ELASTICSEARCH_URL="$ELASTICSEARCH_URL"
    # The search tests write under aliases of their own; the app under test must not default to that
    # cluster (its `market` alias), so the variable stops here, as tests/conftest.py drops DATABASE_URL.
    unset ELASTICSEARCH_URL
    echo "elasticsearch: using ELASTICSEARCH_URL (for the search tests only)"
    return 0
  fi
  command -v curl >/dev/null || { _es_fail "curl is missing, so the node's health cannot be checked"; return 0; }
  local started_at=$SECONDS home java_home out
  if ! out=$(_es_distribution); then
    _es_fail "$out"
    return 0
  fi
  home=$out
  java_home=$(_es_java_home || true)
  if [ -z "$java_home" ]; then
    _es_fail "no JDK 21 or newer (set ES_JAVA_HOME, or install one under /usr/lib/jvm); Elasticsearch $ES_VERSION needs it"
    return 0
  fi

  local as_user=()
  ES_DIR=$(mktemp -d /tmp/market-es.XXXXXX) || { _es_fail "no temp dir for the node"; return 0; }
  if [ "$(id -u)" = 0 ]; then
    if ! id -u "$ES_USER" >/dev/null 2>&1; then
      useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$ES_USER" >/dev/null 2>&1 \
        || { _es_fail "the system user $ES_USER could not be created"; return 0; }
    fi
    as_user=(runuser -u "$ES_USER" --)
    # The node reads the cached distribution; when the project's folder is closed to other users, it
    # gets a copy inside its own temp dir instead.
    chmod -R a+rX "$home" 2>/dev/null || true
    if ! runuser -u "$ES_USER" -- test -r "$home/lib" -a -x "$home/bin/elasticsearch"; then
      cp -a "$home" "$ES_DIR/home" || { _es_fail "could not copy the distribution for $ES_USER"; return 0; }
      home="$ES_DIR/home"
    fi
  fi
  if ! mkdir -p "$ES_DIR/data" "$ES_DIR/logs" "$ES_DIR/tmp" || ! cp -a "$home/config" "$ES_DIR/config"; then
    _es_fail "could not prepare $ES_DIR (is the disk full?)"
    return 0
  fi
  if [ "$(id -u)" = 0 ] && ! chown -R "$ES_USER:" "$ES_DIR"; then
    _es_fail "could not hand $ES_DIR to $ES_USER"
    return 0
  fi

  ES_PORT=$(_es_free_port)
  local transport_port
  transport_port=$(_es_free_port)
  while [ "$transport_port" = "$ES_PORT" ]; do transport_port=$(_es_free_port); done

  local launched_at=$SECONDS
  # setsid: its own process group, so that stop_elasticsearch ends the launcher and the server together
  # (and a Ctrl-C of the test run reaches it only through our trap).
  setsid -w "${as_user[@]}" env ES_JAVA_HOME="$java_home" ES_PATH_CONF="$ES_DIR/config" ES_TMPDIR="$ES_DIR/tmp" \
    ES_JAVA_OPTS="-Xms512m -Xmx512m" \
    "$home/bin/elasticsearch" -p "$ES_DIR/es.pid" \
    -E discovery.type=single-node -E xpack.security.enabled=false \
    -E network.host=127.0.0.1 -E http.port="$ES_PORT" -E transport.port="$transport_port" \
    -E path.data="$ES_DIR/data" -E path.logs="$ES_DIR/logs" \
    -E cluster.routing.allocation.disk.threshold_enabled=false -E cluster.name=market-test \
    </dev/null >"$ES_DIR/console.log" 2>&1 &
  ES_LAUNCHER_PID=$!

  # Wait for yellow: GET / answers 405 on this distribution, so ask for the cluster's health.
  local deadline=$((SECONDS + ES_START_TIMEOUT)) health=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$ES_LAUNCHER_PID" 2>/dev/null; then
      _es_fail "the node exited while starting: $(grep -m 1 -iE 'error|exception' "$ES_DIR/console.log" | cut -c1-300)"
      return 0
    fi
    health=$(_es_get "/_cluster/health?wait_for_status=yellow&timeout=2s" 5 || true)
    case "$health" in
      *'"status":"yellow"'* | *'"status":"green"'*) break ;;
    esac
    health=""
    sleep 1
  done
  if [ -z "$health" ]; then
    _es_fail "the node was not ready (yellow) within ${ES_START_TIMEOUT}s: $(tail -n 1 "$ES_DIR/console.log" | cut -c1-300)"
    return 0
  fi
  local version
  version=$(_es_get "/_nodes/_local?filter_path=nodes.*.version" | sed -n 's/.*"version":"\([^"]*\)".*/\1/p')
  export MARKET_TEST_ELASTICSEARCH_URL="http://127.0.0.1:$ES_PORT"
  echo "elasticsearch: ${version:-$ES_VERSION} on port $ES_PORT (throwaway, in $ES_DIR; JDK $(_es_java_major "$java_home") from $java_home; up in $((SECONDS - launched_at))s, $((SECONDS - started_at))s in all)"
}

stop_elasticsearch() {
  if [ -n "${ES_LAUNCHER_PID:-}" ]; then
    local pid="" waited=0
    [ -n "${ES_DIR:-}" ] && [ -r "$ES_DIR/es.pid" ] && pid=$(cat "$ES_DIR/es.pid" 2>/dev/null || true)
    # The launcher's process group (setsid made it its own): the launcher, runuser and the server JVM.
    kill -TERM -- "-$ES_LAUNCHER_PID" 2>/dev/null || kill -TERM "$ES_LAUNCHER_PID" 2>/dev/null || true
    [ -n "$pid" ] && { kill -TERM "$pid" 2>/dev/null || true; }
    while [ "$waited" -lt 30 ] && { kill -0 -- "-$ES_LAUNCHER_PID" 2>/dev/null || { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }; }; do
      sleep 0.5
      waited=$((waited + 1))
    done
    kill -KILL -- "-$ES_LAUNCHER_PID" 2>/dev/null || true
    [ -n "$pid" ] && { kill -KILL "$pid" 2>/dev/null || true; }
    wait "$ES_LAUNCHER_PID" 2>/dev/null || true
    ES_LAUNCHER_PID=""
  fi
  if [ -n "${ES_DIR:-}" ]; then
    rm -rf "$ES_DIR"
    ES_DIR=""
  fi
  return 0
}
