#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, in build-fuzz/) and runs
# each for a bounded time: scripts/fuzz.sh [seconds-per-target] [target...]
# (default 30 s, every target). The seed corpus and every saved regression
# input are copied to a scratch dir first, so the repo is not modified.
# Exits non-zero if any target crashes, leaks, times out or runs out of
# memory, and prints where the failing input was saved. See
# tools/fuzz/README.md for long sessions.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds="${1:-30}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(resp rdb aof manifest config psync restore node_state)
build="${REPLIKV_FUZZ_BUILD_DIR:-$root/build-fuzz}"
jobs="${REPLIKV_FUZZ_BUILD_JOBS:-2}"

# -O1 and line tables only: about a third less compile time than -O2 -g,
# symbolized stacks all the same; NDEBUG stays off so asserts run too.
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DREPLIKV_FUZZ=ON -DREPLIKV_TESTS=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}"

work=$(mktemp -d /tmp/replikv-fuzz-run.XXXXXX)
keep_work=0
cleanup() { ((keep_work)) || rm -rf "$work"; }
trap cleanup EXIT
# The targets' scratch files go under $work too (see fuzz_targets.cpp).
export REPLIKV_FUZZ_TMP="$work"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

failed=()
for t in "${targets[@]}"; do
  corpus="$work/corpus-$t"
  artifacts="$work/artifacts-$t"
  mkdir -p "$corpus" "$artifacts"
  cp "$root/tools/fuzz/corpus/$t/"* "$corpus/"
  if compgen -G "$root/tools/fuzz/regressions/$t/*" >/dev/null; then
    cp "$root/tools/fuzz/regressions/$t/"* "$corpus/"
  fi
  echo "fuzz.sh: $t for ${seconds}s"
  rc=0
  "$build/bin/fuzz_$t" "$corpus" -dict="$root/tools/fuzz/dict/$t.dict" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=16384 -timeout=10 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$work/$t.log" 2>&1 || rc=$?
  grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$work/$t.log" | sed "s/^/  $t /" || true
  if ((rc != 0)) || compgen -G "$artifacts/*" >/dev/null; then
    failed+=("$t")
    keep_work=1
    echo "fuzz.sh: $t FAILED (exit $rc); report and inputs:" >&2
    grep -E 'ERROR|SUMMARY|runtime error|replikv fuzz check failed|Test unit written' "$work/$t.log" | head -20 >&2 || true
    echo "  full log: $work/$t.log" >&2
    echo "  replay:   $build/bin/fuzz_$t <input>   (then see tools/fuzz/README.md to keep it as a regression)" >&2
  fi
done
if ((${#failed[@]})); then
  echo "fuzz.sh: failures in: ${failed[*]} (kept $work)" >&2
  exit 1
fi
echo "fuzz.sh: ${targets[*]}: no findings in ${seconds}s each"
