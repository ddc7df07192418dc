#!/usr/bin/env bash
# The S3 benchmark (docs/benchmarks.md): object PUT and GET throughput against the disk's own
# limit measured in the same run (dd with fsync for writes; for reads, curl reading the stored
# file itself through file://, and nginx serving the same bytes as the HTTP ceiling) and against
# moto_server (the common peer); 4 KiB PUT and GET
# operations per second (wrk on presigned URLs); and the server's peak RSS while a 5 GiB object
# streams in.
#
# Usage: bench/run_s3_bench.sh [BUILD_DIR]   (default: build/release; needs `sigil` built there)
# Settings (environment): ROUNDS=3 SIZES_MIB="1 256" OPS_SECONDS=5 CONNECTIONS=8 THREADS=2
#        BIG_GIB=5 (0 skips the RSS run) PYTHON=python3 (needs botocore; moto optional)
#        BENCH_OUT=DIR keeps the raw outputs and the table there (default: a temp dir, removed).
# Data goes to a temp dir on the same disk as the build (TMPDIR moves it); loopback only; only
# processes this script started are stopped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${1:-$repo/build/release}
sigil=$build/src/cli/sigil
rounds=${ROUNDS:-3}
sizes=${SIZES_MIB:-1 256}
ops_seconds=${OPS_SECONDS:-5}
connections=${CONNECTIONS:-8}
threads=${THREADS:-2}
big_gib=${BIG_GIB:-5}
python=${PYTHON:-python3}
[[ -x $sigil ]] || { echo "no sigil binary at $sigil (build it first)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-$repo}/.s3bench.XXXXXX")
out=${BENCH_OUT:-$work/out}
mkdir -p "$out"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=bench/bench_lib.sh
source "$here/bench_lib.sh"

start_sigil sigil "$work/data" "$threads"
creds=$work/data/root-credentials

# Presigned URLs (SigV4, UNSIGNED-PAYLOAD: the server still computes the MD5 ETag).
presign() {  # presign ENDPOINT METHOD BUCKET KEY
  "$python" - "$@" "$creds" <<'EOF'
import configparser, sys
import botocore.session, botocore.config
endpoint, method, bucket, key, creds = sys.argv[1:6]
c = configparser.ConfigParser(); c.read(creds)
s = botocore.session.get_session()
client = s.create_client("s3", endpoint_url=endpoint, region_name="us-east-1",
                         aws_access_key_id=c["default"]["aws_access_key_id"],
                         aws_secret_access_key=c["default"]["aws_secret_access_key"],
                         config=botocore.config.Config(signature_version="s3v4",
                                                       s3={"addressing_style": "path"}))
if method == "CREATE":
    client.create_bucket(Bucket=bucket)
else:
    op = {"PUT": "put_object", "GET": "get_object"}[method]
    print(client.generate_presigned_url(op, Params={"Bucket": bucket, "Key": key},
                                        ExpiresIn=3600))
EOF
}

moto_url=
if "$python" -c "import moto" 2>/dev/null && command -v moto_server >/dev/null; then
  moto_port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  moto_server -p "$moto_port" >"$work/moto.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 100); do
    curl -s "http://127.0.0.1:$moto_port/" >/dev/null 2>&1 && break
    sleep 0.1
  done
  moto_url=http://127.0.0.1:$moto_port
  presign "$moto_url" CREATE bench-bucket x >/dev/null
fi
presign "$sigil_url" CREATE bench-bucket x >/dev/null

# nginx serving copies of the same objects (sendfile on): what serving a file over HTTP costs.
nginx_url=
if command -v nginx >/dev/null; then
  chmod 755 "$work"
  nginx_port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  nginx_config "$work/nginx" "$nginx_port" "$threads"
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
  pids+=("$!")
  nginx_url=http://127.0.0.1:$nginx_port
  for _ in $(seq 100); do curl -s -o /dev/null "$nginx_url/" && break; sleep 0.1; done
fi

now_ns() { date +%s%N; }
mib_per_s() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f\n", (b / 1048576) / (ns / 1e9) }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The stored blob of the newest object (to read it "directly", with the same client).
newest_blob() { find "$work/data/blobs" -path '*/tmp' -prune -o -type f -printf '%T@ %p\n' | sort -n | tail -n1 | cut -d' ' -f2; }

table=$out/table.md
{
  echo "| size | dd write+fsync | sigil PUT | PUT/dd | moto PUT | curl file:// | nginx GET | sigil GET | GET/file | GET/nginx | moto GET |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
} >"$table"

for size in $sizes; do
  src=$work/src-$size.bin
  head -c $((size * 1048576)) /dev/urandom >"$src"
  bytes=$((size * 1048576))
  : >"$out/dd-$size" ; : >"$out/put-$size" ; : >"$out/moto-put-$size"
  : >"$out/read-$size" ; : >"$out/get-$size" ; : >"$out/moto-get-$size" ; : >"$out/nginx-$size"
  if [[ -n $nginx_url ]]; then
    cp "$src" "$work/nginx/www/obj-$size.bin"
    chmod 644 "$work/nginx/www/obj-$size.bin"
  fi
  for round in $(seq "$rounds"); do
    t0=$(now_ns); dd if="$src" of="$work/dd.bin" bs=1M conv=fsync status=none; t1=$(now_ns)
    mib_per_s "$bytes" $((t1 - t0)) >>"$out/dd-$size"; rm -f "$work/dd.bin"
    put=$(presign "$sigil_url" PUT bench-bucket "obj-$size")
    t0=$(now_ns); curl -sf -o /dev/null -T "$src" "$put"; t1=$(now_ns)
    mib_per_s "$bytes" $((t1 - t0)) >>"$out/put-$size"
    blob=$(newest_blob)
    # The same client reading the stored file itself: what serving it over HTTP costs on top.
    t0=$(now_ns); curl -sf -o /dev/null "file://$blob"; t1=$(now_ns)
    mib_per_s "$bytes" $((t1 - t0)) >>"$out/read-$size"
    get=$(presign "$sigil_url" GET bench-bucket "obj-$size")
    t0=$(now_ns); curl -sf -o /dev/null "$get"; t1=$(now_ns)
    mib_per_s "$bytes" $((t1 - t0)) >>"$out/get-$size"
    if [[ -n $nginx_url ]]; then
      t0=$(now_ns); curl -sf -o /dev/null "$nginx_url/obj-$size.bin"; t1=$(now_ns)
      mib_per_s "$bytes" $((t1 - t0)) >>"$out/nginx-$size"
    fi
    if [[ -n $moto_url ]]; then
      mput=$(presign "$moto_url" PUT bench-bucket "obj-$size")
      t0=$(now_ns); curl -sf -o /dev/null -T "$src" "$mput"; t1=$(now_ns)
      mib_per_s "$bytes" $((t1 - t0)) >>"$out/moto-put-$size"
      mget=$(presign "$moto_url" GET bench-bucket "obj-$size")
      t0=$(now_ns); curl -sf -o /dev/null "$mget"; t1=$(now_ns)
      mib_per_s "$bytes" $((t1 - t0)) >>"$out/moto-get-$size"
    fi
  done
  rm -f "$src" "$work/nginx/www/obj-$size.bin"
  dd_m=$(median <"$out/dd-$size"); put_m=$(median <"$out/put-$size")
  read_m=$(median <"$out/read-$size"); get_m=$(median <"$out/get-$size")
  mput_m=n/a; mget_m=n/a; nginx_m=n/a; nginx_ratio=n/a
  if [[ -s $out/nginx-$size ]]; then
    nginx_m=$(median <"$out/nginx-$size")
    nginx_ratio=$(awk -v a="$get_m" -v b="$nginx_m" 'BEGIN { printf "%.0f%%", 100 * a / b }')
    nginx_m="$nginx_m MiB/s"
  fi
  [[ -s $out/moto-put-$size ]] && mput_m="$(median <"$out/moto-put-$size") MiB/s"
  [[ -s $out/moto-get-$size ]] && mget_m="$(median <"$out/moto-get-$size") MiB/s"
  put_ratio=$(awk -v a="$put_m" -v b="$dd_m" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  get_ratio=$(awk -v a="$get_m" -v b="$read_m" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  echo "| $size MiB | $dd_m MiB/s | $put_m MiB/s | $put_ratio | $mput_m | $read_m MiB/s | $nginx_m | $get_m MiB/s | $get_ratio | $nginx_ratio | $mget_m |" >>"$table"
done

# 4 KiB objects: PUT and GET operations per second (wrk on one presigned URL each).
head -c 4096 /dev/urandom | base64 -w0 | head -c 4096 >"$work/4k.txt"
put4k=$(presign "$sigil_url" PUT bench-bucket small)
curl -sf -o /dev/null -T "$work/4k.txt" "$put4k"
get4k=$(presign "$sigil_url" GET bench-bucket small)
cat >"$work/put.lua" <<EOF
wrk.method = "PUT"
wrk.body = io.open("$work/4k.txt"):read("*a")
EOF
ops() {  # ops NAME URL [LUA]
  local lua=() rps=()
  [[ -n ${3:-} ]] && lua=(-s "$3")
  for _ in $(seq "$rounds"); do
    wrk -t1 -c"$connections" -d"${ops_seconds}s" "${lua[@]}" "$2" >"$out/wrk-$1" 2>&1
    grep -E 'Non-2xx|Socket errors' "$out/wrk-$1" >&2 || true
    rps+=("$(awk '/Requests\/sec/ { print $2 }' "$out/wrk-$1")")
  done
  printf '%s\n' "${rps[@]}" | median
}
put_ops=$(ops put4k "$put4k" "$work/put.lua")
get_ops=$(ops get4k "$get4k")
moto_put_ops=n/a; moto_get_ops=n/a
if [[ -n $moto_url ]]; then
  mput4k=$(presign "$moto_url" PUT bench-bucket small)
  curl -sf -o /dev/null -T "$work/4k.txt" "$mput4k"
  moto_put_ops=$(ops moto-put4k "$mput4k" "$work/put.lua")
  moto_get_ops=$(ops moto-get4k "$(presign "$moto_url" GET bench-bucket small)")
fi
{
  echo
  echo "| 4 KiB objects, $connections connections | sigil | moto |"
  echo "|---|---|---|"
  echo "| PUT ops/s | $put_ops | $moto_put_ops |"
  echo "| GET ops/s | $get_ops | $moto_get_ops |"
} >>"$table"

# Peak RSS while one big object streams in (a sparse source file: the disk, not /dev/urandom).
if [[ $big_gib != 0 ]]; then
  rss_before=$(awk '/VmHWM/ { print $2 }' "/proc/$sigil_pid/status")
  truncate -s "${big_gib}G" "$work/big.bin"
  put_big=$(presign "$sigil_url" PUT bench-bucket big)
  t0=$(now_ns); curl -sf -o /dev/null -T "$work/big.bin" "$put_big"; t1=$(now_ns)
  rss_after=$(awk '/VmHWM/ { print $2 }' "/proc/$sigil_pid/status")
  rm -f "$work/big.bin"
  {
    echo
    echo "| ${big_gib} GiB PUT | peak RSS before | peak RSS after | growth | throughput |"
    echo "|---|---|---|---|---|"
    echo "| one object | $((rss_before / 1024)) MiB | $((rss_after / 1024)) MiB | $(((rss_after - rss_before) / 1024)) MiB | $(mib_per_s $((big_gib * 1073741824)) $((t1 - t0))) MiB/s |"
  } >>"$table"
fi

cat "$table"
