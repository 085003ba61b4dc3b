"""replikv-drill against the compose stack's topology, as processes.

The topology of docker/docker-compose.yml -- a primary, two replicas, three
Sentinels -- started on 127.0.0.1 from the same config files in docker/
(primary.conf, replica.conf, sentinel.conf; only port, bind, dir, logfile and
the primary's address differ) with the password of docker/stack.env. Then
replikv-drill runs one fault per test and must pass:

  kill9     kill -9 of the primary (Sentinel, or the drill, fails over)
  pause     SIGSTOP of the primary, SIGCONT after the failover (heal)
  cut       the replica's link cut (CLIENT KILL TYPE master on the replica)
  restart   a replica stopped (SIGTERM) and started again

Sentinel mode runs all four; manual mode (--nodes: the drill promotes the
replica with the highest offset) runs the two faults that need a failover
and the cut link (replication alone, no Sentinel involved).
Each runs with redis-server nodes (the test checks itself against Redis) and
replikv nodes; the Sentinels are always Debian's redis-sentinel.
"""

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import harness

DOCKER_DIR = harness.REPO_ROOT / "docker"
MASTER_NAME = "replikv"
DRILL_TIMEOUT_S = 120

# (server, mode, fault) -> reason, for a case a known bug breaks: it still
# runs, as xfail (never a skip; not strict when the bug is intermittent).
# Empty. The Sentinel cut's entry went with main's Sentinel work (a replikv
# replica no longer counts a PUBLISH it runs into its replication offset).
# The replikv Sentinel kill9 entry ("one replica stops answering after its
# full sync's AOF rewrite", a few runs in 20 under load) went with its cause:
# the replica had died of SIGPIPE (no log line) writing ACKs to the primary
# that had just been killed; replikv now ignores SIGPIPE as Redis does
# (test_signals.py), and the case passed 30 of 30 under the same load.
SENTINEL_XFAIL = {}


def stack_password():
    for line in (DOCKER_DIR / "stack.env").read_text().splitlines():
        if line.startswith("REPLIKV_PASSWORD="):
            return line.split("=", 1)[1].strip()
    raise AssertionError("docker/stack.env has no REPLIKV_PASSWORD")


def drill_binary():
    name = os.environ.get("REPLIKV_DRILL")
    if name is None:
        try:
            name = str(Path(harness.binary_for("replikv")).parent / "replikv-drill")
        except harness.BinaryMissing as e:
            pytest.fail(str(e), pytrace=False)
    if not (os.path.isfile(name) and os.access(name, os.X_OK)):
        pytest.fail(f"replikv-drill not found at {name!r} (build it, or set "
                    "REPLIKV_DRILL)", pytrace=False)
    return name


def sentinel_binary():
    found = harness._which(os.environ.get("REDIS_SENTINEL", "redis-sentinel"))
    if found is None:
        pytest.fail("redis-sentinel not found (apt-get install redis-sentinel)",
                    pytrace=False)
    return found


class ConfigProcess(harness.ServerProcess):
    """A node or Sentinel started from a copy of a docker/ config file (see
    rewrite()); the port is given on the command line."""

    def __init__(self, kind, workdir, config_file, extra_args=(), binary=None):
        super().__init__(kind, workdir, extra_args=extra_args,
                         config_file=config_file, binary=binary)

    def command_line(self, port):
        return [self.binary, str(self.config_file), "--port", str(port)] + self.extra_args


def rewrite(src, dst, replacements=None):
    """Copies a docker/ config file into the process's dir: its own settings
    stay, except the container's paths and addresses (dir /data, bind
    0.0.0.0, logging to stdout) and whole lines that start with a key of
    `replacements` (the value is the new line)."""
    d = Path(dst).parent
    replacements = dict(replacements or {})
    replacements.update({"dir ": f"dir {d}", "bind ": "bind 127.0.0.1",
                         "logfile ": f"logfile {d / 'server.log'}"})
    out = []
    for line in Path(src).read_text().splitlines():
        for prefix, new in replacements.items():
            if line.startswith(prefix):
                line = new
        out.append(line)
    Path(dst).write_text("\n".join(out) + "\n")
    return dst


class Topology:
    """Primary, two replicas and three Sentinels on 127.0.0.1."""

    def __init__(self, kind, tmp_path_factory):
        self.kind = kind
        self.password = stack_password()
        self.tmp = tmp_path_factory.mktemp(f"drill-{kind}")
        self.nodes = []
        self.sentinels = []
        self.extra_pids = []

    def auth_args(self):
        return ["--requirepass", self.password, "--masterauth", self.password]

    def start(self, sentinels=True):
        d = self.tmp / "primary"
        d.mkdir()
        primary = self._node("primary", rewrite(DOCKER_DIR / "primary.conf", d / "primary.conf"),
                             workdir=d)
        primary.start()
        for i in (1, 2):
            d = self.tmp / f"replica{i}"
            d.mkdir()
            conf = rewrite(DOCKER_DIR / "replica.conf", d / "replica.conf",
                           {"replicaof ": f"replicaof 127.0.0.1 {primary.port}"})
            self._node(f"replica{i}", conf, workdir=d).start()
        for i in (1, 2, 3) if sentinels else ():
            d = self.tmp / f"sentinel{i}"
            d.mkdir()
            conf = rewrite(DOCKER_DIR / "sentinel.conf", d / "sentinel.conf", {
                f"sentinel monitor {MASTER_NAME} ":
                    f"sentinel monitor {MASTER_NAME} 127.0.0.1 {primary.port} 2"})
            with open(conf, "a") as f:
                f.write(f"sentinel auth-pass {MASTER_NAME} {self.password}\n")
            s = ConfigProcess("sentinel", d, conf, binary=sentinel_binary())
            self.sentinels.append(s)
            s.start()
        return self

    def _node(self, name, conf, workdir):
        n = ConfigProcess(self.kind, workdir, conf, extra_args=self.auth_args())
        n.name = name
        self.nodes.append(n)
        return n

    def node(self, name):
        return next(n for n in self.nodes if n.name == name)

    def client(self, n):
        return n.client(password=self.password, socket_timeout=5)

    def wait_sentinels_ready(self):
        """Every Sentinel knows both replicas and the two other Sentinels."""
        def ready():
            for s in self.sentinels:
                try:
                    c = s.client(socket_timeout=2)
                    m = c.execute_command("SENTINEL", "MASTER", MASTER_NAME)
                    c.close()
                except Exception:
                    return False
                fields = dict(zip(m[0::2], m[1::2]))
                if (int(fields[b"num-slaves"]) < 2 or
                        int(fields[b"num-other-sentinels"]) < 2):
                    return False
            return True
        harness.wait_for(ready, 30, "Sentinels to see 2 replicas and each other",
                         interval_s=0.1)

    def stop(self):
        for pid in self.extra_pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in self.sentinels + self.nodes:
            if p.alive():
                # A paused node must be continued to hear SIGTERM.
                try:
                    os.kill(p.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
            p.stop()

    def logs(self):
        return "\n".join(f"--- {p.kind} {getattr(p, 'name', '')} {p.dir}\n{p.log_tail(30)}"
                         for p in self.nodes + self.sentinels)


def restart_script(t, n):
    """A shell script that stops node n (SIGTERM, waits for the exit) and
    starts it again with the same command line on the same port; the new
    pid goes to a file the test reads (and kills at the end)."""
    pidfile = t.tmp / f"{n.name}.restarted.pid"
    cmd = " ".join(shlex.quote(a) for a in n.command_line(n.port))
    script = t.tmp / f"restart-{n.name}.sh"
    script.write_text(
        "set -e\n"
        f"kill -TERM {n.pid}\n"
        # bounded: 200 x 50 ms
        f"for i in $(seq 200); do kill -0 {n.pid} 2>/dev/null || break; sleep 0.05; done\n"
        f"cd {shlex.quote(str(n.dir))}\n"
        f"nohup {cmd} >>stdout.log 2>&1 </dev/null &\n"
        f"echo $! > {shlex.quote(str(pidfile))}\n")
    return f"sh {shlex.quote(str(script))}", pidfile


def fault_for(t, fault):
    """(fault command, heal command or None) for the process topology."""
    primary = t.node("primary")
    replica = t.node("replica1")
    if fault == "kill9":
        return f"kill -9 {primary.pid}", None
    if fault == "pause":
        return f"kill -STOP {primary.pid}", f"kill -CONT {primary.pid}"
    if fault == "cut":
        return (f"redis-cli -p {replica.port} --no-auth-warning -a {t.password} "
                "CLIENT KILL TYPE master"), None
    if fault == "restart":
        cmd, _ = restart_script(t, replica)
        return cmd, None
    raise ValueError(fault)


def run_drill(t, mode, fault, heal):
    args = [drill_binary()]
    if mode == "sentinel":
        args += ["--sentinel", ",".join(f"127.0.0.1:{s.port}" for s in t.sentinels),
                 "--master-name", MASTER_NAME]
    else:
        args += ["--nodes", ",".join(f"127.0.0.1:{n.port}" for n in t.nodes)]
    args += ["--fault", fault, "--duration", "4", "--warmup", "1", "--timeout", "30",
             "--json"]
    if heal:
        args += ["--heal", heal]
    env = dict(os.environ, REPLIKV_PASSWORD=t.password)
    proc = subprocess.run(args, env=env, capture_output=True, text=True,
                          timeout=DRILL_TIMEOUT_S)
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    assert len(lines) == 1, f"no JSON report; stdout={proc.stdout!r} stderr={proc.stderr}"
    return proc.returncode, json.loads(lines[0]), proc.stderr


CASES = [("sentinel", f) for f in ("kill9", "pause", "cut", "restart")] + \
        [("manual", f) for f in ("kill9", "pause", "cut")]


@pytest.fixture(params=["redis", "replikv"])
def node_kind(request):
    return request.param


@pytest.mark.slow
@pytest.mark.parametrize("mode,fault", CASES, ids=[f"{m}-{f}" for m, f in CASES])
def test_drill_passes(node_kind, mode, fault, tmp_path_factory, request):
    reason = SENTINEL_XFAIL.get((node_kind, mode, fault))
    if reason:
        # Not strict: the bug is a race, a lucky run may pass.
        request.applymarker(pytest.mark.xfail(reason=reason, strict=False))
    if node_kind == "replikv":
        harness.binary_for("replikv")  # a missing binary fails, never skips
    t = Topology(node_kind, tmp_path_factory)
    try:
        t.start(sentinels=mode == "sentinel")
        if mode == "sentinel":
            t.wait_sentinels_ready()
        fault_cmd, heal = fault_for(t, fault)
        code, report, progress = run_drill(t, mode, fault_cmd, heal)
        pidfile = t.tmp / "replica1.restarted.pid"
        if pidfile.exists():
            t.extra_pids.append(int(pidfile.read_text().strip()))
        print(json.dumps(report))
        record = os.environ.get("REPLIKV_DRILL_REPORTS")
        if record:  # bench/failover.sh collects the figures this way
            with open(record, "a") as f:
                f.write(json.dumps({"server": node_kind, "where": "process",
                                    "mode": mode, "drill": fault, **report}) + "\n")
        detail = f"report={json.dumps(report, indent=1)}\nprogress:\n{progress}\n{t.logs()}"
        assert code == 0 and report["pass"], detail
        assert report["writes_lost"] == 0, detail
        assert report["writes_acked"] > 0 and report["digests_equal"], detail
        if fault in ("kill9", "pause"):
            assert report["primary_after"] != report["primary_before"], detail
        else:
            assert report["primary_after"] == report["primary_before"], detail
        if fault == "cut" or (fault == "kill9" and mode == "manual"):
            # The survivors continue the history: PSYNC, never a full copy.
            # Not asserted for Sentinel's kill9: Redis itself full-synced
            # the other replica in 1 of 5 runs there (bench/RESULTS.md); the
            # drill promotes the highest offset it reads, Sentinel may not.
            assert report["partial_syncs"] >= 1 and report["full_syncs"] == 0, detail
    finally:
        t.stop()
