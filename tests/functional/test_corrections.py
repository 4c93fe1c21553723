"""Corrections (XEP-0308), retractions (XEP-0424) and delivery receipts
(XEP-0184), on screen, on the wire and in the history (issue 3).

A correction or retraction counts only from the sender of the original message:
bob may correct bob's messages, not alice's, and a stranger cannot touch bob's.
"""

import json
import re

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
    """alice's natter with bob's chat window open."""
    open_chat(alice)
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
    n.wait_for(lambda s: "mallory" in status_windows(n, s), timeout=10)
    ping(mallory, NATTER)
    assert not [x for x in mallory.stanzas if "rq-mal" in x and "received" in x], \
        "natter told a stranger that it received the message"
