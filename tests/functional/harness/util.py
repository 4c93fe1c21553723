"""Small helpers shared by the harness: waiting on conditions, free ports."""

import atexit
import os
import socket
import time


class WaitTimeout(AssertionError):
    """A condition did not become true within its time limit."""


def wait_until(predicate, timeout=10.0, interval=0.02, message=None, describe=None):
    """Call ``predicate()`` until it returns a truthy value; return that value.

    Polls with a short interval (a condition wait, not a fixed sleep) and raises
    WaitTimeout after ``timeout`` seconds. ``describe`` (a callable) is called on
    timeout and its result is appended to the error, e.g. the last screen.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            text = message or "condition not met"
            text = "%s (after %.1f s)" % (text, timeout)
            if describe is not None:
                try:
                    text += "\n" + str(describe())
                except Exception as exc:  # pragma: no cover - diagnostics only
                    text += "\n(could not describe state: %r)" % (exc,)
            raise WaitTimeout(text)
        time.sleep(interval)


def free_port(host="127.0.0.1"):
    """Return a TCP port on ``host`` that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_accepts(port, host="127.0.0.1", timeout=0.5):
    """True if a TCP connection to host:port succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path, lines=60):
    """Last ``lines`` lines of a text file, or a note that it does not exist."""
    try:
        with open(path, "r", errors="replace") as f:
            data = f.readlines()
    except OSError as exc:
        return "(%s: %s)" % (path, exc.strerror)
    return "".join(data[-lines:])


def mkdir_private(path):
    """mkdir -p with mode 0700; returns the path."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


# Servers and terminals still running, so that an interrupted run (SIGTERM from
# the global timeout, Ctrl-C) can stop them: Prosody runs in its own session and
# tmux servers are daemons, so neither dies with the test process by itself.
_live = {}


def register(obj):
    _live[id(obj)] = obj


def unregister(obj):
    _live.pop(id(obj), None)


def cleanup_all():
    """Stop every Prosody and natter/tmux this process started and did not stop."""
    for obj in list(_live.values()):
        try:
            if hasattr(obj, "close"):
                obj.close()
            else:
                obj.stop()
        except Exception:
            pass
    _live.clear()


# Whoever imports the harness gets its servers stopped at a normal exit, even
# without calling stop()/close() (signals still need a handler: see conftest.py).
atexit.register(cleanup_all)
