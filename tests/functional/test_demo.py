"""make demo: the script runs natter in the terminal against a private server and bots.

What a newcomer should see in the first minute: bob's chat with delivery ticks,
his typing notification and a corrected message; the group chat with carol,
dave and erin talking (its history, live lines, an answer to alice); and a
clean exit that stops the server and removes the files.
"""

import os
import re

import pytest

from harness import port_accepts
from harness.natter import Natter
from muc_helpers import room_window
from screen import TS, main_text, status_bar, title_bar, wait_main_line

DEMO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "demo.py")
ROOM = "lobby@conference.localhost"


class DemoRun(Natter):
    """tests/demo.py in tmux, as a user would run `make demo` in a terminal."""

    def __init__(self, natter_bin, workdir):
        self.natter_bin = natter_bin
        super().__init__(DEMO, workdir, None, start=False, log=False)

    def command(self):
        return ["/usr/bin/python3", DEMO, "--natter", self.natter_bin, "--workdir",
                os.path.join(self.dir, "demo")]


def bob_window(d, scr):
    m = re.search(r"\b(\d+):bob\b", status_bar(d, scr))
    return int(m.group(1)) if m else None


@pytest.mark.time_limit(120)
def test_demo_shows_chat_room_receipts_typing_correction_and_cleans_up(natter_bin, tmp_path):
    d = DemoRun(natter_bin, str(tmp_path))
    try:
        d.start()
        scr = d.wait_for(lambda s: bob_window(d, s) and room_window(d, s, ROOM) and
                         "online" in status_bar(d, s), timeout=30)
        room_win = room_window(d, scr, ROOM)[0]
        # bob: typing first, then the answer; our line gets its delivery tick
        d.type_line("hello bob")
        d.wait_for(lambda s: "[typing" in title_bar(d, s), timeout=15,
                   message="bob's typing notification is not in the title bar")
        wait_main_line(d, r"^%s <bob> bob heard: hello bob$" % TS, timeout=15)
        wait_main_line(d, r"^%s <alice> hello bob \u2713$" % TS, timeout=15)
        # his first answer has a typo, corrected in place
        wait_main_line(d, r"^%s <bob> Nice to meet you, alice! \(corrected\)$" % TS,
                       timeout=15)
        assert "alcie" not in main_text(d, d.screen())
        # the room: history and live lines from several occupants
        d.send_keys("M-%d" % room_win)
        scr = d.wait_for(lambda s: all(re.search(r"<%s> " % who, main_text(d, s))
                                       for who in ("carol", "dave", "erin")), timeout=30,
                         message="carol, dave and erin do not all talk in the room")
        assert "!!" not in main_text(d, scr), "an error in the demo's room window"
        d.type_line("hello everyone")
        wait_main_line(d, r"<dave> .*\balice\b", timeout=15)
        d.type_line("/quit")
        assert d.wait_exit(timeout=30) == 0
        scr = d.screen()
        assert "demo: cleaned up (server stopped)" in scr
        port = int(re.search(r"server on port (\d+)", scr).group(1))
        assert not port_accepts(port)
        assert not os.path.exists(os.path.join(d.dir, "demo"))
    finally:
        d.close()
