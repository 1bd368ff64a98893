#!/usr/bin/env bash
# A real Apache Kafka broker for tests: single node, KRaft (broker + controller in one JVM),
# built from Kafka's Maven Central jars and run with the machine's Java. Never Docker.
#
#   kafka.sh download                          jars -> .cache/kafka/libs (idempotent)
#   kafka.sh start [--id NAME] [--owner-pid PID]
#                                              starts broker NAME on free 127.0.0.1 ports; prints ONLY
#                                              "127.0.0.1:PORT" on stdout once it answers metadata.
#                                              With --owner-pid the broker is stopped by a watcher
#                                              when that process goes away (crashed test runs).
#   kafka.sh stop [--id NAME]                  SIGTERM, SIGKILL after a timeout; removes its folder
#   kafka.sh status [--id NAME]                with --id: prints its address, exit 0 if it answers,
#                                              3 if not; without: one line per broker folder
#
# Everything lives under .cache/kafka/ (git-ignored): libs/ (jars + a class-data-sharing archive
# that download builds to speed up JVM starts) and run-NAME/{server.properties,log4j.properties,
# data/,logs/,pid,address}. Needs java (17+), mvn (download only) and node with the repo's
# node_modules (kafkajs) for the readiness check. Logs go to stderr and files, never stdout.
# Env knobs: KAFKA_HEAP_OPTS (default "-Xms256m -Xmx512m"), KAFKA_JVM_OPTS (default
# "-XX:+UseSerialGC -XX:TieredStopAtLevel=1": quickest start on 2 shared cores, plenty for tests),
# KAFKA_START_TIMEOUT_S (default 45), KAFKA_STOP_TIMEOUT_S (default 15).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SELF="$ROOT/test/infra/kafka.sh"
POM="$ROOT/test/infra/kafka/pom.xml"
HELPER="$ROOT/test/infra/kafka/broker-check.js"
CACHE="$ROOT/.cache/kafka"
LIBS="$CACHE/libs"
MARKER="$LIBS/.kafka-libs"

log() { echo "[kafka.sh] $*" >&2; }
die() {
  log "error: $*"
  exit 1
}
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is not on PATH ($2)"; }

kafka_version() {
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1
}

# Version + a hash of the pom: changing the pom makes the next download refresh the jars.
wanted_marker() {
  echo "kafka_2.13-$(kafka_version) pom-$(sha256sum "$POM" | cut -c1-16)"
}

libs_ready() {
  [[ -f "$MARKER" && "$(cat "$MARKER")" == "$(wanted_marker)" ]]
}

# Class-data-sharing archive of the broker's classes, made once after the download by running a
# broker with -XX:ArchiveClassesAtExit: later JVM starts load classes from it (about 30% faster
# broker start on this 2-core machine). Tied to the java build; a mismatch only costs the speed-up.
cds_archive() {
  echo "$LIBS/kafka-$(java -version 2>&1 | sha256sum | cut -c1-12).jsa"
}

cds_settled() {
  local archive
  archive="$(cds_archive)"
  [[ -s "$archive" || -f "$archive.failed" ]]
}

build_cds_archive() {
  local archive id
  archive="$(cds_archive)"
  id="cds-build-$$"
  rm -f "$LIBS"/kafka-*.jsa "$LIBS"/kafka-*.jsa.failed "$LIBS"/kafka-*.jsa.tmp
  log "building the class-data-sharing archive (one broker start and stop)"
  if KAFKA_CDS_DUMP="$archive.tmp" bash "$SELF" start --id "$id" >/dev/null 9>&- &&
    bash "$SELF" stop --id "$id" && [[ -s "$archive.tmp" ]]; then
    mv "$archive.tmp" "$archive"
    log "class-data-sharing archive ready: ${archive#"$ROOT"/}"
  else
    bash "$SELF" stop --id "$id" >/dev/null 2>&1 || true
    rm -f "$archive.tmp"
    touch "$archive.failed"
    log "could not build the class-data-sharing archive; brokers start without it"
  fi
}

cmd_download() {
  if libs_ready && cds_settled; then
    log "kafka $(kafka_version) jars already in ${LIBS#"$ROOT"/}"
    return 0
  fi
  need java "Java 17+ runs the broker"
  need mvn "Maven fetches the Kafka jars from Maven Central"
  mkdir -p "$CACHE"
  # Several test runs may start at once on a fresh tree: one downloads, the others wait.
  exec 9>"$CACHE/.download.lock"
  flock -w 900 9 || die "timed out waiting for another download to finish"
  if ! libs_ready; then
    local tmp="$CACHE/libs.tmp.$$"
    rm -rf "$tmp"
    log "downloading kafka_2.13 $(kafka_version) and its runtime class path with Maven"
    if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime -DoverWriteIfNewer=true 2>&1 |
      sed -u 's/\x1b\[[0-9;]*m//g' >&2; then
      rm -rf "$tmp"
      die "mvn dependency:copy-dependencies failed"
    fi
    [[ -f "$tmp/kafka_2.13-$(kafka_version).jar" ]] || {
      rm -rf "$tmp"
      die "kafka_2.13-$(kafka_version).jar missing after download"
    }
    wanted_marker >"$tmp/.kafka-libs"
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    log "$(find "$LIBS" -name '*.jar' | wc -l) jars in ${LIBS#"$ROOT"/}"
  fi
  cds_settled || build_cds_archive
}

parse_id() {
  ID="default"
  OWNER_PID=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --id)
        ID="${2:?--id needs a value}"
        shift 2
        ;;
      --owner-pid)
        OWNER_PID="${2:?--owner-pid needs a value}"
        shift 2
        ;;
      *) die "unknown argument: $1" ;;
    esac
  done
  [[ "$ID" =~ ^[A-Za-z0-9_.-]+$ ]] || die "--id may only use letters, digits, '_', '.', '-'"
  [[ -z "$OWNER_PID" || "$OWNER_PID" =~ ^[0-9]+$ ]] || die "--owner-pid must be a process id"
  RUN="$CACHE/run-$ID"
}

# Prints the broker's pid if the process recorded in DIR/pid is alive and is the broker of DIR
# (guards against a recycled pid: the command line must name this run's server.properties).
broker_pid() {
  local dir="$1" pid
  [[ -f "$dir/pid" ]] || return 1
  pid="$(cat "$dir/pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/server.properties" || return 1
  echo "$pid"
}

# Same for the owner watcher, whose command line names the run folder's id.
watcher_pid() {
  local dir="$1" pid
  [[ -f "$dir/watcher.pid" ]] || return 1
  pid="$(cat "$dir/watcher.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka-owner-watch $dir" || return 1
  echo "$pid"
}

# Removes run folders whose broker is gone (killed test runs), except fresh ones still starting.
sweep_stale() {
  local dir
  for dir in "$CACHE"/run-*; do
    [[ -d "$dir" && "$dir" != "$RUN" ]] || continue
    broker_pid "$dir" >/dev/null && continue
    if [[ -f "$dir/pid" ]] || [[ -n "$(find "$dir" -maxdepth 0 -mmin +3)" ]]; then
      log "removing stale ${dir#"$ROOT"/} (its broker is not running)"
      rm -rf "$dir"
    fi
  done
}

write_config() {
  local bport="$1" cport="$2"
  cat >"$RUN/server.properties" <<EOF
# Test broker '$ID' written by test/infra/kafka.sh: single-node KRaft, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$bport,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$bport
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$RUN/data
# Topics are created explicitly by the code that owns them.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
EOF
  cat >"$RUN/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$RUN/logs/server.log
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
EOF
}

# One attempt: fresh folder, free ports, format, launch, wait. Returns 0 ready, 1 failed, 2 port clash.
launch() {
  local ports bport cport cluster_id pid rc t0 archive cds=() format_cds=()
  t0=$(date +%s%N)
  archive="$(cds_archive)"
  if [[ -n "${KAFKA_CDS_DUMP:-}" ]]; then
    cds=("-XX:ArchiveClassesAtExit=$KAFKA_CDS_DUMP")
  elif [[ -s "$archive" ]]; then
    cds=("-XX:SharedArchiveFile=$archive")
    format_cds=("${cds[@]}")
  fi
  rm -rf "$RUN"
  mkdir -p "$RUN/data" "$RUN/logs"
  ports="$(node "$HELPER" free-ports 2)" || die "could not find free ports (node)"
  read -r bport cport <<<"$ports"
  write_config "$bport" "$cport"
  # Random cluster id: 16 random bytes, base64url without padding (Kafka's Uuid text form). It may
  # start with '-', hence --cluster-id=... (a separate argument would be read as an option).
  cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  if ! java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC ${format_cds[@]+"${format_cds[@]}"} -cp "$LIBS/*" \
    -Dlog4j.configuration="file:$RUN/log4j.properties" \
    kafka.tools.StorageTool format --cluster-id="$cluster_id" -c "$RUN/server.properties" \
    >"$RUN/logs/format.log" 2>&1; then
    tail -n 20 "$RUN/logs/format.log" >&2
    return 1
  fi
  log "storage formatted in $((($(date +%s%N) - t0) / 1000000)) ms"
  # New session (setsid) so the broker outlives this script and the caller's process group;
  # stdio goes to files so a caller reading our stdout is not held open by the JVM.
  # shellcheck disable=SC2016
  setsid bash -c 'echo $$ >"$1/pid"; shift; exec "$@"' kafka-broker "$RUN" \
    java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} ${KAFKA_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1} \
    ${cds[@]+"${cds[@]}"} -Djava.awt.headless=true -Dkafka.logs.dir="$RUN/logs" \
    -Dlog4j.configuration="file:$RUN/log4j.properties" \
    -cp "$LIBS/*" kafka.Kafka "$RUN/server.properties" \
    </dev/null >"$RUN/logs/stdout.log" 2>&1 &
  for _ in $(seq 1 50); do
    [[ -s "$RUN/pid" ]] && break
    sleep 0.1
  done
  pid="$(cat "$RUN/pid" 2>/dev/null || true)"
  [[ -n "$pid" ]] || {
    log "broker did not start"
    return 1
  }
  echo "127.0.0.1:$bport" >"$RUN/address"
  rc=0
  node "$HELPER" ready "127.0.0.1:$bport" "$((${KAFKA_START_TIMEOUT_S:-45} * 1000))" "$pid" || rc=$?
  if [[ $rc -eq 0 ]]; then
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  if grep -qs 'Address already in use' "$RUN/logs/server.log" "$RUN/logs/stdout.log"; then
    return 2
  fi
  log "broker failed to become ready; last log lines:"
  tail -n 30 "$RUN/logs/server.log" "$RUN/logs/stdout.log" >&2 2>/dev/null || true
  return 1
}

cmd_start() {
  parse_id "$@"
  need java "Java 17+ runs the broker"
  need node "node checks the broker answers"
  libs_ready || die "Kafka jars missing: run 'bash test/infra/kafka.sh download' first"
  mkdir -p "$CACHE"
  sweep_stale
  local pid address attempt rc started
  started=$(date +%s%N)
  if pid="$(broker_pid "$RUN")"; then
    address="$(cat "$RUN/address")"
    if node "$HELPER" ready "$address" 5000 "$pid"; then
      log "broker '$ID' already running (pid $pid)"
      echo "$address"
      return 0
    fi
    die "broker '$ID' (pid $pid) runs but does not answer; run 'kafka.sh stop --id $ID'"
  fi
  for attempt in 1 2 3; do
    rc=0
    launch || rc=$?
    [[ $rc -eq 0 ]] && break
    if [[ $rc -eq 2 && $attempt -lt 3 ]]; then
      log "port taken meanwhile, retrying with other ports"
      continue
    fi
    rm -rf "$RUN"
    die "could not start broker '$ID'"
  done
  pid="$(cat "$RUN/pid")"
  address="$(cat "$RUN/address")"
  if [[ -n "$OWNER_PID" ]]; then
    # Watcher: stops this broker once the owner (e.g. the jest process) is gone.
    # shellcheck disable=SC2016
    setsid bash -c 'while kill -0 "$2" 2>/dev/null && [[ -d "$1" ]]; do sleep 2; done
      [[ -d "$1" ]] && exec bash "$3" stop --id "$4"' kafka-owner-watch "$RUN" "$OWNER_PID" "$SELF" "$ID" \
      </dev/null >/dev/null 2>&1 &
    echo $! >"$RUN/watcher.pid"
  fi
  log "broker '$ID' pid $pid at $address ready in $((($(date +%s%N) - started) / 1000000)) ms (logs: ${RUN#"$ROOT"/}/logs)"
  echo "$address"
}

cmd_stop() {
  parse_id "$@"
  if [[ ! -d "$RUN" ]]; then
    log "no broker '$ID'"
    return 0
  fi
  local pid wpid deadline
  if pid="$(broker_pid "$RUN")"; then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$(($(date +%s) + ${KAFKA_STOP_TIMEOUT_S:-15}))
    while kill -0 "$pid" 2>/dev/null && [[ $(date +%s) -lt $deadline ]]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "broker '$ID' (pid $pid) ignored SIGTERM for ${KAFKA_STOP_TIMEOUT_S:-15}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    log "broker '$ID' (pid $pid) stopped"
  else
    log "broker '$ID' was not running"
  fi
  if wpid="$(watcher_pid "$RUN")" && [[ "$wpid" != "$$" ]]; then
    kill -TERM "$wpid" 2>/dev/null || true
  fi
  rm -rf "$RUN"
}

cmd_status() {
  local dir pid address state
  if [[ $# -gt 0 ]]; then
    parse_id "$@"
    if pid="$(broker_pid "$RUN")" && node "$HELPER" ready "$(cat "$RUN/address")" 3000 "$pid" 2>/dev/null; then
      cat "$RUN/address"
      return 0
    fi
    log "broker '$ID' is not running"
    return 3
  fi
  for dir in "$CACHE"/run-*; do
    [[ -d "$dir" ]] || continue
    address="$(cat "$dir/address" 2>/dev/null || echo '-')"
    if pid="$(broker_pid "$dir")"; then state="running pid $pid"; else state="not running"; fi
    echo "${dir##*/run-} $address $state"
  done
  libs_ready && log "jars: kafka_2.13 $(kafka_version) in ${LIBS#"$ROOT"/}" || log "jars: not downloaded"
}

case "${1:-}" in
  download) cmd_download ;;
  start)
    shift
    cmd_start "$@"
    ;;
  stop)
    shift
    cmd_stop "$@"
    ;;
  status)
    shift
    cmd_status "$@"
    ;;
  *)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$SELF" >&2
    exit 64
    ;;
esac
