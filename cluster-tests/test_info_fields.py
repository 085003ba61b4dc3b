"""INFO's field names against redis-server 7.0's, section by section.

Clients, exporters and Sentinel read INFO by field name: every field
redis-server prints in a section must be there in replikv's, with a value of
the same shape (a number where Redis prints a number). replikv may print
more (replikv_version, its own memory details). Both servers are fresh, a
primary with one replica attached, so replication fields exist on both.
"""

import re

import pytest

import harness

REPL_ARGS = ["--repl-diskless-sync-delay", "0"]
# Sections whose field set depends on the instance's contents (one line per
# db, per command, per error...): compared by the fields both always print.
SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu"]
# Fields Redis prints that replikv leaves out on purpose, with the reason.
NOT_PRINTED = {
    # Redis's build metadata of its own binary.
    "server": {"redis_git_sha1", "redis_git_dirty", "redis_build_id"},
}
NUMBER = re.compile(rb"^-?[0-9]+(\.[0-9]+)?$")


def fields(node, section):
    text = node.raw().command("INFO", section)
    out = {}
    for line in text.decode().splitlines():
        if line and not line.startswith("#") and ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    servers = {}
    for kind in ("redis", "replikv"):
        primary = harness.ServerProcess(kind, tmp_path_factory.mktemp(kind), extra_args=REPL_ARGS)
        replica = harness.ServerProcess(kind, tmp_path_factory.mktemp(kind), extra_args=REPL_ARGS)
        primary.start()
        replica.start()
        replica.client().execute_command("REPLICAOF", "127.0.0.1", primary.port)
        harness.wait_for(lambda: fields(replica, "replication").get("master_link_status") == "up", 60,
                         f"the {kind} replica's link")
        primary.client().set("k", "v")
        servers[kind] = (primary, replica)
    yield servers
    for p, r in servers.values():
        r.stop()
        p.stop()


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("role", ["primary", "replica"])
def test_every_field_of_the_oracle_is_printed(pair, section, role):
    which = 0 if role == "primary" else 1
    want = fields(pair["redis"][which], section)
    got = fields(pair["replikv"][which], section)
    missing = set(want) - set(got) - NOT_PRINTED.get(section, set())
    assert not missing, f"INFO {section} on a {role} lacks {sorted(missing)}"
    for name, value in want.items():
        if name in got and NUMBER.match(value.encode()):
            assert NUMBER.match(got[name].encode()), f"{name}: {got[name]!r} where Redis prints {value!r}"


@pytest.mark.parametrize("kind", ["redis", "replikv"])
def test_replication_traffic_is_counted_apart(pair, kind):
    primary, replica = pair[kind]
    primary.client().set("traffic", "x" * 1000)
    harness.wait_for(lambda: fields(replica, "replication")["master_repl_offset"] ==
                     fields(primary, "replication")["master_repl_offset"], 30, "the replica to catch up")
    p, r = fields(primary, "stats"), fields(replica, "stats")
    # The primary's writes to its replica, and the replica's reads of them
    # (the RDB transfer and the stream), are counted as repl traffic.
    assert int(p["total_net_repl_output_bytes"]) > 1000
    assert int(r["total_net_repl_input_bytes"]) > 1000
    assert int(p["total_reads_processed"]) > 0 and int(p["total_writes_processed"]) > 0
