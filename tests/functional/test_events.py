"""The event stream for scripts (issue 14): `natter --remote --events`
prints one JSON object a line for what happens in the running natter:
messages with their ids, presence, rooms, connection; --filter; a reader
that stops reading never stalls natter."""

import json
import os
import select
import socket
import subprocess
import uuid

import pytest

from events_helpers import EventReader, remote_env, wait_socket
from harness import wait_until
from harness.history_helpers import open_chat
from muc_helpers import room_jid, wait_line, you_joined
from screen import CONNECTED


@pytest.fixture
def natter(muc_server, natter_factory):
    n = natter_factory(muc_server, cols=140, rows=40)
    n.wait_for(CONNECTED, timeout=15)
    return n


@pytest.fixture
def bob(muc_server, occupant_factory):
    return occupant_factory("bob", muc_server)


@pytest.fixture
def reader_factory():
    made = []

    def make(n, *args):
        r = EventReader(n, *args)
        made.append(r)
        return r
    yield make
    for r in made:
        r.close()


def test_stream_messages_presence_rooms_and_connection(natter, bob, reader_factory):
    n = natter
    ev = reader_factory(n)
    hello = ev.of("hello")[0]
    assert hello["filter"] == ["messages", "receipts", "chatstates", "presence", "rooms",
                               "connection", "transfers"], hello
    assert ev.raw[0].endswith(b"\n")

    # an incoming message: ids, window, sender, time, encryption; text escaped
    body = 'quote " backslash \\ newline\nand caf\u00e9'
    bob.send_message("alice@localhost", body)
    m = ev.wait(lambda e: e["type"] == "message" and e["direction"] == "in")
    assert m["body"] == body
    assert m["conversation"] == "bob@localhost" and m["chat"] == "chat"
    assert m["from"].startswith("bob@localhost/")
    assert m["encryption"] == "none"
    assert m["stanza_id"] and m["row"] > 0 and m["id"], m
    assert isinstance(m["window"], int) and m["window"] >= 1
    assert m["sent"].endswith("Z") and m["time"].endswith("Z")
    raw = [l for l in ev.raw if b'"message"' in l][0]
    assert b"\n" not in raw[:-1], "a raw newline inside a JSON line"

    # an outgoing one, typed in natter
    n.type_line("/msg bob@localhost hello from natter")  # its window is now on screen
    out = ev.wait(lambda e: e["type"] == "message" and e["direction"] == "out")
    assert out["body"] == "hello from natter" and out["origin_id"] and out["row"] > 0, out
    assert out["from"].startswith("alice@localhost")
    bob.wait_for_message("hello from natter")

    # a correction from bob, natter's retraction of its own message, receipts
    bob.send_raw("<message xmlns='jabber:client' to='alice@localhost' type='chat' id='fix1'>"
                 "<body>fixed text</body><replace xmlns='urn:xmpp:message-correct:0' id='%s'/>"
                 "</message>" % m["id"])
    c = ev.wait(lambda e: e["type"] == "correction")
    assert c["replaces"] == m["id"] and c["body"] == "fixed text" and c["direction"] == "in", c
    n.type_line("/retract")
    r = ev.wait(lambda e: e["type"] == "retraction")
    assert r["direction"] == "out" and r["retracts"] == out["id"], r
    bob.send_raw("<message xmlns='jabber:client' to='alice@localhost' type='chat'>"
                 "<received xmlns='urn:xmpp:receipts' id='%s'/></message>" % out["id"])
    d = ev.wait(lambda e: e["type"] == "receipt" and e["state"] == "delivered")
    assert d["id"] == out["id"] and d["conversation"] == "bob@localhost", d
    bob.send_raw("<message xmlns='jabber:client' to='alice@localhost' type='chat'>"
                 "<displayed xmlns='urn:xmpp:chat-markers:0' id='%s'/></message>" % out["id"])
    ev.wait(lambda e: e["type"] == "receipt" and e["state"] == "displayed")
    rd = ev.wait(lambda e: e["type"] == "read")
    assert rd["id"] == out["id"] and rd["conversation"] == "bob@localhost", rd

    # presence
    bob.send_presence(show="dnd", status="in a meeting")
    p = ev.wait(lambda e: e["type"] == "presence" and e["show"] == "dnd")
    assert p["jid"] == "bob@localhost" and p["status"] == "in a meeting", p

    # a room: joining, joined with its occupants, a message in it, leaving
    bob.create("lobby", "bob", persistent=True)
    n.type_line("/join lobby")
    wait_line(n, you_joined("lobby", "alice"), timeout=15)
    room = room_jid("lobby")
    joined = ev.wait(lambda e: e["type"] == "room" and e["event"] == "joined")
    assert joined["room"] == room and joined["nick"] == "alice" and joined["occupants"] == 2
    occ = ev.wait(lambda e: e["type"] == "occupant" and e["nick"] == "bob")
    assert occ["event"] == "joined" and occ["room"] == room and occ["initial"] is True
    bob.say("lobby", "hello room")
    g = ev.wait(lambda e: e["type"] == "message" and e["body"] == "hello room")
    assert g["chat"] == "groupchat" and g["conversation"] == room and g["from"] == room + "/bob"
    bob.leave("lobby")
    ev.wait(lambda e: e["type"] == "occupant" and e["event"] == "left" and e["nick"] == "bob")

    # connection state
    n.type_line("/disconnect")
    ev.wait(lambda e: e["type"] == "connection" and e["state"] == "disconnected")
    n.type_line("/connect alice")
    c = ev.wait(lambda e: e["type"] == "connection" and e["state"] == "connected", timeout=15)
    assert c["jid"].startswith("alice@localhost/"), c
    assert not ev.bad


UP = "\U0001F44D"
HEART = "\u2764"


def reactions_xml(to, target, emojis):
    inner = "".join("<reaction>%s</reaction>" % e for e in emojis)
    return ("<message to='%s' type='chat' id='%s'><reactions xmlns='urn:xmpp:reactions:0' "
            "id='%s'>%s</reactions><store xmlns='urn:xmpp:hints'/></message>"
            % (to, uuid.uuid4().hex[:10], target, inner))


@pytest.fixture
def upload_server(prosody_factory):
    return prosody_factory(upload=True, upload_limit=1024 * 1024)


def test_stream_replies_reactions_files(upload_server, natter_factory, peer_factory,
                                        reader_factory, tmp_path):
    """What scripts learn of replies, reactions (also one sent by a script with
    --remote '/react N EMOJI') and files (the attachment, its download)."""
    from test_download import send_link, upload
    n = natter_factory(upload_server, cols=140, rows=40)
    n.wait_for(CONNECTED, timeout=15)
    bob = peer_factory("bob", upload_server)
    n.type_line("/set download_dir %s" % (tmp_path / "dl"))
    open_chat(n)
    ev = reader_factory(n)

    # a message, then bob's reply to it (the fallback quote is not in the body)
    bob.send_raw("<message to='alice@localhost' type='chat' id='q-1'><body>lunch?</body>"
                 "</message>")
    q = ev.wait(lambda e: e["type"] == "message" and e.get("id") == "q-1")
    assert "reply_to" not in q and "attachment" not in q and q["encryption"] == "none", q
    bob.send_raw("<message to='alice@localhost' type='chat' id='r-1'>"
                 "<body>&gt; lunch?\nyes, at noon</body>"
                 "<reply xmlns='urn:xmpp:reply:0' id='q-1' to='bob@localhost'/>"
                 "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'>"
                 "<body start='0' end='9'/></fallback></message>")
    r = ev.wait(lambda e: e["type"] == "message" and e.get("id") == "r-1")
    assert r["reply_to"] == "q-1" and r["body"] == "yes, at noon", r

    # bob reacts; the set replaces his earlier one
    bob.send_raw(reactions_xml("alice@localhost", "q-1", [UP]))
    x = ev.wait(lambda e: e["type"] == "reaction" and e["direction"] == "in")
    assert x["target"] == "q-1" and x["emojis"] == [UP], x
    assert x["conversation"] == "bob@localhost" and x["from"].startswith("bob@localhost/"), x
    assert isinstance(x["window"], int) and x["chat"] == "chat", x
    bob.send_raw(reactions_xml("alice@localhost", "q-1", []))
    gone = ev.wait(lambda e: e["type"] == "reaction" and e["emojis"] == [])
    assert gone["target"] == "q-1", gone

    # a script reacts through the remote command path
    res = subprocess.run([n.binary, "--remote", "/react #%d %s" % (q["row"], HEART)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=remote_env(n),
                         timeout=10, universal_newlines=True)
    assert res.returncode == 0, res
    mine = ev.wait(lambda e: e["type"] == "reaction" and e["direction"] == "out")
    assert mine["target"] == "q-1" and mine["emojis"] == [HEART], mine
    bob.wait_for_stanza(lambda s: "<reactions" in s and HEART in s and "q-1" in s)
    # a bad one: one error line for the script, nothing sent
    res = subprocess.run([n.binary, "--remote", "/react #99999 %s" % HEART],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=remote_env(n),
                         timeout=10, universal_newlines=True)
    assert res.returncode != 0 and "99999" in res.stdout + res.stderr, res

    # a file: the message names its attachment; the download says which one
    url = upload(bob, upload_server, "notes.txt", b"hello file\n")
    send_link(bob, url, oob=url)
    a = ev.wait(lambda e: e["type"] == "message" and e["body"] == url)
    att = a["attachment"]
    assert att["url"] == url and att["name"] == "notes.txt" and att["num"] > 0, a
    n.type_line("/download %d" % att["num"])
    d = ev.wait(lambda e: e["type"] == "transfer" and e["state"] == "done", timeout=20)
    assert d["direction"] == "in" and d["attachment"] == att["num"], d
    assert d["name"] == "notes.txt" and d["path"].endswith("notes.txt"), d
    with open(d["path"], "rb") as f:
        assert f.read() == b"hello file\n"
    assert not ev.bad


def test_filter_and_bad_filter(natter, bob, reader_factory):
    n = natter
    pres = reader_factory(n, "--filter", "presence")
    assert pres.of("hello")[0]["filter"] == ["presence"]
    msgs = reader_factory(n, "--filter", "messages,rooms")
    bob.send_message("alice@localhost", "only for the message reader")
    msgs.wait(lambda e: e["type"] == "message" and e["body"] == "only for the message reader")
    bob.send_presence(show="away")
    pres.wait(lambda e: e["type"] == "presence" and e["show"] == "away")
    # the presence reader got no message; the message reader no presence
    bob.send_message("alice@localhost", "marker")
    msgs.wait(lambda e: e["type"] == "message" and e["body"] == "marker")
    assert {e["type"] for e in pres.events} == {"hello", "presence"}, pres.events
    assert {e["type"] for e in msgs.events} == {"hello", "message"}, msgs.events

    wait_socket(n)
    res = subprocess.run([n.binary, "--remote", "--events", "--filter", "messages,nonsense"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=remote_env(n),
                         timeout=10, universal_newlines=True)
    assert res.returncode == 2 and res.stdout == "", res
    assert "nonsense" in res.stderr, res.stderr
    # and a client speaking the socket directly gets the same refusal
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(wait_socket(n))
    s.sendall(b"?events bogus\n")
    s.settimeout(5)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    assert data.startswith(b"error: unknown event kind 'bogus'"), data
    assert n.is_alive()


@pytest.mark.time_limit(120)
def test_reader_that_stops_reading_does_not_stall_natter(natter, bob, reader_factory):
    n = natter
    live = reader_factory(n, "--filter", "messages")   # one that keeps reading
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(wait_socket(n))
    s.sendall(b"?events messages\n")
    # far more than the socket and natter's backlog hold (about 1.3 MB of lines)
    filler = "x" * 1000
    for i in range(900):
        bob.send_message("alice@localhost", "flood %d %s" % (i, filler))
    # natter goes on: what is typed is sent at once
    n.type_line("/msg bob@localhost still answering")
    bob.wait_for_message("still answering", timeout=10)
    live.wait(lambda e: e["type"] == "message" and e["body"].startswith("flood 899 "), timeout=60)

    # the reader comes back: it reads what was kept, then a count of what it
    # missed, and the stream goes on
    s.setblocking(False)
    buf = b""

    def read_some():
        nonlocal buf
        while True:
            r, _, _ = select.select([s], [], [], 0.2)
            if not r:
                return
            chunk = s.recv(65536)
            assert chunk, "natter closed the stream"
            buf += chunk
    wait_until(lambda: read_some() or b'"dropped"' in buf, 15, message="no dropped record")
    bob.send_message("alice@localhost", "after the gap")
    wait_until(lambda: read_some() or b"after the gap" in buf, 10, message="stream did not go on")
    s.close()
    lines = [json.loads(l) for l in buf.decode("utf-8").splitlines()]
    assert lines[0]["type"] == "hello"
    dropped = [l for l in lines if l["type"] == "dropped"]
    assert len(dropped) == 1 and dropped[0]["count"] > 0, dropped
    got = [l for l in lines if l["type"] == "message"]
    # 900 flood messages, the one typed, the one after the gap: each either
    # came or was counted
    assert len(got) + dropped[0]["count"] == 902, (len(got), dropped)
    assert len(live.of("message")) == 902
    assert got[-1]["body"] == "after the gap"
    assert os.path.exists(wait_socket(n)) and n.is_alive()


@pytest.mark.servers("prosody")
@pytest.mark.time_limit(120)
def test_stream_encrypted_messages(prosody_factory, natter_factory, reader_factory):
    """OMEMO messages say so: encryption, the sender's device, whether it is trusted."""
    from harness.omemo_peer import OMEMO_MODULES, OmemoPeer
    from test_omemo import open_encrypted_chat, own_device_id
    server = prosody_factory(modules=OMEMO_MODULES)
    n = natter_factory(server, cols=140, rows=40)
    n.wait_for(CONNECTED, timeout=15)
    me = own_device_id(n)
    bob = OmemoPeer("bob", "pw", server)
    try:
        bob.connect()
        bob.wait_for_device_list("alice", lambda ids: ids == [me], timeout=20)
        ev = reader_factory(n, "--filter", "messages")
        open_encrypted_chat(n)
        n.type_line("secret from natter")
        out = ev.wait(lambda e: e["type"] == "message" and e["direction"] == "out", timeout=20)
        assert out["encryption"] == "omemo" and out["body"] == "secret from natter", out
        bob.wait_for_decrypted("secret from natter", frm="alice@localhost", timeout=20)
        bob.send_encrypted("alice", "secret from bob")
        m = ev.wait(lambda e: e["type"] == "message" and e["direction"] == "in", timeout=20)
        assert m["encryption"] == "omemo" and m["body"] == "secret from bob", m
        assert m["device"] == bob.device_id and isinstance(m["trusted"], bool), m
    finally:
        bob.close()
