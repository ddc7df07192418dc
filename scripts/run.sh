#!/usr/bin/env bash
# Installs what Sigil needs (Debian packages), builds it and runs `sigil server` on
# 127.0.0.1:9000 with its data in ./sigil-data. Extra arguments go to `sigil server`
# (e.g. --listen 127.0.0.1:0, --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSIGIL_BENCH=OFF >/dev/null
ninja -C build/release sigil  # only the server: the tests are scripts/test.sh's business
exec build/release/src/cli/sigil server "$@"
