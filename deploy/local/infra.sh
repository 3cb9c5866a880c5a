#!/usr/bin/env bash
# Local infrastructure without Docker: Apache Kafka 4 (KRaft, single node) and
# PostgreSQL, both bound to 127.0.0.1, state under <repo>/.cache/ (git-ignored).
#
# Usage:
#   deploy/local/infra.sh up [--owner TOKEN]
#       Start whatever is not already running and healthy (both in parallel),
#       wait until Kafka answers a Metadata request and PostgreSQL accepts a
#       connection as trainyard, write .cache/infra.env and print its export
#       lines on stdout (progress goes to stderr). Re-running is a quick no-op.
#       With --owner TOKEN, each component THIS call started is recorded as
#       started by TOKEN (.cache/infra-owners/<component> holds TOKEN); a
#       component started without --owner clears its record.
#   deploy/local/infra.sh down [--owner TOKEN | --if-started-by TOKEN]
#       Without a token: stop both (SIGTERM / fast shutdown, killed after
#       30 s). With a token: stop only the components recorded as started by
#       TOKEN, leave the others running. Only processes started from this
#       repo's cache dir are ever touched.
#   deploy/local/infra.sh status
#       One line per component; exit 0 only when both are healthy.
#   deploy/local/infra.sh env
#       Print (and write to .cache/infra.env):
#         export TRAINYARD_KAFKA_BOOTSTRAP=127.0.0.1:<kafka port>
#         export TRAINYARD_PG_URL=postgresql://trainyard:trainyard@127.0.0.1:<pg port>
#
# Caller that must stop only what it started, even on failure (e.g. make test):
#   token="make-test-$$"
#   deploy/local/infra.sh up --owner "$token" >/dev/null
#   trap 'deploy/local/infra.sh down --owner "$token"' EXIT
#   . .cache/infra.env && run-the-tests
# (In a Makefile recipe: one logical line joined with "; \", $$ for $.)
# If infra was already up (a developer's session), `up` starts nothing, so
# `down --owner` stops nothing. If `up` fails half-way, the trap still stops
# the half it started.
#
# Environment:
#   TRAINYARD_LOCAL_KAFKA_PORT  (9092; the KRaft controller uses port+1)
#   TRAINYARD_LOCAL_PG_PORT     (55432)
#   TRAINYARD_LOCAL_START_TIMEOUT / TRAINYARD_LOCAL_STOP_TIMEOUT  (60 / 30 s)
#
# Per-component scripts: deploy/local/kafka.sh and deploy/local/postgres.sh
# (up|down|status); their headers describe files, logs and locations.
# Needs: bash, java 17+, python3 (stdlib), maven (first run only, to fetch
# the Kafka jars into .cache/kafka/libs), PostgreSQL from Debian packages
# (apt-get installs it when run as root and it is missing).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=infra

COMPONENTS=(kafka postgres)
OWNERS_DIR="$CACHE_DIR/infra-owners"
ENV_FILE="$CACHE_DIR/infra.env"
LOCK_FILE="$CACHE_DIR/infra.lock"

usage() {
  sed -n '/^# Usage:/,/^# Caller/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

env_lines() {
  echo "export TRAINYARD_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT"
  echo "export TRAINYARD_PG_URL=postgresql://trainyard:trainyard@127.0.0.1:$PG_PORT"
}

write_env_file() {
  mkdir -p "$CACHE_DIR"
  env_lines >"$ENV_FILE.tmp.$$"
  mv "$ENV_FILE.tmp.$$" "$ENV_FILE"
}

# Parse "[--owner TOKEN]" (alias --if-started-by); print TOKEN (maybe empty).
parse_owner() {
  local token=""
  while (($#)); do
    case "$1" in
      --owner | --if-started-by | --started-by)
        token=${2:-}
        [[ -n $token ]] || die "$1 needs a non-empty TOKEN"
        shift 2
        ;;
      --owner=* | --if-started-by=* | --started-by=*)
        token=${1#*=}
        [[ -n $token ]] || die "${1%%=*} needs a non-empty TOKEN"
        shift
        ;;
      *) usage ;;
    esac
  done
  [[ $token != */* ]] || die "TOKEN must not contain '/'"
  printf '%s\n' "$token"
}

owner_of() {
  local owner=""
  if [[ -f $OWNERS_DIR/$1 ]]; then read -r owner <"$OWNERS_DIR/$1" || true; fi
  printf '%s\n' "$owner"
}

# After "<component>.sh up" printed $2 (started|already-running).
record_start() {
  local component=$1 result=$2 token=$3
  [[ $result == started ]] || return 0
  mkdir -p "$OWNERS_DIR"
  if [[ -n $token ]]; then
    printf '%s\n' "$token" >"$OWNERS_DIR/$component"
  else
    rm -f "$OWNERS_DIR/$component"
  fi
}

cmd_up() {
  local token tmp component failed=() started_at=$SECONDS
  local -A pids=()
  token="$(parse_owner "$@")"
  mkdir -p "$CACHE_DIR"
  take_lock "$LOCK_FILE"
  write_env_file
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064  # expand $tmp now
  trap "rm -rf '$tmp'" EXIT
  for component in "${COMPONENTS[@]}"; do
    "$LOCAL_DIR/$component.sh" up >"$tmp/$component" &
    pids[$component]=$!
  done
  for component in "${COMPONENTS[@]}"; do
    wait "${pids[$component]}" || failed+=("$component")
    record_start "$component" "$(<"$tmp/$component")" "$token"
  done
  ((${#failed[@]} == 0)) || die "failed to start: ${failed[*]} (see messages above)"
  log "infra is up ($((SECONDS - started_at))s):" \
    "Kafka 127.0.0.1:$KAFKA_PORT, PostgreSQL 127.0.0.1:$PG_PORT (env: $ENV_FILE)"
  env_lines
}

cmd_down() {
  local token component owner rc=0
  token="$(parse_owner "$@")"
  mkdir -p "$CACHE_DIR"
  take_lock "$LOCK_FILE"
  for component in "${COMPONENTS[@]}"; do
    owner="$(owner_of "$component")"
    if [[ -n $token && $owner != "$token" ]]; then
      log "$component: left alone (not started by '$token')"
      continue
    fi
    if "$LOCAL_DIR/$component.sh" down; then
      rm -f "$OWNERS_DIR/$component"
    else
      rc=1
    fi
  done
  return "$rc"
}

cmd_status() {
  local component owner rc=0
  for component in "${COMPONENTS[@]}"; do
    "$LOCAL_DIR/$component.sh" status || rc=1
    owner="$(owner_of "$component")"
    if [[ -n $owner ]]; then echo "  (started by '$owner')"; fi
  done
  return "$rc"
}

cmd_env() {
  write_env_file
  env_lines
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) (($# == 0)) || usage; cmd_status ;;
    env) (($# == 0)) || usage; cmd_env ;;
    *) usage ;;
  esac
}

main "$@"
