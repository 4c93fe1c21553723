"""Windows as irssi and WeeChat users expect them: a status bar that always shows
the current window and those with activity (with unread counts), stable numbers
(/close N|all|read, /win renumber), Alt+A to the window with activity, a "new
messages" marker, a note when lines arrive while scrolled up, Home/End in the
scrollback, /lastlog, and a contact's presence changes shown once in its chat."""

import re

import pytest

from harness import attrs_at, wait_until
from harness.history_helpers import status_windows
from muc_helpers import msg, wait_line, you_joined
from screen import CONNECTED, TS, main_line, main_rows, main_text, status_bar, title_bar

# Addresses that need not exist: a window each; the long ones do not all fit
# in the status bar.
LONG = ["someone-with-a-long-name%d@localhost" % i for i in range(1, 9)]
SHORT = ["w%d@localhost" % i for i in range(1, 9)]


@pytest.fixture
def bob(prosody, peer_factory):
    return peer_factory("bob", prosody)


def open_window(n, jid):
    n.type_line("/msg %s" % jid)
    return n.wait_for(lambda s: jid in title_bar(n, s), message="window for %s not focused" % jid)


def wait_title(n, text, timeout=10):
    return n.wait_for(lambda s: text in title_bar(n, s), timeout,
                      message="title never showed %r" % text)


def test_status_bar_keeps_current_and_active_windows_visible(prosody, natter_factory, bob):
    """10 windows at 80 columns: the current one and the one with activity are
    shown with their names, the others abbreviated; unread counts are shown."""
    n = natter_factory(prosody, cols=80, rows=24)
    n.wait_for(CONNECTED, timeout=15)
    open_window(n, "bob@localhost")
    for jid in LONG:
        open_window(n, jid)
    scr = n.wait_for(lambda s: re.search(r"\b10:someone", status_bar(n, s)),
                     message="the current window 10 is not in the status bar")
    bob.send_message("alice@localhost", "one")
    bob.send_message("alice@localhost", "two")
    scr = n.wait_for(lambda s: re.search(r"\b2:bob\*\(2\)", status_bar(n, s)),
                     message="window 2 with its 2 unread messages not in the status bar")
    bar = status_bar(n, scr)
    assert re.search(r"\b10:someone", bar), bar
    assert len(bar.rstrip()) <= 80
    # /win list has the counts too.
    n.type_line("/win list")
    n.wait_for(lambda s: main_line(n, s, r"2:bob \(2 unread\)"))


def test_numbers_stay_when_windows_close(alice):
    n = alice
    for jid in SHORT[:4]:
        open_window(n, jid)
    # windows 2..5 are w1..w4; close 3 from the console
    n.send_keys("M-1")
    wait_title(n, "console")
    n.type_line("/close 3")
    scr = n.wait_for(lambda s: "w2" not in status_windows(n, s), message="/close 3 closed nothing")
    wins = status_windows(n, scr)
    assert wins == {"console": (1, False), "w1": (2, False), "w3": (4, False),
                    "w4": (5, False)}, status_bar(n, scr)
    assert "console" in title_bar(n, scr)
    # Alt+4 is still the same window; a new window takes the free number 3.
    n.send_keys("M-4")
    wait_title(n, SHORT[2])
    open_window(n, "newcomer@localhost")
    scr = n.wait_for(lambda s: status_windows(n, s).get("newcomer", (0,))[0] == 3,
                     message="the new window did not take number 3")
    # /close N of a window that is not there is an error; /close 1 too.
    n.type_line("/close 9")
    n.wait_for(lambda s: main_line(n, s, r"No window 9\."))
    n.type_line("/close 1")
    n.wait_for(lambda s: main_line(n, s, r"console.*cannot be closed"))
    # /win renumber closes gaps; /close all leaves only the console.
    n.type_line("/close 2")
    n.wait_for(lambda s: 2 not in [v[0] for v in status_windows(n, s).values()])
    n.type_line("/win renumber")
    n.wait_for(lambda s: sorted(v[0] for v in status_windows(n, s).values()) == [1, 2, 3, 4])
    n.type_line("/close all")
    scr = n.wait_for(lambda s: sorted(v[0] for v in status_windows(n, s).values()) == [1])
    assert "console" in title_bar(n, scr)


def test_close_read_keeps_windows_with_unread(alice, bob):
    n = alice
    open_window(n, "bob@localhost")
    open_window(n, SHORT[0])
    open_window(n, SHORT[1])
    n.send_keys("M-1")
    wait_title(n, "console")
    bob.send_message("alice@localhost", "unread here")
    n.wait_for(lambda s: status_windows(n, s).get("bob", (0, False))[1])
    n.type_line("/close read")
    scr = n.wait_for(lambda s: set(status_windows(n, s)) == {"console", "bob"},
                     message="/close read did not close just the read windows")
    assert main_line(n, scr, r"Closed 2 windows\.")


def test_alt_a_marker_and_scrolled_note(prosody, natter_factory, bob):
    n = natter_factory(prosody, cols=100, rows=20)
    n.wait_for(CONNECTED, timeout=15)
    open_window(n, "bob@localhost")
    bob.send_message("alice@localhost", "seen before")
    n.wait_for(lambda s: main_line(n, s, r"<bob> seen before$"))
    open_window(n, SHORT[0])
    bob.send_message("alice@localhost", "first unseen")
    bob.send_message("alice@localhost", "second unseen")
    n.wait_for(lambda s: status_windows(n, s).get("bob", (0, False))[1])
    # Alt+A goes to the window with activity ...
    n.send_keys("M-a")
    scr = wait_title(n, "bob@localhost")
    scr = n.wait_for(lambda s: main_line(n, s, r"<bob> second unseen$"))
    rows = main_rows(n, scr)
    # ... where a marker line stands above the first line not seen yet.
    i = next(k for k, r in enumerate(rows) if re.search(r"<bob> first unseen$", r))
    assert re.search(r"-- new messages --", rows[i - 1]), "\n".join(rows)
    assert re.search(r"<bob> seen before$", rows[i - 2]), "\n".join(rows)
    # Scrolled up, new lines are announced in the status bar; End comes back.
    n.type_line("/help all")
    n.wait_for(lambda s: main_line(n, s, r"^%s Keys:" % TS))
    n.send_keys("PPage")
    n.wait_for(lambda s: "more below" in status_bar(n, s))
    bob.send_message("alice@localhost", "while scrolled")
    n.wait_for(lambda s: "more below: 1 new (End)" in status_bar(n, s),
               message="no note about the new line")
    n.send_keys("Home")   # empty input line: the top of the scrollback
    n.wait_for(lambda s: main_line(n, s, r"<bob> seen before$")
               and not main_line(n, s, r"<bob> while scrolled$"))
    n.send_keys("End")
    scr = n.wait_for(lambda s: main_line(n, s, r"<bob> while scrolled$")
                     and "more below" not in status_bar(n, s))
    # With text in the input line Home/End stay in the line.
    n.send_text("abc")
    n.send_keys("Home")
    n.send_text("X")
    n.wait_for(lambda s: n.lines(s)[n.rows - 1].rstrip() == "> Xabc")


def test_lastlog_shows_matching_lines(alice, bob):
    n = alice
    open_window(n, "bob@localhost")
    for body in ("apple pie", "banana", "Apple juice"):
        bob.send_message("alice@localhost", body)
    n.wait_for(lambda s: main_line(n, s, r"<bob> Apple juice$"))
    n.type_line("/lastlog apple")
    scr = n.wait_for(lambda s: main_line(n, s, r'Lastlog: 2 lines contain "apple":'))
    text = main_text(n, scr)
    after = text.split('Lastlog: 2 lines contain "apple":', 1)[1]
    assert re.search(r"<bob> apple pie", after) and re.search(r"<bob> Apple juice", after)
    assert "banana" not in after
    n.type_line("/lastlog")
    n.wait_for(lambda s: main_line(n, s, r"Usage: /lastlog TEXT"))


def test_presence_change_shown_once_in_chat(alice, bob):
    n = alice
    open_window(n, "bob@localhost")
    bob.send_presence(show="dnd", status="in a meeting")
    line = r"bob is now dnd: in a meeting"
    n.wait_for(lambda s: main_line(n, s, line), message="presence change not shown in the chat")
    # A reconnect brings the same presence again: nothing new is shown.
    n.type_line("/disconnect")
    n.wait_for(lambda s: "alice@localhost: offline" in status_bar(n, s))
    n.type_line("/connect")
    n.wait_for(lambda s: "alice@localhost: online" in status_bar(n, s), timeout=20)
    bob.send_message("alice@localhost", "back in the chat")
    scr = n.wait_for(lambda s: main_line(n, s, r"<bob> back in the chat$"), timeout=15)
    assert len([r for r in main_rows(n, scr) if re.search(line, r)]) == 1, main_text(n, scr)


ROOM = "lobby@conference.localhost"


def test_nick_same_in_history_and_live_lines_of_a_room(muc_server, natter_factory,
                                                      occupant_factory):
    """History of a room shown before it is joined again (after a restart, from
    /context) names and colours each occupant as the live lines do."""
    bob = occupant_factory("bob", muc_server)
    bob.create("lobby", "bobby")
    # 256 colours, so that two different colour keys rarely give the same colour.
    n = natter_factory(muc_server, cols=120, rows=30, env={"TERM": "tmux-256color"})
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/join lobby")
    wait_line(n, you_joined(ROOM, "alice"), timeout=15)
    bob.say("lobby", "said before the restart")
    wait_line(n, msg("bobby", "said before the restart"))
    n.quit()
    n.start()
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/search before the restart")
    n.wait_for(lambda s: "1. [" in s)
    n.type_line("/context 1")
    scr = n.wait_for(lambda s: ROOM in title_bar(n, s) and "said before the restart" in
                     main_text(n, s))
    assert main_line(n, scr, r"<bobby> said before the restart$"), main_text(n, scr)
    n.type_line("/join lobby")
    wait_line(n, you_joined(ROOM, "alice"), timeout=15)
    bob.say("lobby", "said live")
    wait_line(n, msg("bobby", "said live"))
    rows = n.screen_with_attrs().split("\n")
    old = next(r for r in rows if "said before the restart" in r)
    new = next(r for r in rows if "said live" in r)
    assert attrs_at(old, "bobby") == attrs_at(new, "bobby")


def test_ctrl_r_in_the_scrollback_finds_lines(prosody, natter_factory, bob):
    n = natter_factory(prosody, cols=100, rows=16)
    n.wait_for(CONNECTED, timeout=15)
    open_window(n, "bob@localhost")
    bob.send_message("alice@localhost", "the needle in the hay")
    n.wait_for(lambda s: main_line(n, s, r"<bob> the needle in the hay$"))
    n.type_line("/help all")
    n.wait_for(lambda s: main_line(n, s, r"^%s Keys:" % TS)
               and not main_line(n, s, r"needle"))
    n.send_keys("PPage")
    n.wait_for(lambda s: "more below" in status_bar(n, s))
    n.send_text("NEEDLE")
    n.send_keys("C-r")
    n.wait_for(lambda s: main_line(n, s, r"<bob> the needle in the hay$"),
               message="Ctrl-R did not find the line in the scrollback")
    rows = n.screen_with_attrs().split("\n")
    row = next(r for r in rows if "the needle in the hay" in r)
    assert "reverse" in attrs_at(row, "needle")[2], row
    # Nothing older: the view stays where it is.
    n.send_keys("C-r")
    n.send_keys("C-u")
    n.wait_for(lambda s: n.lines(s)[n.rows - 1].rstrip() == ">")
    assert main_line(n, n.screen(), r"<bob> the needle in the hay$")
