"""A reader of natter's event stream (`natter --remote --events`) for tests:
runs the real client as a subprocess and collects its JSON lines."""

import json
import os
import subprocess
import threading

from harness import wait_until


def remote_env(n):
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": n.home,
            "XDG_CONFIG_HOME": n.config_home, "XDG_DATA_HOME": n.data_home,
            "XDG_STATE_HOME": n.state_home, "XDG_RUNTIME_DIR": n.runtime_dir,
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def wait_socket(n, name="alice"):
    sock = os.path.join(n.runtime_dir, "natter", "%s.%d.sock" % (name, n.pid))
    wait_until(lambda: os.path.exists(sock), 5, message="%s not created" % sock)
    return sock


class EventReader:
    """`natter --remote --events [ARGS]` for natter N; .events holds the parsed
    objects (every line must be one JSON object), .raw the lines as read."""

    def __init__(self, n, *args):
        wait_socket(n)
        self.proc = subprocess.Popen([n.binary, "--remote", "--events", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=remote_env(n))
        self.events, self.raw, self.bad = [], [], []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        self.wait(lambda e: e["type"] == "hello", timeout=5)

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.raw.append(line)
                try:
                    obj = json.loads(line.decode("utf-8"))
                    assert isinstance(obj, dict) and obj.get("v") == 1, line
                    self.events.append(obj)
                except (ValueError, AssertionError, UnicodeDecodeError):
                    self.bad.append(line)

    def of(self, typ):
        with self.lock:
            return [e for e in self.events if e["type"] == typ]

    def wait(self, pred, timeout=10):
        """The first event for which PRED is true, waiting up to TIMEOUT s."""
        found = []

        def check():
            with self.lock:
                assert not self.bad, self.bad
                for e in self.events:
                    try:
                        if pred(e):
                            found.append(e)
                            return True
                    except KeyError:
                        pass
            return False
        wait_until(check, timeout, message="no such event",
                   describe=lambda: "\n".join(l.decode("utf-8", "replace") for l in self.raw[-30:]))
        return found[0]

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(5)
        self.thread.join(5)
