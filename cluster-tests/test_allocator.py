"""The allocator directives act on jemalloc as in Redis: jemalloc-bg-thread
(default yes) runs jemalloc's background purging thread, and CONFIG SET turns
it off and on again; MEMORY MALLOC-STATS (jemalloc's own report, the same
text on both servers) shows its state. A sanitizer build of replikv runs on
the sanitizers' allocator: there only the directive's round trip is checked,
and the test says so in its output (the normal build checks the thread)."""

import re


def background_thread(c):
    """jemalloc's background thread state, or None without jemalloc."""
    if "jemalloc" not in c.info("memory")["mem_allocator"]:
        print(f"background thread not checked: allocator {c.info('memory')['mem_allocator']}, "
              "not jemalloc (a sanitizer build); the normal build's run checks it")
        return None
    stats = c.execute_command("MEMORY", "MALLOC-STATS").decode()
    m = re.search(r"opt\.background_thread: \w+ \(background_thread: (\w+)\)", stats)
    assert m, "MALLOC-STATS shows no background_thread line:\n" + stats[:2000]
    return m.group(1) == "true"


def test_jemalloc_bg_thread_follows_config_set(server_factory):
    c = server_factory().client()
    assert c.config_get("jemalloc-bg-thread") == {"jemalloc-bg-thread": "yes"}
    assert background_thread(c) in (True, None)
    c.config_set("jemalloc-bg-thread", "no")
    assert c.config_get("jemalloc-bg-thread") == {"jemalloc-bg-thread": "no"}
    assert background_thread(c) in (False, None)
    c.config_set("jemalloc-bg-thread", "yes")
    assert background_thread(c) in (True, None)


def test_jemalloc_bg_thread_no_at_start(server_factory):
    c = server_factory(extra_args=["--jemalloc-bg-thread", "no"]).client()
    assert background_thread(c) in (False, None)
