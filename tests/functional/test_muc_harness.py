"""Self-test of the group-chat harness: Prosody's MUC component, bookmark storage and
the slixmpp occupants (harness/muc.py). No natter needed: when a test in
test_muc*.py fails, these passing means natter failed, not the harness."""

import re
import time

import pytest

from harness import MUC_DOMAIN, MucError, error_condition, muc_item, status_codes

ROOM = "lobby@" + MUC_DOMAIN


def test_component_is_discoverable_and_archives(muc_server, occupant_factory):
    bob = occupant_factory("bob", muc_server)
    assert MUC_DOMAIN in bob.disco_items("localhost")
    features = bob.disco_features(MUC_DOMAIN)
    assert "http://jabber.org/protocol/muc" in features
    assert "urn:xmpp:bookmarks:1#compat" in bob.disco_features(bob.bare)
    bob.create("lobby", "bob", persistent=True)
    room_features = bob.disco_features(ROOM)
    assert "urn:xmpp:mam:2" in room_features, room_features
    assert "urn:xmpp:message-moderate:0" not in room_features   # Prosody 0.12: no XEP-0425


def test_occupants_talk_nick_subject(muc_server, occupant_factory):
    bob = occupant_factory("bob", muc_server)
    carol = occupant_factory("carol", muc_server)
    own = bob.create("lobby", "bob")
    assert {110, 201} <= status_codes(own) and muc_item(own)["affiliation"] == "owner"
    carol.join("lobby", "carol")
    bob.wait_for_occupant("lobby", "carol")
    carol.say("lobby", "hello room", wait=True)
    bob.wait_for_groupchat("lobby", "hello room", nick="carol")
    carol.change_nick("lobby", "caz")
    pres = bob.wait_for_occupant("lobby", "carol", "unavailable")
    assert 303 in status_codes(pres) and muc_item(pres)["nick"] == "caz"
    bob.wait_for_occupant("lobby", "caz")
    bob.set_subject("lobby", "today: tests")
    carol.wait_for_stanza(re.compile(r"<subject>today: tests</subject>"))
    assert set(carol.occupants("lobby")) == {"bob", "caz"}
    carol.leave("lobby", "bye now")
    gone = bob.wait_for_occupant("lobby", "caz", "unavailable")
    assert gone.status == "bye now"


def test_kick_ban_and_join_errors(muc_server, occupant_factory):
    bob = occupant_factory("bob", muc_server)
    carol = occupant_factory("carol", muc_server)
    dave = occupant_factory("dave", muc_server)
    bob.create("lobby", "bob")
    carol.join("lobby", "carol")
    bob.kick("lobby", "carol", "be nice")
    pres = carol.wait_for_occupant("lobby", "carol", "unavailable")
    assert {307, 110} <= status_codes(pres)
    assert muc_item(pres)["actor"] == "bob" and muc_item(pres)["reason"] == "be nice"
    carol.join("lobby", "carol")
    bob.ban("lobby", "carol@localhost", "enough")
    pres = bob.wait_for_occupant("lobby", "carol", "unavailable",
                                 predicate=lambda r: 301 in status_codes(r))
    assert muc_item(pres)["actor"] == "bob"
    with pytest.raises(MucError) as err:
        carol.join("lobby", "carol")
    assert err.value.condition == "forbidden"
    with pytest.raises(MucError) as err:
        dave.join("lobby", "bob")
    assert err.value.condition == "conflict"
    # members-only, then password-protected
    bob.create("club", "bob", members_only=True)
    with pytest.raises(MucError) as err:
        dave.join("club", "dave")
    assert err.value.condition == "registration-required"
    bob.set_affiliation("club", "dave@localhost", "member")
    dave.join("club", "dave")
    bob.create("vault", "bob", password="s3cret")
    for pw in (None, "wrong"):
        with pytest.raises(MucError) as err:
            dave.join("vault", "dave", password=pw)
        assert err.value.condition == "not-authorized"
    dave.join("vault", "dave", password="s3cret")
    # a participant may not kick
    with pytest.raises(MucError) as err:
        dave.kick("vault", "bob")
    assert err.value.condition in ("not-allowed", "forbidden")


@pytest.mark.time_limit(60)
def test_many_bots_on_one_loop(muc_server, occupant_factory):
    start = time.monotonic()
    bots = [occupant_factory("bot%02d" % i, muc_server, connect=False) for i in range(25)]
    for b in bots:
        b.connect(wait=False)
    for b in bots:
        b.wait_connected()
    bots[0].create("crowd", "bot00")
    for b in bots[1:]:
        b.join("crowd", b.bare.split("@")[0], wait=False)
    for b in bots[1:]:
        bots[0].wait_for_occupant("crowd", b.bare.split("@")[0])
    for i, b in enumerate(bots):
        b.say("crowd", "line %02d" % i)
    last = bots[0]
    # 25 streams reach the server in no set order: wait for every line, not the last one said
    for i in range(25):
        last.wait_for_groupchat("crowd", "line %02d" % i, timeout=15)
    wait = time.monotonic() - start
    got = [body for _, body in last.groupchat("crowd")]
    assert sorted(got) == ["line %02d" % i for i in range(25)]
    assert len(last.occupants("crowd")) == 25
    assert wait < 30, "25 bots took %.1f s" % wait


def test_history_and_archive(muc_server, occupant_factory):
    bob = occupant_factory("bob", muc_server)
    carol = occupant_factory("carol", muc_server)
    bob.create("lobby", "bob")
    for i in range(3):
        bob.say("lobby", "before %d" % i, wait=True)
    carol.join("lobby", "carol", history=None)
    carol.wait_for_groupchat("lobby", "before 2")
    hist = [r for r in carol.messages if r.body and r.body.startswith("before")]
    assert len(hist) == 3 and all("urn:xmpp:delay" in r.xml for r in hist)
    xml = carol.iq(ROOM, "<query xmlns='urn:xmpp:mam:2' queryid='q1'/>")
    assert "fin" in xml
    carol.wait_for_stanza(lambda x: "queryid=\"q1\"" in x and "before 2" in x)


def test_bookmarks_0402_and_compat(muc_server, occupant_factory):
    alice = occupant_factory("alice", muc_server, resource="check")
    assert alice.bookmarks_0402() == {}
    alice.add_bookmark_0402("lobby", nick="al", autojoin=True)
    assert alice.bookmarks_0402() == {ROOM: {"nick": "al", "autojoin": True, "password": None,
                                            "name": None}}
    # mod_bookmarks mirrors it into XEP-0048 storage for old clients
    assert alice.bookmarks_0048()[ROOM]["nick"] == "al"


def test_bookmarks_0048_only(prosody_factory, occupant_factory):
    p = prosody_factory(muc=True, xep0402=False)
    alice = occupant_factory("alice", p, resource="check")
    assert "urn:xmpp:bookmarks:1#compat" not in alice.disco_features(alice.bare)
    with pytest.raises(MucError):
        alice.bookmarks_0402()     # no PEP at all
    alice.set_bookmarks_0048({"lobby": {"nick": "al", "autojoin": True}})
    assert alice.bookmarks_0048() == {ROOM: {"nick": "al", "autojoin": True, "password": None,
                                            "name": None}}


def test_invitations_and_private_messages(muc_server, occupant_factory):
    bob = occupant_factory("bob", muc_server)
    carol = occupant_factory("carol", muc_server)
    bob.create("lobby", "bob")
    bob.invite("lobby", "carol@localhost", "come in")
    got = carol.wait_for_stanza("jabber:x:conference")
    assert ROOM in got and "come in" in got
    bob.invite("lobby", "carol@localhost", "mediated too", mediated=True)
    got = carol.wait_for_stanza(lambda x: "<invite" in x)
    assert "mediated too" in got and ROOM + "/bob" in got   # semi-anonymous room: occupant JID
    carol.join("lobby", "carol")
    bob.private("lobby", "carol", "psst")
    msg = carol.wait_for_message("psst")
    assert msg.frm == ROOM + "/bob" and msg.type == "chat"


@pytest.mark.time_limit(60)
def test_persistent_room_survives_restart(muc_server, occupant_factory):
    bob = occupant_factory("bob", muc_server)
    bob.create("lobby", "bob", persistent=True, name="The Lobby")
    bob.say("lobby", "before restart", wait=True)
    muc_server.restart()
    bob.wait_disconnected()
    bob.connect()
    own = bob.join("lobby", "bob", history=None)
    assert 201 not in status_codes(own)
    bob.wait_for_groupchat("lobby", "before restart", since=own.when - 1)


def test_error_condition_parser():
    xml = ("<presence xmlns='jabber:client' type='error'><error type='cancel'>"
           "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
           "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>taken</text></error></presence>")
    assert error_condition(xml) == ("conflict", "taken")
