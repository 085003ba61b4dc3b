"""Load generator for bench/tracking.sh: GETs or SETs over many keys from
several processes, each one connection pipelining `depth` commands, and
prints the requests per second of the whole run.

  tracking_load.py PORT MODE REQUESTS [KEYS] [PROCS] [DEPTH]

MODE:
  get_off    GET key:i (RESP3), no tracking
  get_on     the same after CLIENT TRACKING ON (default mode): each GET
             remembers its key for the connection in the tracking table
  set_off    SET key:i, no tracking client anywhere
  set_bcast  SET key:i while one other connection tracks BCAST PREFIX key:
             (it gets one invalidation push per loop iteration) and drains it
  set_inval  SET key:i while one other connection, tracking in default mode,
             has read every key first: each SET of a key read since its last
             SET sends an invalidation (the reader reads them back in a loop)

Replies are counted by their exact byte length (values are 16 bytes, as
DEBUG POPULATE n key 16 makes them), so the client spends little time
parsing. The machine is shared: read the ratios, not the figures.
"""

import multiprocessing
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cluster-tests"))
from harness import encode_command as cmd  # noqa: E402  (the tests' RESP encoder)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_exact(s, n):
    got = 0
    while got < n:
        chunk = s.recv(min(1 << 20, n - got))
        if not chunk:
            raise ConnectionError("server closed the connection")
        got += len(chunk)


def read_until(s, suffix):
    buf = b""
    while not buf.endswith(suffix):
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    return buf


def worker(port, mode, requests, keys, depth, offset, start_evt, out):
    s = connect(port)
    s.sendall(cmd("HELLO", "3"))
    read_until(s, b"standalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n")
    if mode == "get_on":
        s.sendall(cmd("CLIENT", "TRACKING", "on"))
        read_until(s, b"+OK\r\n")
    is_get = mode.startswith("get")
    value = b"v" * 16
    batches = []
    for b in range(0, 64):
        batch = b"".join(
            cmd("GET", "key:%d" % ((offset + (b * depth + i) * 7919) % keys)) if is_get
            else cmd("SET", "key:%d" % ((offset + (b * depth + i) * 7919) % keys), value)
            for i in range(depth))
        batches.append(batch)
    reply_len = (5 + 16 + 2) if is_get else 5
    start_evt.wait()
    t0 = time.monotonic()
    done = 0
    b = 0
    while done < requests:
        s.sendall(batches[b % len(batches)])
        read_exact(s, reply_len * depth)
        done += depth
        b += 1
    out.put((done, time.monotonic() - t0))
    s.close()


def drain(s, stop):
    s.settimeout(0.2)
    while not stop.is_set():
        try:
            if not s.recv(1 << 20):
                return
        except socket.timeout:
            continue
        except OSError:
            return


def reread(s, port, keys, stop):
    # The default-mode reader of set_inval: keeps reading every key so the
    # writers' SETs keep finding readers to invalidate. Its replies and the
    # pushes are drained by drain().
    batch = b"".join(cmd("GET", "key:%d" % i) for i in range(0, keys, 1))
    while not stop.is_set():
        try:
            s.sendall(batch)
        except OSError:
            return
        time.sleep(0.05)


def main():
    port, mode, requests = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    keys = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
    procs = int(sys.argv[5]) if len(sys.argv) > 5 else 2
    depth = int(sys.argv[6]) if len(sys.argv) > 6 else 100
    stop = threading.Event()
    side = []
    if mode in ("set_bcast", "set_inval"):
        t = connect(port)
        t.sendall(cmd("HELLO", "3"))
        read_until(t, b"modules\r\n*0\r\n")
        if mode == "set_bcast":
            t.sendall(cmd("CLIENT", "TRACKING", "on", "bcast", "prefix", "key:"))
            read_until(t, b"+OK\r\n")
        else:
            t.sendall(cmd("CLIENT", "TRACKING", "on"))
            read_until(t, b"+OK\r\n")
            side.append(threading.Thread(target=reread, args=(t, port, keys, stop), daemon=True))
        side.append(threading.Thread(target=drain, args=(t, stop), daemon=True))
        for th in side:
            th.start()
    start_evt = multiprocessing.Event()
    out = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=worker,
                                  args=(port, mode, requests // procs, keys, depth, p * 104729, start_evt, out))
          for p in range(procs)]
    for p in ps:
        p.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    start_evt.set()
    results = [out.get(timeout=600) for _ in ps]
    elapsed = time.monotonic() - t0
    for p in ps:
        p.join()
    stop.set()
    total = sum(r[0] for r in results)
    print("%.0f" % (total / elapsed))


if __name__ == "__main__":
    main()
