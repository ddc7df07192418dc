#!/usr/bin/env bash
# The authorization benchmark (docs/benchmarks.md): the cost of the IAM decision procedure end to
# end. The same read-only, authorized call, IAM GetUser on one user, replayed by wrk as a
# presigned GET URL, once signed by the account's root user (which skips the policy engine in
# its own account) and once by an IAM user that is allowed the call only through a group with
# 3 customer managed policies of 10 statements each and an AWS managed policy. Same server, same
# run, interleaved rounds; loopback only.
#
# Targets (each round runs every target once, in a rotating order):
#   root      presigned GetUser&UserName=bench-user, signed by root
#   user      the same URL, signed by bench-user itself (full policy evaluation)
#   root-sts  (optional) presigned GetCallerIdentity by root: the foundation benchmark's request
#
# Usage: bench/run_authz_bench.sh [BUILD_DIR]     (default build/release; needs `sigil` built)
# Settings (environment): ROUNDS=6 DURATION=10 CONNECTIONS=32 THREADS=2 WARMUP=2
#        TARGETS="root user" PYTHON=python3 (needs botocore)
#        BENCH_OUT=DIR keeps the raw outputs and the table (default: a temp dir, removed).
# Every loop is bounded; only processes this script started are stopped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${1:-$repo/build/release}
rounds=${ROUNDS:-6}
duration=${DURATION:-10}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
warmup=${WARMUP:-2}
targets=${TARGETS:-root user}
python=${PYTHON:-python3}
for setting in rounds duration connections threads warmup; do
  if [[ ! ${!setting} =~ ^[1-9][0-9]*$ ]]; then
    echo "${setting^^} must be a positive whole number" >&2
    exit 2
  fi
done

sigil=$build/src/cli/sigil
[[ -x $sigil ]] || { echo "missing $sigil; build it: ninja -C $build sigil" >&2; exit 2; }
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt" 2>/dev/null ||
  echo "warning: $build is not a Release build; numbers will not be representative" >&2
command -v wrk >/dev/null || { echo "wrk is required (Debian package wrk)" >&2; exit 2; }
"$python" -c 'import botocore' || { echo "$python cannot import botocore" >&2; exit 2; }

work=$(mktemp -d /tmp/sigil-authz-bench.XXXXXX)
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

start_sigil sigil "$work/data" "$threads"
pid=$sigil_pid
url=$sigil_url
root_creds=$work/data/root-credentials
"$python" "$here/iam_bench.py" setup --endpoint "$url" --credentials "$root_creds" \
  --out-credentials "$work/user-credentials"

# Both URLs must answer 200 with the user, and a tampered signature 403 (sign_request.py checks).
query='Action=GetUser&Version=2010-05-08&UserName=bench-user'
presign() {  # CREDENTIALS_FILE SERVICE QUERY EXPECT
  "$python" "$here/sign_request.py" presign --endpoint "$url" --credentials "$1" --service "$2" \
    --query "$3" --expect "$4" --check-tampered
}
specs=()
for t in $targets; do
  case $t in
    root) specs+=("root=$(presign "$root_creds" iam "$query" '<GetUserResult>')@$pid") ;;
    user) specs+=("user=$(presign "$work/user-credentials" iam "$query" '<GetUserResult>')@$pid") ;;
    root-sts)
      specs+=("root-sts=$(presign "$root_creds" sts 'Action=GetCallerIdentity&Version=2011-06-15' \
        '<GetCallerIdentityResult>')@$pid") ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "settings: $rounds rounds x ${duration}s, $connections connections, sigil --threads" \
  "$threads, wrk -t1, targets: $targets"
for spec in "${specs[@]}"; do
  u=${spec#*=}
  wrk_measure "${u%@*}" "$warmup" "$pid" "$out/warmup.txt" >/dev/null
done
interleaved_rounds "$out/results.tsv" "$rounds" "$duration" "${specs[@]}"
ref=${targets%% *}
summarize "$out/results.tsv" "$out/table.md" "$ref"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -n ${BENCH_OUT:-} ]]; then echo "raw outputs and table in $out"; fi
