#!/usr/bin/python3
"""How long one key of the message cursor takes with a long scrollback (issue 14).

A private Prosody on 127.0.0.1 (the functional-test harness), a slixmpp peer
(bob) that sends --lines messages to natter's chat window (alice) with
scrollback_lines raised to hold them all, then the cursor keys in tmux: Alt+Up,
Up, PgUp, Home (to the oldest line, the deepest point of the scrollback), Down
and PgDn from there, End. natter runs with --log, and the cursor writes "select:
key handled and drawn in X ms" for every key: from the key read to the end of the
redraw that follows it (doupdate included). This prints the median and the
largest figure per key. A figure, not pass/fail.

    /usr/bin/python3 tests/bench/select_bench.py [--natter ./natter] [--lines 10000]
        [--repeat 20]
"""

import argparse
import os
import re
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "functional"))

import harness  # noqa: E402
from harness.history_helpers import flood, open_chat  # noqa: E402

TIMING = re.compile(r"select: key handled and drawn in ([0-9.]+) ms")


def timings(log_file):
    with open(log_file, encoding="utf-8", errors="replace") as f:
        return [float(m.group(1)) for m in TIMING.finditer(f.read())]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--natter", default=os.path.join(HERE, "..", "..", "natter"))
    ap.add_argument("--lines", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=20, help="presses of each key")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="natter-select-bench-")
    server = harness.Prosody(work, users={"alice": "pw", "bob": "pw"})
    server.set_roster("alice", [("bob@localhost", None, [], "both")])
    server.set_roster("bob", [("alice@localhost", None, [], "both")])
    server.start()
    bob = harness.Peer("bob", "pw", server)
    bob.connect()
    n = harness.Natter(args.natter, work, server, extra_args=["-c", "/set scrollback_lines %d"
                                                                     % (args.lines + 1000)])
    try:
        n.wait_for("Connected as alice@localhost", timeout=20)
        open_chat(n)
        last = "line %05d" % (args.lines - 1)
        flood(bob, "alice@localhost", args.lines, lambda i: "line %05d" % i, timeout=300)
        n.wait_for(lambda s: last in s, timeout=300, message="the flood never ended")
        results = []

        def press(name, key, count):
            got = []
            for _ in range(count):
                # One key at a time: keys read together share one redraw.
                before = len(timings(n.log_file))
                n.send_keys(key)
                harness.wait_until(lambda: len(timings(n.log_file)) > before, 60,
                                   message="%s: the key was not timed" % name)
                got.append(timings(n.log_file)[-1])
            results.append((name, got))

        n.send_keys("M-Up")
        harness.wait_until(lambda: "Esc leave" in n.screen(), 10)
        press("Up (newest end)", "Up", args.repeat)
        press("PgUp", "PPage", args.repeat)
        press("Home (to the oldest)", "Home", 1)
        press("Down (oldest end)", "Down", args.repeat)
        press("PgDn (oldest end)", "NPage", args.repeat)
        press("End (to the newest)", "End", 1)
        print("natter message cursor, %d lines of scrollback, %dx%d terminal"
              % (args.lines, n.cols, n.rows))
        print("%-22s %6s %10s %10s" % ("key", "presses", "median ms", "max ms"))
        for name, got in results:
            print("%-22s %6d %10.3f %10.3f" % (name, len(got), statistics.median(got), max(got)))
    finally:
        n.close()
        bob.close()
        server.kill()


if __name__ == "__main__":
    main()
