#!/usr/bin/python3
"""make demo: try natter against a private server, with a bot to talk to.

Starts a private Prosody on 127.0.0.1 (random port, its own test CA) with the
accounts alice and bob, runs a "bob" who answers every message with
"bob heard: <text>", then runs natter logged in as alice in THIS terminal. When
natter exits, everything is stopped and removed (use --keep to keep the files).

    /usr/bin/python3 tests/demo.py --natter ./natter [--keep] [--workdir DIR]
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "functional"))

from harness import Natter, Peer, Prosody, cleanup_all  # noqa: E402

BOB_PREFIX = "bob heard: "


def make_server(workdir):
    """A started Prosody with alice and bob in each other's rosters."""
    p = Prosody(workdir, users={"alice": "alice-demo", "bob": "bob-demo"}, log_level="info")
    p.set_roster("alice", [("bob@localhost", "bob", ["Demo"], "both")])
    p.set_roster("bob", [("alice@localhost", "alice", ["Demo"], "both")])
    return p.start()


def start_bob(prosody):
    """A connected bob who answers each message and accepts subscription requests."""
    bob = Peer("bob", prosody.users["bob"], prosody, resource="bot", auto_authorize=True,
               auto_subscribe=True)

    def answer(msg):
        if msg.body is None or msg.type == "error" or msg.frm_bare == bob.bare:
            return
        text = msg.body
        if text.startswith("/me "):
            text = "* %s %s" % (msg.frm_bare.split("@")[0], text[4:])
        reply_type = msg.type if msg.type in ("chat", "normal") else "chat"
        bob.send_message(msg.frm_bare, BOB_PREFIX + text, mtype=reply_type)
    bob.on_message(answer)
    bob.connect()
    bob.send_presence(status="I answer every message")
    return bob


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
    prosody = bob = None
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
        client = Natter(natter_bin, workdir, prosody, account="alice",
                        password=prosody.users["alice"],
                        extra_args=["-c", "/msg bob@localhost"], start=False)
        print("demo: server on port %d, files in %s" % (prosody.c2s_port, workdir))
        print("demo: you are alice@localhost; bob@localhost answers every message.")
        print("demo: type a line and Enter to talk to bob; Alt+1 is the console;"
              " /help lists commands, /quit leaves.", flush=True)
        env_argv = client.command()
        status = subprocess.call(env_argv)
        if status != 0:
            print("demo: natter exited with status %d; its log: %s" % (status, client.log_file))
    finally:
        signal.signal(signal.SIGINT, old_int)
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
