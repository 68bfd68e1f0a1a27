#!/usr/bin/env bash
# Throwaway PostgreSQL, MariaDB and Kafka for the fault harness (bench/faults/), on their own
# 127.0.0.1 ports and data directories, so the harness can kill and restart them without touching
# the shared servers of scripts/services.sh that other test runs use.
#
#   scripts/fault-services.sh start [SERVICE...]           create if missing, start, wait until answering
#   scripts/fault-services.sh stop [SERVICE...]            stop (SIGTERM / pg_ctl -m fast)
#   scripts/fault-services.sh restart SERVICE [--crash]    --crash: SIGKILL / pg_ctl -m immediate
#   scripts/fault-services.sh status                       one line per service
#   scripts/fault-services.sh clean                        stop everything and delete the data
#
# SERVICE: postgres (127.0.0.1:5434), mariadb (:3307), kafka (:19092, controller :19093).
# Everything lives in $CDC_FAULTS_DIR (default /tmp/cdc-faults). Idempotent: start on a running
# service only checks it answers. Every wait is bounded.
set -Eeuo pipefail
trap 'echo "fault-services: unexpected failure (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR
. "$here/services/lib.sh" # die, wait_until, port_open, as_postgres, require_java_tools

FAULTS_DIR="${CDC_FAULTS_DIR:-/tmp/cdc-faults}"
PG_PORT="${CDC_FAULTS_PG_PORT:-5434}"
MY_PORT="${CDC_FAULTS_MYSQL_PORT:-3307}"
KAFKA_PORT="${CDC_FAULTS_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${CDC_FAULTS_KAFKA_CONTROLLER_PORT:-19093}"
PG_BIN="${CDC_FAULTS_PG_BIN:-/usr/lib/postgresql/15/bin}"
KAFKA_LIBS="$CDC_CACHE_DIR/kafka/libs"

die() {
  echo "fault-services: $*" >&2
  exit 1
}

# --- PostgreSQL: initdb into $FAULTS_DIR/pg, run as the postgres OS user ---------------------
PG_DIR="$FAULTS_DIR/pg"
pg_ctl_() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" "$@"; }
pg_up() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; }

start_postgres() {
  # A fresh machine: scripts/services.sh installs the server packages (and starts the shared server).
  [ -x "$PG_BIN/initdb" ] || bash "$here/services.sh" postgres >/dev/null || die "postgres: $PG_BIN missing and scripts/services.sh postgres failed"
  install -d -m 755 "$FAULTS_DIR"
  install -d -o postgres -g postgres -m 700 "$PG_DIR"
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
      || die "postgres: initdb failed (see $PG_DIR/initdb.log)"
    cat >>"$PG_DIR/data/postgresql.conf" <<EOF
# fault harness (scripts/fault-services.sh)
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
wal_level = logical
max_connections = 200
shared_buffers = 64MB
max_replication_slots = 10
max_wal_senders = 10
EOF
  fi
  if pg_up; then
    echo "postgres: ok, running (127.0.0.1:$PG_PORT)"
    return 0
  fi
  port_open "$PG_PORT" && die "postgres: 127.0.0.1:$PG_PORT is taken by something else"
  pg_ctl_ -l "$PG_DIR/server.log" -w -t 60 start >/dev/null || die "postgres: did not start (see $PG_DIR/server.log)"
  wait_until 30 pg_up || die "postgres: not answering on 127.0.0.1:$PG_PORT"
  echo "postgres: ok, started (127.0.0.1:$PG_PORT)"
}

stop_postgres() {
  [ -f "$PG_DIR/data/postmaster.pid" ] && pg_ctl_ -m "${1:-fast}" -w -t 60 stop >/dev/null 2>&1 || true
  echo "postgres: stopped"
}

restart_postgres() {
  # immediate = no checkpoint, crash recovery at the next start (like a power cut of the server
  # process; the OS page cache survives, so committed transactions do too).
  local mode=fast
  [ "${1:-}" = --crash ] && mode=immediate
  pg_ctl_ -m "$mode" -w -t 60 stop >/dev/null 2>&1 || true
  start_postgres
}

# --- MariaDB: mariadb-install-db into $FAULTS_DIR/mariadb, mariadbd as the mysql OS user -----
MY_DIR="$FAULTS_DIR/mariadb"
my_up() { mariadb-admin --no-defaults --protocol=tcp -h127.0.0.1 -P"$MY_PORT" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }
my_pid() {
  local pid
  pid="$(cat "$MY_DIR/mariadbd.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$MY_DIR/data" || return 1
  echo "$pid"
}

start_mariadb() {
  command -v mariadbd >/dev/null 2>&1 && command -v mariadb-install-db >/dev/null 2>&1 \
    || bash "$here/services.sh" mariadb >/dev/null || die "mariadb: server binaries missing and scripts/services.sh mariadb failed"
  install -d -m 755 "$FAULTS_DIR"
  install -d -o mysql -g mysql -m 755 "$MY_DIR"
  if [ ! -d "$MY_DIR/data/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$MY_DIR/data" --user=mysql --auth-root-authentication-method=normal \
      --skip-test-db >"$MY_DIR/install.log" 2>&1 || die "mariadb: mariadb-install-db failed (see $MY_DIR/install.log)"
  fi
  if my_up; then
    echo "mariadb: ok, running (127.0.0.1:$MY_PORT)"
    return 0
  fi
  port_open "$MY_PORT" && die "mariadb: 127.0.0.1:$MY_PORT is taken by something else"
  # --no-defaults: /etc/mysql is the shared server's configuration. Binlog settings as the shared
  # server has them (scripts/services/mariadb.sh).
  setsid nohup mariadbd --no-defaults --user=mysql --datadir="$MY_DIR/data" --port="$MY_PORT" --bind-address=127.0.0.1 \
    --socket="$MY_DIR/mariadbd.sock" --pid-file="$MY_DIR/mariadbd.pid" --log-error="$MY_DIR/error.log" \
    --log-bin="$MY_DIR/data/binlog" --binlog-format=ROW --binlog-row-image=FULL --server-id=7 \
    --innodb-buffer-pool-size=128M --max-connections=200 --skip-name-resolve >/dev/null 2>&1 </dev/null &
  wait_until 60 my_up || { tail -n 20 "$MY_DIR/error.log" >&2; die "mariadb: not answering 60s after start"; }
  # TCP root from 127.0.0.1 (install-db creates root@localhost; skip-name-resolve needs the IP).
  mariadb --no-defaults --protocol=socket -S "$MY_DIR/mariadbd.sock" -uroot -e \
    "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;" 2>/dev/null || true
  echo "mariadb: ok, started (127.0.0.1:$MY_PORT)"
}

stop_mariadb() {
  local pid
  if pid="$(my_pid)"; then
    kill "-${1:-TERM}" "$pid" 2>/dev/null || true
    wait_until 60 bash -c "! kill -0 $pid 2>/dev/null" || { kill -KILL "$pid" 2>/dev/null || true; sleep 1; }
  fi
  echo "mariadb: stopped"
}

restart_mariadb() {
  # --crash: SIGKILL, InnoDB crash recovery at the next start.
  if [ "${1:-}" = --crash ]; then stop_mariadb KILL >/dev/null; else stop_mariadb TERM >/dev/null; fi
  start_mariadb
}

# --- Kafka: the jars scripts/services.sh fetched, KRaft single node on its own ports ----------
KAFKA_DIR="$FAULTS_DIR/kafka"
KAFKA_JAVA=(java -Xms128m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties"
  -Dkafka.logs.dir="$KAFKA_DIR/logs" -cp "$KAFKA_LIBS/*")

kafka_format() {
  "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$(cat "$KAFKA_DIR/cluster.id")" -c "$KAFKA_DIR/server.properties" \
    --ignore-formatted >"$KAFKA_DIR/logs/format.log" 2>&1
}
# The marker (our own server.properties path) keeps us from ever signalling the shared broker.
kafka_pid() {
  local pid
  pid="$(cat "$KAFKA_DIR/run.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$KAFKA_DIR/server.properties" || return 1
  echo "$pid"
}
kafka_up() {
  (cd "$REPO_DIR" && node --input-type=module -e "
    import kafkajs from 'kafkajs';
    const k = new kafkajs.Kafka({ clientId: 'fault-probe', brokers: ['127.0.0.1:$KAFKA_PORT'], logLevel: 0, connectionTimeout: 2000, requestTimeout: 5000, retry: { retries: 0 } });
    const a = k.admin(); await a.connect();
    try { const c = await a.describeCluster(); if (c.brokers.length === 0) process.exit(1); await a.listTopics(); } finally { await a.disconnect(); }
  ") >/dev/null 2>&1
}

start_kafka() {
  [ -d "$KAFKA_LIBS" ] || bash "$here/services.sh" kafka >/dev/null || die "kafka: jars missing and scripts/services.sh kafka failed"
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/logs"
  cat >"$KAFKA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=1
auto.create.topics.enable=true
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
EOF
  cat >"$KAFKA_DIR/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$KAFKA_DIR/logs/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  if kafka_pid >/dev/null && kafka_up; then
    echo "kafka: ok, running (127.0.0.1:$KAFKA_PORT)"
    return 0
  fi
  kafka_pid >/dev/null && stop_kafka >/dev/null
  port_open "$KAFKA_PORT" && die "kafka: 127.0.0.1:$KAFKA_PORT is taken by something else"
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    ensure_kafka_cluster_id "$KAFKA_DIR/cluster.id"
    # A data directory left half-written by an interrupted earlier run makes the format fail:
    # start it from nothing once more before giving up, and show why (the caller's clean-up
    # deletes the log).
    if ! kafka_format; then
      rm -rf "$KAFKA_DIR/data"
      kafka_format || die "kafka: storage format failed: $(tail -n 5 "$KAFKA_DIR/logs/format.log" | tr '\n' ' ')"
    fi
  fi
  setsid nohup "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$KAFKA_DIR/run.pid"
  wait_until 90 kafka_up || { tail -n 20 "$KAFKA_DIR/logs/stdout.log" >&2; die "kafka: not answering 90s after start"; }
  echo "kafka: ok, started (127.0.0.1:$KAFKA_PORT)"
}

stop_kafka() {
  local pid
  if pid="$(kafka_pid)"; then
    kill "-${1:-TERM}" "$pid" 2>/dev/null || true
    wait_until 60 bash -c "! kill -0 $pid 2>/dev/null" || { kill -KILL "$pid" 2>/dev/null || true; sleep 1; }
  fi
  rm -f "$KAFKA_DIR/run.pid"
  echo "kafka: stopped"
}

restart_kafka() {
  if [ "${1:-}" = --crash ]; then stop_kafka KILL >/dev/null; else stop_kafka TERM >/dev/null; fi
  start_kafka
}

status_line() {
  local name="$1" up="$2"
  if "$up"; then echo "$name: up"; else echo "$name: down"; fi
}

ALL=(postgres mariadb kafka)
action="${1:-}"
shift || true
case "$action" in
  start | stop)
    services=("$@")
    [ "${#services[@]}" -gt 0 ] || services=("${ALL[@]}")
    for s in "${services[@]}"; do
      case "$s" in postgres | mariadb | kafka) "${action}_$s" ;; *) die "unknown service '$s'; expected: ${ALL[*]}" ;; esac
    done
    ;;
  restart)
    s="${1:-}"
    case "$s" in postgres | mariadb | kafka) "restart_$s" "${2:-}" ;; *) die "restart needs one of: ${ALL[*]}" ;; esac
    ;;
  status)
    status_line postgres pg_up
    status_line mariadb my_up
    status_line kafka kafka_up
    ;;
  clean)
    stop_kafka >/dev/null
    stop_mariadb >/dev/null
    stop_postgres >/dev/null
    rm -rf "$FAULTS_DIR"
    echo "cleaned $FAULTS_DIR"
    ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
