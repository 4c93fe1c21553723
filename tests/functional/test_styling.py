"""Message styling (XEP-0393): *strong*, _emphasis_, ~strike~, `code`, ``` blocks and
> quotes drawn with terminal attributes, the directives dimmed and never hidden,
nothing styled inside code, the `styling` setting (on | raw), and the sender's
<unstyled/> hint, live and from history after a restart.

Attributes are read from ``capture-pane -e`` (harness.styled_chars): a rendition
is (fg, bg, flags). The default theme: strong bold, emphasis italic (underline on a
terminal without italics), strike dim, code cyan (36), quote green (32), directives
dim.
"""

import re

import pytest

from harness import DEFAULT_MODULES, room_jid, styled_chars
from harness.history_helpers import focus, open_chat
from muc_helpers import OCCUPANTS_WIDTH, msg, wait_line, you_joined
from screen import CONNECTED, ROSTER_WIDTH, TS, status_bar, wait_main_line

BOB = "bob@localhost"
CYAN, GREEN = 36, 32


@pytest.fixture
def bob(prosody, peer_factory):
    return peer_factory("bob", prosody)


def chars_of_row(n, pattern, width=None):
    """styled_chars of the first main-window row (WIDTH columns, default: the roster
    pane cut off; trailing blanks dropped) that matches regex PATTERN, or None."""
    rx = re.compile(pattern)
    width = width or n.cols - ROSTER_WIDTH - 1
    for line in n.screen_with_attrs().split("\n"):
        chars = styled_chars(line)[:width]
        if rx.search("".join(c for c, _ in chars).rstrip()):
            return chars
    return None


def flags_of(chars, needle, nth=0):
    """Flags of each character of the NTH occurrence of NEEDLE in CHARS (a list)."""
    text = "".join(c for c, _ in chars)
    at = -1
    for _ in range(nth + 1):
        at = text.find(needle, at + 1)
        assert at >= 0, "%r not in %r" % (needle, text)
    return [set(r[2]) for _, r in chars[at:at + len(needle)]]


def fg_of(chars, needle):
    text = "".join(c for c, _ in chars)
    at = text.find(needle)
    assert at >= 0, "%r not in %r" % (needle, text)
    return chars[at][1][0]


def all_have(chars, needle, flag, nth=0):
    return all(flag in f for f in flags_of(chars, needle, nth))


def none_have(chars, needle, flag, nth=0):
    return all(flag not in f for f in flags_of(chars, needle, nth))


def wait_row(n, pattern, check, message, width=None):
    """Wait until the row matching PATTERN exists and check(chars) holds; returns chars."""
    got = []

    def ok(_scr):
        chars = chars_of_row(n, pattern, width)
        got[:] = [chars]
        return chars is not None and check(chars)
    n.wait_for(ok, message=message)
    return got[0]


LINE = "plain *bold* _emph_ ~gone~ `code *stars*` end"


def test_spans_drawn_with_attributes_and_markers_dimmed(prosody, bob, natter_factory):
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    bob.send_message("alice@localhost", LINE)
    # Every character stays on screen, markers included.
    wait_main_line(n, r"^%s <bob> %s$" % (TS, re.escape(LINE)))
    row = r"<bob> plain \*bold"
    chars = wait_row(n, row, lambda c: all_have(c, "bold", "bold"), "strong span not bold")
    assert all_have(chars, "*bold*", "bold"), "the directives belong to the span"
    assert flags_of(chars, "*bold*")[0] >= {"dim"} and flags_of(chars, "*bold*")[-1] >= {"dim"}
    assert none_have(chars, "bold", "dim"), "the text itself is not dimmed"
    emph = flags_of(chars, "emph")
    assert all("italic" in f or "underline" in f for f in emph), emph
    assert all_have(chars, "gone", "dim"), "strike is dim (curses has no strikethrough)"
    # Inside a code span nothing is styled: the stars are neither bold nor dim.
    assert none_have(chars, "*stars*", "bold") and none_have(chars, "*stars*", "dim")
    assert fg_of(chars, "code *stars*") == CYAN
    assert all_have(chars, "`", "dim", nth=0)
    # Plain text is plain.
    assert flags_of(chars, "plain") == [set()] * 5 and flags_of(chars, " end") == [set()] * 4

    # raw: the text as sent, no attributes at all; on again: styled again.
    n.type_line("/set styling raw")
    wait_row(n, row, lambda c: all(not f for f in flags_of(c, LINE)),
             "attributes left with styling = raw")
    n.type_line("/set styling on")
    wait_row(n, row, lambda c: all_have(c, "bold", "bold"), "not styled again with styling = on")


def test_quotes_blocks_and_wrapped_spans(prosody, bob, natter_factory):
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    bob.send_message("alice@localhost", "> quoted _q_\n```\nx = *y*\n```\nafter *it*")
    wait_main_line(n, r"^\s+after \*it\*$")
    q = wait_row(n, r"<bob> > quoted", lambda c: fg_of(c, "quoted") == GREEN, "quote not green")
    assert all("dim" in f for f in flags_of(q, "> quoted")[:2]), "quote marker not dim"
    assert none_have(q, "quoted", "dim")
    pre = chars_of_row(n, r"^\s+x = \*y\*$")
    assert fg_of(pre, "x = *y*") == CYAN and none_have(pre, "*y*", "bold")
    fence = chars_of_row(n, r"^\s+```$")
    assert all_have(fence, "```", "dim")
    after = chars_of_row(n, r"^\s+after \*it\*$")
    assert all_have(after, "it", "bold") and none_have(after, "after", "bold")

    # A strong span longer than a row stays strong on every row it wraps to.
    words = " ".join("word%02d" % i for i in range(30))
    bob.send_message("alice@localhost", "*%s* tail" % words)
    wait_main_line(n, r"word29\* tail$")
    first = chars_of_row(n, r"<bob> \*word00")
    last = chars_of_row(n, r"word29\* tail$")
    assert all_have(first, "word00", "bold") and all_have(last, "word29", "bold")
    assert none_have(last, "tail", "bold")


def test_own_messages_are_styled(prosody, bob, natter_factory):
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    n.type_line("see *this* and `*that*`")
    bob.wait_for_message("see *this* and `*that*`")
    chars = wait_row(n, r"<alice> see \*this\*", lambda c: all_have(c, "this", "bold"),
                     "own strong span not bold")
    assert none_have(chars, "*that*", "bold")


def unstyled_message(body, mid):
    return ("<message to='alice@localhost' type='chat' id='%s'><body>%s</body>"
            "<unstyled xmlns='urn:xmpp:styling:0'/></message>" % (mid, body))


def test_unstyled_hint_respected_live_and_after_restart(prosody, bob, natter_factory):
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    bob.send_raw(unstyled_message("*as written* please", "u1"))
    bob.send_message("alice@localhost", "*styled* please")
    wait_main_line(n, r"<bob> \*styled\* please$")
    plain = chars_of_row(n, r"<bob> \*as written\* please$")
    assert plain is not None
    assert all(not f for f in flags_of(plain, "*as written* please")), plain
    styled = chars_of_row(n, r"<bob> \*styled\* please$")
    assert all_have(styled, "styled", "bold")

    # From the local history, the hint is still honoured.
    n.quit()
    n.restart()
    n.wait_for(lambda s: "alice" in status_bar(n, s), timeout=15)
    open_chat(n)
    wait_main_line(n, r"<bob> \*styled\* please$")
    wait_row(n, r"<bob> \*styled\* please$", lambda c: all_have(c, "styled", "bold"),
             "history line not styled")
    plain = chars_of_row(n, r"<bob> \*as written\* please$")
    assert all(not f for f in flags_of(plain, "*as written* please")), plain


def test_room_messages_styled_and_unstyled_hint(muc_server, natter_factory, occupant_factory):
    """In a room: others' and own styled messages, and a room message with <unstyled/>."""
    room = room_jid("lobby")
    n = natter_factory(muc_server, cols=120, rows=30)
    n.wait_for(CONNECTED, timeout=15)
    bob = occupant_factory("bob", muc_server)
    bob.create("lobby", "bobby")
    n.type_line("/join lobby")
    wait_line(n, you_joined(room, "alice"), timeout=15)
    width = n.cols - OCCUPANTS_WIDTH - 1
    bob.say("lobby", "room *strong* `*code*`")
    bob.send_raw("<message type='groupchat' to='%s'><body>room *hinted*</body>"
                 "<unstyled xmlns='urn:xmpp:styling:0'/></message>" % room)
    n.type_line("mine _too_")
    wait_line(n, msg("alice", "mine _too_"))
    wait_line(n, msg("bobby", "room *hinted*"))
    chars = wait_row(n, r"<bobby> room \*strong\*", lambda c: all_have(c, "strong", "bold"),
                     "room message not styled", width)
    assert none_have(chars, "*code*", "bold")
    hinted = chars_of_row(n, r"<bobby> room \*hinted\*$", width)
    assert all(not f for f in flags_of(hinted, "room *hinted*")), hinted
    mine = chars_of_row(n, r"<alice> mine _too_$", width)
    assert all("italic" in f or "underline" in f for f in flags_of(mine, "too"))


def test_archive_catch_up_keeps_styling_and_hint(prosody_factory, peer_factory, natter_factory):
    """Messages missed while natter was down come from the server's archive (no
    offline storage): styled, and the <unstyled/> one as written."""
    p = prosody_factory(modules=tuple(m for m in DEFAULT_MODULES if m != "offline"))
    bob = peer_factory("bob", p)
    n = natter_factory(p)
    n.wait_for(CONNECTED, timeout=15)
    bob.send_message("alice@localhost", "first session")
    focus(n, "bob", BOB)
    wait_main_line(n, r"<bob> first session$", timeout=20)
    n.quit()
    bob.send_raw(unstyled_message("*kept plain* archived", "a1"))
    bob.send_message("alice@localhost", "*bold* archived")
    bob.get_roster()  # a round trip: the server has archived both
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    bob.send_message("alice@localhost", "second session")
    focus(n, "bob", BOB)
    wait_main_line(n, r"<bob> second session$", timeout=20)
    wait_row(n, r"<bob> \*bold\* archived$", lambda c: all_have(c, "bold", "bold"),
             "archived message not styled")
    plain = chars_of_row(n, r"<bob> \*kept plain\* archived$")
    assert plain is not None and all(not f for f in flags_of(plain, "*kept plain* archived"))
