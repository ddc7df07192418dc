#!/usr/bin/env bash
# ctest smoke for the benchmark's load generator: starts `sigil server` on a free loopback port
# with a temporary data directory, runs sigil_sign_load for one second (every request signed
# afresh) and passes only if some requests completed and none failed.
# Usage: sign_load_smoke.sh SIGIL_BIN SIGN_LOAD_BIN
set -euo pipefail
sigil=$1
sign_load=$2
tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$sigil" server --data-dir "$tmp/data" --listen 127.0.0.1:0 --no-access-log \
  >"$tmp/stdout" 2>"$tmp/stderr" &
server_pid=$!
port=
for _ in $(seq 100); do
  port=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$tmp/stdout" | head -n1 | sed 's/.*://' || true)
  [[ -n $port ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $port ]]; then
  echo "sigil server did not start:" >&2
  cat "$tmp/stdout" "$tmp/stderr" >&2
  exit 1
fi

# sigil_sign_load exits non-zero on any error or when nothing completed.
"$sign_load" --port "$port" --credentials "$tmp/data/root-credentials" -c 4 -d 1 --warmup 0.2
