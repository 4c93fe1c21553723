"""The first hour of a new user, scripted: the README's commands on a fresh clone,
then the demo, a chat, a room, a search, and a setting that survives a restart.

The build commands are read from the README (its first command, less the
package installation, which is done already), so this test fails when the
README's commands stop working. The clone is of the repository under test
(its committed HEAD), built with MAKEFLAGS=-j2, and everything afterwards runs
the clone's own natter. The slowest test of the suite: the build is most of it.
"""

import os
import re
import shlex
import shutil
import subprocess
import time

import pytest

from harness import MUC_DOMAIN, Natter, Occupant, Peer, port_accepts
from screen import TS, main_has, main_rows, main_text, status_bar, wait_main_line

SRC = os.path.abspath(os.environ.get("top_srcdir") or
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
README = os.path.join(SRC, "README")
BUDGET = 240          # seconds for the whole test (time_limit below)
ROOM = "lobby@" + MUC_DOMAIN


def readme_command(marker):
    """The README's indented command line that contains MARKER, split at '&&'."""
    with open(README, encoding="utf-8") as f:
        for line in f:
            if line.startswith("    ") and marker in line:
                return [step.strip() for step in line.strip().split("&&")]
    pytest.fail("the README has no command with %r" % marker)


def run_step(step, cwd, deadline):
    """Run one README step in the clone as a shell command; fail with its output."""
    env = dict(os.environ, MAKEFLAGS="-j2", LC_ALL="C.UTF-8")
    for var in ("top_srcdir", "top_builddir", "NATTER_BIN", "MAKELEVEL", "MFLAGS"):
        env.pop(var, None)
    left = deadline - time.monotonic()
    assert left > 10, "no time left for %r" % step
    res = subprocess.run(step, shell=True, cwd=cwd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, timeout=left)
    out = res.stdout.decode("utf-8", errors="replace")
    assert res.returncode == 0, "README step %r failed (%d):\n%s" % (
        step, res.returncode, out[-3000:])
    return out


def check_script(step, clone):
    """A package-install step names an executable script of the clone."""
    script = shlex.split(step)[0]
    assert script.startswith("scripts/install-"), "unexpected install step %r" % step
    path = os.path.join(clone, script)
    assert os.access(path, os.X_OK), "the README names %s, which is not in the clone" % script


@pytest.fixture
def clone(tmp_path):
    if not os.path.isdir(os.path.join(SRC, ".git")) and not os.path.isfile(
            os.path.join(SRC, ".git")):
        pytest.skip("the source tree is not a git repository")
    dest = str(tmp_path / "natter-clone")
    res = subprocess.run(["git", "clone", "-q", SRC, dest], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    assert res.returncode == 0, res.stdout.decode(errors="replace")
    yield dest
    shutil.rmtree(dest, ignore_errors=True)


def build_as_the_readme_says(clone, deadline):
    """The README's first command, less the package install: returns the argv of
    what it starts (./natter)."""
    steps = readme_command("scripts/install-build-deps")
    assert steps[-1] == "./natter", "the README's first command no longer ends with ./natter"
    for step in steps[:-1]:
        if step.startswith("scripts/"):
            check_script(step, clone)
        else:
            run_step(step, clone, deadline)
    natter = os.path.join(clone, "natter")
    assert os.access(natter, os.X_OK), "the README's build made no ./natter"
    # The test command: the scripts exist and make knows every target it names.
    for step in readme_command("scripts/install-test-deps"):
        if step.startswith("scripts/"):
            check_script(step, clone)
        elif step.startswith("make"):
            run_step("make -n %s >/dev/null" % step[len("make"):].strip(), clone, deadline)
        else:
            assert step == "./configure", "unexpected step %r in the test command" % step
    return natter


def first_demo(natter, clone, tmp_path):
    """make demo's script from the clone: talk to bob, quit, all cleaned up."""
    demo = os.path.join(clone, "tests", "demo.py")
    workdir = str(tmp_path / "demo")

    class Demo(Natter):
        def command(self):
            return ["/usr/bin/python3", demo, "--natter", natter, "--workdir", workdir]
    d = Demo(demo, str(tmp_path), None, start=False, log=False)
    try:
        d.start()
        d.wait_for(lambda s: re.search(r"\b\d+:bob\b", status_bar(d, s)) and
                   "online" in status_bar(d, s), timeout=30)
        d.type_line("hello bob")
        wait_main_line(d, r"^%s <bob> bob heard: hello bob$" % TS, timeout=15)
        d.type_line("/quit")
        assert d.wait_exit(timeout=30) == 0
        port = int(re.search(r"server on port (\d+)", d.screen()).group(1))
        assert not port_accepts(port)
        assert not os.path.exists(workdir)
    finally:
        d.close()


@pytest.mark.time_limit(BUDGET)
def test_first_hour(clone, prosody_factory, tmp_path):
    deadline = time.monotonic() + BUDGET - 60     # keep a minute for the rest
    natter = build_as_the_readme_says(clone, deadline)

    first_demo(natter, clone, tmp_path)

    # Own account, as "First steps inside natter" says: add it, connect, password.
    prosody = prosody_factory(muc=True)
    bob = Peer("bob", "pw", prosody)
    carol = Occupant("carol", "pw", prosody)
    n = Natter(natter, str(tmp_path), None, connect=False)
    try:
        bob.connect()
        carol.connect()
        carol.create(ROOM, "carol")
        n.wait_for(r"/quit", timeout=15)
        for line in ("/account add me alice@localhost",
                     "/account set me server 127.0.0.1",
                     "/account set me port %d" % prosody.c2s_port,
                     "/account set me ca_file %s" % prosody.ca_file,
                     "/connect me"):
            n.type_line(line)
        n.wait_for(r"Password for alice@localhost", timeout=15)
        n.type_line("pw")
        n.wait_for(lambda s: "online" in status_bar(n, s), timeout=20)
        assert "pw" not in [r.strip() for r in main_rows(n, n.screen())]

        # A chat with a contact by name, both ways.
        n.type_line("/msg bob hello from the first hour")
        bob.wait_for_message("hello from the first hour", timeout=15)
        bob.send_message("alice@localhost", "meet at 東京タワー tomorrow")
        wait_main_line(n, r"^%s <bob> meet at 東京タワー tomorrow$" % TS, timeout=15)

        # A room: join, read, write.
        n.type_line("/join " + ROOM)
        carol.wait_for_occupant(ROOM, "alice", timeout=15)
        carol.say(ROOM, "welcome to the lobby")
        wait_main_line(n, r"<carol> welcome to the lobby$", timeout=15)
        n.type_line("hi carol")
        carol.wait_for_groupchat(ROOM, "hi carol", nick="alice", timeout=15)

        # A search, for a word inside Japanese text.
        n.type_line("/search タワー")
        n.wait_for(lambda s: re.search(r"\b1 result", main_text(n, s)) and
                   main_has(n, s, "meet at 東京タワー tomorrow"), timeout=15,
                   message="/search タワー did not find bob's message")

        # A setting that survives a restart.
        n.type_line("/set time_format %H:%M:%S")
        n.wait_for(lambda s: main_has(n, s, "time_format = %H:%M:%S"), timeout=10)
        settings = os.path.join(n.config_dir, "settings")

        def saved():
            try:
                with open(settings, encoding="utf-8") as f:
                    return "%H:%M:%S" in f.read()
            except OSError:
                return False
        if not saved():
            n.type_line("/save")
            n.wait_for(lambda s: saved(), timeout=10, message="the setting was not saved")
        assert n.quit(timeout=15) == 0
        n.restart()
        n.type_line("/set time_format")
        n.wait_for(lambda s: main_has(n, s, "time_format = %H:%M:%S"), timeout=15)
        wait_main_line(n, r"^\d\d:\d\d:\d\d ", timeout=10)
        assert n.quit(timeout=15) == 0
    finally:
        n.close()
        bob.close()
        carol.close()
