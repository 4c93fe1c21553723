"""Tab completion with contacts whose names begin with different accented
letters sharing their first UTF-8 byte (é is C3 A9, è is C3 A8)."""

import pytest

from screen import CONNECTED, TS, main_has, main_line, wait_main_line


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


def test_common_prefix_keeps_whole_characters(accented):
    n = accented
    n.send_text("/msg ")
    wait_input(n, "/msg")
    n.send_keys("Tab")
    # both are listed, and nothing (no half of a letter) is added to the line
    scr = wait_main_line(n, r"^%s Completions:" % TS, timeout=5)
    row = main_line(n, scr, r"^%s Completions:" % TS)
    assert sorted(row.split("Completions:", 1)[1].split()) == \
        sorted(["émile@localhost", "èric@localhost"]), row
    wait_input(n, "/msg")
    n.send_text("è")
    wait_input(n, "/msg è")
    n.send_keys("Tab")
    wait_input(n, "/msg èric@localhost")
