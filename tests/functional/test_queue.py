"""Messages written before they can leave: -c commands run before the login,
the offline queue across /quit and restarts, and names that are not JIDs."""

import re

import pytest

from harness.history_helpers import export_json
from screen import CONNECTED, main_rows, main_text, status_bar, wait_main_line


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
