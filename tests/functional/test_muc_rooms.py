"""Rooms over time (issue 11, bugs 7 and 9): a room natter creates learns its
features once it exists; after the group chat service shuts down (status 332)
natter comes back by itself, with backoff; and in a room that vouches for nobody
(no occupant ids) someone who takes a departed member's nick cannot rewrite what
that member said (XEP-0308: no corrections of messages from before the
corrector's current join)."""

import re
import sqlite3
import time
from xml.sax.saxutils import escape, quoteattr

import pytest

from harness import MUC_DOMAIN, wait_until
from harness.history_helpers import db_path
from muc_helpers import (msg, room_created, room_name, wait_line, wait_room_window,
                         you_joined)
from screen import CONNECTED, main_text
from test_muc import join

COLS, ROWS = 160, 40
ROOM = "lobby@" + MUC_DOMAIN
NS_SHUTDOWN = "urn:natter:test:muc-shutdown"


@pytest.fixture
def shutdown_server(prosody_factory):
    """A server whose MUC service can be told to shut down and come back."""
    return prosody_factory(muc=True, muc_modules=("test_muc_shutdown",))


@pytest.fixture
def natter(shutdown_server, natter_factory):
    n = natter_factory(shutdown_server, cols=COLS, rows=ROWS)
    n.wait_for(CONNECTED, timeout=15)
    return n


@pytest.fixture
def bob(shutdown_server, occupant_factory):
    return occupant_factory("bob", shutdown_server)


def groupchat_xml(room, mid, body, replace=None):
    extra = "<replace xmlns='urn:xmpp:message-correct:0' id=%s/>" % quoteattr(replace) \
        if replace else ""
    return ("<message to=%s type='groupchat' id=%s><body>%s</body>%s</message>"
            % (quoteattr(room), quoteattr(mid), escape(body), extra))


def stored_bodies(n):
    con = sqlite3.connect(db_path(n), timeout=10)
    try:
        return [(r[0], r[1]) for r in con.execute(
            "SELECT body, corrected FROM messages WHERE peer = "
            "(SELECT peer_key FROM peers WHERE jid = ?) ORDER BY ts, id", (ROOM,))]
    finally:
        con.close()


def test_created_room_learns_its_features(natter):
    """Bug 7: the feature query went out before the room existed and was not
    repeated after status 201, so a new room never had its archive."""
    n = natter
    n.type_line("/join fresh")
    wait_line(n, room_created("fresh"))
    wait_line(n, you_joined("fresh", "alice"))

    def archive_known():
        n.type_line("/room info")
        try:
            n.wait_for(lambda s: "Archive (MUC MAM): yes" in main_text(n, s), timeout=2)
            return True
        except Exception:
            return False
    wait_until(archive_known, 15, message="natter never learnt that its new room has an archive")
    assert "Archive (MUC MAM): no" not in main_text(n, n.screen())


@pytest.mark.time_limit(90)
def test_rejoins_after_service_shutdown(natter, bob):
    """Bug 7: after status 332 natter stayed out of the room until the user
    rejoined. Now it comes back by itself, after a refused attempt or two."""
    n = natter
    bob.create("lobby", "bob", persistent=True)
    join(n, "lobby")
    bob.wait_for_occupant("lobby", "alice")
    since = time.monotonic()
    bob.iq(ROOM, "<shutdown xmlns='%s' seconds='3'/>" % NS_SHUTDOWN)
    wait_line(n, "You were removed from %s: the service is shutting down" % ROOM)
    wait_line(n, "Rejoining %s: the group chat service had shut down" % ROOM, timeout=15)
    # The service refuses joins for 3 seconds: the first rejoin fails, a later one works.
    scr = n.wait_for(lambda s: main_text(n, s).count(you_joined("lobby", "alice")) >= 2,
                     timeout=40, message="natter did not come back to the room")
    assert re.search(r"Joining %s again in \d+ seconds?" % re.escape(ROOM), main_text(n, scr))
    bob.join("lobby", "bob")
    bob.wait_for_occupant("lobby", "alice", since=since, timeout=15)
    n.type_line("back after the restart")
    bob.wait_for_groupchat("lobby", "back after the restart", nick="alice")


def test_leave_stops_the_rejoins(natter, bob):
    """/leave while natter waits to rejoin: it stays out."""
    n = natter
    bob.create("lobby", "bob", persistent=True)
    join(n, "lobby")
    bob.iq(ROOM, "<shutdown xmlns='%s' seconds='30'/>" % NS_SHUTDOWN)
    wait_line(n, "You were removed from %s: the service is shutting down" % ROOM)
    n.wait_for(lambda s: re.search(r"Joining %s again in" % re.escape(ROOM), main_text(n, s)),
               timeout=10)
    n.type_line("/leave")
    wait_line(n, "You left %s" % room_name("lobby"))
    # Long enough for the first and second scheduled attempts (2 s, 4 s +-25%).
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        assert "Rejoining %s" % ROOM not in main_text(n, n.screen())
        time.sleep(0.5)


def test_nick_impostor_in_a_room_natter_created(natter, shutdown_server, occupant_factory):
    """Bugs 7 and 9 as seen: in a room natter created it never learnt that the room
    gives occupant ids, so mallory, taking the nick of bob who left, could correct
    bob's message. Now the room's occupant ids tell them apart."""
    n = natter
    n.type_line("/join lobby")
    wait_line(n, room_created("lobby"))
    wait_line(n, you_joined("lobby", "alice"))
    n.type_line("/room set muc#roomconfig_persistentroom 1")
    bob = occupant_factory("bob", shutdown_server)
    bob.join("lobby", "bob")
    bob.send_raw(groupchat_xml(ROOM, "bob-1", "I will pay you back on Monday"))
    wait_line(n, msg("bob", "I will pay you back on Monday"))
    bob.leave("lobby")
    mallory = occupant_factory("mallory", shutdown_server)
    mallory.join("lobby", "bob")
    mallory.send_raw(groupchat_xml(ROOM, "mal-1", "I never owe anyone anything",
                                   replace="bob-1"))
    mallory.say("lobby", "hello all")
    scr = wait_line(n, msg("bob", "hello all"))
    text = main_text(n, scr)
    assert msg("bob", "I will pay you back on Monday") in text, "the original was rewritten"
    assert "(corrected)" not in text and "I never owe" not in text, text
    rows = stored_bodies(n)
    assert ("I will pay you back on Monday", 0) in rows, rows
    assert not any(b.startswith("I never owe") for b, _ in rows), rows


def test_nick_impostor_in_a_room_without_occupant_ids(prosody_factory, natter_factory,
                                                      occupant_factory):
    """Bug 9, the rule: the room vouches for nobody (no occupant ids), so the author
    is room/nick. A correction of a message from before the corrector's current
    join is not applied (XEP-0308); its text is shown as a message of its own."""
    server = prosody_factory(muc=True, muc_config="muc_occupant_id = false")
    n = natter_factory(server, cols=COLS, rows=ROWS)
    n.wait_for(CONNECTED, timeout=15)
    bob = occupant_factory("bob", server)
    bob.create("lobby", "bob", persistent=True)
    join(n, "lobby")
    n.type_line("/room info")
    n.wait_for(lambda s: "occupant ids: no" in main_text(n, s), timeout=10)
    bob.send_raw(groupchat_xml(ROOM, "bob-1", "I will pay you back on Monday"))
    wait_line(n, msg("bob", "I will pay you back on Monday"))
    bob.leave("lobby")
    mallory = occupant_factory("mallory", server)
    mallory.join("lobby", "bob")
    mallory.send_raw(groupchat_xml(ROOM, "mal-1", "I never owe anyone anything",
                                   replace="bob-1"))
    scr = wait_line(n, msg("bob", "I never owe anyone anything"))
    text = main_text(n, scr)
    assert msg("bob", "I will pay you back on Monday") in text, "the original was rewritten"
    assert "(corrected)" not in text
    rows = stored_bodies(n)
    assert ("I will pay you back on Monday", 0) in rows, rows
    assert ("I never owe anyone anything", 0) in rows, rows
    # Within one join, corrections work as before.
    mallory.send_raw(groupchat_xml(ROOM, "mal-2", "teh typo"))
    wait_line(n, msg("bob", "teh typo"))
    mallory.send_raw(groupchat_xml(ROOM, "mal-3", "the typo", replace="mal-2"))
    wait_line(n, msg("bob", "the typo (corrected)"))


def test_correction_within_the_same_join_still_works(natter, bob):
    n = natter
    bob.create("lobby", "bob", persistent=True)
    join(n, "lobby")
    bob.send_raw(groupchat_xml(ROOM, "bob-2", "teh typo"))
    wait_line(n, msg("bob", "teh typo"))
    bob.send_raw(groupchat_xml(ROOM, "bob-3", "the typo", replace="bob-2"))
    scr = wait_line(n, msg("bob", "the typo (corrected)"))
    assert msg("bob", "teh typo") not in main_text(n, scr)
    wait_until(lambda: ("the typo", 1) in stored_bodies(n), 10,
               message="the correction was not stored", describe=lambda: stored_bodies(n))
