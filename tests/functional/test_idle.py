"""Auto-away: after auto_away minutes without input natter says it is away, with
the XEP-0319 idle time in its presence; the next key brings it back."""

import re

import pytest

from screen import status_bar, wait_main_has


@pytest.mark.time_limit(150)
def test_auto_away_and_back(alice, prosody, peer_factory):
    bob = peer_factory("bob", prosody)
    bob.wait_for_presence("available", frm="alice@localhost/natter")
    alice.type_line("/set auto_away 1")
    wait_main_has(alice, "auto_away = 1")
    bob.clear()
    away = bob.wait_for_presence(lambda p: p.show == "away" and p.frm == "alice@localhost/natter",
                                 timeout=90)
    m = re.search(r"<idle xmlns=\"urn:xmpp:idle:1\" since=\"([0-9T:\-]+Z)\"", away.xml)
    assert m, away.xml
    wait_main_has(alice, "Away: no input for 1 minute (/set auto_away).")
    assert "away" in status_bar(alice, alice.screen())
    bob.clear()
    alice.send_keys("x")
    back = bob.wait_for_presence(lambda p: p.frm == "alice@localhost/natter" and p.type == "available")
    assert back.show is None and "urn:xmpp:idle:1" not in back.xml, back.xml
    wait_main_has(alice, "Back: online again.")


def test_chosen_presence_is_kept(alice, prosody, peer_factory):
    """A presence the user sets is never undone by input."""
    bob = peer_factory("bob", prosody)
    alice.type_line("/status dnd busy")
    bob.wait_for_presence(lambda p: p.show == "dnd" and p.frm == "alice@localhost/natter")
    bob.clear()
    alice.type_line("/ping")
    alice.wait_for(re.compile(r"Pong from localhost"))
    assert not [p for p in bob.presences if p.frm == "alice@localhost/natter"]
