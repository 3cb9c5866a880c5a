# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Shared helpers for deploy/local/{infra,kafka,postgres}.sh — sourced, not run.
# Callers set LOG_TAG before using log/die.

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$LOCAL_DIR/../.." && pwd -P)"
CACHE_DIR="$REPO_ROOT/.cache"

KAFKA_PORT="${TRAINYARD_LOCAL_KAFKA_PORT:-9092}"
PG_PORT="${TRAINYARD_LOCAL_PG_PORT:-55432}"
# How long to wait for a component to become usable (and for a stop).
START_TIMEOUT="${TRAINYARD_LOCAL_START_TIMEOUT:-60}"
STOP_TIMEOUT="${TRAINYARD_LOCAL_STOP_TIMEOUT:-30}"

log() { printf '[%s] %s\n' "${LOG_TAG:-infra}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

check_port_var() {
  local name=$1 value=$2
  if ! [[ $value =~ ^[0-9]+$ ]] || ((10#$value < 1 || 10#$value > 65534)); then
    die "$name must be a TCP port number (1-65534), got '$value'"
  fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Print the state letter of pid $1 (R, S, D, Z, ...); fails if it is gone.
pid_state() {
  local stat
  [[ -n ${1:-} ]] && read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
  stat=${stat##*) }
  printf '%s\n' "${stat%% *}"
}

# True when pid $1 exists and is not a zombie.
pid_alive() {
  local state
  state="$(pid_state "${1:-}")" && [[ $state != Z ]]
}

# Wait up to $2 s while pid $1 is a zombie: killed but not yet reaped by init
# (~1 s here); the threads of a killed JVM may still hold its ports meanwhile.
wait_reaped() {
  local deadline=$((SECONDS + $2))
  while [[ "$(pid_state "${1:-}" 2>/dev/null)" == Z ]] && ((SECONDS < deadline)); do
    sleep 0.1
  done
}

# True when process $1's command line (args joined by spaces) contains the
# fixed string $2. Builtins only: cheap enough to scan all of /proc.
pid_cmdline_has() {
  local -a args
  [[ -r /proc/$1/cmdline ]] || return 1
  mapfile -d '' -t args <"/proc/$1/cmdline" 2>/dev/null || return 1
  [[ " ${args[*]} " == *"$2"* ]]
}

# Print the pids (other than this shell) whose command line contains $1.
pids_with_cmdline() {
  local dir pid
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    if pid_cmdline_has "$pid" "$1"; then printf '%s\n' "$pid"; fi
  done
}

# Print the pids (other than this shell) whose working directory is $1.
pids_with_cwd() {
  local dir pid
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    if [[ $dir/cwd -ef $1 ]]; then printf '%s\n' "$pid"; fi
  done
}

# Print the pid stored in file $1 (nothing if absent or garbage).
read_pid_file() {
  local pid=""
  if [[ -f $1 ]]; then read -r pid <"$1" 2>/dev/null || true; fi
  if [[ $pid =~ ^[0-9]+$ ]]; then printf '%s\n' "$pid"; fi
}

# Serialise up/down of one component: take an exclusive lock on file $1
# (fd 9, released when the script exits).
take_lock() {
  mkdir -p "$(dirname "$1")"
  exec 9>"$1"
  flock -w "$((START_TIMEOUT * 2))" 9 || die "timed out waiting for lock $1"
}

# SIGTERM pid $1, wait up to $2 seconds, then SIGKILL. Returns when it is gone.
stop_pid() {
  local pid=$1 timeout=$2 deadline
  kill -TERM "$pid" 2>/dev/null || return 0
  deadline=$((SECONDS + timeout))
  while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if pid_alive "$pid"; then
    log "pid $pid still running after ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while pid_alive "$pid"; do sleep 0.1; done
  fi
}

# Print the last lines of log files $@ (those that exist) to stderr.
tail_logs() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf -- '----- last lines of %s -----\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
}

require_root_for_install() {
  ((EUID == 0)) || die "$1 is missing; install it (as root: apt-get install -y $2)"
  command -v apt-get >/dev/null || die "$1 is missing and apt-get is not available"
}

apt_install() {
  log "installing Debian package(s): $*"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# A python3 for the stdlib-only helpers. The system one first: a pyenv shim
# may refuse to run inside a repo whose .python-version is not installed.
python_bin() {
  local candidate
  for candidate in "${TRAINYARD_LOCAL_PYTHON:-}" /usr/bin/python3 python3; do
    [[ -n $candidate ]] || continue
    if command -v "$candidate" >/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  die "python3 is required (apt-get install -y python3)"
}
