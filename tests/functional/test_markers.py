"""Read markers (issue 14): chat markers (XEP-0333) both ways and the
displayed state shared with our own devices (XEP-0490, MDS).

natter says "displayed" only once the chat is on screen and looked at, only
to contacts who may see its presence, never with send_read_markers off;
a contact's displayed marker shows "read" on our line; what natter displays
is published to its PEP node, and another device of ours saying it read a
chat clears natter's unread count up to there."""

import re
import uuid

import pytest

from events_helpers import EventReader
from harness import wait_until
from harness.history_helpers import focus, open_chat, ping, status_windows
from screen import CONNECTED, main_text, status_bar, wait_main_has, wait_main_line

NATTER = "alice@localhost/natter"
NS_MARKERS = "urn:xmpp:chat-markers:0"
NS_MDS = "urn:xmpp:mds:displayed:0"

# bob and alice see each other's presence; alice sees carol's but carol not
# alice's (a marker would tell carol more than she may know); dave is a stranger.
ROSTERS = {
    "alice": [("bob@localhost", None, [], "both"), ("carol@localhost", "carol", [], "to")],
    "bob": [("alice@localhost", None, [], "both")],
    "carol": [("alice@localhost", None, [], "from")],
}


@pytest.fixture
def server(prosody_factory):
    return prosody_factory(rosters=ROSTERS, muc=True)


@pytest.fixture
def natter(server, natter_factory):
    n = natter_factory(server, cols=120, rows=30)
    n.wait_for(CONNECTED, timeout=15)
    return n


@pytest.fixture
def bob(server, peer_factory):
    return peer_factory("bob", server)


@pytest.fixture
def events():
    made = []

    def make(n, *args):
        r = EventReader(n, *args)
        made.append(r)
        return r
    yield make
    for r in made:
        r.close()


def send_markable(peer, body, to="alice@localhost"):
    """A chat message asking for markers; returns its id."""
    mid = "m-" + uuid.uuid4().hex[:10]
    peer.send_raw("<message xmlns='jabber:client' to='%s' type='chat' id='%s'><body>%s</body>"
                  "<markable xmlns='%s'/></message>" % (to, mid, body, NS_MARKERS))
    return mid


def displayed_ids(peer):
    """The ids of the displayed markers PEER received."""
    out = []
    for xml in list(peer.stanzas):
        for m in re.finditer(r"<displayed\b[^>]*>", xml):
            if NS_MARKERS in m.group(0):
                out.append(re.search(r"\bid=(['\"])(.*?)\1", m.group(0)).group(2))
    return out


def wait_displayed(peer, mid, timeout=10):
    wait_until(lambda: mid in displayed_ids(peer), timeout,
               message="no displayed marker for %s" % mid,
               describe=lambda: "\n".join(peer.stanzas[-10:]))


def unread(n, nick, scr=None):
    """The unread count the status bar shows for window NICK (0 when none)."""
    bar = status_bar(n, scr or n.screen())
    m = re.search(r"\b\d+:%s[*+]?(?:\((\d+)\))?" % re.escape(nick), bar)
    assert m, bar
    return int(m.group(1) or 0)


def test_displayed_only_once_the_chat_is_on_screen(natter, bob):
    n = natter
    open_chat(n)                    # bob's window exists ...
    n.type_line("/win 1")           # ... but the console is on screen
    n.wait_for(lambda s: status_windows(n, s).get("console", (0, False))[0] == 1)
    m1 = send_markable(bob, "are you there?")
    n.wait_for(lambda s: unread(n, "bob", s) == 1, message="bob's message never counted")
    ping(bob, NATTER)               # natter has handled it, and anything it sends comes first
    assert displayed_ids(bob) == [], "displayed sent for a window not on screen"

    focus(n, "bob", "bob@localhost")
    wait_displayed(bob, m1)
    assert displayed_ids(bob) == [m1]

    # a message arriving in the window on screen is seen at once; only once
    m2 = send_markable(bob, "and now?")
    wait_main_has(n, "and now?")
    wait_displayed(bob, m2)
    ping(bob, NATTER)
    assert displayed_ids(bob) == [m1, m2]
    marker = [x for x in bob.stanzas if m2 in x and "<displayed" in x][0]
    assert "<body" not in marker


def test_not_displayed_while_scrolled_up(natter, bob):
    """A window scrolled up does not show its newest line: seen at End."""
    n = natter
    open_chat(n)
    n.type_line("/help all")            # more lines than the window has rows
    n.wait_for(lambda s: re.search(r"Keys:", main_text(n, s)))
    n.send_keys("PPage")
    n.wait_for(lambda s: "more below" in status_bar(n, s))
    mid = send_markable(bob, "while scrolled")
    n.wait_for(lambda s: "more below: 1 new" in status_bar(n, s))
    ping(bob, NATTER)
    assert mid not in displayed_ids(bob), "displayed sent while scrolled up"
    n.send_keys("End")
    wait_displayed(bob, mid)


def test_not_displayed_while_the_user_is_away_from_the_screen(natter, bob, tmp_path):
    """Without focus reports (tmux's default), a chat on screen that got no
    key for notify_idle seconds is not looked at: what arrives then is not
    displayed until a key is pressed (the same rule as notifications)."""
    n = natter
    flag = tmp_path / "notified"
    open_chat(n)
    n.type_line("/set beep off")
    n.type_line("/set notify_command touch %s" % flag)
    n.type_line("/set notify_idle 1")
    wait_main_line(n, r"notify_idle = 1\b")
    sent = []

    def send_until_notified():
        if flag.exists():
            return True
        sent.append(send_markable(bob, "ping %d" % len(sent)))
        return False
    wait_until(send_until_notified, 15, interval=0.5,
               message="natter never took the user for away")
    ping(bob, NATTER)
    assert sent[-1] not in displayed_ids(bob), "displayed sent while the user was away"
    n.send_keys("C-l")                  # the user is back
    wait_displayed(bob, sent[-1])


def test_no_marker_to_who_may_not_see_our_presence_nor_with_the_setting_off(
        natter, bob, server, peer_factory):
    n = natter
    carol = peer_factory("carol", server)
    dave = peer_factory("dave", server)
    open_chat(n, "carol@localhost", "carol")
    c1 = send_markable(carol, "hello from carol")
    wait_main_has(n, "hello from carol")
    ping(carol, NATTER)
    open_chat(n, "dave@localhost", "dave")
    d1 = send_markable(dave, "hello from a stranger")
    n.wait_for(lambda s: "hello from a stranger" in main_text(n, s) or
               "strangers" in status_bar(n, s))
    ping(dave, NATTER)
    focus(n, "dave", "dave@localhost")
    ping(dave, NATTER)
    assert displayed_ids(carol) == [] and displayed_ids(dave) == [], (carol.stanzas, dave.stanzas)

    # bob may see our presence, but the setting says no
    open_chat(n)
    n.type_line("/set send_read_markers off")
    b1 = send_markable(bob, "read me not")
    wait_main_has(n, "read me not")
    ping(bob, NATTER)
    assert displayed_ids(bob) == []
    n.type_line("/set send_read_markers on")
    b2 = send_markable(bob, "read me")
    wait_displayed(bob, b2)
    assert displayed_ids(bob) == [b2] and c1 and d1 and b1


def test_our_messages_are_markable_and_show_read(natter, bob, server, peer_factory):
    n = natter
    carol = peer_factory("carol", server)
    open_chat(n)
    n.type_line("first one")
    n.type_line("second one")
    first = bob.wait_for_message("first one")
    second = bob.wait_for_message("second one")
    assert "<markable" in first.xml and NS_MARKERS in first.xml, first.xml
    wait_main_line(n, r"<alice> second one")

    # someone else cannot mark our messages to bob read; a marker for bob's
    # own message marks nothing of ours
    carol.send_raw("<message xmlns='jabber:client' to='alice@localhost' type='chat'>"
                   "<displayed xmlns='%s' id='%s'/></message>" % (NS_MARKERS, second.id))
    ping(carol, NATTER)
    b = send_markable(bob, "a message of bob")
    wait_main_has(n, "a message of bob")
    bob.send_raw("<message xmlns='jabber:client' to='alice@localhost' type='chat'>"
                 "<displayed xmlns='%s' id='%s'/></message>" % (NS_MARKERS, b))
    ping(bob, NATTER)
    assert "read" not in main_text(n, n.screen()).replace("a message of bob", ""), \
        main_text(n, n.screen())

    # bob displayed up to the second: both are read (markers are inclusive)
    bob.send_raw("<message xmlns='jabber:client' to='alice@localhost/natter' type='chat'>"
                 "<displayed xmlns='%s' id='%s'/></message>" % (NS_MARKERS, second.id))
    scr = wait_main_line(n, r"<alice> second one \u2713 read$")
    assert re.search(r"<alice> first one \u2713 read$", main_text(n, scr), re.M), main_text(n, scr)

    # the read state is kept in the history: still shown after a restart
    # (offline, so that no marker comes again from the archive), and in the
    # message cursor's details; bob's message says when it came
    server.stop()
    n.restart()
    open_chat(n)
    scr = wait_main_line(n, r"<alice> second one \u2713 read$")
    assert re.search(r"<alice> first one \u2713 read$", main_text(n, scr), re.M), main_text(n, scr)
    n.send_keys("M-Up")   # the newest message: bob's
    n.send_keys("i")
    scr = wait_main_line(n, r"\breceived\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
    assert re.search(r"\bsent\s+\d{4}-", main_text(n, scr)), main_text(n, scr)
    n.send_keys("Up")
    n.send_keys("i")
    wait_main_line(n, r"\bstate\s+read \(the contact displayed it\)")
    n.send_keys("Escape")


def pep_items(peer, node):
    """The items of PEER's own PEP node NODE, as the server's XML answer."""
    import asyncio
    import xml.etree.ElementTree as ET

    async def go():
        iq = peer.client.Iq()
        iq["type"] = "get"
        iq.append(ET.fromstring("<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                                "<items node='%s'/></pubsub>" % node))
        return str(await iq.send(timeout=10))
    return asyncio.run_coroutine_threadsafe(go(), peer.loop).result(12)


def publish_mds(peer, chat, stanza_id, by=None):
    """Another client of the account says it displayed CHAT up to STANZA_ID
    (stamped by BY: our account, or for a room the room)."""
    import asyncio
    import xml.etree.ElementTree as ET
    own = by or peer.bare

    async def go():
        iq = peer.client.Iq()
        iq["type"] = "set"
        iq.append(ET.fromstring(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
            "<publish node='%s'><item id='%s'><displayed xmlns='%s'>"
            "<stanza-id xmlns='urn:xmpp:sid:0' by='%s' id='%s'/></displayed></item></publish>"
            "<publish-options><x xmlns='jabber:x:data' type='submit'>"
            "<field var='FORM_TYPE' type='hidden'>"
            "<value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
            "<field var='pubsub#persist_items'><value>true</value></field>"
            "<field var='pubsub#max_items'><value>max</value></field>"
            "<field var='pubsub#send_last_published_item'><value>never</value></field>"
            "<field var='pubsub#access_model'><value>whitelist</value></field>"
            "</x></publish-options></pubsub>" % (NS_MDS, chat, NS_MDS, own, stanza_id)))
        return str(await iq.send(timeout=10))
    return asyncio.run_coroutine_threadsafe(go(), peer.loop).result(12)


def test_displayed_state_shared_with_our_other_devices(natter, bob, server, peer_factory, events):
    n = natter
    ev = events(n, "--filter", "messages")
    reads = events(n, "--filter", "receipts")
    phone = peer_factory("alice", server, resource="phone")

    # what natter displays is published, with our server's stanza-id
    open_chat(n)
    send_markable(bob, "seen here")
    got = ev.wait(lambda e: e["body"] == "seen here")
    wait_until(lambda: got["stanza_id"] in pep_items(phone, NS_MDS), 10,
               message="MDS item not published", describe=lambda: pep_items(phone, NS_MDS))
    items = pep_items(phone, NS_MDS)
    assert "id=\"bob@localhost\"" in items or "id='bob@localhost'" in items, items
    # the next one, seen at once after it, is published when the gap is over
    send_markable(bob, "seen too")
    too = ev.wait(lambda e: e["body"] == "seen too")
    wait_until(lambda: too["stanza_id"] in pep_items(phone, NS_MDS), 10,
               message="the newer point was not published", describe=lambda: pep_items(phone, NS_MDS))

    # three messages arrive while another window is on screen
    n.type_line("/win 1")
    n.wait_for(lambda s: "console" in status_bar(n, s))
    for i in range(3):
        bob.send_message("alice@localhost", "unread %d" % i)
    msgs = [ev.wait(lambda e, i=i: e["body"] == "unread %d" % i) for i in range(3)]
    n.wait_for(lambda s: unread(n, "bob", s) == 3, message="three unread never shown")

    # a forged notification (not from our account) changes nothing
    bob.send_raw("<message xmlns='jabber:client' to='%s' type='headline'>"
                 "<event xmlns='http://jabber.org/protocol/pubsub#event'>"
                 "<items node='%s'><item id='bob@localhost'><displayed xmlns='%s'>"
                 "<stanza-id xmlns='urn:xmpp:sid:0' by='alice@localhost' id='%s'/>"
                 "</displayed></item></items></event></message>"
                 % (NATTER, NS_MDS, NS_MDS, msgs[2]["stanza_id"]))
    ping(bob, NATTER)
    assert unread(n, "bob") == 3

    # the phone read up to the second: one is left; then all. Scripts see
    # it as read_elsewhere (and never the forged one)
    publish_mds(phone, "bob@localhost", msgs[1]["stanza_id"])
    n.wait_for(lambda s: unread(n, "bob", s) == 1, message="unread not cleared up to the second")
    elsewhere = reads.wait(lambda e: e["type"] == "read_elsewhere"
                           and e["stanza_id"] == msgs[1]["stanza_id"])
    assert elsewhere["conversation"] == "bob@localhost" and elsewhere["window"] >= 1, elsewhere
    assert msgs[2]["stanza_id"] not in [e.get("stanza_id") for e in reads.of("read_elsewhere")]
    publish_mds(phone, "bob@localhost", msgs[2]["stanza_id"])
    n.wait_for(lambda s: unread(n, "bob", s) == 0, message="unread not cleared")
    # natter sent no displayed for what it never showed
    assert [m for m in displayed_ids(bob) if m.startswith("unread")] == []


def test_read_elsewhere_while_natter_was_away(natter, bob, server, peer_factory, events):
    """At login natter fetches the displayed state after its catch-up: what our
    other device read meanwhile is not unread here."""
    n = natter
    phone = peer_factory("alice", server, resource="phone")
    ev = events(n, "--filter", "messages,connection")
    n.type_line("/disconnect")
    ev.wait(lambda e: e["type"] == "connection" and e["state"] == "disconnected")
    bob.send_message("alice@localhost", "while away 1")
    bob.send_message("alice@localhost", "while away 2")
    bob.send_message("alice@localhost", "while away 3")
    got = [phone.wait_for_message("while away %d" % i) for i in (1, 2, 3)]
    sids = [re.search(r"<stanza-id[^>]*\bid=\"([^\"]+)\"[^>]*by=\"alice@localhost\"|"
                      r"<stanza-id[^>]*by=\"alice@localhost\"[^>]*\bid=\"([^\"]+)\"", m.xml)
            for m in got]
    sids = [m.group(1) or m.group(2) for m in sids]
    publish_mds(phone, "bob@localhost", sids[1])
    n.type_line("/connect alice")
    ev.wait(lambda e: e["type"] == "message" and e["body"] == "while away 3", timeout=15)
    n.wait_for(lambda s: "bob" in status_windows(n, s) and unread(n, "bob", s) == 1,
               timeout=15, message="read elsewhere not applied after login")


def test_rooms_share_the_displayed_state_but_get_no_markers(natter, server, peer_factory,
                                                           occupant_factory, events):
    """In rooms natter sends no chat markers (they would tell every occupant),
    but shares what was displayed with our devices by the room's stanza-id,
    and clears a room's unread count for what another device displayed."""
    from muc_helpers import room_jid, wait_line, you_joined
    n = natter
    room = room_jid("lobby")
    bot = occupant_factory("bob", server)
    bot.create("lobby", "bob", persistent=True)
    phone = peer_factory("alice", server, resource="phone")
    ev = events(n, "--filter", "messages")
    n.type_line("/join lobby")
    wait_line(n, you_joined("lobby", "alice"), timeout=15)
    bot.say("lobby", "room hello")
    got = ev.wait(lambda e: e["body"] == "room hello")
    assert got["stanza_id"]
    wait_until(lambda: got["stanza_id"] in pep_items(phone, NS_MDS), 10,
               message="room's MDS item not published", describe=lambda: pep_items(phone, NS_MDS))
    items = pep_items(phone, NS_MDS)
    item = re.search(r"<item[^>]*id=.%s.*?</item>" % re.escape(room), items, re.S).group(0)
    assert re.search(r"by=.%s." % re.escape(room), item), item
    ping(bot, NATTER)
    assert not [x for x in bot.stanzas if NS_MARKERS in x], "a chat marker went to the room"

    n.type_line("/win 1")
    n.wait_for(lambda s: "console" in status_bar(n, s))
    for i in range(3):
        bot.say("lobby", "room unread %d" % i)
    msgs = [ev.wait(lambda e, i=i: e["body"] == "room unread %d" % i) for i in range(3)]
    n.wait_for(lambda s: unread(n, "lobby", s) == 3, message="three unread in the room")
    publish_mds(phone, room, msgs[1]["stanza_id"], by=room)
    n.wait_for(lambda s: unread(n, "lobby", s) == 1, message="room's unread not cleared")
