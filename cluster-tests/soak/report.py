"""The soak's counters and the summary it prints at the end."""

from pathlib import Path

SOAK_PY = Path(__file__).resolve().parent / "soak.py"


class Stats:
    def __init__(self):
        self.cycles = 0
        self.child_kills = 0          # a fork child was alive at the kill
        self.orphans = 0              # children still running after the kill
        self.orphans_killed = 0
        self.orphans_waited = 0
        self.orphans_stuck = 0        # did not exit in time: killed
        self.restart_times = []
        self.bgsave = 0
        self.bgrewrite = 0
        self.bg_refused = 0           # "already in progress" and the like
        self.inflight_applied = 0
        self.inflight_dropped = 0
        self.lost = 0
        self.corrupt = 0
        self.rss_start_kb = 0
        self.rss_end_kb = 0
        self.rss_max_kb = 0
        self.warnings = []
        self.failure = None
        self.acked = 0
        self.elapsed = 0.0


def mb(kb):
    return f"{kb / 1024:.1f} MB" if kb else "n/a"


def summary(cfg, st, preamble):
    times = sorted(st.restart_times)
    worst = f"{times[-1]:.3f} s" if times else "n/a"
    median = f"{times[len(times) // 2]:.3f} s" if times else "n/a"
    lines = [
        f"soak summary: {cfg.server}, seed {cfg.seed}, {st.elapsed:.1f} s, "
        f"{cfg.writers} writers, aof-use-rdb-preamble {preamble}",
        f"  cycles: {st.cycles} kill -9 + restart ({st.child_kills} with a fork "
        f"child alive; {st.orphans} orphans: killed {st.orphans_killed}, exited "
        f"by themselves {st.orphans_waited}, stuck {st.orphans_stuck})",
        f"  writes acknowledged: {st.acked} (in flight at the kills: "
        f"{st.inflight_applied} units kept, {st.inflight_dropped} not)",
        f"  writes lost: {st.lost}",
        f"  corrupt keys: {st.corrupt}",
        f"  worst restart time: {worst} (median {median})",
        f"  RSS at start: {mb(st.rss_start_kb)}, at end: {mb(st.rss_end_kb)} "
        f"(max {mb(st.rss_max_kb)})",
        f"  background jobs started: BGSAVE {st.bgsave}, BGREWRITEAOF "
        f"{st.bgrewrite} ({st.bg_refused} refused: one already running)",
    ]
    for w in st.warnings[:20]:
        lines.append(f"  warning: {w}")
    if st.failure:
        lines.append(f"  FAILED: {st.failure}")
        lines.append(f"  the same workload (timing differs): {reproduce(cfg, preamble)}")
    lines.append("  result: " + ("PASS" if passed(st) else "FAIL"))
    return "\n".join(lines)


def reproduce(cfg, preamble):
    """The command line that replays this run's choices (not its timing)."""
    parts = [f"/usr/bin/python3 {SOAK_PY} --server {cfg.server}",
             f"--duration {cfg.duration:g} --seed {cfg.seed} --writers {cfg.writers}",
             f"--max-batch {cfg.max_batch} --preamble {preamble}",
             f"--cycle-min {cfg.cycle_min:g} --cycle-max {cfg.cycle_max:g}",
             f"--bg-min {cfg.bg_min:g} --bg-max {cfg.bg_max:g}",
             f"--child-kill-chance {cfg.child_kill_chance:g}"]
    if cfg.new_port_each_restart:
        parts.append("--new-port-each-restart")
    parts += [f"--extra-arg={a}" for a in cfg.extra_arg]
    return " ".join(parts)


def passed(st):
    return st.failure is None and st.lost == 0 and st.corrupt == 0
