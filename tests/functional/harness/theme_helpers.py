"""Helpers for test_themes.py: SGR state of screen text, the raw output of the
pane (pipe-pane) and bells as tmux sees them.

Bells. natter's pane is the only window of a *detached* tmux session. tmux 3.x
marks a bell on a window "if it is not the session's current window or the
session has no attached client" (alerts.c), so window_bell_flag does get set
although natter's window is current -- but the flag is sticky and several
bells in one alert pass count once. Two detectors are used instead of the flag
alone:

  BellCounter   an ``alert-bell`` hook that increments the user option @bells:
                bells as tmux (and so the user) sees them;
  RawOutput     ``pipe-pane -o 'cat >>FILE'`` keeps every byte natter writes;
                bells() counts BEL bytes outside OSC strings (an OSC may end
                with BEL), osc() lists the OSC sequences. The byte stream is
                ordered, so "the later message rang and the count is still 1"
                proves that an earlier message did not ring. With notify_osc 777
                each notification is also tagged with its text
                (wait_notified), which tells when a later message is through.
"""

import os
import re
import shlex

from . import styled_chars, strip_escapes, wait_until

ROLES = ("text", "time", "title", "status", "status_active", "status_highlight",
         "status_current", "nick_own", "nick_other", "info", "error", "presence",
         "roster_group", "roster_online", "roster_away", "roster_dnd", "roster_offline",
         "input", "style_strong", "style_emphasis", "style_strike", "style_code", "style_quote",
         "style_marker", "selected")

# ---- SGR state -------------------------------------------------------------------


def row_attrs(n, row):
    """One row of a ``capture-pane -e`` capture (with escapes)."""
    rows = n.screen_with_attrs().split("\n")
    return rows[row] if row < len(rows) else ""


def attrs_of(line, needle):
    """Rendition (fg, bg, flags) of the first character of ``needle`` in a captured
    line with escapes, or None."""
    chars = styled_chars(line)
    i = "".join(c for c, _ in chars).find(needle)
    return None if i < 0 else chars[i][1]


def title_attrs(n):
    """Rendition of the title bar (row 0) where 'natter' starts."""
    return attrs_of(row_attrs(n, 0), "natter")


def wait_attrs(n, compute, expect, timeout=10, message=None):
    """Wait until compute() == expect (compute reads the screen itself); returns it."""
    last = []

    def check():
        value = compute()
        last[:] = [value]
        return value == expect
    try:
        wait_until(check, timeout)
    except AssertionError:
        raise AssertionError("%s: got %r, expected %r\n%s" % (
            message or "attributes never matched", last[0] if last else None, expect,
            n.describe()))
    return last[0]


def line_attrs(n, pattern, needle):
    """Rendition of ``needle`` in the first screen row whose text matches regex
    ``pattern``, or None."""
    rx = re.compile(pattern)
    for line in n.screen_with_attrs().split("\n"):
        if rx.search(strip_escapes(line)):
            return attrs_of(line, needle)
    return None


def preview_roles(n):
    """{role: rendition of 'the quick brown fox'} from /theme preview rows on screen."""
    out = {}
    rx = re.compile(r"^\d\d:\d\d {3}([a-z_]+) +the quick brown fox")
    for line in n.screen_with_attrs().split("\n"):
        m = rx.search(strip_escapes(line))
        if m:
            out[m.group(1)] = attrs_of(line, "the quick brown fox")
    return out


def is_base_colour(value, base):
    """fg (base 30) / bg (base 40) value is the terminal default or one of the 8
    base colours."""
    return value is None or (isinstance(value, int) and base <= value <= base + 7)


# ---- theme files -------------------------------------------------------------------


def write_user_theme(n, name, text):
    """Write $XDG_CONFIG_HOME/natter/themes/NAME.theme; returns its path."""
    d = os.path.join(n.config_dir, "themes")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name + ".theme")
    with open(path, "w") as f:
        f.write(text)
    return path


def write_settings(n, **settings):
    """Write natter's settings file before it starts."""
    with open(os.path.join(n.config_dir, "settings"), "w") as f:
        f.write("[settings]\n" + "".join("%s=%s\n" % kv for kv in settings.items()))


# ---- raw output and bells -----------------------------------------------------------

OSC_RE = re.compile(r"\x1b\]([^\x07\x1b]*)(\x07|\x1b\\)?", re.S)


class RawOutput:
    """Everything natter writes to its terminal from now on (tmux pipe-pane)."""

    def __init__(self, n, path=None):
        self.n = n
        self.path = path or os.path.join(n.dir, "raw-output")
        open(self.path, "wb").close()
        n.tmux("pipe-pane", "-o", "-t", "natter", "cat >>%s" % shlex.quote(self.path))

    def text(self):
        with open(self.path, "rb") as f:
            return f.read().decode("utf-8", errors="replace")

    def osc(self, prefix=""):
        """Payloads of complete OSC sequences (between ESC ] and BEL or ST) that start
        with ``prefix`` (prefix removed)."""
        return [m.group(1)[len(prefix):] for m in OSC_RE.finditer(self.text())
                if m.group(2) and m.group(1).startswith(prefix)]

    def notifications(self):
        """(title, text) of every OSC 777 notification so far."""
        return [tuple(p.split(";", 1)) if ";" in p else (p, "")
                for p in self.osc("777;notify;")]

    def wait_notified(self, text, timeout=10):
        """Wait for an OSC 777 notification whose text contains ``text``. Every byte
        natter wrote before it (an earlier BEL, say) is then in the file too."""
        return wait_until(lambda: any(text in t for _, t in self.notifications()), timeout,
                          message="no OSC 777 notification with %r (have %r)"
                          % (text, self.notifications()), describe=self.n.describe)

    def bells(self):
        """BEL bytes natter wrote, not counting those that end an OSC string."""
        return OSC_RE.sub("", self.text()).count("\x07")

    def wait_bells(self, count, timeout=5):
        """Wait until at least ``count`` (>= 1) bells were written; returns the count."""
        return wait_until(lambda: self.bells() >= count and self.bells(), timeout,
                          message="natter rang the bell fewer than %d times (%d)"
                          % (count, self.bells()), describe=self.n.describe)


class BellCounter:
    """Bells as tmux registers them on natter's window (alert-bell hook)."""

    def __init__(self, n):
        self.n = n
        n.tmux("set-option", "-g", "monitor-bell", "on")
        n.tmux("set-option", "-g", "bell-action", "any")
        n.tmux("set-hook", "-g", "alert-bell", 'set-option -gF @bells "#{e|+:#{@bells},1}"')

    def count(self):
        out = self.n.tmux("show-options", "-gqv", "@bells", check=False).strip()
        return int(out) if out.isdigit() else 0

    def flag(self):
        """tmux's window_bell_flag of natter's window (sticky)."""
        return self.n.tmux("display-message", "-p", "-t", "natter",
                           "#{window_bell_flag}").strip() == "1"

    def wait(self, count, timeout=5):
        return wait_until(lambda: self.count() >= count and self.count(), timeout,
                          message="tmux registered fewer than %d bells (%d)"
                          % (count, self.count()), describe=self.n.describe)
