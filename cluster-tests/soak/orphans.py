"""The fork children of a server the soak kills with SIGKILL.

A BGSAVE or BGREWRITEAOF child outlives its parent's kill -9 (it is
reparented). The soak finds the children before the kill (by parent pid in
/proc) and from the server log ("... started by pid N"), and only ever
signals a pid that still runs the same executable as the server it started,
so a recycled pid is never hit.
"""

import os
import re
import signal
import socket
import time

CHILD_LINE = re.compile(
    r"(?:Background saving|Background append only file rewriting) started by pid (\d+)")
MAX_PROC_ENTRIES = 1_000_000
POLL_S = 0.02


def _stat(pid):
    """(state, ppid) of pid from /proc, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    # comm may hold spaces and parentheses: fields start after the last ')'.
    rest = data[data.rfind(b")") + 2:].split()
    if len(rest) < 2:
        return None
    return rest[0].decode(), int(rest[1])


def _same_exe(pid, binary):
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return False
    return os.path.realpath(exe) == os.path.realpath(binary)


def running(pid, binary):
    """pid is alive (not a zombie) and runs binary."""
    st = _stat(pid)
    return st is not None and st[0] != "Z" and _same_exe(pid, binary)


def children(parent, binary):
    """Live children of parent that run binary."""
    out = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names[:MAX_PROC_ENTRIES]:
        if not name.isdigit():
            continue
        st = _stat(int(name))
        if st is not None and st[1] == parent and running(int(name), binary):
            out.append(int(name))
    return sorted(out)


def pids_in_log(text):
    return [int(m.group(1)) for m in CHILD_LINE.finditer(text)]


def merge(before_kill, from_log, binary):
    """Children seen before the kill plus those the log names that still
    run the server binary (a child forked after the /proc scan)."""
    pids = set(before_kill) | set(from_log)
    return sorted(p for p in pids if running(p, binary))


def kill(pids, binary):
    """SIGKILL to each pid still running binary; returns how many."""
    n = 0
    for pid in pids:
        if running(pid, binary):
            try:
                os.kill(pid, signal.SIGKILL)
                n += 1
            except ProcessLookupError:
                pass
    return n


def wait_exit(pid, timeout_s):
    """True once pid is gone or a zombie (its new parent reaps it; it may
    not be ours to wait for), False at the deadline."""
    deadline = time.monotonic() + timeout_s
    for _ in range(int(timeout_s / POLL_S) + 2):
        st = _stat(pid)
        if st is None or st[0] == "Z":
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
    return False


def port_is_free(port):
    """True when nothing listens on 127.0.0.1:port (a bind with
    SO_REUSEADDR, as the server's own, succeeds)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_port_free(port, timeout_s):
    """A child forked just before the kill holds a copy of the listening
    socket until it runs its first lines (the server's child closes it
    then, as Redis's does); on a loaded machine that can be later than the
    restart. True once the port is free, False at the deadline."""
    deadline = time.monotonic() + timeout_s
    for _ in range(int(timeout_s / POLL_S) + 2):
        if port_is_free(port):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
    return False
