#!/usr/bin/env bash
# Starts on 127.0.0.1 every service the tests need, installing and configuring
# what is missing, and returns 0 only once each one answers. Idempotent: when
# everything is already up and configured it changes nothing. See docs/services.md.
#
#   scripts/services.sh [SERVICE...]           ensure SERVICEs (default: all)
#   scripts/services.sh stop|restart SERVICE   kafka or mongo (the JVMs this script owns)
#
# SERVICE: postgres, mariadb, redis, kafka, mongo, promtool, chromium (tools, not servers).
set -Eeuo pipefail
# set -e alone exits silently; name the command so a CI log says what broke.
trap 'echo "services: unexpected failure (exit $?) at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND" >&2' ERR

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR
. "$here/services/lib.sh"

# One invocation at a time per cache dir: tests restart Kafka while another
# shell may be ensuring it. flock -o keeps the lock out of the daemons we start.
if [ -z "${CDC_SERVICES_LOCKED:-}" ]; then
  mkdir -p "$CDC_CACHE_DIR"
  rc=0
  CDC_SERVICES_LOCKED=1 flock -o -w 600 -E 99 "$CDC_CACHE_DIR/services.lock" bash "$here/services.sh" "$@" || rc=$?
  [ "$rc" -ne 99 ] || die "another scripts/services.sh held $CDC_CACHE_DIR/services.lock for 600s"
  exit "$rc"
fi
unset CDC_SERVICES_LOCKED

. "$here/services/tls.sh"
. "$here/services/postgres.sh"
. "$here/services/mariadb.sh"
. "$here/services/redis.sh"
. "$here/services/kafka/kafka.sh"
. "$here/services/mongo/mongo.sh"
. "$here/services/promtool.sh"
. "$here/services/chromium.sh"

ALL_SERVICES=(postgres mariadb redis kafka mongo promtool chromium)

names=()
add_name() {
  case "$1" in
    postgres | postgresql | pg) names+=(postgres) ;;
    mariadb | mysql) names+=(mariadb) ;;
    redis | kafka | mongo | promtool | chromium) names+=("$1") ;;
    mongodb) names+=(mongo) ;;
    *) die "unknown service '$1'; expected one of: ${ALL_SERVICES[*]}" ;;
  esac
}

action=ensure
case "${1:-}" in
  ensure | stop | restart) action="$1"; shift ;;
  -h | --help) sed -n '2,9p' "$here/services.sh"; exit 0 ;;
esac

for arg in "$@"; do add_name "$arg"; done

if [ "$action" = ensure ]; then
  [ "${#names[@]}" -gt 0 ] || names=("${ALL_SERVICES[@]}")
  for name in "${names[@]}"; do "ensure_$name"; done
  exit 0
fi

[ "${#names[@]}" -gt 0 ] || die "$action needs a service: kafka or mongo"
for name in "${names[@]}"; do
  case "$name" in
    kafka | mongo) ;;
    *) die "$action $name: only kafka and mongo are started by this script; manage $name with its own tools" ;;
  esac
  "stop_$name"
  [ "$action" = stop ] || "ensure_$name"
done
