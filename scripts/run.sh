#!/usr/bin/env bash
# Builds replikv (Release) and starts replikv-server on 127.0.0.1:6379 with its
# data in ./data. Extra arguments pass through:  scripts/run.sh --port 7000 --requirepass s3cret
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/deps.sh"
replikv_install_missing "${REPLIKV_BUILD_DEPS[@]}"
cmake -S "$root" -B "$root/build-release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREPLIKV_TESTS=OFF >/dev/null
cmake --build "$root/build-release" -j "$(nproc)"
mkdir -p "$root/data"
exec "$root/build-release/bin/replikv-server" --bind 127.0.0.1 --port 6379 --dir "$root/data" "$@"
