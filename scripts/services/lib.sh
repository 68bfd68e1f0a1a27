# Shared helpers for scripts/services.sh. Sourced, never run directly.
# Every wait here is bounded: a service that never answers must fail the run
# with a message, not hang CI until its 90-minute limit.

CDC_CACHE_DIR="${CDC_CACHE_DIR:-$HOME/.cache/cdc}"
SERVICES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SERVICES_DIR/../.." && pwd)"

die() {
  echo "services: $*" >&2
  exit 1
}

# Makes sure the file $1 holds a usable KRaft cluster id: 16 random bytes in URL-safe base64
# without padding. One id in 64 would start with '-', which kafka-storage's argument parser reads
# as an option ("--cluster-id: expected one argument"), so such draws are thrown away, as Kafka's
# own Uuid.randomUuid does; a cached id of that kind (from an older script) never formatted and
# is replaced.
ensure_kafka_cluster_id() {
  local id
  [ -s "$1" ] && [ "$(head -c 1 "$1")" != - ] && return 0
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    [ "${id:0:1}" != - ] && break
  done
  echo "$id" >"$1"
}

# Seconds since the epoch with millisecond precision, for the per-service timing line.
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# Root is needed for apt-get, cluster restarts and server config files. On a
# developer's machine we fall back to sudo; CI runs as root.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# Run a command as the postgres OS user (peer/trust auth on the local socket),
# used only to repair TCP access or settings when TCP login does not work.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    sudo -n -u postgres "$@"
  fi
}

APT_UPDATED=0
# apt-get update runs at most once per invocation, and only when something
# must actually be installed: an up-to-date machine never touches the network.
apt_install() {
  local log="$CDC_CACHE_DIR/apt.log"
  mkdir -p "$CDC_CACHE_DIR"
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$log" 2>&1 \
      || die "apt-get update failed (see $log): $(tail -n 1 "$log")"
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$log" 2>&1 \
    || die "apt-get install $* failed (see $log): $(tail -n 1 "$log")"
}

# wait_until SECONDS CMD... : poll CMD every 0.5 s until it succeeds or time runs out.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  while ! "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

sha_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

require_java_tools() {
  command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 \
    || apt_install openjdk-17-jdk-headless
  command -v mvn >/dev/null 2>&1 || apt_install maven
}

# fetch_jars POM DEST: copy POM's dependency closure from Maven Central into DEST,
# once. The POM's hash is stored beside the jars so a version bump refetches.
# Jars land in a temporary directory first so an interrupted download never
# leaves a half-filled cache that later runs would trust.
fetch_jars() {
  local pom="$1" dest="$2" want
  want="$(sha_of "$pom")"
  if [ -f "$dest/.pom.sha" ] && [ "$(cat "$dest/.pom.sha")" = "$want" ]; then
    return 0
  fi
  require_java_tools
  local tmp="$dest.tmp.$$" log="$dest.mvn.log"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$dest")"
  if ! mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$tmp" >"$log" 2>&1; then
    rm -rf "$tmp"
    die "mvn could not fetch the jars for $pom (see $log): $(grep -m1 ERROR "$log" || tail -n 1 "$log")"
  fi
  echo "$want" >"$tmp/.pom.sha"
  rm -rf "$dest"
  mv "$tmp" "$dest"
}

# --- detached JVM services (Kafka, mongo-java-server) ------------------------
# Each lives in $CDC_CACHE_DIR/<name>/ with run.pid, run.fingerprint and logs/.
# MARKER is a string from the java command line; it guards against signalling
# an unrelated process that reused a stale pid.

jvm_pid() {
  local name="$1" marker="$2" pidfile="$CDC_CACHE_DIR/$1/run.pid" pid
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$marker" || return 1
  echo "$pid"
}

# jvm_start NAME FINGERPRINT CMD... : start CMD in its own session, detached
# from this shell, stdout/stderr to logs/stdout.log.
jvm_start() {
  local name="$1" fingerprint="$2"
  shift 2
  local dir="$CDC_CACHE_DIR/$name"
  mkdir -p "$dir/logs"
  setsid nohup "$@" >"$dir/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$dir/run.pid"
  echo "$fingerprint" >"$dir/run.fingerprint"
}

# jvm_stop NAME MARKER GRACE_SECONDS: SIGTERM, wait, then SIGKILL.
jvm_stop() {
  local name="$1" marker="$2" grace="$3" pid
  if ! pid="$(jvm_pid "$name" "$marker")"; then
    rm -f "$CDC_CACHE_DIR/$name/run.pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_until "$grace" jvm_gone "$name" "$marker"; then
    echo "$name: did not stop within ${grace}s, sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 10 jvm_gone "$name" "$marker" || die "$name: pid $pid survived SIGKILL"
  fi
  rm -f "$CDC_CACHE_DIR/$name/run.pid"
}

jvm_gone() { ! jvm_pid "$1" "$2" >/dev/null; }

jvm_fingerprint_matches() {
  [ "$(cat "$CDC_CACHE_DIR/$1/run.fingerprint" 2>/dev/null)" = "$2" ]
}

# Node probe (kafkajs / mongodb from the repo's node_modules).
probe() {
  [ -d "$REPO_DIR/node_modules/kafkajs" ] && [ -d "$REPO_DIR/node_modules/mongodb" ] \
    || die "node_modules is missing kafkajs/mongodb: run 'npm ci' first"
  node "$SERVICES_DIR/probe.mjs" "$@"
}

log_tail() {
  printf '\n--- last lines of %s ---\n' "$1" >&2
  tail -n "${2:-20}" "$1" >&2 2>/dev/null || true
  echo >&2
}
