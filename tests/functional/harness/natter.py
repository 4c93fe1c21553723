"""natter running in a detached tmux session on a private tmux server."""

import ctypes
import ctypes.util
import locale
import os
import re
import shutil
import signal
import subprocess
import tempfile
import uuid

from .util import WaitTimeout, mkdir_private, register, tail, unregister, wait_until

TMUX_BIN = os.environ.get("TMUX_BIN", "tmux")
SESSION = "natter"

# ---- display widths, as tmux measures them (libc wcwidth in a UTF-8 locale) ----
try:
    locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
except locale.Error:  # pragma: no cover
    pass
_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_libc.wcwidth.argtypes = [ctypes.c_wchar]
_libc.wcwidth.restype = ctypes.c_int


def char_width(ch):
    """Columns a character takes on screen (0 for combining, 2 for wide)."""
    w = _libc.wcwidth(ch)
    return max(w, 0)


def text_width(text):
    return sum(char_width(c) for c in text)


def columns(line, start, end=None):
    """The part of a captured screen line between display columns [start, end)."""
    out, col = [], 0
    for ch in line:
        w = char_width(ch)
        if col >= start and (end is None or col + max(w, 1) <= end):
            out.append(ch)
        col += w
    return "".join(out)


def column_of(line, needle):
    """Display column where ``needle`` starts in ``line``, or None."""
    i = line.find(needle)
    return None if i < 0 else text_width(line[:i])


SGR_RE = re.compile(r"\x1b\[([0-9;:]*)m")
ANY_ESC_RE = re.compile(r"\x1b(\[[0-9;:?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


_FLAG_ON = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 5: "blink", 7: "reverse",
            8: "hidden", 9: "strike"}
_FLAG_OFF = {22: ("bold", "dim"), 23: ("italic",), 24: ("underline",), 25: ("blink",),
             27: ("reverse",), 28: ("hidden",), 29: ("strike",)}


def _apply_sgr(state, params):
    """Apply one SGR sequence's parameters to state = [fg, bg, set(flags)]."""
    codes = []
    for p in (params.split(";") if params else ["0"]):
        head = p.split(":")[0]
        codes.append(int(head) if head.isdigit() else 0)
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            state[0], state[1], state[2] = None, None, set()
        elif c in _FLAG_ON:
            state[2].add(_FLAG_ON[c])
        elif c in _FLAG_OFF:
            state[2].difference_update(_FLAG_OFF[c])
        elif 30 <= c <= 37 or 90 <= c <= 97:
            state[0] = c
        elif c == 39:
            state[0] = None
        elif 40 <= c <= 47 or 100 <= c <= 107:
            state[1] = c
        elif c == 49:
            state[1] = None
        elif c in (38, 48) and i + 1 < len(codes):
            if codes[i + 1] == 5 and i + 2 < len(codes):
                value, i = ("256", codes[i + 2]), i + 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                value, i = ("rgb",) + tuple(codes[i + 2:i + 5]), i + 4
            else:
                value = None
            state[0 if c == 38 else 1] = value
        i += 1


def styled_chars(line_with_escapes):
    """A ``capture-pane -e`` line as a list of (char, rendition), where rendition is
    (foreground, background, sorted flags): equal renditions compare equal however
    the escapes that produced them were written."""
    state = [None, None, set()]
    chars = []
    pos = 0
    n = len(line_with_escapes)
    while pos < n:
        m = SGR_RE.match(line_with_escapes, pos)
        if m:
            _apply_sgr(state, m.group(1))
            pos = m.end()
            continue
        m = ANY_ESC_RE.match(line_with_escapes, pos)
        if m:
            pos = m.end()
            continue
        chars.append((line_with_escapes[pos], (state[0], state[1], tuple(sorted(state[2])))))
        pos += 1
    return chars


def attrs_at(line_with_escapes, needle):
    """SGR attributes in force where ``needle`` starts in a ``capture-pane -e`` line.

    Returns the rendition (foreground, background, flags) as in styled_chars, or
    None if needle is not in the line's text.
    """
    chars = styled_chars(line_with_escapes)
    i = "".join(c for c, _ in chars).find(needle)
    return None if i < 0 else chars[i][1]


def strip_escapes(text):
    return ANY_ESC_RE.sub("", text)


def _process_running(pid):
    """True if pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class NatterExited(AssertionError):
    """natter is no longer running."""


class Natter:
    """natter for one account, in tmux. See harness/__init__.py for the API."""

    def __init__(self, binary, workdir, prosody, account="alice", password="pw", cols=100,
                 rows=30, extra_args=(), connect=True, jid=None, tls="force", ca_file=True,
                 accounts_extra=None, log=True, env=None, start=True, installation=None):
        self.binary = os.path.abspath(binary)
        self.prosody = prosody
        self.account = account
        self.password = password
        self.cols, self.rows = cols, rows
        self.extra_args = list(extra_args)
        self.connect = connect
        self.jid = jid or ("%s@%s" % (account, prosody.domain) if prosody else account)
        self.dir = mkdir_private(os.path.join(os.path.abspath(str(workdir)),
                                              "natter-" + uuid.uuid4().hex[:8]))
        if installation is not None:
            # A second natter of the same installation: the same HOME and XDG
            # directories (accounts, settings, history, installation id).
            self.home, self.config_home = installation.home, installation.config_home
            self.data_home, self.state_home = installation.data_home, installation.state_home
        else:
            self.home = mkdir_private(os.path.join(self.dir, "home"))
            self.config_home = mkdir_private(os.path.join(self.dir, "config"))
            self.data_home = mkdir_private(os.path.join(self.dir, "data"))
            self.state_home = mkdir_private(os.path.join(self.dir, "state"))
        # Short, so that the remote-control socket's path (NAME.PID.sock in
        # it) fits in a sockaddr_un however long pytest's directories are.
        self.runtime_dir = tempfile.mkdtemp(prefix="natter-rt-")
        self.config_dir = mkdir_private(os.path.join(self.config_home, "natter"))
        self.accounts_file = os.path.join(self.config_dir, "accounts")
        self.password_file = os.path.join(self.dir, "password")
        self.log_file = os.path.join(self.dir, "natter.log") if log else None
        self.extra_env = dict(env or {})
        self.socket_name = "natter-test-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
        self.pid = None
        self.status_file = None
        self._last_screen = ""
        if prosody is not None and installation is None:
            self.write_account(tls=tls, ca_file=ca_file, extra=accounts_extra)
        if start:
            self.start()

    # ---- configuration ----
    def write_account(self, tls="force", ca_file=True, extra=None, password=None):
        """(Re)write $XDG_CONFIG_HOME/natter/accounts with one group for this account
        and the password file (0600) read by eval_password. ca_file=True means the
        Prosody's test CA; None or False leaves the key out. extra: {key: value or None}."""
        if password is not None:
            self.password = password
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.password + "\n")
        keys = {
            "jid": self.jid,
            "server": "127.0.0.1",
            "port": str(self.prosody.direct_tls_port if tls == "direct" else self.prosody.c2s_port),
            "tls": tls,
            "ca_file": self.prosody.ca_file if ca_file is True else (ca_file or None),
            "eval_password": "cat %s" % self.password_file,
            # Tests address natter as alice@localhost/natter; without this key
            # natter binds natter.ID, unique to the installation (test_resource.py).
            "resource": "natter",
        }
        for k, v in (extra or {}).items():
            keys[k] = v
        lines = ["[%s]" % self.account] + ["%s=%s" % (k, v) for k, v in keys.items() if v is not None]
        fd = os.open(self.accounts_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")

    # ---- tmux plumbing ----
    def _env(self):
        env = dict(os.environ)
        env.pop("TMUX", None)
        env.pop("TMUX_PANE", None)
        env["LANG"] = env["LC_ALL"] = "C.UTF-8"
        return env

    def tmux(self, *args, check=True, timeout=10):
        """Run a tmux command against this instance's private server; returns stdout."""
        cmd = [TMUX_BIN, "-u", "-L", self.socket_name, "-f", "/dev/null"] + list(args)
        res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=self._env(), timeout=timeout)
        if check and res.returncode != 0:
            raise RuntimeError("%s failed: %s" % (" ".join(cmd), res.stderr.decode(errors="replace")))
        return res.stdout.decode("utf-8", errors="replace")

    def command(self):
        """The argv natter is started with (inside env(1) for the XDG variables)."""
        env = {
            "HOME": self.home,
            "XDG_CONFIG_HOME": self.config_home,
            "XDG_DATA_HOME": self.data_home,
            "XDG_STATE_HOME": self.state_home,
            "XDG_RUNTIME_DIR": self.runtime_dir,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }
        env.update(self.extra_env)
        argv = ["env"] + ["%s=%s" % kv for kv in env.items()] + [self.binary]
        if self.connect:
            argv += ["-a", self.account]
        if self.log_file:
            argv += ["--log", self.log_file]
        return argv + self.extra_args

    def start(self):
        """Start natter in a new detached tmux session (cols x rows, no tmux status line).

        The pane runs ``sh -c '"$@"; echo $? >STATUS'`` around natter (in the
        foreground, stdin is the pane's tty) because tmux 3.3 does not always reap
        a dead pane's process, so its exit status is taken from the shell instead.
        The pane stays after natter exits so its last screen can be read."""
        if not os.access(self.binary, os.X_OK):
            raise FileNotFoundError("natter binary not found or not executable: %s" % self.binary)
        if not os.path.isdir(self.runtime_dir):
            os.mkdir(self.runtime_dir, 0o700)
        self.status_file = os.path.join(self.dir, "exit-status-%s" % uuid.uuid4().hex[:6])
        register(self)
        self.tmux("start-server", ";",
                  "set-option", "-g", "remain-on-exit", "on", ";",
                  "set-option", "-g", "status", "off", ";",
                  "set-option", "-g", "history-limit", "0", ";",
                  "new-session", "-d", "-s", SESSION, "-x", str(self.cols), "-y", str(self.rows),
                  "--", "sh", "-c", '"$@"; echo $? >"$0"', self.status_file, *self.command())
        shell = int(self.tmux("display-message", "-p", "-t", SESSION, "#{pane_pid}").strip())
        self.pid = None

        def child():
            try:
                with open("/proc/%d/task/%d/children" % (shell, shell)) as f:
                    kids = f.read().split()
            except OSError:
                return None
            return int(kids[0]) if kids else None
        try:
            self.pid = wait_until(child, 5, message="natter did not start")
        except WaitTimeout:
            if not os.path.exists(self.status_file):
                raise
        return self

    def _pane(self, fmt):
        return self.tmux("display-message", "-p", "-t", SESSION, fmt, check=False).strip()

    def is_alive(self):
        """True while natter runs."""
        if self.status_file is None:
            return False
        if os.path.exists(self.status_file):
            # The wrapper's `echo $? >FILE` creates the file before it writes the
            # status: an empty file means natter has just exited and the status is
            # on its way, so wait for it rather than report no status.
            try:
                with open(self.status_file) as f:
                    return not f.read().strip()
            except OSError:
                return False
        try:
            out = self._pane("#{pane_dead}")
        except subprocess.TimeoutExpired:
            return True  # tmux is slow under load: that says nothing about natter
        except OSError:
            return False
        return out == "0"

    def exit_status(self):
        """natter's exit status once it has exited: None while running, negative N when
        killed by signal N."""
        try:
            with open(self.status_file or "") as f:
                text = f.read().strip()
        except OSError:
            return None
        if not text:
            return None
        code = int(text)
        return -(code - 128) if code > 128 else code

    def title(self):
        """The pane title as the program inside set it (OSC 0/2)."""
        return self._pane("#{pane_title}")

    # ---- input ----
    def send_keys(self, *keys):
        """tmux send-keys with key names: send_keys('M-2'), send_keys('C-c'), send_keys('Enter')."""
        self.tmux("send-keys", "-t", SESSION, *keys)

    def send_text(self, text):
        """Type literal text (send-keys -l), without Enter."""
        if text:
            self.tmux("send-keys", "-t", SESSION, "-l", "--", text)

    def type_line(self, text):
        """Type literal text, then Enter."""
        self.send_text(text)
        self.send_keys("Enter")

    def paste(self, text, bracketed=True):
        """Paste text like a terminal does (LF sent as CR); bracketed (ESC[200~...ESC[201~)
        when natter has enabled bracketed paste mode and bracketed is True."""
        path = os.path.join(self.dir, "paste-%s.txt" % uuid.uuid4().hex[:6])
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        self.tmux("load-buffer", "-b", "natterpaste", path)
        self.tmux("paste-buffer", "-b", "natterpaste", "-d", "-t", SESSION, *(["-p"] if bracketed else []))

    # ---- output ----
    def screen(self):
        """The visible screen as text (capture-pane -p), one line per row."""
        out = self.tmux("capture-pane", "-p", "-t", SESSION)
        self._last_screen = out
        return out

    def screen_with_attrs(self):
        """The visible screen with SGR attribute escapes (capture-pane -p -e)."""
        return self.tmux("capture-pane", "-p", "-e", "-t", SESSION)

    def lines(self, screen=None):
        """The screen as a list of exactly ``rows`` strings."""
        rows = (self.screen() if screen is None else screen).split("\n")
        rows = rows[:self.rows]
        return rows + [""] * (self.rows - len(rows))

    def describe(self):
        """The last screen and natter's log tail, for failure messages."""
        try:
            scr = self.screen()
            alive = self.is_alive()
        except Exception as exc:  # pragma: no cover
            scr, alive = "(no screen: %r) last:\n%s" % (exc, self._last_screen), False
        border = "+" + "-" * self.cols + "+"
        body = "\n".join("|" + l + " " * max(0, self.cols - text_width(l)) + "|" for l in self.lines(scr))
        msg = "natter %s; screen:\n%s\n%s\n%s" % (
            "running" if alive else "NOT RUNNING (exit %s)" % self.exit_status(), border, body, border)
        if self.log_file:
            msg += "\nnatter log (tail):\n" + tail(self.log_file, 30)
        return msg

    def _predicate(self, what):
        if isinstance(what, str):
            rx = re.compile(what, re.M)
            return lambda s: rx.search(s) is not None
        if isinstance(what, re.Pattern):
            return lambda s: what.search(s) is not None
        return what

    def wait_for(self, what, timeout=10, message=None):
        """Wait until the screen matches ``what`` (regex string, compiled regex or
        predicate(screen_text)); returns the screen. Raises WaitTimeout with the last
        screen in the message, or NatterExited at once if natter died."""
        pred = self._predicate(what)

        def check():
            scr = self.screen()
            if pred(scr):
                return scr
            if not self.is_alive():
                raise NatterExited("natter exited while waiting for %r\n%s" % (what, self.describe()))
            return None
        return wait_until(check, timeout, message=message or "screen never matched %r" % (what,),
                          describe=self.describe)

    def wait_gone(self, what, timeout=10, message=None):
        """Wait until the screen no longer matches ``what``; returns the screen."""
        pred = self._predicate(what)

        def check():
            scr = self.screen()
            return scr if not pred(scr) else None
        return wait_until(check, timeout, message=message or "screen still matches %r" % (what,),
                          describe=self.describe)

    def wait_exit(self, timeout=10):
        """Wait until natter has exited; returns its exit status (negative: signal)."""
        wait_until(lambda: not self.is_alive(), timeout, message="natter did not exit",
                   describe=self.describe)
        return self.exit_status()

    # ---- stopping ----
    def quit(self, timeout=10):
        """Type /quit, wait for natter to exit, stop the tmux server; returns the exit status."""
        status = None
        if self.is_alive():
            self.type_line("/quit")
            status = self.wait_exit(timeout)
        else:
            status = self.exit_status()
        self.close()
        return status

    def close(self):
        """Stop the tmux server (natter gets SIGHUP) and make sure natter is gone."""
        unregister(self)
        self.tmux("kill-server", check=False)
        if self.pid:
            try:
                wait_until(lambda: not _process_running(self.pid), 5)
            except WaitTimeout:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def restart(self):
        """Stop natter (tmux server too) and start it again with the same directories."""
        if self.is_alive():
            self.quit()
        else:
            self.close()
        self.socket_name = "natter-test-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
        return self.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return "<Natter %s pid=%s tmux=%s>" % (self.jid, self.pid, self.socket_name)


def which_tmux():
    return shutil.which(TMUX_BIN)
