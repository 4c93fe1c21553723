"""History in the order it was written (issue 11, bug 2): a burst of room messages
sent within a second while natter was away, then natter joins the room again. The
screen and the database must show the burst in send order, each message once.

Prosody stamps delays in whole seconds, so within one second only the order in
which natter stores what arrives can keep the send order: natter must not ask for
discussion history that the room's archive delivers anyway (the history's newest
part would otherwise arrive, and be stored, before the archive's older part).
"""

import pytest

from harness.history_helpers import bodies, export_json, numbered
from muc_helpers import msg, wait_line, you_joined
from screen import CONNECTED, main_rows

# The group chat fixtures (natter on a wide screen, bob as an occupant).
from test_muc import bob, natter  # noqa: E402,F401

BURST = 40


@pytest.mark.time_limit(120)
def test_burst_while_away_keeps_send_order_on_rejoin(natter, bob):
    n = natter
    bob.create("burst", "bob", persistent=True)
    bob.say("burst", "before the burst", wait=True)
    n.type_line("/join burst")
    wait_line(n, you_joined("burst", "alice"), timeout=15)
    wait_line(n, msg("bob", "before the burst"), timeout=15)
    # Quit: the room's sync point (its newest archive id and time) is saved.
    n.quit()

    for i in range(BURST - 1):
        bob.say("burst", "burst %02d" % i)
    bob.say("burst", "burst %02d" % (BURST - 1), wait=True)

    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/join burst")
    wait_line(n, you_joined("burst", "alice"), timeout=15)
    scr = wait_line(n, msg("bob", "burst %02d" % (BURST - 1)), timeout=15)
    shown = numbered(main_rows(n, scr), "burst ")
    assert shown == sorted(shown), "the burst is shown out of order: %s" % shown
    assert len(shown) == len(set(shown)), "shown twice: %s" % shown
    assert shown and shown[-1] == BURST - 1

    stored = [b for b in bodies(export_json(n, "burst@conference.localhost"))
              if b and b.startswith("burst ")]
    assert stored == ["burst %02d" % i for i in range(BURST)], \
        "stored out of order, twice or with gaps: %s" % stored
