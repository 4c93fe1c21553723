"""A server name that does not exist (issue 12): on the first connection it is an
error to fix, reported once, not retried for ever; retries are for connections
that worked before."""

import re
import time

from harness import wait_until
from screen import main_text


def test_unknown_host_on_first_connection_is_not_retried(prosody, natter_factory):
    n = natter_factory(prosody, accounts_extra={"server": "no-such-host.invalid"})
    scr = n.wait_for(lambda s: "Check the server name" in main_text(n, s), timeout=15,
                     message="no hint to fix the server name")
    text = main_text(n, scr)
    assert re.search(r"Could not connect to no-such-host\.invalid:\d+: the name "
                     r"no-such-host\.invalid does not exist", text.replace("\n      ", " ")), text
    # No retry: nothing more happens (longer than the first backoff steps).
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        now = main_text(n, n.screen())
        assert "Reconnecting" not in now and now.count("Connecting to") == 1, now
        time.sleep(0.5)
    # Fixed by the user: the account connects.
    n.type_line("/account set alice server 127.0.0.1")
    n.type_line("/connect")
    n.wait_for(lambda s: "Connected as alice@localhost" in main_text(n, s), timeout=15)


def test_server_without_bookmark_storage_is_a_quiet_note(prosody, natter_factory):
    """(issue 12) A server that keeps no bookmarks is not an error on every login."""
    n = natter_factory(prosody)
    n.wait_for(lambda s: "Connected as alice@localhost" in main_text(n, s), timeout=15)
    # The answer to natter's bookmark query may still be on its way: ask until
    # natter knows.
    def known():
        n.type_line("/bookmark list")
        try:
            return n.wait_for(lambda s: "does not store bookmarks" in main_text(n, s), timeout=1)
        except Exception:
            return None
    wait_until(known, 15, message="/bookmark list never said the server stores none")
    text = main_text(n, n.screen())
    assert "Bookmarks could not be read" not in text, text
