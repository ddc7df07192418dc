#!/usr/bin/env bash
# Installs what Sigil needs (Debian packages), builds it and runs `sigil server` on
# 127.0.0.1:9000 with its data in ./sigil-data. Extra arguments go to `sigil server`
# (e.g. --listen 127.0.0.1:0, --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build/release -DCMAKE_BUILD_TYPE=Release -DSIGIL_BENCH=OFF
exec build/release/src/cli/sigil server "$@"
