"""Messages written before they can leave: -c commands run before the login,
the offline queue across /quit and restarts, and names that are not JIDs."""

import os
import re
import signal
import sqlite3

import pytest

from harness import Natter, wait_until
from harness.history_helpers import db_path, export_json
from screen import CONNECTED, main_rows, main_text, status_bar, wait_main_has, wait_main_line

# Run against both servers (conftest.py: servers marker).
pytestmark = pytest.mark.servers("prosody", "ejabberd")


@pytest.fixture
def bob(prosody, peer_factory):
    return peer_factory("bob", prosody)


def own_lines(n, scr, text):
    return [r for r in main_rows(n, scr) if text in r]


def test_command_option_message_is_stored_and_sent(prosody, bob, natter_factory):
    # -c runs while the password command is still running: no login yet
    n = natter_factory(prosody, extra_args=["-c", "/msg bob@localhost hi from -c"])
    scr = n.wait_for(lambda s: "hi from -c" in s)
    assert "no account" not in status_bar(n, scr), status_bar(n, scr)
    got = bob.wait_for_message("hi from -c", timeout=15)
    assert got.frm_bare == "alice@localhost"
    # shown once, as alice's, and no longer queued once it left
    scr = wait_main_line(n, r"<alice> hi from -c\s*$", timeout=15)
    assert len(own_lines(n, scr, "hi from -c")) == 1, main_text(n, scr)
    assert "<?>" not in scr and "could not be saved" not in scr, scr
    # stored once, as alice's own message
    recs = export_json(n, "bob@localhost")
    mine = [r for r in recs if r.get("body") == "hi from -c"]
    assert len(mine) == 1, recs
    assert mine[0]["outgoing"] and mine[0]["sender"].startswith("alice@localhost"), mine


def queued_in_db(n, body):
    con = sqlite3.connect(db_path(n), timeout=10)
    try:
        return [r[0] for r in con.execute("SELECT queued FROM messages WHERE body = ?", (body,))]
    finally:
        con.close()


def write_offline(n, text):
    n.type_line("/disconnect")
    n.wait_for(lambda s: "offline" in status_bar(n, s))
    n.type_line("/msg bob@localhost %s" % text)
    scr = wait_main_line(n, r"<alice> %s \[queued\]" % re.escape(text))
    # The status bar is drawn in the same pass, but tmux may capture between.
    n.wait_for(lambda s: "[1 queued]" in status_bar(n, s), timeout=5,
               message="no [1 queued] in the status bar: %s" % status_bar(n, scr))


@pytest.fixture
def natter_stderr(natter_bin, tmp_path):
    """A natter whose stderr (what it says after the screen is gone) goes to a
    file: tmux drops what a pane prints just before it dies."""
    made = []

    def make(prosody):
        err = str(tmp_path / "stderr")
        wrapper = tmp_path / "natter-wrapper"
        wrapper.write_text('#!/bin/sh\nexec "%s" "$@" 2>>"%s"\n' % (natter_bin, err))
        wrapper.chmod(0o755)
        n = Natter(str(wrapper), str(tmp_path), prosody)
        n.stderr_file = err
        made.append(n)
        return n
    yield make
    for n in made:
        n.close()


def test_queue_survives_quit(prosody, bob, natter_stderr):
    n = natter_stderr(prosody)
    n.wait_for(CONNECTED, timeout=15)
    write_offline(n, "written before quitting")
    # the first /quit says what waits; the second leaves
    n.type_line("/quit")
    wait_main_has(n, "Not quitting yet: 1 queued message (kept, and sent at the next login).")
    assert n.is_alive()
    n.type_line("/quit")
    assert n.wait_exit() == 0
    # said on the terminal once the screen is gone
    with open(n.stderr_file) as f:
        said = f.read()
    assert "1 message is still queued; it will be sent at the next login." in said, said
    assert queued_in_db(n, "written before quitting") == [1]
    n.restart()
    got = bob.wait_for_message("written before quitting", timeout=15)
    assert got.frm_bare == "alice@localhost"
    n.wait_for(lambda s: "Sent 1 queued message." in s, timeout=15)
    n.type_line("/msg bob@localhost")
    scr = wait_main_line(n, r"<alice> written before quitting\s*$")
    assert wait_until(lambda: queued_in_db(n, "written before quitting") == [0], 10)
    n.type_line("/msg bob@localhost marker")
    bob.wait_for_message("marker", timeout=15)
    bodies = [m.body for m in bob.messages if m.body]
    assert bodies.count("written before quitting") == 1, bodies


def test_queue_survives_crash(prosody, bob, natter_factory):
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    write_offline(n, "written before a crash")  # drawn: on disk (committed first)
    os.kill(n.pid, signal.SIGKILL)
    n.wait_exit()
    n.restart()
    got = bob.wait_for_message("written before a crash", timeout=15)
    assert got.frm_bare == "alice@localhost"
    n.type_line("/msg bob@localhost")
    wait_main_line(n, r"<alice> written before a crash\s*$", timeout=15)


def test_queued_mark_clears_when_sent(prosody, bob, natter_factory):
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    write_offline(n, "sent on reconnect")
    n.type_line("/connect alice")
    bob.wait_for_message("sent on reconnect", timeout=15)
    scr = wait_main_line(n, r"<alice> sent on reconnect\s*$", timeout=15)
    assert "queued]" not in status_bar(n, scr), status_bar(n, scr)


def test_unknown_name_is_refused_with_candidates(prosody, bob, natter_factory):
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/msg Bbo are you there")
    scr = wait_main_line(n, r"No contact is called 'Bbo'; did you mean bob \(bob@localhost\)\?")
    assert not re.search(r"\d+:bbo\b", status_bar(n, scr)), status_bar(n, scr)
    # a contact's name in another case, and its user name, still work
    n.type_line("/msg BOB by name")
    assert bob.wait_for_message("by name", timeout=15).frm_bare == "alice@localhost"
    assert not [m for m in bob.messages if m.body == "are you there"]
    # a server itself needs the explicit form
    n.type_line("/msg @localhost")
    n.wait_for(lambda s: re.search(r"\d+:localhost\b", status_bar(n, s)))


def test_command_option_name_waits_for_roster(prosody, bob, natter_factory):
    n = natter_factory(prosody, extra_args=["-c", "/msg Bob hi by name from -c"])
    got = bob.wait_for_message("hi by name from -c", timeout=15)
    assert got.frm_bare == "alice@localhost"
    scr = wait_main_line(n, r"<alice> hi by name from -c\s*$", timeout=15)
    assert "Not sent" not in scr, scr


def test_queued_then_retracted_is_not_sent(prosody, bob, natter_stderr):
    n = natter_stderr(prosody)
    n.wait_for(CONNECTED, timeout=15)
    write_offline(n, "regretted at once")
    n.type_line("/retract")
    # the retraction lives in memory only: the first /quit says it would be lost
    n.type_line("/quit")
    wait_main_has(n, "1 correction or retraction written offline (lost on quitting)")
    assert n.is_alive()
    n.type_line("/quit")
    assert n.wait_exit() == 0
    with open(n.stderr_file) as f:
        said = f.read()
    assert "1 correction or retraction written offline was not sent." in said, said
    n.restart()
    n.wait_for(lambda s: "Connected as" in s, timeout=15)
    n.type_line("/msg bob@localhost marker after restart")
    bob.wait_for_message("marker after restart", timeout=15)
    sent = [m.body for m in bob.messages if m.frm_bare == "alice@localhost"]
    assert sent == ["marker after restart"], sent
