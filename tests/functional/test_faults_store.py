"""Faults of the machine natter runs on (issue 11): killed with SIGKILL in the middle
of a flood, a disk that fills up. Whatever happens, at the next start (or once
there is space again) every message is in the history once, in the order it was
sent: from the database and from the server archive's catch-up.
"""

import os
import re
import shutil
import signal
import subprocess

import pytest

from harness.history_helpers import bodies, export_json, flood, open_chat, wait_exported
from screen import CONNECTED, main_rows, main_text, squash, wait_main_line

BOB = "bob@localhost"


@pytest.fixture
def bob(prosody, peer_factory):
    return peer_factory("bob", prosody)


def _first_difference(want, got):
    for i, (w, g) in enumerate(zip(want, got)):
        if w != g:
            return "first difference at %d: want %r, got %r" % (i, w, g)
    return "lengths %d (want) and %d (got)" % (len(want), len(got))


@pytest.mark.time_limit(240)
def test_kill_9_during_a_5000_message_flood_loses_nothing(prosody, bob, natter_factory):
    total = 5000
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    bob.send_message("alice@localhost", "before the flood")   # the catch-up is over
    wait_main_line(n, r"<bob> before the flood$", timeout=15)
    rx = re.compile(r"<bob> flood (\d{4})$")

    def shown_max(scr):
        nums = [int(m.group(1)) for m in (rx.search(r) for r in main_rows(n, scr)) if m]
        return max(nums) if nums else -1
    flood(bob, "alice@localhost", total, lambda i: "flood %04d" % i)
    n.wait_for(lambda s: shown_max(s) >= 300, timeout=60)
    os.kill(n.pid, signal.SIGKILL)
    assert n.wait_exit(10) == -signal.SIGKILL
    killed_at = shown_max(n.screen())
    stored = bodies(export_json(n, BOB))
    assert len(stored) < total + 1, "natter stored the whole flood before it was killed"
    bob.get_roster(timeout=120)   # the server has handled (and archived) the whole flood

    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    want = ["before the flood"] + ["flood %04d" % i for i in range(total)]
    recs = wait_exported(n, lambda r: len(r) >= len(want), BOB, timeout=150,
                         message="the catch-up did not bring back what the kill lost")
    got = bodies(recs)
    assert got == want, "killed at flood %04d with %d stored; after the restart: %s" % (
        killed_at, len(stored), _first_difference(want, got))


def _mount_tmpfs(path, size):
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs",
                          path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        pytest.skip("cannot mount a tmpfs for natter's history here (%s)"
                    % res.stderr.decode(errors="replace").strip())


def _fill(path):
    """Write a file in PATH until the file system is full; returns its name."""
    name = os.path.join(path, "ballast")
    chunk = b"\0" * 65536
    with open(name, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass
        try:
            while True:
                f.write(b"\0" * 512)
        except OSError:
            pass
    return name


@pytest.mark.time_limit(120)
def test_full_disk_keeps_messages_and_saves_them_when_space_returns(prosody, bob,
                                                                   natter_factory):
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs for natter's history "
                    "(CI runs the tests as root)")
    if not shutil.which("mount"):
        pytest.skip("no mount(8) on this machine")
    n = natter_factory(prosody, start=False)
    _mount_tmpfs(n.data_home, "4m")     # small, so that a ballast file fills it
    try:
        n.start()
        n.wait_for(CONNECTED, timeout=15)
        open_chat(n)
        bob.send_message("alice@localhost", "before the disk filled")
        wait_main_line(n, r"<bob> before the disk filled$", timeout=15)
        wait_exported(n, lambda r: bodies(r) == ["before the disk filled"], BOB)

        ballast = _fill(n.data_home)
        full = ["while full %03d" % i for i in range(200)]
        for text in full:
            bob.send_message("alice@localhost", text)
        wait_main_line(n, r"<bob> while full 199$", timeout=30)
        assert n.is_alive(), "natter died on a full disk"
        fault = squash("disk full: the history database cannot grow")
        n.send_keys("M-1")      # the console tells what happened to the history
        scr = n.wait_for(lambda s: CONNECTED in main_text(n, s) and
                         fault in squash(main_text(n, s)), timeout=10,
                         message="the user was not told that the disk is full")
        assert squash(main_text(n, scr)).count(fault) == 1, \
            "told more than once:\n" + main_text(n, scr)
        stored = bodies(export_json(n, BOB))
        assert len(stored) < 1 + len(full), "the disk was not full: all %d stored" % len(stored)

        os.unlink(ballast)      # space returns: what waited in memory is written
        want = ["before the disk filled"] + full
        wait_exported(n, lambda r: bodies(r) == want, BOB, timeout=20,
                      message="messages kept in memory were not saved when space returned")
        scr = n.wait_for(lambda s: squash("History is saved again") in squash(main_text(n, s)),
                         timeout=10, message="the user was not told that the history is saved")
        assert squash(main_text(n, scr)).count(fault) == 1, main_text(n, scr)
        open_chat(n)
        bob.send_message("alice@localhost", "after the space returned")
        wait_main_line(n, r"<bob> after the space returned$", timeout=15)
        wait_exported(n, lambda r: bodies(r) == want + ["after the space returned"], BOB)
        n.quit()
        assert bodies(export_json(n, BOB)) == want + ["after the space returned"]
    finally:
        n.close()
        subprocess.run(["umount", "-l", n.data_home], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
