"""Writes the seeds of the `restore` fuzz target: for each value type and
encoding, the object of the payload a real redis-server's DUMP returns (its
10-byte footer dropped: the target seals every input again), after one
flags byte (FuzzRestore in fuzz_targets.h). Called by make_corpus.sh with
the port of a redis-server it started and the corpus directory."""

import socket
import sys


def command(sock, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    buf = b""
    while True:
        buf += sock.recv(1 << 20)
        if buf.startswith(b"$"):
            head, _, rest = buf.partition(b"\r\n")
            n = int(head[1:])
            if n < 0:
                return None
            if len(rest) >= n + 2:
                return rest[:n]
        elif buf.endswith(b"\r\n"):
            return buf


def main():
    port, corpus = int(sys.argv[1]), sys.argv[2]
    s = socket.create_connection(("127.0.0.1", port))
    command(s, "FLUSHALL")
    command(s, "SET", "string", "hello")
    command(s, "SET", "int", "12345")
    command(s, "SET", "lzf", "a" * 300)
    command(s, "RPUSH", "list", "a", "b", "1", "2")
    command(s, "RPUSH", "biglist", *[str(i) * 5 for i in range(300)])
    command(s, "SADD", "intset", "1", "2", "-3", "100000000000")
    command(s, "SADD", "set", "a", "b", "c")
    command(s, "HSET", "hash", "f", "v", "g", "2")
    command(s, "HSET", "bighash", *[x for i in range(130) for x in (f"f{i}", "v" * 70)])
    command(s, "ZADD", "zset", "1", "a", "2.5", "b", "-inf", "c")
    command(s, "ZADD", "bigzset", *[x for i in range(130) for x in (str(i / 3), f"m{i}")])
    command(s, "PFADD", "hll", "a", "b", "c")
    command(s, "GEOADD", "geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
    for i, key in enumerate(["string", "int", "lzf", "list", "biglist", "intset", "set", "hash", "bighash",
                             "zset", "bigzset", "hll", "geo"]):
        payload = command(s, "DUMP", key)
        with open(f"{corpus}/{key}", "wb") as f:
            f.write(bytes([i % 4]) + payload[:-10])


if __name__ == "__main__":
    main()
