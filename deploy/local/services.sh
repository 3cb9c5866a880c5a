#!/usr/bin/env bash
# Runs every Trainyard service as a background process against the local infrastructure.
#   deploy/local/services.sh up     start (migrations run at start-up), wait until healthy
#   deploy/local/services.sh down   stop them
#   deploy/local/services.sh logs   follow their logs
# Expects `deploy/local/infra.sh up` to have run (it writes .cache/infra.env).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="$ROOT/.cache/run"
LOG_DIR="$ROOT/.cache/logs"
ADMIN_USERNAME="${TRAINYARD_ADMIN_USERNAME:-admin}"
ADMIN_PASSWORD="${TRAINYARD_ADMIN_PASSWORD:-admin-local-only}"
MAIL_PORT="${TRAINYARD_LOCAL_MAIL_PORT:-8025}"

# service package, HTTP port, database
SERVICES=(
  "client_directory 8001 client_directory"
  "customer_account 8002 customer_account"
  "commerce_access 8003 commerce_access"
  "training_progress 8004 training_progress"
  "gateway 8000 gateway"
)

start_one() {
  local package=$1 port=$2 database=$3 pid_file="$RUN_DIR/$1.pid"
  if [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "$package already running" >&2
    return
  fi
  TRAINYARD_DATABASE_URL="$TRAINYARD_PG_URL/$database" \
  TRAINYARD_HTTP_PORT="$port" \
  TRAINYARD_SMTP_HOST=127.0.0.1 \
  TRAINYARD_SMTP_PORT="$MAIL_PORT" \
  TRAINYARD_ADMIN_USERNAME="$ADMIN_USERNAME" \
  TRAINYARD_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  TRAINYARD_SERVICE_AUTH_KEYS="$(service_auth_key)" \
    nohup "$ROOT/.venv/bin/python" -m "$package" >>"$LOG_DIR/$package.log" 2>&1 &
  echo $! >"$pid_file"
}

# The key the gateway signs its calls to the services with: random, kept in .cache/run while
# anything runs (a service restarted alone must share it). /metrics: HTTP port + 1000.
service_auth_key() {
  local key_file="$RUN_DIR/service-auth.key"
  if [[ -n ${TRAINYARD_SERVICE_AUTH_KEYS:-} ]]; then
    echo "$TRAINYARD_SERVICE_AUTH_KEYS"
    return
  fi
  if [[ ! -s $key_file ]]; then
    (umask 077 && "$ROOT/.venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))' >"$key_file")
  fi
  cat "$key_file"
}

# A local mail sink: customer-account's e-mail (welcome, order confirmation) is printed to
# .cache/logs/mail_sink.log instead of leaving the machine.
start_mail_sink() {
  local pid_file="$RUN_DIR/mail_sink.pid"
  if [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    return
  fi
  nohup "$ROOT/.venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$MAIL_PORT" >>"$LOG_DIR/mail_sink.log" 2>&1 &
  echo $! >"$pid_file"
}

wait_healthy() {
  local package=$1 port=$2 deadline=$((SECONDS + 60))
  until curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      echo "$package did not become healthy; last log lines:" >&2
      tail -n 30 "$LOG_DIR/$package.log" >&2
      return 1
    fi
    sleep 0.3
  done
}

up() {
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  # shellcheck source=/dev/null
  . "$ROOT/.cache/infra.env"
  "$ROOT/.venv/bin/trainyard-topics" ensure --bootstrap "$TRAINYARD_KAFKA_BOOTSTRAP" >&2
  start_mail_sink
  local entry
  for entry in "${SERVICES[@]}"; do
    # shellcheck disable=SC2086
    start_one $entry
  done
  for entry in "${SERVICES[@]}"; do
    read -r package port _ <<<"$entry"
    wait_healthy "$package" "$port"
  done
  cat <<MSG
Trainyard is up.
  gateway:  http://127.0.0.1:8000   (OpenAPI: http://127.0.0.1:8000/docs)
  admin:    $ADMIN_USERNAME / $ADMIN_PASSWORD
  logs:     make logs   (files in .cache/logs/; e-mail sent lands in mail_sink.log)
MSG
}

down() {
  local pid_file
  for pid_file in "$RUN_DIR"/*.pid; do
    [[ -f $pid_file ]] || continue
    kill "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file"
  done
  rm -f "$RUN_DIR/service-auth.key" # the next `up` draws a new one
}

logs() {
  tail -n 50 -F "$LOG_DIR"/*.log
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  logs) logs ;;
  *) echo "usage: $0 up|down|logs" >&2; exit 2 ;;
esac
