"""Corrections (XEP-0308), retractions (XEP-0424) and delivery receipts
(XEP-0184), on screen, on the wire and in the history (issue 3).

A correction or retraction counts only from the sender of the original message:
bob may correct bob's messages, not alice's, and a stranger cannot touch bob's.
"""

import json
import os
import re
import uuid

import pytest

from harness.history_helpers import (bodies, child_attr, enable_receipts, export_json,
                                     open_chat, ping, status_windows)
from screen import CONNECTED, TS, main_rows, main_text, wait_main_line

# Run against both servers (conftest.py: servers marker).
pytestmark = pytest.mark.servers("prosody", "ejabberd")

BOB = "bob@localhost"
NATTER = "alice@localhost/natter"
NS_CORRECT = "urn:xmpp:message-correct:0"
NS_RETRACT = "urn:xmpp:message-retract:1"
NS_RECEIPTS = "urn:xmpp:receipts"
NS_SID = "urn:xmpp:sid:0"
CHECK = "\u2713"


@pytest.fixture
def bob(prosody, peer_factory):
    return peer_factory("bob", prosody)


@pytest.fixture
def chat(alice, bob):
    """alice's natter with bob's chat window open, and bob seeing it online (on
    ejabberd a message to the bare JID that comes before natter's initial
    presence is only archived, for the next login)."""
    open_chat(alice)
    bob.wait_for_presence("available", frm=NATTER, timeout=15)
    return alice


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")


def raw_message(to, mid, body=None, replace=None, retract=None, request=False):
    parts = ["<message to='%s' type='chat' id='%s'>" % (to, mid)]
    if body is not None:
        parts.append("<body>%s</body>" % xml_escape(body))
    if replace:
        parts.append("<replace xmlns='%s' id='%s'/>" % (NS_CORRECT, replace))
    if retract:
        parts.append("<retract xmlns='%s' id='%s'/>" % (NS_RETRACT, retract))
        parts.append("<fallback xmlns='urn:xmpp:fallback:0' for='%s'/>" % NS_RETRACT)
        parts.append("<store xmlns='urn:xmpp:hints'/>")
    if request:
        parts.append("<request xmlns='%s'/>" % NS_RECEIPTS)
    parts.append("</message>")
    return "".join(parts)


def record(recs, body):
    found = [r for r in recs if r.get("body") == body or r.get("original_body") == body]
    assert len(found) == 1, "%d records for %r: %r" % (len(found), body, recs)
    return found[0]


# ---------------------------------------------------------------- from bob

def test_contact_correction_and_retraction_are_shown_and_kept(chat, bob):
    n = chat
    bob.send_raw(raw_message("alice@localhost", "orig-1", "I has a typo"))
    wait_main_line(n, r"^%s <bob> I has a typo$" % TS)
    bob.send_raw(raw_message("alice@localhost", "corr-1", "I have no typo", replace="orig-1"))
    scr = wait_main_line(n, r"^%s <bob> I have no typo \(corrected\)$" % TS)
    assert "I has a typo" not in main_text(n, scr)

    bob.send_raw(raw_message("alice@localhost", "orig-2", "please forget this"))
    wait_main_line(n, r"<bob> please forget this$")
    bob.send_raw(raw_message("alice@localhost", "retr-1",
                             "This person attempted to retract a previous message, but it's "
                             "unsupported by your client.", retract="orig-2"))
    scr = wait_main_line(n, r"^%s <bob> \(message retracted\)$" % TS)
    assert "please forget this" not in main_text(n, scr)
    assert "attempted to retract" not in main_text(n, scr), "the fallback body was shown"
    bob_rows = [r for r in main_rows(n, scr) if "<bob>" in r]
    assert len(bob_rows) == 2, "\n".join(bob_rows)

    recs = export_json(n, BOB)
    assert len(recs) == 2, "corrections and retractions are not messages of their own: %r" % recs
    fixed = record(recs, "I have no typo")
    assert fixed["corrected"] is True and fixed["original_body"] == "I has a typo", fixed
    gone = [r for r in recs if r["retracted"]]
    assert len(gone) == 1 and gone[0]["body"] == "" and not gone[0]["original_body"], recs
    assert "please forget this" not in json.dumps(recs), "the retracted text is kept"

    # and so after a restart, from the database
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    scr = wait_main_line(n, r"<bob> I have no typo \(corrected\)$")
    assert re.search(r"<bob> \(message retracted\)", main_text(n, scr)), main_text(n, scr)
    assert "please forget this" not in main_text(n, scr)


def test_contact_cannot_correct_or_retract_our_messages(chat, bob):
    n = chat
    n.type_line("alice wrote this")
    got = bob.wait_for_message("alice wrote this")
    mine = got.id
    n.type_line("alice wrote this too")
    got2 = bob.wait_for_message("alice wrote this too")
    bob.send_raw(raw_message("alice@localhost", "evil-1", "bob rewrote alice", replace=mine))
    bob.send_raw(raw_message("alice@localhost", "evil-2", "retracting for alice",
                             retract=got2.id))
    bob.send_message("alice@localhost", "bob after the attempts")
    scr = wait_main_line(n, r"<bob> bob after the attempts$")
    text = main_text(n, scr)
    assert re.search(r"^%s <alice> alice wrote this$" % TS, text, re.M), text
    assert re.search(r"^%s <alice> alice wrote this too$" % TS, text, re.M), text
    assert "bob rewrote alice" not in text and "(corrected)" not in text
    assert "retracted" not in text
    recs = export_json(n, "all")
    assert bodies(recs) == ["alice wrote this", "alice wrote this too", "bob after the attempts"], recs
    assert not any(r["corrected"] or r["retracted"] for r in recs), recs


def test_stranger_cannot_correct_or_retract_a_contacts_message(chat, bob, prosody, peer_factory):
    """mallory knows the id of bob's message and sends a "correction" and a
    "retraction" for it: bob's line stays, and mallory's text is not stored."""
    n = chat
    mallory = peer_factory("mallory", prosody)
    bob.send_raw(raw_message("alice@localhost", "bob-1", "bob's own words"))
    wait_main_line(n, r"<bob> bob's own words$")
    mallory.send_raw(raw_message("alice@localhost", "mal-1", "mallory rewrote bob",
                                 replace="bob-1"))
    mallory.send_raw(raw_message("alice@localhost", "mal-2", "mallory retracts bob",
                                 retract="bob-1"))
    ping(mallory, NATTER)
    bob.send_message("alice@localhost", "bob again")
    scr = wait_main_line(n, r"<bob> bob again$")
    text = main_text(n, scr)
    assert re.search(r"^%s <bob> bob's own words$" % TS, text, re.M), text
    assert "mallory" not in text and "(corrected)" not in text and "retracted" not in text
    assert "mallory" not in status_windows(n, scr), \
        "a window opened for mallory's forged correction: %s" % status_windows(n, scr)
    recs = export_json(n, "all")
    assert not any("mallory" in (r.get("body") or "") for r in recs), \
        "mallory's correction was stored: %r" % [(r["peer"], r["body"], r["corrected"]) for r in recs]
    assert bodies(recs) == ["bob's own words", "bob again"], recs
    assert not any(r["corrected"] or r["retracted"] for r in recs), recs


# ---------------------------------------------------------------- from alice

def test_correct_and_retract_reach_the_contact_with_the_right_ids(chat, bob):
    n = chat
    n.type_line("helo wrld")
    first = bob.wait_for_message("helo wrld")
    assert first.id, first.xml
    origin = child_attr(first.xml, "origin-id", NS_SID)
    n.type_line("/correct hello world")
    fix = bob.wait_for_message(lambda m: NS_CORRECT in m.xml)
    assert fix.body == "hello world", fix.xml
    replace_id = child_attr(fix.xml, "replace", NS_CORRECT)
    assert replace_id == first.id, "replace id %r, original id %r" % (replace_id, first.id)
    if origin:
        assert replace_id == origin, "replace id %r, origin-id %r" % (replace_id, origin)
    scr = wait_main_line(n, r"^%s <alice> hello world \(corrected\)$" % TS)
    assert "helo wrld" not in main_text(n, scr)

    n.type_line("oops, wrong window")
    oops = bob.wait_for_message("oops, wrong window")
    n.type_line("/retract")
    gone = bob.wait_for_message(lambda m: NS_RETRACT in m.xml)
    retract_id = child_attr(gone.xml, "retract", NS_RETRACT)
    assert retract_id in (oops.id, child_attr(oops.xml, "origin-id", NS_SID)) and retract_id, \
        "retract id %r, message id %r" % (retract_id, oops.id)
    scr = wait_main_line(n, r"^%s <alice> \(message retracted\)$" % TS)
    assert "oops, wrong window" not in main_text(n, scr)
    assert re.search(r"<alice> hello world \(corrected\)", main_text(n, scr))

    recs = export_json(n, BOB)
    assert len(recs) == 2, recs
    fixed = record(recs, "hello world")
    assert fixed["corrected"] is True and fixed["original_body"] == "helo wrld", fixed
    assert [r["retracted"] for r in recs if not r["body"]] == [True], recs
    assert "oops, wrong window" not in json.dumps(recs), "the retracted text is kept"


def test_correct_and_retract_do_not_depend_on_the_lines_on_screen(chat, bob):
    """/correct and /retract act on the last own message in the history, not on
    the window's lines: they still work after /clear and after the scrollback
    has dropped the line (both used to say there was nothing to correct)."""
    n = chat
    n.type_line("helo after clear")
    first = bob.wait_for_message("helo after clear")
    n.type_line("/clear")
    n.type_line("/correct hello after clear")
    fix = bob.wait_for_message(lambda m: NS_CORRECT in m.xml)
    assert fix.body == "hello after clear", fix.xml
    assert child_attr(fix.xml, "replace", NS_CORRECT) in (
        first.id, child_attr(first.xml, "origin-id", NS_SID))

    n.type_line("/set scrollback_lines 100")
    n.type_line("this line scrolls away")
    doomed = bob.wait_for_message("this line scrolls away")
    for i in range(120):
        bob.send_raw(raw_message("alice@localhost", "flood-%d" % i, "filler %d" % i))
    scr = wait_main_line(n, r"<bob> filler 119$")
    assert "this line scrolls away" not in main_text(n, scr)
    n.type_line("/retract")
    gone = bob.wait_for_message(lambda m: NS_RETRACT in m.xml)
    assert child_attr(gone.xml, "retract", NS_RETRACT) in (
        doomed.id, child_attr(doomed.xml, "origin-id", NS_SID))
    recs = export_json(n, BOB)
    assert [r["retracted"] for r in recs if not r["body"]] == [True], recs
    assert "this line scrolls away" not in json.dumps(recs), "the retracted text is kept"
    assert record(recs, "hello after clear")["corrected"] is True


# ---------------------------------------------------------------- receipts

def test_delivery_receipt_ticks_our_message(chat, bob):
    n = chat
    enable_receipts(bob, auto_ack=True)
    n.type_line("please confirm")
    got = bob.wait_for_message("please confirm")
    assert NS_RECEIPTS in got.xml and "<request" in got.xml, "no receipt requested: %s" % got.xml
    scr = wait_main_line(n, r"^%s <alice> please confirm %s$" % (TS, CHECK))

    enable_receipts(bob, auto_ack=False)        # bob's client stops confirming
    n.type_line("no confirmation for this")
    bob.wait_for_message("no confirmation for this")
    bob.send_message("alice@localhost", "answer without a receipt")
    scr = wait_main_line(n, r"<bob> answer without a receipt$")
    assert re.search(r"<alice> no confirmation for this$", main_text(n, scr), re.M), \
        "a message nobody confirmed is marked delivered:\n%s" % main_text(n, scr)
    assert re.search(r"<alice> please confirm %s$" % CHECK, main_text(n, scr), re.M)
    recs = export_json(n, BOB)
    assert record(recs, "please confirm")["receipt"] == "delivered", recs
    assert record(recs, "no confirmation for this")["receipt"] == "pending", recs


def test_receipts_answered_only_for_contacts_who_see_our_presence(chat, bob, prosody,
                                                                   peer_factory):
    n = chat
    bob.send_raw(raw_message("alice@localhost", "rq-bob", "bob asks for a receipt", request=True))
    got = bob.wait_for_stanza(lambda x: "rq-bob" in x and "<received" in x)
    assert NS_RECEIPTS in got
    mallory = peer_factory("mallory", prosody)     # not in alice's roster
    mallory.send_raw(raw_message("alice@localhost", "rq-mal", "mallory asks for a receipt",
                                 request=True))
    n.wait_for(lambda s: "strangers" in status_windows(n, s), timeout=10)
    ping(mallory, NATTER)
    assert not [x for x in mallory.stanzas if "rq-mal" in x and "received" in x], \
        "natter told a stranger that it received the message"


# ---------------------------------------------------------------- edits before their message
# Issue 11, bug 4: a correction or retraction may reach natter before the message it
# changes (the first login fetches the newest page only; PgUp pages back newest first;
# another device retracts something natter never had). It must wait for its message:
# a retracted message never reappears, on screen, in the database or in an export.

def _no_offline_server(prosody_factory):
    from harness import DEFAULT_MODULES
    return prosody_factory(modules=tuple(m for m in DEFAULT_MODULES if m != "offline"))


def _page_back_to_the_beginning(n):
    from screen import squash
    scr = n.screen()
    for _ in range(40):
        if squash("Beginning of the history with this contact.") in squash(main_text(n, scr)):
            return scr
        before = main_rows(n, scr)
        n.send_keys("PPage")
        scr = n.wait_for(lambda s: main_rows(n, s) != before, timeout=15,
                         message="PgUp changed nothing")
    pytest.fail("40 PgUps never reached the beginning")


def _assert_text_gone(n, texts):
    """None of TEXTS in the JSON and text exports, nor in the database files (after
    natter quit)."""
    from harness.history_helpers import export
    from test_archive import _db_bytes
    as_json = json.dumps(export_json(n, "all"))
    as_text = export(n, "all", "text")
    for t in texts:
        assert t not in as_json, "%r in the JSON export" % t
        assert t not in as_text, "%r in the text export" % t
    n.quit()
    raw = _db_bytes(n)
    for t in texts:
        assert t.encode() not in raw, "%r stays in the database files" % t


@pytest.mark.time_limit(120)
def test_edits_on_a_newer_page_than_their_messages(prosody_factory, peer_factory,
                                                   natter_factory):
    """The originals are 60 messages older than their correction and retraction: the
    first login's catch-up (the newest page) brings the edits, PgUp brings the
    originals pages later. The typo is never a message of its own, the retracted
    text is nowhere."""
    from harness.history_helpers import focus
    p = _no_offline_server(prosody_factory)
    bob = peer_factory("bob", p)
    bob.send_raw(raw_message("alice@localhost", "orig-1", "I has a typo"))
    bob.send_raw(raw_message("alice@localhost", "orig-2", "please forget this"))
    for i in range(60):
        bob.send_message("alice@localhost", "gap %03d" % i)
    bob.send_raw(raw_message("alice@localhost", "corr-1", "I have no typo", replace="orig-1"))
    bob.send_raw(raw_message("alice@localhost", "retr-1", "retract fallback", retract="orig-2"))
    for i in range(20):
        bob.send_message("alice@localhost", "filler %03d" % i)
    bob.get_roster()
    n = natter_factory(p)
    n.wait_for(CONNECTED, timeout=15)
    n.wait_for(r"Fetched 50 messages from the server archive\.", timeout=20)
    focus(n, "bob", BOB)
    wait_main_line(n, r"<bob> filler 019$")
    scr = _page_back_to_the_beginning(n)
    text = main_text(n, scr)
    assert len(re.findall(r"<bob> I have no typo \(corrected\)", text)) == 1, text
    assert "I has a typo" not in text, "the typo is shown as a message of its own:\n" + text
    assert re.search(r"<bob> \(message retracted\)", text), text
    assert "please forget this" not in text and "retract fallback" not in text, text
    recs = export_json(n, BOB)
    assert [b for b in bodies(recs) if not b.startswith(("gap ", "filler "))] == \
        ["I have no typo", ""], bodies(recs)[:6]
    assert len(recs) == 2 + 60 + 20, "stored %d messages" % len(recs)
    _assert_text_gone(n, ["please forget this"])


@pytest.mark.time_limit(120)
def test_retraction_carbon_before_natter_has_the_message(prosody_factory, peer_factory,
                                                         natter_factory):
    """alice's phone retracts a message it sent before natter's first login, older
    than the page the login fetched. The carbon of the retraction comes first; the
    message, fetched later with PgUp, must come retracted."""
    from harness.history_helpers import focus
    p = _no_offline_server(prosody_factory)
    bob = peer_factory("bob", p)
    phone = peer_factory("alice", p, resource="phone")
    phone.send_raw(raw_message(BOB, "oops-1", "my secret pin is 4711"))
    bob.wait_for_message("my secret pin is 4711")      # archived before what follows
    for i in range(60):
        bob.send_message("alice@localhost", "chatter %03d" % i)
    bob.get_roster()
    n = natter_factory(p)
    n.wait_for(CONNECTED, timeout=15)
    n.wait_for(r"Fetched 50 messages from the server archive\.", timeout=20)
    phone.send_raw(raw_message(BOB, "retr-oops", "retract fallback", retract="oops-1"))
    bob.wait_for_message(lambda m: "retract fallback" in (m.body or ""))
    ping(phone, NATTER)      # natter handled the carbon before it answered
    focus(n, "bob", BOB)
    scr = _page_back_to_the_beginning(n)
    text = main_text(n, scr)
    assert "4711" not in text, text
    assert re.search(r"<alice> \(message retracted\)", text), text
    recs = export_json(n, BOB)
    assert len(recs) == 61 and recs[0]["retracted"] and recs[0]["body"] == "", \
        [(i, r["ts"], r["body"]) for i, r in enumerate(recs) if i < 3 or r["retracted"]]
    _assert_text_gone(n, ["my secret pin is 4711"])


@pytest.mark.time_limit(120)
def test_retracted_message_stays_retracted_through_catch_up_and_export(chat, bob, prosody,
                                                                         peer_factory):
    """Live: bob's message and its retraction. A carbon of alice's phone retracting
    its own message. Then natter restarts and the catch-up brings all of it again
    from the archive: nothing reappears, nothing is stored twice."""
    n = chat
    phone = peer_factory("alice", prosody, resource="phone")
    bob.send_raw(raw_message("alice@localhost", "live-1", "live secret one"))
    wait_main_line(n, r"<bob> live secret one$")
    bob.send_raw(raw_message("alice@localhost", "live-r", "retract fallback", retract="live-1"))
    phone.send_raw(raw_message(BOB, "phone-1", "phone secret two"))
    wait_main_line(n, r"<alice> phone secret two$")
    phone.send_raw(raw_message(BOB, "phone-r", "retract fallback", retract="phone-1"))
    n.wait_for(lambda s: len(re.findall(r"\(message retracted\)", main_text(n, s))) == 2,
               timeout=10, message="both retractions not shown")
    bob.send_message("alice@localhost", "after the retractions")
    wait_main_line(n, r"<bob> after the retractions$")
    # Live messages move the sync point, so a restart would fetch nothing again:
    # forget it, as a lost or new database would, so the catch-up brings it all.
    n.quit()
    import sqlite3
    from harness.history_helpers import db_path
    con = sqlite3.connect(db_path(n), timeout=10, isolation_level=None)
    try:
        gone = con.execute("DELETE FROM state WHERE key IN ('mam_last_id', 'mam_sync_time')")
        assert gone.rowcount >= 1
    finally:
        con.close()
    n.socket_name = "natter-test-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
    n.start()
    n.wait_for(CONNECTED, timeout=15)
    n.wait_for(r"Fetched \d+ messages? from the server archive\.", timeout=20)
    open_chat(n)
    scr = wait_main_line(n, r"<bob> after the retractions$")
    text = main_text(n, scr)
    assert "secret" not in text, text
    assert len(re.findall(r"\(message retracted\)", text)) == 2, text
    recs = export_json(n, BOB)
    assert [(r["outgoing"], r["body"], r["retracted"]) for r in recs] == [
        (False, "", True), (True, "", True), (False, "after the retractions", False)], recs
    _assert_text_gone(n, ["live secret one", "phone secret two"])


@pytest.mark.time_limit(120)
def test_room_retraction_on_a_newer_page_than_its_message(muc_server, natter_factory,
                                                          occupant_factory):
    """In a room: bob's message, 60 more, then bob retracts it by the room's id. The
    join fetches the newest page (with the retraction); PgUp brings the message
    pages later, and it must come retracted."""
    from muc_helpers import msg, wait_line, you_joined
    n = natter_factory(muc_server, cols=160, rows=40)
    n.wait_for(CONNECTED, timeout=15)
    bob = occupant_factory("bob", muc_server)
    room = "edits@conference.localhost"
    bob.create("edits", "bob", persistent=True)
    bob.say("edits", "room secret 1")
    secret = bob.wait_for_groupchat(room, "room secret 1")
    sid = re.search(r'<stanza-id[^>]*id="([^"]+)"', secret.xml).group(1)
    for i in range(60):
        bob.say("edits", "rgap %03d" % i)
    bob.send_raw("<message type='groupchat' to='%s' id='r-retr'><retract xmlns='%s' id='%s'/>"
                 "<fallback xmlns='urn:xmpp:fallback:0' for='%s'/><body>retracted</body>"
                 "</message>" % (room, NS_RETRACT, sid, NS_RETRACT))
    for i in range(9):
        bob.say("edits", "rtail %03d" % i)
    bob.say("edits", "rtail 009", wait=True)
    n.type_line("/join edits")
    wait_line(n, you_joined("edits", "alice"), timeout=15)
    wait_line(n, msg("bob", "rtail 009"), timeout=15)
    scr = _page_back_to_the_beginning(n)
    text = main_text(n, scr)
    assert "room secret 1" not in text, text
    assert re.search(r"<bob> \(message retracted\)", text), text
    recs = export_json(n, room)
    assert [r["body"] for r in recs if not r["body"].startswith(("rgap ", "rtail "))][:1] == [""], \
        [r["body"] for r in recs][:3]
    _assert_text_gone(n, ["room secret 1"])
