"""make demo: the script runs natter in the terminal against a private server and bot."""

import os
import re

from harness import Natter, port_accepts
from screen import status_bar, wait_main_line, TS

DEMO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "demo.py")


class DemoRun(Natter):
    """tests/demo.py in tmux, as a user would run `make demo` in a terminal."""

    def __init__(self, natter_bin, workdir):
        self.natter_bin = natter_bin
        super().__init__(DEMO, workdir, None, start=False, log=False)

    def command(self):
        return ["/usr/bin/python3", DEMO, "--natter", self.natter_bin, "--workdir",
                os.path.join(self.dir, "demo")]


def test_demo_talks_to_bob_and_cleans_up(natter_bin, tmp_path):
    d = DemoRun(natter_bin, str(tmp_path))
    try:
        d.start()
        d.wait_for(lambda s: re.search(r"\b2:bob\b", status_bar(d, s)) and
                   "online" in status_bar(d, s), timeout=30)
        d.type_line("hello bob")
        wait_main_line(d, r"^%s <bob> bob heard: hello bob$" % TS, timeout=15)
        d.type_line("/quit")
        assert d.wait_exit(timeout=30) == 0
        scr = d.screen()
        assert "demo: cleaned up (server stopped)" in scr
        port = int(re.search(r"server on port (\d+)", scr).group(1))
        assert not port_accepts(port)
        assert not os.path.exists(os.path.join(d.dir, "demo"))
    finally:
        d.close()
