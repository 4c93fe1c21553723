"""Group chat (issue 4): joining, talking, leaving, nicks, topics, join errors, a crowd,
kicks and bans both ways, room history without duplicates, server restart, /moderate.

Rooms live on Prosody's MUC component (harness: Prosody(muc=True)); the other
occupants are slixmpp bots (harness.Occupant). Expected strings are in
muc_helpers.py. Bookmarks, mentions, hostile nicks, private messages and
invitations are in test_muc_extras.py.
"""

import re
import time
import uuid

import pytest

from harness import MucError, muc_item, status_codes
from muc_helpers import (banned, cannot, count_line, err_banned, err_members_only, err_nick_taken,
                         err_no_such_room,
                         err_password_required, err_password_wrong, has_line, heading, joined,
                         kicked, left, moderate_unsupported_re, msg, nick_changed, own_nick_changed, occupants_pane,
                         pane_entry, room_created, show_occupants, room_name, room_window, title_has,
                         topic, topic_changed, wait_line, wait_room_window, you_banned, you_joined,
                         you_kicked, you_left)
from screen import CONNECTED, main_rows, main_text, squash

# Run against both servers (conftest.py: servers marker).
pytestmark = pytest.mark.servers("prosody", "ejabberd")

COLS, ROWS = 160, 40


@pytest.fixture
def natter(muc_server, natter_factory):
    """natter for alice on a server with group chat, on a wide screen."""
    n = natter_factory(muc_server, cols=COLS, rows=ROWS)
    n.wait_for(CONNECTED, timeout=15)
    return n


@pytest.fixture
def bob(muc_server, occupant_factory):
    return occupant_factory("bob", muc_server)


def join(n, room, nick="alice", args="", timeout=15):
    """/join ROOM [ARGS] and wait for 'You joined ROOM as NICK'; returns the screen."""
    n.type_line("/join %s%s" % (room, " " + args if args else ""))
    return wait_line(n, you_joined(room, nick), timeout=timeout)


def settle(n, bot, room):
    """A round trip through natter's stream and the room: natter sends a line, the bot
    sees it, the bot answers, natter shows the answer. Whatever the server sent natter
    before (history, archive pages asked for earlier) has then been handled."""
    token = uuid.uuid4().hex[:8]
    n.type_line("sync %s" % token)
    bot.wait_for_groupchat(room, "sync %s" % token, timeout=15)
    bot.say(room, "ack %s" % token)
    wait_line(n, msg(bot.nicks[room_name(room)], "ack %s" % token), timeout=15)


def test_join_talk_and_others_come_and_go(natter, bob, muc_server, occupant_factory):
    n = natter
    bob.create("lobby", "bob", persistent=True)
    bob.set_subject("lobby", "Welcome to the lobby")
    join(n, "lobby")
    pres = bob.wait_for_occupant("lobby", "alice")
    assert muc_item(pres)["role"] == "participant"
    wait_line(n, topic("Welcome to the lobby"))
    n.wait_for(lambda s: title_has(n, s, room_name("lobby"), "2 occupants", "Welcome to the lobby"),
               message="title bar lacks room, '2 occupants' or subject")
    assert room_window(n, n.screen(), "lobby"), "no window for the room in the status bar"

    n.type_line("hello all")
    got = bob.wait_for_groupchat("lobby", "hello all", nick="alice")
    assert got.type == "groupchat"
    wait_line(n, msg("alice", "hello all"))
    bob.say("lobby", "hi alice")
    scr = wait_line(n, msg("bob", "hi alice"))
    assert count_line(n, scr, msg("alice", "hello all")) == 1, "own message doubled by its reflection"
    rows = main_rows(n, scr)
    assert [i for i, r in enumerate(rows) if "hello all" in r] < \
           [i for i, r in enumerate(rows) if "hi alice" in r]

    n.type_line("/me waves")
    assert bob.wait_for_groupchat("lobby", nick="alice", predicate=re.compile("waves")).body == "/me waves"
    wait_line(n, "* alice waves")

    carol = occupant_factory("carol", muc_server)
    carol.join("lobby", "carol")
    wait_line(n, joined("carol"))
    n.wait_for(lambda s: title_has(n, s, "3 occupants"), message="title bar never said 3 occupants")
    carol.leave("lobby", "gotta go")
    wait_line(n, left("carol", "gotta go"))
    n.wait_for(lambda s: title_has(n, s, "2 occupants"), message="title bar never went back to 2")
    dave = occupant_factory("dave", muc_server)
    dave.join("lobby", "dave")
    wait_line(n, joined("dave"))
    dave.leave("lobby")
    scr = wait_line(n, left("dave"))
    assert not has_line(n, scr, left("dave") + " ("), "empty reason shown"

    # /join of a joined room only focuses its window: no second join
    num = room_window(n, scr, "lobby")[0]
    n.send_keys("M-1")
    n.wait_for(lambda s: CONNECTED in main_text(n, s))
    bob.clear()
    n.type_line("/join lobby")
    n.wait_for(lambda s: has_line(n, s, msg("bob", "hi alice")))
    assert room_window(n, n.screen(), "lobby")[0] == num
    n.type_line("still one alice")
    bob.wait_for_groupchat("lobby", "still one alice", nick="alice")
    assert not [p for p in bob.presences if p.frm.endswith("/alice")], "joined twice"
    assert count_line(n, n.screen(), you_joined("lobby", "alice")) == 1


def test_nick_and_topic(natter, bob):
    n = natter
    bob.create("lobby", "bob", change_subject=True)
    join(n, "lobby")
    bob.change_nick("lobby", "robert")
    wait_line(n, nick_changed("bob", "robert"))
    since = time.monotonic()
    n.type_line("/nick ali")
    pres = bob.wait_for_occupant("lobby", "alice", "unavailable", since=since)
    assert 303 in status_codes(pres) and muc_item(pres)["nick"] == "ali"
    bob.wait_for_occupant("lobby", "ali", since=since)
    wait_line(n, own_nick_changed("alice", "ali"))
    n.type_line("after the rename")
    bob.wait_for_groupchat("lobby", "after the rename", nick="ali")
    wait_line(n, msg("ali", "after the rename"))

    n.type_line("/topic Fresh topic")
    bob.wait_for_stanza("<subject>Fresh topic</subject>")
    wait_line(n, topic_changed("ali", "Fresh topic"))
    n.wait_for(lambda s: title_has(n, s, "Fresh topic"), message="title bar lacks the new subject")
    bob.set_subject("lobby", "Robert's topic")
    wait_line(n, topic_changed("robert", "Robert's topic"))
    scr = n.wait_for(lambda s: title_has(n, s, "Robert's topic"))
    before = count_line(n, scr, topic("Robert's topic"))
    n.type_line("/topic")
    n.wait_for(lambda s: count_line(n, s, topic("Robert's topic")) == before + 1,
               message="/topic without text did not show the topic")


def test_leave_rejoin_and_close(natter, bob):
    n = natter
    bob.create("lobby", "bob")
    join(n, "lobby")
    num = wait_room_window(n, "lobby")
    since = time.monotonic()
    n.type_line("/leave off to lunch")
    pres = bob.wait_for_occupant("lobby", "alice", "unavailable", since=since)
    assert pres.status == "off to lunch"
    scr = wait_line(n, you_left("lobby"))
    assert room_window(n, scr, "lobby")[0] == num, "the window must stay after /leave"
    since = time.monotonic()
    join(n, "lobby")
    bob.wait_for_occupant("lobby", "alice", since=since)
    assert room_window(n, n.screen(), "lobby")[0] == num, "rejoin opened another window"
    since = time.monotonic()
    n.type_line("/close")
    bob.wait_for_occupant("lobby", "alice", "unavailable", since=since)
    n.wait_for(lambda s: room_window(n, s, "lobby") is None, message="room window still listed")


def test_join_creates_an_instant_room(natter, bob):
    n = natter
    n.type_line("/join fresh")
    wait_line(n, room_created("fresh"))
    wait_line(n, you_joined("fresh", "alice"))
    # the room was configured (instant room): others may enter
    own = bob.join("fresh", "bob")
    assert muc_item(bob.wait_for_occupant("fresh", "alice"))["affiliation"] == "owner"
    assert 201 not in status_codes(own)
    wait_line(n, joined("bob"))
    show_occupants(n)
    scr = n.wait_for(lambda s: ("Participants", 1) in occupants_pane(n, s),
                     message="occupants pane lacks %r" % heading("Participants", 1))
    pane = occupants_pane(n, scr)
    assert pane.get(("Moderators", 1)) == [pane_entry("~", "alice")], pane
    assert pane.get(("Participants", 1)) == [pane_entry(" ", "bob")], pane


JOIN_ERRORS = ["nick_taken", "banned", "members_only", "password"]


@pytest.mark.parametrize("case", JOIN_ERRORS)
def test_join_errors(case, natter, bob, muc_server, occupant_factory):
    n = natter
    if case == "nick_taken":
        bob.create("lobby", "bob")
        occupant_factory("carol", muc_server).join("lobby", "alice")
        n.type_line("/join lobby")
        wait_line(n, err_nick_taken("lobby", "alice"))
        join(n, "lobby", nick="alice2", args="nick alice2")
        bob.wait_for_occupant("lobby", "alice2")
    elif case == "banned":
        bob.create("lobby", "bob")
        bob.ban("lobby", "alice@localhost", "no")
        n.type_line("/join lobby")
        wait_line(n, err_banned("lobby"))
        assert "alice" not in bob.occupants("lobby")
    elif case == "members_only":
        bob.create("lobby", "bob", members_only=True)
        n.type_line("/join lobby")
        wait_line(n, err_members_only("lobby"))
        bob.set_affiliation("lobby", "alice@localhost", "member")
        join(n, "lobby")
    else:
        bob.create("lobby", "bob", password="s3cret")
        n.type_line("/join lobby")
        wait_line(n, err_password_required("lobby"))
        n.type_line("/join lobby password nope")
        wait_line(n, err_password_wrong("lobby"))
        join(n, "lobby", args="password s3cret")


@pytest.mark.prosody_only("restricts room creation through Prosody's MUC component "
                          "config (restrict_room_creation)")
def test_join_error_room_cannot_be_created(prosody_factory, natter_factory, occupant_factory):
    p = prosody_factory(muc=True, muc_config="\trestrict_room_creation = true\n")
    n = natter_factory(p, cols=COLS, rows=ROWS)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/join nowhere")
    wait_line(n, err_no_such_room("nowhere"))
    with pytest.raises(MucError):     # the server refuses slixmpp too: not natter's doing
        occupant_factory("bob", p).join("nowhere", "bob")


@pytest.mark.time_limit(120)
def test_many_bots_join_and_talk(muc_server, natter_factory, occupant_factory):
    n = natter_factory(muc_server, cols=COLS, rows=72)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/join crowd")
    wait_line(n, you_joined("crowd", "alice"), timeout=15)
    bots = [occupant_factory("bot%02d" % i, muc_server, connect=False) for i in range(25)]
    for b in bots:
        b.connect(wait=False)
    for b in bots:
        b.wait_connected(timeout=30)
    for b in bots:
        b.join("crowd", b.bare.split("@")[0], wait=False)
    watcher = bots[-1]
    for b in bots:
        watcher.wait_for_occupant("crowd", b.bare.split("@")[0], timeout=20)
    scr = n.wait_for(lambda s: title_has(n, s, "26 occupants"), timeout=20,
                     message="title bar never said 26 occupants")
    for b in bots:
        assert count_line(n, scr, joined(b.bare.split("@")[0])) == 1, b.bare
    show_occupants(n)
    scr = n.wait_for(lambda s: ("Participants", 25) in occupants_pane(n, s), timeout=10,
                     message="occupants pane lacks 'Participants (25)'")
    pane = occupants_pane(n, scr)
    assert pane.get(("Moderators", 1)) == [pane_entry("~", "alice")], pane
    assert sorted(pane[("Participants", 25)]) == sorted(
        pane_entry(" ", "bot%02d" % i) for i in range(25)), pane
    assert ("Visitors", 0) not in pane or pane[("Visitors", 0)] == []

    for i, b in enumerate(bots):
        b.say("crowd", "message %02d from bot%02d" % (i, i))
    order = []

    def all_seen():
        order[:] = [body for nick, body in watcher.groupchat("crowd")]
        return len(order) == 25
    from harness import wait_until
    wait_until(all_seen, 20, message="watcher did not see 25 messages")
    scr = n.wait_for(lambda s: all(has_line(n, s, msg("bot%02d" % i, "message %02d from bot%02d" % (i, i)))
                                   for i in range(25)), timeout=20,
                     message="not all 25 messages shown")
    shown = [m.group(1) for m in re.finditer(r"<bot\d\d> (message \d\d from bot\d\d)", main_text(n, scr))]
    assert shown == order, "room order %s\nshown %s" % (order, shown)
    n.type_line("thanks everyone")
    for b in (bots[0], watcher):
        b.wait_for_groupchat("crowd", "thanks everyone", nick="alice")
    # five leave: the counts follow
    for b in bots[:5]:
        b.leave("crowd", wait=False)
    scr = n.wait_for(lambda s: ("Participants", 20) in occupants_pane(n, s), timeout=10,
                     message="occupants pane never said 'Participants (20)'")
    assert title_has(n, scr, "21 occupants"), "title bar count wrong after 5 left"
    assert sorted(occupants_pane(n, scr)[("Participants", 20)]) == sorted(
        pane_entry(" ", "bot%02d" % i) for i in range(5, 25))
    for i in range(5):
        n.wait_for(lambda s: count_line(n, s, left("bot%02d" % i)) == 1)


def test_natter_kicks_and_bans(natter, muc_server, occupant_factory):
    n = natter
    bob = occupant_factory("bob", muc_server)
    carol = occupant_factory("carol", muc_server)
    n.type_line("/join mod")
    wait_line(n, you_joined("mod", "alice"))
    bob.join("mod", "bob")
    carol.join("mod", "carol")
    wait_line(n, joined("carol"))
    n.type_line("/kick bob flooding")
    pres = bob.wait_for_occupant("mod", "bob", "unavailable")
    assert 307 in status_codes(pres)
    assert muc_item(pres)["actor"] == "alice" and muc_item(pres)["reason"] == "flooding"
    wait_line(n, kicked("bob", "alice", "flooding"))
    n.type_line("/ban carol trolling")
    pres = carol.wait_for_occupant("mod", "carol", "unavailable")
    assert 301 in status_codes(pres) and muc_item(pres)["reason"] == "trolling"
    wait_line(n, banned("carol", "alice", "trolling"))
    with pytest.raises(MucError) as err:
        carol.join("mod", "carol")
    assert err.value.condition == "forbidden"
    bob.join("mod", "bob")      # kicked, not banned
    n.wait_for(lambda s: count_line(n, s, joined("bob")) == 2)
    assert n.is_alive()


def test_natter_kicked_and_banned(natter, bob):
    n = natter
    bob.create("lobby", "bob")
    join(n, "lobby")
    n.type_line("/kick bob you first")      # alice is only a participant
    wait_line(n, cannot("kick", "bob", "not-allowed"))
    assert "bob" in bob.occupants("lobby")
    bob.kick("lobby", "alice", "cool off")
    wait_line(n, you_kicked("lobby", "bob", "cool off"))
    since = time.monotonic()
    n.type_line("/join lobby")
    bob.wait_for_occupant("lobby", "alice", since=since)
    n.wait_for(lambda s: count_line(n, s, you_joined("lobby", "alice")) == 2)
    bob.ban("lobby", "alice@localhost", "for good")
    wait_line(n, you_banned("lobby", "bob", "for good"))
    n.type_line("/join lobby")
    wait_line(n, err_banned("lobby"))
    assert "alice" not in bob.occupants("lobby")


@pytest.mark.time_limit(120)
def test_history_on_join_without_duplicates(natter, bob):
    n = natter
    bob.create("lobby", "bob", persistent=True)
    lines = ["history line %d" % i for i in range(5)]
    for text in lines:
        bob.say("lobby", text, wait=True)
    assert "urn:xmpp:mam:2" in bob.disco_features(room_name("lobby"))
    join(n, "lobby")
    for text in lines:
        wait_line(n, msg("bob", text))
    settle(n, bob, "lobby")
    scr = n.screen()
    for text in lines:
        assert count_line(n, scr, msg("bob", text)) == 1, "%r shown %d times" % (
            text, count_line(n, scr, msg("bob", text)))
    rows = main_text(n, scr)
    assert [rows.index(t) for t in lines] == sorted(rows.index(t) for t in lines), "history out of order"

    n.quit()
    bob.say("lobby", "while you were away", wait=True)
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    join(n, "lobby")
    wait_line(n, msg("bob", "while you were away"))
    settle(n, bob, "lobby")
    scr = n.screen()
    for text in lines + ["while you were away"]:
        assert count_line(n, scr, msg("bob", text)) == 1, "%r shown %d times after restart" % (
            text, count_line(n, scr, msg("bob", text)))


@pytest.mark.time_limit(150)
def test_rejoins_after_server_restart(natter, bob, muc_server):
    n = natter
    bob.create("lobby", "bob", persistent=True)
    join(n, "lobby")
    n.type_line("before the restart")
    bob.wait_for_groupchat("lobby", "before the restart", nick="alice")
    muc_server.restart()
    n.send_keys("M-1")
    n.wait_for(lambda s: squash(main_text(n, s)).count(squash(CONNECTED)) >= 2, timeout=45,
               message="natter did not reconnect")
    n.send_keys("M-%d" % wait_room_window(n, "lobby"))
    bob.wait_disconnected()
    bob.connect()
    since = time.monotonic()
    bob.join("lobby", "bob")
    bob.wait_for_occupant("lobby", "alice", timeout=60, since=since - 0.001)
    bob.say("lobby", "after the restart")
    n.wait_for(lambda s: has_line(n, s, msg("bob", "after the restart")), timeout=20)
    n.send_keys("C-u")
    n.type_line("me too")
    bob.wait_for_groupchat("lobby", "me too", nick="alice", timeout=15)


def test_moderate_without_xep0425(natter, muc_server, occupant_factory):
    """A room without XEP-0425 moderation: on Prosody 0.12 without the test plugin,
    and on ejabberd 23.01, which has none at all. natter refuses /moderate with one
    clear line and removes nothing."""
    n = natter
    bob = occupant_factory("bob", muc_server)
    n.type_line("/join lobby")
    wait_line(n, you_joined("lobby", "alice"))
    assert "urn:xmpp:message-moderate:0" not in bob.disco_features(room_name("lobby"))
    bob.join("lobby", "bob")
    bob.say("lobby", "spam spam spam")
    wait_line(n, msg("bob", "spam spam spam"))
    n.type_line("/moderate bob spam")
    rx = moderate_unsupported_re("lobby")
    scr = n.wait_for(lambda s: rx.search(main_text(n, s).replace("\n", " ")),
                     message="no clear /moderate error")
    assert main_text(n, scr).count("Cannot moderate") == 1, "not one error line:\n" + \
        main_text(n, scr)
    assert has_line(n, scr, msg("bob", "spam spam spam")), "the message was removed anyway"
    assert "[removed by" not in scr
    n.type_line("still fine")
    bob.wait_for_groupchat("lobby", "still fine", nick="alice")


@pytest.mark.time_limit(120)
def test_room_messages_stored_once_and_found_by_search(natter, bob):
    """Room messages go to local history under the room's bare JID, once each, even
    when discussion history and the archive bring them again on a later join."""
    n = natter
    bob.create("lobby", "bob", persistent=True)
    bob.say("lobby", "the zebrafinch sings", wait=True)
    join(n, "lobby")
    wait_line(n, msg("bob", "the zebrafinch sings"))
    settle(n, bob, "lobby")
    n.quit()
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    join(n, "lobby")
    wait_line(n, msg("bob", "the zebrafinch sings"))
    settle(n, bob, "lobby")
    n.type_line("/search zebrafinch")
    scr = n.wait_for(lambda s: re.search(r"\d+ results? for \"zebrafinch\"", main_text(n, s)),
                     timeout=10, message="/search gave no result header")
    text = main_text(n, scr)
    assert squash('1 result for "zebrafinch"') in squash(text), "stored more than once?\n" + text
    assert squash("1. [%s] <bob> the zebrafinch sings" % room_name("lobby")) in squash(text), text


@pytest.mark.prosody_only("Prosody can run rooms without an archive (no muc_mam)")
def test_forged_room_stanza_id_ignored_where_the_room_gives_none(prosody_factory, natter_factory,
                                                                 occupant_factory):
    """XEP-0359: a stanza-id 'by' the room is only the room's where the room announces
    stanza-ids; a room without them passes an occupant's forged one on. natter took
    it as the room's and dropped bob's second message as a copy of his first."""
    p = prosody_factory(muc=True, muc_mam=False)
    bob = occupant_factory("bob", p)
    bob.create("plain", "bob")
    n = natter_factory(p, cols=COLS, rows=ROWS)
    n.wait_for(CONNECTED, timeout=15)
    room = "plain@conference.localhost"
    join(n, room)
    for body in ("first words", "second words"):
        bob.send_raw("<message to='%s' type='groupchat'><body>%s</body>"
                     "<stanza-id xmlns='urn:xmpp:sid:0' by='%s' id='forged-1'/></message>"
                     % (room, body, room))
    wait_line(n, msg("bob", "first words"), timeout=10)
    wait_line(n, msg("bob", "second words"), timeout=10)
