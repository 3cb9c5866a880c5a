#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, combined broker+controller), no Docker.
#
#   deploy/local/kafka.sh up|down|status
#
# Normally driven by deploy/local/infra.sh. Everything lives in <repo>/.cache/kafka:
#   libs/                jars from deploy/local/kafka/pom.xml (downloaded once;
#                        libs/.stamp holds the Kafka version + pom hash)
#   data/                log.dirs + KRaft metadata (formatted on first start)
#   server.properties    rendered from deploy/local/kafka/server.properties.template
#   kafka.pid            pid of the broker JVM
#   logs/server.log      broker log (log4j2); logs/stdout.log: JVM stdout/stderr
#
# up      start unless already running and answering; wait until a Metadata
#         request lists the broker. Prints one word on stdout: "started" or
#         "already-running". Progress and errors go to stderr.
# down    SIGTERM the broker started from this cache dir, SIGKILL after
#         $TRAINYARD_LOCAL_STOP_TIMEOUT (30) s.
# status  exit 0 when running and answering, 1 otherwise.
#
# Port: PLAINTEXT on 127.0.0.1:${TRAINYARD_LOCAL_KAFKA_PORT:-9092}, controller
# on the next port.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=kafka

SRC_DIR="$LOCAL_DIR/kafka"
KAFKA_DIR="$CACHE_DIR/kafka"
LIBS_DIR="$KAFKA_DIR/libs"
DATA_DIR="$KAFKA_DIR/data"
LOGS_DIR="$KAFKA_DIR/logs"
PID_FILE="$KAFKA_DIR/kafka.pid"
PROPS_FILE="$KAFKA_DIR/server.properties"
LOCK_FILE="$KAFKA_DIR/.lock"

check_port_var TRAINYARD_LOCAL_KAFKA_PORT "$KAFKA_PORT"
CONTROLLER_PORT=$((10#$KAFKA_PORT + 1))

kafka_version() {
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$SRC_DIR/pom.xml" | head -n 1
}

libs_stamp() {
  printf 'kafka_2.13=%s pom-sha256=%s\n' "$(kafka_version)" \
    "$(sha256sum <"$SRC_DIR/pom.xml" | cut -c 1-16)"
}

java_bin() {
  local java="${JAVA_HOME:+$JAVA_HOME/bin/}java" major
  if ! command -v "$java" >/dev/null; then
    require_root_for_install java openjdk-17-jre-headless
    apt_install openjdk-17-jre-headless
    java=java
  fi
  major="$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
  [[ ${major:-0} -ge 17 ]] || die "Kafka 4 needs Java 17+, $java is version '${major:-?}'"
  command -v "$java"
}

# True when libs/.stamp names this version + pom (first line) and every jar
# it lists (following lines) is present.
libs_complete() {
  local header jar
  [[ -f $LIBS_DIR/.stamp ]] || return 1
  {
    read -r header || return 1
    [[ $header == "$(libs_stamp)" ]] || return 1
    while read -r jar; do
      [[ -f $LIBS_DIR/$jar ]] || return 1
    done
  } <"$LIBS_DIR/.stamp"
}

# Download the broker's jars unless libs/ is complete.
ensure_libs() {
  local tmp
  libs_complete && return 0
  if ! command -v mvn >/dev/null; then
    require_root_for_install mvn maven
    apt_install maven
  fi
  log "downloading Kafka $(kafka_version) jars with Maven into $LIBS_DIR (one-time)..."
  tmp="$KAFKA_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  if ! mvn -B -q -f "$SRC_DIR/pom.xml" dependency:copy-dependencies \
    "-Dtrainyard.libs.dir=$tmp" >"$KAFKA_DIR/mvn.log" 2>&1 9>&-; then
    rm -rf "$tmp"
    tail_logs "$KAFKA_DIR/mvn.log"
    die "Maven could not fetch the Kafka jars (full output: $KAFKA_DIR/mvn.log)"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "no kafka_2.13 jar in $tmp"
  { libs_stamp && (cd "$tmp" && ls -1 -- *.jar); } >"$tmp/.stamp"
  rm -rf "$LIBS_DIR" "$KAFKA_DIR/mvn-target"
  mv "$tmp" "$LIBS_DIR"
}

render_props() {
  local text
  text="$(<"$SRC_DIR/server.properties.template")"
  text="${text//@KAFKA_PORT@/$KAFKA_PORT}"
  text="${text//@CONTROLLER_PORT@/$CONTROLLER_PORT}"
  text="${text//@DATA_DIR@/$DATA_DIR}"
  printf '%s\n' "$text" >"$PROPS_FILE"
}

# -XX:TieredStopAtLevel=1 (C1 JIT only): half the start-up time on a busy
# 2-core machine (~4 s instead of ~8 s) and less CPU; a local broker does not
# need C2's peak throughput.
jvm_opts() {
  printf '%s\n' -Xms256m -Xmx512m -XX:TieredStopAtLevel=1 \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$SRC_DIR/log4j2.properties" \
    "-Dkafka.logs.dir=$LOGS_DIR"
}

# A random KRaft cluster id: 16 random bytes, URL-safe base64, no padding
# (never starting with '-', which would read as a command-line option).
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    if [[ $id != -* ]]; then
      printf '%s\n' "$id"
      return 0
    fi
  done
}

# Format data/ on first start (static one-voter quorum: no --standalone needed).
format_storage_once() {
  local java=$1 cluster_id opts
  [[ -f $DATA_DIR/meta.properties ]] && return 0
  cluster_id="$(new_cluster_id)"
  log "formatting $DATA_DIR (cluster id $cluster_id)"
  mkdir -p "$DATA_DIR"
  mapfile -t opts < <(jvm_opts)
  if ! "$java" "${opts[@]}" -cp "$LIBS_DIR/*" kafka.tools.StorageTool format \
    --cluster-id "$cluster_id" --config "$PROPS_FILE" --ignore-formatted \
    >"$LOGS_DIR/format.log" 2>&1 9>&-; then
    tail_logs "$LOGS_DIR/format.log"
    die "formatting the Kafka storage failed"
  fi
}

# Start the broker detached (own session: immune to the caller's Ctrl-C).
# The wrapper shell writes its own pid, then execs java under that pid.
start_broker() {
  local java=$1 opts pid="" deadline
  mapfile -t opts < <(jvm_opts)
  rm -f "$PID_FILE"
  (
    cd "$KAFKA_DIR"
    # shellcheck disable=SC2016  # expanded by the inner shell
    exec setsid bash -c 'echo "$$" >"$0"; exec "$@"' "$PID_FILE" \
      "$java" "${opts[@]}" -cp "$LIBS_DIR/*" kafka.Kafka "$PROPS_FILE" \
      </dev/null >>"$LOGS_DIR/stdout.log" 2>&1 9>&-
  ) &
  deadline=$((SECONDS + 5))
  while [[ -z $pid ]] && ((SECONDS < deadline)); do
    pid="$(read_pid_file "$PID_FILE")"
    [[ -n $pid ]] || sleep 0.05
  done
  [[ -n $pid ]] || die "the broker process did not start (see $LOGS_DIR/stdout.log)"
  printf '%s\n' "$pid"
}

probe() {
  "$(python_bin)" "$SRC_DIR/kafka_probe.py" 127.0.0.1 "$KAFKA_PORT" 2
}

# Pid of the broker started from this cache dir, if it runs.
running_pid() {
  local pid
  pid="$(read_pid_file "$PID_FILE")"
  if pid_alive "$pid" && pid_cmdline_has "$pid" "kafka.Kafka $PROPS_FILE"; then
    printf '%s\n' "$pid"
    return 0
  fi
  # Pid file lost or stale: look for an orphan started from this cache dir.
  pid="$(pids_with_cmdline "kafka.Kafka $PROPS_FILE" | head -n 1)"
  [[ -n $pid ]] || return 1
  printf '%s\n' "$pid" >"$PID_FILE"
  printf '%s\n' "$pid"
}

# Die if the running broker was started for another port.
check_running_port() {
  local port
  port="$(sed -n 's|^listeners=PLAINTEXT://127.0.0.1:\([0-9]*\).*|\1|p' "$PROPS_FILE")"
  [[ $port == "$KAFKA_PORT" ]] ||
    die "the broker from $KAFKA_DIR runs on port ${port:-?}, not $KAFKA_PORT;" \
      "stop it first (deploy/local/infra.sh down) to change ports"
}

# Poll until the broker answers; fail early if the process dies.
wait_ready() {
  local pid=$1 deadline=$((SECONDS + START_TIMEOUT))
  until probe >/dev/null 2>&1; do
    if ! pid_alive "$pid"; then
      tail_logs "$LOGS_DIR/stdout.log" "$LOGS_DIR/server.log"
      log "the broker (pid $pid) exited during start-up"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      tail_logs "$LOGS_DIR/stdout.log" "$LOGS_DIR/server.log"
      log "the broker (pid $pid) did not answer on 127.0.0.1:$KAFKA_PORT within ${START_TIMEOUT}s"
      return 1
    fi
    sleep 0.25
  done
}

cmd_up() {
  local pid java started_at=$SECONDS
  mkdir -p "$KAFKA_DIR" "$LOGS_DIR"
  take_lock "$LOCK_FILE"
  if pid="$(running_pid)"; then
    check_running_port
    if ! probe >/dev/null 2>&1; then
      log "running (pid $pid) but not answering yet; waiting"
      wait_ready "$pid" || die "Kafka is unhealthy; try: $0 down && $0 up"
    fi
    log "already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
    echo already-running
    return 0
  fi
  wait_reaped "$(read_pid_file "$PID_FILE")" 10
  local port
  for port in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
    if port_in_use "$port"; then
      die "port $port is taken by a process not started from $KAFKA_DIR" \
        "(set TRAINYARD_LOCAL_KAFKA_PORT to use other ports)"
    fi
  done
  java="$(java_bin)"
  ensure_libs
  render_props
  format_storage_once "$java"
  pid="$(start_broker "$java")"
  log "starting Kafka $(kafka_version) (pid $pid), waiting for it to answer..."
  if ! wait_ready "$pid"; then
    stop_pid "$pid" "$STOP_TIMEOUT"
    rm -f "$PID_FILE"
    die "Kafka failed to start (logs: $LOGS_DIR)"
  fi
  log "ready on 127.0.0.1:$KAFKA_PORT in $((SECONDS - started_at))s (pid $pid)"
  echo started
}

cmd_down() {
  local pid stopped=0
  mkdir -p "$KAFKA_DIR"
  take_lock "$LOCK_FILE"
  while pid="$(running_pid)"; do
    log "stopping the broker (pid $pid)..."
    stop_pid "$pid" "$STOP_TIMEOUT"
    stopped=1
  done
  rm -f "$PID_FILE"
  if ((stopped)); then log "stopped"; else log "not running"; fi
}

cmd_status() {
  local pid brokers
  if ! pid="$(running_pid 2>/dev/null)"; then
    echo "kafka: not running"
    return 1
  fi
  if ! brokers="$(probe 2>&1)"; then
    echo "kafka: running (pid $pid) but not answering on 127.0.0.1:$KAFKA_PORT: $brokers"
    return 1
  fi
  echo "kafka: healthy (pid $pid, 127.0.0.1:$KAFKA_PORT, Kafka $(kafka_version), data $DATA_DIR)"
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
