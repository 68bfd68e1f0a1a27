# mongo-java-server (in-memory, oplog on, so change streams work) on
# 127.0.0.1:27017: the MongoDB stand-in, since no mongod can be installed here.
# Jars and compiled classes live under $CDC_CACHE_DIR/mongo; the data does not
# outlive the process, so a restart starts from an empty server.

MONGO_DIR="$CDC_CACHE_DIR/mongo"
MONGO_MARKER="CdcMongoServer"
MONGO_START_TIMEOUT="${CDC_MONGO_START_TIMEOUT:-60}"
MONGO_JVM_OPTS=(-Xms128m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true
  -Dorg.slf4j.simpleLogger.showDateTime=true "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS"
  -Dorg.slf4j.simpleLogger.defaultLogLevel=info
  # one line per client connect/disconnect would dominate the log
  -Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoWireProtocolHandler=warn)

# javac runs only when the source (or the jar set) changed since the last compile.
mongo_compile() {
  local src="$SERVICES_DIR/mongo/CdcMongoServer.java" want
  want="$(sha_of "$src" "$MONGO_DIR/libs/.pom.sha")"
  if [ -f "$MONGO_DIR/classes/.source.sha" ] && [ "$(cat "$MONGO_DIR/classes/.source.sha")" = "$want" ]; then
    return 0
  fi
  require_java_tools
  local tmp="$MONGO_DIR/classes.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  javac -nowarn -d "$tmp" -cp "$MONGO_DIR/libs/*" "$src" >"$MONGO_DIR/javac.log" 2>&1 \
    || { rm -rf "$tmp"; log_tail "$MONGO_DIR/javac.log"; die "mongo: javac failed (see $MONGO_DIR/javac.log)"; }
  echo "$want" >"$tmp/.source.sha"
  rm -rf "$MONGO_DIR/classes"
  mv "$tmp" "$MONGO_DIR/classes"
}

mongo_fingerprint() {
  { cat "$MONGO_DIR/classes/.source.sha"; echo "${MONGO_JVM_OPTS[*]}"
    env | grep '^CDC_MONGO_REPORTED' | sort || true; } | sha256sum | cut -c1-16
}

ensure_mongo() {
  local t0 pid fp
  t0="$(now)"
  fetch_jars "$SERVICES_DIR/mongo/pom.xml" "$MONGO_DIR/libs"
  mongo_compile
  fp="$(mongo_fingerprint)"

  if pid="$(jvm_pid mongo "$MONGO_MARKER")"; then
    if ! jvm_fingerprint_matches mongo "$fp"; then
      echo "mongo: CdcMongoServer.java, jars or settings changed, restarting pid $pid"
      jvm_stop mongo "$MONGO_MARKER" 20
    elif probe mongo 10 "$pid" 2>/dev/null; then
      echo "mongo: ok, running (pid $pid, 127.0.0.1:27017) $(since "$t0")"
      return 0
    else
      echo "mongo: pid $pid is not answering, restarting it"
      jvm_stop mongo "$MONGO_MARKER" 20
    fi
  elif port_open 27017; then
    local err
    err="$(probe mongo 5 2>&1)" \
      || die "mongo: 127.0.0.1:27017 is taken by something the mongodb driver cannot use: $err"
    echo "mongo: ok, a server not started by this script answers on 127.0.0.1:27017 $(since "$t0")"
    return 0
  fi

  jvm_start mongo "$fp" java "${MONGO_JVM_OPTS[@]}" -cp "$MONGO_DIR/classes:$MONGO_DIR/libs/*" CdcMongoServer
  pid="$(cat "$MONGO_DIR/run.pid")"
  local err
  if ! err="$(probe mongo "$MONGO_START_TIMEOUT" "$pid" --change-stream 2>&1)"; then
    log_tail "$MONGO_DIR/logs/stdout.log" 20
    jvm_stop mongo "$MONGO_MARKER" 10
    die "mongo: not usable after start (limit ${MONGO_START_TIMEOUT}s): $err (log: $MONGO_DIR/logs/stdout.log)"
  fi
  echo "mongo: ok, started (pid $pid, 127.0.0.1:27017, change streams on) $(since "$t0")"
}

stop_mongo() {
  jvm_stop mongo "$MONGO_MARKER" 20
  echo "mongo: stopped"
}
