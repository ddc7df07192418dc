#!/usr/bin/env bash
# Installs every Debian package Sigil needs to build, run, test and benchmark.
# Idempotent: skips apt entirely when everything is already installed.
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config clang lld
  libboost1.81-dev libssl-dev libsqlite3-dev libpq-dev nlohmann-json3-dev libpugixml-dev
  libcli11-dev libcurl4-openssl-dev libgtest-dev libgmock-dev libbenchmark-dev libqrencode-dev
  zlib1g-dev libtomlplusplus-dev libisal-dev libsodium-dev
  libclang-rt-14-dev libfuzzer-14-dev python3 python3-botocore
)
TEST_PACKAGES=(awscli python3-boto3 curl postgresql postgresql-client openssl s3cmd rclone)
BENCH_PACKAGES=(nginx-light wrk)

want=("${BUILD_PACKAGES[@]}")
case "${1:-}" in
  --test) want+=("${TEST_PACKAGES[@]}") ;;
  --bench) want+=("${TEST_PACKAGES[@]}" "${BENCH_PACKAGES[@]}") ;;
  "") ;;
  *) echo "usage: $0 [--test|--bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "sigil: installing Debian packages: ${missing[*]}" >&2
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
