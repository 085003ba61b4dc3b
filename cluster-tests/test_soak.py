"""The crash-restart soak (cluster-tests/soak/) for a short bounded time:
kill -9 at random points under `appendfsync always` with BGSAVE and
BGREWRITEAOF firing, restart, every acknowledged write present.

About 35 s per run against replikv and 20 s against redis-server (which
validates the soak itself); REPLIKV_SOAK_SECONDS overrides both,
REPLIKV_SOAK_NEW_PORT=1 restarts on a fresh port (see below). The long
run is `cluster-tests/soak/soak.py --duration 300` (see soak/README.md).
"""

import os
import random
import sys
from pathlib import Path

import pytest

import harness

sys.path.insert(0, str(Path(__file__).resolve().parent / "soak"))
import soak  # noqa: E402

DURATION_S = {"replikv": 35.0, "redis": 20.0}
OVERRIDE = os.environ.get("REPLIKV_SOAK_SECONDS")
# Restarts under ASan take longer; still bounded: the run stops starting
# cycles at its duration, and one cycle is bounded by the restart timeout
# (60 s), the writers' reply timeout (60 s) and the orphan timeout (60 s).
# REPLIKV_SOAK_NEW_PORT=1 restarts on a fresh port each time instead of the
# same one (then an orphaned child holding the old listening socket cannot
# fail a restart); the default is the strict, realistic same-port restart.
NEW_PORT = os.environ.get("REPLIKV_SOAK_NEW_PORT") == "1"
TIMEOUT_S = (float(OVERRIDE) if OVERRIDE else max(DURATION_S.values())) + 270
MIN_CYCLES = 3


@pytest.mark.slow
@pytest.mark.timeout(TIMEOUT_S)
def test_crash_restart_soak_loses_nothing(target, tmp_path):
    try:
        binary = harness.binary_for(target)
    except harness.BinaryMissing as e:
        pytest.fail(str(e), pytrace=False)
    duration = float(OVERRIDE) if OVERRIDE else DURATION_S[target]
    seed = random.SystemRandom().randrange(1 << 31)
    # Shorter cycles than the standalone default, so a short run still
    # has several kills.
    cfg = soak.parse_args([
        "--server", binary, "--duration", str(duration), "--seed", str(seed),
        "--dir", str(tmp_path / "server"), "--cycle-min", "0.5",
        "--cycle-max", "3"] + (["--new-port-each-restart"] if NEW_PORT else []))
    os.makedirs(cfg.dir, exist_ok=True)
    run = soak.Soak(cfg)
    st = run.run()
    text = soak.summary(cfg, st, run.preamble)
    print(text)
    # soak.passed: no failure (restart, crash, reply, orphan), 0 lost, 0
    # corrupt. The summary says which and where.
    if not soak.passed(st):
        pytest.fail(text, pytrace=False)
    if st.cycles < MIN_CYCLES or st.acked == 0:
        pytest.fail(f"too little happened (want >= {MIN_CYCLES} cycles and "
                    f"some acknowledged writes):\n{text}", pytrace=False)
