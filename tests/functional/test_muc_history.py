"""A room's history that stays right (issue 11): paging back into a room's
archive with PgUp stores and shows every older message once, in order, and
"Beginning of the history" appears only at the real beginning.
"""

import pytest

from harness.history_helpers import bodies, export_json, numbered
from muc_helpers import msg, wait_line, you_joined
from screen import main_rows, main_text, squash

# Run against both servers (conftest.py: servers marker).
pytestmark = pytest.mark.servers("prosody", "ejabberd")

COLS, ROWS = 160, 40
BEGINNING = "Beginning of the history with this contact."


# The group chat fixtures (natter on a wide screen, bob as an occupant).
from test_muc import bob, natter  # noqa: E402,F401


@pytest.mark.time_limit(150)
def test_pgup_pages_back_through_the_rooms_archive(natter, bob):
    """150 messages in the room's archive; the join fetches the newest page only.
    PgUp asks the archive for the older ones until all 150 are there."""
    n = natter
    total = 150
    bob.create("deep", "bob", persistent=True)
    for i in range(total - 1):
        bob.say("deep", "archived %03d" % i)
    bob.say("deep", "archived %03d" % (total - 1), wait=True)
    n.type_line("/join deep")
    wait_line(n, you_joined("deep", "alice"), timeout=15)
    scr = wait_line(n, msg("bob", "archived %03d" % (total - 1)), timeout=15)
    seen = set(numbered(main_rows(n, scr), "archived "))
    for _ in range(40):
        if squash(BEGINNING) in squash(main_text(n, scr)):
            break
        before = main_rows(n, scr)
        n.send_keys("PPage")
        scr = n.wait_for(lambda s: main_rows(n, s) != before, timeout=15,
                         message="PgUp changed nothing; seen %d of %d: missing %s" % (
                             len(seen), total, sorted(set(range(total)) - seen)[:20]))
        nums = numbered(main_rows(n, scr), "archived ")
        assert nums == sorted(nums), "out of order:\n%s" % "\n".join(main_rows(n, scr))
        assert len(nums) == len(set(nums)), "shown twice:\n%s" % "\n".join(main_rows(n, scr))
        seen.update(nums)
    else:
        pytest.fail("40 PgUps never reached the beginning; never shown: %s" %
                    sorted(set(range(total)) - seen))
    nums = numbered(main_rows(n, scr), "archived ")
    assert nums[:1] == [0], "%s above message %s:\n%s" % (BEGINNING, nums[:1],
                                                           "\n".join(main_rows(n, scr)))
    assert seen == set(range(total)), "never shown: %s" % sorted(set(range(total)) - seen)
    stored = [b for b in bodies(export_json(n)) if b and b.startswith("archived ")]
    assert stored == ["archived %03d" % i for i in range(total)], \
        "stored %d, duplicates, gaps or out of order" % len(stored)
