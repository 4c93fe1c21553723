"""Commands as a daily user types them: answers and errors in the window they were
typed in, extra arguments refused everywhere, settings that persist when set and can
be emptied or reset, one /search window per query and /context in it, /close N from
the console, /status while offline, /quit asking about unsent text, /account and
/tls pin edge cases, and exports that fail (or stop) cleanly."""

import os
import re
import subprocess

import pytest

from harness import wait_until
from harness.history_helpers import flood, focus, natter_env, open_chat, status_windows
from screen import (CONNECTED, TS, count_in_main, main_has, main_line, main_rows, main_text,
                    status_bar, title_bar, wait_main_has, wait_main_line)

TRUST_HINT = "Type /tls trust to connect once, or /tls pin to always trust this certificate."
NO_THEME = "no theme 'no-such' (/theme list shows them)"


@pytest.fixture
def bob(prosody, peer_factory):
    return peer_factory("bob", prosody)


def offline_natter(natter_factory, **kw):
    """natter without an account (no server needed), ready for commands."""
    kw.setdefault("rows", 40)
    n = natter_factory(None, connect=False, **kw)
    n.wait_for(r"/quit")
    return n


def settings_text(n):
    path = os.path.join(n.config_dir, "settings")
    return open(path).read() if os.path.exists(path) else ""


def to_console(n):
    n.send_keys("M-1")
    n.wait_for(lambda s: "console" in title_bar(n, s), message="console not in front")


# ---------------------------------------------------------------- where answers go

def test_answers_and_errors_go_to_the_window_typed_in(alice):
    open_chat(alice)
    alice.type_line("/theme load no-such")
    scr = wait_main_has(alice, NO_THEME)
    assert "bob@localhost" in title_bar(alice, scr)
    # one error, the command's own: not a second line from the screen's theme loader
    alice.type_line("/tls trust")
    scr = wait_main_has(alice, "/tls trust: no certificate was refused; nothing to trust")
    assert count_in_main(alice, scr, "no theme 'no-such'") == 1, main_text(alice, scr)
    assert "not loaded" not in main_text(alice, scr), main_text(alice, scr)
    to_console(alice)
    scr = alice.screen()
    assert "no theme" not in main_text(alice, scr), main_text(alice, scr)


def test_start_command_errors_are_reported_once_with_their_place(prosody, natter_factory):
    n = natter_factory(prosody, start=False, rows=40,
                       extra_args=["-c", "/theme load no-such"])
    with open(os.path.join(n.config_dir, "startup"), "w") as f:
        f.write("/set theme no-such\n")
    n.start()
    scr = wait_main_has(n, "-c '/theme load no-such': " + NO_THEME, timeout=15)
    assert main_has(n, scr, "startup:1: " + NO_THEME), main_text(n, scr)
    assert count_in_main(n, scr, "no theme 'no-such'") == 2, main_text(n, scr)
    assert "not loaded" not in main_text(n, scr), main_text(n, scr)


# ---------------------------------------------------------------- arguments

def test_extra_arguments_are_an_error_everywhere(alice):
    alice.type_line("/occupants x")
    wait_main_line(alice, r"^%s !! /occupants: too many arguments \(it takes none\)$" % TS)
    alice.type_line("/clear now")
    wait_main_line(alice, r"^%s !! /clear: too many arguments \(it takes none\)$" % TS)
    alice.type_line("/win 1 2")
    wait_main_line(alice, r"^%s !! /win: too many arguments \(usage: /win \[N \| list" % TS)
    alice.type_line("/theme list now")
    scr = wait_main_line(alice, r"^%s !! /theme: too many arguments \(usage: /theme list\)$" % TS)
    # none of them ran: the pane was not toggled, the window not cleared
    assert "Occupants pane" not in main_text(alice, scr)
    assert main_has(alice, scr, CONNECTED)
    assert "Themes (" not in main_text(alice, scr)


def test_status_offline_and_a_quoted_status_message(prosody, natter_factory, bob):
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line('/status away "gone fishing"')
    wait_main_line(n, r"^%s Status: away: gone fishing$" % TS)
    bob.wait_for_presence(lambda p: "gone fishing" in p.xml, frm="alice@localhost/natter")
    assert not [p for p in bob.presences if '"gone fishing"' in p.xml]
    n.type_line("/disconnect")
    n.wait_for(lambda s: "offline" in status_bar(n, s), message="never offline")
    n.type_line("/status")
    scr = wait_main_line(n, r"^%s You are offline \(when connected: away: gone fishing\)\.$" % TS)
    assert "You are online" not in main_text(n, scr)


def test_close_a_window_by_number_from_the_console(alice):
    open_chat(alice)
    open_chat(alice, "carol@localhost", "Carol C.")
    to_console(alice)
    num = status_windows(alice, alice.screen())["bob"][0]
    alice.type_line("/close %d" % num)
    scr = alice.wait_for(lambda s: "bob" not in status_windows(alice, s),
                         message="/close %d did not close bob's window" % num)
    assert "console" in title_bar(alice, scr)
    assert "Carol C." in status_windows(alice, scr)
    alice.type_line("/close 1")
    scr = wait_main_line(alice, r"^%s !! Window 1 is the console: it cannot be closed" % TS)
    alice.type_line("/close 9")
    wait_main_line(alice, r"^%s !! No window 9\. /win list shows them\.$" % TS)


# ---------------------------------------------------------------- settings

def test_set_saves_empties_and_unset_resets(natter_factory):
    n = offline_natter(natter_factory)
    n.type_line("/set notify_command notify-send -u low")
    wait_main_line(n, r"^%s notify_command = notify-send -u low$" % TS)
    # saved as it was set, without /save
    assert re.search(r"^notify_command=notify-send -u low$", settings_text(n), re.M), \
        settings_text(n)
    n.type_line('/set notify_command ""')
    wait_main_line(n, r"^%s notify_command = \(empty\) \(default\)$" % TS)
    assert "notify_command" not in settings_text(n), settings_text(n)
    assert '""' not in settings_text(n), settings_text(n)

    n.type_line("/set time_format %H.%M")
    wait_main_line(n, r"^%s time_format = %%H\.%%M$" % r"\d\d\.\d\d")
    assert re.search(r"^time_format=%H\.%M$", settings_text(n), re.M), settings_text(n)
    n.type_line("/unset time_format")
    wait_main_line(n, r"^%s time_format = %%H:%%M \(default\)$" % TS)
    assert "time_format" not in settings_text(n), settings_text(n)
    n.type_line("/unset nosuch")
    wait_main_line(n, r"^%s !! Unknown setting 'nosuch'\. /set lists them\.$" % TS)

    n.type_line("/set roster_width 30")
    wait_main_line(n, r"^%s roster_width = 30$" % TS)
    n.restart()
    n.wait_for(r"/quit")
    n.type_line("/set roster_width")
    wait_main_line(n, r"^%s roster_width = 30 " % TS)


# ---------------------------------------------------------------- search

def test_search_window_per_query_and_context_in_it(prosody, natter_factory, peer_factory):
    bob = peer_factory("bob", prosody)
    carol = peer_factory("carol", prosody)
    n = natter_factory(prosody, rows=40)
    n.wait_for(CONNECTED, timeout=15)
    bob.send_message("alice@localhost", "an apple pie")
    carol.send_message("alice@localhost", "a banana split")
    n.wait_for(lambda s: {"bob", "Carol C."} <= set(status_windows(n, s)), timeout=15)

    n.type_line('/search "apple"')
    scr = wait_main_line(n, r'^%s 1 result for "apple" \(newest first' % TS)
    n.type_line("/search banana")
    wait_main_line(n, r'^%s 1 result for "banana" \(newest first' % TS)
    n.type_line('/search "apple"')     # the same query: its window again, not a new one
    scr = n.wait_for(lambda s: '"apple"' in title_bar(n, s))
    names = [w for w in status_windows(n, scr) if w.startswith("search")]
    assert sorted(names) == ['search:"apple"', "search:banana"], status_bar(n, scr)

    # /context in the apple window: its result, not the latest search's (banana)
    n.type_line("/context 1")
    scr = n.wait_for(lambda s: "bob@localhost" in title_bar(n, s),
                     message="/context 1 in the apple window did not open bob's chat")
    assert main_has(n, scr, "an apple pie")

    n.type_line("/search -here")
    wait_main_line(n, r"^%s !! Usage: /search -here WORDS" % TS)


# ---------------------------------------------------------------- /help

def test_help_by_topic_fits_80x24_and_help_command_shows_example(natter_factory):
    n = natter_factory(None, connect=False, cols=80, rows=24)
    n.wait_for(r"/quit")
    n.type_line("/clear")
    n.type_line("/help")
    head = r"^%s By topic\. /help NAME: one; /help all; /help keys$" % TS
    last = r"^%s   e\.g\. /exec -o uptime$" % TS
    scr = n.wait_for(lambda s: main_line(n, s, head) and main_line(n, s, last),
                     message="/help not shown whole at 80x24")
    rows = main_rows(n, scr)
    text = "\n".join(rows)
    for topic, example in (("chat", "/msg bob@example.org see you at five"),
                           ("rooms", "/join natter@conference.example.org"),
                           ("history", '/search -here "train times"'),
                           ("settings", "/set time_format %H:%M:%S")):
        assert re.search(r"^%s %s: /" % (TS, topic), text, re.M), text
        assert re.search(r"^%s   e\.g\. %s$" % (TS, re.escape(example)), text, re.M), text
    # no row was wrapped: every help row starts with the time
    first = next(i for i, r in enumerate(rows) if re.search(head, r))
    assert all(re.match(r"^%s " % TS, r) for r in rows[first:] if r.strip()), text

    n.type_line("/clear")
    n.type_line("/help notify")
    scr = wait_main_line(n, r"^%s   Example: /notify mentions$" % TS)
    assert main_has(n, scr, "Settings: notify, beep, notify_osc, notify_command, quiet_hours"), \
        main_text(n, scr)
    n.type_line("/help msg extra")
    wait_main_line(n, r"^%s !! /help: too many arguments" % TS)


# ---------------------------------------------------------------- /quit

def test_quit_asks_when_text_is_not_sent(alice):
    open_chat(alice)
    alice.send_text("half a thought")
    to_console(alice)
    alice.type_line("/quit")
    wait_main_has(alice, "Not quitting yet: unsent text in 1 window (bob). /quit again (or "
                         "/quit -f) leaves.")
    assert alice.is_alive()
    alice.type_line("/quit -f")
    assert alice.wait_exit() == 0


def test_quit_without_anything_waiting_leaves_at_once(alice):
    alice.type_line("/quit")
    assert alice.wait_exit() == 0


# ---------------------------------------------------------------- accounts

def test_account_add_show_and_remove_in_use(alice):
    alice.type_line("/account add x notajid")
    wait_main_line(alice, r"^%s !! /account add: jid 'notajid' is not a valid bare JID" % TS)
    alice.type_line("/account show alice")
    port = alice.prosody.c2s_port
    scr = wait_main_line(alice, r"^%s   resource natter, server 127\.0\.0\.1, port %d, tls force$"
                         % (TS, port))
    assert not main_line(alice, scr, r"port ,"), main_text(alice, scr)
    alice.type_line("/account add y y@localhost")
    wait_main_has(alice, "Account y added.")
    alice.type_line("/account show y")
    wait_main_has(alice, "resource (unique to this installation), server (from the JID), port default (5222), tls force")
    alice.type_line("/account list")
    scr = wait_main_line(alice, r"^%s   y: y@localhost$" % TS)
    assert not main_line(alice, scr, r"^%s   x: " % TS)

    alice.type_line("/account remove alice")
    wait_main_has(alice, "Account alice is in use (connected).")
    assert "[alice]" in open(alice.accounts_file).read()
    alice.type_line("/account remove alice")
    wait_main_has(alice, "Account removed.")
    assert "[alice]" not in open(alice.accounts_file).read()
    alice.type_line("/account remove y extra")
    wait_main_line(alice, r"^%s !! /account: too many arguments \(usage: /account remove NAME" % TS)


# ---------------------------------------------------------------- /tls pin

def test_tls_pin_after_trust_once(prosody_factory, natter_factory):
    p = prosody_factory(trusted_cert=False)
    n = natter_factory(p)
    wait_main_has(n, TRUST_HINT, timeout=15)
    n.type_line("/tls trust")
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    n.type_line("/tls pin")
    # the answer comes in the window the command was typed in
    scr = wait_main_has(n, "Pinned %s" % p.cert_sha256[:2].upper())
    assert "bob@localhost" in title_bar(n, scr)
    assert "pinned_certs" in open(n.accounts_file).read()
    assert n.quit() == 0
    n.restart()
    scr = n.wait_for(CONNECTED, timeout=15)
    assert "not trusted" not in scr


def test_tls_pin_for_a_jid_not_in_the_accounts_file(prosody_factory, natter_factory):
    p = prosody_factory(trusted_cert=False)
    n = offline_natter(natter_factory)
    n.type_line("/connect alice@localhost server 127.0.0.1 port %d" % p.c2s_port)
    n.wait_for("Password for alice@localhost:")
    n.type_line("pw")
    wait_main_has(n, TRUST_HINT, timeout=15)
    n.type_line("/tls pin")
    wait_main_has(n, "Account alice@localhost added to the accounts file, to keep the pinned "
                     "certificate.")
    n.wait_for("Connected as alice@localhost", timeout=15)
    text = open(n.accounts_file).read()
    assert "[alice@localhost]" in text and "pinned_certs" in text, text
    assert "port=%d" % p.c2s_port in text and "server=127.0.0.1" in text, text


# ---------------------------------------------------------------- exports

@pytest.mark.time_limit(120)
def test_export_to_a_closed_pipe_and_of_an_unknown_jid(prosody, natter_factory, bob):
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    total = 1500
    flood(bob, "alice@localhost", total, lambda i: "line %04d %s" % (i, "x" * 150))
    wait_main_line(n, r"<bob> line %04d$" % (total - 1), timeout=60)

    argv = [n.binary, "-a", "alice", "--export", "bob@localhost"]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=natter_env(n))
    first = proc.stdout.readline()          # like head -1: read a line, then stop
    proc.stdout.close()
    _, err = proc.communicate(timeout=30)
    assert b"line 0000" in first, first
    assert proc.returncode == 0, (proc.returncode, err)
    assert err == b"", err

    res = subprocess.run(argv[:4] + ["nobody@localhost"], stdin=subprocess.DEVNULL,
                         capture_output=True, env=natter_env(n), timeout=30)
    assert res.returncode == 1, res
    assert res.stdout == b""
    lines = res.stderr.decode().splitlines()
    assert len(lines) == 1 and "nobody@localhost" in lines[0], lines

    n.type_line("/history export nobody@localhost")
    wait_main_has(n, "!! /history export: no history with nobody@localhost; nothing exported.")
    exports = os.path.join(n.data_home, "natter", "export")
    assert not [f for f in (os.listdir(exports) if os.path.isdir(exports) else [])
                if f.startswith("nobody")]
