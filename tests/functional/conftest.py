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

Every test has a time limit (default TEST_TIME_LIMIT seconds, or
@pytest.mark.time_limit(N)); waits inside tests have their own shorter bounds.
"""

import os
import signal
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import Natter, Peer, Prosody  # noqa: E402

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


def pytest_configure(config):
    config.addinivalue_line("markers", "time_limit(seconds): per-test time limit")


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


def _make_prosody(workdir, users=None, rosters=None, **kw):
    p = Prosody(str(workdir), users=dict(USERS if users is None else users), **kw)
    for user, items in (ROSTERS if rosters is None else rosters).items():
        p.set_roster(user, items)
    return p


@pytest.fixture
def prosody(tmp_path, request):
    """A fresh server per test: natter fetches history (MAM) and offline messages at
    login, so a shared server would leak one test's messages into the next. Starting
    one costs about 0.2 s."""
    p = _make_prosody(tmp_path)
    p.start()
    yield p
    if _failed(request):
        print("\n---- prosody log %s (tail) ----\n%s" % (p.log_file, p.log_tail(60)))
    p.kill()


@pytest.fixture
def prosody_factory(tmp_path, request):
    made = []

    def make(start=True, users=None, rosters=None, **kw):
        p = _make_prosody(tmp_path, users, rosters, **kw)
        made.append(p)
        if start:
            p.start()
        return p
    yield make
    for p in made:
        if _failed(request):
            print("\n---- prosody log %s (tail) ----\n%s" % (p.log_file, p.log_tail(60)))
        p.kill()


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
