"""Scripting: /exec (output, -o, -n, -w, -list, -kill), remote control with
--remote, -c commands, the startup commands file and /alias."""

import os
import re
import select
import socket
import stat
import subprocess
import time

import pytest

from harness import wait_until
from screen import (CONNECTED, TS, count_in_main, main_has, main_line, main_rows, main_text,
                    status_bar, wait_main_has, wait_main_line)


@pytest.fixture
def bob(prosody, peer_factory):
    return peer_factory("bob", prosody)


def open_chat(n, jid="bob@localhost", nick="bob"):
    """/msg JID opens (or switches to) the chat window; returns its number."""
    n.type_line("/msg %s" % jid)
    scr = n.wait_for(lambda s: re.search(r"\b(\d+):%s\b" % re.escape(nick), status_bar(n, s)))
    return int(re.search(r"\b(\d+):%s\b" % re.escape(nick), status_bar(n, scr)).group(1))


def row_index(n, scr, pattern):
    """Index of the first main-window row matching regex ``pattern``, or None."""
    rx = re.compile(pattern)
    for i, row in enumerate(main_rows(n, scr)):
        if rx.search(row):
            return i
    return None


def bodies_from(peer, frm="alice@localhost"):
    return [m.body for m in peer.messages if m.frm_bare == frm and m.body is not None]


def process_gone(pid):
    """True if pid no longer exists or is a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


# ---------------------------------------------------------------- /exec

def test_exec_shows_output_lines_and_exit_status(alice):
    alice.type_line(r"/exec printf 'one\ntwo\n'; exit 3")
    exit_line = r"[exec 1] 'printf 'one\ntwo\n'; exit 3' exited with status 3"
    scr = wait_main_has(alice, exit_line)
    started = row_index(alice, scr, r"^%s \[exec 1\] started: printf 'one\\ntwo\\n'; exit 3$" % TS)
    one = row_index(alice, scr, r"^%s one$" % TS)
    two = row_index(alice, scr, r"^%s two$" % TS)
    done = row_index(alice, scr, r"^%s !! \[exec 1\] 'printf" % TS)
    assert None not in (started, one, two, done), \
        "started/one/two/exit(error) rows: %r\n%s" % ((started, one, two, done), main_text(alice, scr))
    assert started < one < two < done, main_text(alice, scr)

    # stderr is shown too; status 0 is not an error line
    alice.type_line("/exec echo to-stderr >&2")
    scr = wait_main_has(alice, "[exec 2] 'echo to-stderr >&2' exited with status 0")
    assert main_line(alice, scr, r"^%s to-stderr$" % TS), main_text(alice, scr)
    assert main_line(alice, scr, r"^%s \[exec 2\] 'echo to-stderr >&2' exited" % TS), \
        "a successful command's status is shown as an error:\n" + main_text(alice, scr)


def test_exec_quiet_time_limit_and_bad_w(alice):
    # -n: only the exit status; the output (quiet42) is not shown
    alice.type_line("/exec -n echo quiet$((6*7))")
    scr = wait_main_has(alice, "'echo quiet$((6*7))' exited with status 0")
    assert "quiet42" not in main_text(alice, scr), main_text(alice, scr)

    # -w 0 and -w x are refused with an error about -w, and run nothing
    alice.type_line("/exec -w 0 echo never$((1+1))")
    alice.type_line("/exec -w x echo never$((2+2))")
    scr = alice.wait_for(lambda s: len([r for r in main_rows(alice, s)
                                        if re.search(r"^%s !! .*-w" % TS, r)]) >= 2,
                         message="two error lines about -w")
    text = main_text(alice, scr)
    assert "never" not in text and "never2" not in text and "never4" not in text, text

    # -w 1: stopped after about a second
    t0 = time.monotonic()
    alice.type_line("/exec -w 1 sleep 10")
    scr = wait_main_has(alice, "'sleep 10' took too long and was stopped", timeout=8)
    elapsed = time.monotonic() - t0
    assert 0.9 <= elapsed <= 2.5, "time limit of 1 s took effect after %.2f s" % elapsed
    assert main_line(alice, scr, r"^%s !! \[exec \d+\] 'sleep 10' took too long" % TS), \
        main_text(alice, scr)


def test_exec_o_sends_output_as_one_message(alice, bob):
    # -o in the console: an error, nothing runs
    alice.type_line("/exec -o echo console$((3+3))")
    scr = wait_main_line(alice, r"^%s !! .*-o" % TS)
    assert "started" not in main_text(alice, scr), main_text(alice, scr)

    open_chat(alice)
    alice.type_line(r"/exec -o printf 'build\nok'")
    got = bob.wait_for_message(re.compile("build"))
    assert got.body == "build\nok" and got.type == "chat"
    assert got.frm_bare == "alice@localhost"
    wait_main_has(alice, r"'printf 'build\nok'' exited with status 0")

    # a failing command sends nothing
    alice.type_line("/exec -o printf 'failed$((5+5))'; exit 1")
    scr = wait_main_has(alice, "not sent: the command failed")
    assert main_line(alice, scr, r"^%s !! \[exec \d+\] not sent: the command failed" % TS)
    wait_main_has(alice, "exited with status 1")
    alice.type_line("marker after failure")   # a plain line: sent to bob, after anything earlier
    bob.wait_for_message("marker after failure")
    assert bodies_from(bob) == ["build\nok", "marker after failure"]


def test_long_command_does_not_freeze_typing_and_can_be_killed(alice, bob):
    open_chat(alice)
    t0 = time.monotonic()
    alice.type_line("/exec -w 30 sleep 20")
    alice.type_line("/msg bob@localhost still typing")
    bob.wait_for_message("still typing", timeout=5)
    assert time.monotonic() - t0 < 5
    scr = wait_main_line(alice, r"^%s \[exec 1\] started: sleep 20$" % TS)
    assert "'sleep 20'" not in main_text(alice, scr), "the command ended already"

    alice.type_line("/exec -list")
    scr = wait_main_line(alice, r"^%s\s+1: pid \d+, sleep 20$" % TS)
    pid = int(re.search(r"1: pid (\d+), sleep 20", main_text(alice, scr)).group(1))
    assert not process_gone(pid), "listed pid %d is not running" % pid

    alice.type_line("/exec -kill 1")
    scr = wait_main_has(alice, "[exec 1] 'sleep 20' was stopped", timeout=5)
    assert time.monotonic() - t0 < 10, "the kill took effect only after %.1f s" % (time.monotonic() - t0)
    assert "exited with status" not in main_text(alice, scr)
    wait_until(lambda: process_gone(pid), 3, message="sleep (pid %d) still running" % pid)

    alice.type_line("/exec -list")
    wait_main_has(alice, "No commands running.")


# ---------------------------------------------------------------- --remote

def remote(n, *args, runtime_dir=None):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": n.home,
           "XDG_CONFIG_HOME": n.config_home, "XDG_DATA_HOME": n.data_home,
           "XDG_STATE_HOME": n.state_home, "XDG_RUNTIME_DIR": runtime_dir or n.runtime_dir,
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    return subprocess.run([n.binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=20, env=env, universal_newlines=True)


def socket_of(n, name, runtime_dir=None):
    """Wait for the remote-control socket natter N made for account NAME."""
    sock = os.path.join(runtime_dir or n.runtime_dir, "natter", "%s.%d.sock" % (name, n.pid))
    wait_until(lambda: os.path.exists(sock), 5,
               message="%s not created" % sock, describe=lambda: str(os.listdir(os.path.dirname(sock))))
    return sock


def test_remote_control(alice, bob):
    sock_dir = os.path.join(alice.runtime_dir, "natter")
    sock = socket_of(alice, "alice")
    st = os.lstat(sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)
    assert stat.S_IMODE(os.lstat(sock_dir).st_mode) == 0o700, oct(os.lstat(sock_dir).st_mode)

    res = remote(alice, "-a", "alice", "--remote", "/msg bob@localhost build finished")
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr)
    assert res.stdout.splitlines()[-1:] == ["ok"], res.stdout
    got = bob.wait_for_message("build finished")
    assert got.frm_bare == "alice@localhost"

    res = remote(alice, "--remote", "/set nosuch 1")
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    assert any("unknown setting" in l.lower() and "error" in l.lower()
               for l in res.stdout.splitlines()), res.stdout
    assert alice.is_alive()

    # several commands: each one's output, and error when any of them failed
    res = remote(alice, "--remote", "/help quit", "--remote", "/win 99", "--remote", "/help save")
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    lines = res.stdout.splitlines()
    assert lines[-1] == "error", res.stdout
    assert [l for l in lines if l.startswith("error: ")] == \
        ["error: No window 99. /win list shows them."], res.stdout
    assert any("/quit" in l for l in lines) and any("/save" in l for l in lines), res.stdout

    # an alias fails when the command it runs fails; an unknown command is an error
    res = remote(alice, "--remote", "/alias badset /set nosuch $*")
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr)
    res = remote(alice, "--remote", "/badset 1")
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    assert res.stdout.splitlines() == ["error: unknown setting 'nosuch'", "error"], res.stdout
    res = remote(alice, "--remote", "/nosuchcommand")
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    assert res.stdout.splitlines() == [
        "error: Unknown command /nosuchcommand. Type /help for the list.", "error"], res.stdout

    res = remote(alice, "-a", "nobody", "--remote", "/msg bob@localhost never")
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert res.stdout == ""
    assert "nobody" in res.stderr and re.search(r"no natter|not running", res.stderr, re.I), \
        res.stderr
    assert bodies_from(bob) == ["build finished"]


def test_remote_status_comes_from_the_command_result(prosody, bob, natter_factory):
    # Sending while offline works (the message is queued) although natter warns
    # about it in an error-coloured line: the reply is ok, with the warning.
    n = natter_factory(prosody, connect=False)
    socket_of(n, "default")
    res = remote(n, "--remote", "/msg bob@localhost queued while offline")
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr)
    lines = res.stdout.splitlines()
    assert lines[-1] == "ok", res.stdout
    assert any("message queued" in l for l in lines), res.stdout
    n.type_line("/connect alice")
    assert bob.wait_for_message("queued while offline", timeout=15).frm_bare == "alice@localhost"


def test_remote_theme_that_does_not_load_is_an_error(alice):
    """A remote command runs as if typed in the window in front: its error is
    the reply's (exit 1) and is shown there, once."""
    socket_of(alice, "alice")
    open_chat(alice)
    res = remote(alice, "--remote", "/theme load no-such")
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    assert res.stdout.splitlines() == ["error: no theme 'no-such' (/theme list shows them)",
                                       "error"], res.stdout
    scr = wait_main_has(alice, "no theme 'no-such'")
    assert count_in_main(alice, scr, "no theme 'no-such'") == 1, main_text(alice, scr)


def unread_client(sock_path, request):
    """A remote-control client that sends REQUEST and then reads nothing."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    s.sendall(request)
    s.shutdown(socket.SHUT_WR)
    return s


def read_to_end(s, timeout):
    data, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            break
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk
    raise AssertionError("no end of reply after %d s (%d bytes)" % (timeout, len(data)))


@pytest.mark.time_limit(60)
def test_remote_client_that_does_not_read_does_not_stall_natter(alice, bob):
    sock = socket_of(alice, "alice")
    res = remote(alice, "--remote", "/help all")
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr)
    # Replies far larger than a socket takes at once (about 200 KB).
    request = b"/help all\n" * (600000 // len(res.stdout.encode()) + 1)

    idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)   # never ends its request
    idle.connect(sock)
    slow = unread_client(sock, request)            # reads later, slowly
    stalled = [unread_client(sock, request) for _ in range(4)]   # never read

    # natter goes on: another remote command and typed text are handled at once
    t0 = time.monotonic()
    res = remote(alice, "--remote", "/help quit")
    elapsed = time.monotonic() - t0
    assert res.returncode == 0 and res.stdout.splitlines()[-1] == "ok", res.stdout
    assert elapsed < 2.0, "a remote command took %.1f s behind clients that do not read" % elapsed
    alice.type_line("/msg bob@localhost still responsive")
    bob.wait_for_message("still responsive", timeout=3)

    # a client that reads late still gets the whole reply
    data = read_to_end(slow, 10).decode()
    assert data.endswith("\nok\n"), data[-200:]
    assert data.count("Commands (/help COMMAND") == request.count(b"\n"), len(data)
    slow.close()

    # the ones that never read are dropped (natter closes them), without waiting forever
    for s in stalled:
        p = select.poll()
        p.register(s, select.POLLHUP)
        assert p.poll(12000), "natter kept a client that reads nothing"
        s.close()
    assert read_to_end(idle, 10) == b"error: request not finished in time\n"
    idle.close()
    assert alice.is_alive()


def test_two_natters_get_a_socket_each(prosody, natter_factory, tmp_path):
    """Two natters in one runtime directory (both with no account: "default")
    each listen on a socket of their own; --remote names them when it cannot
    choose, and finds the one left when the other quits."""
    shared = str(tmp_path / "runtime")
    os.mkdir(shared, 0o700)
    n1 = natter_factory(prosody, connect=False, env={"XDG_RUNTIME_DIR": shared})
    n2 = natter_factory(prosody, connect=False, env={"XDG_RUNTIME_DIR": shared})
    socket_of(n1, "default", shared)
    socket_of(n2, "default", shared)
    for n in (n1, n2):
        assert not main_has(n, n.screen(), "Remote control is off")
    res = remote(n1, "--remote", "/help quit", runtime_dir=shared)
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "several natters" in res.stderr, res.stderr
    for n in (n1, n2):
        assert "default (process %d)" % n.pid in res.stderr, res.stderr
    res = remote(n1, "-a", "default", "--remote", "/help quit", runtime_dir=shared)
    assert res.returncode == 2 and "account default" in res.stderr, res.stderr
    assert n2.quit() == 0
    res = remote(n1, "--remote", "/help quit", runtime_dir=shared)
    assert res.returncode == 0, (res.returncode, res.stdout, res.stderr)


def test_remote_socket_directory_must_be_private(prosody, natter_factory, tmp_path):
    """A socket directory that others may enter or write to is not used."""
    shared = str(tmp_path / "runtime")
    os.mkdir(shared, 0o700)
    os.mkdir(os.path.join(shared, "natter"))
    os.chmod(os.path.join(shared, "natter"), 0o755)
    n = natter_factory(prosody, connect=False, env={"XDG_RUNTIME_DIR": shared})
    wait_main_has(n, "Remote control is off:")
    wait_main_has(n, "has mode 0755, not 0700")
    assert os.listdir(os.path.join(shared, "natter")) == []


def test_remote_refuses_bad_requests(alice):
    sock = socket_of(alice, "alice")
    # just over the 64 KiB limit: natter reads it all before it answers, so
    # closing leaves nothing unread (which would reset the connection)
    s = unread_client(sock, b"/help\n" * 10923)
    assert read_to_end(s, 10) == b"error: request too long\n"
    s.close()
    s = unread_client(sock, b"/msg bob@localhost \xff\xfe\n")
    assert read_to_end(s, 10) == b"error: request is not UTF-8 text\n"
    s.close()
    assert alice.is_alive()


# ---------------------------------------------------------------- start-up

def test_command_option_is_queued_until_connected(prosody, bob, natter_factory):
    n = natter_factory(prosody, extra_args=["-c", "/msg bob@localhost hi from -c"])
    got = bob.wait_for_message("hi from -c", timeout=15)
    assert got.frm_bare == "alice@localhost" and got.type == "chat"
    scr = n.screen()
    assert "Not sent" not in scr and "not a command" not in scr, scr


def test_startup_file_and_aliases(prosody, bob, natter_factory):
    n = natter_factory(prosody, start=False)
    with open(os.path.join(n.config_dir, "startup"), "w") as f:
        f.write("# commands run when natter starts\n"
                "/alias b /msg bob@localhost $*\n"
                "nonsense\n")
    n.start()
    scr = wait_main_has(n, "startup:3: not a command: nonsense", timeout=15)
    assert main_line(n, scr, r"^%s !!(\s|$)" % TS), "not an error line:\n" + main_text(n, scr)
    assert "startup:1:" not in scr and "startup:2:" not in scr, main_text(n, scr)
    n.wait_for(lambda s: main_has(n, s, CONNECTED), timeout=15)

    n.type_line("/b hello alias")
    assert bob.wait_for_message("hello alias").frm_bare == "alice@localhost"

    # an alias may not shadow a built-in command
    n.type_line("/alias msg /quit")
    wait_main_has(n, "built-in command")
    n.type_line("/msg bob@localhost msg still works")
    bob.wait_for_message("msg still works")
    assert n.is_alive()

    # an alias that calls itself is stopped
    n.type_line("/alias loop /loop")
    n.type_line("/loop")
    wait_main_has(n, "nested too deep", timeout=5)
    assert n.is_alive()
    n.type_line("/b after the loop")
    bob.wait_for_message("after the loop")
    assert bodies_from(bob) == ["hello alias", "msg still works", "after the loop"]


def test_failing_start_commands_are_reported_once_with_their_place(prosody, natter_factory):
    n = natter_factory(prosody, start=False,
                       extra_args=["-c", "/set nosuch 2", "-c", "/nosuchcommand"])
    with open(os.path.join(n.config_dir, "startup"), "w") as f:
        f.write("# the second line fails\n"
                "/set nosuch 1\n"
                "/set beep off\n")
    n.start()
    scr = wait_main_has(n, "-c '/nosuchcommand': Unknown command /nosuchcommand.", timeout=15)
    text = main_text(n, scr)
    # the startup file's path is long: its line wraps
    assert main_has(n, scr, "startup:2: unknown setting 'nosuch'"), text
    assert main_line(n, scr, r"^%s !! -c '/set nosuch 2': unknown setting 'nosuch'$" % TS), text
    assert count_in_main(n, scr, "unknown setting") == 2, text
    assert count_in_main(n, scr, "Unknown command") == 1, text
    assert "is not a command" not in text, text
