"""Fixtures shared by every behaviour test.

Every test that takes `server`, `r`, `raw` or `server_factory` runs once per
target: "redis" (the real redis-server 7.0, the oracle) and "replikv". The
test id carries the target, so `-k redis` runs the oracle only.

- target          module-scoped parameter: "redis" or "replikv".
- shared_server   one server per module and target (xdist: per worker), with
                  FLUSHALL before each test. Tests that change server state
                  other than data (CONFIG SET, requirepass, DEBUG switches,
                  SHUTDOWN) must use server_factory instead.
- server          the shared server, checked alive (restarted if a previous
                  test crashed it) and flushed.
- r / raw         a redis-py client (bytes replies) / a RespClient on `server`.
- clients         clients() opens more RespClients on `server`, closed at the end.
- server_factory  starts private servers: server_factory(extra_args=[...],
                  config_file=path); all are stopped at the end of the test.
- sentinel_factory starts real redis-sentinel processes:
                  sentinel_factory(monitors, options) (harness.SentinelProcess);
                  all are stopped at the end of the test, before the servers.

A failed test gets the log tail of every server it used in its report.
A missing replikv binary makes the replikv tests fail (never skip).
"""

import pytest

import harness

TARGETS = ["redis", "replikv"]


def pytest_report_header(config):
    lines = []
    for kind in TARGETS:
        try:
            lines.append(f"{kind}: {harness.binary_for(kind)}")
        except harness.BinaryMissing as e:
            lines.append(f"{kind}: MISSING ({e})")
    return lines


def pytest_collection_modifyitems(config, items):
    # `-k redis` must select exactly the oracle runs, so a test's own name
    # may not contain a target name.
    for item in items:
        name = getattr(item, "originalname", item.name).lower()
        for kind in TARGETS:
            if kind in name:
                raise pytest.UsageError(
                    f"{item.nodeid}: test names must not contain {kind!r} "
                    "(it breaks -k selection of targets)")


def pytest_report_teststatus(report, config):
    # Make the needs_types marker visible in the per-test status (-v) and in
    # the summary, so a run that includes them is obvious at a glance.
    if report.when == "call" and "needs_types" in report.keywords:
        if report.passed:
            return "passed", ".", "PASSED [needs_types]"
        if report.failed:
            return "failed", "F", "FAILED [needs_types]"
    return None


def pytest_terminal_summary(terminalreporter):
    counts = {}
    for category in ("passed", "failed", "error", "deselected"):
        for rep in terminalreporter.stats.get(category, []):
            if "needs_types" in getattr(rep, "keywords", {}):
                counts[category] = counts.get(category, 0) + 1
    if counts:
        text = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        terminalreporter.write_line(f"needs_types tests: {text}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for srv in getattr(item, "_rkv_servers", []):
            rep.sections.append(
                (f"{srv.kind} server log tail (pid {srv.pid}, {srv.dir})",
                 srv.log_tail()))


def _use(request, srv):
    """Records that the current test used srv (for the failure log tail)."""
    used = getattr(request.node, "_rkv_servers", None)
    if used is None:
        used = []
        request.node._rkv_servers = used
    if srv not in used:
        used.append(srv)


def _new_server(kind, tmp_path_factory, **kwargs):
    try:
        harness.binary_for(kind)
    except harness.BinaryMissing as e:
        message = str(e)
    else:
        return harness.ServerProcess(
            kind, tmp_path_factory.mktemp(kind), **kwargs)
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="module", params=TARGETS)
def target(request):
    return request.param


@pytest.fixture(scope="module")
def shared_server(target, tmp_path_factory):
    srv = _new_server(target, tmp_path_factory)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def server(shared_server, request):
    _use(request, shared_server)
    if not (shared_server.alive() and shared_server.answers_ping()):
        # A previous test crashed, hung or shut it down; that test has
        # failed already. Start afresh so the rest of the module still tells
        # something (the log keeps the history: it is appended to).
        shared_server.stop()
        shared_server.start()
    c = shared_server.client()
    try:
        c.flushall()
    finally:
        c.close()
    return shared_server


@pytest.fixture
def r(server):
    c = server.client()
    yield c
    c.close()


@pytest.fixture
def raw(server):
    c = server.raw()
    yield c
    c.close()


@pytest.fixture
def clients(server):
    """clients() opens another RespClient on `server` (blocking and pub/sub
    tests need several); all are closed at the end of the test."""
    opened = []

    def make():
        c = server.raw()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.close()


@pytest.fixture
def server_factory(target, tmp_path_factory, request):
    started = []

    def make(extra_args=(), config_file=None, start=True):
        srv = _new_server(target, tmp_path_factory,
                          extra_args=extra_args, config_file=config_file)
        started.append(srv)
        _use(request, srv)
        if start:
            srv.start()
        return srv

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def oracle_factory(tmp_path_factory, request):
    """Like server_factory but always starts the real redis-server (the
    oracle), whatever the target; used by side-by-side comparisons."""
    started = []

    def make(extra_args=(), config_file=None):
        srv = _new_server("redis", tmp_path_factory,
                          extra_args=extra_args, config_file=config_file)
        started.append(srv)
        _use(request, srv)
        srv.start()
        return srv

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def sentinel_factory(tmp_path_factory, request, server_factory):
    # Depends on server_factory so that the sentinels stop first: a sentinel
    # outliving its nodes would only log their deaths.
    started = []

    def make(monitors, options=None):
        try:
            srv = harness.SentinelProcess(tmp_path_factory.mktemp("sentinel"), monitors, options)
        except harness.BinaryMissing as e:
            pytest.fail(str(e), pytrace=False)
        started.append(srv)
        _use(request, srv)
        srv.start()
        return srv

    yield make
    for srv in started:
        srv.stop()
