# Sourced by scripts/test: start a throwaway stripe-mock (Stripe's official API mock) for this run, unless
# STRIPE_MOCK_URL names one. Sets MARKET_TEST_STRIPE_API_BASE on success, MARKET_TEST_STRIPE_REASON when it
# cannot start one (the Stripe tests then skip with that reason, or fail under CI).
# The binary is built once with `go install` into the project's git-ignored .cache/bin and reused later.

STRIPE_MOCK_VERSION=v0.203.0
STRIPE_MOCK_MODULE=github.com/stripe/stripe-mock
STRIPE_MOCK_START_TIMEOUT=30

_stripe_mock_fail() {
  export MARKET_TEST_STRIPE_REASON="$1"
  echo "stripe-mock: $MARKET_TEST_STRIPE_REASON"
  stop_stripe_mock
  return 0
}

_stripe_mock_free_port() {
  "${PYTHON_BIN:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The binary in .cache/bin, built with `go install` when it is missing or another version.
# (A `go install`ed stripe-mock says "master" to -version, so the module version is read with `go version -m`.)
_stripe_mock_binary() {
  local bin_dir bin log
  bin_dir="$(pwd)/.cache/bin"
  bin="$bin_dir/stripe-mock"
  if [ -x "$bin" ]; then
    if ! command -v go >/dev/null || go version -m "$bin" 2>/dev/null | grep -q "mod[[:space:]]*$STRIPE_MOCK_MODULE[[:space:]]*$STRIPE_MOCK_VERSION"; then
      echo "$bin"
      return 0
    fi
  fi
  command -v go >/dev/null || { echo "Go is missing, so stripe-mock $STRIPE_MOCK_VERSION cannot be built (go install)"; return 1; }
  mkdir -p "$bin_dir"
  log=$(mktemp /tmp/market-stripe-mock-install.XXXXXX)
  echo "stripe-mock: building $STRIPE_MOCK_VERSION with go install (once; cached in .cache/bin)" >&2
  if ! GOBIN="$bin_dir" go install "$STRIPE_MOCK_MODULE@$STRIPE_MOCK_VERSION" >"$log" 2>&1; then
    echo "go install $STRIPE_MOCK_MODULE@$STRIPE_MOCK_VERSION failed: $(tail -n 1 "$log" | cut -c1-300)"
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  [ -x "$bin" ] || { echo "go install did not leave a binary at $bin"; return 1; }
  echo "$bin"
}

# Any answer from the API (even 401) means it is up; with the test key, GET /v1/charges answers 200.
_stripe_mock_answers() {
  curl -fsS --max-time 2 -u sk_test_123: "http://127.0.0.1:$STRIPE_MOCK_PORT/v1/charges" >/dev/null 2>&1
}

start_stripe_mock() {
  if [ -n "${STRIPE_MOCK_URL:-}" ]; then
    export MARKET_TEST_STRIPE_API_BASE="$STRIPE_MOCK_URL"
    echo "stripe-mock: using STRIPE_MOCK_URL"
    return 0
  fi
  command -v curl >/dev/null || { _stripe_mock_fail "curl is missing, so stripe-mock's readiness cannot be checked"; return 0; }
  local bin out
  if ! out=$(_stripe_mock_binary); then
    _stripe_mock_fail "$out"
    return 0
  fi
  bin=$out

  STRIPE_MOCK_DIR=$(mktemp -d /tmp/market-stripe-mock.XXXXXX)
  STRIPE_MOCK_PORT=$(_stripe_mock_free_port)
  local https_port
  https_port=$(_stripe_mock_free_port)
  while [ "$https_port" = "$STRIPE_MOCK_PORT" ]; do https_port=$(_stripe_mock_free_port); done

  # -http-addr/-https-addr on 127.0.0.1 only (-http-port would listen on every interface).
  "$bin" -http-addr "127.0.0.1:$STRIPE_MOCK_PORT" -https-addr "127.0.0.1:$https_port" \
    </dev/null >"$STRIPE_MOCK_DIR/stripe-mock.log" 2>&1 &
  STRIPE_MOCK_PID=$!

  local deadline=$((SECONDS + STRIPE_MOCK_START_TIMEOUT)) ready=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$STRIPE_MOCK_PID" 2>/dev/null; then
      _stripe_mock_fail "stripe-mock exited while starting: $(tail -n 1 "$STRIPE_MOCK_DIR/stripe-mock.log" | cut -c1-300)"
      return 0
    fi
    if _stripe_mock_answers; then
      ready=1
      break
    fi
    sleep 0.2
  done
  if [ -z "$ready" ]; then
    _stripe_mock_fail "stripe-mock did not answer within ${STRIPE_MOCK_START_TIMEOUT}s: $(tail -n 1 "$STRIPE_MOCK_DIR/stripe-mock.log" | cut -c1-300)"
    return 0
  fi
  export MARKET_TEST_STRIPE_API_BASE="http://127.0.0.1:$STRIPE_MOCK_PORT"
  echo "stripe-mock: $STRIPE_MOCK_VERSION on port $STRIPE_MOCK_PORT (https $https_port; throwaway, log in $STRIPE_MOCK_DIR)"
}

stop_stripe_mock() {
  if [ -n "${STRIPE_MOCK_PID:-}" ]; then
    local waited=0
    kill -TERM "$STRIPE_MOCK_PID" 2>/dev/null || true
    while [ "$waited" -lt 20 ] && kill -0 "$STRIPE_MOCK_PID" 2>/dev/null; do
      sleep 0.25
      waited=$((waited + 1))
    done
    kill -KILL "$STRIPE_MOCK_PID" 2>/dev/null || true
    wait "$STRIPE_MOCK_PID" 2>/dev/null || true
    STRIPE_MOCK_PID=""
  fi
  if [ -n "${STRIPE_MOCK_DIR:-}" ]; then
    rm -rf "$STRIPE_MOCK_DIR"
    STRIPE_MOCK_DIR=""
  fi
  return 0
}
