#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, built from Debian's postgresql package.
#
#   pg-test-cluster.sh start DIR [--watch PID]   prints a libpq connection string on stdout
#   pg-test-cluster.sh stop DIR                  stops the cluster and removes DIR
#
# The cluster lives in DIR (created if missing; keep its path short, the socket is in it),
# listens only on a unix socket there, trusts local connections as the superuser "postgres",
# runs with fsync on, and sorts text by ICU's en-US collation by default, so tests catch any
# ORDER BY that forgot COLLATE "C". PostgreSQL refuses to run as root: as root, the server runs
# as $SIGIL_PG_USER (default: the "postgres" user Debian's package creates, else "nobody"),
# which then owns DIR. With --watch PID, a detached watcher stops the cluster and removes DIR
# once process PID is gone, so a crashed test leaves nothing running. $SIGIL_PG_BINDIR overrides
# where initdb and pg_ctl are found (default: the newest /usr/lib/postgresql/*/bin).
set -euo pipefail

usage() {
  echo "usage: $0 start DIR [--watch PID] | stop DIR" >&2
  exit 2
}
die() {
  echo "pg-test-cluster: $*" >&2
  exit 1
}

[ $# -ge 2 ] || usage
self=$(readlink -f "$0")
command=$1
dir=$2
shift 2
watch_pid=""
if [ "${1:-}" = "--watch" ]; then
  [ $# -eq 2 ] || usage
  watch_pid=$2
  shift 2
fi
[ $# -eq 0 ] || usage
case "$dir" in
  /*) ;;
  *) dir="$PWD/$dir" ;;
esac

bindir=${SIGIL_PG_BINDIR:-}
if [ -z "$bindir" ]; then
  bindir=$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n 1 || true)
fi

# Runs a command as the user the server runs as.
as_server=()
server_user=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  server_user=${SIGIL_PG_USER:-postgres}
  id -u "$server_user" >/dev/null 2>&1 || server_user=nobody
  as_server=(runuser -u "$server_user" --)
fi

# Commands run from / so that the server user never needs the caller's working directory.
cd /

stop() {
  [ -e "$dir" ] || return 0
  # Only ever removes a directory holding nothing but what start puts there.
  if [ -n "$(find "$dir" -mindepth 1 -maxdepth 1 ! -name data ! -name initdb.log \
    ! -name server.log ! -name '.s.PGSQL.5432*')" ]; then
    die "$dir does not hold a test cluster; not removing it"
  fi
  if [ -f "$dir/data/postmaster.pid" ]; then
    # Immediate: nothing in a throwaway cluster is worth a shutdown checkpoint.
    "${as_server[@]}" "$bindir/pg_ctl" stop -D "$dir/data" -m immediate -s -w >&2 ||
      kill -QUIT "$(head -n 1 "$dir/data/postmaster.pid")" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

start() {
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
    die "PostgreSQL server binaries not found (install Debian's postgresql package:" \
      "scripts/install-deps.sh --test)"
  fi
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  [ "${#dir}" -le 80 ] || die "$dir is too long for a unix socket path"
  chmod 700 "$dir"
  [ "$(id -u)" -ne 0 ] || chown "$server_user" "$dir"

  # --no-sync: the files initdb writes need no flush, the cluster dies with the test run.
  # The server itself keeps fsync on, as in production.
  if ! "${as_server[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US --no-sync --no-instructions \
    >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  fi
  cat >>"$dir/data/postgresql.conf" <<EOF
# pg-test-cluster.sh
listen_addresses = ''
unix_socket_directories = '$dir'
port = 5432
fsync = on
max_connections = 50
shared_buffers = 32MB
EOF
  if ! "${as_server[@]}" "$bindir/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -s >&2; then
    cat "$dir/server.log" >&2 || true
    die "the server did not start"
  fi

  if [ -n "$watch_pid" ]; then
    # Detached, with no inherited descriptors, so the caller's pipe closes when we exit.
    # shellcheck disable=SC2016 # expanded by the inner shell
    setsid bash -c '
      while kill -0 "$1" 2>/dev/null && [ -d "$2/data" ]; do sleep 0.5; done
      [ -d "$2/data" ] && exec "$0" stop "$2"
    ' "$self" "$watch_pid" "$dir" </dev/null >/dev/null 2>&1 &
  fi
  echo "host=$dir port=5432 user=postgres dbname=postgres"
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
