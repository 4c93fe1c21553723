"""Helpers for the history tests (test_history.py, test_archive.py,
test_corrections.py): natter --export from a shell, slixmpp bursts, round trips
that prove natter has handled what came before, a lock on the history database.

Kept out of the shared harness modules on purpose (they are edited by others);
import it as ``from harness.history_helpers import ...``.
"""

import asyncio
import contextlib
import json
import os
import re
import sqlite3
import subprocess

from .util import WaitTimeout, wait_until


# ---------------------------------------------------------------- natter side

def natter_env(n):
    """The environment natter ``n`` runs with (same HOME and XDG directories), for
    running the binary from a shell without a terminal."""
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    env.update({
        "HOME": n.home,
        "XDG_CONFIG_HOME": n.config_home,
        "XDG_DATA_HOME": n.data_home,
        "XDG_STATE_HOME": n.state_home,
        "XDG_RUNTIME_DIR": n.runtime_dir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    })
    env.update(n.extra_env)
    return env


def export(n, what="all", fmt="text", timeout=30):
    """``natter -a ACCOUNT --export WHAT --format FMT`` with n's directories; returns
    stdout (str). Raises AssertionError with stderr when natter fails. Works while
    n runs (SQLite WAL lets a second process read) and after it quit."""
    argv = [n.binary, "-a", n.account, "--export", what, "--format", fmt]
    res = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=natter_env(n), timeout=timeout)
    if res.returncode != 0:
        raise AssertionError("%s exited %d\nstderr:\n%s" % (
            " ".join(argv), res.returncode, res.stderr.decode(errors="replace")))
    return res.stdout.decode("utf-8")


def export_json(n, what="all", timeout=30):
    """natter --export WHAT --format json, parsed (a list of dicts)."""
    out = export(n, what, "json", timeout)
    try:
        data = json.loads(out)
    except ValueError as exc:
        raise AssertionError("natter --export --format json printed invalid JSON (%s):\n%s"
                             % (exc, out[:2000]))
    assert isinstance(data, list), "JSON export is not an array: %r" % (data,)
    return data


def bodies(records, peer=None):
    """Bodies of exported JSON records (optionally of one peer), in export order."""
    return [r.get("body") for r in records if peer is None or r.get("peer") == peer]


def wait_exported(n, predicate, what="all", timeout=15, message=None):
    """Poll natter --export (JSON) until predicate(records) is true; returns the records.
    A condition wait: the export reads the database natter writes."""
    last = []

    def check():
        last[:] = export_json(n, what)
        return last if predicate(last) else None
    try:
        return wait_until(check, timeout, interval=0.2,
                          message=message or "export never matched")
    except WaitTimeout as exc:
        raise WaitTimeout("%s\nlast export bodies: %r" % (exc, bodies(last)[-40:]))


def db_path(n):
    """$XDG_DATA_HOME/natter/<bare jid>.db of natter n."""
    return os.path.join(n.data_home, "natter", "%s.db" % n.jid)


@contextlib.contextmanager
def exclusive_lock(path):
    """Hold ``BEGIN EXCLUSIVE`` on the SQLite database at path (another process's
    write lock, as a second natter or a backup tool would hold it)."""
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        con.execute("BEGIN EXCLUSIVE")
        yield con
    finally:
        try:
            con.execute("ROLLBACK")
        finally:
            con.close()


# ---------------------------------------------------------------- peer side

def flood(peer, to, count, body, timeout=120):
    """Queue ``count`` chat messages body(i) to ``to`` back to back in the peer's loop
    (one burst, as tests/bench/run.py does)."""
    client = peer.client

    async def burst():
        for i in range(count):
            client.send_message(mto=to, mbody=body(i), mtype="chat")
    asyncio.run_coroutine_threadsafe(burst(), peer.loop).result(timeout)


def ping(peer, jid, timeout=10):
    """XEP-0199 ping from peer to jid, waiting for the answer: natter handles its
    stream in order, so once it answers it has handled everything the same peer sent
    before. An error reply counts too (it was still handled in order)."""
    import slixmpp

    async def go():
        iq = peer.client.Iq()
        iq["type"] = "get"
        iq["to"] = jid
        iq.enable("ping")
        try:
            await iq.send(timeout=timeout)
        except slixmpp.exceptions.IqError:
            pass
    asyncio.run_coroutine_threadsafe(go(), peer.loop).result(timeout + 2)


def enable_receipts(peer, auto_ack=True):
    """Register slixmpp's XEP-0184 plugin on the peer: with auto_ack it answers every
    receipt request with <received/>."""
    def reg():
        if "xep_0184" not in peer.client.plugin:
            peer.client.register_plugin("xep_0184")
        peer.client["xep_0184"].auto_ack = auto_ack
        peer.client["xep_0184"].auto_request = False
    fut = asyncio.run_coroutine_threadsafe(_as_coro(reg), peer.loop)
    fut.result(10)


async def _as_coro(fn):
    return fn()


def child_attr(xml, tag, ns, attr="id"):
    """attr of the first <tag xmlns='ns'> in a raw XML string, or None."""
    m = re.search(r"<%s\b[^>]*\bxmlns=(['\"])%s\1[^>]*>" % (re.escape(tag), re.escape(ns)), xml)
    if not m:
        m = re.search(r"<%s\b[^>]*>" % re.escape(tag), xml)
        if not m or ns not in m.group(0):
            return None
    a = re.search(r"\b%s=(['\"])(.*?)\1" % re.escape(attr), m.group(0))
    return a.group(2) if a else None



# ---------------------------------------------------------------- screen side
# (screen.py lives beside the tests; imported lazily so that the harness package
# itself does not depend on it)

def status_windows(n, scr):
    """{name: (number, active)} of the windows listed in the status bar ("1:console
    2:bob*(3) 3:Carol C."), where active means the activity mark '*' follows the name
    (then comes its unread count). Names may contain spaces."""
    from screen import status_bar
    bar = status_bar(n, scr).split(" -- more below")[0]
    starts = list(re.finditer(r"(?:^|(?<=\s))(\d+):", bar))
    out = {}
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(bar)
        name = bar[m.end():end].strip()
        mark = ""
        name = re.sub(r"\(\d+\)$", "", name)  # the unread count
        if name[-1:] in "*+" and name:
            name, mark = name[:-1], name[-1]
        out[name] = (int(m.group(1)), mark == "*")
    return out


def open_chat(n, jid="bob@localhost", nick="bob", timeout=10):
    """/msg JID: open (or focus) the chat window; waits until its title shows and
    returns the screen."""
    n.type_line("/msg %s" % jid)
    from screen import title_bar
    return n.wait_for(lambda s: jid in title_bar(n, s) and nick in status_windows(n, s),
                      timeout, message="chat window for %s never focused" % jid)


def focus(n, nick, jid=None, timeout=10):
    """Switch to the window called nick in the status bar (Alt+N, or /win N past 9)."""
    from screen import title_bar
    scr = n.wait_for(lambda s: nick in status_windows(n, s), timeout,
                     message="no window %r in the status bar" % nick)
    num = status_windows(n, scr)[nick][0]
    if num <= 9:
        n.send_keys("M-%d" % num)
    else:
        n.type_line("/win %d" % num)
    return n.wait_for(lambda s: (jid or nick) in title_bar(n, s), timeout,
                      message="window %d (%s) never focused" % (num, nick))


def numbered(rows, prefix):
    """The numbers N of rows that show "<prefix> N" (N as digits), in screen order."""
    rx = re.compile(r"%s(\d+)\b" % re.escape(prefix))
    out = []
    for row in rows:
        m = rx.search(row)
        if m:
            out.append(int(m.group(1)))
    return out
