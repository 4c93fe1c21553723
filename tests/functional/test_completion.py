"""Tab completion with contacts whose names begin with different accented
letters sharing their first UTF-8 byte (é is C3 A9, è is C3 A8)."""

import pytest

from screen import CONNECTED, main_has


@pytest.fixture
def accented(prosody_factory, natter_factory):
    p = prosody_factory(rosters={"alice": [("émile@localhost", None, [], "both"),
                                           ("èric@localhost", None, [], "both")]})
    n = natter_factory(p)
    n.wait_for(lambda s: main_has(n, s, CONNECTED), timeout=15)
    n.wait_for(lambda s: "èric" in s and "émile" in s, message="roster not shown")
    return n


def input_line(n, scr=None):
    return n.lines(scr)[n.rows - 1].rstrip()


def wait_input(n, text, timeout=5):
    want = ("> " + text).rstrip()
    return n.wait_for(lambda s: input_line(n, s) == want, timeout,
                      message="input line never became %r" % want)


def test_tab_cycles_whole_names_with_shared_first_bytes(accented):
    n = accented
    n.send_text("/msg ")
    wait_input(n, "/msg")
    n.send_keys("Tab")
    # Each Tab puts one whole candidate in place (no half of a letter), and
    # nothing is listed in the window.
    wait_input(n, "/msg èric@localhost")
    n.send_keys("Tab")
    scr = wait_input(n, "/msg émile@localhost")
    assert "Completions" not in scr
    n.send_keys("C-u")
    n.send_text("/msg è")
    wait_input(n, "/msg è")
    n.send_keys("Tab")
    wait_input(n, "/msg èric@localhost")


def test_tab_completes_room_form_fields_and_values(muc_server, natter_factory):
    from muc_helpers import wait_line, you_joined
    from screen import main_text
    import re
    n = natter_factory(muc_server, cols=120, rows=30)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/join tearoom")
    wait_line(n, you_joined("tearoom", "alice"), timeout=15)
    n.type_line("/room config")
    n.wait_for(lambda s: re.search(r"persistentroom = ", main_text(n, s)),
               message="/room config did not show the form")
    n.send_text("/room set persis")
    n.send_keys("Tab")
    wait_input(n, "/room set persistentroom")
    n.send_keys("Tab")
    wait_input(n, "/room set persistentroom no")
    n.send_keys("Tab")
    wait_input(n, "/room set persistentroom yes")


def test_tab_completes_a_directory_without_a_space(prosody, natter_factory):
    """A directory is completed further: no space after 'dir/'."""
    import os
    from test_terminal import wait_input_and_cursor
    n = natter_factory(prosody)
    n.wait_for(CONNECTED, timeout=15)
    os.makedirs(os.path.join(n.home, "docs"))
    with open(os.path.join(n.home, "docs", "report.txt"), "w") as f:
        f.write("x")
    n.send_text("/upload ~/do")
    n.send_keys("Tab")
    wait_input_and_cursor(n, "/upload ~/docs/")
    n.send_text("re")
    n.send_keys("Tab")
    wait_input_and_cursor(n, "/upload ~/docs/report.txt ")
