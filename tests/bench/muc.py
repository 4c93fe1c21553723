"""Group-chat (XEP-0045) scenarios of the benchmark (issue 4).

  muc-join   the client joins a room that already has N occupants (default
             1,000): seconds from typing the join command until the client
             shows the complete occupant count, and its CPU seconds.
  muc-flood  in a room of 200 occupants (the client joined first), one
             occupant sends 10,000 groupchat messages as fast as it can:
             seconds until the last one is on the client's screen, CPU
             seconds, peak RSS, and how fast the client echoes keystrokes
             typed into its input line while the flood runs.
  muc-scale  muc-join at several room sizes (default 250, 500, 1000), to
             see how the join cost grows with the number of occupants.

The scenarios have a Prosody of their own with a MUC component and a
benchmark module (prosody/mod_bench_muc.lua); the occupants are cheap raw
sessions (muc_swarm.py).  See README.md.
"""

import os
import re
import statistics
import time

from bench_clients import (BenchError, Pane, Account, proc_cpu_seconds,
                           proc_cpu_sched_seconds, proc_status_kb, pid_alive,
                           log, wait_idle, mib, perf_start, perf_stop, save_failure)
from muc_swarm import Swarm

HERE = os.path.dirname(os.path.abspath(__file__))
DOMAIN = "localhost"
MUC_DOMAIN = "conference." + DOMAIN
BOT_PASSWORD = "bench-bot-pw"
CLIENT_USER = "carol"
CLIENT_NICK = "bench"
# Not a bot name (mod_bench_muc): joins the normal way, once per room
# after it is filled, so the first measured join is not also the first one
# after the fill (Prosody then still has the fill's garbage to collect).
WARMUP_USER = "warmup"

MODULES = ("roster", "saslauth", "tls", "disco", "ping")
DISABLED = ("offline", "s2s", "s2s_auth_certs", "admin_socket", "admin_shell",
            "http", "bosh", "websocket", "limits", "mam", "carbons", "smacks")


def bot_user(i):
    return "u%04d" % i


def bot_nick(i):
    return "user%04d" % i


def join_room_jid(size):
    return "occ%d@%s" % (size, MUC_DOMAIN)


def _add_plugin_path(config_file, path, lua_string):
    """Add path to the global plugin_paths of a written Prosody config.

    The harness may set plugin_paths itself; a second global plugin_paths
    line would be a "Duplicate option", whose warning crashes Prosody 0.12's
    config reader when the config path is longer than 60 characters (see
    README), so the harness's line is extended instead."""
    with open(config_file) as f:
        lines = f.read().split("\n")
    rx = re.compile(r"^plugin_paths\s*=\s*\{(.*)\}\s*$")
    for i, line in enumerate(lines):
        if line.startswith("VirtualHost") or line.startswith("Component"):
            lines.insert(i, "plugin_paths = { %s }" % lua_string(path))
            break
        m = rx.match(line)
        if m:
            items = m.group(1).strip().rstrip(";,").strip()
            lines[i] = "plugin_paths = { %s%s }" % (items + "; " if items else "",
                                                   lua_string(path))
            break
    else:
        raise BenchError("cannot place plugin_paths in %s" % config_file)
    with open(config_file, "w") as f:
        f.write("\n".join(lines))


class MucSetup:
    """The group-chat scenarios' Prosody, its occupant sessions and rooms.

    Prosody: the benchmark's modules (no offline, mam, carbons, limits,
    smacks), plus on the host c2s without TLS and SASL PLAIN for the bots
    (the clients under test still use STARTTLS: each forces it), and the
    component conference.localhost (mod_muc, rooms unlocked at creation, the
    benchmark module).  Rooms for the join scenarios are filled once and
    shared by every client and repeat; each flood run gets a fresh room."""

    def __init__(self, harness, workdir, password, n_bots):
        self.n_bots = n_bots
        users = {bot_user(i): BOT_PASSWORD for i in range(n_bots)}
        users[CLIENT_USER] = password
        users[WARMUP_USER] = BOT_PASSWORD
        dis = "".join('"%s"; ' % m for m in DISABLED)
        q = harness.prosody.lua_string
        self.extra_config = (
            'VirtualHost "%s"\n' % DOMAIN
            + "\tmodules_disabled = { %s}\n" % dis
            + "\tc2s_require_encryption = false\n"
            + "\tallow_unencrypted_plain_auth = true\n"
            + 'Component "%s" "muc"\n' % MUC_DOMAIN
            + '\tmodules_enabled = { "bench_muc" }\n'
            + "\tmuc_room_locking = false\n"
            + "\tmuc_room_cache_size = 10000\n"
            + "\tmuc_room_default_history_length = 20\n"
            + "\tmax_history_messages = 20\n")
        d = os.path.join(workdir, "muc-server")
        os.makedirs(d, exist_ok=True)
        t = time.monotonic()
        self.prosody = harness.Prosody(d, users=users, modules=MODULES, log_level="warn",
                                       extra_config=self.extra_config)
        _add_plugin_path(self.prosody.config_file, os.path.join(HERE, "prosody"), q)
        self.prosody.start(timeout=60)
        self.port = self.prosody.c2s_port
        self.ca_file = self.prosody.ca_file
        log("muc: prosody with %d accounts on 127.0.0.1:%d, up in %.1f s"
            % (len(users), self.port, time.monotonic() - t))
        self.swarm = Swarm("127.0.0.1", self.port, DOMAIN)
        secs = self.swarm.login([bot_user(i) for i in range(n_bots)] + [WARMUP_USER],
                                BOT_PASSWORD)
        log("muc: %d occupant sessions logged in in %.1f s" % (n_bots, secs))
        self.rooms = {}
        self.flood_rooms = 0

    def join_room(self, size):
        """The room with `size` occupants (bots u0000.. as user0000..),
        filled on first use; u0000 created it and owns it."""
        room = join_room_jid(size)
        if size not in self.rooms:
            if size > self.n_bots:
                raise BenchError("room of %d needs %d bots" % (size, size))
            secs = self.swarm.join(room, [(bot_user(i), bot_nick(i)) for i in range(size)])
            self.swarm.set_subject(room, bot_user(0), "Bench room with %d occupants" % size)
            self.swarm.join(room, [(WARMUP_USER, WARMUP_USER)])
            self.swarm.leave(room, WARMUP_USER, WARMUP_USER)
            self.rooms[size] = room
            log("muc: room %s filled with %d occupants in %.1f s" % (room, size, secs))
        return room

    def new_flood_room(self, occupants):
        """A fresh room with `occupants` occupants, the last one the sender
        (nick "flooder").  Returns (room, sender user)."""
        self.flood_rooms += 1
        room = "flood%d@%s" % (self.flood_rooms, MUC_DOMAIN)
        members = [(bot_user(i), bot_nick(i)) for i in range(occupants - 1)]
        sender = bot_user(occupants - 1)
        members.append((sender, "flooder"))
        self.swarm.join(room, members)
        self.swarm.set_subject(room, bot_user(0), "Flood room %d" % self.flood_rooms)
        return room, sender

    def leave_watch(self, room):
        """Before the client under test goes: a future that resolves when
        the room announces its nick's next presence (its leave) to u0000."""
        return self.swarm.watch(bot_user(0), "%s/%s'" % (room, CLIENT_NICK))

    def account(self, pwfile, capath):
        return Account(CLIENT_USER, DOMAIN, pwfile, self.port, self.ca_file, capath)

    def close(self):
        try:
            self.swarm.close()
        finally:
            self.prosody.stop()


# ---------------------------------------------------------------------------
# measurement


def _start_client(ctx, client, scenario, rep, muc):
    a = ctx.args
    home = ctx.home(client, scenario, rep)
    argv, env = client.setup(home, muc.account(ctx.pwfile, ctx.capath), None)
    pane = Pane(a.cols, a.rows, a.poll)
    pid = pane.start(argv, env, env["HOME"])
    pane.wait_screen(client.online_rx, a.timeout, "%s logged in" % client.name)
    return pane, pid


def _join(ctx, client, pane, pid, room, count):
    """Type the join command and wait until the client shows the join
    complete.  Returns a dict: seconds, the client's CPU before (ticks and
    schedstat) and at that moment, and Prosody's CPU over the interval."""
    a = ctx.args
    server_pid = ctx.server.prosody.proc.pid
    srv0 = proc_cpu_sched_seconds(server_pid)
    j = {"cpu0": proc_cpu_seconds(pid), "sched0": proc_cpu_sched_seconds(pid)}
    t0 = time.monotonic()
    pane.send_line(client.muc_join_cmd(room, CLIENT_NICK))
    t_done = pane.wait_screen(client.muc_joined_rx(room, CLIENT_NICK, count), a.timeout,
                              "%s: join of %s complete" % (client.name, room))
    j["cpu_done"] = proc_cpu_seconds(pid)
    j["server_cpu"] = proc_cpu_sched_seconds(server_pid) - srv0
    j["secs"] = t_done - t0
    return j


def run_muc_join(ctx, client, rep, muc, size, scenario="muc-join"):
    """Join a room of `size` occupants; until the client shows the join
    complete (its occupant list then holds size + 1, us included)."""
    a = ctx.args
    pane = None
    room = muc.join_room(size)
    try:
        pane, pid = _start_client(ctx, client, "%s%d" % (scenario, size), rep, muc)
        if wait_idle(pid, a.settle_timeout) is None:
            log("  %s did not go idle after log-in; measuring anyway" % client.name)
        j = _join(ctx, client, pane, pid, room, size + 1)
        secs, cpu0, sched0 = j["secs"], j["cpu0"], j["sched0"]
        settle = wait_idle(pid, a.settle_timeout)
        cpu1 = proc_cpu_seconds(pid)
        sched1 = proc_cpu_sched_seconds(pid)
        rss = proc_status_kb(pid, "VmHWM")
        verified = client.muc_verify(pane, room, CLIENT_NICK, size + 1, bot_nick(size - 1),
                                     a.timeout)
        return {
            "join_s": round(secs, 3),
            "cpu_s": round(cpu1 - cpu0, 3),
            "cpu_sched_s": round(sched1 - sched0, 4),
            "cpu_ms": round((sched1 - sched0) * 1000.0, 1),
            "cpu_at_joined_s": round(j["cpu_done"] - cpu0, 3),
            "server_cpu_ms": round(j["server_cpu"] * 1000.0, 1),
            "rss_mib": mib(rss),
            "settle_s": None if settle is None else round(settle, 2),
            "occupants": size,
            "us_per_occupant": round(secs * 1e6 / size, 1),
            "verified": verified,
        }
    except BenchError as exc:
        raise BenchError("%s (screen saved to %s)"
                         % (str(exc).splitlines()[0],
                            save_failure(ctx, client, "%s%d" % (scenario, size), rep, pane, exc)))
    finally:
        if pane is not None:
            # The next client joins with the same nick: wait until the room
            # has seen this one go (its join was announced long before).
            left = muc.leave_watch(room)
            pane.close()
            try:
                left.result(30)
            except Exception:
                log("  the room did not announce %s's leave within 30 s" % client.name)


PROBE_KEYS = "qwertyuiopasdfghjklzxcvbnm"


def run_muc_flood(ctx, client, rep, muc):
    """Join a fresh room of --muc-flood-occupants, then one occupant sends
    --muc-messages groupchat messages back to back; meanwhile single
    keystrokes are typed into the client's input line."""
    a = ctx.args
    n = a.muc_messages
    occupants = a.muc_flood_occupants
    pane = None
    room, sender = muc.new_flood_room(occupants)
    tag = "f%d" % muc.flood_rooms
    last = "%s-m%05d END" % (tag, n - 1)
    perf = None
    try:
        pane, pid = _start_client(ctx, client, "muc-flood", rep, muc)
        if wait_idle(pid, a.settle_timeout) is None:
            log("  %s did not go idle after log-in; measuring anyway" % client.name)
        join_s = _join(ctx, client, pane, pid, room, occupants + 1)["secs"]
        client.muc_focus(pane, room, a.timeout)
        if wait_idle(pid, a.settle_timeout) is None:
            log("  %s did not go idle after the join; measuring anyway" % client.name)
        row0 = client.input_row(pane.screen(), a.rows).rstrip()
        # Baseline: a few keys typed into the idle client, each once the
        # previous one is echoed (tmux, polling and the client's redraw).
        typed = ""
        idle_ms = []
        for _ in range(a.muc_idle_probes):
            typed += PROBE_KEYS[len(typed)]
            t_key = time.monotonic()
            pane.send_keys("-l", typed[-1])
            while True:
                row = client.input_row(pane.screen(), a.rows).rstrip()
                now = time.monotonic()
                if row.endswith(typed) and row != row0:
                    idle_ms.append((now - t_key) * 1000.0)
                    break
                if now - t_key > 10:
                    raise BenchError("a key typed into the idle client was not echoed in 10 s")
                time.sleep(0.005)
            time.sleep(0.1)
        if idle_ms:
            wait_idle(pid, a.settle_timeout)
        if a.perf and client.name.startswith("natter"):
            perf = perf_start(pid, os.path.join(a.perf, "%s-muc-flood-%d.data"
                                                % (client.name, rep)))
        cpu0 = proc_cpu_seconds(pid)
        sched0 = proc_cpu_sched_seconds(pid)
        server_pid = muc.prosody.proc.pid
        srv0 = proc_cpu_sched_seconds(server_pid)

        bodies = ["%s-m%05d the quick brown fox jumps over the lazy dog" % (tag, i)
                  for i in range(n)]
        bodies[-1] = last
        rx_last = re.compile(r"\b" + re.escape(last))
        t0 = muc.swarm.flood(sender, room, bodies)
        # The room handles the sender's stanzas in order: when it answers a
        # disco#info query sent behind the burst, it has broadcast all of it.
        done = muc.swarm.sync_later(sender, room)
        t_done = None
        # Poll the screen for the last message; meanwhile type one key at a
        # time (the next only once the previous one is echoed, at least
        # --muc-probe-interval apart) while the flood lasts.
        probe_sent = None
        next_probe = t0 + a.muc_probe_start
        latencies = []
        t_seen = None
        deadline = t0 + a.timeout
        while True:
            if t_done is None and done.done():
                t_done = done.result()
            text = pane.screen()
            now = time.monotonic()
            if t_seen is None and rx_last.search(text):
                t_seen = now
                cpu_seen = proc_cpu_seconds(pid)
                srv_seen = proc_cpu_sched_seconds(server_pid)
            if probe_sent is not None:
                row = client.input_row(text, a.rows).rstrip()
                if row.endswith(typed) and row != row0:
                    latencies.append(now - probe_sent)
                    probe_sent = None
                    next_probe = max(next_probe, now + 0.05)
            if t_seen is not None and probe_sent is None:
                break
            if not pid_alive(pid):
                raise BenchError("client exited during the flood\n" + text)
            if now >= deadline:
                raise BenchError("%s after %.0f s\n%s"
                                 % ("no echo of a typed key" if t_seen else "no last message",
                                    a.timeout, text))
            if (t_seen is None and probe_sent is None and now >= next_probe
                    and len(typed) < min(a.muc_idle_probes + a.muc_probes, len(PROBE_KEYS))):
                typed += PROBE_KEYS[len(typed)]
                probe_sent = time.monotonic()
                pane.send_keys("-l", typed[-1])
                next_probe = probe_sent + a.muc_probe_interval
                time.sleep(0.002)
                continue
            # Every 2 ms for a second after the room's end of the burst, so
            # a short lag behind it is measured to a few ms.
            fine = t_done is not None and now - t_done < 1.0
            time.sleep(0.002 if fine else 0.005 if probe_sent is not None else a.poll)
        if t_done is None:
            try:
                t_done = done.result(a.timeout)
            except Exception as exc:
                raise BenchError("the room did not answer the query behind the burst: %r" % exc)
        settle = wait_idle(pid, a.settle_timeout)
        cpu1 = proc_cpu_seconds(pid)
        sched1 = proc_cpu_sched_seconds(pid)
        perf_stop(perf)
        perf = None
        rss = proc_status_kb(pid, "VmHWM")
        disk = client.history_bytes(pane, ctx.home(client, "muc-flood", rep), a.timeout)
        secs = t_seen - t0
        lat_ms = [x * 1000.0 for x in latencies]
        return {
            "flood_s": round(secs, 3),
            "server_done_s": round(t_done - t0, 3),
            "lag_s": round(t_seen - t_done, 3),
            "msgs_per_s": round(n / secs, 1) if secs > 0 else None,
            "cpu_s": round(cpu1 - cpu0, 3),
            "cpu_sched_s": round(sched1 - sched0, 4),
            "cpu_until_seen_s": round(cpu_seen - cpu0, 3),
            "server_cpu_s": round(srv_seen - srv0, 3),
            "rss_mib": mib(rss),
            "disk_mb": None if disk is None else round(disk / 1e6, 2),
            "type_median_ms": round(statistics.median(lat_ms), 1) if lat_ms else None,
            "type_max_ms": round(max(lat_ms), 1) if lat_ms else None,
            "type_latencies_ms": [round(x, 1) for x in lat_ms],
            "type_idle_median_ms": round(statistics.median(idle_ms), 1) if idle_ms else None,
            "type_idle_latencies_ms": [round(x, 1) for x in idle_ms],
            "join_s": round(join_s, 3),
            "settle_s": None if settle is None else round(settle, 2),
        }
    except BenchError as exc:
        raise BenchError("%s (screen saved to %s)"
                         % (str(exc).splitlines()[0],
                            save_failure(ctx, client, "muc-flood", rep, pane, exc)))
    finally:
        perf_stop(perf)
        if pane is not None:
            pane.close()


def run_muc_scale(ctx, client, rep, muc, sizes):
    """muc-join at each size (a fresh client process per size)."""
    out = {}
    for size in sizes:
        r = run_muc_join(ctx, client, rep, muc, size, scenario="muc-scale")
        log("    %d occupants: %.3f s, CPU %.3f s" % (size, r["join_s"], r["cpu_s"]))
        out["join_%d_s" % size] = r["join_s"]
        out["us_per_occupant_%d" % size] = r["us_per_occupant"]
        out["cpu_%d_s" % size] = r["cpu_s"]
        out["cpu_ms_%d" % size] = round(r["cpu_sched_s"] * 1000.0, 2)
        out["cpu_us_per_occupant_%d" % size] = round(r["cpu_sched_s"] * 1e6 / size, 1)
        out["cpu_at_joined_%d_s" % size] = r["cpu_at_joined_s"]
        out["rss_%d_mib" % size] = r["rss_mib"]
    return out
