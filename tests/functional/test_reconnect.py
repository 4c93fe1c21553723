"""The server goes away while natter is connected; nothing typed is lost."""

import re

import pytest

from screen import (CONNECTED, count_in_main, main_has, main_rows, main_text, wait_main_has,
                    wait_main_line)

# Run against both servers (conftest.py: servers marker).
pytestmark = pytest.mark.servers("prosody", "ejabberd")

RECONNECTING = re.compile(r"Reconnecting in (\d+) seconds?")


DISCONNECTED = re.compile(r"Disconnected from (\S+): ")


def _wait_disconnected(n):
    """Wait for the console's disconnect lines; returns (announced delay, the
    disconnect line's text). The exact wording is checked separately so that a
    wording slip does not hide whether reconnecting works."""
    scr = n.wait_for(lambda s: DISCONNECTED.search(main_text(n, s)), timeout=15,
                     message="no 'Disconnected from ...' line")
    scr = n.wait_for(lambda s: RECONNECTING.search(main_text(n, s)), timeout=10)
    text = main_text(n, scr)
    return int(RECONNECTING.search(text).group(1)), DISCONNECTED.search(text).group(0)


@pytest.mark.time_limit(120)
def test_reconnects_after_server_restart(prosody_factory, natter_factory, peer_factory):
    p = prosody_factory()
    bob = peer_factory("bob", p)
    n = natter_factory(p)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/msg bob@localhost before the restart")
    bob.wait_for_message("before the restart")
    n.send_keys("M-1")
    n.wait_for(lambda s: main_has(n, s, CONNECTED))

    p.stop()
    delay, disconnected = _wait_disconnected(n)
    assert n.is_alive()
    p.start()
    n.wait_for(lambda s: count_in_main(n, s, CONNECTED) >= 2, timeout=delay + 30,
               message="natter did not reconnect within %d s" % (delay + 30))
    bob.wait_disconnected()
    bob.connect()
    # Clear the input line first: what a window switch leaves there is tested in
    # test_chat.py, not here.
    n.send_keys("C-u")
    n.type_line("/msg bob@localhost after the restart")
    got = bob.wait_for_message("after the restart", timeout=15)
    assert got.frm == "alice@localhost/natter"
    assert disconnected == "Disconnected from localhost: ", "spec: 'Disconnected from localhost: <reason>'"


@pytest.mark.time_limit(120)
def test_message_typed_offline_is_not_lost(prosody_factory, natter_factory, peer_factory):
    p = prosody_factory()
    bob = peer_factory("bob", p)
    n = natter_factory(p)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/msg bob@localhost")
    n.wait_for(r"\b2:bob\b")
    n.send_keys("M-1")
    n.wait_for(lambda s: main_has(n, s, CONNECTED))
    p.stop()
    delay, _ = _wait_disconnected(n)
    n.send_keys("M-2")
    n.wait_for(lambda s: not main_has(n, s, "Disconnected from"))
    n.type_line("typed while offline")
    wait_main_has(n, "Not connected: message queued and will be sent when reconnected.")
    p.start()
    bob.wait_disconnected()
    bob.connect()    # live or from offline storage, bob gets it once
    got = bob.wait_for_message("typed while offline", timeout=delay + 30)
    assert got.frm_bare == "alice@localhost"
    n.type_line("marker after reconnect")
    bob.wait_for_message("marker after reconnect", timeout=15)
    bodies = [m.body for m in bob.messages if m.frm_bare == "alice@localhost" and m.body]
    assert bodies.count("typed while offline") == 1, bodies
    assert bodies.index("typed while offline") < bodies.index("marker after reconnect")
    # the queued line is shown once, as alice's own message
    scr = wait_main_line(n, r"<alice> typed while offline")
    assert sum("<alice> typed while offline" in r for r in main_rows(n, scr)) == 1


@pytest.mark.time_limit(120)
def test_server_killed_is_noticed(prosody_factory, natter_factory, peer_factory):
    """SIGKILL: no stream close, the socket just drops."""
    p = prosody_factory()
    n = natter_factory(p)
    n.wait_for(CONNECTED, timeout=15)
    p.kill()
    delay, _ = _wait_disconnected(n)
    p.start()
    n.wait_for(lambda s: count_in_main(n, s, CONNECTED) >= 2, timeout=delay + 30)
