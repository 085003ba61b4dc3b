"""busy-poll: replikv's own directive (server/busy_poll.h). After work the
loop polls for `busy-poll` microseconds before sleeping. These tests check
what could go wrong with that: the loop must really stay awake between
close requests, it must go back to sleep when the requests stop (a loop that
spins forever would burn a core on an idle server), and 0 turns it off.
replikv only: redis-server has no such directive."""

import time

import pytest

import harness


def cpu_ticks(pid):
    # utime + stime, in clock ticks (fields 14 and 15 of /proc/PID/stat).
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def voluntary_switches(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    raise AssertionError("no voluntary_ctxt_switches in /proc status")


def sequential_pings(conn, count):
    for _ in range(count):
        assert conn.command("PING") == "PONG"


@pytest.fixture
def replikv_server(tmp_path):
    srv = harness.ServerProcess("replikv", tmp_path / "srv")
    srv.start()
    yield srv
    srv.stop()


def test_loop_stays_awake_between_close_requests_only_when_enabled(replikv_server):
    pid = replikv_server.pid
    with replikv_server.raw() as conn:
        switches = {}
        for window in ("0", "1000"):
            assert conn.command("CONFIG", "SET", "busy-poll", window) == "OK"
            before = voluntary_switches(pid)
            # A sequential client leaves a round trip (tens of microseconds)
            # between requests: without the window the loop sleeps in each.
            sequential_pings(conn, 2000)
            switches[window] = voluntary_switches(pid) - before
    print(f"voluntary context switches for 2000 sequential PINGs: {switches}")
    assert switches["0"] >= 1000, switches
    assert switches["1000"] < switches["0"] / 2, switches


def test_loop_sleeps_again_once_requests_stop(replikv_server):
    pid = replikv_server.pid
    with replikv_server.raw() as conn:
        assert conn.command("CONFIG", "SET", "busy-poll", "1000") == "OK"
        sequential_pings(conn, 2000)
        time.sleep(0.2)
        start = cpu_ticks(pid)
        time.sleep(1.0)
        idle_ticks = cpu_ticks(pid) - start
    # A loop stuck polling would use the whole second (~100 ticks).
    print(f"CPU ticks in an idle second after the burst: {idle_ticks}")
    assert idle_ticks <= 10, idle_ticks


def test_directive_bounds_and_default(replikv_server):
    with replikv_server.raw() as conn:
        assert conn.command("CONFIG", "GET", "busy-poll") == [b"busy-poll", b"20"]
        assert conn.command("CONFIG", "SET", "busy-poll", "1001") == harness.RespError(
            "ERR CONFIG SET failed (possibly related to argument 'busy-poll') "
            "- argument must be between 0 and 1000 inclusive")
        assert conn.command("CONFIG", "GET", "busy-poll") == [b"busy-poll", b"20"]
