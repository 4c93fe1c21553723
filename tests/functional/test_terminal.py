"""The terminal side of natter: tab completion, Alt+Enter, per-window input
history, resizing, typing notifications, /set and /save, /help, the man page
and the 80x24 layout."""

import os
import re
import shutil
import signal
import stat
import subprocess

import pytest

from harness import Natter, column_of, wait_until
from screen import (CONNECTED, ROSTER_WIDTH, TS, main_line, main_rows, main_text,
                    status_bar, title_bar, wait_main_line)

SRC_TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CHATSTATES = "http://jabber.org/protocol/chatstates"
# The status bar of a connected alice: "[HH:MM] [alice@localhost: online] 1:console ..."
STATUS_RX = re.compile(r"^\[%s\] \[alice@localhost: online\] 1:console" % TS)


@pytest.fixture
def bob(prosody, peer_factory):
    return peer_factory("bob", prosody)


# ---- small readers of the screen -------------------------------------------------

def input_line(n, scr=None):
    """The input line (last row), trailing blanks removed."""
    return n.lines(scr)[n.rows - 1].rstrip()


def cursor(n):
    """(column, row) of the cursor in the pane."""
    x, y = n.tmux("display-message", "-p", "-t", "natter", "#{cursor_x},#{cursor_y}").split(",")
    return int(x), int(y)


def wait_input(n, text, timeout=5):
    """Wait until the input line shows exactly '> ' + text; returns the screen."""
    want = ("> " + text).rstrip()
    return n.wait_for(lambda s: input_line(n, s) == want, timeout,
                      message="input line never became %r" % want)


def wait_input_and_cursor(n, text, timeout=5):
    """Wait until the input line is '> ' + text with the cursor right after text
    (so a trailing space counts)."""
    want = ("> " + text).rstrip()
    col = 2 + len(text)
    return n.wait_for(lambda s: input_line(n, s) == want and cursor(n) == (col, n.rows - 1),
                      timeout, message="input line never became %r with the cursor at column %d"
                      % ("> " + text, col))


def open_chat(n, jid="bob@localhost", nick="bob"):
    """/msg JID opens the chat window and focuses it; returns its number."""
    n.type_line("/msg %s" % jid)
    rx = re.compile(r"\b(\d+):%s\b" % re.escape(nick))
    scr = n.wait_for(lambda s: rx.search(status_bar(n, s)) and jid in title_bar(n, s))
    return int(rx.search(status_bar(n, scr)).group(1))


def resized(n, cols, rows):
    """Resize the tmux window (natter gets SIGWINCH) and adopt the new size."""
    n.tmux("resize-window", "-t", "natter", "-x", str(cols), "-y", str(rows))
    n.cols, n.rows = cols, rows


def layout_is(n, scr, cols, rows):
    """The capture has the new size, the status bar is on row rows-2 and nowhere
    else, the input prompt on the last row, the title bar on row 0."""
    lines = scr.split("\n")
    if len(lines) < rows or any(len(l) > cols for l in lines):
        return False
    lines = lines[:rows]
    status_rows = [i for i, l in enumerate(lines) if STATUS_RX.search(l)]
    return (status_rows == [rows - 2] and (lines[rows - 1] + " ").startswith("> ")
            and "bob@localhost" in lines[0])


def help_commands(n, timeout=10):
    """Type /help all and return the command names it lists (without '/'), in order.
    Needs a window tall enough to show the whole list."""
    n.type_line("/help all")
    head = r"^%s Commands \(" % TS
    scr = n.wait_for(lambda s: main_line(n, s, head) and main_line(n, s, r"^%s Keys:" % TS),
                     timeout, message="/help list not shown whole")
    rows = main_rows(n, scr)
    first = next(i for i, r in enumerate(rows) if re.search(head, r))
    last = next(i for i, r in enumerate(rows) if re.search(r"^%s Keys:" % TS, r))
    names = []
    for r in rows[first + 1:last]:
        m = re.match(r"^%s {3}/(\S+) " % TS, r)
        if m:
            names.append(m.group(1))
    return names


# ---- 1. tab completion ------------------------------------------------------------

def test_tab_completes_command_name_and_contact(alice):
    alice.send_text("/ms")
    wait_input(alice, "/ms")
    alice.send_keys("Tab")
    wait_input_and_cursor(alice, "/msg ")
    alice.send_keys("C-u")
    wait_input(alice, "")
    alice.send_text("/msg b")
    wait_input(alice, "/msg b")
    alice.send_keys("Tab")
    wait_input_and_cursor(alice, "/msg bob@localhost ")


def test_tab_cycles_through_setting_names_in_place(alice):
    """Tab puts the first candidate in the line and the next Tab the next one
    (irssi, WeeChat); Shift-Tab goes back. Nothing is listed in the window."""
    open_chat(alice)
    alice.send_text("/set rost")
    wait_input(alice, "/set rost")
    alice.send_keys("Tab")
    wait_input_and_cursor(alice, "/set roster_pane ")
    alice.send_keys("Tab")
    wait_input_and_cursor(alice, "/set roster_show_offline ")
    alice.send_keys("Tab")
    wait_input_and_cursor(alice, "/set roster_side ")
    alice.send_keys("BTab")
    scr = wait_input_and_cursor(alice, "/set roster_show_offline ")
    assert "Completions" not in main_text(alice, scr)
    assert "bob@localhost" in title_bar(alice, scr)
    # Theme names complete too.
    alice.send_keys("C-u")
    alice.send_text("/theme load def")
    alice.send_keys("Tab")
    wait_input_and_cursor(alice, "/theme load default ")


def test_tab_in_a_chat_completes_the_contacts_name(prosody, natter_factory):
    """In a chat, plain text completes the contact's name as shown (not the JID):
    'Name: ' at the start of the line, the name alone elsewhere."""
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/msg carol@localhost")
    n.wait_for(lambda s: "carol@localhost" in title_bar(n, s))
    n.send_text("ca")
    n.send_keys("Tab")
    wait_input_and_cursor(n, "Carol C.: ")
    n.send_text("ask ca")
    n.send_keys("Tab")
    wait_input_and_cursor(n, "Carol C.: ask Carol C. ")


# ---- 2. Alt+Enter -----------------------------------------------------------------

def test_alt_enter_inserts_newline_into_one_message(alice, bob):
    open_chat(alice)
    alice.send_text("line one")
    alice.send_keys("M-Enter")
    alice.send_text("line two")
    alice.send_keys("Enter")
    got = bob.wait_for_message(re.compile("line"), frm="alice@localhost")
    assert got.body == "line one\nline two"
    alice.type_line("after")
    bob.wait_for_message("after", frm="alice@localhost")
    bodies = [m.body for m in bob.messages if m.frm_bare == "alice@localhost" and m.body]
    assert bodies == ["line one\nline two", "after"]
    scr = wait_main_line(alice, r"^%s <alice> after$" % TS)
    rows = main_rows(alice, scr)
    first = [i for i, r in enumerate(rows) if re.search(r"^%s <alice> line one$" % TS, r)]
    assert len(first) == 1, "\n".join(rows)
    assert rows[first[0] + 1].strip() == "line two", "\n".join(rows)


# ---- 3. per-window input history -----------------------------------------------------

def test_input_history_is_per_window(alice, bob):
    open_chat(alice)
    alice.type_line("alpha")
    bob.wait_for_message("alpha")
    wait_main_line(alice, r"^%s <alice> alpha$" % TS)
    alice.send_keys("M-1")
    alice.wait_for(lambda s: "console" in title_bar(alice, s) and CONNECTED in main_text(alice, s))
    alice.type_line("/help all")
    wait_main_line(alice, r"^%s Keys:" % TS)
    alice.send_keys("M-2")
    alice.wait_for(lambda s: "bob@localhost" in title_bar(alice, s)
                   and main_line(alice, s, r"<alice> alpha$"))
    wait_input(alice, "")
    alice.send_keys("Up")          # readline's history of this window: alpha, not /help all
    wait_input(alice, "alpha")
    alice.send_keys("Down")
    wait_input(alice, "")
    alice.send_keys("C-Up")        # Ctrl-Up edits the last message sent here
    wait_input(alice, "/correct alpha")
    alice.send_keys("C-u")
    wait_input(alice, "")
    alice.send_text("half typed")  # what was typed is kept in the history
    alice.send_keys("C-Up")
    wait_input(alice, "/correct alpha")
    alice.send_keys("Up")
    wait_input(alice, "half typed")
    alice.send_keys("C-u")
    wait_input(alice, "")


# ---- 4. resizing ------------------------------------------------------------------

def test_resize_redraws_and_hides_roster_when_narrow(alice, bob):
    open_chat(alice)
    bob.send_message("alice@localhost", "before resize")
    wait_main_line(alice, r"^%s <bob> before resize$" % TS)

    resized(alice, 80, 24)
    scr = alice.wait_for(lambda s: layout_is(alice, s, 80, 24)
                         and any(column_of(l, "Roster") == 80 - ROSTER_WIDTH
                                 for l in alice.lines(s)[1:22]),
                         message="no 80x24 layout with the roster pane")
    assert STATUS_RX.search(alice.lines(scr)[22])
    assert main_line(alice, scr, r"^%s <bob> before resize$" % TS)

    resized(alice, 60, 20)
    scr = alice.wait_for(lambda s: layout_is(alice, s, 60, 20) and "Roster" not in s,
                         message="no 60x20 layout without the roster pane")
    assert STATUS_RX.search(alice.lines(scr)[18])
    rows = [l.rstrip() for l in alice.lines(scr)[1:18]]
    assert any(re.search(r"^%s <bob> before resize$" % TS, r) for r in rows), "\n".join(rows)
    # still usable after the resizes
    alice.type_line("still here")
    bob.wait_for_message("still here")


# ---- 5. typing notifications -----------------------------------------------------------

def _chatstate(state):
    return ("<message to='alice@localhost' type='chat'><%s xmlns='%s'/></message>"
            % (state, CHATSTATES))


def test_typing_notifications_shown_in_title(alice, bob):
    open_chat(alice)
    assert "typing" not in title_bar(alice, alice.screen())
    bob.send_raw(_chatstate("composing"))
    alice.wait_for(lambda s: "[typing…]" in title_bar(alice, s))
    bob.send_raw(_chatstate("paused"))
    scr = alice.wait_for(lambda s: "[stopped typing]" in title_bar(alice, s))
    assert "[typing…]" not in title_bar(alice, scr)
    bob.send_raw(_chatstate("composing"))
    alice.wait_for(lambda s: "[typing…]" in title_bar(alice, s))
    bob.send_message("alice@localhost", "done typing")
    scr = wait_main_line(alice, r"^%s <bob> done typing$" % TS)
    alice.wait_for(lambda s: "typing" not in title_bar(alice, s),
                   message="title still says typing after bob's message")


def _is_chatstate(r, state=None):
    """A message from alice carrying a chat state (state: that one)."""
    if r.frm_bare != "alice@localhost" or CHATSTATES not in r.xml:
        return False
    return state is None or re.search(r"<%s xmlns=.%s" % (state, re.escape(CHATSTATES)), r.xml)


def test_own_typing_sends_chat_states_unless_off(alice, bob):
    open_chat(alice)
    alice.send_text("hello bob")
    wait_input(alice, "hello bob")
    composing = bob.wait_for_message(lambda r: _is_chatstate(r, "composing") and r.body is None)
    alice.send_keys("C-u")          # a cleared line ends "composing" (active or paused)
    wait_input(alice, "")
    bob.wait_for_message(lambda r: r.when >= composing.when and r is not composing
                         and _is_chatstate(r) and not _is_chatstate(r, "composing"))
    alice.type_line("/set chat_states off")
    wait_main_line(alice, r"^%s chat_states = off$" % TS)
    mark = len(bob.messages)
    alice.send_text("quiet words")
    wait_input(alice, "quiet words")
    alice.send_keys("Enter")
    bob.wait_for_message("quiet words", frm="alice@localhost")
    later = [r for r in bob.messages[mark:] if r.frm_bare == "alice@localhost"]
    assert [r.body for r in later] == ["quiet words"], \
        "with chat_states off bob got:\n" + "\n".join(r.xml for r in later)
    assert CHATSTATES not in later[0].xml, later[0].xml


def test_own_typing_pauses_after_five_seconds_and_commands_tell_nothing(alice, bob):
    """composing when a message is started, paused five seconds after the last key,
    nothing while a command is typed, and no state of its own when a message is sent
    (the message carries <active/>)."""
    open_chat(alice)
    alice.send_text("hold on")
    wait_input(alice, "hold on")
    composing = bob.wait_for_message(lambda r: _is_chatstate(r, "composing") and r.body is None)
    paused = bob.wait_for_message(lambda r: _is_chatstate(r, "paused"), timeout=10)
    assert 4.5 <= paused.when - composing.when <= 8, paused.when - composing.when
    mark = bob.messages.index(paused) + 1
    alice.send_keys("C-u")          # paused already said: clearing adds nothing
    wait_input(alice, "")
    alice.send_text("/win list")    # a command is no message being written
    wait_input(alice, "/win list")
    alice.send_keys("C-u")
    wait_input(alice, "")
    alice.send_text("ready now")
    wait_input(alice, "ready now")
    bob.wait_for_message(lambda r: r.when > paused.when and _is_chatstate(r, "composing"))
    alice.send_keys("Enter")
    sent = bob.wait_for_message("ready now", frm="alice@localhost")
    assert _is_chatstate(sent, "active"), sent.xml
    alice.send_text("x")
    bob.wait_for_message(lambda r: r.when > sent.when and _is_chatstate(r, "composing"))
    later = [r for r in bob.messages[mark:] if r.frm_bare == "alice@localhost"]
    got = [r.body or re.search(r"<(\w+) xmlns=.%s" % re.escape(CHATSTATES), r.xml).group(1)
           for r in later]
    assert got == ["composing", "ready now", "composing"], \
        "alice sent:\n" + "\n".join(r.xml for r in later)


# ---- 6. /set and /save ------------------------------------------------------------

def test_set_checks_values_moves_roster_and_save_is_private(natter_factory, tmp_path):
    """A fresh XDG_CONFIG_HOME without a natter directory: /save creates it 0700
    and the settings file 0600 (the test runs with umask 022)."""
    config_home = tmp_path / "fresh-config"
    config_home.mkdir(mode=0o755)
    n = natter_factory(None, connect=False, env={"XDG_CONFIG_HOME": str(config_home)})
    n.wait_for(lambda s: any(column_of(l, "Roster") == n.cols - ROSTER_WIDTH
                             for l in n.lines(s)[1:n.rows - 2]))
    n.type_line("/set roster_width 5")
    scr = wait_main_line(n, r"roster_width must be\b.*\b10\b.*\b80\b")
    row = main_line(n, scr, r"roster_width must be")
    assert re.search(r"roster_width must be .*\d+ to \d+", row), row
    n.type_line("/set roster_width")
    wait_main_line(n, r"^%s roster_width = 24\b" % TS)
    n.type_line("/set nosuch 1")
    wait_main_line(n, r"[Uu]nknown setting\b.*nosuch")

    n.type_line("/set roster_side left")
    # One settled screen: the pane moved and the answer line drawn (a capture can
    # fall between the two).
    scr = n.wait_for(lambda s: column_of(n.lines(s)[1], "Roster") == 0 and
                     re.search(r"%s roster_side = left" % TS, s),
                     message="roster header not at column 0, or no 'roster_side = left' line")
    # the main window moved right of the pane
    for l in n.lines(scr)[1:n.rows - 2]:
        m = re.search(r"%s roster_side = left" % TS, l)
        if m:
            assert column_of(l, "roster_side = left") > ROSTER_WIDTH, l
            break
    else:
        raise AssertionError("no 'roster_side = left' line:\n" + scr)

    n.type_line("/save")
    n.wait_for(r"Settings saved")
    natter_dir = config_home / "natter"
    settings = natter_dir / "settings"
    assert settings.is_file()
    assert stat.S_IMODE(os.stat(settings).st_mode) == 0o600, oct(os.stat(settings).st_mode)
    assert stat.S_IMODE(os.stat(natter_dir).st_mode) == 0o700, oct(os.stat(natter_dir).st_mode)
    text = settings.read_text()
    assert re.search(r"^\s*roster_side\s*=\s*left\s*$", text, re.M), text
    assert not re.search(r"^\s*roster_width\s*=\s*5\s*$", text, re.M), text


# ---- 7. /help ---------------------------------------------------------------------

def test_help_lists_commands_and_shows_syntax(natter_factory):
    n = natter_factory(None, connect=False, rows=100)
    n.wait_for(r"/quit")
    names = help_commands(n)
    for name in ("msg", "search", "set", "help", "quit", "connect"):
        assert name in names, names
    n.type_line("/help msg")
    wait_main_line(n, r"^%s /msg JID\|NICK \[TEXT\]$" % TS)
    n.type_line("/frobnicate")
    wait_main_line(n, r"Unknown command /frobnicate\b")


# ---- 8. the man page --------------------------------------------------------------

def _man_sections(text):
    """{HEADING: [lines]} of a rendered man page."""
    sections, current = {}, None
    for line in text.split("\n"):
        if re.match(r"^[A-Z][A-Z ]+$", line):
            current = line.strip()
            sections[current] = []
        elif current:
            sections[current].append(line)
    return sections


def test_man_page_generated_from_command_table(natter_bin, natter_factory, tmp_path):
    assert shutil.which("man"), "man(1) is needed to render the page"
    template = os.path.join(SRC_TOP, "man", "natter.1.in")
    page = tmp_path / "natter.1"
    # the Makefile's rule for man/natter.1
    with open(page, "wb") as f:
        res = subprocess.run([natter_bin, "--dump-man", template], stdout=f,
                             stderr=subprocess.PIPE, timeout=10)
    assert res.returncode == 0, res.stderr
    env = dict(os.environ, MANWIDTH="100", LC_ALL="C.UTF-8", MANPAGER="cat", PAGER="cat")
    env.pop("MAN_KEEP_FORMATTING", None)
    res = subprocess.run(["man", "-l", str(page)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=20, env=env)
    assert res.returncode == 0, res.stderr
    text = re.sub(r".\x08", "", res.stdout.decode("utf-8", "replace"))
    assert "@COMMANDS@" not in text and "@SETTINGS@" not in text
    sections = _man_sections(text)
    assert "COMMANDS" in sections and "SETTINGS" in sections, sorted(sections)
    man_cmds = [m.group(1) for l in sections["COMMANDS"]
                for m in [re.match(r"^ {7}/([a-z]+)\b", l)] if m]
    man_settings = [m.group(1) for l in sections["SETTINGS"]
                    for m in [re.match(r"^ {7}([a-z_]+)\s*$", l)] if m]
    for name in ("msg", "connect", "search"):
        assert name in man_cmds, man_cmds
    assert "roster_width" in man_settings, man_settings
    assert re.search(r"^ {7}/msg JID\|NICK \[TEXT\]", "\n".join(sections["COMMANDS"]), re.M)

    n = natter_factory(None, connect=False, rows=100)
    n.wait_for(r"/quit")
    listed = help_commands(n)
    assert len(listed) >= 10, listed
    assert sorted(listed) == sorted(man_cmds), \
        "/help: %s\nman: %s" % (sorted(listed), sorted(man_cmds))


# ---- 9. 80x24 -----------------------------------------------------------------------

def test_layout_at_80x24(prosody, natter_factory):
    n = natter_factory(prosody, cols=80, rows=24)
    scr = n.wait_for(lambda s: CONNECTED in s and STATUS_RX.search(n.lines(s)[22]),
                     timeout=15)
    lines = n.lines(scr)
    assert re.search(r"\bnatter\b", lines[0]) and "console" in lines[0], lines[0]
    assert [i for i, l in enumerate(lines) if STATUS_RX.search(l)] == [22]
    assert (lines[23] + " ").startswith("> "), lines[23]   # capture-pane drops trailing blanks
    n.wait_for(lambda s: cursor(n) == (2, 23), timeout=5, message="cursor not after the prompt")
    assert any(column_of(l, "Roster") == 80 - ROSTER_WIDTH for l in lines[1:22])
    assert any(CONNECTED in l for l in lines[1:22])


# ---- 10. what irssi, WeeChat and readline users expect -----------------------------

def test_long_url_is_not_indented_on_continuation_rows(alice, bob):
    """A line with a URL longer than a row wraps over the whole width, so that
    terminals and tmux find it and copy it without the indentation."""
    open_chat(alice)
    url = "https://example.org/" + "a" * 60 + "/" + "b" * 60
    bob.send_message("alice@localhost", "look at " + url + " now")
    scr = wait_main_line(alice, r"^%s <bob> look at" % TS)
    rows = main_rows(alice, scr)
    i = next(k for k, r in enumerate(rows) if re.search(r"^%s <bob> look at" % TS, r))
    cont = rows[i + 1:i + 3]
    assert all(r and not r.startswith(" ") for r in cont), "\n".join(rows[i:i + 4])
    assert url in "".join(r.strip() for r in rows[i:i + 3]), "\n".join(rows[i:i + 4])
    # Ordinary long lines keep their indentation under the text.
    bob.send_message("alice@localhost", "words " * 30)
    scr = wait_main_line(alice, r"^%s <bob> words words" % TS)
    rows = main_rows(alice, scr)
    i = next(k for k, r in enumerate(rows) if re.search(r"^%s <bob> words words" % TS, r))
    assert rows[i + 1].startswith(" " * 6 + "words"), "\n".join(rows[i:i + 3])


def test_emoji_sequences_are_drawn_as_measured(prosody, natter_factory, bob):
    """A ZWJ sequence (tmux draws it in the cells of its first emoji, ncurses counts
    every emoji) and an emoji with VS16 are drawn as wide as natter measured them:
    the rest of their row, the roster pane beside it included, stays in place."""
    n = natter_factory(prosody, cols=100, rows=12)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    family = "\U0001F468\u200D\U0001F469\u200D\U0001F467"
    heart = "\u2764\uFE0F"
    bob.send_message("alice@localhost", "%s family %s heart END" % (family, heart))

    def row_whole(s):
        row = next((l for l in n.lines(s) if "heart END" in l), None)
        return row and column_of(row, "Roster") == 100 - ROSTER_WIDTH
    n.wait_for(row_whole, message="the row of the emoji lost the roster pane beside it")
    for i in range(12):
        bob.send_message("alice@localhost", "filler line %02d" % i)
    scr = wait_main_line(n, r"<bob> filler line 11$")
    rows = [r for r in main_rows(n, scr) if r.strip()]
    for r in rows:
        assert re.search(r"^%s <bob> filler line \d\d$" % TS, r), "\n".join(rows)


# A stand-in for a job-control shell: runs natter in its own process group in the
# foreground of the terminal, and waits for it (stopped or not).
JOB_SHELL = r"""
import os, signal, sys
signal.signal(signal.SIGTTOU, signal.SIG_IGN)
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    os.tcsetpgrp(0, os.getpgrp())
    signal.signal(signal.SIGTTOU, signal.SIG_DFL)
    os.execvp(sys.argv[1], sys.argv[1:])
try:
    os.setpgid(pid, pid)
except OSError:
    pass
while True:
    _, status = os.waitpid(pid, os.WUNTRACED)
    if not os.WIFSTOPPED(status):
        sys.exit(os.waitstatus_to_exitcode(status))
"""


def _state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def test_ctrl_z_suspends_and_continuing_redraws(natter_bin, prosody, tmp_path):
    shell = tmp_path / "jobshell.py"
    shell.write_text(JOB_SHELL)
    n = Natter("/usr/bin/python3", str(tmp_path), prosody, start=False)
    n.extra_args = []
    plain = n.command

    def command():
        argv = plain()
        i = argv.index("/usr/bin/python3")
        return argv[:i] + ["/usr/bin/python3", str(shell), os.path.abspath(natter_bin)] + \
            argv[i + 1:]
    n.command = command
    try:
        n.start()
        n.wait_for(CONNECTED, timeout=15)
        kids = wait_until(lambda: open("/proc/%d/task/%d/children" % (n.pid, n.pid)).read()
                          .split(), 5)
        natter = int(kids[0])
        n.send_keys("C-z")
        wait_until(lambda: _state(natter) == "T", 5, message="Ctrl-Z did not stop natter")
        n.wait_for(lambda s: not STATUS_RX.search(status_bar(n, s)),
                   message="the terminal was not given back")
        os.kill(natter, signal.SIGCONT)   # what `fg` does
        n.wait_for(lambda s: STATUS_RX.search(status_bar(n, s)), message="no redraw after fg")
        n.type_line("/win list")
        wait_main_line(n, r"^%s   1:console$" % TS)
    finally:
        n.close()


def test_ctrl_z_without_job_control_says_why(alice):
    alice.send_keys("C-z")
    wait_main_line(alice, r"Ctrl-Z: no shell with job control")


def test_non_utf8_locale_is_reported_once(prosody, natter_factory):
    n = natter_factory(prosody, env={"LANG": "C", "LC_ALL": "C"})
    scr = n.wait_for(CONNECTED, timeout=15)
    scr = n.wait_for(lambda s: "not UTF-8" in s, message="no note about the locale")
    assert main_text(n, scr).count("not UTF-8") == 1


def test_window_on_screen_notifies_after_idle_without_focus_reports(alice, bob, tmp_path):
    """tmux sends no focus reports by default: a window on screen that got no key
    for notify_idle seconds notifies like one that is not looked at."""
    n = alice
    flag = tmp_path / "notified"
    open_chat(n)
    n.type_line("/set beep off")
    n.type_line("/set notify_command touch %s" % flag)
    n.type_line("/set notify_idle 1")
    wait_main_line(n, r"notify_idle = 1\b")
    pings = []

    def ping_until_notified():
        if flag.exists():
            return True
        pings.append(1)
        bob.send_message("alice@localhost", "ping %d" % len(pings))
        return False
    wait_until(ping_until_notified, 15, interval=0.5,
               message="no notification for the window on screen")
