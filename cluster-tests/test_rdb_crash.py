"""RDB snapshots when processes die or are told to stop: kill -9 of the
server while its BGSAVE child writes, kill -9 of the child alone (error
status, -MISCONF, recovery by the next save), FLUSHALL killing a child,
SHUTDOWN [SAVE|NOSAVE] and SIGTERM with and without save points, and a
shutdown save that cannot happen.

The child is made slow with rdb-key-save-delay (us per key, Redis's own
test knob) so it can be caught mid-write. Its pid comes from the server's
"Background saving started by pid N" line and is checked to be a child of
the server we started before it is signalled.
"""

import os
import re
import signal
import time

import pytest

from harness import ConnectionClosed, RespError, info_fields, wait_for

MISCONF = RespError(
    "MISCONF Redis is configured to save RDB snapshots, but it's currently "
    "unable to persist to disk. Commands that may modify the data set are "
    "disabled, because this instance is configured to report errors during "
    "writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). "
    "Please check the Redis logs for details about the RDB error.")
SHUTDOWN_FAILED = RespError("ERR Errors trying to SHUTDOWN. Check logs.")
FINAL_SAVE = "Saving the final RDB snapshot before exiting."
# Enough keys times rdb-key-save-delay to keep a child busy for seconds.
SLOW_KEYS = 2000
SLOW_DELAY_US = 2000


def info(c, section="persistence"):
    return info_fields(c.command("INFO", section))


def wait_bgsave_done(c, timeout_s=60):
    wait_for(lambda: info(c)["rdb_bgsave_in_progress"] == "0", timeout_s,
             "the background save to finish")


def parent_of(pid):
    """The parent pid of a live process, None if it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else int(fields[1])


def start_slow_bgsave(srv, c):
    """Starts a BGSAVE that takes seconds and returns the child's pid once
    the child has created its temp file."""
    assert c.command("CONFIG", "SET", "rdb-key-save-delay", SLOW_DELAY_US) == "OK"
    log0 = srv.log_size()
    assert c.command("BGSAVE") == "Background saving started"
    found = wait_for(
        lambda: re.search(r"Background saving started by pid (\d+)", srv.log_text(log0)),
        10, "the BGSAVE log line")
    child = int(found.group(1))
    assert parent_of(child) == srv.pid
    wait_for(lambda: (srv.dir / f"temp-{child}.rdb").exists(), 10,
             "the child's temp file")
    return child


def kill_child(child):
    """SIGKILL to a child we identified; fine if it is already gone."""
    try:
        os.kill(child, signal.SIGKILL)
    except ProcessLookupError:
        pass
    wait_for(lambda: parent_of(child) is None, 10, f"pid {child} to die")


def temp_files(srv):
    return sorted(p.name for p in srv.dir.glob("temp-*.rdb"))


def shutdown(c, *args):
    """Sends SHUTDOWN; returns its error reply, or None if the server closed
    the connection (it is exiting)."""
    try:
        return c.command("SHUTDOWN", *args)
    except ConnectionClosed:
        return None


# ------------------------------------------------------------------ kill -9


def test_kill9_of_the_server_mid_bgsave_leaves_the_previous_file(server_factory):
    srv = server_factory()
    path = srv.dir / "dump.rdb"
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", SLOW_KEYS) == "OK"
        assert c.command("SAVE") == "OK"
        saved = path.read_bytes()
        digest = c.command("DEBUG", "DIGEST")
        assert c.command("SET", "after-save", "1") == "OK"
        child = start_slow_bgsave(srv, c)
    srv.proc.kill()
    assert srv.wait_exit(10) is not None
    try:
        # The orphaned child may still be writing; the file it would
        # replace is untouched until its rename.
        assert path.read_bytes() == saved
    finally:
        kill_child(child)
    assert path.read_bytes() == saved
    srv.start()
    with srv.raw() as c:
        assert c.command("DEBUG", "DIGEST") == digest
        assert c.command("EXISTS", "after-save") == 0
        assert c.command("DBSIZE") == SLOW_KEYS


def test_restart_on_the_same_port_while_the_orphaned_child_still_saves(server_factory):
    # A supervisor restarts a crashed server on its port at once; the
    # orphaned BGSAVE child must not hold the listening socket (Redis closes
    # it in its children).
    srv = server_factory()
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", SLOW_KEYS) == "OK"
        child = start_slow_bgsave(srv, c)
    port = srv.port
    srv.proc.kill()
    assert srv.wait_exit(10) is not None
    try:
        if srv.kind == "replikv":
            # replikv's children outlive the killed parent (what made the
            # port stay bound). Redis's child may already be gone here (it
            # was seen to exit with its parent); its restart is checked all
            # the same.
            assert parent_of(child) is not None, "the child should still be saving"
        log0 = srv.log_size()
        srv.spawn(port)
        wait_for(lambda: srv.answers_ping(timeout_s=0.5) or srv.proc.poll() is not None, 30,
                 "the restarted server to answer or exit")
        assert srv.proc.poll() is None, srv.log_text(log0)
        assert "already in use" not in srv.log_text(log0)
    finally:
        kill_child(child)


def test_kill9_of_the_child_sets_err_and_misconf_until_a_save_succeeds(server_factory):
    # A save point that cannot fire during the test makes MISCONF apply.
    srv = server_factory(extra_args=["--save", "3600 1"])
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", SLOW_KEYS) == "OK"
        assert c.command("SET", "k", "v") == "OK"
        saves0 = int(info(c)["rdb_saves"])
        log0 = srv.log_size()
        child = start_slow_bgsave(srv, c)
        kill_child(child)
        wait_bgsave_done(c)
        f = info(c)
        assert f["rdb_last_bgsave_status"] == "err"
        assert int(f["rdb_saves"]) == saves0 + 1  # attempts, failed ones too
        assert "Background saving terminated by signal 9" in srv.log_text(log0)
        wait_for(lambda: temp_files(srv) == [], 10, "the temp file to be removed")
        assert not (srv.dir / "dump.rdb").exists()
        assert c.command("SET", "k2", "v") == MISCONF
        assert c.command("DEL", "k") == MISCONF
        assert c.command("PING") == MISCONF
        assert c.command("GET", "k") == b"v"  # reads still work
        # In a transaction the write is refused as it is queued, and EXEC
        # then aborts.
        assert c.command("MULTI") == "OK"
        assert c.command("SET", "k3", "v") == MISCONF
        assert c.command("EXEC") == RespError("EXECABORT Transaction discarded because of previous errors.")
        assert c.command("DBSIZE") == SLOW_KEYS + 1
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", 0) == "OK"
        assert c.command("BGSAVE") == "Background saving started"
        wait_bgsave_done(c)
        assert info(c)["rdb_last_bgsave_status"] == "ok"
        assert c.command("SET", "k2", "v2") == "OK"
        assert c.command("PING") == "PONG"
        digest = c.command("DEBUG", "DIGEST")
    srv.stop()  # SIGTERM with a save point: saves k2 as well
    srv.start()
    with srv.raw() as c:
        assert c.command("DEBUG", "DIGEST") == digest
        assert c.command("GET", "k2") == b"v2"


@pytest.mark.parametrize("extra_args", [
    ["--save", ""],
    ["--save", "3600 1", "--stop-writes-on-bgsave-error", "no"],
], ids=["no-save-points", "stop-writes-off"])
def test_failed_child_does_not_refuse_writes_when_misconf_is_off(
        server_factory, extra_args):
    srv = server_factory(extra_args=extra_args)
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", SLOW_KEYS) == "OK"
        kill_child(start_slow_bgsave(srv, c))
        wait_bgsave_done(c)
        assert info(c)["rdb_last_bgsave_status"] == "err"
        assert c.command("SET", "k", "v") == "OK"
        assert c.command("PING") == "PONG"


def test_flushall_kills_the_saving_child_and_saves_the_empty_dataset(server_factory):
    srv = server_factory(extra_args=["--save", "3600 1"])
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", SLOW_KEYS) == "OK"
        assert c.command("SAVE") == "OK"
        child = start_slow_bgsave(srv, c)
        assert c.command("FLUSHALL") == "OK"
        wait_for(lambda: parent_of(child) is None, 10, "FLUSHALL to end the child")
        wait_bgsave_done(c)
        # Killed on purpose (SIGUSR1): not a failed save, no MISCONF.
        assert info(c)["rdb_last_bgsave_status"] == "ok"
        wait_for(lambda: temp_files(srv) == [], 10, "the temp file to be removed")
        assert c.command("SET", "k", "v") == "OK"
    srv.proc.kill()  # no shutdown save: the file is what FLUSHALL saved
    srv.wait_exit(10)
    srv.start()
    with srv.raw() as c:
        assert c.command("DBSIZE") == 0


# ---------------------------------------------------------------- SHUTDOWN


@pytest.mark.parametrize("save_points,args,saves", [
    ("3600 1", (), True),
    ("3600 1", ("NOSAVE",), False),
    ("", (), False),
    ("", ("SAVE",), True),
], ids=["points", "points-nosave", "no-points", "no-points-save"])
def test_shutdown_saves_as_configured(server_factory, save_points, args, saves):
    srv = server_factory(extra_args=["--save", save_points])
    with srv.raw() as c:
        assert c.command("SET", "k", "v") == "OK"
        assert shutdown(c, *args) is None
    assert srv.wait_exit(10) == 0
    log = srv.log_text()
    assert (FINAL_SAVE in log) == saves
    assert (srv.dir / "dump.rdb").exists() == saves
    if saves:
        assert "DB saved on disk" in log
        srv.start()
        with srv.raw() as c:
            assert c.command("GET", "k") == b"v"


def test_sigterm_saves_when_save_points_are_set(server_factory):
    srv = server_factory(extra_args=["--save", "3600 1"])
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", 1000) == "OK"
        assert c.command("SET", "k", "v") == "OK"
        digest = c.command("DEBUG", "DIGEST")
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.wait_exit(10) == 0
    assert FINAL_SAVE in srv.log_text()
    srv.start()
    with srv.raw() as c:
        assert c.command("DEBUG", "DIGEST") == digest


def test_shutdown_kills_a_saving_child_then_saves(server_factory):
    srv = server_factory(extra_args=["--save", "3600 1"])
    with srv.raw() as c:
        assert c.command("DEBUG", "POPULATE", SLOW_KEYS) == "OK"
        child = start_slow_bgsave(srv, c)
        # The child keeps the delay it forked with; the final save is fast.
        assert c.command("CONFIG", "SET", "rdb-key-save-delay", 0) == "OK"
        assert c.command("SET", "k", "v") == "OK"
        digest = c.command("DEBUG", "DIGEST")
        t0 = time.monotonic()
        assert shutdown(c) is None
    assert srv.wait_exit(10) == 0
    assert time.monotonic() - t0 < SLOW_KEYS * SLOW_DELAY_US / 1e6
    assert parent_of(child) is None
    assert temp_files(srv) == []
    srv.start()
    with srv.raw() as c:
        assert c.command("DEBUG", "DIGEST") == digest


def test_shutdown_that_cannot_save_keeps_the_server_running(server_factory):
    srv = server_factory(extra_args=["--save", "3600 1",
                                     "--enable-protected-configs", "yes"])
    # As root a read-only dir still takes writes; a removed one does not.
    gone = srv.dir / "gone"
    gone.mkdir()
    with srv.raw() as c:
        assert c.command("SET", "k", "v") == "OK"
        assert c.command("CONFIG", "SET", "dir", str(gone)) == "OK"
        gone.rmdir()
        assert shutdown(c) == SHUTDOWN_FAILED
        assert c.command("PING") == "PONG"
        assert srv.alive()
        srv.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: srv.log_text().count(FINAL_SAVE) == 2, 10,
                 "the SIGTERM save attempt")
        assert c.command("GET", "k") == b"v"
        assert srv.alive()
        # The way out: a dir that works, then shut down normally.
        assert c.command("CONFIG", "SET", "dir", str(srv.dir)) == "OK"
        assert shutdown(c) is None
    assert srv.wait_exit(10) == 0
    srv.start()
    with srv.raw() as c:
        assert c.command("GET", "k") == b"v"
