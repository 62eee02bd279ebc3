#!/usr/bin/env bash
# Starts (`start`) or removes (`stop`) a throwaway PostgreSQL 15 cluster with TimescaleDB preloaded, for the
# E2E_TARGET=timescale run of .ci/run. The machine's own cluster (5432) is never touched.
#
#   .ci/timescale-cluster.sh start   installs the extension from $TIMESCALEDB_DIST (default ../shared/timescaledb
#                                    next to the repository) if it is not installed yet, creates the cluster on a free
#                                    loopback port and prints its admin URL on stdout (the last line); exits 3 with a
#                                    loud line on stderr when no TimescaleDB build is there to install
#   .ci/timescale-cluster.sh stop    stops and drops the cluster
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER=ci_timescale
PG_MAJOR=15

log() { printf '%s\n' "$*" >&2; }

free_port() {
  node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"
}

start() {
  local dist="${TIMESCALEDB_DIST:-$(cd .. && pwd)/shared/timescaledb}"
  if [ ! -f /usr/lib/postgresql/$PG_MAJOR/lib/timescaledb.so ]; then
    if [ ! -f "$dist/install.sh" ]; then
      log "!!! TimescaleDB is not installed and no build was found at $dist (set TIMESCALEDB_DIST): the timescale target cannot run"
      exit 3
    fi
    log "installing TimescaleDB from $dist"
    bash "$dist/install.sh" | tail -n 1 >&2
  fi
  pg_dropcluster --stop $PG_MAJOR $CLUSTER >/dev/null 2>&1 || true
  local port
  port="$(free_port)"
  pg_createcluster $PG_MAJOR $CLUSTER --port "$port" -- --auth=trust >&2
  # Each test database runs its own TimescaleDB scheduler as a background worker, and the suite keeps several
  # databases alive at once: the defaults (8 worker processes, 16 TimescaleDB workers) run out and jobs stop running.
  cat >>"/etc/postgresql/$PG_MAJOR/$CLUSTER/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
max_worker_processes = 64
timescaledb.max_background_workers = 48
max_connections = 300
EOF
  pg_ctlcluster --skip-systemctl-redirect $PG_MAJOR $CLUSTER start >&2
  for _ in $(seq 1 30); do
    psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc 'SELECT 1' >/dev/null 2>&1 && break
    sleep 1
  done
  local version
  version="$(psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
    "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'")"
  log "TimescaleDB $version preloaded on a throwaway cluster at 127.0.0.1:$port"
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}

case "${1:-}" in
  start) start ;;
  stop) pg_dropcluster --stop $PG_MAJOR $CLUSTER >/dev/null 2>&1 || true ;;
  *)
    log "usage: $0 start|stop"
    exit 2
    ;;
esac
