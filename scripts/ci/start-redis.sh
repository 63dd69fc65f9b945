#!/usr/bin/env bash
# Starts a private Redis for the tests that use one and prints its URL on stdout (everything
# else goes to stderr). Idempotent: installs Debian's redis-server if missing, and starts an
# instance on its own port (no persistence) unless one answers there already.
#
#   export WRENN_TEST_REDIS_URL=$(bash scripts/ci/start-redis.sh)
set -euo pipefail

PORT=${WRENN_TEST_REDIS_PORT:-6391}

log() { printf '[start-redis] %s\n' "$*" >&2; }

if ! command -v redis-server >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "start-redis.sh: redis-server is missing and installing it needs root" >&2
    exit 2
  fi
  log "installing redis-server"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >&2
fi

if ! redis-cli -p "$PORT" ping >/dev/null 2>&1; then
  log "starting redis-server on 127.0.0.1:$PORT"
  redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no --daemonize yes \
    --pidfile "/tmp/wrenn-test-redis-$PORT.pid" --logfile "/tmp/wrenn-test-redis-$PORT.log" >&2
  for _ in $(seq 50); do
    redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
fi
redis-cli -p "$PORT" ping >/dev/null
echo "redis://127.0.0.1:$PORT"
