"""Command line: --help, --version, -c commands, /quit; a start that fails
gives the terminal back."""

import os
import re
import subprocess

import pytest

from harness import Natter
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


def _can_hide_dev():
    """True when a mount namespace can be made here (root, unshare allowed)."""
    res = subprocess.run(["unshare", "--mount", "sh", "-c", "mount -t tmpfs -o ro tmpfs /dev"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return res.returncode == 0


def test_terminal_restored_when_the_input_line_cannot_start(natter_bin, tmp_path):
    """Without /dev/null (an empty, read-only /dev, as in a bare chroot) readline cannot be set
    up after the screen was: natter says why and exits 1, and the terminal is no
    longer in raw mode nor on the alternate screen."""
    if not _can_hide_dev():
        pytest.skip("needs root and unshare --mount to run natter without /dev/null")
    stty, errors = tmp_path / "stty", tmp_path / "stderr"
    wrapper = tmp_path / "natter-without-dev"
    wrapper.write_text(
        "#!/bin/sh\n"
        "# natter in a mount namespace whose /dev is empty and read-only\n"
        "unshare --mount sh -c 'mount -t tmpfs -o ro tmpfs /dev && exec \"$0\" \"$@\"' %s \"$@\" "
        "2>%s\n"
        "rc=$?\n"
        "stty -a >%s 2>&1\n"
        "exit $rc\n" % (os.path.abspath(natter_bin), errors, stty))
    wrapper.chmod(0o755)
    with Natter(str(wrapper), str(tmp_path), None, connect=False) as n:
        assert n.wait_exit() == 1, n.describe()
        said = errors.read_text()
        assert said.startswith("natter: cannot initialise the input line: /dev/null:"), said
        assert n.tmux("display-message", "-p", "-t", "natter", "#{alternate_on}").strip() == "0", \
            "natter left the terminal on the alternate screen"
    modes = re.split(r"[\s;]+", stty.read_text())
    for mode in ("icanon", "echo", "isig", "icrnl"):
        assert mode in modes, "natter left the terminal with -%s:\n%s" % (mode, stty.read_text())
