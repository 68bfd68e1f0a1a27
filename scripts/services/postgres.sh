# PostgreSQL 15, cluster 15/main, from Debian's packages, on 127.0.0.1:5432 with
# trust auth for user postgres. Logical decoding needs wal_level=logical, which
# only takes effect after a restart, so a restart happens only when a value is
# actually wrong: other test runs may be using the cluster.
# TLS is on with a certificate from the test CA (tls.sh), for the sslmode tests;
# ssl can be switched on with a reload, and plain connections keep working.

PG_VERSION=15
PG_CLUSTER=main
PG_PORT=5432
PG_HBA_MARKER="# cdc: trust TCP logins from loopback (added by scripts/services.sh)"

pg_tcp() {
  PGCONNECT_TIMEOUT=3 psql -X -q -w -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atc "$1"
}

# Through the local socket as the postgres OS user: works before TCP does.
pg_local() {
  as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres -Atc "$1"
}

pg_sql() { pg_tcp "$1" 2>/dev/null || pg_local "$1"; }

pg_cluster_status() {
  pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $4 }'
}

pg_ctl_cluster() {
  local log="/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"
  as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" "$1" >/dev/null 2>&1 || {
    log_tail "$log"
    die "postgres: pg_ctlcluster $1 failed (see $log)"
  }
  wait_until 60 pg_isready -q -p "$PG_PORT" || die "postgres: not accepting connections 60s after $1"
}

# Prints "name=value" for each setting that is wrong; nothing when all are right.
pg_wrong_settings() {
  pg_sql "select name, setting from pg_settings
          where name in ('wal_level', 'max_replication_slots', 'max_wal_senders', 'listen_addresses')" |
    awk -F'|' '
      $1 == "wal_level" && $2 != "logical" { print "wal_level=logical" }
      $1 == "max_replication_slots" && $2 + 0 < 20 { print "max_replication_slots=20" }
      $1 == "max_wal_senders" && $2 + 0 < 20 { print "max_wal_senders=20" }
      $1 == "listen_addresses" && $2 == "" { print "listen_addresses=localhost" }'
}

# A fresh Debian cluster asks for a password on TCP; tests log in without one.
# Our lines go first in pg_hba.conf because the first matching line wins.
pg_ensure_trust() {
  pg_tcp "select 1" >/dev/null 2>&1 && return 0
  local hba
  hba="$(pg_local "show hba_file")" || die "postgres: cannot reach the server through its socket either"
  if ! as_root grep -qF "$PG_HBA_MARKER" "$hba"; then
    local tmp
    tmp="$(mktemp)"
    { printf '%s\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nhost replication all 127.0.0.1/32 trust\n' "$PG_HBA_MARKER"; as_root cat "$hba"; } >"$tmp"
    as_root cp "$tmp" "$hba"
    rm -f "$tmp"
  fi
  pg_local "select pg_reload_conf()" >/dev/null
  wait_until 10 pg_tcp "select 1" || die "postgres: TCP login as postgres without password still fails after editing $hba"
}

PG_TLS_DIR=/var/lib/postgresql/cdc-tls

pg_tls_wrong() {
  pg_sql "select name, setting from pg_settings where name in ('ssl', 'ssl_cert_file', 'ssl_key_file')" |
    awk -F'|' -v d="$PG_TLS_DIR" '
      $1 == "ssl" && $2 != "on" { print "ssl" }
      $1 == "ssl_cert_file" && $2 != d "/server.pem" { print "ssl_cert_file" }
      $1 == "ssl_key_file" && $2 != d "/server.key" { print "ssl_key_file" }'
}

pg_ensure_tls() {
  local changed wrong
  changed="$(tls_copy_for postgres "$PG_TLS_DIR")"
  wrong="$(pg_tls_wrong)" || die "postgres: cannot read the ssl settings"
  [ -z "$changed$wrong" ] && return 0
  pg_sql "alter system set ssl_cert_file = '$PG_TLS_DIR/server.pem'" >/dev/null \
    && pg_sql "alter system set ssl_key_file = '$PG_TLS_DIR/server.key'" >/dev/null \
    && pg_sql "alter system set ssl = 'on'" >/dev/null \
    && pg_sql "select pg_reload_conf()" >/dev/null || die "postgres: could not turn on ssl"
  # A reload that cannot load the key keeps the old settings and only logs it.
  wait_until 10 bash -c "[ \"\$(PGCONNECT_TIMEOUT=3 PGSSLMODE=require psql -X -w -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres -Atc 'select ssl from pg_stat_ssl where pid = pg_backend_pid()' 2>/dev/null)\" = t ]" \
    || { log_tail "/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"; die "postgres: ssl still off after reload"; }
  echo "postgres: ssl on with the test CA's certificate (reloaded)"
}

ensure_postgres() {
  local t0 action="running"
  t0="$(now)"
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -x "/usr/lib/postgresql/$PG_VERSION/bin/postgres" ]; then
    apt_install "postgresql-$PG_VERSION" "postgresql-client-$PG_VERSION"
    action="installed"
  fi
  local status
  status="$(pg_cluster_status)"
  if [ -z "$status" ]; then
    as_root pg_createcluster --port "$PG_PORT" "$PG_VERSION" "$PG_CLUSTER" >/dev/null \
      || die "postgres: pg_createcluster $PG_VERSION $PG_CLUSTER failed"
    status="down"
  fi
  if [ "${status%%,*}" != "online" ]; then
    pg_ctl_cluster start
    [ "$action" = "installed" ] || action="started"
  fi

  local wrong
  wrong="$(pg_wrong_settings)" || die "postgres: cannot read settings"
  if [ -n "$wrong" ]; then
    local kv
    for kv in $wrong; do
      pg_sql "alter system set ${kv%%=*} = '${kv#*=}'" >/dev/null || die "postgres: ALTER SYSTEM SET $kv failed"
    done
    pg_ctl_cluster restart
    action="restarted for $(paste -sd, <<<"$wrong")"
    wrong="$(pg_wrong_settings)"
    [ -z "$wrong" ] || die "postgres: still wrong after restart: $wrong (check postgresql.conf overrides)"
  fi

  pg_ensure_trust
  ensure_test_ca
  pg_ensure_tls
  echo "postgres: ok, $action ($PG_VERSION/$PG_CLUSTER on 127.0.0.1:$PG_PORT, wal_level=logical, ssl=on) $(since "$t0")"
}
