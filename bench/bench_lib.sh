# shellcheck shell=bash disable=SC2154,SC2034  # globals set and read by the sourcing script
# Shared by the bench/run_*_bench.sh scripts (sourced, not run): starting
# `sigil server` on a data folder, one measured wrk run with the server's CPU time, the table
# of medians, and the nginx configuration of the static-file reference. The caller sets `work` (a temp dir), `out` (raw outputs), `pids` (an array of the
# processes it started; its EXIT trap stops them), `python` and `connections`.

# Total CPU ticks (user + system) of a process and its direct children, from /proc.
cpu_ticks() {
  local total=0 p fields
  for p in "$1" $(ps --ppid "$1" -o pid= 2>/dev/null); do
    [[ -r /proc/$p/stat ]] || continue
    fields=$(sed 's/^.*) //' "/proc/$p/stat")  # fields after the command name, from field 3
    read -r -a f <<<"$fields"
    total=$((total + f[11] + f[12]))  # utime (14) and stime (15)
  done
  echo "$total"
}

to_ms() {  # wrk latency ("812.00us", "1.23ms", "1.02s") in milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else { sub(/s$/, "", v); printf "%.3f", v * 1000 } }'
}

# start_sigil NAME DATA_DIR [THREADS [ARGS...]]: starts `sigil server` on 127.0.0.1:0, with ARGS
# passed on, and waits (bounded, 60 s: a large data folder takes seconds to load) for its URL.
# Sets sigil_pid, sigil_url and sigil_port.
start_sigil() {
  local name=$1 dir=$2 threads=${3:-2} port=
  shift $(($# < 3 ? $# : 3))  # any further arguments go to `sigil server`
  "$sigil" server --data-dir "$dir" --listen 127.0.0.1:0 --threads "$threads" --no-access-log \
    "$@" >"$work/$name.stdout" 2>"$work/$name.stderr" &
  sigil_pid=$!
  pids+=("$sigil_pid")
  for _ in $(seq 600); do
    port=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/$name.stdout" | head -n1 |
      sed 's/.*://' || true)
    [[ -n $port ]] && break
    kill -0 "$sigil_pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n $port ]] || { cat "$work/$name.stdout" "$work/$name.stderr" >&2; exit 1; }
  sigil_url=http://127.0.0.1:$port
  sigil_port=$port
}

# stop_pid PID: stops one process this script started and waits for it.
stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# wrk_measure URL SECONDS SERVER_PID RAW_FILE -> prints "rps p50_ms p99_ms errors cpu_us_per_req"
# (errors: non-2xx responses plus socket errors; cpu: the server's user+system time per request).
wrk_measure() {
  local url=$1 secs=$2 pid=$3 raw=$4 cpu0 cpu1
  cpu0=$(cpu_ticks "$pid")
  wrk -t1 -c"$connections" -d"${secs}s" --latency "$url" >"$raw"
  cpu1=$(cpu_ticks "$pid")
  grep -q '^Requests/sec:' "$raw" || { echo "wrk failed:" >&2; cat "$raw" >&2; exit 1; }
  local rps p50 p99 errors cpu_us
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$raw")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$raw")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$raw")")
  errors=$(awk '/Non-2xx or 3xx responses:/ {n += $NF}
                /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10}
                END {print n + 0}' "$raw")
  cpu_us=$(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v r="$rps" -v s="$secs" \
    'BEGIN { if (r > 0) printf "%.1f", t / hz / (r * s) * 1e6; else print "nan" }')
  echo "$rps $p50 $p99 $errors $cpu_us"
}

# summarize RESULTS_TSV TABLE_MD REFERENCE: a markdown table of per-target medians over rounds,
# with each target's req/s and CPU per request relative to REFERENCE (ratio of the medians, and
# the median of the per-round ratios, which pairs targets measured in the same round).
summarize() {
  "$python" - "$1" "$2" "$3" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
ref = sys.argv[3]
by = {}
for r in rows:
    by.setdefault(r["target"], []).append(r)
def med(rs, k):
    vals = [float(r[k]) for r in rs if r[k] not in ("", "nan")]
    return statistics.median(vals) if vals else float("nan")
ref_by_round = {r["round"]: r for r in by.get(ref, [])}
lines = [f"| target | req/s | p50 ms | p99 ms | errors | server CPU us/req "
         f"| req/s vs {ref} (ratio of medians) | (median per-round ratio) "
         f"| CPU/req vs {ref} (median per-round ratio) |",
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
for t, rs in by.items():
    errors = sum(int(float(r["errors"])) for r in rs if r["errors"] not in ("", "nan"))
    rps_ratio = [float(r["rps"]) / float(ref_by_round[r["round"]]["rps"]) for r in rs
                 if r["round"] in ref_by_round]
    cpu_ratio = [float(r["cpu_us"]) / float(ref_by_round[r["round"]]["cpu_us"]) for r in rs
                 if r["round"] in ref_by_round and r["cpu_us"] != "nan"]
    lines.append(
        f"| {t} | {med(rs, 'rps'):,.0f} | {med(rs, 'p50_ms'):.3f} | {med(rs, 'p99_ms'):.3f} | "
        f"{errors} | {med(rs, 'cpu_us'):.1f} | {med(rs, 'rps') / med(by[ref], 'rps'):.3f} | "
        f"{statistics.median(rps_ratio):.3f} | {statistics.median(cpu_ratio):.3f} |")
table = "\n".join(lines)
print(table)
open(sys.argv[2], "w").write(table + "\n")
EOF
}

# interleaved_rounds RESULTS_TSV ROUNDS SECONDS NAME=URL@PID ...: each round runs every target
# once, in an order that rotates from round to round, and appends one row per run.
interleaved_rounds() {
  local results=$1 rounds=$2 secs=$3
  shift 3
  local specs=("$@") n=$# round i spec name url pid
  printf 'target\tround\trps\tp50_ms\tp99_ms\terrors\tcpu_us\n' >"$results"
  for ((round = 1; round <= rounds; round++)); do
    for ((i = 0; i < n; i++)); do
      spec=${specs[$(((i + round - 1) % n))]}
      name=${spec%%=*}
      url=${spec#*=}
      pid=${url##*@}
      url=${url%@*}
      read -r rps p50 p99 errors cpu <<<"$(wrk_measure "$url" "$secs" "$pid" \
        "$out/$name.$round.txt")"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$rps" "$p50" "$p99" "$errors" \
        "$cpu" >>"$results"
      printf 'round %d %-18s %10s req/s  p50 %7s ms  p99 %7s ms  errors %s  server CPU %s %s\n' \
        "$round" "$name" "$rps" "$p50" "$p99" "$errors" "$cpu" "us/req"
    done
  done
}

# nginx_config DIR PORT WORKERS: writes DIR/nginx.conf for nginx serving DIR/www on
# 127.0.0.1:PORT (sendfile on, no access log, temp paths inside DIR): the static-file reference
# of the HTTP and S3 benchmarks. Start it with `nginx -p DIR -c DIR/nginx.conf -e DIR/error.log`.
nginx_config() {
  local dir=$1 port=$2 workers=$3
  mkdir -p "$dir/www" "$dir/tmp"
  chmod 755 "$dir" "$dir/www"  # nginx workers run as nobody and must reach www/
  cat >"$dir/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  keepalive_requests 1000000;
  sendfile on;
  tcp_nodelay on;
  types { application/xml xml; }
  server {
    listen 127.0.0.1:$port;
    root $dir/www;
  }
}
EOF
}
