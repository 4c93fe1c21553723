"""Network faults: connections cut or silently dropped mid-burst, sessions
resumed (XEP-0198) or lost with the server's restart, and servers that lie
about their counts or send XML that streams forbid. Every test checks the
exact number of messages stored (natter's database) and shown."""

import os
import re
import signal
import sqlite3
import time

import pytest

from harness import wait_until
from harness.history_helpers import db_path
from harness.fakeserver import FakeServer
from harness.proxy import Proxy
from screen import (CONNECTED, count_in_main, main_has, main_rows, main_text, squash,
                    wait_main_line)

RESUMED = "session resumed"
# Short keepalives so that a dead connection is noticed within seconds.
FAST_KEEPALIVE = ["-c", "/set keepalive 2", "-c", "/set keepalive_timeout 2"]


def rows_of(n, sql, *args):
    con = sqlite3.connect(db_path(n), timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def stored(n, body_like, outgoing=None):
    """Bodies stored for PATTERN (SQL LIKE), oldest first."""
    sql = "SELECT body FROM messages WHERE body LIKE ?"
    if outgoing is not None:
        sql += " AND outgoing = %d" % (1 if outgoing else 0)
    return [r[0] for r in rows_of(n, sql + " ORDER BY ts, id", body_like)]


def ack_state(n, body):
    return rows_of(n, "SELECT server_ack, resent FROM messages WHERE body = ?", body)


def shown(n, scr, text):
    """How many main-window rows show TEXT as a whole message body."""
    rx = re.compile(r"<\w+> %s(\s|$)" % re.escape(text))
    return sum(1 for r in main_rows(n, scr) if rx.search(r))


def bob_bodies(bob, prefix):
    return [m.body for m in bob.messages if m.body and m.body.startswith(prefix)]


@pytest.fixture
def smacks_server(prosody_factory):
    return prosody_factory(smacks=True)


def through(proxy, **extra):
    return {"port": str(proxy.port), **extra}


def open_chat(n, peer="bob@localhost"):
    n.type_line("/msg %s" % peer)
    n.wait_for(r"\b2:bob\b")


@pytest.mark.time_limit(60)
def test_sent_only_once_the_server_acknowledged(smacks_server, natter_factory, peer_factory):
    p = smacks_server
    bob = peer_factory("bob", p)
    n = natter_factory(p)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    for i in range(3):
        n.type_line("ack me %d" % i)
    for i in range(3):
        wait_main_line(n, r"<alice> ack me %d \[sent\]" % i, timeout=10)
        bob.wait_for_message("ack me %d" % i)
    assert [ack_state(n, "ack me %d" % i) for i in range(3)] == [[(2, 0)]] * 3
    # what the server confirmed stays confirmed after a restart
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    scr = wait_main_line(n, r"<alice> ack me 2 \[sent\]", timeout=10)
    assert all(shown(n, scr, "ack me %d [sent]" % i) == 1 for i in range(3)), main_text(n, scr)


@pytest.mark.time_limit(90)
def test_cut_mid_burst_resumes_without_loss_or_duplicates(smacks_server, natter_factory,
                                                          peer_factory):
    p = smacks_server
    proxy = Proxy(p.c2s_port)
    bob = peer_factory("bob", p)
    n = natter_factory(p, accounts_extra=through(proxy))
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    for i in range(5):
        n.type_line("out %d" % i)
    for i in range(5):
        bob.send_message("alice@localhost", "in %d" % i)
    proxy.cut()       # mid-burst: some of both directions are in flight
    for i in range(5, 10):
        n.type_line("out %d" % i)
    for i in range(5, 10):
        bob.send_message("alice@localhost", "in %d" % i)
    n.send_keys("M-1")
    scr = n.wait_for(lambda s: RESUMED in main_text(n, s) or count_in_main(n, s, CONNECTED) >= 2,
                     timeout=30)
    assert RESUMED in main_text(n, scr), main_text(n, scr)
    n.send_keys("M-2")
    want_out = ["out %d" % i for i in range(10)]
    want_in = ["in %d" % i for i in range(10)]
    wait_until(lambda: bob_bodies(bob, "out ") == want_out, timeout=20,
               describe=lambda: bob_bodies(bob, "out "))
    wait_until(lambda: stored(n, "in %", outgoing=False) == want_in, timeout=20,
               describe=lambda: stored(n, "in %", outgoing=False))
    assert stored(n, "out %", outgoing=True) == want_out
    scr = wait_main_line(n, r"<alice> out 9 \[sent\]", timeout=15)
    for body in want_out + want_in:
        assert shown(n, scr, body) == 1, (body, main_text(n, scr))
    # a resume asks nothing again: no second catch-up, no resend marks
    assert "[resent" not in main_text(n, scr)
    assert bob_bodies(bob, "out ") == want_out


@pytest.mark.time_limit(90)
def test_resumed_session_keeps_its_rooms(prosody_factory, natter_factory, occupant_factory):
    """A resumed session is still in its rooms: what was said during the cut
    arrives once, and natter talks on without joining again."""
    p = prosody_factory(smacks=True, muc=True)
    proxy = Proxy(p.c2s_port)
    carol = occupant_factory("carol", p)
    carol.create("lobby", "carol", persistent=True)
    n = natter_factory(p, accounts_extra=through(proxy))
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/join lobby@conference.localhost")
    n.wait_for(lambda s: main_has(n, s, "You joined lobby@conference.localhost as alice"),
               timeout=15)
    carol.say("lobby", "before the cut", wait=True)
    n.wait_for("before the cut", timeout=10)
    proxy.cut()
    want = ["during the cut %d" % i for i in range(3)]
    for body in want:
        carol.say("lobby", body, wait=True)
    wait_until(lambda: stored(n, "during the cut %") == want, timeout=30,
               describe=lambda: stored(n, "during the cut %"))
    n.type_line("after the resume")
    carol.wait_for_groupchat("lobby", "after the resume", nick="alice", timeout=15)
    scr = n.wait_for(lambda s: shown(n, s, "after the resume") == 1, timeout=10)
    for body in ["before the cut"] + want:
        assert shown(n, scr, body) == 1, (body, main_text(n, scr))
    assert main_text(n, scr).count("You joined lobby") == 1, main_text(n, scr)
    assert stored(n, "before the cut") == ["before the cut"]
    n.send_keys("M-1")
    n.wait_for(lambda s: RESUMED in main_text(n, s), timeout=5)


@pytest.mark.time_limit(90)
def test_silently_dropped_connection_loses_nothing(smacks_server, natter_factory, peer_factory):
    """Bug 12: packets stop flowing without a reset. What was written meanwhile
    is not acknowledged, so it is not shown as sent, and it arrives once after
    natter noticed and resumed."""
    p = smacks_server
    proxy = Proxy(p.c2s_port)
    bob = peer_factory("bob", p)
    n = natter_factory(p, accounts_extra=through(proxy), extra_args=FAST_KEEPALIVE)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    n.type_line("before the drop")
    wait_main_line(n, r"<alice> before the drop \[sent\]", timeout=10)
    proxy.blackhole()
    t0 = time.monotonic()
    for i in range(3):
        n.type_line("into the void %d" % i)
    scr = wait_main_line(n, r"<alice> into the void 2", timeout=5)
    assert "into the void 0 [sent]" not in main_text(n, scr)
    n.send_keys("M-1")
    n.wait_for(lambda s: "Disconnected from localhost: no answer from the server" in
               main_text(n, s), timeout=20)
    noticed = time.monotonic() - t0
    print("dead connection noticed after %.1f s (keepalive 2 s, timeout 2 s)" % noticed)
    proxy.heal()
    t1 = time.monotonic()
    n.wait_for(lambda s: RESUMED in main_text(n, s), timeout=30)
    n.send_keys("M-2")
    print("session resumed %.1f s after the network came back" % (time.monotonic() - t1))
    want = ["into the void %d" % i for i in range(3)]
    wait_until(lambda: bob_bodies(bob, "into the void") == want, timeout=15,
               describe=lambda: bob_bodies(bob, "into the void"))
    scr = wait_main_line(n, r"<alice> into the void 2 \[sent\]", timeout=15)
    for body in want + ["before the drop"]:
        assert shown(n, scr, body) == 1, (body, main_text(n, scr))
    assert stored(n, "into the void %", outgoing=True) == want
    assert noticed < 10, noticed


@pytest.mark.time_limit(120)
def test_failed_resumption_resends_what_was_not_acknowledged(smacks_server, natter_factory,
                                                             peer_factory):
    """The server restarts while natter is cut off: the session is gone, so what
    it never acknowledged is sent again after login, marked as resent, and
    arrives once."""
    p = smacks_server
    proxy = Proxy(p.c2s_port)
    bob = peer_factory("bob", p)
    n = natter_factory(p, accounts_extra=through(proxy), extra_args=FAST_KEEPALIVE)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    n.type_line("acknowledged first")
    wait_main_line(n, r"<alice> acknowledged first \[sent\]", timeout=10)
    proxy.blackhole()
    for i in range(3):
        n.type_line("lost with the session %d" % i)
    n.send_keys("M-1")
    n.wait_for(lambda s: main_has(n, s, "Disconnected from localhost: no answer from the server"),
               timeout=20)
    p.restart()
    proxy.heal()
    scr = n.wait_for(lambda s: main_has(n, s, "Sent 3 unacknowledged messages again."),
                     timeout=40)
    assert RESUMED not in main_text(n, scr)
    bob.wait_disconnected()
    bob.connect()
    want = ["lost with the session %d" % i for i in range(3)]
    n.send_keys("M-2")
    scr = wait_main_line(n, r"<alice> lost with the session 2 \[resent, sent\]", timeout=15)
    for body in want:
        assert shown(n, scr, body) == 1, (body, main_text(n, scr))
        assert re.search(r"<alice> %s \[resent, sent\]" % re.escape(body), main_text(n, scr))
    assert shown(n, scr, "acknowledged first") == 1
    assert "acknowledged first [sent]" in main_text(n, scr)
    assert stored(n, "lost with the session %", outgoing=True) == want
    assert [ack_state(n, b) for b in want] == [[(2, 1)]] * 3
    # bob (offline storage or live) gets each once, in order
    n.type_line("marker after the resend")
    bob.wait_for_message("marker after the resend", timeout=15)
    assert bob_bodies(bob, "lost with the session") == want


@pytest.mark.time_limit(90)
def test_killed_with_unacknowledged_messages_resends_them_at_next_start(
        smacks_server, natter_factory, peer_factory):
    """kill -9 while the server has not acknowledged two messages: the next
    start sends them again, marked, and bob gets each once."""
    p = smacks_server
    proxy = Proxy(p.c2s_port)
    bob = peer_factory("bob", p)
    n = natter_factory(p, accounts_extra=through(proxy))
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    n.type_line("acknowledged before")
    wait_main_line(n, r"<alice> acknowledged before \[sent\]", timeout=10)
    proxy.blackhole()
    want = ["unacknowledged %d" % i for i in range(2)]
    for body in want:
        n.type_line(body)
    wait_until(lambda: [ack_state(n, b) for b in want] == [[(1, 0)]] * 2, timeout=10,
               describe=lambda: [ack_state(n, b) for b in want])
    os.kill(n.pid, signal.SIGKILL)
    n.close()
    proxy.close()
    n.write_account()                # straight to the server this time
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    scr = wait_main_line(n, r"<alice> unacknowledged 1 \[resent, sent\]", timeout=20)
    for body in want + ["acknowledged before"]:
        assert shown(n, scr, body) == 1, (body, main_text(n, scr))
    assert stored(n, "unacknowledged %", outgoing=True) == want
    assert [ack_state(n, b) for b in want] == [[(2, 1)]] * 2
    n.type_line("marker after the restart")
    bob.wait_for_message("marker after the restart", timeout=15)
    assert bob_bodies(bob, "unacknowledged") == want


@pytest.mark.time_limit(150)
def test_server_restart_while_a_contact_sends_20(prosody_factory, natter_factory, peer_factory,
                                                 occupant_factory):
    """All 20 arrive once, in order; the room is rejoined without duplicates."""
    p = prosody_factory(smacks=True, muc=True)
    bob = peer_factory("bob", p)
    carol = occupant_factory("carol", p)
    carol.create("lobby", "carol", persistent=True)
    n = natter_factory(p)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/join lobby@conference.localhost")
    n.wait_for(lambda s: main_has(n, s, "You joined lobby@conference.localhost as alice"),
               timeout=15)
    for i in range(3):
        carol.say("lobby", "room line %d" % i, wait=True)
    want = ["burst %02d" % i for i in range(20)]
    for body in want[:10]:
        bob.send_message("alice@localhost", body)
    # A round trip: the server has taken bob's first ten (a restart would
    # discard what bob's client wrote but the server had not read yet, which
    # is bob's loss, not natter's). natter may not have all of them yet.
    bob.get_roster()
    p.restart()
    bob.wait_disconnected()
    bob.connect()
    for body in want[10:]:
        bob.send_message("alice@localhost", body)
    n.send_keys("M-1")
    n.wait_for(lambda s: count_in_main(n, s, CONNECTED) >= 2, timeout=45)
    wait_until(lambda: stored(n, "burst %") == want, timeout=30,
               describe=lambda: stored(n, "burst %"))
    carol.wait_disconnected()
    carol.connect()
    # alice's presence from this join, not the one carol saw before the restart
    # (the room may have removed natter with status 333 as the server stopped).
    since = time.monotonic()
    carol.join("lobby", "carol")
    carol.wait_for_occupant("lobby", "alice", since=since, timeout=30)
    carol.say("lobby", "room line after", wait=True)
    wait_until(lambda: stored(n, "room line after") == ["room line after"], timeout=20)
    assert stored(n, "room line %") == ["room line %d" % i for i in range(3)] + ["room line after"]
    n.type_line("/msg bob@localhost")
    scr = n.wait_for(lambda s: shown(n, s, "burst 19") == 1, timeout=10)
    rows = main_text(n, scr)
    for body in want[-12:]:
        assert shown(n, scr, body) == 1, (body, rows)
    assert [rows.index(b) for b in want[-12:]] == sorted(rows.index(b) for b in want[-12:])


def natter_in_bouncing_room(prosody_factory, natter_factory, occupant_factory):
    """natter joined to carol's room lobby on a Prosody whose rooms can be made to
    bounce an occupant (mod_test_muc_bounce); returns (natter, carol)."""
    p = prosody_factory(muc=True, muc_modules=("test_muc_bounce",))
    carol = occupant_factory("carol", p)
    carol.create("lobby", "carol", persistent=True)
    n = natter_factory(p)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/join lobby@conference.localhost")
    n.wait_for(lambda s: main_has(n, s, "You joined lobby@conference.localhost as alice"),
               timeout=15)
    carol.wait_for_occupant("lobby", "alice")
    return n, carol


@pytest.mark.time_limit(90)
def test_room_that_lost_contact_is_rejoined(prosody_factory, natter_factory, occupant_factory):
    """When a stanza the room sent natter bounces (natter's connection dropped, its
    server restarted), Prosody removes natter with status 333 "Kicked: recipient
    unavailable". natter did not leave: it must join again by itself and get what
    was said meanwhile. (Seen during a server restart under load: natter took 333
    for leaving the room, and after the reconnect never rejoined it.)"""
    n, carol = natter_in_bouncing_room(prosody_factory, natter_factory, occupant_factory)
    carol.say("lobby", "room line before", wait=True)
    wait_until(lambda: stored(n, "room line before") == ["room line before"], timeout=10)
    since = time.monotonic()
    carol.iq("lobby@conference.localhost",
             "<bounce xmlns='urn:natter:test:muc-bounce' nick='alice'/>")
    carol.wait_for_occupant("lobby", "alice", ptype="unavailable", since=since)
    carol.say("lobby", "room line while out", wait=True)
    carol.wait_for_occupant("lobby", "alice", since=since, timeout=20)
    carol.say("lobby", "room line after", wait=True)
    wait_until(lambda: stored(n, "room line %") == ["room line before", "room line while out",
                                                     "room line after"],
               timeout=20, describe=lambda: stored(n, "room line %"))
    scr = n.screen()
    assert main_has(n, scr, "You were removed from lobby@conference.localhost: the room could "
                            "not reach natter"), main_text(n, scr)
    assert main_has(n, scr, "Rejoining lobby@conference.localhost: the room had lost contact "
                            "with natter"), main_text(n, scr)



@pytest.mark.time_limit(90)
def test_room_that_removes_natter_again_and_again_is_retried_less_often(
        prosody_factory, natter_factory, occupant_factory):
    """A room that removes natter (333) again soon after each rejoin: the waits
    grow (2, 4, 8 s ...) instead of a rejoin every two seconds for ever."""
    n, carol = natter_in_bouncing_room(prosody_factory, natter_factory, occupant_factory)
    waits = []
    for _ in range(3):
        since = time.monotonic()
        carol.iq("lobby@conference.localhost",
                 "<bounce xmlns='urn:natter:test:muc-bounce' nick='alice'/>")
        carol.wait_for_occupant("lobby", "alice", ptype="unavailable", since=since)

        def announced():
            found = re.findall(r"Joininglobby@conference\.localhostagainin(\d+)second",
                               squash(main_text(n, n.screen())))
            return found if len(found) > len(waits) else None
        waits.append(int(wait_until(announced, timeout=10)[-1]))
        if len(waits) < 3:
            carol.wait_for_occupant("lobby", "alice", since=since, timeout=20)
    # each about twice the one before (+-25%); before, 2 s every time
    assert waits[0] < waits[1] < waits[2] and waits[2] >= 6, waits


# ---------------------------------------------------------------- hostile servers

class _Fake:
    """What Natter needs to know of a server, for a FakeServer."""
    domain = "localhost"
    ca_file = None
    direct_tls_port = None

    def __init__(self, fake):
        self.c2s_port = fake.port


@pytest.fixture
def fake_factory():
    made = []

    def make(**kw):
        f = FakeServer(**kw)
        made.append(f)
        return f
    yield make
    for f in made:
        f.close()


def natter_on(natter_factory, fake, **kw):
    return natter_factory(_Fake(fake), accounts_extra={"tls": "allow-plain"}, **kw)


HOSTILE_IN_STREAM = [
    ("invalid UTF-8",
     b"<message from='bob@localhost/x' type='chat'><body>\xff\xfe</body></message>",
     "the server sent malformed XML"),
    ("a comment", b"<!-- is this thing on? -->", "the server sent a comment, which XMPP forbids"),
    ("a processing instruction", b"<?evil payload?>",
     "the server sent a processing instruction, which XMPP forbids"),
]


@pytest.mark.parametrize("what,data,why", HOSTILE_IN_STREAM, ids=[h[0] for h in HOSTILE_IN_STREAM])
@pytest.mark.time_limit(60)
def test_xml_error_closes_at_once_and_reconnects(fake_factory, natter_factory, what, data, why):
    """Bug 11: after an XML error natter said "online" but was deaf."""
    fake = fake_factory()
    n = natter_on(natter_factory, fake)
    fake.wait_logged_in(1)
    n.wait_for(CONNECTED, timeout=15)
    t0 = time.monotonic()
    fake.send(data)
    scr = n.wait_for(lambda s: main_has(n, s, "Disconnected from localhost: " + why), timeout=10)
    took = time.monotonic() - t0
    assert count_in_main(n, scr, "Disconnected from localhost") == 1
    fake.wait_logged_in(2, timeout=20)   # reconnected by itself
    n.wait_for(lambda s: count_in_main(n, s, CONNECTED) >= 2, timeout=15)
    # and hears again
    fake.send(b"<message from='bob@localhost/x' to='alice@localhost/natter' type='chat' "
              b"id='m1'><body>heard after the error</body></message>")
    wait_until(lambda: stored(n, "heard after the error") == ["heard after the error"], 10)
    n.send_keys("M-2")
    n.wait_for("heard after the error", timeout=10)
    assert took < 5, took


def _doctype(entities, use):
    return ("<?xml version='1.0'?><!DOCTYPE stream:stream [%s]>" % entities).encode(), use


@pytest.mark.time_limit(60)
def test_doctype_entity_is_not_expanded(fake_factory, natter_factory):
    """An entity declared in a DOCTYPE was expanded into what natter showed."""
    fake = fake_factory(prolog=lambda stage: _doctype("<!ENTITY x 'INJECTED'>", "")[0]
                        if stage == 1 else None)
    n = natter_on(natter_factory, fake)
    scr = n.wait_for(lambda s: main_has(n, s, "the server sent a document type declaration, "
                                                "which XMPP forbids"), timeout=15)
    assert "INJECTED" not in scr
    fake.wait_logged_in(2, timeout=20)
    n.wait_for(CONNECTED, timeout=15)
    fake.send(b"<message from='bob@localhost/x' type='chat' id='e1'><body>&x;</body></message>")
    scr = n.wait_for(lambda s: count_in_main(n, s, "Disconnected from localhost") >= 1, timeout=10)
    assert "INJECTED" not in n.screen()
    assert stored(n, "%INJECTED%") == []


def _cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.time_limit(60)
def test_billion_laughs_costs_no_cpu(fake_factory, natter_factory):
    ents = "<!ENTITY lol 'lol'>" + "".join(
        "<!ENTITY lol%d '%s'>" % (i, ("&lol%s;" % ("" if i == 1 else i - 1)) * 10)
        for i in range(1, 10))
    header = ("<?xml version='1.0'?><!DOCTYPE stream:stream [%s]>" % ents).encode()
    fake = fake_factory(prolog=lambda stage: header if stage == 0 else None)
    n = natter_on(natter_factory, fake, extra_args=["-c", "/set reconnect off"])
    n.wait_for(lambda s: main_has(n, s, "Could not connect to 127.0.0.1:%d: the server sent a "
                                  "document type declaration" % fake.port), timeout=15)
    cpu = _cpu_seconds(n.pid)
    print("natter's CPU time after refusing a billion-laughs header: %.2f s" % cpu)
    assert cpu < 1.0, cpu


@pytest.mark.parametrize("count,why", [
    ("99", "the server acknowledged 99 stanzas, but natter sent"),
    ("1x", "the server sent a malformed acknowledgement"),
], ids=["too-high", "malformed"])
@pytest.mark.time_limit(60)
def test_server_miscounting_acks_gets_a_stream_error(fake_factory, natter_factory, count, why):
    fake = fake_factory(sm=True)
    fake.auto_ack = False            # nothing acknowledged on the first connection
    n = natter_on(natter_factory, fake)
    fake.wait_logged_in(1)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    n.type_line("count me")
    wait_until(lambda: fake.bodies(1) == ["count me"], timeout=10)
    scr = wait_main_line(n, r"<alice> count me\s*$")
    fake.auto_ack = True
    fake.send(("<a xmlns='urn:xmpp:sm:3' h='%s'/>" % count).encode())
    wait_until(lambda: "handled-count-too-high" in fake.received(1), timeout=10,
               message="no stream error sent")
    fake.wait_logged_in(2, timeout=20)
    # not lost: sent again on the new connection, and marked as such
    wait_until(lambda: fake.bodies(2) == ["count me"], timeout=15,
               describe=lambda: fake.bodies())
    scr = wait_main_line(n, r"<alice> count me \[resent, sent\]", timeout=15)
    assert shown(n, scr, "count me") == 1, main_text(n, scr)
    assert ack_state(n, "count me") == [(2, 1)]
    n.send_keys("M-1")
    n.wait_for(lambda s: main_has(n, s, "Disconnected from localhost: " + why), timeout=5)
