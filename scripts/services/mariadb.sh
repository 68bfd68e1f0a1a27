# MariaDB 10.11 from Debian's packages on 127.0.0.1:3306, root with an empty
# password. Binlog capture needs log_bin, binlog_format=ROW,
# binlog_row_image=FULL and a server_id; those are read only at server start,
# so the server is restarted only when SHOW VARIABLES says one is wrong.
# TLS (ssl_cert/ssl_key/ssl_ca from the test CA, tls.sh) is also read only at
# start; it joins the same single restart. Plain connections keep working.

MARIADB_MARKER="# cdc: binlog settings for log-based capture (added by scripts/services.sh)"
MARIADB_CNF=/etc/mysql/my.cnf
MARIADB_LOG=/var/log/mysql/error.log
MARIADB_TLS_MARKER="# cdc: TLS with the test CA (added by scripts/services.sh)"
MARIADB_TLS_DIR=/etc/mysql/cdc-tls

my_client() { if command -v mariadb >/dev/null 2>&1; then echo mariadb; else echo mysql; fi; }
my_admin() { if command -v mariadb-admin >/dev/null 2>&1; then echo mariadb-admin; else echo mysqladmin; fi; }

# --no-defaults: a developer's ~/.my.cnf must not change what we test.
my_tcp() { "$(my_client)" --no-defaults --protocol=tcp -h127.0.0.1 -P3306 -uroot --connect-timeout=3 -N -B -e "$1"; }
# The socket as OS root (unix_socket auth on Debian): works before TCP does.
my_local() { as_root "$(my_client)" -uroot -N -B -e "$1"; }
my_sql() { my_tcp "$1" 2>/dev/null || my_local "$1"; }

my_alive() {
  "$(my_admin)" --no-defaults --protocol=tcp -h127.0.0.1 -P3306 --connect-timeout=2 ping >/dev/null 2>&1 \
    || as_root "$(my_admin)" --connect-timeout=2 ping >/dev/null 2>&1
}

my_start() {
  as_root install -d -o mysql -g mysql /run/mysqld
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null \
    || die "mariadb: start-stop-daemon failed"
  wait_until 60 my_alive || { log_tail "$MARIADB_LOG"; die "mariadb: not answering 60s after start (see $MARIADB_LOG)"; }
}

my_stop() {
  local pid
  pid="$(as_root cat /run/mysqld/mysqld.pid 2>/dev/null || true)"
  as_root "$(my_admin)" -uroot shutdown >/dev/null 2>&1 || my_tcp "shutdown" >/dev/null 2>&1 \
    || die "mariadb: could not ask the server to shut down"
  if [ -n "$pid" ]; then
    wait_until 60 bash -c "! kill -0 $pid 2>/dev/null" || die "mariadb: pid $pid still running 60s after shutdown"
  else
    wait_until 60 bash -c "! $(my_admin) --no-defaults --protocol=tcp -h127.0.0.1 -P3306 ping" || die "mariadb: still answering 60s after shutdown"
  fi
}

# Prints the wrong settings, nothing when all are right.
my_wrong_settings() {
  my_sql "show variables where variable_name in ('log_bin', 'binlog_format', 'binlog_row_image', 'server_id')" |
    awk -F'\t' '
      $1 == "log_bin" && $2 != "ON" { print "log_bin=" $2 }
      $1 == "binlog_format" && $2 != "ROW" { print "binlog_format=" $2 }
      $1 == "binlog_row_image" && $2 != "FULL" { print "binlog_row_image=" $2 }
      $1 == "server_id" && $2 == "0" { print "server_id=0" }'
}

# my_write_block MARKER FILE BODY: writes the marked block once, into the last
# !includedir when my.cnf has one (Debian's stock layout; the last file read
# wins) as FILE, else appended to my.cnf.
my_write_block() {
  local marker="$1" file="$2" body="$3" cnf dir target
  cnf="$(readlink -f "$MARIADB_CNF")"
  [ -f "$cnf" ] || die "mariadb: $MARIADB_CNF not found"
  dir="$(awk '$1 == "!includedir" { d = $2 } END { print d }' "$cnf")"
  if as_root grep -rqsF "$marker" "$cnf" ${dir:+"$dir"}; then
    return 0
  fi
  if [ -n "$dir" ]; then
    target="${dir%/}/$file"
  else
    target="$cnf"
  fi
  printf '%s\n[mysqld]\n%s\n' "$marker" "$body" | as_root tee -a "$target" >/dev/null || die "mariadb: cannot write $target"
  echo "mariadb: added settings to $target"
}

my_write_binlog_block() {
  my_write_block "$MARIADB_MARKER" 99-cdc-binlog.cnf \
    "$(printf 'server_id = 1\nlog_bin = mariadb-bin\nbinlog_format = ROW\nbinlog_row_image = FULL')"
}

my_write_tls_block() {
  my_write_block "$MARIADB_TLS_MARKER" 99-cdc-tls.cnf \
    "$(printf 'ssl_ca = %s/ca.pem\nssl_cert = %s/server.pem\nssl_key = %s/server.key' \
      "$MARIADB_TLS_DIR" "$MARIADB_TLS_DIR" "$MARIADB_TLS_DIR")"
}

# Prints what is wrong with TLS, nothing when the server uses the test CA's certificate.
my_tls_wrong() {
  my_sql "show variables where variable_name in ('have_ssl', 'ssl_cert')" |
    awk -F'\t' -v d="$MARIADB_TLS_DIR" '
      $1 == "have_ssl" && $2 != "YES" { print "have_ssl=" $2 }
      $1 == "ssl_cert" && $2 != d "/server.pem" { print "ssl_cert" }'
}

# Tests connect as root with no password over TCP; Debian's root@localhost uses
# unix_socket only. Touched only when that login fails.
my_ensure_root_tcp() {
  my_tcp "select 1" >/dev/null 2>&1 && return 0
  my_local "
    alter user 'root'@'localhost' identified via unix_socket or mysql_native_password using password('');
    create user if not exists 'root'@'127.0.0.1' identified by '';
    create user if not exists 'root'@'::1' identified by '';
    grant all privileges on *.* to 'root'@'127.0.0.1' with grant option;
    grant all privileges on *.* to 'root'@'::1' with grant option;
    flush privileges;" || die "mariadb: cannot grant root an empty-password TCP login"
  my_tcp "select 1" >/dev/null || die "mariadb: root still cannot log in over 127.0.0.1:3306"
}

ensure_mariadb() {
  local t0 action="running"
  t0="$(now)"
  if [ ! -x /usr/sbin/mariadbd ]; then
    apt_install mariadb-server mariadb-client
    action="installed"
  fi
  if ! my_alive; then
    my_start
    [ "$action" = "installed" ] || action="started"
  fi

  ensure_test_ca
  local wrong tls_wrong tls_changed
  tls_changed="$(tls_copy_for mysql "$MARIADB_TLS_DIR")"
  wrong="$(my_wrong_settings)" || die "mariadb: cannot read SHOW VARIABLES"
  tls_wrong="$(my_tls_wrong)" || die "mariadb: cannot read SHOW VARIABLES"
  if [ -n "$wrong$tls_wrong" ]; then
    [ -z "$wrong" ] || my_write_binlog_block
    [ -z "$tls_wrong" ] || my_write_tls_block
    mariadbd --print-defaults 2>/dev/null | tr '_' '-' | grep -q -- '--binlog-format=ROW' \
      || die "mariadb: binlog settings written but mariadbd --print-defaults does not show them"
    mariadbd --print-defaults 2>/dev/null | tr '_' '-' | grep -qF -- "--ssl-cert=$MARIADB_TLS_DIR/server.pem" \
      || die "mariadb: TLS settings written but mariadbd --print-defaults does not show them"
    my_stop
    my_start
    action="restarted for $(printf '%s\n%s\n' "$wrong" "$tls_wrong" | grep . | paste -sd,)"
    wrong="$(my_wrong_settings)$(my_tls_wrong)"
    [ -z "$wrong" ] || die "mariadb: still wrong after restart: $wrong"
  elif [ -n "$tls_changed" ]; then
    # New certificate files at the same paths: reloaded without a restart.
    my_sql "flush ssl" >/dev/null || die "mariadb: FLUSH SSL failed after the certificates changed"
    action="reloaded its certificates"
  fi

  my_ensure_root_tcp
  echo "mariadb: ok, $action (127.0.0.1:3306, log_bin=ON binlog_format=ROW binlog_row_image=FULL, TLS) $(since "$t0")"
}
