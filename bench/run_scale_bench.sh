#!/usr/bin/env bash
# The scale benchmark (docs/benchmarks.md): Sigil with 10,000 users, 50,000 customer managed
# policies and 20,000 access keys loaded, against an empty data folder, in the same run:
#   1. two data folders, each created by one `sigil server` start; the "big" one is then filled
#      by sigil_populate_store (bench/populate_store.cc);
#   2. start-up time on each (spawn -> "Sigil listening on" line; median of STARTS runs) and the
#      server's resident memory then;
#   3. an IAM user authorized through a group and managed policies (bench/iam_bench.py setup) on
#      each; then the latency of single IAM writes (CreateUser, DeleteUser) and reads (GetUser):
#      every write republishes the identity snapshot;
#   4. the user's presigned GetUser replayed by wrk, interleaved rounds, p50/p99, on the empty
#      folder, on the big one (a server that has served no write since it started) and on a copy
#      of the big one whose server has just served the timed writes.
#
# Usage: bench/run_scale_bench.sh [BUILD_DIR]     (default build/release; needs `sigil` and
#        `sigil_populate_store` built there)
# Settings (environment): ROUNDS=5 DURATION=5 CONNECTIONS=32 THREADS=2 STARTS=3 WRITES=10
#        POPULATE_ARGS="" (extra sigil_populate_store flags, e.g. "--users 5000")
#        PYTHON=python3 (needs botocore); BENCH_OUT=DIR keeps the raw outputs.
# Every loop is bounded; only processes this script started are stopped; loopback only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${1:-$repo/build/release}
rounds=${ROUNDS:-5}
duration=${DURATION:-5}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
starts=${STARTS:-3}
writes=${WRITES:-10}
python=${PYTHON:-python3}
for setting in rounds duration connections threads starts writes; do
  if [[ ! ${!setting} =~ ^[1-9][0-9]*$ ]]; then
    echo "${setting^^} must be a positive whole number" >&2
    exit 2
  fi
done

sigil=$build/src/cli/sigil
populate=$build/bench/sigil_populate_store
for bin in "$sigil" "$populate"; do
  [[ -x $bin ]] || { echo "missing $bin; build: ninja -C $build sigil sigil_populate_store" >&2
    exit 2; }
done
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt" 2>/dev/null ||
  echo "warning: $build is not a Release build; numbers will not be representative" >&2
command -v wrk >/dev/null || { echo "wrk is required (Debian package wrk)" >&2; exit 2; }
"$python" -c 'import botocore' || { echo "$python cannot import botocore" >&2; exit 2; }

work=$(mktemp -d /tmp/sigil-scale-bench.XXXXXX)
out=${BENCH_OUT:-$work/out}
mkdir -p "$out"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && stop_pid "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/bench_lib.sh
source "$here/bench_lib.sh"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. data folders ------------------------------------------------------------------------
for name in empty big; do
  start_sigil "init-$name" "$work/$name" "$threads"
  stop_pid "$sigil_pid"
done
# shellcheck disable=SC2086  # POPULATE_ARGS is a list of flags
"$populate" --data-dir "$work/big" ${POPULATE_ARGS:-} | tee "$out/populate.txt"
echo "big data folder: $(du -sh "$work/big/sigil.db" | cut -f1) database"

# ---- 2. start-up time -----------------------------------------------------------------------
for name in empty big; do
  result=$("$python" "$here/iam_bench.py" startup-time --sigil "$sigil" --data-dir "$work/$name" \
    --runs "$starts" --threads "$threads")
  echo "$result" >"$out/startup-$name.json"
  echo "start-up ($name): $result"
done

# ---- 3. an IAM user on each; IAM writes -----------------------------------------------------
# Three servers: "empty"; "big", restarted after the set-up so that it has served no write; and
# "big-written", on a copy of the same folder, which serves the timed writes first. Every write
# rebuilds the whole snapshot, which churns the heap: the two show what that does to requests.
query='Action=GetUser&Version=2010-05-08&UserName=bench-user'
declare -A server_pid server_url
for name in empty big; do
  start_sigil "$name" "$work/$name" "$threads"
  server_pid[$name]=$sigil_pid
  server_url[$name]=$sigil_url
  "$python" "$here/iam_bench.py" setup --endpoint "$sigil_url" \
    --credentials "$work/$name/root-credentials" --out-credentials "$work/$name-user-credentials"
done
stop_pid "${server_pid[big]}"
cp -a "$work/big" "$work/big-written"
cp -a "$work/big-user-credentials" "$work/big-written-user-credentials"
for name in big big-written; do
  start_sigil "$name" "$work/$name" "$threads"
  server_pid[$name]=$sigil_pid
  server_url[$name]=$sigil_url
done
for name in empty big-written; do
  result=$("$python" "$here/iam_bench.py" write-latency --endpoint "${server_url[$name]}" \
    --credentials "$work/$name/root-credentials" --count "$writes")
  echo "$result" >"$out/writes-$name.json"
  echo "writes ($name): $result"
done

# ---- 4. request latency of the IAM user -----------------------------------------------------
specs=()
for name in empty big big-written; do
  presigned=$("$python" "$here/sign_request.py" presign --endpoint "${server_url[$name]}" \
    --credentials "$work/$name-user-credentials" --service iam --query "$query" \
    --expect '<GetUserResult>' --check-tampered)
  specs+=("user-$name=$presigned@${server_pid[$name]}")
done
for spec in "${specs[@]}"; do
  u=${spec#*=}
  wrk_measure "${u%@*}" 2 "${u##*@}" "$out/warmup.txt" >/dev/null
done
echo "settings: $rounds rounds x ${duration}s, $connections connections, sigil --threads $threads"
interleaved_rounds "$out/results.tsv" "$rounds" "$duration" "${specs[@]}"
summarize "$out/results.tsv" "$out/table.md" user-empty
for name in empty big big-written; do
  echo "resident memory ($name): $(awk '/^VmRSS:/ {printf "%.0f MiB", $2 / 1024}' \
    "/proc/${server_pid[$name]}/status")"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -n ${BENCH_OUT:-} ]]; then echo "raw outputs in $out"; fi
