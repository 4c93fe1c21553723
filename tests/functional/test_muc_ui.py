"""Group chat, more of it: Tab completes nicks and rooms; XEP-0410 self-pings go
out on schedule and, answered, never make natter rejoin; joins and leaves fold in
big rooms; XEP-0425 moderation (with a test plugin on the server) for everyone."""

import re

import pytest

from harness import wait_until
from muc_helpers import msg, wait_line, you_joined
from screen import CONNECTED
from test_terminal import wait_input

ROOM = "lobby@conference.localhost"


@pytest.fixture
def natter(muc_server, natter_factory):
    n = natter_factory(muc_server, cols=120, rows=30)
    n.wait_for(CONNECTED, timeout=15)
    return n


@pytest.fixture
def bob(muc_server, occupant_factory):
    return occupant_factory("bob", muc_server)


def join_lobby(n, bob):
    bob.create("lobby", "bobby")
    n.type_line("/join lobby")
    wait_line(n, you_joined(ROOM, "alice"), timeout=15)


def test_tab_completes_nicks_in_rooms(natter, bob, muc_server, occupant_factory):
    n = natter
    join_lobby(n, bob)
    carol = occupant_factory("carol", muc_server)
    carol.join("lobby", "Carolyn")
    n.wait_for(lambda s: "Carolyn" in s)
    # At the start of a line a nick gets ": " (case does not matter).
    n.send_text("car")
    n.send_keys("Tab")
    wait_input(n, "Carolyn: ")
    n.send_text("see bo")
    n.send_keys("Tab")
    wait_input(n, "Carolyn: see bobby ")
    n.send_keys("BSpace", "Enter")
    assert bob.wait_for_groupchat(ROOM, "Carolyn: see bobby").body == "Carolyn: see bobby"
    wait_line(n, msg("alice", "Carolyn: see bobby"))
    # /msg in a room completes occupants too; our own nick is never offered.
    n.send_text("/msg ali")
    n.send_keys("Tab")
    wait_input(n, "/msg ali")
    n.send_keys("C-u")
    n.send_text("/msg bob")
    n.send_keys("Tab")
    # Ambiguous with the contact bob@localhost: Tab cycles through both.
    wait_input(n, "/msg bob@localhost ")
    n.send_keys("Tab")
    wait_input(n, "/msg bobby ")


def test_tab_completes_known_rooms_for_join(natter, bob):
    n = natter
    join_lobby(n, bob)
    n.type_line("/win 1")
    n.send_text("/join lob")
    n.send_keys("Tab")
    wait_input(n, "/join %s " % ROOM)


def _pings(n):
    """Self-pings natter sent to its own occupant address, from its debug log."""
    with open(n.log_file, encoding="utf-8", errors="replace") as f:
        log = f.read()
    return re.findall(r'SENT: <iq id="([^"]+)" to="%s/alice" type="get"><ping xmlns="urn:xmpp:ping"/>'
                      % re.escape(ROOM), log), log


def test_selfping_goes_out_and_an_answer_keeps_us_in(natter, bob):
    n = natter
    join_lobby(n, bob)
    n.type_line("/set muc_selfping 1")
    # Three pings, each answered by the room (Prosody answers for its occupants).
    def answered():
        ids, log = _pings(n)
        done = [i for i in ids if re.search(r'RECV: <iq id="%s"[^>]*type="result"' % re.escape(i), log)
                or re.search(r'RECV: <iq[^>]*id="%s"[^>]*type="result"' % re.escape(i), log)]
        return len(done) >= 3
    wait_until(answered, 15, message="three answered self-pings", describe=lambda: _pings(n)[1][-3000:])
    scr = n.screen()
    assert "Rejoining" not in scr, scr
    # Still in: the room delivers what bob says.
    bob.say("lobby", "still there?")
    wait_line(n, msg("bobby", "still there?"))
    n.type_line("/set muc_selfping 0")


def test_joins_and_leaves_fold_in_big_rooms(natter, bob, muc_server, occupant_factory):
    """Above muc_fold occupants, a run of joins and leaves is one counting line."""
    n = natter
    join_lobby(n, bob)
    n.type_line("/set muc_fold 3")
    # Below the limit: each join has its own line.
    first = occupant_factory("carol", muc_server)
    first.join("lobby", "carol")
    wait_line(n, "\u2192 carol joined")
    bots = []
    for user in ("dave", "erin", "frank", "grace"):
        bot = occupant_factory(user, muc_server)
        bot.join("lobby", user)
        bots.append(bot)
    bots[0].leave("lobby")
    # 3 occupants before dave: dave is the first fold; then erin, frank, grace join
    # and dave leaves, all on one line.
    wait_line(n, "4 joined, 1 left")
    text = n.screen()
    for user in ("dave", "erin", "frank", "grace"):
        assert "\u2192 %s joined" % user not in text, text
    # A message ends the run: the next join starts a new count.
    bob.say("lobby", "break")
    wait_line(n, msg("bobby", "break"))
    occupant_factory("heidi", muc_server).join("lobby", "heidi")
    wait_line(n, "1 joined, 0 left")


@pytest.fixture
def moderated_server(prosody_factory):
    """Group chat with XEP-0425 moderation (a test plugin: Prosody 0.12 has none)."""
    return prosody_factory(muc=True, muc_modules=("test_muc_moderation",))


def test_moderation_removes_messages_for_everyone(moderated_server, natter_factory,
                                                   occupant_factory):
    server = moderated_server
    n = natter_factory(server, cols=120, rows=30)
    n.wait_for(CONNECTED, timeout=15)
    bob = occupant_factory("bob", server)
    bob.create("lobby", "bobby")
    n.type_line("/join lobby")
    wait_line(n, you_joined(ROOM, "alice"), timeout=15)
    carol = occupant_factory("carol", server)
    carol.join("lobby", "carol")
    carol.say("lobby", "buy cheap pills")
    wait_line(n, msg("carol", "buy cheap pills"))
    # Not a moderator yet: the room refuses, and says so.
    n.type_line("/moderate carol spam")
    wait_line(n, "Cannot remove the message of carol: forbidden")
    bob.set_role("lobby", "alice", "moderator")
    wait_line(n, "You are now a moderator")
    n.type_line("/moderate carol spam")
    got = carol.wait_for_groupchat(
        ROOM, lambda r: "urn:xmpp:message-moderate:1" in r.xml and "/" not in r.frm)
    assert 'by="%s/alice"' % ROOM in got.xml and "spam" in got.xml, got.xml
    wait_line(n, msg("carol", "[removed by alice: spam]"))
    assert "buy cheap pills" not in n.screen()
    # Another moderator's removal shows too; someone else's messages stay.
    carol.say("lobby", "more pills")
    carol.say("lobby", "sorry, a real question")
    wait_line(n, msg("carol", "sorry, a real question"))
    # bob removes "more pills" by its stanza-id, as the room stamped it.
    sid = re.search(r'<stanza-id[^>]*id="([^"]+)"',
                    bob.wait_for_groupchat(ROOM, "more pills").xml)
    sid = sid.group(1) if sid else None
    assert sid, "the room stamps stanza-ids"
    bob.iq(ROOM, "<moderate xmlns='urn:xmpp:message-moderate:1' id='%s'>"
                 "<retract xmlns='urn:xmpp:message-retract:1'/></moderate>" % sid)
    wait_line(n, msg("carol", "[removed by bobby]"))
    scr = n.screen()
    assert "more pills" not in scr and "sorry, a real question" in scr, scr
    # The removal is in the history: a restarted natter shows it removed too.
    n.quit()
    n2 = natter_factory(server, cols=120, rows=30)
    n2.wait_for(CONNECTED, timeout=15)
    n2.type_line("/join lobby")
    scr = wait_line(n2, you_joined(ROOM, "alice"), timeout=15)
    assert "buy cheap pills" not in n2.screen() and "more pills" not in n2.screen()


def _stanza_id(xml):
    m = re.search(r'<stanza-id[^>]*id="([^"]+)"', xml)
    return m.group(1) if m else None


def test_retractions_in_rooms_name_the_rooms_id(natter, bob, muc_server, occupant_factory):
    """XEP-0424 in group chat: a retraction names the room's stanza-id, both ways, and
    only the author's counts."""
    n = natter
    join_lobby(n, bob)
    n.type_line("oops wrong room")
    mine = bob.wait_for_groupchat(ROOM, "oops wrong room")
    wait_line(n, msg("alice", "oops wrong room"))
    n.type_line("/retract")
    sid = _stanza_id(mine.xml)
    got = bob.wait_for_groupchat(ROOM, lambda r: "urn:xmpp:message-retract:1" in r.xml)
    assert sid and 'id="%s"' % sid in got.xml, (sid, got.xml)
    wait_line(n, msg("alice", "(message retracted)"))
    # bob retracts his own message by the room's id; carol's forged one is ignored.
    bob.say("lobby", "bob's secret")
    theirs = bob.wait_for_groupchat(ROOM, "bob's secret")
    wait_line(n, msg("bobby", "bob's secret"))
    carol = occupant_factory("carol", muc_server)
    carol.join("lobby", "carol")
    wait_line(n, "\u2192 carol joined")
    forged = ("<message type='groupchat' to='%s'><retract xmlns='urn:xmpp:message-retract:1' "
              "id='%s'/><body>x</body></message>" % (ROOM, _stanza_id(theirs.xml)))
    carol.send_raw(forged)
    carol.say("lobby", "after the forgery")
    wait_line(n, msg("carol", "after the forgery"))
    assert "bob's secret" in n.screen()
    bob.send_raw(forged)
    wait_line(n, msg("bobby", "(message retracted)"))
