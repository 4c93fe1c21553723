"""Group chat (issue 4), continued: bookmarks (XEP-0402 and the XEP-0048 fallback)
with autojoin, mention highlight, hostile nicks and bodies, private messages to
occupants, invitations both ways. Expected strings are in muc_helpers.py."""

import re
import time

import pytest

from harness import MUC_DOMAIN, attrs_at, wait_until
from muc_helpers import (bookmark_line, has_line, invitation, inviter_shown, mediated_invitation, joined, line_attrs, msg,
                         occupants_pane, room_name, room_window, show_occupants, shown_nick,
                         title_has, wait_line, wait_room_window, you_joined,
                         private_window_name)
from screen import CONNECTED, main_text, status_bar, title_bar
# The same natter (wide screen), bob and join() as test_muc.py.
from test_muc import bob, join, natter  # noqa: F401

COLS, ROWS = 160, 40
ROOM = "lobby@" + MUC_DOMAIN


# ---- bookmarks ----

def _bookmark_then_autojoin(n, bob, check, stored):
    """/bookmark add in the room, check what the server stores, /bookmark list, then
    restart natter: it joins by itself."""
    bob.create("lobby", "bob", persistent=True)
    join(n, "lobby")
    n.type_line("/bookmark add")
    want = {ROOM: {"nick": "alice", "autojoin": True, "password": None, "name": None}}
    got = {}

    def saved():
        got.clear()
        got.update(stored())
        return {k: {"nick": v["nick"], "autojoin": v["autojoin"]} for k, v in got.items()} == \
            {k: {"nick": v["nick"], "autojoin": v["autojoin"]} for k, v in want.items()}
    wait_until(saved, 10, message="bookmark not stored as %r" % want, describe=lambda: got)
    n.type_line("/bookmark list")
    wait_line(n, bookmark_line("lobby", "alice", autojoin=True))
    n.quit()
    bob.wait_for_occupant("lobby", "alice", "unavailable")
    since = time.monotonic()
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    bob.wait_for_occupant("lobby", "alice", since=since, timeout=15)
    num = wait_room_window(n, "lobby")
    n.send_keys("M-%d" % num)
    wait_line(n, you_joined("lobby", "alice"))
    n.type_line("back by bookmark")
    bob.wait_for_groupchat("lobby", "back by bookmark", nick="alice")
    # /bookmark remove: gone from the server too
    n.type_line("/bookmark remove")
    wait_until(lambda: ROOM not in stored(), 10, message="bookmark still stored after remove")


def test_bookmark_xep0402_then_autojoin(natter, bob, muc_server, occupant_factory):
    check = occupant_factory("alice", muc_server, resource="check", initial_presence=False)
    _bookmark_then_autojoin(natter, bob, check, check.bookmarks_0402)


def test_bookmark_xep0048_fallback(prosody_factory, natter_factory, occupant_factory):
    p = prosody_factory(muc=True, xep0402=False)
    n = natter_factory(p, cols=COLS, rows=ROWS)
    n.wait_for(CONNECTED, timeout=15)
    bob = occupant_factory("bob", p)
    check = occupant_factory("alice", p, resource="check", initial_presence=False)
    _bookmark_then_autojoin(n, bob, check, check.bookmarks_0048)


def test_bookmark_from_another_client_is_autojoined(muc_server, natter_factory, occupant_factory):
    bob = occupant_factory("bob", muc_server)
    bob.create("lobby", "bob", persistent=True)
    bob.create("quiet", "bob", persistent=True)
    check = occupant_factory("alice", muc_server, resource="check", initial_presence=False)
    check.add_bookmark_0402("lobby", nick="al", autojoin=True)
    check.add_bookmark_0402("quiet", nick="al", autojoin=False)
    n = natter_factory(muc_server, cols=COLS, rows=ROWS)
    n.wait_for(CONNECTED, timeout=15)
    bob.wait_for_occupant("lobby", "al", timeout=15)
    n.type_line("/bookmark list")
    wait_line(n, bookmark_line("quiet", "al", autojoin=False))
    scr = wait_line(n, bookmark_line("lobby", "al", autojoin=True))
    assert room_window(n, scr, "quiet") is None, "a bookmark without autojoin was joined"
    assert "al" not in bob.occupants("quiet")


# ---- mentions ----

def test_mention_highlight(natter, bob):
    n = natter
    bob.create("lobby", "bob")
    join(n, "lobby")
    n.send_keys("M-1")
    n.wait_for(lambda s: CONNECTED in main_text(n, s))
    bob.say("lobby", "malice is not a mention")
    scr = n.wait_for(lambda s: (room_window(n, s, "lobby") or (0, ""))[1] != "",
                     message="no activity mark for the room")
    assert room_window(n, scr, "lobby")[1] == "+", status_bar(n, scr)
    bob.say("lobby", "ALICE: are you there?")
    scr = n.wait_for(lambda s: (room_window(n, s, "lobby") or (0, ""))[1] == "*",
                     message="a mention did not mark the window with *")
    n.send_keys("M-%d" % room_window(n, scr, "lobby")[0])
    wait_line(n, msg("bob", "ALICE: are you there?"))
    normal = line_attrs(n, "malice is not a mention")
    mention = line_attrs(n, "are you there?")
    assert normal is not None and mention is not None
    assert mention != normal, "mention drawn like any other line: %r" % (mention,)
    bob.say("lobby", "and again, no mention")
    wait_line(n, msg("bob", "and again, no mention"))
    assert line_attrs(n, "and again, no mention") == normal


# ---- untrusted nicks and bodies ----

C1_AND_BIDI = ("BEFORE \u009b31mRED\u009b0m \u009d2;PWNED\u009c \u202eEVIL\u202c "
               "\u0085NEL \u007fDEL AFTER")


def _raw_controls(text):
    return [c for c in text if (0x80 <= ord(c) <= 0x9F) or c in "\u202a\u202b\u202d\u202e\u2066\u2067\u2068"
            or (ord(c) < 0x20 and c != "\n") or c == "\x7f"]


def test_hostile_bodies_and_subject(natter, bob, muc_server, occupant_factory):
    n = natter
    bob.create("lobby", "bob", change_subject=True)
    join(n, "lobby")
    title = n.title()
    # a body with C1 controls and bidi overrides, sent as a raw stanza with XHTML-IM
    mallory = occupant_factory("mallory", muc_server)
    mallory.join("lobby", "mallory")
    mallory.send_raw("<message to='%s' type='groupchat'><body>%s</body>"
                     "<html xmlns='http://jabber.org/protocol/xhtml-im'><body "
                     "xmlns='http://www.w3.org/1999/xhtml'><p>x</p></body></html></message>"
                     % (ROOM, C1_AND_BIDI.replace("&", "&amp;").replace("<", "&lt;")))
    scr = n.wait_for(lambda s: "AFTER" in s and "<mallory> BEFORE" in s, timeout=10)
    assert not _raw_controls(scr), "raw controls on screen: %r" % _raw_controls(scr)
    text = main_text(n, scr)
    for visible in ("31mRED", "2;PWNED", "\ufffdEVIL", "\u2421DEL", "AFTER"):
        assert visible in text, "%r missing:\n%s" % (visible, text)
    line = [l for l in n.screen_with_attrs().split("\n") if "BEFORE" in l][0]
    assert attrs_at(line, "RED") == attrs_at(line, "BEFORE") == attrs_at(line, "AFTER"), repr(line)
    # the subject: title bar and topic line
    bob.set_subject("lobby", "topic " + C1_AND_BIDI)
    scr = n.wait_for(lambda s: "topic BEFORE" in title_bar(n, s), timeout=10,
                     message="subject not in the title bar")
    assert not _raw_controls(scr), "raw controls on screen: %r" % _raw_controls(scr)
    assert "\ufffdEVIL" in title_bar(n, scr)
    assert n.title() == title and "PWNED" not in n.title()
    # a kick reason
    bob.kick("lobby", "mallory", "reason " + C1_AND_BIDI)
    scr = n.wait_for(lambda s: has_line(n, s, "mallory was kicked by bob (reason BEFORE"), timeout=10,
                     message="kick with a hostile reason not shown")
    assert not _raw_controls(scr), "raw controls on screen: %r" % _raw_controls(scr)
    assert "\ufffdEVIL" in main_text(n, scr)
    # an invitation's reason, on the console
    bob.invite("lobby", "alice@localhost", "invite " + C1_AND_BIDI)
    n.send_keys("M-1")
    scr = n.wait_for(lambda s: "invite BEFORE" in main_text(n, s), timeout=10,
                     message="invitation with a hostile reason not shown")
    assert not _raw_controls(scr), "raw controls on screen: %r" % _raw_controls(scr)
    assert "\ufffdEVIL" in main_text(n, scr).replace("\n", "")
    assert n.title() == title and "PWNED" not in n.title()


def test_forged_room_stanzas_ignored(natter, bob, muc_server, occupant_factory):
    """Stanzas that claim to be the room's but come from another user's JID (the
    server stamps the real sender) change nothing in the room window."""
    n = natter
    bob.create("lobby", "bob")
    join(n, "lobby")
    mallory = occupant_factory("mallory", muc_server)
    to = "alice@localhost/natter"
    for xml in [
        "<message to='%s' type='groupchat'><body>FORGED groupchat</body></message>" % to,
        "<message to='%s' type='groupchat'><subject>FORGED subject</subject></message>" % to,
        "<presence to='%s' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'>"
        "<item affiliation='none' role='none'><actor nick='bob'/><reason>FORGED kick</reason></item>"
        "<status code='307'/><status code='110'/></x></presence>" % to,
        "<presence to='%s'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' "
        "role='moderator'/><status code='110'/><status code='210'/></x></presence>" % to,
    ]:
        mallory.send_raw(xml)
    mallory.send_message("alice@localhost", "mallory's sentinel")
    n.wait_for(lambda s: re.search(r"\b\d+:strangers", status_bar(n, s)), timeout=10)  # not a contact
    bob.say("lobby", "room sentinel")
    scr = wait_line(n, msg("bob", "room sentinel"))
    assert "FORGED" not in scr, "forged stanza shown:\n%s" % scr
    assert "alice" in bob.occupants("lobby")
    n.type_line("still in the room")
    bob.wait_for_groupchat("lobby", "still in the room", nick="alice")


LOOKALIKES = {"carol": "bob ", "dave": " bob", "erin": "bob\u17b4", "frank": "bob\u1160"}


@pytest.mark.parametrize("user", sorted(LOOKALIKES))
def test_lookalike_nick_shown_distinct(user, natter, bob, muc_server, occupant_factory):
    """Prosody maps U+200B and other format characters in nicks to nothing (so they
    cannot get through it); these survive it and look like "bob" when drawn as is."""
    n = natter
    nick = LOOKALIKES[user]
    bob.create("lobby", "bob")
    join(n, "lobby")
    other = occupant_factory(user, muc_server)
    other.join("lobby", nick)
    wait_line(n, joined(shown_nick(nick)))
    bob.say("lobby", "from the real bob")
    other.say("lobby", "from %s" % user)
    scr = wait_line(n, msg(shown_nick(nick), "from %s" % user))
    assert has_line(n, scr, msg("bob", "from the real bob"))
    assert not has_line(n, scr, msg("bob", "from %s" % user)), "%r shown as plain bob" % nick
    scr = show_occupants(n)
    entries = [e.lstrip("~&+ ") for es in occupants_pane(n, scr).values() for e in es]
    assert entries.count("bob") == 1 and entries.count(shown_nick(nick)) == 1, entries


# ---- private messages ----

def test_private_messages_with_occupants(natter, bob, muc_server, occupant_factory):
    n = natter
    bob.create("lobby", "bob")
    carol = occupant_factory("carol", muc_server)
    carol.join("lobby", "carol")
    join(n, "lobby")
    n.type_line("/msg bob are you there?")
    got = bob.wait_for_message("are you there?")
    assert got.frm == ROOM + "/alice" and got.type == "chat"
    scr = n.wait_for(lambda s: title_has(n, s, private_window_name("bob", "lobby")),
                     message="no private window titled %r" % private_window_name("bob", "lobby"))
    wait_line(n, msg("alice", "are you there?"))
    bob.private("lobby", "alice", "yes, privately")
    wait_line(n, msg("bob", "yes, privately"))
    n.type_line("good")
    got = bob.wait_for_message("good")
    assert got.frm == ROOM + "/alice" and got.type == "chat"
    assert not [m for m in bob.groupchat("lobby") if m[1] in ("are you there?", "good")], \
        "a private message went to the whole room"

    # an occupant writes first: a window opens for it
    carol.private("lobby", "alice", "psst from carol")
    scr = n.wait_for(lambda s: re.search(r"\b(\d+):\S*carol", status_bar(n, s)),
                     message="no window for carol's private message")
    num = re.search(r"\b(\d+):\S*carol", status_bar(n, scr)).group(1)
    n.send_keys("M-%s" % num)
    scr = wait_line(n, msg("carol", "psst from carol"))
    assert title_has(n, scr, private_window_name("carol", "lobby")), title_bar(n, scr)


# ---- invitations ----

def test_invitations_sent(natter, bob, muc_server, occupant_factory):
    n = natter
    carol = occupant_factory("carol", muc_server)
    dave = occupant_factory("dave", muc_server)
    bob.create("lobby", "bob")
    join(n, "lobby")
    n.type_line("/invite -mediated dave@localhost mediated please")
    xml = dave.wait_for_stanza(lambda x: "<invite" in x)
    assert "mediated please" in xml and ROOM in xml, xml
    n.type_line("/invite carol@localhost come over")
    xml = carol.wait_for_stanza("jabber:x:conference")
    assert 'jid="%s"' % ROOM in xml and 'reason="come over"' in xml, xml


def test_invitation_received_direct(natter, bob):
    n = natter
    bob.create("party", "bob")
    bob.invite("party", "alice@localhost", "join us")
    wait_line(n, invitation(inviter_shown("bob@localhost/peer"), "party", "join us"))
    join(n, "party")
    bob.wait_for_occupant("party", "alice")


def test_invitation_received_mediated_and_declined(natter, muc_server, occupant_factory):
    n = natter
    dave = occupant_factory("dave", muc_server)
    dave.create("den", "dave", whois="anyone")     # the invitation carries dave's real JID
    dave.invite("den", "alice@localhost", "secret den", mediated=True)
    scr = wait_line(n, mediated_invitation(inviter_shown("dave@localhost/peer"), "den",
                                           "secret den"))
    assert len(re.findall(r"secret den", main_text(n, scr))) == 1, \
        "one invitation shown more than once (Prosody adds a jabber:x:conference copy and a body)"
    n.type_line("/decline %s" % room_name("den"))
    xml = dave.wait_for_stanza(lambda x: "<decline" in x, timeout=10)
    assert "alice@localhost" in xml


# ---- /whois and /room config ----

def _occupant_id(rec):
    m = re.search(r'<occupant-id xmlns="urn:xmpp:occupant-id:0" id="([^"]+)"', rec.xml) or \
        re.search(r'<occupant-id id="([^"]+)"', rec.xml)
    return m.group(1) if m else None


@pytest.mark.parametrize("whois", ["anyone", "moderators"])
def test_whois(whois, natter, bob):
    n = natter
    own = bob.join("lobby", "bob", status="busy bee")
    bob.configure("lobby", whois=whois)
    join(n, "lobby")
    n.type_line("/whois bob")
    oid = _occupant_id(own)
    assert oid, own.xml
    scr = n.wait_for(lambda s: oid in main_text(n, s).replace("\n", ""), timeout=10,
                     message="/whois bob did not show bob's occupant id %s" % oid)
    text = main_text(n, scr)
    for word in ("moderator", "owner", "busy bee"):
        assert word in text, "%r missing from /whois:\n%s" % (word, text)
    if whois == "anyone":
        assert "bob@localhost" in text, "room gave bob's JID, /whois did not show it"
    else:
        assert "bob@localhost" not in text, "semi-anonymous room: where did bob's JID come from?"


def test_room_config_change(natter, bob):
    n = natter
    n.type_line("/join lobby")
    wait_line(n, you_joined("lobby", "alice"))
    n.type_line("/room config")
    n.wait_for(lambda s: re.search(r"^\d\d:\d\d\s+(-- )?roomname = ", main_text(n, s), re.M),
               timeout=10, message="/room config did not list roomname")
    n.type_line("/room set muc#roomconfig_roomname Tea Room")
    n.type_line("/room submit")

    def name():
        xml = bob.iq(ROOM, "<query xmlns='http://jabber.org/protocol/disco#info'/>", itype="get")
        m = re.search(r'<identity[^>]*name="([^"]*)"', xml)
        return m and m.group(1) == "Tea Room"
    wait_until(name, 10, message="room name not changed by /room submit")
