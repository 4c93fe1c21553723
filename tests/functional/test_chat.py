"""Chatting: send and receive, /me, new windows and activity, presence lines,
wide characters, bracketed paste."""

import re

import pytest

from harness import column_of, text_width
from screen import (ROSTER_WIDTH, TS, main_line, main_rows, main_text, roster_entry,
                    roster_rows, squash, status_bar, wait_main_line)

# Run against both servers (conftest.py: servers marker).
pytestmark = pytest.mark.servers("prosody", "ejabberd")


@pytest.fixture
def bob(prosody, peer_factory):
    return peer_factory("bob", prosody)


def open_chat(n, jid="bob@localhost", nick="bob"):
    """/msg JID opens (or switches to) the chat window; returns its number."""
    n.type_line("/msg %s" % jid)
    scr = n.wait_for(lambda s: re.search(r"\b(\d+):%s\b" % re.escape(nick), status_bar(n, s)))
    return int(re.search(r"\b(\d+):%s\b" % re.escape(nick), status_bar(n, scr)).group(1))


def test_send_and_receive(alice, bob):
    alice.type_line("/msg bob@localhost hello there")
    got = bob.wait_for_message("hello there")
    assert got.frm == "alice@localhost/natter" and got.type == "chat"
    wait_main_line(alice, r"^%s <alice> hello there$" % TS)
    bob.send_message("alice@localhost", "hi alice, how are you?")
    scr = wait_main_line(alice, r"^%s <bob> hi alice, how are you\?$" % TS)
    rows = main_rows(alice, scr)
    mine = [i for i, r in enumerate(rows) if "<alice> hello there" in r]
    theirs = [i for i, r in enumerate(rows) if "<bob> hi alice" in r]
    assert len(mine) == 1 and len(theirs) == 1 and mine[0] < theirs[0]
    # Typing without a command in a chat window sends to that contact.
    alice.type_line("plain line")
    assert bob.wait_for_message("plain line").frm == "alice@localhost/natter"


def test_incoming_message_opens_window_with_activity(alice, prosody, peer_factory):
    # a contact (people outside the roster share one window: test_strangers.py)
    bob = peer_factory("bob", prosody)
    bob.send_message("alice@localhost", "psst from bob")
    scr = alice.wait_for(lambda s: re.search(r"\b\d+:bob\*", status_bar(alice, s)))
    num = re.search(r"\b(\d+):bob\*", status_bar(alice, scr)).group(1)
    # not focused: still the console, the message is not in view
    assert "psst from bob" not in main_text(alice, scr)
    assert "Connected as alice@localhost/natter" in main_text(alice, scr)
    alice.send_keys("M-%s" % num)
    scr = wait_main_line(alice, r"^%s <bob> psst from bob$" % TS)
    alice.wait_for(lambda s: not re.search(r"\b\d+:bob\*", status_bar(alice, s)))
    # back to the console with /win 1, then /close bob's window from there
    alice.type_line("/win 1")
    alice.wait_for(lambda s: "psst from bob" not in main_text(alice, s)
                   and "Connected as" in main_text(alice, s))
    alice.type_line("/win %s" % num)
    wait_main_line(alice, r"<bob> psst from bob$")
    alice.type_line("/close")
    alice.wait_for(lambda s: not re.search(r"\b\d+:bob\b", status_bar(alice, s))
                   and "Connected as" in main_text(alice, s))


def test_window_list_counts_unread_messages(alice, bob):
    """/win list says how many messages arrived in a window since it was last
    looked at; looking at it clears the count."""
    num = open_chat(alice)
    alice.type_line("/win 1")
    alice.wait_for(lambda s: "Connected as" in main_text(alice, s))
    bob.send_message("alice@localhost", "unread one")
    bob.send_message("alice@localhost", "unread two")
    alice.wait_for(lambda s: re.search(r"\b%d:bob\*" % num, status_bar(alice, s)))
    alice.type_line("/win list")
    wait_main_line(alice, r"\b%d:bob \(2 unread\)" % num)
    alice.type_line("/win %d" % num)
    wait_main_line(alice, r"<bob> unread two$")
    bob.send_message("alice@localhost", "seen at once")
    wait_main_line(alice, r"<bob> seen at once$")
    alice.type_line("/win list")
    scr = wait_main_line(alice, r"\b%d:bob$" % num)
    assert not re.search(r"\(\d+ unread\)", main_text(alice, scr).split("1:console")[-1])


def test_own_status(alice, bob):
    bob.wait_for_presence("available", frm="alice@localhost/natter")
    alice.type_line("/status away out to lunch")
    pres = bob.wait_for_presence(lambda r: r.show == "away", frm="alice@localhost/natter")
    assert pres.status == "out to lunch"
    alice.wait_for(lambda s: "away" in status_bar(alice, s))
    alice.type_line("/status online")
    bob.wait_for_presence(lambda r: r.show is None and r.type == "available"
                          and r.when > pres.when, frm="alice@localhost/natter")
    alice.wait_for(lambda s: "online" in status_bar(alice, s))


def test_me_action(alice, bob):
    open_chat(alice)
    alice.type_line("/me waves")
    got = bob.wait_for_message(re.compile("waves"))
    assert got.body == "/me waves"
    wait_main_line(alice, r"^%s \* alice waves$" % TS)
    bob.send_message("alice@localhost", "/me dances")
    wait_main_line(alice, r"^%s \* bob dances$" % TS)


def test_presence_changes_shown(alice, bob):
    open_chat(alice)
    # wait until bob shows as online: unlike carol, who stays offline
    offline_look = roster_entry(alice, "Carol C.")[1]
    alice.wait_for(lambda s: roster_entry(alice, "bob")[1] != offline_look)
    online = roster_entry(alice, "bob")
    bob.send_presence(show="away", status="out to lunch")
    wait_main_line(alice, r"^%s -- bob is now away: out to lunch$" % TS)
    alice.wait_for(lambda s: roster_entry(alice, "bob") != online,
                   message="roster mark unchanged for away")
    away = roster_entry(alice, "bob")
    bob.send_presence()
    wait_main_line(alice, r"^%s -- bob is now online$" % TS)
    alice.wait_for(lambda s: roster_entry(alice, "bob") == online)
    bob.disconnect()
    wait_main_line(alice, r"^%s -- bob is now offline$" % TS)
    alice.wait_for(lambda s: roster_entry(alice, "bob") not in (online, away),
                   message="roster mark unchanged for offline")
    assert roster_entry(alice, "bob")[1] == offline_look, "offline bob looks unlike offline carol"


def test_wide_characters(alice, bob):
    open_chat(alice)
    text = "\u6f22\u5b57\u30c6\u30b9\u30c8 \U0001F389 done"
    bob.send_message("alice@localhost", text)
    scr = wait_main_line(alice, r"^%s <bob> %s$" % (TS, re.escape(text)))
    row = main_line(alice, scr, re.escape(text))
    assert column_of(row, "done") == 6 + len("<bob> ") + 10 + 1 + 2 + 1

    # 60 distinct CJK characters (120 columns) must wrap inside the main window:
    # every one shown once, in order, none spilling into the roster pane.
    long_text = "".join(chr(0x4E00 + i) for i in range(60))
    bob.send_message("alice@localhost", long_text)
    scr = alice.wait_for(lambda s: chr(0x4E00 + 59) in s)
    joined = squash(main_text(alice, scr))
    assert long_text in joined, joined
    for ch in long_text:
        assert scr.count(ch) == 1, "%r shown %d times" % (ch, scr.count(ch))
    limit = alice.cols - ROSTER_WIDTH - 1
    for line in alice.lines(scr)[1:alice.rows - 2]:
        for i, ch in enumerate(line):
            if 0x4E00 <= ord(ch) < 0x4E00 + 60:
                assert text_width(line[:i]) + 2 <= limit, "%r crosses into the roster pane" % line
    assert "Carol C." in "\n".join(roster_rows(alice, scr)), "roster pane damaged"

    # and typed wide characters go out intact
    alice.type_line("\u4f60\u597d \U0001F44B")
    assert bob.wait_for_message(re.compile("\u4f60")).body == "\u4f60\u597d \U0001F44B"


def test_bracketed_paste_is_one_message(alice, bob):
    open_chat(alice)
    lines = ["paste line %03d: the quick brown fox <&> jumps" % i for i in range(200)]
    alice.paste("\n".join(lines))
    alice.send_keys("Enter")
    got = bob.wait_for_message(re.compile("paste line 000"), timeout=15)
    assert got.body.rstrip("\n") == "\n".join(lines)
    alice.type_line("after the paste")
    bob.wait_for_message("after the paste")
    from_alice = [m for m in bob.messages if m.frm_bare == "alice@localhost" and m.body]
    assert [m.body.rstrip("\n") for m in from_alice] == ["\n".join(lines), "after the paste"]


def test_message_received_while_offline_shown_once_without_stealing_focus(
        prosody, peer_factory, natter_factory):
    bob = peer_factory("bob", prosody)
    bob.send_message("alice@localhost", "while you were away")   # alice is offline
    # Prosody keeps it for her (offline storage, and the MAM archive too)
    n = natter_factory(prosody)
    scr = n.wait_for(lambda s: re.search(r"\b\d+:bob\*", status_bar(n, s)), timeout=15)
    assert "Connected as alice@localhost/natter" in main_text(n, scr), "focus left the console"
    num = re.search(r"\b(\d+):bob\*", status_bar(n, scr)).group(1)
    n.send_keys("M-%s" % num)
    scr = wait_main_line(n, r"<bob> while you were away$")
    rows = [r for r in main_rows(n, scr) if "while you were away" in r]
    assert len(rows) == 1, "shown %d times:\n%s" % (len(rows), "\n".join(rows))


def test_sent_line_does_not_come_back_after_switching_windows(alice, bob):
    """What was typed and sent is gone from the input line, in every window."""
    alice.type_line("/msg bob@localhost first")
    bob.wait_for_message("first")
    alice.send_keys("M-1")
    alice.wait_for(lambda s: "Connected as alice@localhost/natter" in main_text(alice, s))
    alice.type_line("/msg bob@localhost second")
    got = bob.wait_for_message(lambda m: m.body is not None and m.body != "first")
    assert got.body == "second"
