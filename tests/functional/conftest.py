"""pytest fixtures for natter's functional tests (see harness/__init__.py for the API).

Fixtures
  natter_bin        the binary under test (NATTER_BIN, $top_builddir/natter, ./natter);
                    a test that needs it fails (not skips) when it is missing.
  prosody           a fresh server per test, users USERS, rosters ROSTERS.
  prosody_factory   fresh servers for tests that restart, stop or reconfigure.
  peer_factory      slixmpp peers, closed after the test.
  natter_factory    natter instances in tmux, closed after the test; on failure the
                    last screen, natter's log and Prosody's log are printed.
  alice             natter for alice on the module's server, connected.
  muc_server        a started server with the MUC component (harness.MUC_DOMAIN).
  occupant_factory  group-chat bots (harness.Occupant) sharing one thread and loop.
  server_kind       "prosody" or "ejabberd": which server the three server fixtures
                    above make (they keep the name "prosody" either way).

Both servers: a module (or test) marked @pytest.mark.servers("prosody", "ejabberd")
runs once per server, ids test_x[prosody] and test_x[ejabberd]; unmarked tests run
on Prosody only. @pytest.mark.prosody_only("why") in such a module keeps one test
on Prosody and reports it skipped on ejabberd with that reason;
@pytest.mark.ejabberd_xfail("why") expects it to fail on ejabberd (strict: a pass
is an error, so the mark goes when the bug is fixed; strict=False only for a bug
that shows in some runs, and the reason says so). --servers=LIST (or
NATTER_TEST_SERVERS) narrows the run, e.g. --servers=prosody. Where ejabberd cannot
run (not installed, not root) its tests are skipped with the reason, except under CI
(CI set in the environment), where that is a failure.

Every test has a time limit (default TEST_TIME_LIMIT seconds, or
@pytest.mark.time_limit(N)); waits inside tests have their own shorter bounds.
"""

import os
import signal
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import Ejabberd, Natter, Peer, Prosody, ejabberd_unavailable  # noqa: E402

TEST_TIME_LIMIT = int(os.environ.get("NATTER_TEST_TIME_LIMIT", "90"))

USERS = {u: "pw" for u in ("alice", "bob", "carol", "dave", "erin", "frank", "grace",
                           "heidi", "mallory")}
# alice knows bob (no roster name: shown as "bob") and carol (named "Carol C.").
ROSTERS = {
    "alice": [("bob@localhost", None, ["Friends"], "both"),
              ("carol@localhost", "Carol C.", ["Work"], "both")],
    "bob": [("alice@localhost", None, [], "both")],
    "carol": [("alice@localhost", None, [], "both")],
}


SERVER_KINDS = ("prosody", "ejabberd")
# The fixtures that make a server: a test using one of them runs on each server its
# servers() marker names.
SERVER_FIXTURES = ("prosody", "prosody_factory", "muc_server", "server_kind")


def pytest_addoption(parser):
    parser.addoption("--servers", default=os.environ.get("NATTER_TEST_SERVERS",
                                                         ",".join(SERVER_KINDS)),
                     help="comma-separated servers to test against where a test allows "
                          "several (prosody, ejabberd); default: both")


def pytest_configure(config):
    config.addinivalue_line("markers", "time_limit(seconds): per-test time limit")
    config.addinivalue_line("markers", "servers(*kinds): run the test once per server kind "
                            "(prosody, ejabberd); unmarked tests run on Prosody only")
    config.addinivalue_line("markers", "prosody_only(reason): in a servers() module, "
                            "skip this test on ejabberd for the reason given")
    config.addinivalue_line("markers", "ejabberd_xfail(reason, strict=True): in a servers() "
                            "module, a known bug seen on ejabberd: xfail there")
    wanted = [k.strip() for k in config.getoption("--servers").split(",") if k.strip()]
    bad = [k for k in wanted if k not in SERVER_KINDS]
    if bad or not wanted:
        raise pytest.UsageError("--servers: unknown server %s (known: %s)" % (
            ", ".join(bad) or "(none given)", ", ".join(SERVER_KINDS)))
    config.natter_servers = wanted


def pytest_generate_tests(metafunc):
    if not any(f in metafunc.fixturenames for f in SERVER_FIXTURES):
        return
    marker = metafunc.definition.get_closest_marker("servers")
    kinds = marker.args if marker else ("prosody",)
    if marker is None:
        return  # server_kind's default: Prosody
    chosen = [k for k in kinds if k in metafunc.config.natter_servers]
    if not chosen:
        skip = pytest.mark.skip(reason="--servers leaves out " + ", ".join(kinds))
        metafunc.parametrize("server_kind", [pytest.param(k, marks=skip, id=k) for k in kinds],
                             indirect=True)
        return
    kinds = chosen
    only = metafunc.definition.get_closest_marker("prosody_only")
    known_bug = metafunc.definition.get_closest_marker("ejabberd_xfail")
    params = []
    for kind in kinds:
        marks = []
        if kind == "ejabberd" and only is not None:
            marks.append(pytest.mark.skip(reason="Prosody only: " + only.args[0]))
        elif kind == "ejabberd":
            why = ejabberd_unavailable()
            if why and os.environ.get("CI"):
                pytest.fail("ejabberd tests cannot run under CI: " + why)
            if why:
                marks.append(pytest.mark.skip(reason="ejabberd tests skipped: " + why))
            elif known_bug is not None:
                marks.append(pytest.mark.xfail(strict=known_bug.kwargs.get("strict", True),
                                               reason=known_bug.args[0]))
        params.append(pytest.param(kind, marks=marks, id=kind))
    metafunc.parametrize("server_kind", params, indirect=True)


class TestTimeLimit(Exception):
    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    marker = item.get_closest_marker("time_limit")
    limit = int(marker.args[0]) if marker else TEST_TIME_LIMIT

    def expired(signum, frame):
        raise TestTimeLimit("test exceeded its time limit of %d s" % limit)
    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _failed(request):
    rep = getattr(request.node, "rep_call", None)
    return rep is None or rep.failed


@pytest.fixture(scope="session")
def natter_bin():
    path = harness.natter_binary()
    if not os.access(path, os.X_OK):
        pytest.fail("natter binary not found at %s (build it, or set NATTER_BIN)" % path)
    return path


@pytest.fixture
def server_kind(request):
    """Which server the server fixtures make: set per test by the servers() marker."""
    return getattr(request, "param", "prosody")


def _make_prosody(workdir, users=None, rosters=None, kind="prosody", **kw):
    cls = Ejabberd if kind == "ejabberd" else Prosody
    p = cls(str(workdir), users=dict(USERS if users is None else users), **kw)
    for user, items in (ROSTERS if rosters is None else rosters).items():
        p.set_roster(user, items)
    return p


def _dispose(p, request):
    """After a test: the server's log tail if it failed, then the server goes."""
    failed = _failed(request)
    if failed:
        print("\n---- %s log %s (tail) ----\n%s" % (getattr(p, "kind", "prosody"),
                                                   p.log_file, p.log_tail(60)))
    p.kill()
    if not failed and hasattr(p, "remove"):
        p.remove()


@pytest.fixture
def prosody(tmp_path, request, server_kind):
    """A fresh server per test: natter fetches history (MAM) and offline messages at
    login, so a shared server would leak one test's messages into the next. Starting
    one costs about 0.2 s (Prosody) or 1 to 3 s (ejabberd)."""
    p = _make_prosody(tmp_path, kind=server_kind)
    try:
        p.start()
        yield p
    finally:
        _dispose(p, request)


@pytest.fixture
def prosody_factory(tmp_path, request, server_kind):
    made = []

    def make(start=True, users=None, rosters=None, **kw):
        p = _make_prosody(tmp_path, users, rosters, kind=server_kind, **kw)
        made.append(p)
        if start:
            p.start()
        return p
    yield make
    for p in made:
        _dispose(p, request)


@pytest.fixture
def peer_factory():
    made = []

    def make(user, prosody, password="pw", connect=True, **kw):
        peer = Peer(user, password, prosody, **kw)
        made.append(peer)
        if connect:
            peer.connect()
        return peer
    yield make
    for peer in made:
        peer.close()


@pytest.fixture
def natter_factory(natter_bin, tmp_path, request):
    made = []

    def make(prosody, account="alice", password="pw", **kw):
        n = Natter(natter_bin, str(tmp_path), prosody, account=account, password=password, **kw)
        made.append(n)
        return n
    yield make
    for n in made:
        if _failed(request):
            print("\n---- %r ----\n%s" % (n, n.describe()))
        n.close()


@pytest.fixture
def muc_server(prosody_factory):
    """A fresh server with the MUC component conference.localhost (MUC MAM) and
    XEP-0402/XEP-0048 bookmark storage."""
    return prosody_factory(muc=True)


@pytest.fixture
def occupant_factory():
    """Group-chat bots (harness.Occupant), all on one shared thread and loop;
    occupant_factory(user, prosody): user is created on the server if needed.
    connect=False to connect later (connect(wait=False) then wait_connected()
    lets many connect at once)."""
    made = []
    shared = []

    def make(user, prosody, password="pw", connect=True, **kw):
        if not shared:
            shared.append(harness.PeerLoop("occupants"))
        if user.split("@")[0] not in prosody.users:
            prosody.add_user(user.split("@")[0], password)
        bot = harness.Occupant(user, password, prosody, shared=shared[0], **kw)
        made.append(bot)
        if connect:
            bot.connect()
        return bot
    yield make
    for bot in made:
        bot.close()
    if shared:
        shared[0].close()


from screen import CONNECTED  # noqa: E402


@pytest.fixture
def alice(prosody, natter_factory):
    """natter logged in as alice on the module's server (roster: bob, Carol C.)."""
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    return n


def _on_sigterm(signum, frame):
    """The global timeout (or a user) stops the run: take servers down with us."""
    harness.cleanup_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


signal.signal(signal.SIGTERM, _on_sigterm)
signal.signal(signal.SIGHUP, _on_sigterm)


def pytest_sessionfinish(session, exitstatus):
    harness.cleanup_all()
