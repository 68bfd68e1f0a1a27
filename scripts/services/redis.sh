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
  echo "redis: ok, $action (127.0.0.1:6379) $(since "$t0")"
}
