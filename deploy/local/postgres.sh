#!/usr/bin/env bash
# Local PostgreSQL cluster for dev and tests (Debian's postgresql package), no Docker.
#
#   deploy/local/postgres.sh up|down|status
#
# Normally driven by deploy/local/infra.sh.
#
# Binaries: the highest /usr/lib/postgresql/<major>/bin (an existing cluster
# keeps the major it was created with); `apt-get install -y postgresql` runs
# (as root) only when none is installed.
#
# Where the cluster lives (PG_BASE):
#   <repo>/.cache/pg           normally;
#   /tmp/trainyard-pg-<hash>   when run as root and the `postgres` OS user
#                              cannot traverse <repo>/.cache (e.g. a repo under
#                              /root). <hash> = sha256 of the repo path, 12 chars.
#                              We do not chmod directories outside the repo.
#   PG_BASE/data               the cluster (owned by the OS user running it)
#   PG_BASE/run                unix socket dir (peer auth; falls back to
#                              /tmp/trainyard-pg-<hash>.run if the path is too long)
#   PG_BASE/postgres.log       server log
# As root, the server runs as the `postgres` OS user (it refuses to run as
# root) via runuser; as any other user it runs as that user.
#
# Server: 127.0.0.1:${TRAINYARD_LOCAL_PG_PORT:-55432} only, scram-sha-256 on TCP,
# tuned for tests (fsync=off, synchronous_commit=off, full_page_writes=off:
# a crash may corrupt it; delete PG_BASE to start over). Settings are in
# data/trainyard.conf, rewritten on every start.
# Role trainyard/trainyard (LOGIN SUPERUSER, local dev only) and the service
# databases are ensured on every `up`.
#
# up      start unless running and answering; ensure role and databases.
#         Prints one word on stdout: "started" or "already-running".
# down    pg_ctl stop -m fast, then -m immediate, then SIGKILL.
# status  exit 0 when running and trainyard can connect over TCP.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=postgres
check_port_var TRAINYARD_LOCAL_PG_PORT "$PG_PORT"

APP_USER=trainyard
APP_PASSWORD=trainyard
DATABASES=(client_directory customer_account commerce_access training_progress gateway)
LOCK_FILE="$CACHE_DIR/pg.lock"

if ((EUID == 0)); then PG_OS_USER=postgres; else PG_OS_USER="$(id -un)"; fi
# Database superuser = OS user, so peer auth over the unix socket works.
PG_SUPERUSER=$PG_OS_USER

repo_hash() {
  printf '%s' "$REPO_ROOT" | sha256sum | cut -c 1-12
}

# Run a command as the cluster's OS user, from a directory it can enter.
as_pg() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- env HOME=/tmp "$@")
  else
    (cd / && "$@")
  fi
}

pg_base_dir() {
  mkdir -p "$CACHE_DIR"
  if ((EUID != 0)) || (cd / && runuser -u postgres -- test -x "$CACHE_DIR"); then
    printf '%s\n' "$CACHE_DIR/pg"
  else
    printf '%s\n' "/tmp/trainyard-pg-$(repo_hash)"
  fi
}

PG_BASE="$(pg_base_dir)"
DATA_DIR="$PG_BASE/data"
LOG_FILE="$PG_BASE/postgres.log"
SOCKET_DIR="$PG_BASE/run"
# sun_path is 108 bytes; leave room for "/.s.PGSQL.<port>.lock".
if ((${#SOCKET_DIR} > 80)); then SOCKET_DIR="/tmp/trainyard-pg-$(repo_hash).run"; fi

find_bin_dir() {
  local version
  if [[ -f $DATA_DIR/PG_VERSION ]]; then
    read -r version <"$DATA_DIR/PG_VERSION"
    [[ -x /usr/lib/postgresql/$version/bin/postgres ]] ||
      die "$DATA_DIR was created by PostgreSQL $version, which is not installed" \
        "(install postgresql-$version, or delete $PG_BASE to start over)"
    printf '%s\n' "/usr/lib/postgresql/$version/bin"
    return 0
  fi
  compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 | xargs -r dirname
}

bin_dir() {
  local dir
  dir="$(find_bin_dir)"
  if [[ -z $dir ]]; then
    require_root_for_install "PostgreSQL (/usr/lib/postgresql/*/bin/initdb)" postgresql
    apt_install postgresql
    dir="$(find_bin_dir)"
    [[ -n $dir ]] || die "postgresql installed but no /usr/lib/postgresql/*/bin/initdb found"
  fi
  printf '%s\n' "$dir"
}

# mkdir -p + owned by the cluster's OS user + mode 700; refuse foreign dirs.
ensure_owned_dir() {
  local dir=$1 owner
  mkdir -p "$dir"
  if ((EUID == 0)); then
    owner="$(stat -c %U "$dir")"
    if [[ $owner != postgres && $owner != root ]]; then
      die "$dir belongs to $owner; remove it or fix its owner"
    fi
    chown postgres: "$dir"
  fi
  chmod 700 "$dir"
}

initdb_once() {
  local bin=$1 tmp="$DATA_DIR.initdb"
  [[ -f $DATA_DIR/PG_VERSION ]] && return 0
  log "creating a new cluster in $DATA_DIR"
  rm -rf "$tmp"
  if ! as_pg "$bin/initdb" -D "$tmp" -U "$PG_SUPERUSER" -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 --no-sync >"$PG_BASE/initdb.log" 2>&1; then
    tail_logs "$PG_BASE/initdb.log"
    die "initdb failed"
  fi
  printf "\n# Local dev/test settings, rewritten by deploy/local/postgres.sh\ninclude_if_exists = 'trainyard.conf'\n" |
    as_pg tee -a "$tmp/postgresql.conf" >/dev/null
  mv "$tmp" "$DATA_DIR"
}

write_conf() {
  as_pg tee "$DATA_DIR/trainyard.conf" >/dev/null <<EOF
# Written by deploy/local/postgres.sh on every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$SOCKET_DIR'
max_connections = 300
shared_buffers = 256MB
huge_pages = off
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

# Pid of the postmaster running from DATA_DIR, if any.
running_pid() {
  local pid
  pid="$(read_pid_file "$DATA_DIR/postmaster.pid")"
  if pid_alive "$pid" && pid_cmdline_has "$pid" "$DATA_DIR"; then
    printf '%s\n' "$pid"
  else
    return 1
  fi
}

# Superuser SQL over the unix socket (peer auth); script on stdin.
psql_admin() {
  as_pg "$1/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$PG_PORT" \
    -U "$PG_SUPERUSER" -d postgres
}

ensure_role_and_databases() {
  local bin=$1 db values=""
  for db in "${DATABASES[@]}"; do values+="${values:+,}('$db')"; done
  psql_admin "$bin" >/dev/null <<SQL
SELECT format('CREATE ROLE %I LOGIN SUPERUSER PASSWORD %L', '$APP_USER', '$APP_PASSWORD')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$APP_USER') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', d.name, '$APP_USER')
FROM (VALUES $values) AS d(name)
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d.name) \gexec
SQL
}

# Connect over TCP as the app role; succeed only if the server is ours.
healthy() {
  local bin=$1 dir
  dir="$(PGPASSWORD=$APP_PASSWORD PGCONNECT_TIMEOUT=3 "$bin/psql" -X -A -t -q \
    -h 127.0.0.1 -p "$PG_PORT" -U "$APP_USER" -d postgres \
    -c "SELECT current_setting('data_directory')" 2>&1)" || {
    printf '%s\n' "$dir" >&2
    return 1
  }
  [[ $dir == "$DATA_DIR" ]] || {
    echo "127.0.0.1:$PG_PORT is served from $dir, not $DATA_DIR" >&2
    return 1
  }
}

# After a crash, wait for the old server's processes (cwd = DATA_DIR) to
# exit, then drop the lock files it left (postmaster.pid, the socket's .lock):
# the server refuses to start while the pid they name exists, and a killed
# postmaster lingers as a zombie until init reaps it (~1 s here). The server
# still refuses if an old shared memory block is in use, so this is safe.
clear_stale_server() {
  local deadline=$((SECONDS + 10)) left file stale=()
  wait_reaped "$(read_pid_file "$DATA_DIR/postmaster.pid")" 10
  while left="$(pids_with_cwd "$DATA_DIR")" && [[ -n $left ]]; do
    ((SECONDS < deadline)) ||
      die "processes of an old server still run in $DATA_DIR: ${left//$'\n'/ }"
    sleep 0.2
  done
  for file in "$DATA_DIR/postmaster.pid" "$SOCKET_DIR"/.s.PGSQL.*; do
    if [[ -e $file || -S $file ]]; then stale+=("$file"); fi
  done
  ((${#stale[@]} == 0)) && return 0
  log "removing lock files left by a server that is gone: ${stale[*]##*/}"
  rm -f "${stale[@]}"
}

start_server() {
  local bin=$1
  log "starting PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$PG_PORT..."
  if ! as_pg "$bin/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t "$START_TIMEOUT" -s start \
    9>&-; then
    tail_logs "$LOG_FILE"
    stop_server "$bin" 2>/dev/null || true
    die "PostgreSQL failed to start (log: $LOG_FILE)"
  fi
}

stop_server() {
  local bin=$1 pid
  pid="$(running_pid)" || return 0
  as_pg "$bin/pg_ctl" -D "$DATA_DIR" -m fast -w -t "$STOP_TIMEOUT" -s stop && return 0
  log "fast shutdown timed out; trying immediate shutdown"
  as_pg "$bin/pg_ctl" -D "$DATA_DIR" -m immediate -w -t 10 -s stop && return 0
  log "immediate shutdown failed; killing pid $pid"
  stop_pid "$pid" 1
}

# Die if the running server was started for another port.
check_running_port() {
  local port
  port="$(sed -n 's/^port = //p' "$DATA_DIR/trainyard.conf" 2>/dev/null)"
  [[ $port == "$PG_PORT" ]] ||
    die "the server from $DATA_DIR runs on port ${port:-?}, not $PG_PORT;" \
      "stop it first (deploy/local/infra.sh down) to change ports"
}

# Fail `up` with message $3...; stop the server first if this `up` started it.
fail_up() {
  local bin=$1 result=$2
  shift 2
  if [[ $result == started ]]; then stop_server "$bin" || true; fi
  die "$@"
}

cmd_up() {
  local bin started_at=$SECONDS result=already-running
  take_lock "$LOCK_FILE"
  bin="$(bin_dir)"
  if ! running_pid >/dev/null; then
    if port_in_use "$PG_PORT"; then
      die "port $PG_PORT is taken by a process not started from $DATA_DIR" \
        "(set TRAINYARD_LOCAL_PG_PORT to use another port)"
    fi
    ensure_owned_dir "$PG_BASE"
    ensure_owned_dir "$SOCKET_DIR"
    initdb_once "$bin"
    clear_stale_server
    write_conf
    start_server "$bin"
    result=started
  else
    check_running_port
  fi
  if ! ensure_role_and_databases "$bin"; then
    fail_up "$bin" "$result" "could not create the $APP_USER role/databases (log: $LOG_FILE)"
  fi
  if ! healthy "$bin"; then
    fail_up "$bin" "$result" "PostgreSQL runs but $APP_USER cannot connect over TCP" \
      "(stale settings? try: $0 down && $0 up)"
  fi
  if [[ $result == started ]]; then
    log "ready on 127.0.0.1:$PG_PORT in $((SECONDS - started_at))s (data: $DATA_DIR)"
  else
    log "already running (pid $(running_pid)) on 127.0.0.1:$PG_PORT"
  fi
  echo "$result"
}

cmd_down() {
  local bin pid
  take_lock "$LOCK_FILE"
  if ! pid="$(running_pid)"; then
    log "not running"
    return 0
  fi
  bin="$(bin_dir)"
  log "stopping the server (pid $pid)..."
  stop_server "$bin"
  log "stopped"
}

cmd_status() {
  local pid bin err
  if ! pid="$(running_pid)"; then
    echo "postgres: not running"
    return 1
  fi
  bin="$(find_bin_dir)"
  if ! err="$(healthy "$bin" 2>&1)"; then
    echo "postgres: running (pid $pid) but not usable on 127.0.0.1:$PG_PORT: $err"
    return 1
  fi
  echo "postgres: healthy (pid $pid, 127.0.0.1:$PG_PORT, PostgreSQL $(<"$DATA_DIR/PG_VERSION"), data $DATA_DIR)"
}

main() {
  case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *)
      echo "usage: $0 up|down|status" >&2
      exit 2
      ;;
  esac
}

main "$@"
