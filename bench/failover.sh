#!/usr/bin/env bash
# Time to a writable primary per fault kind, replikv next to redis-server,
# driven by Sentinel: the process topology (cluster-tests/test_drill.py) and
# the compose stack in containers (cluster-tests/compose-drill.sh), each run
# several times; prints median and worst per (where, server, drill) and the
# raw JSON lines in $FAILOVER_REPORTS (default /tmp/replikv-failover-reports.jsonl).
# Figures go to bench/RESULTS.md.
#   bench/failover.sh [process-runs] [container-runs]     (default 5 and 3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
process_runs=${1:-5}
container_runs=${2:-3}
out=${FAILOVER_REPORTS:-/tmp/replikv-failover-reports.jsonl}
: >"$out"
build=${REPLIKV_BUILD_DIR:-$root/build}
cmake --build "$build" --target replikv-server replikv-drill >/dev/null
for ((i = 1; i <= process_runs; i++)); do
  echo "failover.sh: process drills, run $i of $process_runs" >&2
  (cd "$build" && REPLIKV_SERVER="$build/bin/replikv-server" REPLIKV_DRILL_REPORTS="$out" \
     /usr/bin/python3 -m pytest -q -p no:cacheprovider "$root/cluster-tests/test_drill.py" \
     -k "sentinel and (kill9 or pause or cut or restart)" >&2) || true
done
if ((container_runs > 0)); then
  echo "failover.sh: container drills, $container_runs runs each" >&2
  REPLIKV_DRILL="$build/bin/replikv-drill" COMPOSE_DRILL_RUNS=$container_runs \
    COMPOSE_DRILL_TIMEOUT=$((container_runs * 8 * 60 + 300)) \
    bash "$root/cluster-tests/compose-drill.sh" | sed 's/^{"server"/{"where":"container","server"/' >>"$out" || true
fi
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    key = (r.get("where", "process"), r["drill"], r["server"])
    rows.setdefault(key, []).append(r)
print(f"{'where':9} {'drill':8} {'server':7} {'runs':>4} {'pass':>4} "
      f"{'writable median':>15} {'worst':>6} {'acked median':>12} {'worst':>6} {'full':>4} {'partial':>7}")
for (where, drill, server), rs in sorted(rows.items()):
    tw = [r["time_to_writable_s"] for r in rs if r.get("time_to_writable_s") is not None]
    ta = [r["time_to_acked_s"] for r in rs if r.get("time_to_acked_s") is not None]
    med = lambda v: f"{statistics.median(v):.2f}" if v else "-"
    worst = lambda v: f"{max(v):.2f}" if v else "-"
    print(f"{where:9} {drill:8} {server:7} {len(rs):4} {sum(1 for r in rs if r['pass']):4} "
          f"{med(tw):>15} {worst(tw):>6} {med(ta):>12} {worst(ta):>6} "
          f"{sum(r.get('full_syncs', 0) for r in rs):4} {sum(r.get('partial_syncs', 0) for r in rs):7}")
PY
