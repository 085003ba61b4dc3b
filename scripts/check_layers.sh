#!/usr/bin/env bash
# Checks the dependency direction the layout promises (ARCHITECTURE.md):
# each layer includes only itself and the layers below it, and the codec
# library and the check tools link no server code. Run by ctest ("layers").
# Prints every violation and exits non-zero when there is one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bad=0

# check <files glob dir> <allowed include prefixes...>
check() {
  local dir=$1
  shift
  local allowed=("$@")
  while IFS= read -r line; do
    local file=${line%%:*}
    local inc
    inc=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$line")
    local ok=0
    for prefix in "${allowed[@]}"; do
      [[ $inc == "$prefix"* ]] && ok=1 && break
    done
    if ((ok == 0)); then
      echo "layers: $file includes $inc (allowed here: ${allowed[*]})"
      bad=1
    fi
  # Tests may include what they test; main.cpp wires every module together.
  done < <(grep -rHn --include='*.h' --include='*.cpp' '#include "' "$dir" | grep -v '/tests/' |
           grep -v '^server/main.cpp:' || true)
}

check server/base server/base/
check server/ds server/base/ server/ds/
check persistence/format server/base/ persistence/format/
# The server never reaches into the modules above it.
check server server/
# Persistence never reaches replication.
check persistence server/ persistence/
check tools/check_rdb.cpp server/base/ persistence/format/
check tools/check_aof.cpp server/base/ persistence/format/
# The drill is a client: the base layer and itself only.
check tools/drill server/base/ tools/drill/

# Link lines: the codec and the check tools link no server library.
for target in replikv_format replikv-check-rdb replikv-check-aof; do
  line=$(grep -E "target_link_libraries\($target " CMakeLists.txt || true)
  if [[ -z $line ]]; then
    echo "layers: no target_link_libraries line for $target in CMakeLists.txt"
    bad=1
  elif grep -qE 'replikv_(server|persistence|replication)' <<<"$line"; then
    echo "layers: $target links a server library: $line"
    bad=1
  fi
done

if ((bad)); then
  echo "layers: FAILED"
  exit 1
fi
echo "layers: ok (base, ds, format, server, persistence, tools)"
