"""Presence subscriptions both ways, and roster edits."""

import re

import pytest

from screen import main_text, roster_text, status_bar, wait_main_has


@pytest.fixture
def alice_check(prosody, peer_factory):
    """A second resource of alice, to read her roster from the server."""
    return peer_factory("alice", prosody, resource="check", initial_presence=False)


def asks(jid):
    return "%s asks to see your presence: /sub allow %s or /sub deny %s" % (jid, jid, jid)


def in_strangers_window(alice):
    """Requests from people outside the roster land in the strangers window."""
    alice.wait_for(lambda s: "2:strangers" in status_bar(alice, s))
    alice.type_line("/win 2")


def test_incoming_request_allowed(alice, prosody, peer_factory, alice_check):
    frank = peer_factory("frank", prosody)
    frank.send_subscribe("alice@localhost")
    in_strangers_window(alice)
    wait_main_has(alice, asks("frank@localhost"))
    alice.type_line("/sub allow frank@localhost")
    frank.wait_for_presence("subscribed", frm="alice@localhost")
    # and now frank sees alice's presence
    frank.wait_for_presence("available", frm="alice@localhost/natter")
    assert alice_check.get_roster()["frank@localhost"]["subscription"] in ("from", "both")


def test_incoming_request_denied(alice, prosody, peer_factory, alice_check):
    grace = peer_factory("grace", prosody)
    grace.send_subscribe("alice@localhost")
    in_strangers_window(alice)
    wait_main_has(alice, asks("grace@localhost"))
    alice.type_line("/sub deny grace@localhost")
    grace.wait_for_presence("unsubscribed", frm="alice@localhost")
    assert not any(p.type == "subscribed" for p in grace.presences)
    item = alice_check.get_roster().get("grace@localhost")
    assert item is None or item["subscription"] in ("none", "to")


def test_outgoing_request(alice, prosody, peer_factory, alice_check):
    heidi = peer_factory("heidi", prosody)
    alice.type_line("/sub request heidi@localhost")
    req = heidi.wait_for_presence("subscribe", frm="alice@localhost")
    assert req.to == "heidi@localhost"
    heidi.approve("alice@localhost")
    alice.wait_for(lambda s: re.search(r"\bheidi\b", roster_text(alice, s)))
    assert alice_check.get_roster()["heidi@localhost"]["subscription"] in ("to", "both")
    # heidi's presence now reaches alice: a chat window shows her going away
    alice.type_line("/msg heidi@localhost")
    heidi.send_presence(show="away", status="brb")
    wait_main_has(alice, "heidi is now away: brb")


def test_roster_add_and_remove(alice, alice_check):
    alice.type_line("/roster add erin@localhost Erin E.")
    alice.wait_for(lambda s: "Erin E." in roster_text(alice, s))
    assert alice_check.get_roster()["erin@localhost"]["name"] == "Erin E."
    alice.type_line("/roster remove erin@localhost")
    alice.wait_for(lambda s: "Erin E." not in roster_text(alice, s))
    assert "erin@localhost" not in alice_check.get_roster()


def test_roster_add_invalid_jid_names_the_problem(alice):
    # The error line carries the reason (not "(null)"), for every /roster subcommand.
    for sub in ("add", "remove", "name", "group"):
        alice.type_line("/roster %s bad@@jid%s" % (sub, sub))
        scr = wait_main_has(alice, "'bad@@jid%s' is not a valid JID" % sub)
        assert "(null)" not in main_text(alice, scr), main_text(alice, scr)
