"""Terminal clients under test: how to configure, start and read each one.

Every client runs in a detached session of its own private tmux server
(`tmux -L NAME -f /dev/null`, fixed size, no status line) with HOME and the
XDG directories pointing into a fresh directory, so no run sees another run's
state.  The process measured is the pane's process: tmux executes the client
through `env`, which execs, so the pane PID is the client's PID.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid

CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """A run could not be completed (time-out, client exited, ...)."""


# ---------------------------------------------------------------------------
# /proc readers


def proc_cpu_seconds(pid):
    """utime + stime of the process (all its threads), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_cpu_sched_seconds(pid):
    """CPU time from the scheduler (nanosecond resolution), summed over the
    live threads; /proc/PID/stat counts in clock ticks (10 ms)."""
    total = 0
    task_dir = "/proc/%d/task" % pid
    for tid in os.listdir(task_dir):
        try:
            with open(os.path.join(task_dir, tid, "schedstat")) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            pass
    return total / 1e9


def proc_status_kb(pid, key):
    """A kB figure from /proc/PID/status (e.g. VmHWM, VmRSS), or None."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def proc_ctxt_switches(pid):
    """(voluntary, nonvoluntary) context switches summed over all threads.

    /proc/PID/status counts only the main thread, so the per-thread files
    under /proc/PID/task are summed instead."""
    vol = nonvol = 0
    task_dir = "/proc/%d/task" % pid
    for tid in os.listdir(task_dir):
        try:
            with open(os.path.join(task_dir, tid, "status")) as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        vol += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        nonvol += int(line.split()[1])
        except FileNotFoundError:
            pass  # a thread ended while we read
    return vol, nonvol


def proc_threads(pid):
    return len(os.listdir("/proc/%d/task" % pid))


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except FileNotFoundError:
        return False
    state = data[data.rindex(")") + 2:].split()[0]
    return state not in ("Z", "X")


# ---------------------------------------------------------------------------
# shared helpers


def log(msg):
    sys.stderr.write("[%s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def wait_idle(pid, timeout, window=1.0, max_cpu=0.02, step=0.1):
    """Wait until the process used at most max_cpu CPU seconds over the last
    `window` seconds.  Returns seconds waited, or None on time-out."""
    start = time.monotonic()
    samples = []
    while True:
        now = time.monotonic()
        if not pid_alive(pid):
            raise BenchError("client exited while waiting for it to go idle")
        cpu = proc_cpu_seconds(pid)
        samples.append((now, cpu))
        while len(samples) > 1 and now - samples[1][0] >= window:
            samples.pop(0)
        if now - samples[0][0] >= window and cpu - samples[0][1] <= max_cpu:
            return now - start
        if now - start >= timeout:
            return None
        time.sleep(step)


def perf_start(pid, path):
    """Start `perf record` (call graphs by DWARF unwinding, 999 Hz) on pid,
    writing to path; returns the perf process once it has had a second to
    attach.  perf's own cost slows the client it records."""
    proc = subprocess.Popen(["perf", "record", "-q", "-F", "999", "--call-graph", "dwarf",
                             "-p", str(pid), "-o", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    return proc


def perf_stop(proc):
    """End a perf_start() recording (SIGINT, as perf expects) and wait for
    it to write its file."""
    if proc is None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(120)
    except subprocess.TimeoutExpired:
        proc.kill()


def mib(kb):
    return None if kb is None else round(kb / 1024.0, 2)


def save_failure(ctx, client, scenario, rep, pane, exc):
    path = os.path.join(ctx.workdir, "failures", "%s-%s-%d.txt" % (client.name, scenario, rep))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("%s\n\n" % exc)
        try:
            f.write(pane.screen())
        except Exception:
            pass
    return path


# ---------------------------------------------------------------------------
# tmux


class Pane:
    """One client in a detached session of a private tmux server."""

    def __init__(self, cols=120, rows=40, poll=0.02):
        self.sock = "natter-bench-" + uuid.uuid4().hex[:10]
        self.cols = cols
        self.rows = rows
        self.poll = poll
        self.pid = None
        self.last_match = None  # the re.Match of the last successful wait_screen

    def tmux(self, *args, check=True, timeout=10):
        res = subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null"] + list(args),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=timeout, text=True, errors="replace")
        if check and res.returncode != 0:
            raise BenchError("tmux %s failed: %s" % (args[0], res.stderr.strip()))
        return res.stdout

    def start(self, argv, env, cwd):
        """Start argv (a list) in the pane and return the client's PID."""
        envargs = ["%s=%s" % kv for kv in sorted(env.items())]
        # The options are set before the session exists so the client starts
        # at its final size (no status line, no resize right after start).
        self.tmux("start-server", ";",
                  "set-option", "-g", "status", "off", ";",
                  "set-option", "-g", "remain-on-exit", "on", ";",
                  "set-option", "-g", "history-limit", "0", ";",
                  "new-session", "-d", "-s", "bench", "-c", cwd,
                  "-x", str(self.cols), "-y", str(self.rows),
                  "/usr/bin/env", "-i", *envargs, *argv)
        self.pid = int(self.tmux("display-message", "-p", "-t", "bench",
                                 "#{pane_pid}").strip())
        return self.pid

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "bench")

    def send_keys(self, *keys):
        self.tmux("send-keys", "-t", "bench", *keys)

    def send_line(self, text):
        self.tmux("send-keys", "-t", "bench", "-l", text)
        self.tmux("send-keys", "-t", "bench", "Enter")

    def wait_screen(self, pattern, timeout, what=None):
        """Poll the screen until pattern (regex string or compiled) matches.

        Returns time.monotonic() of the capture that matched (the match is
        kept in self.last_match).  Raises BenchError on time-out or when the
        client has exited."""
        rx = re.compile(pattern, re.M) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            now = time.monotonic()
            m = rx.search(text)
            if m:
                self.last_match = m
                return now
            if self.pid is not None and not pid_alive(self.pid):
                raise BenchError("client exited while waiting for %s\n%s"
                                 % (what or rx.pattern, text))
            if now >= deadline:
                raise BenchError("no %s on screen after %.0f s\nlast screen:\n%s"
                                 % (what or rx.pattern, timeout, text))
            time.sleep(self.poll)

    def wait_screen_lag(self, pattern, done, timeout, what=None, fine=0.002, fine_for=1.0):
        """wait_screen() for the last message of a burst, with the time the
        server finished it: `done` is a concurrent Future resolving to the
        monotonic time the server had routed the whole burst.  Polls every
        self.poll seconds until then, then every `fine` seconds (plus the
        capture itself, a tmux call of a few ms) for `fine_for` seconds, so
        a short lag behind the server is measured to a few ms without
        polling a slow client that hard for long.

        Returns (time of the capture that matched, time of the server's
        end or None if it had not come by then)."""
        rx = re.compile(pattern, re.M) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        t_done = None
        while True:
            if t_done is None and done.done():
                t_done = done.result()
            text = self.screen()
            now = time.monotonic()
            if t_done is None and done.done():
                t_done = done.result()
            m = rx.search(text)
            if m:
                self.last_match = m
                if t_done is None:
                    try:
                        t_done = done.result(max(0.0, deadline - time.monotonic()))
                    except Exception as exc:
                        raise BenchError("no end of the burst from the server: %s" % exc)
                return now, t_done
            if self.pid is not None and not pid_alive(self.pid):
                raise BenchError("client exited while waiting for %s\n%s"
                                 % (what or rx.pattern, text))
            if now >= deadline:
                raise BenchError("no %s on screen after %.0f s\nlast screen:\n%s"
                                 % (what or rx.pattern, timeout, text))
            time.sleep(fine if t_done is not None and now - t_done < fine_for else self.poll)

    def close(self, timeout=10):
        """Kill the tmux server (the client gets SIGHUP) and wait for the PID to go."""
        self.tmux("kill-server", check=False)
        pid = self.pid
        if pid is None:
            return
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if pid_alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + timeout
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)


# ---------------------------------------------------------------------------
# clients


class Account:
    """What a client needs to log in: the server and one account on it."""

    def __init__(self, user, domain, password_file, port, ca_file, capath):
        self.user = user
        self.domain = domain
        self.jid = "%s@%s" % (user, domain)
        self.password_file = password_file
        self.port = port
        self.ca_file = ca_file
        self.capath = capath


class Client:
    """Base class: one XMPP client program and how to drive it."""

    name = None
    default_binary = None

    def __init__(self, binary=None):
        self.binary = binary or self.default_binary

    def available(self):
        return bool(self.binary) and os.access(self.binary, os.X_OK)

    def version(self):
        return ""

    def base_env(self, home):
        return {
            "HOME": home,
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TERM": "screen",
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
            "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "XDG_RUNTIME_DIR": os.path.join(home, "run"),
        }

    def make_home(self, home):
        if os.path.exists(home):
            shutil.rmtree(home)
        env = self.base_env(home)
        for key in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
                    "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
            os.makedirs(env[key], mode=0o700, exist_ok=True)
        os.chmod(home, 0o700)
        return env

    def setup(self, home, account, peer_jid):
        """Write the configuration; return (argv, env).

        peer_jid: the contact whose chat should be on screen for the flood."""
        raise NotImplementedError

    def prepare_chat(self, pane, peer_name, timeout):
        """Bring the chat with peer_name on screen (after log-in)."""
        raise NotImplementedError

    def quit(self, pane, timeout):
        """Quit the client the way a user does and wait until it has exited."""
        raise NotImplementedError

    def history_dirs(self, home):
        """Where the client keeps its message history (under HOME)."""
        return []

    def history_bytes(self, pane, home, timeout):
        """Quit the client, then the bytes of every file under its history
        directories (a database's WAL and journal included); None when it
        keeps no history or does not exit."""
        try:
            self.quit(pane, min(timeout, 30))
        except (BenchError, NotImplementedError):
            return None
        total = 0
        found = False
        for top in self.history_dirs(home):
            for root, _dirs, files in os.walk(top):
                for f in files:
                    try:
                        total += os.path.getsize(os.path.join(root, f))
                        found = True
                    except OSError:
                        pass
        return total if found else None

    # ---- group chat (muc.py) ----
    # Every client handles the server's stanzas in order, and XEP-0045 has
    # the room send all other occupants' presences before the joining user's
    # own presence (status 110).  The "you joined" display each client makes
    # when it handles that presence therefore comes after it has handled
    # every occupant; muc_verify checks the client's own list afterwards
    # (untimed).

    online_rx = None  # regex on screen once logged in

    def muc_join_cmd(self, room, nick):
        raise NotImplementedError

    def muc_joined_rx(self, room, nick, count):
        """Regex shown once the join is complete (count: occupants, us included)."""
        raise NotImplementedError

    def muc_focus(self, pane, room, timeout):
        """Bring the room's messages on screen after the join (natter and
        Profanity focus the room's window when it is joined)."""

    def muc_verify(self, pane, room, nick, count, last_nick, timeout):
        """Check the client's occupant list (untimed); return what was seen."""
        raise NotImplementedError

    @staticmethod
    def input_row(screen, rows):
        """The input line: the bottom row for all three clients."""
        lines = screen.split("\n")[:rows]
        return lines[-1] if lines else ""

    @staticmethod
    def _wait_exit(pane, timeout, what):
        deadline = time.monotonic() + timeout
        while pid_alive(pane.pid):
            if time.monotonic() >= deadline:
                raise BenchError("%s did not exit %.0f s after quitting" % (what, timeout))
            time.sleep(0.05)


def _write(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class NatterClient(Client):
    name = "natter"
    default_binary = None

    def version(self):
        try:
            out = subprocess.run([self.binary, "--version"], capture_output=True,
                                 text=True, timeout=5, stdin=subprocess.DEVNULL)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except Exception:
            return ""

    def setup(self, home, account, peer_jid):
        env = self.make_home(home)
        _write(os.path.join(env["XDG_CONFIG_HOME"], "natter", "accounts"),
               "[{u}]\njid={jid}\nserver=127.0.0.1\nport={port}\ntls=force\n"
               "ca_file={ca}\neval_password=cat {pw}\n".format(
                   u=account.user, jid=account.jid, port=account.port,
                   ca=account.ca_file, pw=account.password_file))
        argv = [self.binary, "-a", account.user]
        if peer_jid:
            # Focus the peer's chat window from the start.
            argv += ["-c", "/msg " + peer_jid]
        return argv, env

    def quit(self, pane, timeout):
        pane.send_keys("C-u")  # whatever was typed into the input line
        pane.send_line("/quit")
        self._wait_exit(pane, timeout, "natter")

    def history_dirs(self, home):
        return [os.path.join(home, ".local", "share", "natter")]

    online_rx = r"\[[^\]\s]+: online\]"   # status bar: [JID: online]

    def muc_join_cmd(self, room, nick):
        return "/join %s nick %s" % (room, nick)

    def muc_joined_rx(self, room, nick, count):
        # Title bar (top line) of the room window: "ROOM  N occupants
        # SUBJECT", N counting every occupant, ourselves included; while
        # joining it says "(joining...)".
        return r"\A\s*%s\s+%d occupants\b" % (re.escape(room), count)

    def muc_verify(self, pane, room, nick, count, last_nick, timeout):
        # The occupants pane's heading counts its list too.
        pane.wait_screen(r"Occupants %d\b" % count, timeout, "natter occupants pane count")
        return "title bar and occupants pane: %d" % count

    def prepare_chat(self, pane, peer_name, timeout):
        # The chat window was opened with -c; its title line names the peer.
        pane.wait_screen(r"\A.*%s" % re.escape(peer_name), timeout,
                         "natter chat window title")


class NatterBaseClient(NatterClient):
    """Another natter binary (run.py --natter-base), e.g. the previous
    version, measured side by side with the one under test."""
    name = "natter-base"


class ProfanityClient(Client):
    name = "profanity"
    default_binary = "/usr/bin/profanity"

    def version(self):
        try:
            out = subprocess.run([self.binary, "--version"], capture_output=True,
                                 text=True, timeout=5, stdin=subprocess.DEVNULL)
            return out.stdout.strip().splitlines()[0]
        except Exception:
            return ""

    def setup(self, home, account, peer_jid):
        env = self.make_home(home)
        data = os.path.join(env["XDG_DATA_HOME"], "profanity")
        conf = os.path.join(env["XDG_CONFIG_HOME"], "profanity")
        lines = ["[%s]" % account.user,
                 "enabled=true",
                 "jid=%s" % account.jid,
                 "server=127.0.0.1",
                 "port=%d" % account.port,
                 "resource=profanity",
                 "eval_password=cat %s" % account.password_file,
                 "tls.policy=force",
                 "presence.last=online",
                 "presence.login=online",
                 "priority.online=0"]
        if peer_jid:
            # A start script runs once the roster is in; it opens and
            # focuses the peer's chat window.
            _write(os.path.join(data, "scripts", "bench"), "/msg %s\n" % peer_jid)
            lines.append("script.start=bench")
        _write(os.path.join(data, "accounts"), "\n".join(lines) + "\n")
        # The test CA is trusted through a hashed certificate directory.
        # Autoping is off: under a 5,000-message burst Profanity's ping reply
        # waits behind the messages and its 20 s autoping time-out drops the
        # connection half way through the burst.
        _write(os.path.join(conf, "profrc"),
               "[connection]\ntls.certpath=%s\nautoping=0\n" % account.capath)
        return [self.binary, "-a", account.user], env

    def quit(self, pane, timeout):
        pane.send_keys("C-u")  # whatever was typed into the input line
        pane.send_line("/quit")
        self._wait_exit(pane, timeout, "profanity")

    def history_dirs(self, home):
        # its SQLite database and its chat logs
        return [os.path.join(home, ".local", "share", "profanity", d)
                for d in ("database", "chatlogs")]

    online_rx = r"logged in successfully"

    def muc_join_cmd(self, room, nick):
        return "/join %s nick %s" % (room, nick)

    def muc_joined_rx(self, room, nick, count):
        # Printed in the room window when it handles its own presence.
        return r"-> You have joined the room as %s\b" % re.escape(nick)

    def muc_verify(self, pane, room, nick, count, last_nick, timeout):
        # Its occupants panel has no count; /who prints every nick, sorted,
        # so the last bot's nick ends the list.
        pane.send_line("/who")
        pane.wait_screen(r"\b%s\b" % re.escape(last_nick), timeout,
                         "/who listing %s" % last_nick)
        return "/who lists %s" % last_nick

    def prepare_chat(self, pane, peer_name, timeout):
        # The start script focuses the chat window: its title bar (top line)
        # then names the peer.
        pane.wait_screen(r"\A %s " % re.escape(peer_name), timeout,
                         "profanity chat window title")


class McabberClient(Client):
    name = "mcabber"
    default_binary = "/usr/bin/mcabber"

    def version(self):
        try:
            out = subprocess.run([self.binary, "-V"], capture_output=True,
                                 text=True, timeout=5, stdin=subprocess.DEVNULL)
            return out.stdout.strip().splitlines()[0]
        except Exception:
            return ""

    def setup(self, home, account, peer_jid):
        env = self.make_home(home)
        rc = ["set jid = %s" % account.jid,
              "set resource = mcabber",
              "set password_eval = \"cat %s\"" % account.password_file,
              "set server = 127.0.0.1",
              "set port = %d" % account.port,
              "set tls = 1",
              "set ssl_ca = %s" % account.ca_file,
              "set logging = 0",
              "set load_logs = 0"]
        _write(os.path.join(home, ".mcabber", "mcabberrc"), "\n".join(rc) + "\n")
        return [self.binary], env

    online_rx = r"Your status has been set"

    def muc_join_cmd(self, room, nick):
        return "/room join %s %s" % (room, nick)

    def muc_joined_rx(self, room, nick, count):
        # Its log window, when it handles its own presence in the room.
        return r'You have joined %s as "%s"' % (re.escape(room), re.escape(nick))

    def muc_focus(self, pane, room, timeout):
        # Select the room in the roster, then Enter on the empty input line
        # for chat mode, which shows its buffer: the status line then reads
        # "~[C] Room: ROOM -- SUBJECT".
        chat_rx = r"~\[.\] Room: %s" % re.escape(room)
        pane.send_line("/roster search %s" % room.split("@")[0])
        pane.wait_screen(r"Room: %s" % re.escape(room), timeout, "mcabber room selection")
        if not re.search(chat_rx, pane.screen()):
            pane.send_keys("Enter")
            pane.wait_screen(chat_rx, timeout, "mcabber room buffer in chat mode")

    def muc_verify(self, pane, room, nick, count, last_nick, timeout):
        self.muc_focus(pane, room, timeout)
        pane.send_line("/room names --compact")
        pane.wait_screen(r"Total: %d members" % count, timeout, "mcabber /room names total")
        return "/room names: Total: %d members" % count

    def prepare_chat(self, pane, peer_name, timeout):
        # Wait for the contact in the roster pane, select it, then press Enter
        # on the empty input line to enter chat mode, which shows the
        # contact's buffer.  The status line then reads "~[x] Buddy: NAME".
        deadline = time.monotonic() + timeout
        pane.wait_screen(r"\] %s\b" % re.escape(peer_name), timeout,
                         "contact in mcabber's roster")
        pane.send_line("/roster search %s" % peer_name)
        pane.wait_screen(r"Buddy: %s" % re.escape(peer_name),
                         max(1.0, deadline - time.monotonic()),
                         "mcabber buddy selection")
        pane.send_keys("Enter")
        pane.wait_screen(r"~\[.\] Buddy: %s" % re.escape(peer_name),
                         max(1.0, deadline - time.monotonic()),
                         "mcabber chat mode")


CLIENTS = {c.name: c for c in (NatterClient, NatterBaseClient, ProfanityClient, McabberClient)}

