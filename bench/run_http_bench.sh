#!/usr/bin/env bash
# The foundation HTTP benchmark (docs/benchmarks.md): authenticated STS GetCallerIdentity on
# Sigil against nginx serving a small static file (the HTTP ceiling) and moto_server (the common
# peer, when installed), all on loopback, same load settings, same run, interleaved rounds.
#
# Targets (each round runs every target once, in a rotating order):
#   sigil-presigned  wrk replays one presigned GET URL (SigV4 query auth, botocore-signed); Sigil
#                    verifies the signature on every request.
#   sigil-fresh      sigil_sign_load: a POST with an Authorization header signed afresh for every
#                    request with Sigil's own SigV4 functions.
#   nginx            wrk fetching a static file holding Sigil's own GetCallerIdentity response
#                    body (same size), nginx with as many workers as Sigil has threads.
#   moto             wrk replays one signed POST (moto does not verify signatures).
#   sigil-post       (optional, add to TARGETS) wrk replays the same kind of signed POST as moto.
#
# Usage: bench/run_http_bench.sh [BUILD_DIR]      (default: build/release; needs the targets
#        `sigil` and `sigil_sign_load` built there in Release mode)
# Settings (environment): ROUNDS=5 DURATION=10 (seconds) CONNECTIONS=32 THREADS=2 WARMUP=2
#        TARGETS="sigil-presigned sigil-fresh sigil-post nginx moto" PYTHON=python3 (needs botocore)
#        SERVER_CPUS= CLIENT_CPUS= (taskset CPU lists, e.g. SERVER_CPUS=1 CLIENT_CPUS=0 THREADS=1
#        to give server and load generator a core each; default: unpinned)
#        BENCH_OUT=DIR keeps the raw outputs and the table there (default: a temp dir, removed).
# Loopback only; every loop is bounded; only processes this script started are stopped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
# shellcheck source=bench/bench_lib.sh
source "$here/bench_lib.sh"  # cpu_ticks, nginx_config
build=${1:-$repo/build/release}
rounds=${ROUNDS:-5}
duration=${DURATION:-10}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
warmup=${WARMUP:-2}
targets=${TARGETS:-sigil-presigned sigil-fresh sigil-post nginx moto}
python=${PYTHON:-python3}
server_cpus=${SERVER_CPUS:-}
client_cpus=${CLIENT_CPUS:-}
server_pin=()
client_pin=()
[[ -n $server_cpus ]] && server_pin=(taskset -c "$server_cpus")
[[ -n $client_cpus ]] && client_pin=(taskset -c "$client_cpus")

for setting in rounds duration connections threads warmup; do
  if [[ ! ${!setting} =~ ^[1-9][0-9]*$ ]]; then
    echo "${setting^^} must be a positive whole number (wrk takes whole seconds)" >&2
    exit 2
  fi
done

sigil=$build/src/cli/sigil
sign_load=$build/bench/sigil_sign_load
for bin in "$sigil" "$sign_load"; do
  if [[ ! -x $bin ]]; then
    echo "missing $bin; build it first:" >&2
    echo "  cmake -S $repo -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release &&" \
      "ninja -C $build sigil sigil_sign_load" >&2
    exit 2
  fi
done
if ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "warning: $build is not a Release build; numbers will not be representative" >&2
fi
command -v wrk >/dev/null || { echo "wrk is required (Debian package wrk)" >&2; exit 2; }
command -v nginx >/dev/null || { echo "nginx is required (Debian nginx-light)" >&2; exit 2; }
"$python" -c 'import botocore' || { echo "$python cannot import botocore" >&2; exit 2; }
have_moto=0
command -v moto_server >/dev/null && have_moto=1

work=$(mktemp -d /tmp/sigil-bench.XXXXXX)
chmod 755 "$work"  # nginx workers run as nobody and must reach www/
out=${BENCH_OUT:-$work/out}
mkdir -p "$out"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_for_http URL: bounded wait (10 s) until URL answers at all.
wait_for_http() {
  local i
  for i in $(seq 100); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2
  return 1
}

# ---- Sigil ----------------------------------------------------------------------------------
"${server_pin[@]}" "$sigil" server --data-dir "$work/sigil-data" --listen 127.0.0.1:0 \
  --threads "$threads" --no-access-log >"$work/sigil.stdout" 2>"$work/sigil.stderr" &
sigil_pid=$!
pids+=("$sigil_pid")
sigil_port=
for _ in $(seq 100); do
  sigil_port=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/sigil.stdout" | head -n1 |
    sed 's/.*://' || true)
  [[ -n $sigil_port ]] && break
  sleep 0.1
done
[[ -n $sigil_port ]] || { cat "$work/sigil.stdout" "$work/sigil.stderr" >&2; exit 1; }
sigil_url=http://127.0.0.1:$sigil_port
creds=$work/sigil-data/root-credentials

# The presigned URL must answer 200 with the identity, and a tampered one 403: otherwise this
# would measure error responses, or a server that does not check signatures.
presigned=$("$python" "$here/sign_request.py" presign --endpoint "$sigil_url" \
  --credentials "$creds" --check-tampered)
"$python" "$here/sign_request.py" post-lua --endpoint "$sigil_url" --credentials "$creds" \
  --lua "$work/sigil-post.lua" --check-tampered

# ---- nginx: Sigil's own response body as the static file, workers = Sigil's threads ----------
nginx_port=$(free_port)
nginx_config "$work/nginx" "$nginx_port" "$threads"
curl -sf "$presigned" -o "$work/nginx/www/identity.xml"
chmod 644 "$work/nginx/www/identity.xml"
"${server_pin[@]}" nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
nginx_pid=$!
pids+=("$nginx_pid")
nginx_url=http://127.0.0.1:$nginx_port/identity.xml
wait_for_http "$nginx_url"
cmp -s <(curl -sf "$nginx_url") "$work/nginx/www/identity.xml" ||
  { echo "nginx does not serve the static file" >&2; exit 1; }

# ---- moto (optional) ------------------------------------------------------------------------
moto_pid=
if [[ $have_moto == 1 && " $targets " == *" moto "* ]]; then
  moto_port=$(free_port)
  "${server_pin[@]}" moto_server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
  moto_pid=$!
  pids+=("$moto_pid")
  wait_for_http "http://127.0.0.1:$moto_port/"
  "$python" "$here/sign_request.py" post-lua --endpoint "http://127.0.0.1:$moto_port" \
    --dummy-credentials --lua "$work/moto-post.lua" --check
else
  targets=${targets//moto/}
  [[ $have_moto == 1 ]] || echo "moto_server not installed: skipping moto" >&2
fi

# ---- measuring ------------------------------------------------------------------------------
to_ms() {  # wrk latency ("812.00us", "1.23ms", "1.02s") in milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else { sub(/s$/, "", v); printf "%.3f", v * 1000 } }'
}

# run_target NAME SECONDS -> prints "rps p50_ms p99_ms errors"; raw output kept in $out.
run_target() {
  local name=$1 secs=$2 raw=$out/$1.$3.txt pid
  case $name in
    sigil-presigned | sigil-fresh | sigil-post) pid=$sigil_pid ;;
    nginx) pid=$nginx_pid ;;
    moto) pid=$moto_pid ;;
  esac
  local cpu0 cpu1
  cpu0=$(cpu_ticks "$pid")
  case $name in
    sigil-presigned)
      "${client_pin[@]}" wrk -t1 -c"$connections" -d"${secs}s" --latency "$presigned" >"$raw" ;;
    sigil-post)
      "${client_pin[@]}" wrk -t1 -c"$connections" -d"${secs}s" --latency \
        -s "$work/sigil-post.lua" "$sigil_url/" >"$raw" ;;
    nginx)
      "${client_pin[@]}" wrk -t1 -c"$connections" -d"${secs}s" --latency "$nginx_url" >"$raw" ;;
    moto)
      "${client_pin[@]}" wrk -t1 -c"$connections" -d"${secs}s" --latency \
        -s "$work/moto-post.lua" "http://127.0.0.1:$moto_port/" >"$raw" ;;
    sigil-fresh)
      "${client_pin[@]}" "$sign_load" --port "$sigil_port" --credentials "$creds" \
        -c "$connections" -d "$secs" --warmup 0 >"$raw" || true ;;
  esac
  cpu1=$(cpu_ticks "$pid")
  local rps p50 p99 errors
  if [[ $name == sigil-fresh ]]; then
    grep -q ' requests=' "$raw" || { echo "sigil_sign_load failed:" >&2; cat "$raw" >&2; exit 1; }
    rps=$(grep -oE 'rps=[0-9.]+' "$raw" | cut -d= -f2)
    p50=$(grep -oE 'p50_ms=[0-9.]+' "$raw" | cut -d= -f2)
    p99=$(grep -oE 'p99_ms=[0-9.]+' "$raw" | cut -d= -f2)
    errors=$(grep -oE ' errors=[0-9]+' "$raw" | cut -d= -f2)
  else
    grep -q '^Requests/sec:' "$raw" || { echo "wrk failed:" >&2; cat "$raw" >&2; exit 1; }
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$raw")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$raw")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$raw")")
    errors=$(awk '/Non-2xx or 3xx responses:/ {n += $NF}
                  /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10}
                  END {print n + 0}' "$raw")
  fi
  # Server CPU per request, in microseconds (clock ticks -> seconds via getconf CLK_TCK).
  local cpu_us
  cpu_us=$(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v r="$rps" -v s="$secs" \
    'BEGIN { if (r > 0) printf "%.1f", t / hz / (r * s) * 1e6; else print "nan" }')
  echo "${rps:-0} ${p50:-nan} ${p99:-nan} ${errors:-nan} $cpu_us"
}

read -r -a target_list <<<"$targets"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "settings: $rounds rounds x ${duration}s, $connections connections, sigil --threads" \
  "$threads, nginx worker_processes $threads, wrk -t1, targets: ${target_list[*]}"
echo "pinning: server CPUs ${server_cpus:-any}, client CPUs ${client_cpus:-any}"
echo "warm-up: ${warmup}s per target"
for t in "${target_list[@]}"; do run_target "$t" "$warmup" warmup >/dev/null; done

results=$out/results.tsv
printf 'target\tround\trps\tp50_ms\tp99_ms\terrors\tserver_cpu_us_per_req\n' >"$results"
n=${#target_list[@]}
for ((round = 1; round <= rounds; round++)); do
  for ((i = 0; i < n; i++)); do
    t=${target_list[$(((i + round - 1) % n))]}
    read -r rps p50 p99 errors cpu <<<"$(run_target "$t" "$duration" "$round")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$round" "$rps" "$p50" "$p99" "$errors" "$cpu" \
      >>"$results"
    printf 'round %d %-16s %10s req/s  p50 %7s ms  p99 %7s ms  errors %s  server CPU %s us/req\n' \
      "$round" "$t" "$rps" "$p50" "$p99" "$errors" "$cpu"
  done
done

"$python" - "$results" "$out/table.md" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
by = {}
for r in rows:
    by.setdefault(r["target"], []).append(r)
def med(rs, k):
    vals = [float(r[k]) for r in rs if r[k] not in ("", "nan")]
    return statistics.median(vals) if vals else float("nan")
def ratio(x):
    return f"{x:.2f}" if x >= 0.1 else f"{x:.4f}"
nginx_rps = med(by["nginx"], "rps") if "nginx" in by else float("nan")
nginx_by_round = {r["round"]: float(r["rps"]) for r in by.get("nginx", [])}
lines = ["| target | req/s (median) | p50 ms | p99 ms | errors (all rounds) | server CPU us/req "
         "| req/s vs nginx (ratio of medians) | (median of per-round ratios) |",
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
for t, rs in by.items():
    rps = med(rs, "rps")
    errors = sum(int(float(r["errors"])) for r in rs if r["errors"] not in ("", "nan"))
    paired = [float(r["rps"]) / nginx_by_round[r["round"]] for r in rs
              if nginx_by_round.get(r["round"])]
    paired_ratio = statistics.median(paired) if paired else float("nan")
    lines.append(f"| {t} | {rps:,.0f} | {med(rs, 'p50_ms'):.3f} | {med(rs, 'p99_ms'):.3f} | "
                 f"{errors} | {med(rs, 'server_cpu_us_per_req'):.1f} | {ratio(rps / nginx_rps)} | "
                 f"{ratio(paired_ratio)} |")
table = "\n".join(lines)
print(table)
open(sys.argv[2], "w").write(table + "\n")
EOF
if [[ -n ${BENCH_OUT:-} ]]; then echo "raw outputs and table in $out"; fi
