"""The message cursor (issue 14): Alt+Up or /select puts a highlighted cursor on a
message of the current window; the arrow keys (and j/k, PgUp/PgDn, Home/End) move
it, Esc leaves, and keys act on the selected message: e corrects an older message
of ours, d retracts it, i prints its details, r and + fill in /reply and /react
with its number, c copies it (OSC 52).

The highlight is read from the screen's attributes (capture-pane -e): the row of
the selected message is drawn reversed, and only it.
"""

import re

import pytest

from harness.history_helpers import child_attr, open_chat
from harness import attrs_at, strip_escapes
from screen import TS, main_rows, wait_main_has, wait_main_line

pytestmark = pytest.mark.servers("prosody")

BOB = "bob@localhost"
NS_CORRECT = "urn:xmpp:message-correct:0"
NS_RETRACT = "urn:xmpp:message-retract:1"
NS_SID = "urn:xmpp:sid:0"
HELP = "r reply  e correct  d delete  + react  c copy  o open  i info  Esc leave"


@pytest.fixture
def bob(prosody, peer_factory):
    return peer_factory("bob", prosody)


@pytest.fixture
def chat(alice, bob):
    open_chat(alice)
    return alice


def input_line(n, scr=None):
    return n.lines(scr)[n.rows - 1].rstrip()


def wait_input(n, text, timeout=5):
    want = ("> " + text).rstrip()
    return n.wait_for(lambda s: input_line(n, s) == want, timeout,
                      message="input line never became %r" % want)


def selected_rows(n):
    """Text of the main-window rows drawn reversed (the message cursor)."""
    width = n.cols - 24 - 1
    out = []
    for line in n.screen_with_attrs().split("\n")[1:n.rows - 2]:
        text = strip_escapes(line)[:width].rstrip()
        body = text[6:].strip() if re.match(TS, text) else text.strip()
        if body and "reverse" in attrs_at(line, body[:1] if len(body) < 2 else body)[2]:
            out.append(text)
    return out


def wait_selected(n, pattern, timeout=5):
    """Wait until exactly one row is highlighted and it matches regex pattern."""
    rx = re.compile(pattern)
    last = []

    def check():
        rows = selected_rows(n)
        last[:] = rows
        return rows if len(rows) == 1 and rx.search(rows[0]) else None
    from harness import wait_until
    return wait_until(check, timeout, message="wanted one selected row matching %r" % pattern,
                      describe=lambda: "selected rows %r\n%s" % (last, n.describe()))


def say(n, bob, text):
    n.type_line(text)
    wait_main_line(n, r"<alice> %s" % re.escape(text))
    return bob.wait_for_message(text)


def message_number(n, body):
    """Select BODY's message with the cursor and read its number from i."""
    n.send_keys("i")
    scr = wait_main_line(n, r"^%s\s+number\s+#\d+" % TS)
    m = re.search(r"number\s+#(\d+)", "\n".join(main_rows(n, scr)))
    return int(m.group(1))


def test_cursor_moves_highlights_and_leaves(chat, bob):
    n = chat
    for text in ("apple one", "banana two", "cherry three"):
        say(n, bob, text)
    bob.send_message("alice@localhost", "date from bob")
    wait_main_line(n, r"<bob> date from bob$")
    assert selected_rows(n) == [], "a row is highlighted before the mode"

    n.send_keys("M-Up")
    wait_selected(n, r"<bob> date from bob$")
    wait_input(n, HELP)
    n.send_keys("Up")
    wait_selected(n, r"<alice> cherry three$")
    n.send_keys("k")
    wait_selected(n, r"<alice> banana two$")
    n.send_keys("Down")
    wait_selected(n, r"<alice> cherry three$")
    n.send_keys("Home")
    wait_selected(n, r"<alice> apple one$")
    n.send_keys("j")
    wait_selected(n, r"<alice> banana two$")
    n.send_keys("End")
    wait_selected(n, r"<bob> date from bob$")
    # Letters the mode does not use go nowhere.
    n.send_keys("x")
    wait_input(n, HELP)

    n.send_keys("Escape")
    wait_input(n, "")
    n.wait_for(lambda s: selected_rows(n) == [], message="the highlight stayed")
    n.send_text("typed after")
    wait_input(n, "typed after")
    n.send_keys("C-u")
    wait_input(n, "")

    # /select does the same, and q leaves too.
    n.type_line("/select")
    wait_selected(n, r"<bob> date from bob$")
    n.send_keys("q")
    wait_input(n, "")
    n.wait_for(lambda s: selected_rows(n) == [], message="the highlight stayed after q")


def test_wrapped_message_is_highlighted_whole(chat, bob):
    n = chat
    long = " ".join("word%02d" % i for i in range(30))  # wraps over several rows
    bob.send_message("alice@localhost", long)
    wait_main_line(n, r"word29")
    say(n, bob, "short after")
    n.send_keys("M-Up")
    wait_selected(n, r"short after$")
    n.send_keys("Up")
    rows = n.wait_for(lambda s: len(selected_rows(n)) > 1, message="not all rows highlighted")
    rows = selected_rows(n)
    assert "word00" in rows[0] and "word29" in rows[-1], rows
    assert not any("short after" in r for r in rows), rows


def test_e_corrects_an_older_own_message(chat, bob):
    n = chat
    first = say(n, bob, "meet at fiev")
    say(n, bob, "bring cake")
    n.send_keys("M-Up")
    wait_selected(n, r"<alice> bring cake$")
    n.send_keys("Up")
    wait_selected(n, r"<alice> meet at fiev$")
    n.send_keys("e")
    scr = n.wait_for(lambda s: re.match(r"> /correct -n #\d+ meet at fiev$", input_line(n, s)),
                     message="e did not fill in /correct -n")
    for _ in range(4):
        n.send_keys("BSpace")
    n.send_text("five")
    n.send_keys("Enter")
    fix = bob.wait_for_message(lambda m: NS_CORRECT in m.xml)
    assert fix.body == "meet at five", fix.xml
    assert child_attr(fix.xml, "replace", NS_CORRECT) in (
        first.id, child_attr(first.xml, "origin-id", NS_SID)), fix.xml
    scr = wait_main_line(n, r"<alice> meet at five \(corrected\)")
    assert re.search(r"<alice> bring cake$", "\n".join(main_rows(n, scr)), re.M), \
        "the newest changed"


def test_e_and_d_refuse_others_messages(chat, bob):
    n = chat
    bob.send_message("alice@localhost", "bob's words")
    wait_main_line(n, r"<bob> bob's words$")
    n.send_keys("M-Up")
    wait_selected(n, r"<bob> bob's words$")
    n.send_keys("e")
    wait_main_line(n, r"Only your own messages can be corrected\.")
    n.send_keys("d")
    wait_main_line(n, r"Not allowed: only your own messages can be retracted\.")
    n.send_keys("o")
    wait_main_line(n, r"This message has no attachment\.")
    wait_input(n, HELP)  # still in the mode


def test_d_retracts_the_selected_message(chat, bob):
    n = chat
    oops = say(n, bob, "wrong window sorry")
    say(n, bob, "this one stays")
    n.send_keys("M-Up")
    wait_selected(n, r"this one stays$")
    n.send_keys("Up")
    wait_selected(n, r"wrong window sorry$")
    n.send_keys("d")
    n.wait_for(lambda s: re.match(r"> /retract #\d+$", input_line(n, s)),
               message="d did not fill in /retract N")
    n.send_keys("Enter")
    gone = bob.wait_for_message(lambda m: NS_RETRACT in m.xml)
    assert child_attr(gone.xml, "retract", NS_RETRACT) in (
        oops.id, child_attr(oops.xml, "origin-id", NS_SID)), gone.xml
    scr = wait_main_line(n, r"<alice> \(message retracted\)")
    text = "\n".join(main_rows(n, scr))
    assert "wrong window sorry" not in text and re.search(r"<alice> this one stays$", text, re.M)


def test_i_shows_ids_and_r_fills_in_reply(chat, bob):
    n = chat
    bob.send_raw("<message to='alice@localhost' type='chat' id='bob-msg-17'>"
                 "<body>details please</body>"
                 "<origin-id xmlns='urn:xmpp:sid:0' id='bob-origin-17&#10;  state      delivered'/>"
                 "</message>")
    wait_main_line(n, r"<bob> details please$")
    n.send_keys("M-Up")
    wait_selected(n, r"details please$")
    num = message_number(n, "details please")
    scr = n.screen()
    text = "\n".join(main_rows(n, scr))
    assert re.search(r"\bid\s+bob-msg-17$", text, re.M), text
    # A newline in an id stays on the id's row (a space or a control picture).
    assert re.search(r"origin-id\s+bob-origin-17.  state      delivered$", text, re.M), text
    assert not re.search(r"^%s\s+state\s+delivered" % TS, text, re.M), text
    assert re.search(r"from\s+bob@localhost/\S+$", text, re.M), text
    assert re.search(r"encryption\s+none", text, re.M), text
    assert re.search(r"Message %d:" % num, text), text
    wait_input(n, HELP)
    n.send_keys("+")
    wait_input(n, "/react #%d" % num)
    n.send_keys("C-u")
    n.send_keys("M-Up")
    wait_selected(n, r"details please$")
    n.send_keys("r")
    wait_input(n, "/reply #%d" % num)
    # The input line is the input line again: typing goes there.
    n.send_text("yes")
    wait_input(n, "/reply #%d yes" % num)


def test_i_shows_delivery_state_of_own_message(chat, bob):
    n = chat
    say(n, bob, "state of mine")
    n.send_keys("M-Up")
    wait_selected(n, r"state of mine$")
    n.send_keys("i")
    scr = wait_main_line(n, r"^%s\s+state\s+" % TS)
    text = "\n".join(main_rows(n, scr))
    assert re.search(r"state\s+(sent|delivered)", text), text
    assert re.search(r"origin-id\s+\S+", text), text


def test_c_copies_only_when_enabled(chat, bob):
    n = chat
    say(n, bob, "copy me please")
    n.send_keys("M-Up")
    wait_selected(n, r"copy me please$")
    n.send_keys("c")
    wait_main_has(n, "/set osc52_copy on enables it")
    n.send_keys("Escape")
    wait_input(n, "")
    n.tmux("set-option", "-s", "set-clipboard", "on")
    n.type_line("/set osc52_copy on")
    n.send_keys("M-Up")
    wait_selected(n, r"copy me please$")
    n.send_keys("c")
    wait_main_line(n, r"Copied 14 characters")
    from harness import wait_until
    wait_until(lambda: n.tmux("show-buffer", check=False).strip() == "copy me please",
               5, message="the terminal's clipboard never got the text")


def test_select_refused_without_messages(alice, bob):
    n = alice
    # Alt+Up says so as an error line, like /select does.
    n.send_keys("M-Up")
    wait_main_line(n, r"!! The message cursor works in chat and room windows\.")
    wait_input(n, "")
    n.type_line("/select")
    scr = wait_main_line(n, r"!! The message cursor works in chat and room windows\.")
    assert len(re.findall(r"!! The message cursor works", n.screen())) == 2, scr
    open_chat(n)
    n.send_keys("M-Up")
    wait_main_line(n, r"!! No message to select in this window\.")
    n.type_line("/select")
    wait_main_line(n, r"No message to select in this window\.")
    wait_input(n, "")


def test_moving_past_the_oldest_line_loads_older_history(chat, bob):
    """After a restart a window holds the newest page of its history; moving the
    cursor up past its oldest line loads the page before it, as PgUp does."""
    from harness.history_helpers import flood
    n = chat
    flood(bob, "alice@localhost", 150, lambda i: "old %03d" % i)
    wait_main_line(n, r"<bob> old 149$", timeout=30)
    n.restart()
    n.wait_for(lambda s: "Connected as" in s, timeout=15)
    open_chat(n)
    wait_main_line(n, r"<bob> old 149$")
    n.send_keys("M-Up")
    wait_selected(n, r"<bob> old 149$")
    n.send_keys("Home")
    wait_selected(n, r"<bob> old 050$")
    n.send_keys("Up")
    wait_selected(n, r"<bob> old 049$")
    n.send_keys("PPage")
    rows = wait_selected(n, r"<bob> old 0[0-4]\d$")
    n.send_keys("End")
    wait_selected(n, r"<bob> old 149$")


@pytest.fixture
def moderated_server(prosody_factory):
    """Group chat with XEP-0425 moderation (a test plugin: Prosody 0.12 has none)."""
    return prosody_factory(muc=True, muc_modules=("test_muc_moderation",))


def test_d_in_a_room_moderates_only_as_moderator(moderated_server, natter_factory,
                                                 occupant_factory):
    """d on someone else's room message: refused with one line while alice is a
    participant; as a moderator it fills in /retract N, which asks the room to
    remove that message (XEP-0425), not carol's newest."""
    from muc_helpers import msg, wait_line, you_joined
    from screen import CONNECTED
    room = "lobby@conference.localhost"
    server = moderated_server
    n = natter_factory(server)
    n.wait_for(CONNECTED, timeout=15)
    bob = occupant_factory("bob", server)
    bob.create("lobby", "bobby")
    n.type_line("/join lobby")
    wait_line(n, you_joined(room, "alice"), timeout=15)
    carol = occupant_factory("carol", server)
    carol.join("lobby", "carol")
    carol.say("lobby", "buy cheap pills")
    carol.say("lobby", "a real question")
    wait_line(n, msg("carol", "a real question"))
    n.send_keys("M-Up")
    wait_selected(n, r"<carol> a real question$")
    n.send_keys("Up")
    wait_selected(n, r"<carol> buy cheap pills$")
    n.send_keys("d")
    wait_main_has(n, "Not allowed: only your own messages can be retracted (and others' by "
                     "the room's moderators).")
    n.send_keys("Escape")
    wait_input(n, "")
    bob.set_role("lobby", "alice", "moderator")
    wait_line(n, "You are now a moderator")
    n.send_keys("M-Up")
    wait_selected(n, r"<carol> a real question$")
    n.send_keys("Up")
    wait_selected(n, r"<carol> buy cheap pills$")
    n.send_keys("d")
    n.wait_for(lambda s: re.match(r"> /retract #\d+$", input_line(n, s)),
               message="d did not fill in /retract N")
    n.send_text(" spam")
    n.send_keys("Enter")
    got = carol.wait_for_groupchat(
        room, lambda r: "urn:xmpp:message-moderate:1" in r.xml and "/" not in r.frm)
    assert "spam" in got.xml, got.xml
    wait_line(n, msg("carol", "[removed by alice: spam]"))
    scr = n.screen()
    assert "buy cheap pills" not in scr and "a real question" in scr, scr


def test_i_on_an_older_message_shows_the_details_under_it(chat, bob):
    """Scrolled back to an old message, its details appear under it, on screen,
    not at the bottom of the window out of sight."""
    from harness.history_helpers import flood
    n = chat
    flood(bob, "alice@localhost", 60, lambda i: "line %02d" % i)
    wait_main_line(n, r"<bob> line 59$", timeout=20)
    n.send_keys("M-Up")
    wait_selected(n, r"<bob> line 59$")
    n.send_keys("Home")
    wait_selected(n, r"<bob> line 00$")
    n.send_keys("i")
    scr = wait_main_line(n, r"^%s\s+number\s+#\d+" % TS)
    rows = main_rows(n, scr)
    at = next(i for i, r in enumerate(rows) if r.endswith("<bob> line 00"))
    assert re.search(r"Message \d+:$", rows[at + 1]), rows
    assert not any("line 59" in r for r in rows), "the view jumped to the bottom"
    # The cursor moves on from there.
    n.send_keys("Down")
    wait_selected(n, r"<bob> line 01$")


def test_paging_back_with_a_small_scrollback(chat, bob):
    """With scrollback_lines at its smallest (100, a page of history), the page
    loaded past the oldest line pushes the selected message out of memory: the
    cursor lands on the message before it, and natter goes on."""
    from harness.history_helpers import flood
    n = chat
    n.type_line("/set scrollback_lines 100")
    flood(bob, "alice@localhost", 250, lambda i: "msg %03d" % i)
    wait_main_line(n, r"<bob> msg 249$", timeout=30)
    n.send_keys("M-Up")
    wait_selected(n, r"<bob> msg 249$")
    n.send_keys("Home")
    # (not 249: that is still the selection until Home is handled)
    rows = wait_selected(n, r"<bob> msg (?!249$)\d+$")
    oldest = int(rows[0].rsplit(" ", 1)[1])
    n.send_keys("Up")
    wait_selected(n, r"<bob> msg %03d$" % (oldest - 1))
    n.send_keys("k")
    wait_selected(n, r"<bob> msg %03d$" % (oldest - 2))
    n.send_keys("End")
    wait_selected(n, r"<bob> msg 249$")


def reversed_at(n, needle):
    """True when NEEDLE is on screen and drawn reversed (the cursor)."""
    for line in n.screen_with_attrs().split("\n"):
        rendition = attrs_at(line, needle)
        if rendition is not None:
            return "reverse" in rendition[2]
    return False


def test_resize_keeps_the_selection_in_view(chat, bob):
    """A terminal resized while the cursor is on an older message (its rows
    change with the width and height) still shows the selected message."""
    n = chat
    for i in range(24):
        bob.send_message("alice@localhost", "m%02d %s" % (i, "wraps here " * (i % 7)))
    wait_main_line(n, r"<bob> m23 ")
    n.send_keys("M-Up")
    wait_selected(n, r"<bob> m23 ")
    for _ in range(12):
        n.send_keys("Up")
    wait_selected(n, r"<bob> m11 ")
    n.tmux("resize-window", "-t", "natter", "-x", "40", "-y", "12")
    n.wait_for(lambda s: reversed_at(n, "m11 "), timeout=5,
               message="the selected message left the screen on the resize")
    n.tmux("resize-window", "-t", "natter", "-x", "100", "-y", "30")
    n.wait_for(lambda s: reversed_at(n, "m11 "), timeout=5,
               message="the selected message left the screen on the resize back")
    n.send_keys("Up")
    n.wait_for(lambda s: reversed_at(n, "m10 "), timeout=5, message="the cursor did not move on")


def test_arriving_messages_do_not_scroll_the_selection_away(chat, bob):
    """The window follows the newest line, but not while the cursor is on a
    message: what arrives meanwhile is below the screen ("more below"), and
    the selected message stays in view."""
    n = chat
    for i in range(5):
        bob.send_message("alice@localhost", "early%d" % i)
    wait_main_line(n, r"<bob> early4$")
    n.send_keys("M-Up")
    wait_selected(n, r"<bob> early4$")
    n.send_keys("Up")
    wait_selected(n, r"<bob> early3$")
    for i in range(40):
        bob.send_message("alice@localhost", "later%02d" % i)
    n.wait_for(lambda s: "more below" in s, timeout=10,
               message="the window followed the new messages away from the selection")
    wait_selected(n, r"<bob> early3$")
    assert "later39" not in n.screen()
    # End goes to the newest; the window follows again.
    n.send_keys("End")
    wait_selected(n, r"<bob> later39$")


def test_r_and_plus_refuse_a_retracted_message(chat, bob):
    """r and + on a message its sender retracted say so at once, in the
    mode, instead of filling in a command that can only fail."""
    n = chat
    bob.send_raw("<message to='alice@localhost' type='chat' id='gone-1'>"
                 "<body>soon gone</body></message>")
    wait_main_line(n, r"<bob> soon gone$")
    bob.send_raw("<message to='alice@localhost' type='chat' id='gone-2'>"
                 "<retract xmlns='%s' id='gone-1'/><body>retracted</body></message>" % NS_RETRACT)
    wait_main_line(n, r"<bob> \(message retracted\)$")
    n.send_keys("M-Up")
    wait_selected(n, r"<bob> \(message retracted\)$")
    n.send_keys("r")
    wait_main_line(n, r"!! A retracted message cannot be replied to\.$")
    wait_input(n, HELP)
    n.send_keys("+")
    wait_main_line(n, r"!! A retracted message cannot be reacted to\.$")
    wait_input(n, HELP)
    wait_selected(n, r"<bob> \(message retracted\)$")


def test_narrow_terminal_still_says_how_to_leave(chat, bob):
    """On a 40-column terminal the key help would be cut before "Esc leave":
    a shorter form keeps it in view, and it comes back in full when wider."""
    n = chat
    say(n, bob, "small screen")
    n.tmux("resize-window", "-t", "natter", "-x", "40", "-y", "12")
    n.send_keys("M-Up")
    n.wait_for(lambda s: n.lines(s)[11].startswith("> Esc leave  r e d + c o i"),
               timeout=5, message="the narrow key help does not say how to leave")
    n.tmux("resize-window", "-t", "natter", "-x", "100", "-y", "30")
    wait_input(n, HELP)
    n.send_keys("Escape")
    wait_input(n, "")
