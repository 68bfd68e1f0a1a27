# Redis 7 from Debian's packages on 127.0.0.1:6379, nothing kept on disk. The
# start command is the machine's own boot command, so a restarted machine and
# this script leave Redis in the same state.

redis_alive() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

ensure_redis() {
  local t0 action="running"
  t0="$(now)"
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server redis-tools
    action="installed"
  fi
  if ! redis_alive; then
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null \
      || die "redis: redis-server failed to start (see /var/log/redis/ci.log)"
    wait_until 20 redis_alive || { log_tail /var/log/redis/ci.log; die "redis: no PONG 20s after start"; }
    [ "$action" = "installed" ] || action="started"
  fi
  ensure_redis_secure
  echo "redis: ok, $action (127.0.0.1:6379; with a password 6380, TLS 6381) $(since "$t0")"
}

# A second Redis on 127.0.0.1:6380 (plain) and 6381 (TLS, certificate from the
# test CA) that needs a password, for the AUTH/ACL and TLS tests; the shared one
# on 6379 stays open for everyone else. The default user and an ACL user "cdc"
# share one random password, $CDC_CACHE_DIR/redis-secure/password, made once.
# Its config file (0600) keeps the password off the command line.
REDIS_SECURE_DIR="$CDC_CACHE_DIR/redis-secure"

redis_secure_alive() {
  local pw
  pw="$(cat "$REDIS_SECURE_DIR/password" 2>/dev/null)" || return 1
  [ "$(REDISCLI_AUTH="$pw" redis-cli -h 127.0.0.1 -p 6380 --user cdc ping 2>/dev/null)" = "PONG" ] \
    && [ "$(REDISCLI_AUTH="$pw" redis-cli -h 127.0.0.1 -p 6381 --tls --cacert "$TLS_DIR/ca.pem" --user cdc ping 2>/dev/null)" = "PONG" ]
}

ensure_redis_secure() {
  ensure_test_ca
  mkdir -p "$REDIS_SECURE_DIR"
  chmod 700 "$REDIS_SECURE_DIR"
  if [ ! -s "$REDIS_SECURE_DIR/password" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' 'xy' >"$REDIS_SECURE_DIR/password")
  fi
  redis_secure_alive && return 0
  if port_open 6380; then
    # Ours from an earlier run with other credentials or certificates: replace it.
    local pid
    pid="$(cat "$REDIS_SECURE_DIR/redis.pid" 2>/dev/null)" || die "redis: 127.0.0.1:6380 is taken by a Redis this script did not start"
    kill "$pid" 2>/dev/null || true
    wait_until 10 bash -c "! kill -0 $pid 2>/dev/null" || die "redis: pid $pid on 6380 did not stop"
  fi
  local pw
  pw="$(cat "$REDIS_SECURE_DIR/password")"
  (umask 077 && cat >"$REDIS_SECURE_DIR/redis.conf" <<CONF
bind 127.0.0.1
port 6380
tls-port 6381
tls-cert-file $TLS_DIR/server.pem
tls-key-file $TLS_DIR/server.key
tls-ca-cert-file $TLS_DIR/ca.pem
tls-auth-clients optional
requirepass $pw
user cdc on >$pw ~* &* +@all
save ""
appendonly no
daemonize yes
dir $REDIS_SECURE_DIR
pidfile $REDIS_SECURE_DIR/redis.pid
logfile $REDIS_SECURE_DIR/redis.log
CONF
  )
  redis-server "$REDIS_SECURE_DIR/redis.conf" >/dev/null || die "redis: the password-protected redis-server failed to start (see $REDIS_SECURE_DIR/redis.log)"
  wait_until 20 redis_secure_alive || { log_tail "$REDIS_SECURE_DIR/redis.log"; die "redis: no PONG from 6380/6381 20s after start"; }
  echo "redis: started a password-protected Redis on 127.0.0.1:6380 (TLS on 6381)"
}
