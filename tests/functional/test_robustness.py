"""Hostile or broken stanzas from the network: natter neither crashes nor
shows or stores what it must not, and keeps working afterwards.

Each test sends the bad stanzas from another user (mallory) or from a second
resource of alice, then a normal message; once that normal message is on
screen, natter has handled everything before it on the same stream.
"""

import pytest

from screen import main_has, wait_main_has

BAD_STANZAS = [
    # messages without the parts natter needs
    "<message to='alice@localhost/natter' type='chat'/>",
    "<message to='alice@localhost/natter' type='chat'><body/></message>",
    "<message to='alice@localhost/natter' type='error'/>",
    "<message to='alice@localhost/natter' type='chat'><replace xmlns='urn:xmpp:message-correct:0'/>"
    "<body>no id correction</body></message>",
    "<message to='alice@localhost/natter' type='chat'><retract xmlns='urn:xmpp:message-retract:1'/>"
    "</message>",
    "<message to='alice@localhost/natter' type='chat'><received xmlns='urn:xmpp:receipts'/></message>",
    "<message to='alice@localhost/natter' type='chat'><delay xmlns='urn:xmpp:delay' stamp='garbage'/>"
    "<body>bad stamp body</body></message>",
    # carbons and archive results that are malformed as well as forged
    "<message to='alice@localhost/natter'><received xmlns='urn:xmpp:carbons:2'/></message>",
    "<message to='alice@localhost/natter'><sent xmlns='urn:xmpp:carbons:2'><forwarded "
    "xmlns='urn:xmpp:forward:0'/></sent></message>",
    "<message to='alice@localhost/natter'><result xmlns='urn:xmpp:mam:2'/></message>",
    # iqs natter does not know, and a roster push with nothing in it
    "<iq type='get' id='q1' to='alice@localhost/natter'><query xmlns='urn:example:unknown'/></iq>",
    "<iq type='set' id='q2' to='alice@localhost/natter'/>",
    "<iq type='get' id='q3' to='alice@localhost/natter'><query "
    "xmlns='http://jabber.org/protocol/disco#info' node='bogus#node'/></iq>",
    "<iq type='result' id='never-asked' to='alice@localhost/natter'/>",
    # presence oddities
    "<presence to='alice@localhost/natter' type='bogus'/>",
    "<presence to='alice@localhost/natter'><priority>not-a-number</priority>"
    "<show>sideways</show></presence>",
    "<presence to='alice@localhost/natter' type='error'/>",
]


@pytest.fixture
def peers(prosody, peer_factory):
    return peer_factory("bob", prosody), peer_factory("mallory", prosody)


def test_malformed_stanzas_do_not_break_natter(alice, peers):
    bob, mallory = peers
    for xml in BAD_STANZAS:
        mallory.send_raw(xml)
    mallory.send_message("alice@localhost", "mallory's sentinel")
    scr = alice.wait_for(lambda s: "2:strangers" in s, timeout=15)  # not in the roster
    alice.type_line("/win 2")
    wait_main_has(alice, "mallory's sentinel", timeout=10)
    assert alice.is_alive()
    scr = alice.screen()
    # The malformed correction and retraction changed nothing; the message with
    # a bad delay stamp is shown (with the time of arrival).
    assert main_has(alice, scr, "bad stamp body")
    # natter still works both ways.
    bob.send_message("alice@localhost", "after the storm")
    alice.type_line("/msg bob@localhost")
    wait_main_has(alice, "after the storm", timeout=10)
    alice.type_line("still here")
    bob.wait_for_message("still here", timeout=10)


def test_unknown_iq_gets_an_error_reply(alice, peers):
    """RFC 6120 8.4: every iq get/set is answered, unknown ones with an error."""
    bob, mallory = peers
    mallory.send_raw("<iq type='get' id='unknown-1' to='alice@localhost/natter'>"
                     "<query xmlns='urn:example:unknown'/></iq>")
    xml = mallory.wait_for_stanza(lambda x: "unknown-1" in x and "type=\"error\"" in x
                                  or "unknown-1" in x and "type='error'" in x, timeout=10)
    assert "service-unavailable" in xml


def test_huge_message_is_shown_and_natter_stays_responsive(alice, peers):
    bob, _ = peers
    body = ("word " * 20000) + "THE-END"  # ~100 KB, wrapped over many rows
    alice.type_line("/msg bob@localhost")
    bob.send_message("alice@localhost", body)
    alice.wait_for(lambda s: "THE-END" in s, timeout=20)
    alice.type_line("small reply")
    bob.wait_for_message("small reply", timeout=10)
