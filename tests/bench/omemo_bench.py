#!/usr/bin/python3
"""OMEMO benchmarks (issue 10, performance): natter against Profanity.

Scenarios (see README.md, "OMEMO"):

  omemo-flood     a python OMEMO peer (tests/functional/harness/omemo_peer.py)
                  sends N encrypted one-to-one messages (default 2,000) back
                  to back: the client's CPU and peak RSS, and the lag of the
                  last message on screen behind its delivery.  natter and
                  Profanity, alternating.
  omemo-first     the first message to a contact with 5 OMEMO devices (5
                  python peers on one account): wall time from Enter to the
                  message reaching a device, and the echo of keys typed while
                  natter fetches the bundles.  natter only.
  omemo-login     log-in with 200 OMEMO contacts, each with a published
                  device list and bundle: log-in time, and how many bundles
                  natter fetches before any chat needs one (counted in its
                  --log), then the fetches for the first encrypted message.
                  natter only.

Run with /usr/bin/python3 (Debian's, with slixmpp, python3-omemo, oldmemo).
"""

import argparse
import asyncio
import base64
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "functional"))

from bench_clients import (BenchError, Pane, Account, NatterClient, ProfanityClient,  # noqa: E402
                           proc_cpu_seconds, proc_cpu_sched_seconds, proc_status_kb,
                           log, wait_idle, mib)
from muc_swarm import Swarm  # noqa: E402
import harness  # noqa: E402
from harness.omemo_peer import (OmemoPeer, NS, DEVICELIST_NODE, BUNDLE_NODE,  # noqa: E402
                                FALLBACK_BODY, NS_PUBSUB, NS_HINTS, NS_EME, key_rids)
import oldmemo.etree  # noqa: E402

DOMAIN = "localhost"
PASSWORD = "bench-pw-1"
MODULES = ("roster", "saslauth", "tls", "disco", "ping", "pep")
DISABLED = ("offline", "s2s", "s2s_auth_certs", "admin_socket", "admin_shell", "http",
            "bosh", "websocket", "limits", "mam", "carbons", "smacks")


def med(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 4) if values else None


def load():
    return tuple(round(x, 2) for x in os.getloadavg())


class Bench:
    def __init__(self, args):
        self.args = args
        self.workdir = args.workdir or tempfile.mkdtemp(prefix="natter-omemo-bench-")
        os.makedirs(self.workdir, exist_ok=True)
        self.pwfile = os.path.join(self.workdir, "password")
        with open(self.pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(self.pwfile, 0o600)
        self.runs = max(1, args.repeat)
        n_login = args.contacts
        users = {"bob": PASSWORD, "dave": PASSWORD}
        rosters = {"bob": [], "dave": []}
        for k in range(2 * self.runs):          # flood accounts, natter's and Profanity's
            users["carol%d" % k] = PASSWORD
            rosters["carol%d" % k] = [("bob@%s" % DOMAIN, "Bob", ["Friends"], "both")]
            rosters["bob"].append(("carol%d@%s" % (k, DOMAIN), "Carol %d" % k, [], "both"))
        for k in range(self.runs):              # omemo-first accounts
            users["erin%d" % k] = PASSWORD
            rosters["erin%d" % k] = [("dave@%s" % DOMAIN, "Dave", ["Friends"], "both")]
            rosters["dave"].append(("erin%d@%s" % (k, DOMAIN), "Erin %d" % k, [], "both"))
        self.contacts = ["o%03d" % i for i in range(n_login)]
        for c in self.contacts:
            users[c] = PASSWORD
            rosters[c] = []
        for k in range(self.runs):              # omemo-login accounts
            a = "alice%d" % k
            users[a] = PASSWORD
            rosters[a] = [("%s@%s" % (c, DOMAIN), "Contact %s" % c, ["G%d" % (i % 10)], "both")
                          for i, c in enumerate(self.contacts)]
            for c in self.contacts:
                rosters[c].append(("%s@%s" % (a, DOMAIN), "Alice %d" % k, [], "both"))
        dis = "".join('"%s"; ' % m for m in DISABLED)
        # Host-level options (see README.md, set-up): the swarm sessions that
        # publish the 200 contacts' keys log in without TLS; every client under
        # test forces STARTTLS with the test CA.
        extra = ('VirtualHost "%s"\n\tmodules_disabled = { %s}\n'
                 "\tc2s_require_encryption = false\n\tallow_unencrypted_plain_auth = true\n"
                 % (DOMAIN, dis))
        d = os.path.join(self.workdir, "server")
        os.makedirs(d, exist_ok=True)
        self.prosody = harness.Prosody(d, users=users, modules=MODULES, log_level="warn",
                                       extra_config=extra)
        for user, items in rosters.items():
            self.prosody.set_roster(user, items)
        self.prosody.start(timeout=60)
        capath = os.path.join(self.workdir, "capath")
        os.makedirs(capath, exist_ok=True)
        shutil.copy(self.prosody.ca_file, os.path.join(capath, "bench-ca.pem"))
        import subprocess
        subprocess.run(["openssl", "rehash", capath], check=True, timeout=30,
                       capture_output=True)
        self.capath = capath
        self.peers = []
        self.swarm = None

    def account(self, user):
        return Account(user, DOMAIN, self.pwfile, self.prosody.c2s_port,
                       self.prosody.ca_file, self.capath)

    def home(self, name):
        return os.path.join(self.workdir, "homes", name)

    def peer(self, user, resource, connect=True):
        p = OmemoPeer(user, PASSWORD, self.prosody, resource=resource)
        self.peers.append(p)
        if connect:
            p.connect(timeout=30)
        return p

    def close(self):
        for p in self.peers:
            try:
                p.close()
            except Exception:
                pass
        if self.swarm:
            try:
                self.swarm.close()
            except Exception:
                pass
        self.prosody.stop()


# ---------------------------------------------------------------------------
# omemo-flood


def _pre_encrypt(bob, to, bodies):
    """Encrypt every body for `to` (all its devices) in order, before the
    clock starts; returns the stanzas as XML strings."""
    async def run():
        out = []
        async with bob._omemo_lock:
            await bob._ensure_device_list(to)
            await bob._ensure_device_list(bob.bare)
            for body in bodies:
                messages, _errors = await bob.manager.encrypt(frozenset([to]),
                                                              {NS: body.encode("utf-8")})
                message = next(m for m in messages if m.namespace == NS)
                msg = bob.client.make_message(mto=to, mtype="chat", mbody=FALLBACK_BODY)
                msg.append(oldmemo.etree.serialize_message(message))
                msg.append(ET.Element("{%s}store" % NS_HINTS))
                msg.append(ET.Element("{%s}encryption" % NS_EME, namespace=NS, name="OMEMO"))
                out.append(str(msg))
        return out
    return bob._call(run, timeout=600)


def _burst(bob, stanzas):
    """Write the stanzas back to back; returns the monotonic time of the first."""
    async def run():
        t0 = time.monotonic()
        for i in range(0, len(stanzas), 100):
            bob.client.send_raw("".join(stanzas[i:i + 100]))
            await asyncio.sleep(0)
        return t0
    return asyncio.run_coroutine_threadsafe(run(), bob.loop).result(120)


def flood_run(b, bob, client, k, tag):
    a = b.args
    user = "carol%d" % k
    jid = "%s@%s" % (user, DOMAIN)
    # Profanity 0.13.1 publishes its device only when the account already has
    # a device list: a python device of carol's makes it, for both clients
    # (so bob encrypts every message for two devices of carol's in both runs).
    carol_py = b.peer(user, "py")
    carol_py.close()
    # Profanity gets no start script here: with PEP on the server, running
    # "/msg" from the start script made its libstrophe report a parse error
    # and drop the connection at every log-in (reconnected ~40 s later).
    argv, env = client.setup(b.home("%s-flood-%d" % (client.name, k)), b.account(user),
                             "bob@%s" % DOMAIN if client.name == "natter" else None)
    if client.name == "profanity" and a.profanity_log:
        argv += ["-l", "DEBUG"]
    pane = Pane(a.cols, a.rows, a.poll)
    try:
        pid = pane.start(argv, env, env["HOME"])
        hello = "hello-%s" % tag
        if client.name == "natter":
            client.prepare_chat(pane, "Bob", a.timeout)
            pane.wait_screen(NatterClient.online_rx, a.timeout, "natter online")
            pane.send_line("/omemo on")
            pane.wait_screen(r"\A.*\[OMEMO", a.timeout, "natter [OMEMO] title")
        else:
            pane.wait_screen(ProfanityClient.online_rx, a.timeout, "profanity online")
            wait_idle(pid, a.settle_timeout)
            # As in tests/functional/test_omemo.py: blind trust, a device
            # made in the console window, then the chat.
            pane.send_line("/omemo trustmode blind")
            pane.send_line("/omemo gen")
            pane.wait_screen(r"Your Device ID is \d+", 120, "profanity OMEMO device")
            pane.send_line("/msg bob@%s" % DOMAIN)
            client.prepare_chat(pane, "Bob", a.timeout)
            pane.send_line("/omemo start")
            pane.wait_screen(r"\[OMEMO\]", a.timeout, "profanity [OMEMO]")
        pane.send_line(hello)
        got = bob.wait_for_decrypted(hello, frm=jid, timeout=60)
        if wait_idle(pid, a.settle_timeout) is None:
            log("  %s did not go idle before the flood; measuring anyway" % client.name)
        n = a.messages
        last = "omemo-%s-%05d END" % (tag, n - 1)
        bodies = ["omemo-%s-%05d the quick brown fox jumps over the lazy dog" % (tag, i)
                  for i in range(n - 1)] + [last]
        te = time.monotonic()
        stanzas = _pre_encrypt(bob, jid, bodies)
        enc_s = time.monotonic() - te
        if wait_idle(pid, a.settle_timeout) is None:
            log("  %s did not go idle before the flood; measuring anyway" % client.name)
        perf = None
        if a.perf and client.name == "natter":
            import subprocess
            perf = subprocess.Popen(["perf", "record", "-q", "-F", "999", "--call-graph", "dwarf",
                                     "-p", str(pid), "-o",
                                     os.path.join(a.perf, "natter-flood-%d.data" % k)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)     # perf attached
        cpu0 = proc_cpu_seconds(pid)
        sched0 = proc_cpu_sched_seconds(pid)
        t0 = _burst(bob, stanzas)
        bob.get_roster(timeout=a.timeout)       # Prosody has routed all of them
        t_deliv = time.monotonic()
        t_seen = pane.wait_screen(re.escape(last), a.timeout, "last OMEMO message")
        cpu_seen = proc_cpu_seconds(pid)
        wait_idle(pid, a.settle_timeout)
        cpu1 = proc_cpu_seconds(pid)
        sched1 = proc_cpu_sched_seconds(pid)
        if perf is not None:
            perf.send_signal(2)
            perf.wait(60)
        scr = pane.screen()
        bad = [w for w in ("could not be decrypted", "cannot be read", "Unable to decrypt",
                           "This message is OMEMO encrypted") if w in scr]
        stored = None
        if client.name == "natter":
            # Every message decrypted and kept, not only the last one shown.
            import sqlite3
            db = os.path.join(env["XDG_DATA_HOME"], "natter", "%s.db" % jid)
            con = sqlite3.connect(db, timeout=10)
            try:
                stored = con.execute("SELECT count(*) FROM messages WHERE body LIKE ?",
                                     ("omemo-%s-%%" % tag,)).fetchone()[0]
            finally:
                con.close()
        return {
            "stored": stored,
            "hello_prekey": got.prekey,
            "encrypt_s": round(enc_s, 2),
            "stanza_bytes": sum(len(s) for s in stanzas) // n,
            "delivered_s": round(t_deliv - t0, 3),
            "last_seen_s": round(t_seen - t0, 3),
            "lag_s": round(t_seen - t_deliv, 3),
            "cpu_s": round(cpu1 - cpu0, 3),
            "cpu_sched_s": round(sched1 - sched0, 3),
            "cpu_until_seen_s": round(cpu_seen - cpu0, 3),
            "rss_mib": mib(proc_status_kb(pid, "VmHWM")),
            "errors_on_screen": bad,
        }
    except BenchError as exc:
        path = os.path.join(b.workdir, "failures", "%s-flood-%d.txt" % (client.name, k))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("%s\n\n%s" % (exc, pane.screen()))
        raise BenchError("%s (screen saved to %s)" % (str(exc).splitlines()[0], path))
    finally:
        pane.close()


def scenario_flood(b, results):
    a = b.args
    bob = b.peer("bob", "omemo")
    natter = NatterClient(a.natter)
    prof = ProfanityClient()
    clients = [c for c in (natter, prof) if c.name in a.clients.split(",") and c.available()]
    runs = {c.name: [] for c in clients}
    k = 0
    for rep in range(b.runs):
        for c in (clients if rep % 2 == 0 else clients[::-1]):
            log("omemo-flood: %s, run %d" % (c.name, rep + 1))
            try:
                r = flood_run(b, bob, c, k, "%s%d" % (c.name[0], rep))
                log("  %s" % json.dumps(r))
                runs[c.name].append(r)
            except Exception as exc:
                log("  FAILED: %s" % exc)
            k += 1
    results["omemo-flood"] = runs
    cols = [("last on screen from first send (s)", "last_seen_s"),
            ("delivered by the server (s)", "delivered_s"),
            ("lag behind delivery (s)", "lag_s"),
            ("CPU (s)", "cpu_s"), ("CPU, schedstat (s)", "cpu_sched_s"),
            ("peak RSS (MiB)", "rss_mib")]
    names = [c.name for c in clients]
    print("\nomemo-flood: %d OMEMO messages from one python peer, medians of %d"
          % (a.messages, b.runs))
    print("| | %s | natter/Profanity |" % " | ".join(names))
    print("| --- |%s --- |" % (" --- |" * len(names)))
    for title, key in cols:
        m = {n: med([r[key] for r in runs[n]]) for n in names}
        ratio = ""
        if "profanity" in m and m["profanity"] and m["natter"] is not None:
            ratio = "%.2fx" % (m["natter"] / m["profanity"])
        print("| %s | %s | %s |" % (title, " | ".join(str(m[n]) for n in names), ratio))
    print("runs ok: %s; python peer encrypting %d messages: %s s (median)"
          % (", ".join("%s %d" % (n, len(runs[n])) for n in names), a.messages,
             med([r["encrypt_s"] for n in names for r in runs[n]])))


# ---------------------------------------------------------------------------
# omemo-first


def scenario_first(b, results):
    a = b.args
    devices = [b.peer("dave", "d%d" % i) for i in range(a.devices)]
    arrivals = []

    def on_msg(stanza):
        if stanza.xml.find("{%s}encrypted" % NS) is not None:
            arrivals.append((time.monotonic(), str(stanza["from"])))
    for d in devices:
        d.client.add_event_handler("message", on_msg)
    ids = devices[0].devices("dave@%s" % DOMAIN)
    log("omemo-first: dave has %d devices" % len(ids))
    natter = NatterClient(a.natter)
    runs = []
    for k in range(b.runs):
        user = "erin%d" % k
        argv, env = natter.setup(b.home("natter-first-%d" % k), b.account(user),
                                 "dave@%s" % DOMAIN)
        argv += ["--log", os.path.join(b.workdir, "natter-first-%d.log" % k)]
        pane = Pane(a.cols, a.rows, a.poll)
        try:
            pid = pane.start(argv, env, env["HOME"])
            pane.wait_screen(NatterClient.online_rx, a.timeout, "natter online")
            natter.prepare_chat(pane, "Dave", a.timeout)
            pane.send_line("/omemo on")
            pane.wait_screen(r"\A.*\[OMEMO", a.timeout, "natter [OMEMO] title")
            wait_idle(pid, a.settle_timeout)
            idle_echo = echo_probes(pane, a.rows, "zxc", None)
            clear_input(pane, a.rows, "zxc")
            wait_idle(pid, a.settle_timeout)
            figures = {"idle_echo_ms": idle_echo}
            for which, text in (("first", "first-to-five-%d" % k),
                                ("second", "second-to-five-%d" % k)):
                del arrivals[:]
                pane.tmux("send-keys", "-t", "bench", "-l", text)
                pane.wait_screen(re.escape(text) + r"\s*\Z", 5, "typed text")
                t0 = time.monotonic()
                pane.send_keys("Enter")
                echo = echo_probes(pane, a.rows, "qwerty", arrivals) if which == "first" else None
                deadline = time.monotonic() + a.timeout
                while not arrivals and time.monotonic() < deadline:
                    time.sleep(0.002)
                if not arrivals:
                    raise BenchError("no device of dave got the %s message" % which)
                t1 = arrivals[0][0]
                got = devices[0].wait_for_decrypted(text, timeout=60)
                # Devices it was encrypted for (dave's 5; erin's own others: none).
                figures["%s_keys" % which] = len(set(key_rids(got.xml)))
                figures["%s_ms" % which] = round((t1 - t0) * 1000, 1)
                if echo is not None:
                    figures["echo_ms"] = echo
                clear_input(pane, a.rows, "q")
                wait_idle(pid, a.settle_timeout)
            logf = os.path.join(b.workdir, "natter-first-%d.log" % k)
            figures["bundle_fetches"] = count_sent(logf, BUNDLE_FETCH)
            figures.update(first_breakdown(logf))
            figures["cpu_s"] = round(proc_cpu_seconds(pid), 3)
            log("  %s" % json.dumps(figures))
            runs.append(figures)
        except Exception as exc:
            log("  FAILED: %s" % exc)
        finally:
            pane.close()
    results["omemo-first"] = runs
    print("\nomemo-first: first message to a contact with %d OMEMO devices, natter, %d runs"
          % (a.devices, len(runs)))
    print("| | median | all runs |")
    print("| --- | --- | --- |")
    for title, key in (("first message, Enter to first device (ms)", "first_ms"),
                       ("second message, same (ms)", "second_ms"),
                       ("devices encrypted for, first message", "first_keys"),
                       ("bundles fetched", "bundle_fetches"),
                       ("first bundle request to last answer, natter's log (ms)",
                        "bundle_wait_ms"),
                       ("last answer to the message sent, natter's log (ms)",
                        "after_bundles_ms")):
        vals = [r.get(key) for r in runs]
        print("| %s | %s | %s |" % (title, med(vals), " ".join(str(v) for v in vals)))
    echoes = [e for r in runs for e in r.get("echo_ms", [])]
    idle = [e for r in runs for e in r.get("idle_echo_ms", [])]
    print("| key echo while sending, median / max (ms) | %s / %s | %s |"
          % (med(echoes), max(echoes) if echoes else None, " ".join(map(str, echoes))))
    print("| key echo idle, median (ms) | %s | %s |" % (med(idle), " ".join(map(str, idle))))


def echo_probes(pane, rows, keys, arrivals):
    """Type keys one by one, each once the previous one is echoed on the input
    line (the bottom row); stop early once `arrivals` is non-empty (the
    message left).  Returns the echo latencies in ms."""
    out = []
    typed = ""
    for ch in keys:
        if arrivals and out:
            break
        typed += ch
        t0 = time.monotonic()
        pane.tmux("send-keys", "-t", "bench", "-l", ch)
        deadline = t0 + 10
        while True:
            line = pane.screen().split("\n")[:rows][-1].rstrip()
            if line.endswith(typed):
                out.append(round((time.monotonic() - t0) * 1000, 1))
                break
            if time.monotonic() > deadline:
                raise BenchError("key %r not echoed in 10 s" % ch)
            time.sleep(0.005)
    return out


def clear_input(pane, rows, typed):
    """Empty natter's input line (C-u) and wait until `typed` has gone from it."""
    pane.send_keys("C-u")
    deadline = time.monotonic() + 10
    while typed in pane.screen().split("\n")[:rows][-1]:
        if time.monotonic() > deadline:
            raise BenchError("input line not cleared")
        time.sleep(0.01)


# A bundle fetch in natter's log (its own bundle's publish does not match).
BUNDLE_FETCH = '<items node="%s' % (BUNDLE_NODE.split("%")[0])


def count_sent(logf, needle):
    """Stanzas natter sent (its --log) that contain needle."""
    n = 0
    try:
        with open(logf, errors="replace") as f:
            for line in f:
                if "SENT: " in line and needle in line:
                    n += 1
    except FileNotFoundError:
        return None
    return n


def _log_time(line):
    # natter's log lines start with an ISO 8601 UTC time with milliseconds.
    m = re.match(r"\S+T(\d\d):(\d\d):(\d\d\.\d+)Z ", line)
    return None if not m else int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))


def first_breakdown(logf):
    """From natter's log: the first bundle request to the last bundle answer
    (the server's part), and from there to the first encrypted message sent
    (natter building the sessions and encrypting), in ms."""
    ids = {}
    t_req = t_ans = t_sent = None
    with open(logf, errors="replace") as f:
        for line in f:
            t = _log_time(line)
            if "SENT: " in line and BUNDLE_FETCH in line:
                m = re.search(r'<iq id="([^"]+)"', line)
                if m:
                    ids[m.group(1)] = t
                t_req = t if t_req is None else t_req
            elif "RECV: " in line and ids:
                m = re.search(r"<iq id=\"([^\"]+)\"", line)
                if m and m.group(1) in ids:
                    t_ans = t
            elif "SENT: " in line and "<encrypted" in line and t_ans is not None:
                t_sent = t
                break
    if None in (t_req, t_ans, t_sent):
        return {}
    return {"bundle_wait_ms": round((t_ans - t_req) * 1000, 1),
            "after_bundles_ms": round((t_sent - t_ans) * 1000, 1)}


def count_recv(logf, needle):
    n = 0
    try:
        with open(logf, errors="replace") as f:
            for line in f:
                if "RECV: " in line and needle in line:
                    n += 1
    except FileNotFoundError:
        return None
    return n


# ---------------------------------------------------------------------------
# omemo-login


def _publish_stanzas(user, device_id, bundle_xml, iq_base):
    opts = ("<publish-options><x xmlns='jabber:x:data' type='submit'>"
            "<field var='FORM_TYPE' type='hidden'><value>%s#publish-options</value></field>"
            "<field var='pubsub#access_model'><value>open</value></field></x>"
            "</publish-options>" % NS_PUBSUB)
    dl = ("<iq type='set' id='%s-dl'><pubsub xmlns='%s'><publish node='%s'><item id='current'>"
          "<list xmlns='%s'><device id='%d'/></list></item></publish>%s</pubsub></iq>"
          % (iq_base, NS_PUBSUB, DEVICELIST_NODE, NS, device_id, opts))
    bu = ("<iq type='set' id='%s-bu'><pubsub xmlns='%s'><publish node='%s'><item id='current'>"
          "%s</item></publish>%s</pubsub></iq>"
          % (iq_base, NS_PUBSUB, BUNDLE_NODE % device_id, bundle_xml, opts))
    return dl, bu


def _fake_bundle(rng):
    """A bundle of the real shape and size (33-byte keys, 64-byte signature,
    100 pre-keys); its keys are random bytes, never used (a fetch of one
    would show in the counts, and a session to it would fail)."""
    def b64(n):
        return base64.b64encode(bytes([5]) + rng.randbytes(n - 1)).decode()
    pks = "".join("<preKeyPublic preKeyId='%d'>%s</preKeyPublic>" % (i, b64(33))
                  for i in range(1, 101))
    return ("<bundle xmlns='%s'><signedPreKeyPublic signedPreKeyId='1'>%s</signedPreKeyPublic>"
            "<signedPreKeySignature>%s</signedPreKeySignature><identityKey>%s</identityKey>"
            "<prekeys>%s</prekeys></bundle>"
            % (NS, b64(33), base64.b64encode(rng.randbytes(64)).decode(), b64(33), pks))


def scenario_login(b, results):
    a = b.args
    rng = random.Random(10)
    # The first contact is a real python OMEMO device (the chat opened after
    # log-in); the others get their device list and bundle from raw sessions.
    first = b.peer(b.contacts[0], "omemo")
    rest = b.contacts[1:]
    t = time.monotonic()
    b.swarm = Swarm("127.0.0.1", b.prosody.c2s_port, DOMAIN)
    b.swarm.login(rest, PASSWORD, resource="keys")

    async def publish_all():
        async def one(i, u):
            s = b.swarm.bots[u].s
            s.collect = True
            dl, bu = _publish_stanzas(u, 1000 + i, _fake_bundle(rng), "p%d" % i)
            s.send(dl)
            await s.read_until(b"id='p%d-dl'" % i, 30)
            s.send(bu)
            out = await s.read_until(b"id='p%d-bu'" % i, 30)
            s.collect = False
            s.buf.clear()
            if b"type='error'" in out:
                raise BenchError("publish for %s failed: %r" % (u, out[-300:]))
        await asyncio.gather(*(one(i, u) for i, u in enumerate(rest)))
    b.swarm.call(publish_all(), 300)
    log("omemo-login: %d contacts published their keys in %.1f s"
        % (len(b.contacts), time.monotonic() - t))
    natter = NatterClient(a.natter)
    runs = []
    for k in range(b.runs):
        user = "alice%d" % k
        logf = os.path.join(b.workdir, "natter-login-%d.log" % k)
        argv, env = natter.setup(b.home("natter-login-%d" % k), b.account(user), None)
        argv += ["--log", logf]
        pane = Pane(a.cols, a.rows, a.poll)
        try:
            t0 = time.monotonic()
            pid = pane.start(argv, env, env["HOME"])
            t_on = pane.wait_screen(NatterClient.online_rx, a.timeout, "natter online")
            settle = wait_idle(pid, a.settle_timeout)
            r = {
                "online_s": round(t_on - t0, 3),
                "idle_s": None if settle is None else round(time.monotonic() - t0 - 1.0, 2),
                "cpu_s": round(proc_cpu_seconds(pid), 3),
                "rss_mib": mib(proc_status_kb(pid, "VmHWM")),
                "bundle_fetches_at_login": count_sent(logf, BUNDLE_FETCH),
                "devicelist_fetches_at_login": count_sent(logf, "items node='%s'" % DEVICELIST_NODE)
                + count_sent(logf, 'items node="%s"' % DEVICELIST_NODE),
                "devicelist_pushes_at_login": count_recv(logf, "node=\"%s\"" % DEVICELIST_NODE)
                + count_recv(logf, "node='%s'" % DEVICELIST_NODE),
            }
            text = "need-a-bundle-%d" % k
            pane.send_line("/msg %s@%s" % (b.contacts[0], DOMAIN))
            pane.send_line("/omemo on")
            pane.wait_screen(r"\A.*\[OMEMO", a.timeout, "natter [OMEMO] title")
            pane.send_line(text)
            first.wait_for_decrypted(text, timeout=60)
            r["bundle_fetches_after_first_chat"] = count_sent(logf, BUNDLE_FETCH)
            log("  %s" % json.dumps(r))
            runs.append(r)
        except Exception as exc:
            log("  FAILED: %s" % exc)
        finally:
            pane.close()
    results["omemo-login"] = runs
    print("\nomemo-login: log-in with %d OMEMO contacts, natter, %d runs"
          % (len(b.contacts), len(runs)))
    print("| | median | all runs |")
    print("| --- | --- | --- |")
    for title, key in (("online on screen (s)", "online_s"),
                       ("idle again (s)", "idle_s"),
                       ("CPU to idle (s)", "cpu_s"),
                       ("peak RSS (MiB)", "rss_mib"),
                       ("bundles fetched at log-in", "bundle_fetches_at_login"),
                       ("device lists fetched at log-in", "devicelist_fetches_at_login"),
                       ("device list pushes received at log-in", "devicelist_pushes_at_login"),
                       ("bundles fetched after one encrypted message",
                        "bundle_fetches_after_first_chat")):
        vals = [r.get(key) for r in runs]
        print("| %s | %s | %s |" % (title, med(vals), " ".join(str(v) for v in vals)))


def parse_args(argv):
    p = argparse.ArgumentParser(description="OMEMO benchmarks: natter against Profanity.")
    p.add_argument("--natter", default=os.path.join(TOP, "natter"))
    p.add_argument("--scenarios", default="omemo-flood,omemo-first,omemo-login")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--devices", type=int, default=5)
    p.add_argument("--contacts", type=int, default=200)
    p.add_argument("--clients", default="natter,profanity",
                   help="omemo-flood: which of natter,profanity to run")
    p.add_argument("--profanity-log", action="store_true",
                   help="run Profanity with -l DEBUG (its log in its HOME)")
    p.add_argument("--cols", type=int, default=120)
    p.add_argument("--rows", type=int, default=40)
    p.add_argument("--poll", type=float, default=0.02)
    p.add_argument("--timeout", type=float, default=180)
    p.add_argument("--settle-timeout", type=float, default=60)
    p.add_argument("--perf", metavar="DIR",
                   help="omemo-flood: record natter with perf (sampling) during the "
                        "burst into DIR/natter-flood-K.data")
    p.add_argument("--json")
    p.add_argument("--workdir")
    p.add_argument("--keep", action="store_true")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    scen = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    results = {"load_start": load(), "natter": os.path.abspath(args.natter),
               "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    log("load average at start: %s" % (results["load_start"],))
    b = Bench(args)
    try:
        if "omemo-flood" in scen:
            scenario_flood(b, results)
        if "omemo-first" in scen:
            scenario_first(b, results)
        if "omemo-login" in scen:
            scenario_login(b, results)
    finally:
        b.close()
        results["load_end"] = load()
        print("\nload average: start %s, end %s" % (results["load_start"], results["load_end"]))
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
        if not args.keep and not args.workdir:
            shutil.rmtree(b.workdir, ignore_errors=True)
        else:
            log("work directory kept: %s" % b.workdir)


if __name__ == "__main__":
    main()
