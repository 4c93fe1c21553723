#!/usr/bin/python3
"""natter benchmarks: natter side by side with Profanity and mcabber.

All clients run on this machine, in one run, against the same local Prosody
on 127.0.0.1, each in its own tmux pane.  Scenarios:

  roster  log in to an account with a large roster (default 2,000 contacts):
          seconds from start until a known contact is shown in the roster,
          CPU seconds until the client is idle again, peak RSS.
  flood   a slixmpp contact sends N one-to-one messages (default 5,000) as
          fast as it can: seconds from the first send until the last
          message is on screen, CPU seconds spent on them, peak RSS.
  idle    context switches per second of the connected, idle client over a
          fixed window (default 30 s).
  mam     catch-up from the server archive (XEP-0313): the client logged in
          once before, then N messages (default 10,000) were archived while
          it was offline; seconds from start until it reports the catch-up
          complete, its CPU seconds and peak RSS.  A second Prosody, with
          mod_mam, serves this scenario only.

Each figure is the median over --repeat runs; natter's ratio to each other
client (natter/other) is printed under each table.  See README.md.

Run with /usr/bin/python3 (Debian's interpreter, which has slixmpp).
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

from bench_clients import (BenchError, Pane, Account, CLIENTS,  # noqa: E402
                           proc_cpu_seconds, proc_cpu_sched_seconds, proc_status_kb,
                           proc_ctxt_switches, proc_threads, pid_alive,
                           log, wait_idle, mib, perf_start, perf_stop,
                           save_failure as _save_failure)
import muc  # noqa: E402

DOMAIN = "localhost"
PASSWORD = "bench-pw-1"
MARKER_NAME = "Aaron Marker"     # the contact that sorts first in every client
PEER_NAME = "Bob"
# Prosody modules for the benchmarks: nothing that stores or throttles
# messages (no offline, mam, carbons, limits, smacks).
BENCH_MODULES = ("roster", "saslauth", "tls", "disco", "ping")
BENCH_DISABLED = ("offline", "s2s", "s2s_auth_certs", "admin_socket", "admin_shell",
                  "http", "bosh", "websocket", "limits", "mam", "carbons", "smacks")
# The "mam" scenario's own Prosody: the same, plus mod_mam.  No mod_offline,
# so only the archive delivers what was sent while the client was away.
MAM_MODULES = BENCH_MODULES + ("mam",)
MAM_DISABLED = tuple(m for m in BENCH_DISABLED if m != "mam")
# natter asks for 250 results per archive query (src/xmpp/mam.c, PAGE_SIZE).
NATTER_MAM_PAGE = 250
# Why other clients have no figure in the "mam" scenario.
MAM_NA = {
    "profanity": "Profanity 0.13 has no account-wide catch-up at log-in: '/mam on' "
                 "(experimental, 'mostly here for developers' per its man page) only "
                 "queries one contact's archive when that contact's chat window opens, "
                 "and reports no completion",
    "mcabber": "mcabber has no MAM (XEP-0313) support",
}





# ---------------------------------------------------------------------------
# server and peer: the shared harness when usable, else our own launcher


class Server:
    """What the benchmark needs from a running Prosody."""

    def __init__(self, port, ca_file, stop, kind, log_file, obj):
        self.obj = obj
        self.port = port
        self.ca_file = ca_file
        self.stop = stop
        self.kind = kind
        self.log_file = log_file


def _import_harness():
    path = os.path.join(TOP, "tests", "functional")
    if path not in sys.path:
        sys.path.insert(0, path)
    import harness  # noqa: F401
    for name in ("Prosody", "Peer"):
        if not hasattr(harness, name):
            raise ImportError("harness has no %s" % name)
    return harness


def start_server(workdir, users, rosters, modules=BENCH_MODULES, disabled=BENCH_DISABLED,
                 extra_config=""):
    """A private Prosody from the functional-test harness (one launcher for
    tests and benchmarks)."""
    harness = _import_harness()
    dis = "".join('"%s"; ' % m for m in disabled)
    # The harness sets a global modules_disabled already; a second global one
    # is a "Duplicate option", whose warning crashes Prosody 0.12's config
    # reader when the config path is longer than Lua's 60-character source
    # names.  A host-level modules_disabled replaces the global one for the
    # host, and the harness's own VirtualHost line (which follows) only
    # re-enters the same host.
    srv = harness.Prosody(
        workdir, users=users, modules=modules, log_level="warn",
        extra_config='%sVirtualHost "%s"\n\tmodules_disabled = { %s}\n'
                     % (extra_config, DOMAIN, dis))
    for user, items in rosters.items():
        srv.set_roster(user, items)
    srv.start(timeout=60)
    return Server(srv.c2s_port, srv.ca_file, srv.stop, "harness", srv.log_file, srv), harness


class FloodPeer:
    """The contact that floods (the harness's slixmpp Peer)."""

    def __init__(self, harness, server, user, password):
        self.harness = harness
        self.p = harness.Peer(user, password, server.obj, resource="bench")
        self.p.connect(timeout=30)

    def clear(self):
        self.p.clear()

    def wait_available(self, bare, timeout):
        try:
            self.p.wait_for_presence(
                lambda r: r.type == "available" and r.frm_bare == bare, timeout=timeout)
            return True
        except AssertionError:
            return False

    def flood(self, to, count, body, timeout=120):
        """Queue count messages back to back; return monotonic time of the first."""
        import asyncio
        client = self.p.client

        async def burst():
            t0 = time.monotonic()
            for i in range(count):
                client.send_message(mto=to, mbody=body(i), mtype="chat")
            return t0
        return asyncio.run_coroutine_threadsafe(burst(), self.p.loop).result(timeout)

    def flood_synced(self, to, count, body, timeout=120):
        """flood(), then an iq ping to the server behind the messages.
        Returns (monotonic time of the first send, a concurrent Future that
        resolves to the monotonic time the ping's answer arrives).  Prosody
        handles a session's stanzas in order, so when it answers the ping it
        has routed all count messages (written them to the recipient's
        connection, or its buffer if the recipient does not read)."""
        import asyncio
        import concurrent.futures
        client = self.p.client
        done = concurrent.futures.Future()

        def answered(_iq):
            if not done.done():
                done.set_result(time.monotonic())

        def no_answer(*_args):
            if not done.done():
                done.set_exception(BenchError("the server did not answer the ping "
                                              "behind the flood"))

        async def burst():
            t0 = time.monotonic()
            for i in range(count):
                client.send_message(mto=to, mbody=body(i), mtype="chat")
            iq = client.Iq()
            iq["type"] = "get"
            iq["to"] = DOMAIN
            iq.enable("ping")
            iq.send(timeout=timeout, callback=answered, timeout_callback=no_answer)
            return t0
        t0 = asyncio.run_coroutine_threadsafe(burst(), self.p.loop).result(timeout)
        return t0, done

    def send(self, to, body):
        self.p.send_message(to, body, mtype="chat")

    def sync(self, timeout):
        """One iq round trip (a roster get) behind everything sent so far:
        Prosody handles a session's stanzas in order, so once it answers, it
        has routed (and archived) all of them."""
        self.p.get_roster(timeout=timeout)

    def close(self):
        try:
            self.p.close()
        except Exception as exc:  # pragma: no cover - shutdown only
            log("peer shutdown: %r" % exc)


class MamSetup:
    """The "mam" scenario's own Prosody (the benchmark's modules plus
    mod_mam, no mod_offline), its sending peer (bob) and one fresh account
    per run (alice0, alice1, ...), so that every run starts from an archive
    holding only its own messages."""

    def __init__(self, args, workdir, n_runs):
        self.accounts = ["alice%d" % i for i in range(n_runs)]
        self.next = 0
        users = {u: PASSWORD for u in self.accounts}
        users["bob"] = PASSWORD
        rosters = {u: [("bob@%s" % DOMAIN, PEER_NAME, ["Friends"], "both")]
                   for u in self.accounts}
        rosters["bob"] = [("%s@%s" % (u, DOMAIN), "Alice %s" % u[5:], ["Friends"], "both")
                          for u in self.accounts]
        # mod_storage_internal refuses to archive past storage_archive_item_limit
        # items per user (default 10,000; mod_mam then truncates the oldest 1%),
        # which would drop the sync point.  bob's own archive also keeps a copy of
        # everything he sends in every run.
        self.item_limit = max(10000, (args.mam_messages + 10) * (n_runs + 1))
        self.extra_config = (
            "max_archive_query_results = %d\n" % args.mam_page_limit
            + "storage_archive_item_limit = %d\n" % self.item_limit
            + 'archive_expires_after = "1w"\n')
        d = os.path.join(workdir, "mam-server")
        os.makedirs(d, exist_ok=True)
        self.server, self.harness = start_server(
            d, users, rosters, modules=MAM_MODULES, disabled=MAM_DISABLED,
            extra_config=self.extra_config)
        self.peer = FloodPeer(self.harness, self.server, "bob", PASSWORD)

    def take_account(self):
        user = self.accounts[self.next]
        self.next += 1
        return user

    def archive_count(self, user):
        """Items in user's archive, read from Prosody's internal storage
        (one "item(" per archived stanza in DATA/localhost/archive/USER.list)."""
        harness = self.harness
        path = os.path.join(self.server.obj.data_dir, harness.prosody.path_encode(DOMAIN),
                            "archive", harness.prosody.path_encode(user) + ".list")
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return sum(1 for line in f if line.startswith("item("))
        except FileNotFoundError:
            return 0

    def close(self):
        self.peer.close()
        self.server.stop()


# ---------------------------------------------------------------------------
# measurement helpers








class Context:
    def __init__(self, args, workdir, server, pwfile, capath):
        self.args = args
        self.workdir = workdir
        self.server = server
        self.pwfile = pwfile
        self.capath = capath

    def account(self, user):
        return Account(user, DOMAIN, self.pwfile, self.server.port,
                       self.server.ca_file, self.capath)

    def home(self, client, scenario, rep):
        return os.path.join(self.workdir, "homes", "%s-%s-%d" % (client.name, scenario, rep))





# ---------------------------------------------------------------------------
# scenarios


def run_roster(ctx, client, rep):
    """(a) log in with a large roster."""
    a = ctx.args
    argv, env = client.setup(ctx.home(client, "roster", rep), ctx.account("alice"), None)
    pane = Pane(a.cols, a.rows, a.poll)
    try:
        t0 = time.monotonic()
        pid = pane.start(argv, env, env["HOME"])
        t_shown = pane.wait_screen(MARKER_NAME, a.timeout, "roster contact '%s'" % MARKER_NAME)
        cpu_shown = proc_cpu_seconds(pid)
        settle = wait_idle(pid, a.settle_timeout)
        return {
            "roster_s": round(t_shown - t0, 3),
            "cpu_s": round(proc_cpu_seconds(pid), 3),
            "cpu_sched_s": round(proc_cpu_sched_seconds(pid), 4),
            "cpu_at_shown_s": round(cpu_shown, 3),
            "rss_mib": mib(proc_status_kb(pid, "VmHWM")),
            "settle_s": None if settle is None else round(settle, 2),
            "threads": proc_threads(pid),
        }
    except BenchError as exc:
        raise BenchError("%s (screen saved to %s)"
                         % (str(exc).splitlines()[0],
                            _save_failure(ctx, client, "roster", rep, pane, exc)))
    finally:
        pane.close()


def _start_chat_client(ctx, client, scenario, rep, peer, focus_peer):
    a = ctx.args
    peer_jid = "bob@%s" % DOMAIN
    argv, env = client.setup(ctx.home(client, scenario, rep), ctx.account("carol"),
                             peer_jid if focus_peer else None)
    peer.clear()
    pane = Pane(a.cols, a.rows, a.poll)
    pid = pane.start(argv, env, env["HOME"])
    return pane, pid


def run_flood(ctx, client, rep, peer):
    """(b) receive a burst of one-to-one messages."""
    a = ctx.args
    n = a.messages
    last = "msg-%05d END" % (n - 1)
    pane = None
    perf = None
    try:
        pane, pid = _start_chat_client(ctx, client, "flood", rep, peer, True)
        client.prepare_chat(pane, PEER_NAME, a.timeout)
        if not peer.wait_available("carol@%s" % DOMAIN, a.timeout):
            raise BenchError("the peer never saw the client come online")
        if wait_idle(pid, a.settle_timeout) is None:
            log("  %s did not go idle before the flood; measuring anyway" % client.name)
        if a.perf and client.name.startswith("natter"):
            perf = perf_start(pid, os.path.join(a.perf, "%s-flood-%d.data" % (client.name, rep)))
        cpu0 = proc_cpu_seconds(pid)
        sched0 = proc_cpu_sched_seconds(pid)
        v0, n0 = proc_ctxt_switches(pid)

        def body(i):
            return last if i == n - 1 else "msg-%05d the quick brown fox jumps over the lazy dog" % i
        t0, done = peer.flood_synced("carol@%s" % DOMAIN, n, body, timeout=a.timeout)
        t_seen, t_done = pane.wait_screen_lag(r"msg-%05d END" % (n - 1), done, a.timeout,
                                              "last message")
        cpu_seen = proc_cpu_seconds(pid)
        settle = wait_idle(pid, a.settle_timeout)
        cpu1 = proc_cpu_seconds(pid)
        sched1 = proc_cpu_sched_seconds(pid)
        v1, n1 = proc_ctxt_switches(pid)
        perf_stop(perf)
        perf = None
        rss = proc_status_kb(pid, "VmHWM")
        disk = client.history_bytes(pane, ctx.home(client, "flood", rep), a.timeout)
        secs = t_seen - t0
        return {
            "flood_s": round(secs, 3),
            "server_done_s": round(t_done - t0, 3),
            "lag_s": round(t_seen - t_done, 3),
            "msgs_per_s": round(n / secs, 1) if secs > 0 else None,
            "cpu_s": round(cpu1 - cpu0, 3),
            "cpu_sched_s": round(sched1 - sched0, 4),
            "cpu_until_seen_s": round(cpu_seen - cpu0, 3),
            "rss_mib": mib(rss),
            "disk_mb": None if disk is None else round(disk / 1e6, 2),
            "ctxt_switches": (v1 - v0) + (n1 - n0),
            "settle_s": None if settle is None else round(settle, 2),
        }
    except BenchError as exc:
        raise BenchError("%s (screen saved to %s)"
                         % (str(exc).splitlines()[0],
                            _save_failure(ctx, client, "flood", rep, pane, exc)))
    finally:
        perf_stop(perf)
        if pane is not None:
            pane.close()


def run_idle(ctx, client, rep, peer):
    """(c) wake-ups of a connected, idle client."""
    a = ctx.args
    pane = None
    try:
        pane, pid = _start_chat_client(ctx, client, "idle", rep, peer, False)
        if not peer.wait_available("carol@%s" % DOMAIN, a.timeout):
            raise BenchError("the peer never saw the client come online")
        if wait_idle(pid, a.settle_timeout) is None:
            log("  %s did not go idle after log-in; measuring anyway" % client.name)
        # Nothing polls the pane during the window: the client is left alone.
        v0, n0 = proc_ctxt_switches(pid)
        cpu0 = proc_cpu_seconds(pid)
        t0 = time.monotonic()
        deadline = t0 + a.idle_seconds
        while True:  # the window itself is the measurement; check liveness
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(left, 1.0))
            if not pid_alive(pid):
                raise BenchError("client exited during the idle window")
        elapsed = time.monotonic() - t0
        v1, n1 = proc_ctxt_switches(pid)
        cpu1 = proc_cpu_seconds(pid)
        return {
            "wakeups_per_s": round(((v1 - v0) + (n1 - n0)) / elapsed, 2),
            "voluntary_per_s": round((v1 - v0) / elapsed, 2),
            "nonvoluntary_per_s": round((n1 - n0) / elapsed, 2),
            "cpu_ms_per_min": round((cpu1 - cpu0) * 1000.0 * 60.0 / elapsed, 1),
            "window_s": round(elapsed, 2),
        }
    except BenchError as exc:
        raise BenchError("%s (screen saved to %s)"
                         % (str(exc).splitlines()[0],
                            _save_failure(ctx, client, "idle", rep, pane, exc)))
    finally:
        if pane is not None:
            pane.close()


FETCHED_RX = r"Fetched (\d+) messages? from the server archive\.|(History from the server archive was not fetched)"


def _wait_fetched(pane, timeout, what):
    """Wait for natter's catch-up report in its console; return (time, count)."""
    t = pane.wait_screen(FETCHED_RX, timeout, what)
    m = pane.last_match
    if m.group(2):
        raise BenchError("%s: natter says the archive was not fetched" % what)
    return t, int(m.group(1))


def run_mam(ctx, client, rep, mam):
    """(d) catch up on messages archived while the client was offline."""
    a = ctx.args
    n = a.mam_messages
    user = mam.take_account()
    jid = "%s@%s" % (user, DOMAIN)
    home = ctx.home(client, "mam", rep)
    argv, env = client.setup(home, ctx.account(user), None)
    peer = mam.peer
    pane = None
    try:
        # One archived message first: with no sync point natter asks for the
        # newest page and keeps the id of its newest result, which an empty
        # archive does not give.
        peer.send(jid, "mam-warmup")
        peer.sync(a.timeout)
        # First log-in: natter stores its sync point and quits.
        pane = Pane(a.cols, a.rows, a.poll)
        pid = pane.start(argv, env, home)
        _t, got = _wait_fetched(pane, a.timeout, "first log-in's catch-up")
        if got != 1:
            raise BenchError("first log-in fetched %d messages, expected 1" % got)
        wait_idle(pid, a.settle_timeout)
        client.quit(pane, a.timeout)
        pane.close()
        pane = None
        # N messages while the client is offline; Prosody archives them.
        last = "mam-%05d END" % (n - 1)

        def body(i):
            return last if i == n - 1 else "mam-%05d the quick brown fox jumps over the lazy dog" % i
        t_send = time.monotonic()
        peer.flood(jid, n, body, timeout=a.timeout)
        peer.sync(a.timeout)
        send_s = time.monotonic() - t_send
        archived = mam.archive_count(user)
        if archived != n + 1:
            raise BenchError("the archive holds %d messages, expected %d" % (archived, n + 1))
        # Second log-in: catch up.
        server_pid = mam.server.obj.proc.pid
        srv_cpu0 = proc_cpu_seconds(server_pid)
        pane = Pane(a.cols, a.rows, a.poll)
        t0 = time.monotonic()
        pid = pane.start(argv, env, home)
        t_done, got = _wait_fetched(pane, a.timeout, "catch-up of %d messages" % n)
        cpu_done = proc_cpu_seconds(pid)
        srv_cpu = proc_cpu_seconds(server_pid) - srv_cpu0
        rss_done = proc_status_kb(pid, "VmHWM")
        if got != n:
            raise BenchError("fetched %d messages, expected %d" % (got, n))
        settle = wait_idle(pid, a.settle_timeout)
        return {
            "mam_s": round(t_done - t0, 3),
            "msgs_per_s": round(n / (t_done - t0), 1) if t_done > t0 else None,
            "cpu_s": round(proc_cpu_seconds(pid), 3),
            "cpu_sched_s": round(proc_cpu_sched_seconds(pid), 4),
            "cpu_at_done_s": round(cpu_done, 3),
            "rss_mib": mib(proc_status_kb(pid, "VmHWM")),
            "rss_at_done_mib": mib(rss_done),
            "server_cpu_s": round(srv_cpu, 3),
            "settle_s": None if settle is None else round(settle, 2),
            "send_and_archive_s": round(send_s, 2),
            "archived": archived,
        }
    except BenchError as exc:
        raise BenchError("%s (screen saved to %s)"
                         % (str(exc).splitlines()[0],
                            _save_failure(ctx, client, "mam", rep, pane, exc)))
    finally:
        if pane is not None:
            pane.close()


# Printed columns per scenario: (key, heading, format).  "lower is better"
# holds for every printed figure, so natter/other < 1 favours natter.
SCENARIOS = {
    "roster": {
        "title": "(a) log in with a {contacts}-contact roster",
        "columns": [("roster_s", "roster shown (s)", "%.3f"),
                    ("cpu_s", "CPU (s)", "%.3f"),
                    ("rss_mib", "peak RSS (MiB)", "%.1f")],
    },
    "flood": {
        "title": "(b) receive {messages} one-to-one messages",
        "columns": [("flood_s", "last msg on screen (s)", "%.3f"),
                    ("lag_s", "lag behind server (s)", "%.3f"),
                    ("cpu_s", "CPU (s)", "%.3f"),
                    ("rss_mib", "peak RSS (MiB)", "%.1f"),
                    ("disk_mb", "history on disk (MB)", "%.2f")],
    },
    "idle": {
        "title": "(c) connected and idle for {idle_seconds:g} s",
        "columns": [("wakeups_per_s", "ctx switches/s", "%.2f"),
                    ("cpu_ms_per_min", "CPU ms/min", "%.1f")],
    },
    "mam": {
        "title": "(d) MAM catch-up of {mam_messages} archived messages"
                 " (server pages of up to {mam_page_limit})",
        "columns": [("mam_s", "caught up (s)", "%.3f"),
                    ("cpu_s", "CPU (s)", "%.3f"),
                    ("rss_mib", "peak RSS (MiB)", "%.1f"),
                    ("server_cpu_s", "Prosody CPU (s)", "%.3f")],
    },
    "muc-join": {
        "title": "(e) join a room of {muc_occupants} occupants",
        "columns": [("join_s", "occupant list complete (s)", "%.3f"),
                    ("cpu_ms", "CPU (ms)", "%.1f"),
                    ("rss_mib", "peak RSS (MiB)", "%.1f"),
                    ("server_cpu_ms", "Prosody CPU (ms)", "%.1f")],
    },
    "muc-flood": {
        "title": "(f) receive {muc_messages} groupchat messages in a room of"
                 " {muc_flood_occupants}, typing meanwhile",
        "columns": [("flood_s", "last msg on screen (s)", "%.3f"),
                    ("lag_s", "lag behind server (s)", "%.3f"),
                    ("cpu_s", "CPU (s)", "%.3f"),
                    ("rss_mib", "peak RSS (MiB)", "%.1f"),
                    ("disk_mb", "history on disk (MB)", "%.2f"),
                    ("type_median_ms", "key echo median (ms)", "%.0f"),
                    ("type_max_ms", "key echo max (ms)", "%.0f"),
                    ("type_idle_median_ms", "idle echo (ms)", "%.0f"),
                    ("server_cpu_s", "Prosody CPU (s)", "%.3f")],
    },
    "muc-scale": {
        "title": "(g) join rooms of {muc_scale} occupants (scaling)",
        "columns": [],  # one pair per size, filled in by main()
    },
}
# --scenarios muc: all three group-chat scenarios.
SCENARIO_ALIASES = {"muc": ["muc-join", "muc-flood", "muc-scale"]}


def medians(runs):
    ok = [r for r in runs if "error" not in r]
    out = {}
    if not ok:
        return out
    for key in ok[0]:
        vals = [r[key] for r in ok if isinstance(r.get(key), (int, float))]
        if vals:
            out[key] = round(statistics.median(vals), 4)
    out["runs_ok"] = len(ok)
    return out


def ratios(results, scenario, clients):
    """natter/other for each printed column."""
    out = {}
    med = results[scenario]
    if "natter" not in med or not med["natter"]["median"]:
        return out
    nat = med["natter"]["median"]
    for other in clients:
        if other == "natter" or not med.get(other, {}).get("median"):
            continue
        oth = med[other]["median"]
        r = {}
        for key, _h, _f in SCENARIOS[scenario]["columns"]:
            if key in nat and key in oth and oth[key]:
                r[key] = round(nat[key] / oth[key], 3)
            else:
                r[key] = None
        out["natter/%s" % other] = r
    return out


def format_table(scenario, results, clients, args):
    spec = SCENARIOS[scenario]
    cols = spec["columns"]
    title = spec["title"].format(contacts=args.contacts, messages=args.messages,
                                 idle_seconds=args.idle_seconds,
                                 muc_occupants=args.muc_occupants,
                                 muc_messages=args.muc_messages,
                                 muc_flood_occupants=args.muc_flood_occupants,
                                 muc_scale=", ".join(str(x) for x in args.muc_scale),
                                 mam_messages=args.mam_messages,
                                 mam_page_limit=args.mam_page_limit)
    lines = ["", "%s, median of %d" % (title, args.repeat)]
    head = ["client"] + [h for _k, h, _f in cols] + ["runs ok"]
    rows = []
    notes = []
    for name in clients:
        med = results[scenario][name]["median"]
        row = [name]
        for key, _h, fmt in cols:
            row.append(fmt % med[key] if key in med else "n/a")
        if results[scenario][name].get("na"):
            row.append("-")
            notes.append("%s: n/a: %s." % (name, results[scenario][name]["na"]))
        else:
            row.append("%d/%d" % (med.get("runs_ok", 0), len(results[scenario][name]["runs"])))
        rows.append(row)
    rat = ratios(results, scenario, clients)
    for label, r in rat.items():
        rows.append([label] + ["%.2fx" % r[k] if r.get(k) is not None else "n/a"
                               for k, _h, _f in cols] + [""])
    widths = [max(len(str(x[i])) for x in [head] + rows) for i in range(len(head))]
    fmt_row = lambda row: "  ".join(  # noqa: E731
        (str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i]))
        for i, c in enumerate(row))
    lines.append(fmt_row(head))
    lines.append("  ".join("-" * w for w in widths))
    for i, row in enumerate(rows):
        if i == len(clients) and rat:
            lines.append("  ".join("-" * w for w in widths))
        lines.append(fmt_row(row))
    lines.extend(notes)
    return "\n".join(lines), rat


# ---------------------------------------------------------------------------
# setup


def build_rosters(n_contacts):
    """alice: n_contacts contacts (one marker, the rest numbered, in groups);
    carol and bob: each other only."""
    alice = [("aaron@%s" % DOMAIN, MARKER_NAME, ["Alpha"], "both")]
    rosters = {}
    for i in range(max(0, n_contacts - 1)):
        user = "c%04d" % i
        alice.append(("%s@%s" % (user, DOMAIN), "Contact %04d" % i,
                      ["Group %02d" % (i % 20)], "both"))
    # Each contact has alice in its own roster, so Prosody answers alice's
    # presence probes with "unavailable", as for a real offline contact.
    for jid, _name, _groups, _sub in alice:
        rosters[jid.split("@")[0]] = [("alice@%s" % DOMAIN, "Alice", [], "both")]
    rosters["alice"] = alice
    rosters["carol"] = [("bob@%s" % DOMAIN, PEER_NAME, ["Friends"], "both")]
    rosters["bob"] = [("carol@%s" % DOMAIN, "Carol", ["Friends"], "both")]
    return rosters


def make_capath(workdir, ca_file):
    """A hashed CA directory (Profanity takes a directory, not a file)."""
    d = os.path.join(workdir, "capath")
    os.makedirs(d, exist_ok=True)
    shutil.copy(ca_file, os.path.join(d, "bench-ca.pem"))
    subprocess.run(["openssl", "rehash", d], check=True, timeout=30,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return d


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Benchmark natter against Profanity and mcabber on a local Prosody.")
    p.add_argument("--natter", help="path of the natter binary (default: ./natter in the tree)")
    p.add_argument("--natter-base", help="a second natter binary (e.g. the previous version) "
                   "measured side by side as client 'natter-base'")
    p.add_argument("--profanity", default="/usr/bin/profanity")
    p.add_argument("--mcabber", default="/usr/bin/mcabber")
    p.add_argument("--clients", default="natter,profanity,mcabber",
                   help="comma-separated clients to measure (default: %(default)s)")
    p.add_argument("--scenarios", default="roster,flood,idle,mam",
                   help="comma-separated scenarios (default: %(default)s)")
    p.add_argument("--repeat", type=int, default=3, help="runs per client and scenario")
    p.add_argument("--messages", type=int, default=5000, help="messages in the flood")
    p.add_argument("--contacts", type=int, default=2000, help="roster size for scenario (a)")
    p.add_argument("--idle-seconds", type=float, default=30.0,
                   help="length of the idle window (default: %(default)s)")
    p.add_argument("--mam-messages", type=int, default=10000,
                   help="messages archived while the client is offline (default: %(default)s)")
    p.add_argument("--mam-page-limit", type=int, default=NATTER_MAM_PAGE,
                   help="Prosody's max_archive_query_results, the most results per "
                        "archive query (Prosody's default: 50; default here: %(default)s, "
                        "natter's page size)")
    p.add_argument("--muc-occupants", type=int, default=1000,
                   help="occupants already in the room for muc-join (default: %(default)s)")
    p.add_argument("--muc-flood-occupants", type=int, default=200,
                   help="occupants of the muc-flood room, the sender included "
                        "(default: %(default)s)")
    p.add_argument("--muc-messages", type=int, default=10000,
                   help="groupchat messages in muc-flood (default: %(default)s)")
    p.add_argument("--muc-scale", default="250,500,1000",
                   help="room sizes for muc-scale (default: %(default)s)")
    p.add_argument("--muc-probes", type=int, default=10,
                   help="most keys typed during muc-flood (default: %(default)s)")
    p.add_argument("--muc-idle-probes", type=int, default=3,
                   help="keys typed into the idle client before muc-flood, for a "
                        "baseline echo time (default: %(default)s)")
    p.add_argument("--muc-probe-interval", type=float, default=0.5,
                   help="seconds between typed keys in muc-flood (default: %(default)s)")
    p.add_argument("--muc-probe-start", type=float, default=0.25,
                   help="first key this long after the flood starts (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=300.0,
                   help="limit for any single wait (log-in, roster, flood), seconds")
    p.add_argument("--settle-timeout", type=float, default=60.0,
                   help="limit for waiting until a client is idle again, seconds")
    p.add_argument("--poll", type=float, default=0.02,
                   help="screen polling interval, seconds (default: %(default)s)")
    p.add_argument("--cols", type=int, default=120)
    p.add_argument("--rows", type=int, default=40)
    p.add_argument("--perf", metavar="DIR",
                   help="record natter (and natter-base) with perf during flood and "
                        "muc-flood, into DIR/CLIENT-SCENARIO-RUN.data (perf slows it)")
    p.add_argument("--json", help="write all results to this file")
    p.add_argument("--workdir", help="keep everything here (default: a temp dir, removed)")
    p.add_argument("--keep", action="store_true", help="do not remove the temp dir")
    args = p.parse_args(argv)
    try:
        args.muc_scale = [int(x) for x in args.muc_scale.split(",") if x.strip()]
    except ValueError:
        p.error("--muc-scale takes comma-separated room sizes")
    if (args.muc_occupants < 1 or args.muc_flood_occupants < 2 or args.muc_messages < 1
            or not args.muc_scale or min(args.muc_scale) < 1 or args.muc_probes < 0
            or args.muc_idle_probes < 0 or args.muc_probes + args.muc_idle_probes > 26):
        p.error("--muc-occupants, --muc-messages and --muc-scale must be positive, "
                "--muc-flood-occupants at least 2, --muc-probes + --muc-idle-probes "
                "at most 26")
    if (args.repeat < 1 or args.messages < 1 or args.contacts < 1 or args.idle_seconds <= 0
            or args.mam_messages < 1 or args.mam_page_limit < 1):
        p.error("--repeat, --messages, --contacts, --idle-seconds, --mam-messages and "
                "--mam-page-limit must be positive")
    if args.perf:
        args.perf = os.path.abspath(args.perf)
        os.makedirs(args.perf, exist_ok=True)
    return args


def main(argv=None):
    args = parse_args(argv)
    names = [c.strip() for c in args.clients.split(",") if c.strip()]
    scenarios = []
    for s in (s.strip() for s in args.scenarios.split(",")):
        for s2 in SCENARIO_ALIASES.get(s, [s] if s else []):
            if s2 not in SCENARIOS:
                sys.exit("unknown scenario %r (known: %s)"
                         % (s2, ", ".join(list(SCENARIOS) + list(SCENARIO_ALIASES))))
            if s2 not in scenarios:
                scenarios.append(s2)
    SCENARIOS["muc-scale"]["columns"] = [
        col for size in args.muc_scale
        for col in (("join_%d_s" % size, "%d: list (s)" % size, "%.3f"),
                    ("cpu_ms_%d" % size, "%d: CPU (ms)" % size, "%.1f"),
                    ("cpu_us_per_occupant_%d" % size, "%d: CPU us/occ." % size, "%.1f"))]
    binaries = {"natter": args.natter or os.path.join(TOP, "natter"),
                "natter-base": args.natter_base or "",
                "profanity": args.profanity, "mcabber": args.mcabber}
    if args.natter_base and "natter-base" not in names:
        names.insert(1, "natter-base")
    clients = []
    for name in names:
        if name not in CLIENTS:
            sys.exit("unknown client %r (known: %s)" % (name, ", ".join(CLIENTS)))
        c = CLIENTS[name](os.path.abspath(binaries[name]) if binaries[name] else None)
        if not c.available():
            log("skipping %s: %s is not an executable" % (name, c.binary))
            continue
        clients.append(c)
    if not clients:
        sys.exit("no client to measure")
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed")

    made_workdir = args.workdir is None
    workdir = os.path.abspath(args.workdir or tempfile.mkdtemp(prefix="natter-bench-"))
    os.makedirs(workdir, exist_ok=True)
    pwfile = os.path.join(workdir, "password")
    with open(pwfile, "w") as f:
        f.write(PASSWORD + "\n")
    os.chmod(pwfile, 0o600)

    users = {"alice": PASSWORD, "bob": PASSWORD, "carol": PASSWORD}
    rosters = build_rosters(args.contacts)
    log("workdir %s" % workdir)
    server = None
    peer = None
    mam = None
    results = {s: {c.name: {"runs": []} for c in clients} for s in scenarios}
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(), "kernel": platform.release(),
        "cpus": os.cpu_count(), "loadavg_start": os.getloadavg(),
        "args": vars(args),
        "clients": {c.name: {"binary": c.binary, "version": c.version()} for c in clients},
    }
    muc_setup = None
    try:
        ctx = None
        if any(not s.startswith("muc") for s in scenarios):
            t = time.monotonic()
            server, harness = start_server(workdir, users, rosters)
            meta["server"] = {"launcher": server.kind, "port": server.port,
                              "prosody": _prosody_version()}
            log("prosody (%s) on 127.0.0.1:%d, up in %.1f s"
                % (server.kind, server.port, time.monotonic() - t))
            ctx = Context(args, workdir, server, pwfile, make_capath(workdir, server.ca_file))
        else:
            harness = _import_harness()
            meta["server"] = {"launcher": "harness", "prosody": _prosody_version()}
        if any(s.startswith("muc") for s in scenarios):
            n_bots = args.muc_flood_occupants
            if "muc-join" in scenarios:
                n_bots = max(n_bots, args.muc_occupants)
            if "muc-scale" in scenarios:
                n_bots = max(n_bots, max(args.muc_scale))
            muc_setup = muc.MucSetup(harness, workdir, PASSWORD, n_bots)
            meta["muc_server"] = {"port": muc_setup.port, "bots": n_bots,
                                  "config": muc_setup.extra_config}
            muc_ctx = Context(args, workdir, muc_setup, pwfile,
                              make_capath(os.path.join(workdir, "muc-server"),
                                          muc_setup.ca_file))
        if "flood" in scenarios or "idle" in scenarios:
            peer = FloodPeer(harness, server, "bob", PASSWORD)
        for scenario in scenarios:
            sctx = muc_ctx if scenario.startswith("muc") else ctx
            measured = clients
            if scenario == "mam":
                measured = []
                for c in clients:
                    if c.name in MAM_NA:
                        results[scenario][c.name]["na"] = MAM_NA[c.name]
                        log("mam: %s n/a: %s" % (c.name, MAM_NA[c.name]))
                    else:
                        measured.append(c)
                if measured:
                    t = time.monotonic()
                    mam = MamSetup(args, workdir, args.repeat * len(measured))
                    meta["mam_server"] = {"port": mam.server.port,
                                          "modules": list(MAM_MODULES),
                                          "config": mam.extra_config}
                    log("prosody with mod_mam on 127.0.0.1:%d, up in %.1f s"
                        % (mam.server.port, time.monotonic() - t))
                    sctx = Context(args, workdir, mam.server, pwfile,
                                   make_capath(os.path.join(workdir, "mam-server"),
                                               mam.server.ca_file))
            # Interleave clients within each repeat so that slow drifts in
            # machine load spread over all of them.
            for rep in range(args.repeat):
                order = measured
                if scenario.startswith("muc"):
                    # Rotate the order per repeat, so no client is always
                    # the first one after a room is filled.
                    k = rep % len(measured)
                    order = measured[k:] + measured[:k]
                for c in order:
                    log("%s: %s, run %d/%d" % (scenario, c.name, rep + 1, args.repeat))
                    try:
                        if scenario == "roster":
                            r = run_roster(sctx, c, rep)
                        elif scenario == "flood":
                            r = run_flood(sctx, c, rep, peer)
                        elif scenario == "idle":
                            r = run_idle(sctx, c, rep, peer)
                        elif scenario == "muc-join":
                            r = muc.run_muc_join(sctx, c, rep, muc_setup, args.muc_occupants)
                        elif scenario == "muc-flood":
                            r = muc.run_muc_flood(sctx, c, rep, muc_setup)
                        elif scenario == "muc-scale":
                            r = muc.run_muc_scale(sctx, c, rep, muc_setup, args.muc_scale)
                        else:
                            r = run_mam(sctx, c, rep, mam)
                        log("  %s" % json.dumps(r))
                    except BenchError as exc:
                        r = {"error": str(exc)}
                        log("  FAILED: %s" % exc)
                    results[scenario][c.name]["runs"].append(r)
            if mam is not None:
                mam.close()
                mam = None
            for c in clients:
                results[scenario][c.name]["median"] = medians(results[scenario][c.name]["runs"])
    except KeyboardInterrupt:
        log("interrupted")
    except Exception:
        traceback.print_exc()
    finally:
        if muc_setup is not None:
            muc_setup.close()
        if mam is not None:
            mam.close()
        if peer is not None:
            peer.close()
        if server is not None:
            server.stop()
    meta["loadavg_end"] = os.getloadavg()

    names = [c.name for c in clients]
    out = {"meta": meta, "scenarios": {}}
    print("natter benchmark: %s; %d CPUs; load %.2f at start; prosody %s via %s"
          % (meta["date"], meta["cpus"], meta["loadavg_start"][0],
             meta.get("server", {}).get("prosody", "?"),
             meta.get("server", {}).get("launcher", "?")))
    for c in clients:
        print("  %-10s %s (%s)" % (c.name, meta["clients"][c.name]["version"], c.binary))
    for scenario in scenarios:
        for name in names:
            results[scenario][name].setdefault("median", medians(results[scenario][name]["runs"]))
        table, rat = format_table(scenario, results, names, args)
        print(table)
        out["scenarios"][scenario] = {"clients": results[scenario], "ratios": rat}
    print()
    print("Lower is better everywhere; natter/X below 1.00x means natter needs less.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
        print("JSON written to %s" % args.json)
    if made_workdir and not args.keep:
        if any("error" in r for s in results.values() for c in s.values() for r in c["runs"]):
            print("failures kept in %s/failures" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _prosody_version():
    try:
        with open("/usr/lib/prosody/prosody.version") as f:
            return f.read().strip()
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
