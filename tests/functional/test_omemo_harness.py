"""Self-test of the OMEMO peer (harness/omemo_peer.py): two independent python-omemo
devices talk OMEMO 0.3 through the harness Prosody. No natter needed: when a natter
OMEMO test fails, these passing means the other party and the server work."""

import base64
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from harness import Natter, Peer
from harness.omemo_peer import (BUNDLE_NODE, DEVICELIST_NODE, FALLBACK_BODY, NS, OMEMO_MODULES,
                                OmemoPeer, key_rids, payload_bytes)


@pytest.fixture
def pep_server(prosody_factory):
    """A fresh server with PEP (XEP-0163), which OMEMO publishes its keys to."""
    return prosody_factory(modules=OMEMO_MODULES)


@pytest.fixture
def omemo_factory():
    made = []

    def make(user, prosody, password="pw", connect=True, **kw):
        peer = OmemoPeer(user, password, prosody, **kw)
        made.append(peer)
        if connect:
            peer.connect()
        return peer
    yield make
    for peer in made:
        peer.close()


def server_files_text(prosody):
    """Everything the server stored (data dir) and logged, as one string."""
    chunks = []
    for root, _dirs, files in os.walk(prosody.data_dir):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                chunks.append(f.read().decode("utf-8", "replace"))
    with open(prosody.log_file, "rb") as f:
        chunks.append(f.read().decode("utf-8", "replace"))
    return "\n".join(chunks)


def iv_of(xml):
    return base64.b64decode(ET.fromstring(xml).find(".//{%s}iv" % NS).text)


@pytest.mark.time_limit(120)
def test_two_devices_exchange_encrypted_messages_both_ways(pep_server, omemo_factory):
    alice = omemo_factory("alice", pep_server)
    bob = omemo_factory("bob", pep_server)
    assert alice.device_id != bob.device_id
    assert len(alice.fingerprint) == 64 and alice.identity_key[0] == 5
    assert len(alice.identity_key) == 33

    # First message: a key exchange (pre-key message) built from bob's bundle.
    first = "secret one: OMEMO-PLAIN-1 \u00e9t\u00e9 \U0001f510"
    sent = alice.send_encrypted("bob", first)
    assert key_rids(sent) == {bob.device_id: True}
    assert len(iv_of(sent)) == 12
    assert len(payload_bytes(sent)) == len(first.encode("utf-8"))   # GCM: tag travels in the key
    got = bob.wait_for_decrypted(first, frm="alice@localhost")
    assert got.sender_device == alice.device_id and got.prekey and got.error is None
    assert got.body == FALLBACK_BODY

    # python-omemo answers a key exchange with an empty message (no payload) at
    # once; alice takes it without showing anything.
    empty = alice.wait_for_omemo(lambda m: m.empty, frm="bob@localhost")
    assert empty.error is None and empty.plaintext is None and empty.body is None
    assert not empty.prekey and empty.sender_device == bob.device_id
    assert alice.decrypted == []

    # bob answers on the session alice started: a normal message.
    reply = "secret two: OMEMO-PLAIN-2"
    sent = bob.send_encrypted("alice", reply)
    assert key_rids(sent) == {alice.device_id: False}
    got = alice.wait_for_decrypted(reply, frm="bob@localhost")
    assert got.sender_device == bob.device_id and not got.prekey

    # Later messages both ways, none of them a key exchange any more.
    texts = []
    for i in range(3):
        a = "from alice OMEMO-PLAIN-A%d" % i
        b = "from bob OMEMO-PLAIN-B%d" % i
        texts += [a, b]
        assert key_rids(alice.send_encrypted("bob", a)) == {bob.device_id: False}
        assert key_rids(bob.send_encrypted("alice", b)) == {alice.device_id: False}
        assert not bob.wait_for_decrypted(a).prekey
        assert not alice.wait_for_decrypted(b).prekey
    assert [m.plaintext for m in bob.decrypted] == [first] + texts[0::2]
    assert [m.plaintext for m in alice.decrypted] == [reply] + texts[1::2]
    assert all(m.error is None for m in alice.omemo_messages + bob.omemo_messages)

    # The server only ever saw ciphertext: not in what the peers sent or received,
    # not in what Prosody stored (MAM, offline) or logged. The fallback body and
    # the OMEMO element did reach its archive, so the search looks in the right place.
    wire = "\n".join(alice.sent + bob.sent + alice.stanzas + bob.stanzas)
    stored = server_files_text(pep_server)
    for text in [first, reply] + texts:
        assert text not in wire and text not in stored
    assert "OMEMO-PLAIN" not in wire and "OMEMO-PLAIN" not in stored
    assert FALLBACK_BODY in stored and NS in stored
    for xml in alice.sent + bob.sent:
        if "<encrypted" in xml and "<body" in xml:
            assert "<body>%s</body>" % FALLBACK_BODY.replace("<", "&lt;") in xml
            assert "urn:xmpp:eme:0" in xml and "urn:xmpp:hints" in xml


@pytest.mark.time_limit(120)
def test_own_devices_and_device_list_pushes(pep_server, omemo_factory):
    bob = omemo_factory("bob", pep_server)
    alice1 = omemo_factory("alice", pep_server, resource="one")
    # bob has +notify in his caps and a subscription: the server pushes the list.
    bob.wait_for_device_list("alice", lambda ids: ids == [alice1.device_id])
    alice2 = omemo_factory("alice", pep_server, resource="two")
    both = sorted([alice1.device_id, alice2.device_id])
    bob.wait_for_device_list("alice", lambda ids: ids == both)
    alice1.wait_for_device_list("alice", lambda ids: ids == both)
    assert bob.devices("alice") == {alice1.device_id: alice1.fingerprint,
                                    alice2.device_id: alice2.fingerprint}

    # To a bare JID: every device of it; both of alice's resources get it.
    sent = bob.send_encrypted("alice", "to all of alice")
    assert key_rids(sent) == {alice1.device_id: True, alice2.device_id: True}
    for dev in (alice1, alice2):
        got = dev.wait_for_decrypted("to all of alice", frm="bob@localhost")
        assert got.prekey and got.sender_device == bob.device_id

    # From one own device: bob's devices and our own other device, never ourselves.
    sent = alice1.send_encrypted("bob", "copy for alice2")
    assert set(key_rids(sent)) == {bob.device_id, alice2.device_id}
    bob.wait_for_decrypted("copy for alice2", frm="alice@localhost")


@pytest.mark.time_limit(90)
def test_open_access_after_precondition_not_met(pep_server, omemo_factory):
    # Someone (an older client) made alice's device-list node with the default
    # "presence" access model: the peer's publish-options clash, it reconfigures.
    old = Peer("alice", "pw", pep_server, resource="old")
    old.connect()
    old.send_raw(
        "<iq type='set' id='mk1'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
        "<publish node='%s'><item id='current'><list xmlns='%s'><device id='7'/></list>"
        "</item></publish><publish-options><x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE' type='hidden'><value>"
        "http://jabber.org/protocol/pubsub#publish-options</value></field>"
        "<field var='pubsub#access_model'><value>presence</value></field></x>"
        "</publish-options></pubsub></iq>" % (DEVICELIST_NODE, NS))
    assert 'type="result"' in old.wait_for_stanza('id="mk1"')
    old.close()

    alice = omemo_factory("alice", pep_server)
    assert alice.publish_conflicts >= 1
    assert alice.node_config(DEVICELIST_NODE)["pubsub#access_model"] == "open"
    assert alice.node_config(BUNDLE_NODE % alice.device_id)["pubsub#access_model"] == "open"

    # dave is no contact of alice's, yet gets her keys and can write to her.
    dave = omemo_factory("dave", pep_server)
    devices = dave.devices("alice")
    assert devices[alice.device_id] == alice.fingerprint
    dave.send_encrypted("alice", "hello from a stranger")
    got = alice.wait_for_decrypted("hello from a stranger", frm="dave@localhost")
    assert got.sender_device == dave.device_id


@pytest.mark.time_limit(90)
def test_same_device_comes_back_and_reads_offline_messages(pep_server, omemo_factory):
    alice = omemo_factory("alice", pep_server)
    bob = omemo_factory("bob", pep_server)
    alice.send_encrypted("bob", "before")
    bob.wait_for_decrypted("before")
    alice.wait_for_omemo(lambda m: m.empty, frm="bob@localhost")    # session confirmed
    bob_id, bob_fp = bob.device_id, bob.fingerprint
    bob.close()

    # Stored offline by the server, delivered right after bob's next presence:
    # the peer holds it until its OMEMO state is loaded again.
    alice.send_encrypted("bob", "while you were away")
    bob2 = omemo_factory("bob", pep_server, state=bob.state)
    got = bob2.wait_for_decrypted("while you were away", frm="alice@localhost")
    assert not got.prekey and got.error is None
    assert (bob2.device_id, bob2.fingerprint) == (bob_id, bob_fp)
    assert alice.devices("bob") == {bob_id: bob_fp}


PROFANITY = "/usr/bin/profanity"


class Profanity(Natter):
    """Debian's Profanity (0.13.1) in tmux as one more OMEMO client, with the
    Natter tmux plumbing: its own accounts file and profrc, debug log in its data
    directory, the test CA trusted through a hashed certificate directory."""

    def write_account(self, tls="force", ca_file=True, extra=None, password=None):
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.password + "\n")
        capath = os.path.join(self.dir, "capath")
        os.makedirs(capath, exist_ok=True)
        with open(self.prosody.ca_file, "rb") as src, open(os.path.join(capath, "ca.pem"), "wb") as dst:
            dst.write(src.read())
        subprocess.run(["openssl", "rehash", capath], check=True, capture_output=True, timeout=30)
        data = os.path.join(self.data_home, "profanity")
        conf = os.path.join(self.config_home, "profanity")
        os.makedirs(data, exist_ok=True)
        os.makedirs(conf, exist_ok=True)
        with open(os.path.join(data, "accounts"), "w") as f:
            f.write("\n".join([
                "[%s]" % self.account, "enabled=true", "jid=%s" % self.jid, "server=127.0.0.1",
                "port=%d" % self.prosody.c2s_port, "resource=profanity",
                "eval_password=cat %s" % self.password_file, "tls.policy=force",
                "presence.login=online", "priority.online=0"]) + "\n")
        with open(os.path.join(conf, "profrc"), "w") as f:
            f.write("[connection]\ntls.certpath=%s\nautoping=0\n" % capath)

    def command(self):
        env = {"HOME": self.home, "XDG_CONFIG_HOME": self.config_home,
               "XDG_DATA_HOME": self.data_home, "XDG_STATE_HOME": self.state_home,
               "XDG_RUNTIME_DIR": self.runtime_dir, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        return (["env"] + ["%s=%s" % kv for kv in env.items()]
                + [self.binary, "-a", self.account, "-l", "DEBUG"])


def grouped(fingerprint):
    """How Profanity shows a fingerprint: groups of 8 hex digits joined by '-'."""
    return "-".join(fingerprint[i:i + 8] for i in range(0, 64, 8))


@pytest.mark.skipif(not os.access(PROFANITY, os.X_OK), reason="profanity is not installed")
@pytest.mark.time_limit(120)
def test_profanity_as_third_party(pep_server, omemo_factory, tmp_path):
    bob = omemo_factory("bob", pep_server)
    # Profanity 0.13.1 publishes its device list only when it can read one:
    # on a fresh account (item-not-found) it logs "can't get OMEMO device list"
    # and never announces itself. A python device of alice's makes the list.
    alice_py = omemo_factory("alice", pep_server, resource="py")
    prof = Profanity(PROFANITY, str(tmp_path), pep_server, account="alice", cols=140, rows=40,
                     log=False)
    try:
        prof.wait_for("logged in successfully", timeout=20)
        prof.type_line("/omemo trustmode blind")
        prof.type_line("/omemo gen")
        prof_id = int(re.search(r"Your Device ID is (\d+)",
                                prof.wait_for(r"Your Device ID is \d+", timeout=60)).group(1))
        bob.wait_for_device_list("alice", lambda ids: ids == sorted([alice_py.device_id, prof_id]),
                                 timeout=20)
        # Profanity shows our fingerprint exactly as the peer computes it.
        prof.wait_for(re.escape(grouped(bob.fingerprint)), timeout=20)

        prof.type_line("/msg bob@localhost")
        prof.type_line("/omemo start")
        prof.wait_for(r"\[OMEMO\]", timeout=20)
        prof.type_line("from profanity one")
        got = bob.wait_for_decrypted("from profanity one", frm="alice@localhost", timeout=20)
        assert got.sender_device == prof_id and got.prekey and got.error is None

        bob.send_encrypted("alice", "from python to both")
        prof.wait_for("bob@localhost/omemo: from python to both", timeout=20)
        alice_py.wait_for_decrypted("from python to both", frm="bob@localhost")

        prof.type_line("from profanity two")
        got = bob.wait_for_decrypted("from profanity two", timeout=20)
        assert got.sender_device == prof_id and not got.prekey
        assert all(m.error is None for m in bob.omemo_messages)
    finally:
        prof.close()
