#!/usr/bin/python3
"""File transfer benchmark (issue 13): natter's /upload and /download of one big
file on loopback against `curl` alone moving the same file to and from the same
server, in one run.

Server: Prosody from the functional-test harness with mod_http_file_share over
HTTPS on 127.0.0.1 (log level warn). natter runs in tmux like in the functional
tests; bob (slixmpp) receives the uploaded link, which natter then downloads as
its own attachment. curl gets a fresh upload slot of its own (asked for by bob)
and the same CA.

Figures per repeat and their medians:
- seconds and MB/s for natter and for curl, and natter's ratio to curl;
- natter's CPU seconds (user + system, from /proc) during the transfer;
- natter's peak RSS growth: VmRSS sampled every 20 ms during the transfer,
  the highest minus the value just before it started.

Usage: /usr/bin/python3 tests/bench/transfer.py [--natter ./natter] [--size-mb 200]
       [--repeat 3] [--keep] [--echo [--idle-samples 50]]

With --echo, typing echo as well: a character typed into natter's input line
every 100 ms through a tmux control-mode client while each transfer runs, and
--idle-samples of them with no transfer as the baseline; the time until each
character shows on the input row (median, 95th percentile, max). The input line
is cleared with Ctrl-U afterwards, so nothing typed is sent.
"""

import argparse
import hashlib
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "functional"))

import harness  # noqa: E402
from screen import main_text  # noqa: E402

SLOT_NS = "urn:xmpp:http:upload:0"


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick  # utime, stime


def proc_wait(pid):
    """Seconds PID has spent runnable but waiting for a CPU (/proc/PID/schedstat)."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def proc_wait_all(pid):
    """proc_wait summed over all of PID's threads."""
    try:
        tids = [int(t) for t in os.listdir("/proc/%d/task" % pid)]
    except OSError:
        return 0.0
    total = 0.0
    for tid in tids:
        try:
            with open("/proc/%d/task/%d/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            pass
    return total


def proc_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sampler:
    """Peak VmRSS of PID while running (20 ms steps)."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.base = proc_rss_kb(pid)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, proc_rss_kb(self.pid))
            except OSError:
                return
            time.sleep(0.02)

    def done(self):
        self.stop.set()
        self.thread.join()
        return max(0, self.peak - self.base)


class EchoProbe:
    """Typing echo of natter's input line, measured through a tmux control-mode
    client (tmux -C) attached to natter's session: one persistent connection
    carries both the keystrokes (send-keys) and the reads of the input row
    (capture-pane of that one row), and tmux's %output notifications wake the
    reader as soon as natter writes to the terminal, so no process is spawned
    per poll. A sample is the time from sending one character until the input
    row ends with everything typed so far. The same probe measures the idle
    baseline and the transfers."""

    MARK = "zzechoprobezz"
    KEYS = "qwertyuiopasdfghjklzxcvbnm"

    def __init__(self, n):
        self.n = n
        self.proc = subprocess.Popen(
            [harness.natter.TMUX_BIN, "-u", "-L", n.socket_name, "-f", "/dev/null", "-C",
             "attach-session", "-t", harness.natter.SESSION, "-f", "ignore-size"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=n._env(), bufsize=0)
        self.output = threading.Event()
        self.replies = queue.Queue()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()
        self.row = None
        self.typed = ""
        self.tmux_pid = None

    def read(self):
        block = None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if block is not None:
                if line.startswith("%end ") or line.startswith("%error "):
                    self.replies.put(block)
                    block = None
                else:
                    block.append(line)
            elif line.startswith("%begin "):
                block = []
            elif line.startswith("%output "):
                self.output.set()
        self.replies.put(None)

    def cmd(self, text):
        with self.lock:
            self.proc.stdin.write(text.encode() + b"\n")
            reply = self.replies.get(timeout=10)
        if reply is None:
            raise RuntimeError("tmux control client ended")
        return reply

    def input_row(self):
        out = self.cmd("capture-pane -p -t %s -S %d -E %d"
                       % (harness.natter.SESSION, self.row, self.row))
        return out[0].rstrip() if out else ""

    def wait_row(self, pred, timeout=5.0):
        end = time.monotonic() + timeout
        while True:
            self.output.clear()
            if pred(self.input_row()):
                return True
            left = end - time.monotonic()
            if left <= 0:
                return False
            self.output.wait(min(left, 0.005))

    def start(self):
        """Find the input row: type a marker, look for it, clear it."""
        # The initial attach sends a reply block of its own.
        self.replies.get(timeout=10)
        self.tmux_pid = int(self.cmd("display-message -p '#{pid}'")[0])
        self.cmd("send-keys -t %s -l %s" % (harness.natter.SESSION, self.MARK))
        for _ in range(500):
            rows = self.cmd("capture-pane -p -t %s" % harness.natter.SESSION)
            hit = [i for i, r in enumerate(rows) if r.rstrip().endswith(self.MARK)]
            if hit:
                self.row = hit[-1]
                break
            self.output.wait(0.01)
        else:
            raise RuntimeError("echo probe: marker never appeared on the screen")
        self.clear()
        return self

    def clear(self):
        """Ctrl-U: empty the input line (nothing typed is ever sent)."""
        before = self.typed or self.MARK
        self.cmd("send-keys -t %s C-u" % harness.natter.SESSION)
        self.typed = ""
        if not self.wait_row(lambda r: not r.endswith(before)):
            raise RuntimeError("echo probe: input line did not clear")

    def one(self):
        """Type one character; seconds until it shows on the input row (None: 5 s
        without it)."""
        if len(self.typed) >= 60:
            self.clear()
        ch = self.KEYS[len(self.typed) % len(self.KEYS)]
        self.typed += ch
        want = self.typed
        t0 = time.monotonic()
        self.cmd("send-keys -t %s -l %s" % (harness.natter.SESSION, ch))
        ok = self.wait_row(lambda r: r.endswith(want))
        return time.monotonic() - t0 if ok else None

    def run(self, stop, limit=None, interval=0.1):
        """Samples every `interval` s until `stop` is set (or `limit` samples)."""
        got = []
        nxt = time.monotonic()
        while not stop.is_set() and (limit is None or len(got) < limit):
            got.append(self.one())
            nxt += interval
            pause = nxt - time.monotonic()
            if pause > 0:
                stop.wait(pause)
            else:
                nxt = time.monotonic()
        self.clear()
        return got

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class EchoDuring:
    """Runs an EchoProbe in a thread while a transfer runs."""

    def __init__(self, probe):
        self.probe, self.stop, self.samples = probe, threading.Event(), []
        self.thread = threading.Thread(target=self.work, daemon=True)
        self.thread.start()

    def work(self):
        self.samples = self.probe.run(self.stop)

    def done(self):
        self.stop.set()
        self.thread.join()
        return self.samples


class RunWait:
    """Run-queue wait (seconds runnable without a CPU) of natter and of the tmux
    server over a span: tells CPU contention from natter's own loop being busy."""

    def __init__(self, natter_pid, tmux_pid):
        self.pids = (natter_pid, tmux_pid)
        self.t0 = time.monotonic()
        self.w0 = [proc_wait_all(p) for p in self.pids]

    def done(self):
        span = time.monotonic() - self.t0
        return [proc_wait_all(p) - w for p, w in zip(self.pids, self.w0)] + [span]


def pct(values, p):
    """Nearest-rank percentile of the sorted values (None counts as infinite)."""
    vals = sorted(float("inf") if v is None else v for v in values)
    if not vals:
        return float("nan")
    k = max(0, min(len(vals) - 1, int(-(-p * len(vals) // 100)) - 1))
    return vals[k]


def echo_summary(values):
    ms = [None if v is None else v * 1000 for v in values]
    lost = sum(1 for v in ms if v is None)
    return "n=%d median %.1f ms p95 %.1f ms max %.1f ms%s" % (
        len(ms), pct(ms, 50), pct(ms, 95), pct(ms, 100), " (%d over 5 s)" % lost if lost else "")


def slot(peer, server, name, size):
    iq_id = "slot-" + uuid.uuid4().hex[:8]
    peer.send_raw("<iq type='get' id='%s' to='%s'><request xmlns='%s' filename='%s' size='%d' "
                  "content-type='application/octet-stream'/></iq>"
                  % (iq_id, server.upload_domain, SLOT_NS, name, size))
    xml = peer.wait_for_stanza(lambda x: iq_id in x, timeout=10)
    put = re.search(r"<put url=[\"']([^\"']+)[\"']", xml).group(1).replace("&amp;", "&")
    get = re.search(r"<get url=[\"']([^\"']+)[\"']", xml).group(1).replace("&amp;", "&")
    headers = re.findall(r"<header name=[\"']([^\"']+)[\"']>([^<]*)</header>", xml)
    return put, get, headers


def curl_round(peer, server, path, size, workdir):
    put, get, headers = slot(peer, server, "curl-%s.bin" % uuid.uuid4().hex[:6], size)
    args = ["curl", "-sS", "--fail", "--cacert", server.ca_file, "-o", "/dev/null",
            "-H", "Content-Type: application/octet-stream", "-T", path, put]
    for name, value in headers:
        args[1:1] = ["-H", "%s: %s" % (name, value)]
    t0 = time.monotonic()
    subprocess.run(args, check=True)
    up = time.monotonic() - t0
    out = os.path.join(workdir, "curl-got.bin")
    t0 = time.monotonic()
    subprocess.run(["curl", "-sS", "--fail", "--cacert", server.ca_file, "-o", out, get],
                   check=True)
    down = time.monotonic() - t0
    os.unlink(out)
    return up, down


def natter_round(n, bob, path, size, dl_dir, rep, probe=None):
    name = os.path.basename(path)
    cpu0 = proc_cpu(n.pid)
    mem = Sampler(n.pid)
    t0 = time.monotonic()
    n.type_line("/upload %s" % path)
    echo = EchoDuring(probe) if probe else None
    wait = RunWait(n.pid, probe.tmux_pid) if probe else None
    got = bob.wait_for_message(lambda r: r.body and r.body.endswith("/" + name)
                               and r.body not in seen, timeout=600)
    up = time.monotonic() - t0
    up_cpu = proc_cpu(n.pid) - cpu0
    up_rss = mem.done()
    up_echo = (echo.done(), wait.done()) if echo else ([], None)
    seen.add(got.body)
    rx = re.compile(r"File (\d+): %s" % re.escape(name))
    scr = n.wait_for(lambda s: len(rx.findall(main_text(n, s))) >= 1, timeout=30)
    num = max(int(x) for x in rx.findall(main_text(n, scr)))
    target = os.path.join(dl_dir, name)
    if os.path.exists(target):
        os.unlink(target)
    cpu0 = proc_cpu(n.pid)
    mem = Sampler(n.pid)
    t0 = time.monotonic()
    n.type_line("/download %d" % num)
    echo = EchoDuring(probe) if probe else None
    wait = RunWait(n.pid, probe.tmux_pid) if probe else None
    harness.wait_until(lambda: os.path.exists(target), timeout=600, interval=0.01)
    down = time.monotonic() - t0
    down_cpu = proc_cpu(n.pid) - cpu0
    down_rss = mem.done()
    down_echo = (echo.done(), wait.done()) if echo else ([], None)
    return up, down, up_cpu, down_cpu, up_rss, down_rss, target, up_echo, down_echo


seen = set()


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--natter", default=os.path.join(TOP, "natter"))
    p.add_argument("--size-mb", type=int, default=200)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--echo", action="store_true",
                   help="also measure typing echo (a key every 100 ms) during each transfer "
                   "and idle")
    p.add_argument("--idle-samples", type=int, default=50,
                   help="idle echo samples per repeat with --echo (default 50)")
    args = p.parse_args(argv)
    size = args.size_mb * 1024 * 1024
    workdir = tempfile.mkdtemp(prefix="natter-bench-transfer-")
    server = harness.Prosody(workdir, upload=True, upload_limit=size + 1024, log_level="warn")
    server.start(timeout=60)
    bob = harness.Peer("bob", "pw", server)
    bob.connect()
    path = os.path.join(workdir, "big.bin")
    with open(path, "wb") as f:
        for _ in range(args.size_mb):
            f.write(os.urandom(1024 * 1024))
    with open(path, "rb") as f:
        want = hashlib.file_digest(f, "sha256").hexdigest() if hasattr(hashlib, "file_digest") \
            else None
    n = harness.Natter(args.natter, workdir, server, cols=200, rows=40, log=False)
    n.wait_for(lambda s: "Connected as" in main_text(n, s), timeout=30)
    dl_dir = os.path.join(workdir, "dl")
    n.type_line("/set download_dir %s" % dl_dir)
    n.type_line("/msg bob@localhost")
    rows = []
    probe = None
    echoes = {"idle": [], "upload": [], "download": []}
    try:
        if args.echo:
            probe = EchoProbe(n).start()
        for rep in range(args.repeat):
            cu, cd = curl_round(bob, server, path, size, workdir)
            if probe:
                wait = RunWait(n.pid, probe.tmux_pid)
                idle = (probe.run(threading.Event(), limit=args.idle_samples), wait.done())
            nu, nd, ucpu, dcpu, urss, drss, target, ue, de = natter_round(n, bob, path, size,
                                                                          dl_dir, rep, probe)
            if want:
                with open(target, "rb") as f:
                    assert hashlib.file_digest(f, "sha256").hexdigest() == want, "corrupt download"
            os.unlink(target)
            rows.append((cu, cd, nu, nd, ucpu, dcpu, urss, drss))
            print("repeat %d: curl up %.2f s down %.2f s | natter up %.2f s (cpu %.2f s, rss +%d kB)"
                  " down %.2f s (cpu %.2f s, rss +%d kB)" % (rep + 1, cu, cd, nu, ucpu, urss, nd,
                                                            dcpu, drss), flush=True)
            if probe:
                for what, (vals, w) in (("idle", idle), ("upload", ue), ("download", de)):
                    echoes[what] += vals
                    print("  echo %-8s %s; run-queue wait natter %.0f ms, tmux %.0f ms in %.1f s"
                          % (what, echo_summary(vals), w[0] * 1000, w[1] * 1000, w[2]),
                          flush=True)
    finally:
        if probe:
            probe.close()
        n.close()
        bob.close()
        server.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print("work directory kept:", workdir)
    med = [statistics.median(col) for col in zip(*rows)]
    mb = args.size_mb * 1024 * 1024 / 1e6
    print()
    print("%d MB file, medians of %d repeats (MB = 10^6 bytes)" % (args.size_mb, args.repeat))
    print("%-9s %10s %10s %10s %10s %12s %14s" % ("", "curl s", "curl MB/s", "natter s",
                                                  "natter MB/s", "ratio", "natter cpu/rss"))
    for i, what in enumerate(("upload", "download")):
        c, nt = med[i], med[2 + i]
        print("%-9s %10.2f %10.1f %10.2f %10.1f %12.2f %8.2f s %d kB"
              % (what, c, mb / c, nt, mb / nt, c / nt, med[4 + i], int(med[6 + i])))
    if probe:
        print()
        print("typing echo, all %d repeats pooled (a key every 100 ms):" % args.repeat)
        for what in ("idle", "upload", "download"):
            print("  %-8s %s" % (what, echo_summary(echoes[what])))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
