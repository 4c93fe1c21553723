"""Local history (issue 3): the SQLite database survives restarts, PgUp pages back
through it, /search and /context find a message among thousands, exports match
what was exchanged, and faults (a locked database, kill -9 during a flood) lose
nothing that was shown.

MAM catch-up, carbons and forged archive results are in test_archive.py;
corrections, retractions and receipts in test_corrections.py.
"""

import datetime
import os
import re
import signal
import time

import pytest

from harness import attrs_at, strip_escapes
from harness.history_helpers import (bodies, db_path, exclusive_lock, export, export_json,
                                     flood, focus, numbered, open_chat, status_windows,
                                     wait_exported)
from screen import (CONNECTED, TS, main_rows, main_text, settled, squash, status_bar,
                    title_bar, wait_main_has, wait_main_line)

# Run against both servers (conftest.py: servers marker).
pytestmark = pytest.mark.servers("prosody", "ejabberd")

BOB = "bob@localhost"


@pytest.fixture
def bob(prosody, peer_factory):
    return peer_factory("bob", prosody)


def rows_matching(n, scr, pattern):
    rx = re.compile(pattern)
    return [r for r in main_rows(n, scr) if rx.search(r)]


def screen_problems(scr):
    """What on this screen natter did not mean to draw: library diagnostics written
    to the terminal (GLib's "CRITICAL ... assertion failed") or a "(null)" name.
    Returns [] or one description with the screen."""
    marks = [m for m in ("CRITICAL", "assertion", "(null)", "GLib") if m in scr]
    return ["%s on screen:\n%s" % (", ".join(repr(m) for m in marks), scr)] if marks else []


# ---------------------------------------------------------------- restart

def test_history_survives_restart(prosody, bob, natter_factory):
    """Messages exchanged in one session are shown again after a restart, from the
    local database: the server is down for the second session, so neither the
    archive nor offline storage can supply them."""
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/msg %s first from alice" % BOB)
    bob.wait_for_message("first from alice")
    bob.send_message("alice@localhost", "reply from bob")
    wait_main_line(n, r"^%s <bob> reply from bob$" % TS)
    n.type_line("second from alice")
    bob.wait_for_message("second from alice")
    wait_main_line(n, r"^%s <alice> second from alice$" % TS)

    n.quit()
    prosody.stop()
    n.restart()
    n.wait_for(lambda s: "alice" in status_bar(n, s), timeout=10)
    scr = open_chat(n)
    scr = wait_main_line(n, r"<alice> second from alice$")
    rows = main_rows(n, scr)
    want = [r"^%s <alice> first from alice$" % TS, r"^%s <bob> reply from bob$" % TS,
            r"^%s <alice> second from alice$" % TS]
    found = []
    for rx in want:
        hits = [i for i, r in enumerate(rows) if re.search(rx, r)]
        assert len(hits) == 1, "%r shown %d times after restart:\n%s" % (rx, len(hits), "\n".join(rows))
        found.append(hits[0])
    assert found == sorted(found), "history out of order after restart:\n%s" % "\n".join(rows)
    assert bodies(export_json(n, BOB)) == ["first from alice", "reply from bob",
                                           "second from alice"]


def test_pgup_pages_back_after_restart(prosody, bob, natter_factory):
    """250 messages (several screens, more than two database pages of 100): after a
    restart the chat opens at the newest, and PgUp pages back through every one of
    them in order, down to the start of the history."""
    total = 250
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    flood(bob, "alice@localhost", total, lambda i: "page msg %03d" % i)
    wait_main_line(n, r"<bob> page msg %03d$" % (total - 1), timeout=30)
    wait_exported(n, lambda recs: len(recs) == total, BOB,
                  message="not all %d messages stored" % total)

    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    scr = open_chat(n)
    scr = wait_main_line(n, r"<bob> page msg %03d$" % (total - 1))
    first = numbered(main_rows(n, scr), "page msg ")
    assert first and first[-1] == total - 1, first
    assert len(first) < total, "one screen holds everything: the test proves nothing"
    seen = set(first)
    screens = 1
    top = first[0]
    deadline = time.monotonic() + 60
    while top > 0:
        assert time.monotonic() < deadline, "PgUp never reached the first message; seen %d" % len(seen)
        n.send_keys("PPage")
        prev_top = top
        scr = n.wait_for(lambda s: numbered(main_rows(n, s), "page msg ")
                         and numbered(main_rows(n, s), "page msg ")[0] < prev_top, timeout=10,
                         message="PgUp did not show anything older than msg %d" % prev_top)
        scr = settled(n, scr)
        nums = numbered(main_rows(n, scr), "page msg ")
        assert nums == list(range(nums[0], nums[0] + len(nums))), \
            "a screen of history is not consecutive:\n%s" % "\n".join(main_rows(n, scr))
        assert nums[-1] >= prev_top - 1, "PgUp skipped messages %d..%d" % (nums[-1] + 1, prev_top - 1)
        seen.update(nums)
        top = nums[0]
        screens += 1
    assert seen == set(range(total)), "never shown: %s" % sorted(set(range(total)) - seen)
    assert screens >= 3
    # Past the first message: nothing older locally or on the server.
    n.send_keys("PPage")
    wait_main_has(n, "Beginning of the history with this contact.", timeout=15)
    scr = n.screen()
    assert rows_matching(n, scr, r"<bob> page msg 000$"), "first message scrolled away"


def test_lines_dropped_from_memory_page_back_in(prosody, bob, natter_factory):
    """More messages than a window keeps in memory (scrollback_lines): from the
    top of what is kept, PgUp goes on into the history in order down to the
    first message (loading a page drops as many of the newest lines, and the
    view must not jump by them), and End comes back to the newest."""
    total = 1100
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/set scrollback_lines 1000")
    open_chat(n)
    flood(bob, "alice@localhost", total, lambda i: "kept msg %04d" % i)
    wait_main_line(n, r"<bob> kept msg %04d$" % (total - 1), timeout=60)
    n.send_keys("Home")
    scr = n.wait_for(lambda s: numbered(main_rows(n, s), "kept msg ")
                     and numbered(main_rows(n, s), "kept msg ")[0] < total - 200, timeout=10,
                     message="Home did not go to the top of the scrollback")
    top = numbered(main_rows(n, settled(n, scr)), "kept msg ")[0]
    assert top >= total - 1000, "more than 1000 lines kept: msg %d still in memory" % top
    assert top > 0, "every message still in memory: the test proves nothing"
    seen = set()
    deadline = time.monotonic() + 60
    while top > 0:
        assert time.monotonic() < deadline, "PgUp never reached the first message"
        n.send_keys("PPage")
        prev_top = top
        scr = n.wait_for(lambda s: numbered(main_rows(n, s), "kept msg ")
                         and numbered(main_rows(n, s), "kept msg ")[0] < prev_top, timeout=10,
                         message="PgUp did not show anything older than msg %d" % prev_top)
        scr = settled(n, scr)
        nums = numbered(main_rows(n, scr), "kept msg ")
        assert nums == list(range(nums[0], nums[0] + len(nums))), \
            "a screen of history is not consecutive:\n%s" % "\n".join(main_rows(n, scr))
        assert nums[-1] >= prev_top - 1, "PgUp skipped messages %d..%d" % (nums[-1] + 1, prev_top - 1)
        seen.update(nums)
        top = nums[0]
    assert 0 in seen
    n.send_keys("End")
    wait_main_line(n, r"<bob> kept msg %04d$" % (total - 1), timeout=10)


# ---------------------------------------------------------------- search

@pytest.mark.prosody_only(
    "ejabberd 23.01 with its Mnesia archive (Debian's package has no SQLite driver "
    "installed) delivers a 2,000-message flood at about 50 messages/s on the CI machine, "
    "past this test's 60 s bound; the ejabberd run of test_kill_9_during_flood covers floods")
def test_search_finds_one_message_among_thousands(prosody, bob, natter_factory, peer_factory):
    total = 2000
    unique_at = 1234
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    carol = peer_factory("carol", prosody)
    carol.send_message("alice@localhost", "carol says haystack too")
    n.wait_for(lambda s: "Carol C." in status_windows(n, s), timeout=10)
    open_chat(n)

    def body(i):
        return "haystack %04d lorem ipsum%s" % (i, " xylophonist" if i == unique_at else "")
    flood(bob, "alice@localhost", total, body)
    wait_main_line(n, r"<bob> haystack %04d lorem ipsum$" % (total - 1), timeout=60)

    problems = []   # damage to the screen, reported at the end so it hides nothing else

    def search(command, head):
        """Run a /search, wait for its results window, return its text; then close
        that window (and redraw) so the next step starts from a clean screen."""
        n.type_line(command)
        scr = wait_main_has(n, head, timeout=10)
        problems.extend(screen_problems(scr))
        text = main_text(n, scr)
        n.type_line("/close")
        n.wait_for(lambda s: head.split(" for ")[1] not in main_text(n, s), timeout=10,
                   message="/close did not close the results window")
        n.send_keys("C-l")
        return text

    text = search("/search xylophonist", '1 result for "xylophonist"')
    assert squash('1 result for "xylophonist" (newest first; /context N shows one in its '
                  'conversation):') in squash(text), text
    assert squash("1. [bob@localhost] <bob> haystack 1234 lorem ipsum xylophonist") in squash(text), text
    assert squash(text).count("haystack") == 1, "more than one hit listed:\n%s" % text

    # /context 1: the chat, the hit highlighted among its neighbours
    n.type_line("/context 1")
    scr = n.wait_for(lambda s: BOB in title_bar(n, s) and
                     rows_matching(n, s, r"<bob> haystack 1234 lorem ipsum xylophonist$"),
                     timeout=10, message="/context 1 did not show the hit in bob's chat")
    scr = settled(n, scr)   # a capture taken mid-redraw mixes the old and the new view
    problems.extend(screen_problems(scr))
    nums = numbered(main_rows(n, scr), "haystack ")
    assert unique_at - 1 in nums and unique_at + 1 in nums, \
        "neighbours of the hit not shown:\n%s" % "\n".join(main_rows(n, scr))
    assert nums == list(range(nums[0], nums[0] + len(nums))), "context not consecutive: %s" % nums
    lines = n.screen_with_attrs().split("\n")
    hit = [l for l in lines if "xylophonist" in strip_escapes(l)]
    other = [l for l in lines if "haystack %04d" % (unique_at + 1) in strip_escapes(l)]
    assert hit and other
    assert attrs_at(hit[0], "haystack") != attrs_at(other[0], "haystack"), \
        "the hit is not highlighted: %r" % hit[0]

    # -here in carol's chat: the unique word is only in bob's conversation
    open_chat(n, "carol@localhost", "Carol C.")
    search("/search -here xylophonist", '0 results for "xylophonist"')
    open_chat(n, "carol@localhost", "Carol C.")
    text = search("/search -here haystack", '1 result for "haystack"')
    assert squash("1. [carol@localhost] <Carol C.> carol says haystack too") in squash(text), text
    assert "lorem" not in text
    assert not problems, "%d screens were damaged; the first:\n%s" % (len(problems), problems[0])


# ---------------------------------------------------------------- export

def _utc(iso):
    return datetime.datetime.strptime(iso.rstrip("Z").split(".")[0], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)


def test_export_matches_what_was_exchanged(prosody, bob, natter_factory, peer_factory):
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    carol = peer_factory("carol", prosody)
    t0 = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    exchange = [
        (True, "export one: plain"),
        (False, "export two: \u00fcn\u00efc\u00f8d\u00e9 \u6f22\u5b57 \U0001F389 <&> \"quotes\" \\ back"),
        (True, "export three"),
        (False, "export four\nsecond line"),
    ]
    open_chat(n)
    for outgoing, text in exchange:
        if outgoing:
            n.type_line(text)
            bob.wait_for_message(text)
        else:
            bob.send_message("alice@localhost", text)
        wait_main_has(n, text.split("\n")[-1])
    carol.send_message("alice@localhost", "export for carol")
    n.wait_for(lambda s: "Carol C." in status_windows(n, s))
    wait_exported(n, lambda r: "export for carol" in bodies(r), "all")
    t1 = datetime.datetime.now(datetime.timezone.utc)

    out_json = os.path.join(n.dir, "bob.json")
    out_text = os.path.join(n.dir, "bob.txt")
    n.type_line("/history export %s --format json --output %s" % (BOB, out_json))
    wait_main_has(n, "Exported %s to %s" % (BOB, out_json))
    n.type_line("/history export %s --format text --output %s" % (BOB, out_text))
    wait_main_has(n, "Exported %s to %s" % (BOB, out_text))

    import json
    with open(out_json, encoding="utf-8") as f:
        recs = json.load(f)
    assert [(r["outgoing"], r["body"]) for r in recs] == exchange, recs
    for r in recs:
        assert r["peer"] == BOB
        sender = r["sender"].split("/")[0]
        assert sender == ("alice@localhost" if r["outgoing"] else BOB), r
        assert t0 - datetime.timedelta(seconds=1) <= _utc(r["ts"]) <= t1 + datetime.timedelta(seconds=1), r

    with open(out_text, encoding="utf-8") as f:
        text = f.read()
    # one line per message, "YYYY-MM-DD HH:MM:SS <sender> body" in UTC; the
    # second line of a two-line body is a continuation
    starts = [l for l in text.split("\n") if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d <", l)]
    assert len(starts) == len(exchange), text
    for line, r, (outgoing, body) in zip(starts, recs, exchange):
        m = re.match(r"(\S+ \S+) <([^>]+)> (.*)$", line)
        assert m, line
        assert m.group(1) == _utc(r["ts"]).strftime("%Y-%m-%d %H:%M:%S"), (line, r["ts"])
        assert m.group(2).split("/")[0] == ("alice@localhost" if outgoing else BOB), line
        assert m.group(3) == body.split("\n")[0], line
    assert "second line" in text

    # The same from a shell, while natter runs: natter --export
    assert export(n, BOB, "text") == text
    everything = export_json(n, "all")
    assert sorted(bodies(everything)) == sorted([b for _, b in exchange] + ["export for carol"])
    assert [r["peer"] for r in everything if r["body"] == "export for carol"] == ["carol@localhost"]
    n.quit()
    assert export_json(n, BOB) == recs, "the export changed after quitting"


# ---------------------------------------------------------------- faults

def _count_db_errors(n):
    """Rows mentioning the history database in the console (and the current window)."""
    scr = n.screen()
    return squash(main_text(n, scr)).count(squash("history database"))


def test_locked_database_keeps_chatting_and_loses_nothing(prosody, bob, natter_factory):
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    bob.send_message("alice@localhost", "before the lock")
    wait_main_line(n, r"<bob> before the lock$")
    wait_exported(n, lambda r: bodies(r) == ["before the lock"], BOB)

    locked = ["while locked %d" % i for i in range(1, 5)]
    with exclusive_lock(db_path(n)):
        for text in locked[:2]:
            bob.send_message("alice@localhost", text)
        wait_main_line(n, r"<bob> %s$" % locked[1])
        n.type_line(locked[2])                      # our own message, too
        bob.wait_for_message(locked[2])
        wait_main_line(n, r"<alice> %s$" % locked[2])
        bob.send_message("alice@localhost", locked[3])
        scr = wait_main_line(n, r"<bob> %s$" % locked[3])
        for text in locked:
            assert len(rows_matching(n, scr, re.escape(text) + "$")) == 1, main_text(n, scr)
        # one clear error line, in the console (or in this window)
        in_chat = _count_db_errors(n)
        focus(n, "console", "console")
        in_console = _count_db_errors(n)
        assert in_chat + in_console == 1, \
            "expected one line about the history database, got %d in the chat and %d in " \
            "the console:\n%s" % (in_chat, in_console, n.screen())
        focus(n, "bob", BOB)
        stored = bodies(export_json(n, BOB))
        assert "while locked 4" not in stored, "the lock did not hold: %r" % stored

    # Released: the next write saves the held messages too, in order.
    bob.send_message("alice@localhost", "after the lock")
    wait_main_line(n, r"<bob> after the lock$")
    want = ["before the lock"] + locked + ["after the lock"]
    wait_exported(n, lambda r: bodies(r) == want, BOB, timeout=15,
                  message="held messages not saved after the lock was released")
    n.quit()
    assert bodies(export_json(n, BOB)) == want


@pytest.mark.time_limit(120)
def test_kill_9_during_flood_loses_nothing_that_was_shown(prosody, bob, natter_factory):
    total = 6000
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    rx = re.compile(r"<bob> flood (\d{4})$")

    def shown_max(scr):
        nums = [int(m.group(1)) for m in (rx.search(r) for r in main_rows(n, scr)) if m]
        return max(nums) if nums else -1
    flood(bob, "alice@localhost", total, lambda i: "flood %04d" % i)
    n.wait_for(lambda s: shown_max(s) >= 300, timeout=30)
    os.kill(n.pid, signal.SIGKILL)
    status = n.wait_exit(10)
    assert status == -signal.SIGKILL, status
    scr = n.screen()       # the pane keeps natter's last screen
    last = shown_max(scr)
    assert last >= 300, scr
    stored = bodies(export_json(n, BOB))
    want = ["flood %04d" % i for i in range(last + 1)]
    assert stored[:last + 1] == want, \
        "shown up to flood %04d but the database holds %d messages, first gap at %s" % (
            last, len(stored), next((w for w, s in zip(want, stored + [None] * len(want)) if w != s), None))
    assert len(set(stored)) == len(stored), "duplicates stored"
