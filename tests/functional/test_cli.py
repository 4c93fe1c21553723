"""Command line: --help, --version, -c commands, /quit."""

import re
import subprocess

from screen import CONNECTED, main_has, status_bar


def _run(natter_bin, *args):
    return subprocess.run([natter_bin, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=10, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8",
                                           "HOME": "/nonexistent"})


def test_version_and_help(natter_bin):
    res = _run(natter_bin, "--version")
    assert res.returncode == 0
    assert re.match(rb"natter \d+\.\d+", res.stdout)
    res = _run(natter_bin, "--help")
    assert res.returncode == 0
    for opt in (b"--account", b"--command", b"--log", b"--version"):
        assert opt in res.stdout


def test_command_option_opens_chat_and_quit_exits_zero(prosody, natter_factory):
    n = natter_factory(prosody, extra_args=["-c", "/msg bob@localhost"])
    n.wait_for(lambda s: re.search(r"\b2:bob\b", status_bar(n, s)) and "online" in status_bar(n, s),
               timeout=15)
    n.send_keys("M-1")
    n.wait_for(lambda s: main_has(n, s, CONNECTED))
    assert n.quit() == 0


def test_without_account_nothing_connects(prosody, natter_factory):
    n = natter_factory(prosody, connect=False)
    n.wait_for(r"/quit")
    n.type_line("/connect alice")
    n.wait_for(lambda s: main_has(n, s, CONNECTED), timeout=15)
    n.type_line("/disconnect")
    n.wait_for(lambda s: "online" not in status_bar(n, s))
    assert n.quit() == 0
