"""Contact information: /info, /software, /ping, /time, /caps asked of Prosody and of
slixmpp peers, the answers in the window the command was typed in, errors as one line;
and what natter answers itself (XEP-0092 with version_os, XEP-0202, XEP-0199, XEP-0012)."""

import re

from harness import Peer
from screen import main_text, title_bar, wait_main_has, wait_main_line


class InfoPeer(Peer):
    """A peer that answers software version requests (XEP-0092)."""

    def _register_plugins(self, client):
        client.register_plugin("xep_0092", {"software_name": "TestClient", "version": "4.2"})


def ask(peer, iq_id, to, payload):
    """Send an iq get from PEER and return the answer's XML."""
    peer.send_raw("<iq type='get' id='%s' to='%s'>%s</iq>" % (iq_id, to, payload))
    return peer.wait_for_stanza(lambda x: re.search(r"id=[\"']%s[\"']" % iq_id, x))


def test_ping_server_and_contact(alice, prosody, peer_factory):
    alice.type_line("/ping")
    wait_main_line(alice, r"Pong from localhost in \d+ ms\.")
    peer_factory("bob", prosody)
    alice.type_line("/ping bob@localhost/peer")
    wait_main_line(alice, r"Pong from bob@localhost/peer in \d+ ms\.")
    alice.type_line("/ping nobody@localhost/x")
    wait_main_has(alice, "No ping from nobody@localhost/x: service-unavailable")


def test_software_and_time_in_the_chat_window(alice, prosody, peer_factory):
    bob = InfoPeer("bob", "pw", prosody)
    try:
        bob.connect()
        alice.type_line("/msg bob")
        alice.wait_for(lambda s: "bob" in title_bar(alice, s))
        alice.type_line("/software bob@localhost/peer")
        wait_main_has(alice, "bob@localhost/peer runs TestClient 4.2")
        alice.type_line("/time @localhost")
        wait_main_line(alice, r"Time at localhost: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d "
                              r"\(UTC[+-]\d\d:\d\d\)")
        alice.type_line("/software @localhost")
        wait_main_line(alice, r"localhost runs Prosody 0\.")
        # a bare JID: the server answers for the account, and refuses
        alice.type_line("/software bob@localhost")
        wait_main_has(alice, "No software version from bob@localhost: service-unavailable")
        alice.type_line("/win 1")
        scr = alice.wait_for(lambda s: "console" in title_bar(alice, s)
                             and "Connected as" in main_text(alice, s))
        assert "TestClient" not in main_text(alice, scr)
    finally:
        bob.close()


def test_info_contact(alice, prosody, peer_factory):
    bob = InfoPeer("bob", "pw", prosody)
    try:
        bob.connect()
        bob.send_raw("<iq type='set' id='v1'><vCard xmlns='vcard-temp'>"
                     "<NICKNAME>Bobby</NICKNAME></vCard></iq>")
        bob.wait_for_stanza("v1")
        bob.send_raw("<presence><show>away</show><priority>7</priority>"
                     "<idle xmlns='urn:xmpp:idle:1' since='2020-01-01T10:00:00Z'/></presence>")
        alice.wait_for(lambda s: "~ bob" in s)
        alice.type_line("/info bob")
        wait_main_has(alice, "bob@localhost's nickname (vCard): Bobby")
        scr = wait_main_has(alice, "bob@localhost/peer runs TestClient 4.2")
        text = main_text(alice, scr)
        assert "groups: Friends; subscription: both" in text, text
        assert re.search(r"resource peer: away, priority 7, idle for \d+ days", text), text
        assert "bob@localhost/peer runs TestClient 4.2" in text, text
    finally:
        bob.close()


def test_info_offline_contact_last_seen(alice, prosody, peer_factory):
    carol = peer_factory("carol", prosody)
    carol.send_presence(ptype="unavailable", status="gone fishing")
    alice.wait_for(lambda s: "+ Carol" not in s)
    alice.type_line("/info carol")
    scr = wait_main_line(alice, r"carol@localhost was last seen \d+ s ago \(\"gone fishing\"\)")
    assert "offline" in main_text(alice, scr)
    wait_main_has(alice, "carol@localhost has no vCard.")


def test_info_errors(alice):
    alice.type_line("/info nobody")
    wait_main_has(alice, "No contact is called 'nobody'")
    alice.type_line("/software bad@@jid")
    wait_main_has(alice, "'bad@@jid' is not a valid JID.")
    alice.type_line("/caps carol")
    wait_main_has(alice, "carol@localhost has no resource online")


def test_caps_of_a_resource(alice, prosody, peer_factory):
    peer_factory("bob", prosody)
    alice.wait_for(lambda s: "+ bob" in s)
    alice.type_line("/caps bob")
    scr = wait_main_line(alice, r"bob@localhost/peer \(client/\w+.*\) has \d+ features:")
    assert "urn:xmpp:ping" in main_text(alice, scr)


def test_natter_answers(alice, prosody, peer_factory):
    bob = peer_factory("bob", prosody)
    me = "alice@localhost/natter"
    ver = ask(bob, "q1", me, "<query xmlns='jabber:iq:version'/>")
    assert "<name>natter</name>" in ver and "<os>" in ver, ver
    alice.type_line("/set version_os off")
    wait_main_has(alice, "version_os")
    ver = ask(bob, "q2", me, "<query xmlns='jabber:iq:version'/>")
    assert "<name>natter</name>" in ver and "<os>" not in ver, ver
    tm = ask(bob, "q3", me, "<time xmlns='urn:xmpp:time'/>")
    assert re.search(r"<utc>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</utc>", tm), tm
    assert re.search(r"<tzo>[+-]\d\d:\d\d</tzo>", tm), tm
    ping = ask(bob, "q4", me, "<ping xmlns='urn:xmpp:ping'/>")
    assert "result" in ping, ping
    last = ask(bob, "q5", me, "<query xmlns='jabber:iq:last'/>")
    assert re.search(r"seconds=[\"']\d+[\"']", last), last
    # idle time only for those who may see alice's presence
    mallory = peer_factory("mallory", prosody)
    refused = ask(mallory, "q6", me, "<query xmlns='jabber:iq:last'/>")
    assert "forbidden" in refused and "seconds" not in refused, refused
    disco = ask(bob, "q7", me, "<query xmlns='http://jabber.org/protocol/disco#info'/>")
    for feature in ("jabber:iq:version", "urn:xmpp:time", "urn:xmpp:ping", "jabber:iq:last"):
        assert feature in disco, disco


class SilentPeer(Peer):
    """A peer whose client never answers pings (they are dropped on arrival)."""

    def _register_plugins(self, client):
        def drop_pings(stanza):
            if stanza.tag.endswith("}iq") and "urn:xmpp:ping" in str(stanza):
                return None
            return stanza
        client.add_filter("in", drop_pings)


def test_silence_is_one_line(alice, prosody):
    bob = SilentPeer("bob", "pw", prosody)
    try:
        bob.connect()
        alice.type_line("/ping bob@localhost/peer")
        scr = wait_main_has(alice, "No ping answer from bob@localhost/peer within 15 s.",
                            timeout=25)
        assert "Pong" not in main_text(alice, scr)
    finally:
        bob.close()
