#!/usr/bin/python3
"""Crash-restart soak: a mixed workload over every type with TTLs under
`appendfsync always`, BGSAVE and BGREWRITEAOF at random moments, kill -9 of
the server at random points (sometimes while a fork child runs), restart on
the same dir, and a check that every acknowledged write is there.

    /usr/bin/python3 cluster-tests/soak/soak.py --server build/bin/replikv-server \
        --duration 300 --seed 7

Runs against /usr/bin/redis-server as well (to validate the soak itself).
Prints a summary; exits 1 on a lost write, corruption, a failed restart, a
server crash or a reply that contradicts the model. See README.md here.
"""

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import harness  # noqa: E402
import orphans  # noqa: E402
import verify  # noqa: E402
from report import Stats, passed, summary  # noqa: E402,F401 (re-exported)
from workload import Book, Writer  # noqa: E402

# Lines that mean the server (or its fork child) crashed or a sanitizer
# fired, in server.log or stdout.log (stderr).
CRASH_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                 "REDIS BUG REPORT", "crashed by signal", "Assertion",
                 "terminate called", "Guru Meditation", "Segmentation fault")
MAX_CYCLES = 100_000
WRITER_JOIN_S = 90.0
FIRST_ACK_S = 60.0
TICK_S = 0.02
PROGRESS_S = 60.0


class SoakFailure(Exception):
    """Ends the run: the message says what went wrong and where."""


class SoakServer(harness.ServerProcess):
    """harness.ServerProcess for an explicit binary, restarted on the same
    port. ServerProcess looks its binary up by kind (REPLIKV_SERVER / PATH);
    the soak names it on the command line instead, so the lookup is
    replaced. A restart after a crash reuses the port, as a supervisor
    would: a fork child of the killed server that still holds the listening
    socket makes that restart fail (Redis closes it in the child)."""

    def __init__(self, binary, workdir, extra_args, same_port=True):
        kind = "redis" if "redis" in os.path.basename(binary) else "replikv"
        super().__init__(kind, workdir, extra_args, binary=binary)
        self.same_port = same_port
        self.fixed_port = None

    def spawn(self, port=None):
        return super().spawn(port or self.fixed_port)

    def start(self, ready_timeout_s=harness.READY_TIMEOUT_S):
        """The first start is harness's (retried on a lost port race); a
        restart on the fixed port gets one attempt: a server that cannot
        bind its own port after a crash has failed to restart."""
        if self.fixed_port is None:
            super().start(ready_timeout_s)
            if self.same_port:
                self.fixed_port = self.port
            return self
        log_start = self._log_sizes()
        self.spawn()
        status = self._wait_ready(ready_timeout_s)
        if status != "ready":
            text = self._log_since(log_start)
            self.stop()
            raise AssertionError(
                f"{self.kind} server did not become ready ({status}) on port "
                f"{self.port}; its log:\n{text[-4000:]}")
        return self


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Soak:
    def __init__(self, cfg, out=print):
        self.cfg = cfg
        self.out = out
        self.rnd = random.Random(cfg.seed)
        self.stats = Stats()
        self.books = [Book(i) for i in range(cfg.writers)]
        self.preamble = (cfg.preamble if cfg.preamble != "random"
                         else self.rnd.choice(("yes", "no")))
        args = ["--appendonly", "yes", "--appendfsync", "always",
                "--aof-use-rdb-preamble", self.preamble] + list(cfg.extra_arg)
        self.srv = SoakServer(cfg.server, cfg.dir, args,
                              same_port=not cfg.new_port_each_restart)
        self.log_pos = 0
        self.stdout_pos = 0
        self.pending_orphans = []
        self.t0 = self.last_progress = time.monotonic()

    # ------------------------------------------------------------ the run

    def run(self):
        st = self.stats
        t0 = self.t0 = self.last_progress = time.monotonic()
        try:
            self._start(first=True)
            st.rss_start_kb = rss_kb(self.srv.pid)
            deadline = t0 + self.cfg.duration
            for _ in range(MAX_CYCLES):
                if not self._cycle(deadline):
                    break
            self._final_check()
        except SoakFailure as e:
            st.failure = str(e)
        except (AssertionError, harness.ConnectionClosed, OSError, ValueError):
            # A timed-out wait, or the control connection dropped: the
            # server hung or died under us.
            st.failure = (f"{traceback.format_exc(limit=4)}\n"
                          f"{self.srv.log_tail()}")
        finally:
            if st.rss_end_kb == 0 and self.srv.alive():
                st.rss_end_kb = rss_kb(self.srv.pid)
            st.rss_max_kb = max(st.rss_max_kb, st.rss_end_kb)
            self._stop_everything()
            st.elapsed = time.monotonic() - t0
            st.acked = sum(b.acked_commands for b in self.books)
        return st

    def _cycle(self, deadline):
        """One kill-restart cycle; False when the time is up (the writers
        are then stopped cleanly and the server left running)."""
        cfg, rnd, st = self.cfg, self.rnd, self.stats
        writers = [Writer(b.index, random.Random(rnd.random()), b,
                          self.srv.port, cfg.max_batch) for b in self.books]
        for w in writers:
            w.start()
        harness.wait_for(lambda: all(w.acked_units > 0 or not w.is_alive()
                                     for w in writers),
                         FIRST_ACK_S, "a first reply to every writer")
        now = time.monotonic()
        kill_at = now + rnd.uniform(cfg.cycle_min, cfg.cycle_max)
        final = kill_at >= deadline
        kill_at = min(kill_at, deadline)
        next_bg = now + rnd.uniform(cfg.bg_min, cfg.bg_max)
        with self.srv.raw(timeout_s=30) as ctl:
            max_ticks = int((kill_at - now) / TICK_S) + 2
            for _ in range(max_ticks):
                self._check_alive(writers)
                now = time.monotonic()
                if now >= kill_at:
                    break
                if now >= next_bg:
                    self._background_job(ctl)
                    next_bg = now + rnd.uniform(cfg.bg_min, cfg.bg_max)
                time.sleep(TICK_S)
            self._check_persistence_status(ctl)
            if final:
                return self._stop_writers(writers)
            during_child = rnd.random() < cfg.child_kill_chance
            if during_child:
                self._start_slow_child(ctl)
        self._check_alive(writers)
        kids = orphans.children(self.srv.pid, self.srv.binary)
        st.child_kills += bool(kids)
        self.srv.proc.kill()
        self.srv.proc.wait(timeout=30)
        kids = orphans.merge(kids, self._logged_children(), self.srv.binary)
        st.orphans += len(kids)
        self._handle_orphans(kids, before_restart=True)
        self._check_logs()
        if kids and not orphans.wait_port_free(self.srv.fixed_port, self.cfg.orphan_timeout):
            raise SoakFailure(
                f"port {self.srv.fixed_port} still has a listener "
                f"{self.cfg.orphan_timeout} s after the kill (orphaned children "
                f"{kids}: a child that keeps the listening socket)")
        self._start()
        # Only now: an orphaned child holds the writers' sockets open (its
        # copies of the fds) until it exits, in Redis too.
        for w in writers:
            w.join(timeout=WRITER_JOIN_S)
            if w.is_alive():
                raise SoakFailure(f"writer {w.index} still blocked "
                                  f"{WRITER_JOIN_S} s after the kill")
            if w.error:
                raise SoakFailure(f"reply contradicts the model: {w.error}")
        if cfg.damage_after is not None and st.cycles + 1 == cfg.damage_after:
            self._damage()
        self._verify({w.index: w.unacked for w in writers}, "after kill -9")
        self._handle_orphans(self.pending_orphans, before_restart=False)
        st.cycles += 1
        now = time.monotonic()
        if now - self.last_progress >= PROGRESS_S:
            self.last_progress = now
            acked = sum(b.acked_commands for b in self.books)
            self.out(f"soak: {now - self.t0:.0f} s, {st.cycles} cycles, {acked} "
                     f"writes acknowledged, worst restart "
                     f"{max(st.restart_times):.3f} s, RSS {rss_kb(self.srv.pid) // 1024} MB")
        return True

    def _stop_writers(self, writers):
        for w in writers:
            w.stop_event.set()
        for w in writers:
            w.join(timeout=WRITER_JOIN_S)
            if w.is_alive():
                raise SoakFailure(f"writer {w.index} did not stop")
            if w.error:
                raise SoakFailure(f"reply contradicts the model: {w.error}")
            if w.io_error is not None:
                raise SoakFailure(f"writer {w.index} lost its connection "
                                  f"while the server ran: {w.io_error!r}")
        return False

    def _final_check(self):
        """Clean end: exact check, SIGTERM, restart, exact check again."""
        st = self.stats
        self._verify({b.index: [] for b in self.books}, "at the end")
        st.rss_end_kb = rss_kb(self.srv.pid)
        st.rss_max_kb = max(st.rss_max_kb, st.rss_end_kb)
        self.srv.stop(timeout_s=60)
        code = self.srv.proc.returncode
        if code != 0:
            raise SoakFailure(f"server exited with {code} on SIGTERM\n"
                              f"{self.srv.log_tail()}")
        self._check_logs()
        self._start()
        self._verify({b.index: [] for b in self.books}, "after SIGTERM + restart")
        self.srv.stop(timeout_s=60)
        self._check_logs()

    # ------------------------------------------------------- the pieces

    def _check_alive(self, writers):
        if self.srv.proc.poll() is not None:
            self._check_logs()
            raise SoakFailure(f"server died by itself (exit status "
                              f"{self.srv.proc.returncode})\n{self.srv.log_tail()}")
        for w in writers:
            if w.error:
                raise SoakFailure(f"reply contradicts the model: {w.error}")
            if not w.is_alive() and w.io_error is not None:
                raise SoakFailure(f"writer {w.index} lost its connection while "
                                  f"the server ran: {w.io_error!r}")

    def _background_job(self, ctl):
        st = self.stats
        if self.rnd.random() < 0.5:
            reply = ctl.command("BGSAVE")
            ok = reply == "Background saving started"
            st.bgsave += ok
        else:
            reply = ctl.command("BGREWRITEAOF")
            ok = reply in ("Background append only file rewriting started",
                           "Background append only file rewriting scheduled")
            st.bgrewrite += ok
        if not ok:
            text = getattr(reply, "message", str(reply))
            if not any(w in text for w in ("progress", "child", "already")):
                raise SoakFailure(f"unexpected reply to a background job: {reply!r}")
            st.bg_refused += 1
        return ok

    def _check_persistence_status(self, ctl):
        """No background job or AOF write has failed (the soak never kills
        a child of a live server, so a failure is the server's)."""
        f = harness.info_fields(ctl.command("INFO", "persistence"))
        for field in ("rdb_last_bgsave_status", "aof_last_bgrewrite_status",
                      "aof_last_write_status"):
            if f.get(field, "ok") != "ok":
                raise SoakFailure(f"INFO persistence {field}:{f[field]}\n"
                                  f"{self.srv.log_tail()}")

    def _start_slow_child(self, ctl):
        """Starts a fork child made slow with rdb-key-save-delay and waits
        (bounded) until it exists, then a little more, so the kill lands
        while it writes."""
        delay_us = self.rnd.choice((500, 2000, 5000, 10000))
        if ctl.command("CONFIG", "SET", "rdb-key-save-delay", delay_us) != "OK":
            self.stats.warnings.append("CONFIG SET rdb-key-save-delay refused")
        for _ in range(5):
            if self._background_job(ctl):
                break
            time.sleep(0.05)
        # A child that has already finished (no delay, few keys) is fine:
        # the kill then lands just after it.
        for _ in range(100):
            if orphans.children(self.srv.pid, self.srv.binary):
                break
            time.sleep(TICK_S)
        time.sleep(self.rnd.uniform(0.0, 0.3))

    def _damage(self):
        """--damage-after: rolls one counter back to its state at the last
        check, as a server that lost writes would, to show the soak notices
        (and what it prints)."""
        for b in self.books:
            for key, log in b.key_log.items():
                before, now = b.checkpoint.get(key), b.state.get(key)
                if (b":cnt:" in key and log and now is not None
                        and not now.ttl and before != now
                        and (before is None or not before.ttl)):
                    with self.srv.raw() as c:
                        if before is None:
                            c.command("DEL", key)
                        else:
                            c.command("SET", key, before.value)
                    self.out(f"soak: --damage-after: {key!r} set back to {before!r}")
                    return
        self.stats.warnings.append("--damage-after: no counter to roll back")

    def _logged_children(self):
        return orphans.pids_in_log(self.srv.log_text(self.log_pos))

    def _handle_orphans(self, kids, before_restart):
        """Half the time (seeded) the orphaned fork children of a killed
        server are killed by pid before the restart; otherwise the new
        server starts while they finish, and they must exit by themselves
        within the orphan timeout (then they are killed and counted)."""
        st = self.stats
        if before_restart:
            if not kids:
                return
            if self.rnd.random() < 0.5:
                n = orphans.kill(kids, self.srv.binary)
                st.orphans_killed += n
                st.orphans_waited += len(kids) - n  # gone before the signal
                return
            self.pending_orphans = kids
            return
        self.pending_orphans = []
        for pid in kids:
            if orphans.wait_exit(pid, self.cfg.orphan_timeout):
                st.orphans_waited += 1
            else:
                st.orphans_stuck += 1
                orphans.kill([pid], self.srv.binary)
                st.warnings.append(f"orphan child {pid} still running "
                                   f"{self.cfg.orphan_timeout} s after the kill")

    def _check_logs(self):
        """Looks for crash reports in what the server wrote since the last
        call (server.log and stdout.log)."""
        log = ""
        for attr, path in (("log_pos", self.srv.logfile),
                           ("stdout_pos", self.srv.stdout_file)):
            try:
                with open(path, "rb") as f:
                    f.seek(getattr(self, attr))
                    more = f.read(16 << 20)
            except OSError:
                continue
            setattr(self, attr, getattr(self, attr) + len(more))
            log += more.decode("utf-8", "replace")
        for line in log.splitlines():
            if any(m in line for m in CRASH_MARKERS):
                raise SoakFailure(f"crash report in the server's output: {line}\n"
                                  f"{self.srv.log_tail()}")

    def _start(self, first=False):
        t = time.monotonic()
        try:
            self.srv.start(ready_timeout_s=self.cfg.restart_timeout)
        except AssertionError as e:
            alive = [p for p in self.pending_orphans
                     if orphans.running(p, self.srv.binary)]
            raise SoakFailure(
                f"restart failed (port {self.srv.fixed_port}; orphaned fork "
                f"children of the killed server still running: {alive or 'none'}): {e}")
        took = time.monotonic() - t
        if not first:
            self.stats.restart_times.append(took)
        rss = rss_kb(self.srv.pid)
        self.stats.rss_max_kb = max(self.stats.rss_max_kb, rss)
        self._check_logs()

    def _verify(self, unacked, when):
        st = self.stats
        with self.srv.raw(timeout_s=60) as conn:
            res = verify.verify(conn, self.books, unacked)
        st.lost += res.lost
        st.corrupt += res.corrupt
        if res.problems:
            lines = "\n  ".join(res.problems[:40])
            raise SoakFailure(
                f"{when} (cycle {st.cycles}): {res.lost} acknowledged writes "
                f"lost, {res.corrupt} corrupt keys\n  {lines}\n"
                f"server dir: {self.srv.dir}")
        st.inflight_applied += res.inflight_applied
        st.inflight_dropped += res.inflight_dropped
        for b in self.books:
            b.new_checkpoint()

    def _stop_everything(self):
        try:
            self.srv.stop(timeout_s=30)
        except Exception as e:  # noqa: BLE001 - cleanup must go on
            self.stats.warnings.append(f"stopping the server: {e!r}")
        orphans.kill(self.pending_orphans, self.srv.binary)
        self.pending_orphans = []


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", required=True, help="server binary")
    p.add_argument("--duration", type=float, default=300.0, help="seconds (default 300)")
    p.add_argument("--seed", type=int, default=None, help="default: random, printed")
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--max-batch", type=int, default=16, help="units per pipelined batch")
    p.add_argument("--dir", default=None, help="server dir (default: a new temp dir)")
    p.add_argument("--keep-dir", action="store_true", help="keep the dir after a pass")
    p.add_argument("--restart-timeout", type=float, default=60.0,
                   help="seconds a restart may take before it counts as failed")
    p.add_argument("--cycle-min", type=float, default=1.0, help="seconds between kills, min")
    p.add_argument("--cycle-max", type=float, default=5.0, help="seconds between kills, max")
    p.add_argument("--bg-min", type=float, default=0.3, help="seconds between BG jobs, min")
    p.add_argument("--bg-max", type=float, default=3.0, help="seconds between BG jobs, max")
    p.add_argument("--child-kill-chance", type=float, default=0.4,
                   help="share of kills aimed at a running fork child")
    p.add_argument("--orphan-timeout", type=float, default=60.0)
    p.add_argument("--preamble", choices=("yes", "no", "random"), default="random")
    p.add_argument("--damage-after", type=int, default=None, metavar="CYCLE",
                   help="self-test: after restart CYCLE, roll one counter back "
                        "(the run must then FAIL with writes lost)")
    p.add_argument("--new-port-each-restart", action="store_true",
                   help="restart on a fresh port (default: the same port, as a "
                        "supervisor would)")
    p.add_argument("--extra-arg", action="append", default=[],
                   help="one more server argument (repeatable)")
    cfg = p.parse_args(argv)
    if cfg.seed is None:
        cfg.seed = random.SystemRandom().randrange(1 << 31)
    cfg.server = os.path.abspath(cfg.server) if os.sep in cfg.server \
        else shutil.which(cfg.server) or cfg.server
    return cfg


def main(argv=None):
    """The command line: runs, prints the summary, 0 on PASS, 1 on FAIL."""
    cfg = parse_args(argv)
    made_dir = cfg.dir is None
    if made_dir:
        cfg.dir = tempfile.mkdtemp(prefix=f"soak-{cfg.seed}-")
    print(f"soak: {cfg.server} seed {cfg.seed} for {cfg.duration:.0f} s in {cfg.dir}",
          flush=True)
    soak = Soak(cfg, out=lambda m: print(m, flush=True))
    # SIGTERM/SIGINT end the run through the normal cleanup path.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        st = soak.run()
    except KeyboardInterrupt:
        soak._stop_everything()
        print("soak: interrupted", flush=True)
        return 2
    print(summary(cfg, st, soak.preamble), flush=True)
    if passed(st) and made_dir and not cfg.keep_dir:
        shutil.rmtree(cfg.dir, ignore_errors=True)
    return 0 if passed(st) else 1


if __name__ == "__main__":
    sys.exit(main())
