# PostgreSQL servers of the version matrix (scripts/versions.sh). Sourced, never run directly.
# Each NAME lives in $CDC_VERSIONS_DIR/NAME/: server/ (the unpacked build), data/ and run/ (owned by
# the postgres OS user: initdb refuses to run as root), server.log. Trust auth on 127.0.0.1, user
# postgres, like the shared 5432 server.

# The OS user the old servers run as: Debian's postgres package creates it for the shared server;
# on a machine without that package we create a system user of the same name.
ensure_pg_os_user() {
  id postgres >/dev/null 2>&1 || as_root useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
}

as_pg_user() { as_root setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

pg_version_answers() {
  PGCONNECT_TIMEOUT=3 psql -X -q -w -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1
}

# unpack_pg NAME JAR: the .txz inside the jar, unpacked once per jar (the jar's name is stored, so
# a version bump unpacks again).
unpack_pg() {
  local dir="$CDC_VERSIONS_DIR/$1/server" jar="$2"
  [ "$(cat "$dir/.jar" 2>/dev/null)" = "${jar##*/}" ] && return 0
  rm -rf "$dir" "$dir.tmp"
  mkdir -p "$dir.tmp"
  unzip -p "$jar" postgres-linux-x86_64.txz | tar -xJ -C "$dir.tmp" || die "$1: cannot unpack $jar"
  echo "${jar##*/}" >"$dir.tmp/.jar"
  chmod -R a+rX "$dir.tmp"
  mv "$dir.tmp" "$dir"
}

ensure_version_postgres() {
  local name="$1" port="$2" coords="$3" t0 jar dir
  t0="$(now)"
  dir="$CDC_VERSIONS_DIR/$name"
  if pg_version_answers "$port"; then
    echo "$name: ok, running (127.0.0.1:$port) $(since "$t0")"
    return 0
  fi
  port_open "$port" && die "$name: 127.0.0.1:$port is taken by something that is not a PostgreSQL server"
  jar="$(fetch_artifact "$coords")"
  ensure_pg_os_user
  mkdir -p "$CDC_VERSIONS_DIR"
  chmod 755 "$CDC_VERSIONS_DIR"
  unpack_pg "$name" "$jar"
  as_root install -d -o postgres -g postgres -m 700 "$dir/data"
  as_root install -d -o postgres -g postgres -m 755 "$dir/run"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg_user "$dir/server/bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
      || { log_tail "$dir/initdb.log"; die "$name: initdb failed (see $dir/initdb.log)"; }
    # What every capture mode needs: logical decoding (WAL capture), slots and senders for it.
    cat >>"$dir/data/postgresql.conf" <<CONF
# cdc version matrix (scripts/versions.sh)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
max_connections = 100
fsync = off
CONF
  fi
  # A kill -9 leaves postmaster.pid behind; pg_ctl start copes with a stale one by itself.
  as_root touch "$dir/server.log"
  as_root chown postgres:postgres "$dir/server.log"
  as_pg_user "$dir/server/bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >"$dir/pg_ctl.log" 2>&1 \
    || { log_tail "$dir/server.log"; die "$name: pg_ctl start failed (see $dir/server.log)"; }
  wait_until 30 pg_version_answers "$port" || die "$name: not answering on 127.0.0.1:$port 30s after start"
  echo "$name: ok, started (127.0.0.1:$port) $(since "$t0")"
}

stop_version_postgres() {
  local dir="$CDC_VERSIONS_DIR/$1"
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_pg_user "$dir/server/bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  echo "$1: stopped"
}
