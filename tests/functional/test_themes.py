"""Themes (/theme list, load, preview; user themes, broken themes, colour
degradation), XEP-0392 contact colours and notifications (bell, /notify, mentions,
quiet hours, notify_command, OSC 777 / OSC 9).

SGR state is read from ``capture-pane -e`` (harness.styled_chars): a rendition is
(fg, bg, flags), fg 30-37/90-97 or ('256', N), bg 40-47/100-107 or ('256', N).
How bells are detected is described in harness/theme_helpers.py: the raw pane
output (pipe-pane) for exact, ordered counts and tmux's alert-bell hook and
window_bell_flag for what tmux shows.
"""

import os
import re
import time

import pytest

from harness import wait_until
from harness.theme_helpers import (ROLES, BellCounter, RawOutput, is_base_colour, line_attrs,
                                   preview_roles, title_attrs, wait_attrs, write_settings,
                                   write_user_theme)
from screen import (CONNECTED, TS, main_has, main_rows, main_text, status_bar, title_bar,
                    wait_main_has, wait_main_line)

BOLD = ("bold",)
DEFAULT_TITLE = (37, 44, BOLD)        # default.theme: title = white on blue bold
LIGHT_TITLE = (30, 46, BOLD)          # light.theme:   title = black on cyan bold
SHIPPED = {"default", "light", "dark", "high-contrast", "monochrome", "256", "truecolour"}

BROKEN_THEME = """[theme]
description = broken on purpose
[colours]
title = purple
nosuch = red
time = green
"""


@pytest.fixture
def bob(prosody, peer_factory):
    return peer_factory("bob", prosody)


def offline_natter(natter_factory, **kw):
    """natter without an account (no server needed), ready for commands."""
    kw.setdefault("rows", 40)
    n = natter_factory(None, connect=False, **kw)
    n.wait_for(r"/quit")
    return n


def theme_list(n):
    """/clear, then /theme list; returns (name in use from the header,
    [(name, starred)]). The listing is drawn at once, header and entries."""
    n.type_line("/clear")
    n.wait_gone(r"Themes \(", message="/clear left an old /theme list")
    n.type_line("/theme list")
    scr = n.wait_for(r"Themes \(", message="no /theme list output")
    rows = main_rows(n, scr)
    head = max(i for i, r in enumerate(rows) if re.search(r"^%s Themes \(" % TS, r))
    m = re.search(r"Themes \((\S+) in use;", rows[head])
    assert m, rows[head]
    entries = []
    for r in rows[head + 1:]:
        e = re.match(r"^%s {3}(\S+)( \*)?$" % TS, r)
        if not e:
            break
        entries.append((e.group(1), bool(e.group(2))))
    return m.group(1), entries


def open_chat(n, jid="bob@localhost", nick="bob"):
    """/msg JID opens and focuses the chat window; returns its number."""
    n.type_line("/msg %s" % jid)
    rx = re.compile(r"\b(\d+):%s(?!\w)" % re.escape(nick))
    scr = n.wait_for(lambda s: rx.search(status_bar(n, s)) and jid in title_bar(n, s))
    return int(rx.search(status_bar(n, scr)).group(1))


def to_console(n):
    n.send_keys("M-1")
    n.wait_for(lambda s: "console" in title_bar(n, s) and CONNECTED in main_text(n, s),
               message="console not shown")


def background_chat(n, jid="bob@localhost", nick="bob"):
    """Open the chat window for JID, then go back to the console: the window
    exists but is not the one looked at. Returns its number."""
    num = open_chat(n, jid, nick)
    to_console(n)
    return num


def wait_activity(n, nick):
    """Wait until the status bar marks NICK's window with activity."""
    rx = re.compile(r"\b\d+:%s[*+]" % re.escape(nick))
    n.wait_for(lambda s: rx.search(status_bar(n, s)), timeout=10,
               message="no activity mark for %s's window" % nick)


def visit(n, num, jid, text):
    """Look at window NUM until TEXT shows there, then back to the console (clears
    the activity mark and proves the message was handled)."""
    n.send_keys("M-%d" % num)
    n.wait_for(lambda s: jid in title_bar(n, s) and main_has(n, s, text),
               message="%r not shown in window %d" % (text, num))
    to_console(n)


# ---- themes -----------------------------------------------------------------------

def test_theme_list_shows_shipped_and_user_themes(natter_factory):
    n = offline_natter(natter_factory)
    write_user_theme(n, "mine", "[theme]\ndescription = mine\n[colours]\n"
                                "title = green on black bold underline\n")
    in_use, entries = theme_list(n)
    assert in_use == "default"
    names = [e for e, _ in entries]
    assert set(names) == SHIPPED | {"mine"}, entries
    assert len(names) == len(set(names)), "a theme listed twice: %s" % names
    assert [e for e, star in entries if star] == ["default"], entries
    assert title_attrs(n) == DEFAULT_TITLE

    n.type_line("/theme load mine")
    wait_main_line(n, r"^%s Theme mine loaded \(and saved\)\.$" % TS)
    wait_attrs(n, lambda: title_attrs(n), (32, 40, ("bold", "underline")),
               message="user theme's title colours not used")
    in_use, entries = theme_list(n)
    assert in_use == "mine"
    assert [e for e, star in entries if star] == ["mine"], entries


def test_binary_file_is_refused_as_a_theme(natter_factory):
    """A file whose start parses as a theme but which holds binary data after it
    (a NUL byte, bytes that are not UTF-8) is no theme: one clear error, and the
    theme in use stays."""
    n = offline_natter(natter_factory)
    path = write_user_theme(n, "blob", "[colours]\ntitle = green on black\n")
    with open(path, "ab") as f:
        f.write(b"\0\x01\x02\xff\xfe ELF garbage\n")
    n.type_line("/theme load blob")
    scr = wait_main_has(n, "blob.theme: not a theme (binary data; a theme is UTF-8 text)")
    errors = [r for r in main_rows(n, scr) if re.match(r"^%s !!" % TS, r)]
    assert len(errors) == 1, main_text(n, scr)
    assert "loaded" not in main_text(n, scr), main_text(n, scr)
    in_use, _ = theme_list(n)
    assert in_use == "default"
    assert title_attrs(n) == DEFAULT_TITLE


def test_theme_load_changes_title_bar_and_save_keeps_it(alice):
    wait_attrs(alice, lambda: title_attrs(alice), DEFAULT_TITLE,
               message="default theme's title bar is not white on blue bold")
    alice.type_line("/theme load light")
    wait_main_line(alice, r"^%s Theme light loaded \(and saved\)\.$" % TS)
    wait_attrs(alice, lambda: title_attrs(alice), LIGHT_TITLE,
               message="title bar not black on cyan bold after /theme load light")
    alice.type_line("/save")
    alice.wait_for(r"Settings saved")
    settings = open(os.path.join(alice.config_dir, "settings")).read()
    assert re.search(r"^\s*theme\s*=\s*light\s*$", settings, re.M), settings

    alice.restart()
    alice.wait_for(CONNECTED, timeout=15)
    wait_attrs(alice, lambda: title_attrs(alice), LIGHT_TITLE,
               message="theme light not in use after a restart")
    in_use, entries = theme_list(alice)
    assert in_use == "light" and ("light", True) in entries, entries


def test_broken_user_theme_is_refused_with_file_and_line(natter_factory):
    n = offline_natter(natter_factory, cols=120)
    path = write_user_theme(n, "broken", BROKEN_THEME)
    n.type_line("/theme load broken")
    scr = wait_main_has(n, "Theme 'broken' not loaded; keeping 'default'.")
    assert main_has(n, scr, "%s:4: title: unknown colour or attribute 'purple'" % path), \
        main_text(n, scr)
    assert main_has(n, scr, "%s:5: unknown role 'nosuch'" % path), main_text(n, scr)
    assert not main_has(n, scr, "Theme broken loaded")
    # the errors are drawn as errors (default theme: red bold)
    err = line_attrs(n, r"Theme 'broken' not loaded", "Theme")
    assert err is not None and err[0] == 31 and "bold" in err[2], err
    # nothing of the broken theme was applied
    assert title_attrs(n) == DEFAULT_TITLE
    in_use, entries = theme_list(n)
    assert in_use == "default" and ("default", True) in entries, entries
    assert ("broken", False) in entries, entries


def test_broken_theme_named_in_settings_starts_with_default(natter_factory):
    n = natter_factory(None, connect=False, rows=40, cols=120, start=False)
    path = write_user_theme(n, "broken", BROKEN_THEME)
    write_settings(n, theme="broken")
    n.start()
    scr = wait_main_has(n, "Theme 'broken' not loaded; keeping 'default'.")
    assert main_has(n, scr, "%s:4: title: unknown colour or attribute 'purple'" % path), \
        main_text(n, scr)
    assert main_has(n, scr, "%s:5: unknown role 'nosuch'" % path), main_text(n, scr)
    assert title_attrs(n) == DEFAULT_TITLE
    in_use, _ = theme_list(n)
    assert in_use == "default"


def test_preview_draws_every_role_without_switching(natter_factory):
    n = offline_natter(natter_factory)
    n.type_line("/theme preview dark")
    wait_main_line(n, r"^%s Preview of theme 'dark'" % TS)
    wait_attrs(n, lambda: sorted(preview_roles(n)), sorted(ROLES),
               message="not one preview line per role")
    got = preview_roles(n)
    # dark.theme, as a 256-colour terminal shows it (tmux-256color in the harness)
    assert got["title"] == (97, 40, BOLD), got["title"]              # brightwhite on black bold
    assert got["status_current"] == (97, 40, ("bold", "underline")), got["status_current"]
    assert got["error"] == (91, None, BOLD), got["error"]            # brightred bold
    assert got["roster_away"] == (33, None, ()), got["roster_away"]  # yellow
    assert got["text"] == (None, None, ()), got["text"]              # not set: default
    # the theme in use did not change
    assert title_attrs(n) == DEFAULT_TITLE
    in_use, _ = theme_list(n)
    assert in_use == "default"
    assert title_attrs(n) == DEFAULT_TITLE


def test_256_colour_theme_on_256_colour_terminal(natter_factory):
    n = offline_natter(natter_factory, env={"TERM": "xterm-256color"})
    n.type_line("/theme load 256")
    wait_main_line(n, r"^%s Theme 256 loaded" % TS)
    # 256.theme: title = color231 on color24 bold
    wait_attrs(n, lambda: title_attrs(n), (("256", 231), ("256", 24), BOLD),
               message="256-colour title bar not drawn with 38;5;231 / 48;5;24")


def test_256_colour_theme_degrades_on_8_colour_terminal(natter_factory):
    n = offline_natter(natter_factory, env={"TERM": "xterm"})
    raw = RawOutput(n)
    n.type_line("/theme load 256")
    wait_main_line(n, r"^%s Theme 256 loaded" % TS)
    n.type_line("/theme preview 256")
    wait_attrs(n, lambda: sorted(preview_roles(n)), sorted(ROLES),
               message="not one preview line per role")
    title = title_attrs(n)
    assert title != DEFAULT_TITLE, "256 theme not applied at all"
    for role, (fg, bg, _) in list(preview_roles(n).items()) + [("title bar", title)]:
        assert is_base_colour(fg, 30) and is_base_colour(bg, 40), \
            "%s drawn as fg %r bg %r on an 8-colour terminal" % (role, fg, bg)
    # the 256-colour roles did get colours, just base ones
    assert isinstance(title[0], int) and isinstance(title[1], int), title
    sgr = re.findall(r"\x1b\[([0-9;:]*)m", raw.text())
    assert sgr, "no SGR output captured"
    bad = [p for p in sgr if re.search(r"(^|;)[34]8[;:]", p)
           or any(c.isdigit() and (90 <= int(c) <= 97 or 100 <= int(c) <= 107)
                  for c in p.split(";"))]
    assert not bad, "colours an 8-colour terminal does not have: %s" % bad[:5]


def test_bright_colours_become_bold_on_8_colour_terminal(natter_factory):
    """dark.theme: roster_online = brightgreen, info = brightblue (neither bold).
    With 8 colours a bright colour is shown as its base colour in bold."""
    n = offline_natter(natter_factory, env={"TERM": "xterm"})
    n.type_line("/theme preview dark")
    wait_attrs(n, lambda: sorted(preview_roles(n)), sorted(ROLES),
               message="not one preview line per role")
    got = preview_roles(n)
    assert got["roster_online"] == (32, None, BOLD), "brightgreen: %r" % (got["roster_online"],)
    assert got["info"] == (34, None, BOLD), "brightblue: %r" % (got["info"],)
    assert got["roster_away"] == (33, None, ()), "yellow: %r" % (got["roster_away"],)


# ---- contact colours (XEP-0392) ------------------------------------------------------

def nick_attrs(n, nick, text):
    """Rendition of NICK in the chat line '<NICK> TEXT' on screen, or None."""
    return line_attrs(n, r"<%s> %s(  |$)" % (re.escape(nick), re.escape(text)), nick + ">")


def test_contact_colours_follow_the_bare_jid(prosody, alice, bob, peer_factory):
    carol = peer_factory("carol", prosody)
    bob_phone = peer_factory("bob", prosody, resource="phone")
    open_chat(alice)
    bob.send_message("alice@localhost", "first from bob")
    wait_main_line(alice, r"<bob> first from bob$")
    colour = nick_attrs(alice, "bob", "first from bob")
    assert colour is not None and colour[0] is not None, "bob's nick has no colour: %r" % (colour,)
    assert colour != (33, None, BOLD), "bob's nick has the fixed nick_other colour"
    bob_phone.send_message("alice@localhost", "from the phone")
    wait_main_line(alice, r"<bob> from the phone$")
    assert nick_attrs(alice, "bob", "from the phone") == colour, "another resource, another colour"
    alice.type_line("mine")
    wait_main_line(alice, r"<alice> mine$")
    assert nick_attrs(alice, "alice", "mine") == (32, None, BOLD), "own nick not nick_own"

    open_chat(alice, "carol@localhost", "Carol C.")
    carol.send_message("alice@localhost", "carol here")
    wait_main_line(alice, r"<Carol C\.> carol here$")
    carol_colour = nick_attrs(alice, "Carol C.", "carol here")
    assert carol_colour is not None and carol_colour[0] is not None, carol_colour
    assert carol_colour != colour, "bob and carol got the same colour %r" % (colour,)

    alice.restart()
    alice.wait_for(CONNECTED, timeout=15)
    open_chat(alice)
    bob.send_message("alice@localhost", "after restart")
    wait_main_line(alice, r"<bob> after restart$")
    assert nick_attrs(alice, "bob", "after restart") == colour, "colour changed across a restart"


def test_no_contact_colours_in_monochrome(alice, bob):
    open_chat(alice)
    bob.send_message("alice@localhost", "colour me")
    wait_main_line(alice, r"<bob> colour me$")
    assert nick_attrs(alice, "bob", "colour me")[0] is not None
    alice.type_line("/theme load monochrome")
    wait_main_line(alice, r"Theme monochrome loaded")
    wait_attrs(alice, lambda: nick_attrs(alice, "bob", "colour me")[:2], (None, None),
               message="bob's nick still coloured with the monochrome theme")
    bob.send_message("alice@localhost", "still plain")
    wait_main_line(alice, r"<bob> still plain$")
    assert nick_attrs(alice, "bob", "still plain")[:2] == (None, None)
    # high-contrast has contact_colours = false too: nick_other = brightyellow bold
    alice.type_line("/theme load high-contrast")
    wait_main_line(alice, r"Theme high-contrast loaded")
    wait_attrs(alice, lambda: nick_attrs(alice, "bob", "still plain"), (93, None, BOLD),
               message="without contact colours nicks use nick_other")


# ---- notifications --------------------------------------------------------------------
# Counting tests switch notify_osc 777 on as well: every notification then writes
# BEL + OSC 777 with its text, so RawOutput.wait_notified(TEXT) tells that the
# message TEXT is through, and the bells and notifications before it are final.

def notifying(alice):
    """RawOutput of alice with notify_osc 777 on; bob's window open in the background.
    Returns (raw, bob's window number)."""
    raw = RawOutput(alice)
    alice.type_line("/set notify_osc 777")
    wait_main_line(alice, r"notify_osc = 777$")
    return raw, background_chat(alice)


def test_message_in_background_window_rings_the_bell(alice, bob):
    tmux_bells = BellCounter(alice)
    raw, num = notifying(alice)
    assert raw.bells() == 0 and tmux_bells.count() == 0
    bob.send_message("alice@localhost", "ding")
    raw.wait_bells(1)
    tmux_bells.wait(1)
    assert tmux_bells.flag(), "tmux's window_bell_flag not set"
    # looking at bob's window: no notification
    alice.send_keys("M-%d" % num)
    alice.wait_for(lambda s: "bob@localhost" in title_bar(alice, s) and main_has(alice, s, "ding"))
    bob.send_message("alice@localhost", "you see this")
    wait_main_line(alice, r"<bob> you see this$")
    to_console(alice)
    bob.send_message("alice@localhost", "ding again")
    raw.wait_notified("ding again")
    assert [t for _, t in raw.notifications()] == ["ding", "ding again"], raw.notifications()
    assert raw.bells() == 2, "%d bells for 2 notifications" % raw.bells()
    tmux_bells.wait(2)
    # beep off: notified (OSC) without the bell
    alice.type_line("/set beep off")
    wait_main_line(alice, r"beep = off$")
    bob.send_message("alice@localhost", "silent")
    raw.wait_notified("silent")
    assert raw.bells() == 2, "rang with beep off"


def test_first_message_from_a_contact_rings_the_bell(alice, bob):
    """bob writes first: the message opens his window (not the one looked at)
    and notifies like any other."""
    raw, tmux_bells = RawOutput(alice), BellCounter(alice)
    bob.send_message("alice@localhost", "out of the blue")
    wait_activity(alice, "bob")
    # the bell is written before the redraw that shows the activity mark
    raw.wait_bells(1, timeout=3)
    tmux_bells.wait(1, timeout=3)


def test_notify_mentions_only(alice, bob):
    raw, num = notifying(alice)
    alice.type_line("/set notify mentions")
    wait_main_line(alice, r"notify = mentions$")
    bob.send_message("alice@localhost", "nothing for you here")
    wait_activity(alice, "bob")
    visit(alice, num, "bob@localhost", "nothing for you here")
    bob.send_message("alice@localhost", "hey alice, look")
    raw.wait_notified("hey alice, look")
    assert [t for _, t in raw.notifications()] == ["hey alice, look"], raw.notifications()
    assert raw.bells() == 1, "%d bells" % raw.bells()


def test_notify_none_in_a_window_silences_that_contact(prosody, alice, bob, peer_factory):
    carol = peer_factory("carol", prosody)
    raw, num = notifying(alice)
    alice.send_keys("M-%d" % num)
    alice.wait_for(lambda s: "bob@localhost" in title_bar(alice, s))
    alice.type_line("/notify none")
    rules = os.path.join(alice.config_dir, "notify")

    def saved():
        try:
            with open(rules) as f:
                return re.search(r"^bob@localhost\s*=\s*none$", f.read(), re.M)
        except OSError:
            return None
    alice.wait_for(lambda s: saved(), message="no 'bob@localhost=none' in %s" % rules)
    background_chat(alice, "carol@localhost", "Carol C.")
    bob.send_message("alice@localhost", "muted message")
    wait_activity(alice, "bob")
    carol.send_message("alice@localhost", "carol rings")
    raw.wait_notified("carol rings")
    assert [t for _, t in raw.notifications()] == ["carol rings"], raw.notifications()
    assert raw.bells() == 1, "%d bells" % raw.bells()
    # back to the notify setting: bob notifies again
    alice.send_keys("M-%d" % num)
    alice.wait_for(lambda s: "bob@localhost" in title_bar(alice, s))
    alice.type_line("/notify default")
    alice.wait_for(lambda s: not saved(), message="bob's rule not removed")
    to_console(alice)
    bob.send_message("alice@localhost", "audible again")
    raw.wait_notified("audible again")
    assert raw.bells() == 2


def _hhmm(t):
    lt = time.localtime(t)
    return "%02d:%02d" % (lt.tm_hour, lt.tm_min)


def test_quiet_hours_silence_notifications(alice, bob):
    raw, num = notifying(alice)
    now = time.time()
    quiet = "%s-%s" % (_hhmm(now - 3600), _hhmm(now + 3600))
    alice.type_line("/set quiet_hours %s" % quiet)
    wait_main_line(alice, r"quiet_hours = %s$" % quiet)
    bob.send_message("alice@localhost", "shh alice")
    wait_activity(alice, "bob")
    visit(alice, num, "bob@localhost", "shh alice")
    later = "%s-%s" % (_hhmm(now + 2 * 3600), _hhmm(now + 3 * 3600))
    alice.type_line("/set quiet_hours %s" % later)
    wait_main_line(alice, r"quiet_hours = %s$" % later)
    bob.send_message("alice@localhost", "awake now")
    raw.wait_notified("awake now")
    assert [t for _, t in raw.notifications()] == ["awake now"], raw.notifications()
    assert raw.bells() == 1, "rang during quiet hours"


def test_notify_command_gets_sender_and_text_from_the_environment(alice, bob, tmp_path):
    out = tmp_path / "notified.txt"
    marks = [tmp_path / ("injected%d" % i) for i in range(3)]
    background_chat(alice)
    alice.type_line("/set notify_command printf '%%s: %%s' \"$NATTER_FROM\" \"$NATTER_TEXT\" >%s"
                    % out)
    wait_main_has(alice, "notify_command = printf")
    body = ("price $(touch %s) `touch %s`; touch %s 'q' \"dq\" $HOME *"
            % (marks[0], marks[1], marks[2]))
    bob.send_message("alice@localhost", body)
    want = "bob: " + body

    def written():
        try:
            return out.read_text() == want
        except OSError:
            return False
    try:
        alice.wait_for(lambda s: written(), timeout=10)
    except AssertionError:
        got = out.read_text() if out.exists() else "(no file)"
        raise AssertionError("notify_command output %r, expected %r" % (got, want))
    for m in marks:
        assert not m.exists(), "the message body ran as shell code: %s exists" % m


def test_notify_osc_777_and_9(alice, bob):
    raw = RawOutput(alice)
    background_chat(alice)
    alice.type_line("/set notify_osc 777")
    wait_main_line(alice, r"notify_osc = 777$")
    bob.send_message("alice@localhost", "tab\there\nline2 \u009b31m csi \u009c st end777")
    osc = wait_until(lambda: raw.osc("777;notify;"), 10, message="no OSC 777 written",
                     describe=alice.describe)
    assert len(osc) == 1, osc
    title, _, text = osc[0].partition(";")
    assert title == "bob", osc
    for word in ("tab", "here", "line2", "csi", "st", "end777"):
        assert word in text, osc
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", osc[0]), \
        "control characters inside the OSC 777 string: %r" % osc[0]

    alice.type_line("/set notify_osc 9")
    wait_main_line(alice, r"notify_osc = 9$")
    bob.send_message("alice@localhost", "nine\r\nlives")
    nine = wait_until(lambda: raw.osc("9;"), 10, message="no OSC 9 written",
                      describe=alice.describe)
    assert len(nine) == 1 and nine[0].startswith("bob: "), nine
    assert "nine" in nine[0] and "lives" in nine[0], nine
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", nine[0]), nine


def test_notification_settings_are_checked(natter_factory):
    n = offline_natter(natter_factory)
    n.type_line("/set quiet_hours 25:00-01:00")
    wait_main_line(n, r"quiet_hours must be HH:MM-HH:MM")
    n.type_line("/set notify sometimes")
    scr = wait_main_line(n, r"notify must be\b")
    row = [r for r in main_rows(n, scr) if re.search(r"notify must be\b", r)][0]
    for choice in ("all", "mentions", "none"):
        assert re.search(r"\b%s\b" % choice, row), row
    n.type_line("/set notify_osc 12")
    wait_main_line(n, r"notify_osc must be\b.*\b777\b")
    # nothing changed
    n.type_line("/set")
    scr = wait_main_line(n, r"^%s {3}quiet_hours\b" % TS)
    rows = main_rows(n, scr)
    assert any(re.search(r"^%s {3}notify {2,}all$" % TS, r) for r in rows), "\n".join(rows)
    assert any(re.search(r"^%s {3}quiet_hours {2,}\(empty\)$" % TS, r) for r in rows), \
        "\n".join(rows)
    assert any(re.search(r"^%s {3}notify_osc {2,}off$" % TS, r) for r in rows), "\n".join(rows)
