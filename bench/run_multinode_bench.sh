#!/usr/bin/env bash
# The multi-node benchmark (docs/benchmarks.md, docs/operations.md): requests per second with one
# and two `sigil server` nodes on one PostgreSQL database, against one node on SQLite, all on
# this machine, in the same run, interleaved rounds; then how fast a change made through one node
# is enforced by the other.
#
# Set-up: a throwaway PostgreSQL cluster (scripts/pg-test-cluster.sh); node A and node B on it,
# each with its own data folder, sharing the master key (SIGIL_MASTER_KEY) and the session token
# key file; a third node on SQLite. On A (and on the SQLite node) an IAM user authorized through
# a group with 3 customer managed policies of 10 statements and an AWS managed policy
# (bench/iam_bench.py setup), so the IAM workload is a real, enforced policy decision.
#
# Workloads x targets (each round runs every pair once, in a rotating order):
#   gci      STS GetCallerIdentity as root, every request signed afresh (bench/sigil_sign_load)
#   getuser  IAM GetUser as the IAM user, one presigned URL replayed by wrk (policy evaluation)
#   sqlite-1 the SQLite node; pg-1 node A alone; pg-2 nodes A and B at once; pg-1-wide one node
#   on PostgreSQL with twice THREADS (as many server threads as pg-2 has). Every target is
#   driven by two load generators with half the connections each (both at the one node, or one
#   per node), so the client side is the same everywhere; req/s is their sum, latency the worse.
# Then `multinode_bench.py propagation`: create on A -> accepted by B, deactivate on B -> refused
# by A, PROPAGATION_SAMPLES times.
#
# Usage: bench/run_multinode_bench.sh [BUILD_DIR]  (default build/release; needs `sigil` and
#        `sigil_sign_load` built there, Release or RelWithDebInfo)
# Settings (environment): ROUNDS=5 DURATION=10 CONNECTIONS=32 THREADS=2 (per node) WARMUP=2
#        PROPAGATION_SAMPLES=10 PYTHON=python3 (needs botocore) BENCH_OUT=DIR keeps raw outputs.
# Loopback only; every loop is bounded; only processes this script started are stopped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${1:-$repo/build/release}
rounds=${ROUNDS:-5}
duration=${DURATION:-10}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
warmup=${WARMUP:-2}
samples=${PROPAGATION_SAMPLES:-10}
python=${PYTHON:-python3}
for setting in rounds duration connections threads warmup samples; do
  if [[ ! ${!setting} =~ ^[1-9][0-9]*$ ]]; then
    echo "${setting^^} must be a positive whole number" >&2
    exit 2
  fi
done
((connections >= 2)) || { echo "CONNECTIONS must be at least 2 (split over two nodes)" >&2; exit 2; }

sigil=$build/src/cli/sigil
sign_load=$build/bench/sigil_sign_load
for bin in "$sigil" "$sign_load"; do
  [[ -x $bin ]] || { echo "missing $bin; build: ninja -C $build sigil sigil_sign_load" >&2
    exit 2; }
done
grep -qE '^CMAKE_BUILD_TYPE:STRING=(Release|RelWithDebInfo)$' "$build/CMakeCache.txt" \
  2>/dev/null || echo "warning: $build is not an optimized build; numbers will not be representative" >&2
command -v wrk >/dev/null || { echo "wrk is required (Debian package wrk)" >&2; exit 2; }
"$python" -c 'import botocore' || { echo "$python cannot import botocore" >&2; exit 2; }

work=$(mktemp -d /tmp/sigil-mn-bench.XXXXXX)
out=${BENCH_OUT:-$work/out}
mkdir -p "$out"
# Its own short folder directly under /tmp: the server may run as another user (as root, as
# "postgres"), which must reach the socket in it.
pg_dir=$(mktemp -d /tmp/sigil-pg-XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && stop_pid "$pid"; done
  "$repo/scripts/pg-test-cluster.sh" stop "$pg_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/bench_lib.sh
source "$here/bench_lib.sh"


echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- PostgreSQL and the nodes ---------------------------------------------------------------
conninfo=$("$repo/scripts/pg-test-cluster.sh" start "$pg_dir" --watch $$)
echo "postgresql: $("$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)/postgres" \
  --version) (throwaway cluster, fsync on, unix socket)"
SIGIL_MASTER_KEY=$("$python" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
export SIGIL_MASTER_KEY
keys=$work/session-token.keys
declare -A pid_of url_of port_of
start_sigil sqlite "$work/sqlite" "$threads" --session-keys-file "$keys"
pid_of[sqlite]=$sigil_pid url_of[sqlite]=$sigil_url port_of[sqlite]=$sigil_port
start_sigil a "$work/a" "$threads" --database "$conninfo" --session-keys-file "$keys"
pid_of[a]=$sigil_pid url_of[a]=$sigil_url port_of[a]=$sigil_port
start_sigil b "$work/b" "$threads" --database "$conninfo" --session-keys-file "$keys"
pid_of[b]=$sigil_pid url_of[b]=$sigil_url port_of[b]=$sigil_port
start_sigil wide "$work/wide" $((threads * 2)) --database "$conninfo" --session-keys-file "$keys"
pid_of[wide]=$sigil_pid url_of[wide]=$sigil_url port_of[wide]=$sigil_port
unset SIGIL_MASTER_KEY
for node in b wide; do
  grep -q 'written by the node that created the account' "$work/$node.stdout" ||
    { echo "node $node did not join node A's account:" >&2; cat "$work/$node.stdout" >&2; exit 1; }
done
root_sqlite=$work/sqlite/root-credentials
root_pg=$work/a/root-credentials  # B serves the same account

for node in sqlite a; do
  "$python" "$here/iam_bench.py" setup --endpoint "${url_of[$node]}" \
    --credentials "$work/$node/root-credentials" --out-credentials "$work/$node-user-credentials"
done
sleep 2  # the other nodes learn of A's user within a second
query='Action=GetUser&Version=2010-05-08&UserName=bench-user'
declare -A presigned
for node in sqlite a b wide; do
  creds=$work/$([[ $node == sqlite ]] && echo sqlite || echo a)-user-credentials
  presigned[$node]=$("$python" "$here/sign_request.py" presign --endpoint "${url_of[$node]}" \
    --credentials "$creds" --service iam --query "$query" --expect '<GetUserResult>' \
    --check-tampered)
done

# ---- measuring ------------------------------------------------------------------------------
# load WORKLOAD NODE CONNECTIONS SECONDS RAW: one load generator against one node, in the
# background; sets load_pid.
load() {
  local workload=$1 node=$2 conns=$3 secs=$4 raw=$5 creds=$root_pg
  [[ $node == sqlite ]] && creds=$root_sqlite
  if [[ $workload == gci ]]; then
    "$sign_load" --port "${port_of[$node]}" --credentials "$creds" -c "$conns" -d "$secs" \
      --warmup 0 >"$raw" 2>&1 &
  else
    wrk -t1 -c"$conns" -d"${secs}s" --latency "${presigned[$node]}" >"$raw" 2>&1 &
  fi
  load_pid=$!
}

# parse WORKLOAD RAW -> "requests p50_ms p99_ms errors"
parse() {
  local workload=$1 raw=$2
  if [[ $workload == gci ]]; then
    grep -q ' requests=' "$raw" || { echo "sigil_sign_load failed:" >&2; cat "$raw" >&2; exit 1; }
    echo "$(grep -oE ' requests=[0-9]+' "$raw" | cut -d= -f2)" \
      "$(grep -oE 'p50_ms=[0-9.]+' "$raw" | cut -d= -f2)" \
      "$(grep -oE 'p99_ms=[0-9.]+' "$raw" | cut -d= -f2)" \
      "$(grep -oE ' errors=[0-9]+' "$raw" | cut -d= -f2)"
  else
    grep -q '^Requests/sec:' "$raw" || { echo "wrk failed:" >&2; cat "$raw" >&2; exit 1; }
    echo "$(awk '/requests in/ {print $1}' "$raw")" \
      "$(to_ms "$(awk '$1 == "50%" {print $2}' "$raw")")" \
      "$(to_ms "$(awk '$1 == "99%" {print $2}' "$raw")")" \
      "$(awk '/Non-2xx or 3xx responses:/ {n += $NF}
              /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10}
              END {print n + 0}' "$raw")"
  fi
}

# measure WORKLOAD TARGET SECONDS TAG -> "rps p50_ms p99_ms errors cpu_us_per_req"
measure() {
  local workload=$1 target=$2 secs=$3 tag=$4 nodes=() node cpu0=0 cpu1=0 load_pids=() i
  # Always two load generators with half the connections each, so that every target gets the
  # same client capacity: both on the one node, or one per node.
  case $target in
    sqlite-1) nodes=(sqlite sqlite) ;;
    pg-1) nodes=(a a) ;;
    pg-2) nodes=(a b) ;;
    pg-1-wide) nodes=(wide wide) ;;
  esac
  local share=$((connections / 2)) servers
  servers=$(printf '%s\n' "${nodes[@]}" | sort -u)
  for node in $servers; do cpu0=$((cpu0 + $(cpu_ticks "${pid_of[$node]}"))); done
  for i in 0 1; do
    load "$workload" "${nodes[$i]}" "$share" "$secs" "$out/$workload.$target.$i.$tag.txt"
    load_pids+=("$load_pid")
  done
  for i in "${load_pids[@]}"; do wait "$i" || true; done
  for node in $servers; do cpu1=$((cpu1 + $(cpu_ticks "${pid_of[$node]}"))); done
  local requests=0 p50=0 p99=0 errors=0 r q50 q99 e
  for i in 0 1; do
    read -r r q50 q99 e <<<"$(parse "$workload" "$out/$workload.$target.$i.$tag.txt")"
    requests=$((requests + r))
    errors=$((errors + e))
    p50=$(awk -v a="$p50" -v b="$q50" 'BEGIN { print (b > a) ? b : a }')
    p99=$(awk -v a="$p99" -v b="$q99" 'BEGIN { print (b > a) ? b : a }')
  done
  awk -v n="$requests" -v s="$secs" -v p50="$p50" -v p99="$p99" -v e="$errors" \
    -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.1f %.3f %.3f %d %s\n", n / s, p50, p99, e,
             (n > 0) ? sprintf("%.1f", t / hz / n * 1e6) : "nan" }'
}

pairs=()
for workload in gci getuser; do
  for target in sqlite-1 pg-1 pg-2 pg-1-wide; do pairs+=("$workload/$target"); done
done
echo "settings: $rounds rounds x ${duration}s, 2 load generators x $((connections / 2))" \
  "connections, sigil --threads $threads per node ($((threads * 2)) for pg-1-wide), warm-up" \
  "${warmup}s per pair"
for pair in "${pairs[@]}"; do measure "${pair%/*}" "${pair#*/}" "$warmup" warmup >/dev/null; done

results=$out/results.tsv
printf 'target\tround\trps\tp50_ms\tp99_ms\terrors\tcpu_us\n' >"$results"
n=${#pairs[@]}
for ((round = 1; round <= rounds; round++)); do
  for ((i = 0; i < n; i++)); do
    pair=${pairs[$(((i + round - 1) % n))]}
    read -r rps p50 p99 errors cpu <<<"$(measure "${pair%/*}" "${pair#*/}" "$duration" "$round")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$pair" "$round" "$rps" "$p50" "$p99" "$errors" \
      "$cpu" >>"$results"
    printf 'round %d %-18s %10s req/s  p50 %7s ms  p99 %7s ms  errors %s  server CPU %s us/req\n' \
      "$round" "$pair" "$rps" "$p50" "$p99" "$errors" "$cpu"
  done
done
# One table per workload, each relative to its SQLite node.
for workload in gci getuser; do
  awk -F'\t' -v w="$workload/" 'NR == 1 || index($1, w) == 1' "$results" >"$out/results-$workload.tsv"
  echo "workload $workload:"
  summarize "$out/results-$workload.tsv" "$out/table-$workload.md" "$workload/sqlite-1"
done

# ---- propagation ----------------------------------------------------------------------------
propagation=$("$python" "$here/multinode_bench.py" propagation --a "${url_of[a]}" \
  --b "${url_of[b]}" --credentials "$root_pg" --samples "$samples")
echo "$propagation" >"$out/propagation.json"
echo "propagation: $propagation"
for node in sqlite a b wide; do
  echo "resident memory ($node): $(awk '/^VmRSS:/ {printf "%.0f MiB", $2 / 1024}' \
    "/proc/${pid_of[$node]}/status")"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -n ${BENCH_OUT:-} ]]; then echo "raw outputs in $out"; fi
