#!/usr/bin/python3
"""make demo: try natter against a private server, with bots to talk to.

Starts a private Prosody on 127.0.0.1 (random port, its own test CA) with the
accounts alice, bob, carol, dave and erin, and runs natter logged in as alice in
THIS terminal, with two windows open:

- a chat with bob, who confirms every message (delivery receipts, shown as a
  tick), shows that he is typing, and answers "bob heard: <text>"; in his first
  answer he makes a typo and corrects it (XEP-0308);
- the group chat lobby@conference.localhost (a bookmark of alice's joins it at
  login), where carol, dave and erin talk
  (its earlier lines arrive as the room's history) and answer when alice
  speaks.

When natter exits, everything is stopped and removed (--keep keeps the files).

    /usr/bin/python3 tests/demo.py --natter ./natter [--keep] [--workdir DIR]
"""

import argparse
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "functional"))

from harness import MUC_DOMAIN, Natter, Occupant, Peer, Prosody, cleanup_all  # noqa: E402
from harness.history_helpers import enable_receipts  # noqa: E402

BOB_PREFIX = "bob heard: "
ROOM = "lobby@" + MUC_DOMAIN
NS_CHATSTATES = "http://jabber.org/protocol/chatstates"
NS_CORRECT = "urn:xmpp:message-correct:0"
TYPING_SECONDS = 1.5      # how long bob shows "typing" before he answers
GREETING_TYPO = "Nice to meet you, alcie!"
GREETING = "Nice to meet you, alice!"
# What the room's occupants say, one line every ROOM_PACE seconds, in a loop.
ROOM_PACE = 4.0
ROOM_TALK = [
    ("carol", "morning all"),
    ("dave", "morning carol! coffee machine is fixed, by the way"),
    ("erin", "finally. who broke it this time?"),
    ("carol", "nobody admits anything"),
    ("dave", "I blame the descaling programme"),
    ("erin", "lunch at 12:30 today?"),
    ("carol", "yes please, the new place on the corner"),
    ("dave", "count me in"),
]
ROOM_ANSWERS = ["welcome, %s!", "%s: hi, make yourself at home", "%s: we talk about lunch, mostly"]


def make_server(workdir):
    """A started Prosody (with group chat) with alice and bob in each other's rosters,
    and a bookmark of alice's that joins ROOM at login."""
    users = {u: u + "-demo" for u in ("alice", "bob", "carol", "dave", "erin")}
    p = Prosody(workdir, users=users, log_level="info", muc=True)
    p.set_roster("alice", [("bob@localhost", "bob", ["Demo"], "both")])
    p.set_roster("bob", [("alice@localhost", "alice", ["Demo"], "both")])
    p.start()
    setup = Occupant("alice", users["alice"], p, resource="setup", initial_presence=False)
    try:
        setup.connect()
        setup.add_bookmark_0402(ROOM, "alice", autojoin=True, name="Demo lobby")
    finally:
        setup.close()
    return p


def _message_xml(to, body=None, state="active", mid=None, replace=None):
    """A chat <message/> with an optional body, a chat state and a correction."""
    inner = ""
    if body is not None:
        inner += "<body>%s</body>" % escape(body)
    if state:
        inner += "<%s xmlns='%s'/>" % (state, NS_CHATSTATES)
    if replace:
        inner += "<replace xmlns='%s' id=%s/>" % (NS_CORRECT, quoteattr(replace))
    return "<message to=%s type='chat' id=%s>%s</message>" % (
        quoteattr(to), quoteattr(mid or uuid.uuid4().hex), inner)


def start_bob(prosody):
    """A connected bob who confirms and answers each message (typing first), corrects
    a typo in his first answer, and accepts subscription requests."""
    bob = Peer("bob", prosody.users["bob"], prosody, resource="bot", auto_authorize=True,
               auto_subscribe=True)
    greeted = set()
    lock = threading.Lock()

    def reply(to, text):
        bob.send_raw(_message_xml(to, BOB_PREFIX + text))
        with lock:
            first = to not in greeted
            greeted.add(to)
        if first:
            mid = uuid.uuid4().hex
            bob.send_raw(_message_xml(to, GREETING_TYPO, mid=mid))
            threading.Timer(TYPING_SECONDS, lambda: bob.send_raw(
                _message_xml(to, GREETING, replace=mid))).start()

    def answer(msg):
        if msg.body is None or msg.type not in ("chat", "normal") or msg.frm_bare == bob.bare:
            return
        text = msg.body
        if text.startswith("/me "):
            text = "* %s %s" % (msg.frm_bare.split("@")[0], text[4:])
        bob.send_raw(_message_xml(msg.frm_bare, state="composing"))
        threading.Timer(TYPING_SECONDS, reply, (msg.frm_bare, text)).start()
    bob.on_message(answer)
    bob.connect()
    enable_receipts(bob)
    bob.send_presence(status="I answer every message")
    return bob


class Room:
    """carol, dave and erin in ROOM: they talk in a loop and greet whoever speaks."""

    def __init__(self, prosody):
        self.people = {}
        for nick in ("carol", "dave", "erin"):
            self.people[nick] = Occupant(nick, prosody.users[nick], prosody, resource="bot")
            self.people[nick].connect()
        self.people["carol"].create(ROOM, "carol")
        self.people["carol"].set_subject(ROOM, "The demo room: say hello")
        for nick in ("dave", "erin"):
            self.people[nick].join(ROOM, nick)
        self.answers = itertools.cycle(ROOM_ANSWERS)
        self.people["dave"].on_message(self._answer)
        self.talk = itertools.cycle(ROOM_TALK)
        self.stopped = threading.Event()
        for _ in range(3):          # some history for natter to show when it joins
            self._say_next()
        self.thread = threading.Thread(target=self._run, name="demo-room", daemon=True)
        self.thread.start()

    def _say_next(self):
        nick, text = next(self.talk)
        self.people[nick].say(ROOM, text)

    def _run(self):
        while not self.stopped.wait(ROOM_PACE):
            self._say_next()

    def _answer(self, msg):
        """dave answers anyone but the bots (live lines only, not the room's history)."""
        if msg.type != "groupchat" or msg.frm_bare != ROOM or msg.body is None:
            return
        nick = msg.frm.split("/", 1)[1] if "/" in msg.frm else ""
        if not nick or nick in self.people or "urn:xmpp:delay" in msg.xml:
            return
        self.people["dave"].send_message(ROOM, next(self.answers) % nick, mtype="groupchat")

    def close(self):
        self.stopped.set()
        self.thread.join(ROOM_PACE + 5)
        for p in self.people.values():
            p.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--natter", required=True, help="the natter binary")
    ap.add_argument("--workdir", help="directory for server and client files (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the files afterwards")
    args = ap.parse_args(argv)

    natter_bin = os.path.abspath(args.natter)
    if not os.access(natter_bin, os.X_OK):
        print("demo: no natter binary at %s (run make first)" % natter_bin, file=sys.stderr)
        return 2
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("demo: natter needs a terminal; run make demo from one", file=sys.stderr)
        return 2

    workdir = args.workdir or tempfile.mkdtemp(prefix="natter-demo-")
    os.makedirs(workdir, exist_ok=True)
    prosody = bob = room = None
    status = 1
    # Ctrl-C belongs to natter while it runs; we clean up after it.
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_term(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    try:
        print("demo: starting a private XMPP server (Prosody) on 127.0.0.1 ...", flush=True)
        prosody = make_server(workdir)
        bob = start_bob(prosody)
        room = Room(prosody)
        client = Natter(natter_bin, workdir, prosody, account="alice",
                        password=prosody.users["alice"],
                        extra_args=["-c", "/msg bob@localhost"], start=False)
        print("demo: server on port %d, files in %s" % (prosody.c2s_port, workdir))
        print("demo: you are alice@localhost; bob@localhost answers every message;"
              " carol, dave and erin talk in %s." % ROOM)
        print("demo: type a line and Enter to talk to bob; Alt+1 is the console, Alt+N"
              " window N (see the status bar); /help lists commands, /quit leaves.", flush=True)
        env_argv = client.command()
        status = subprocess.call(env_argv)
        if status != 0:
            print("demo: natter exited with status %d; its log: %s" % (status, client.log_file))
    finally:
        signal.signal(signal.SIGINT, old_int)
        if room is not None:
            room.close()
        if bob is not None:
            bob.close()
        if prosody is not None:
            prosody.stop()
        cleanup_all()
        if args.keep:
            print("demo: files kept in %s" % workdir)
        elif status == 0:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print("demo: files kept for a look in %s (server log: %s)" % (
                workdir, prosody.log_file if prosody else "-"))
        print("demo: cleaned up (server stopped)", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
