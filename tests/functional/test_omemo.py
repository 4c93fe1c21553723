"""OMEMO 0.3 in natter's one-to-one chats, against an independent implementation
(harness/omemo_peer.py: Debian's python3-omemo/oldmemo) on the harness Prosody
with PEP, and against Debian's Profanity: publishing this device (device list
merged, nodes opened, used pre-keys replaced), the first message each way (a
key exchange), a hundred messages each way, restarts with sessions kept, a
second device of the user's own account (carbons), refusing to send when no
device can be reached, broken and replayed messages, OMEMO 2, corrections,
trust, the policy setting, the archive catch-up and the QR code."""

import base64
import os
import re
import sqlite3

import pytest

from harness import wait_until
from harness.history_helpers import db_path
from harness.omemo_peer import DEVICELIST_NODE, BUNDLE_NODE, NS, OMEMO_MODULES, OmemoPeer, key_rids
from screen import CONNECTED, main_text, squash, title_bar, wait_main_has, wait_main_line

# OMEMO needs PEP; the tests use Prosody's.
pytestmark = pytest.mark.servers("prosody")


@pytest.fixture
def pep_server(prosody_factory):
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


def start_natter(natter_factory, server, **kw):
    n = natter_factory(server, **kw)
    n.wait_for(CONNECTED, timeout=15)
    return n


def own_device_id(n):
    n.type_line("/omemo status")
    scr = wait_main_line(n, r"OMEMO: this device is \d+", timeout=20)
    return int(re.search(r"this device is (\d+)", scr).group(1))


def open_encrypted_chat(n, jid="bob@localhost"):
    n.type_line("/msg %s" % jid)
    n.type_line("/omemo on")
    n.wait_for(lambda s: "[OMEMO]" in title_bar(n, s), timeout=10)


def db_rows(n, body):
    con = sqlite3.connect(db_path(n), timeout=10)
    try:
        return con.execute("SELECT encryption, sender_device, outgoing FROM messages "
                           "WHERE body = ?", (body,)).fetchall()
    finally:
        con.close()


@pytest.mark.time_limit(120)
def test_first_message_each_way_and_publication(pep_server, omemo_factory, natter_factory):
    bob = omemo_factory("bob", pep_server)
    n = start_natter(natter_factory, pep_server)
    me = own_device_id(n)
    # natter announced itself: bob (a contact, +notify) gets alice's device list
    # and can read the bundle, which anyone may read (access model open).
    bob.wait_for_device_list("alice", lambda ids: ids == [me], timeout=20)
    fingerprint = bob.devices("alice")[me]

    # The verification link as a QR code: the fingerprint others see.
    n.type_line("/omemo qr")
    wait_main_has(n, "xmpp:alice@localhost?omemo-sid-%d=%s" % (me, fingerprint), timeout=10)
    rows = [r for r in main_text(n, n.screen()).split("\n") if "\u2588" in r]
    assert len(rows) >= 12 and len({len(r) for r in rows}) == 1, rows

    open_encrypted_chat(n)
    n.type_line("first from natter OMEMO-N1")
    got = bob.wait_for_decrypted("first from natter OMEMO-N1", frm="alice@localhost", timeout=20)
    assert got.sender_device == me and got.prekey and got.error is None
    wait_main_line(n, r"~ <alice> first from natter OMEMO-N1", timeout=10)
    # Nothing in plain text on the wire.
    assert not any("OMEMO-N1" in x for x in bob.stanzas)

    # bob answers (python-omemo also sends an empty key transport: not shown).
    bob.send_encrypted("alice", "first from bob OMEMO-B1")
    wait_main_line(n, r"~ <bob> first from bob OMEMO-B1", timeout=20)
    scr = n.screen()
    assert "could not be decrypted" not in scr and "cannot be read" not in scr, main_text(n, scr)
    assert db_rows(n, "first from bob OMEMO-B1") == [(1, bob.device_id, 0)]
    assert db_rows(n, "first from natter OMEMO-N1") == [(1, me, 1)]
    # The debug log has the stanzas (ciphertext), never the decrypted text.
    with open(n.log_file, encoding="utf-8", errors="replace") as f:
        log = f.read()
    assert "<encrypted" in log and "OMEMO-N1" not in log and "OMEMO-B1" not in log
    con = sqlite3.connect(db_path(n), timeout=10)
    try:
        secrets = [base64.b64encode(r[0]).decode() for r in con.execute(
            "SELECT data FROM omemo_keys WHERE kind IN (0, 1, 2, 3)")]
    finally:
        con.close()
    assert len(secrets) > 100 and not any(s in log for s in secrets)


@pytest.mark.time_limit(120)
def test_key_exchange_from_the_contact_and_open_bundle(pep_server, omemo_factory,
                                                       natter_factory):
    n = start_natter(natter_factory, pep_server)
    me = own_device_id(n)
    # dave is no contact of alice's: he still reads her keys (open access).
    dave = omemo_factory("dave", pep_server)
    assert list(dave.devices("alice")) == [me]
    dave.send_encrypted("alice", "hello from a stranger OMEMO-D1")
    # Once natter replaced the pre-key dave used, bob cannot pick that one.
    wait_until(lambda: 101 in bundle_prekey_ids(dave, me, "k%d" % len(dave.stanzas)),
               timeout=15)
    bob = omemo_factory("bob", pep_server)
    n.type_line("/msg bob@localhost")
    bob.send_encrypted("alice", "bob starts OMEMO-B1")
    wait_main_line(n, r"~ <bob> bob starts OMEMO-B1", timeout=20)
    open_encrypted_chat(n)
    n.type_line("natter answers OMEMO-N1")
    got = bob.wait_for_decrypted("natter answers OMEMO-N1", timeout=20)
    assert got.sender_device == me and not got.prekey
    assert db_rows(n, "hello from a stranger OMEMO-D1") == [(1, dave.device_id, 0)]


@pytest.mark.time_limit(240)
def test_many_messages_each_way_and_restart_keeps_sessions(pep_server, omemo_factory,
                                                           natter_factory):
    bob = omemo_factory("bob", pep_server)
    n = start_natter(natter_factory, pep_server)
    me = own_device_id(n)
    open_encrypted_chat(n)
    count = 100
    for i in range(count):
        n.type_line("n2b %03d" % i)
    for i in range(count):
        bob.send_encrypted("alice", "b2n %03d" % i)
    texts = [m.plaintext for m in wait_until(
        lambda: len(bob.decrypted) >= count and bob.decrypted, timeout=60)]
    assert texts == ["n2b %03d" % i for i in range(count)]
    assert all(m.error is None for m in bob.omemo_messages)
    wait_main_line(n, r"~ <bob> b2n %03d" % (count - 1), timeout=60)
    con = sqlite3.connect(db_path(n), timeout=10)
    try:
        got = [r[0] for r in con.execute(
            "SELECT body FROM messages WHERE outgoing = 0 AND encryption = 1 ORDER BY ts, id")]
    finally:
        con.close()
    assert got == ["b2n %03d" % i for i in range(count)]

    # A restart: same device, sessions kept (no new key exchange either way).
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    assert own_device_id(n) == me
    bob.clear()
    n.type_line("/msg bob@localhost")
    n.wait_for(lambda s: "[OMEMO]" in title_bar(n, s), timeout=10)   # remembered
    bob.send_encrypted("alice", "after restart OMEMO-B2")
    wait_main_line(n, r"~ <bob> after restart OMEMO-B2", timeout=20)
    n.type_line("after restart OMEMO-N2")
    got = bob.wait_for_decrypted("after restart OMEMO-N2", timeout=20)
    assert not got.prekey and got.sender_device == me

    # The peer restarts too (same device, its sessions kept).
    bob.close()
    bob = omemo_factory("bob", pep_server, state=bob.state)
    n.type_line("after both restarts OMEMO-N3")
    got = bob.wait_for_decrypted("after both restarts OMEMO-N3", timeout=20)
    assert not got.prekey and got.error is None
    bob.send_encrypted("alice", "after both restarts OMEMO-B3")
    wait_main_line(n, r"~ <bob> after both restarts OMEMO-B3", timeout=20)
    scr = n.screen()
    assert "could not be decrypted" not in scr, main_text(n, scr)


@pytest.mark.time_limit(150)
def test_second_own_device_merged_and_carbons_decrypted(pep_server, omemo_factory,
                                                        natter_factory):
    bob = omemo_factory("bob", pep_server)
    alice2 = omemo_factory("alice", pep_server, resource="phone")
    n = start_natter(natter_factory, pep_server)
    me = own_device_id(n)
    # natter added itself to the list and kept the other device.
    both = sorted([me, alice2.device_id])
    alice2.wait_for_device_list("alice", lambda ids: ids == both, timeout=20)
    bob.wait_for_device_list("alice", lambda ids: ids == both, timeout=20)

    # natter encrypts for bob and for the user's other device, never itself.
    open_encrypted_chat(n)
    n.type_line("to bob and my phone OMEMO-N1")
    got = bob.wait_for_decrypted("to bob and my phone OMEMO-N1", timeout=20)
    assert set(key_rids(got.xml)) == {bob.device_id, alice2.device_id}

    # What the other device sends comes as a carbon: decrypted, shown as ours.
    alice2.send_encrypted("bob", "from my phone OMEMO-P1")
    bob.wait_for_decrypted("from my phone OMEMO-P1", timeout=20)
    wait_main_line(n, r"~ <alice> from my phone OMEMO-P1", timeout=20)

    # bob writes to alice: both devices read it.
    bob.send_encrypted("alice", "to both of alice OMEMO-B1")
    wait_main_line(n, r"~ <bob> to both of alice OMEMO-B1", timeout=20)
    alice2.wait_for_decrypted("to both of alice OMEMO-B1", timeout=20)
    # To the phone's resource only: natter reads the carbon of what it received.
    bob.send_encrypted("alice", "to the phone OMEMO-B2", resource="phone")
    alice2.wait_for_decrypted("to the phone OMEMO-B2", timeout=20)
    wait_main_line(n, r"~ <bob> to the phone OMEMO-B2", timeout=20)
    scr = n.screen()
    assert "could not be decrypted" not in scr, main_text(n, scr)
    assert db_rows(n, "from my phone OMEMO-P1") == [(1, alice2.device_id, 1)]


@pytest.mark.time_limit(120)
def test_nothing_sent_when_no_device_is_usable(pep_server, omemo_factory, peer_factory,
                                              natter_factory):
    carol = peer_factory("carol", pep_server)        # no OMEMO at all
    n = start_natter(natter_factory, pep_server)
    own_device_id(n)
    open_encrypted_chat(n, "carol@localhost")
    n.type_line("secret for carol OMEMO-C1")
    wait_main_has(n, "Not sent (OMEMO): carol@localhost has no OMEMO device", timeout=20)
    # Plain text still goes when the user turns OMEMO off; only that arrives.
    n.type_line("/omemo off")
    n.wait_for(lambda s: "[unencrypted]" in title_bar(n, s), timeout=10)
    n.type_line("plain marker for carol")
    carol.wait_for_message("plain marker for carol", timeout=15)
    assert [m.body for m in carol.messages if m.body] == ["plain marker for carol"]
    assert "OMEMO-C1" not in "\n".join(carol.stanzas)
    assert db_rows(n, "secret for carol OMEMO-C1") == []

    # A device without a bundle is named and skipped; the others still get it.
    bob = omemo_factory("bob", pep_server)
    bob.send_raw(
        "<iq type='set' id='ghost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
        "<publish node='%s'><item id='current'><list xmlns='%s'><device id='%d'/>"
        "<device id='4242'/></list></item></publish></pubsub></iq>"
        % (DEVICELIST_NODE, NS, bob.device_id))
    bob.wait_for_stanza("id=\"ghost\"", timeout=10)
    open_encrypted_chat(n, "bob@localhost")
    n.type_line("to the real device OMEMO-N1")
    wait_main_has(n, "device 4242 of bob@localhost is skipped", timeout=20)
    got = bob.wait_for_decrypted("to the real device OMEMO-N1", timeout=20)
    assert set(key_rids(got.xml)) == {bob.device_id}


def encrypted_xml(sid, keys, iv=b"\x01" * 12, payload=b"x" * 10, msg_id="raw1",
                  body="[OMEMO fallback text]"):
    key_xml = "".join("<key rid='%d'%s>%s</key>" % (rid, " prekey='true'" if pre else "", data)
                      for rid, data, pre in keys)
    pl = "" if payload is None else "<payload>%s</payload>" % (
        payload if isinstance(payload, str) else base64.b64encode(payload).decode())
    return ("<message to='alice@localhost' type='chat' id='%s'><body>%s</body>"
            "<encrypted xmlns='%s'><header sid='%d'>%s<iv>%s</iv></header>%s</encrypted>"
            "</message>" % (msg_id, body, NS, sid, key_xml, base64.b64encode(iv).decode(), pl))


@pytest.mark.time_limit(150)
def test_broken_messages_one_line_each_and_the_chat_goes_on(pep_server, omemo_factory,
                                                            natter_factory):
    bob = omemo_factory("bob", pep_server)
    n = start_natter(natter_factory, pep_server)
    me = own_device_id(n)
    n.type_line("/msg bob@localhost")
    bob.send_encrypted("alice", "good one OMEMO-B1")
    wait_main_line(n, r"~ <bob> good one OMEMO-B1", timeout=20)

    garbage = base64.b64encode(os.urandom(40)).decode()
    bob.send_raw(encrypted_xml(bob.device_id, [(me, garbage, False)], msg_id="bad1"))
    wait_main_has(n, "The OMEMO message from bob@localhost (device %d) could not be decrypted"
                  % bob.device_id, timeout=20)
    bob.send_raw(encrypted_xml(bob.device_id, [(me, garbage[:12], True)], msg_id="bad2"))
    bob.send_raw(encrypted_xml(bob.device_id, [(me, garbage, False)], payload="!!notbase64",
                               msg_id="bad3"))
    wait_main_has(n, "payload is not base64", timeout=20)
    bob.send_raw(encrypted_xml(bob.device_id, [(me + 1, garbage, False)], msg_id="bad4"))
    wait_main_has(n, "encrypted for your other devices, not this one", timeout=20)
    # OMEMO 2 is not supported: said so, its fallback body never shown.
    bob.send_raw("<message to='alice@localhost' type='chat' id='o2'><body>OMEMO2 FALLBACK</body>"
                 "<encrypted xmlns='urn:xmpp:omemo:2'><header sid='1'/></encrypted></message>")
    wait_main_has(n, "bob@localhost sent a message with OMEMO 2, which natter does not support "
                  "yet.", timeout=20)

    # The chat goes on.
    bob.send_encrypted("alice", "still works OMEMO-B2")
    wait_main_line(n, r"~ <bob> still works OMEMO-B2", timeout=20)
    text = squash(main_text(n, n.screen()))
    assert text.count("couldnotbedecrypted") == 2, text
    assert "OMEMOfallbacktext" not in text and "OMEMO2FALLBACK" not in text, text
    assert garbage not in text

    # A replayed message (the last one bob sent, under a new id) is dropped
    # without a word.
    replay = [x for x in bob.sent if "<payload>" in x]
    bob.send_raw(re.sub(r"id=\"[^\"]+\"", "id=\"replayed\"", replay[-1], count=1))
    bob.send_encrypted("alice", "after the replay OMEMO-B3")
    wait_main_line(n, r"~ <bob> after the replay OMEMO-B3", timeout=20)
    text = squash(main_text(n, n.screen()))
    assert text.count("stillworksOMEMO-B2") == 1 and text.count("couldnotbedecrypted") == 2, text


@pytest.mark.time_limit(120)
def test_plaintext_correction_of_an_encrypted_message_refused(pep_server, omemo_factory,
                                                              natter_factory):
    bob = omemo_factory("bob", pep_server)
    n = start_natter(natter_factory, pep_server)
    own_device_id(n)
    n.type_line("/msg bob@localhost")
    xml = bob.send_encrypted("alice", "the real text OMEMO-B1")
    msg_id = re.search(r"<message[^>]* id=\"([^\"]+)\"", xml).group(1)
    wait_main_line(n, r"~ <bob> the real text OMEMO-B1", timeout=20)
    bob.send_raw("<message to='alice@localhost' type='chat' id='fix1'><body>FORGED TEXT</body>"
                 "<replace xmlns='urn:xmpp:message-correct:0' id='%s'/></message>" % msg_id)
    # A later message shows the forged one had its turn.
    bob.send_encrypted("alice", "next OMEMO-B2")
    wait_main_line(n, r"~ <bob> next OMEMO-B2", timeout=20)
    text = main_text(n, n.screen())
    assert "FORGED TEXT" not in text and "the real text OMEMO-B1" in text, text
    con = sqlite3.connect(db_path(n), timeout=10)
    try:
        rows = con.execute("SELECT body, corrected FROM messages WHERE msg_id = ?",
                           (msg_id,)).fetchall()
    finally:
        con.close()
    assert rows == [("the real text OMEMO-B1", 0)]

    # An encrypted correction from bob is taken; one from someone else is not.
    bob.send_encrypted("alice", "corrected by bob OMEMO-B3", replace=msg_id)
    wait_main_line(n, r"~ <bob> corrected by bob OMEMO-B3 \(corrected\)", timeout=20)
    dave = omemo_factory("dave", pep_server)
    dave.send_encrypted("alice", "FORGED BY DAVE", replace=msg_id)
    bob.send_encrypted("alice", "after dave OMEMO-B4")
    wait_main_line(n, r"~ <bob> after dave OMEMO-B4", timeout=20)
    assert "FORGED BY DAVE" not in main_text(n, n.screen())

    # Our own corrections in an encrypted chat go encrypted.
    open_encrypted_chat(n)
    n.type_line("with a tpyo OMEMO-N1")
    first = bob.wait_for_decrypted("with a tpyo OMEMO-N1", timeout=20)
    first_id = re.search(r"<message[^>]* id=\"([^\"]+)\"", first.xml).group(1)
    n.type_line("/correct without a typo OMEMO-N2")
    got = bob.wait_for_decrypted("without a typo OMEMO-N2", timeout=20)
    assert re.search(r"<replace [^>]*id=\"%s\"" % re.escape(first_id), got.xml), got.xml
    assert "OMEMO-N2" not in got.xml
    wait_main_line(n, r"~ <alice> without a typo OMEMO-N2 \(corrected\)", timeout=10)
    # With OMEMO off, an encrypted message is not corrected in plain text.
    n.type_line("/omemo off")
    n.type_line("/correct in plain text OMEMO-N3")
    wait_main_has(n, "That message was encrypted: turn OMEMO on", timeout=10)
    assert not any("OMEMO-N3" in x for x in bob.stanzas)


NS_REPLY = "urn:xmpp:reply:0"
NS_FALLBACK = "urn:xmpp:fallback:0"


def reply_elements(reply_id, reply_to, quote):
    """A reply's <reply/> and <fallback/> (XML texts) as Conversations and Dino
    send them beside <encrypted/>, the quote being the start of the encrypted text."""
    return ["<reply xmlns='%s' id='%s' to='%s'/>" % (NS_REPLY, reply_id, reply_to),
            "<fallback xmlns='%s' for='%s'><body start='0' end='%d'/></fallback>"
            % (NS_FALLBACK, NS_REPLY, len(quote))]


def attr(xml, element, name):
    m = re.search(r"<%s\b[^>]*\b%s=[\"']([^\"']*)[\"']" % (element, name), xml)
    return m.group(1) if m else None


@pytest.mark.time_limit(180)
def test_replies_encrypted_with_the_reference_beside(pep_server, omemo_factory, natter_factory):
    bob = omemo_factory("bob", pep_server)
    n = start_natter(natter_factory, pep_server)
    me = own_device_id(n)
    open_encrypted_chat(n)
    xml = bob.send_encrypted("alice", "cake at six? OMEMO-Q1")
    bob_id = re.search(r"<message[^>]* id=\"([^\"]+)\"", xml).group(1)
    wait_main_line(n, r"~ <bob> cake at six\? OMEMO-Q1", timeout=20)

    # natter's reply: the quote and the text inside <encrypted/>, the reference
    # and the fallback marker beside it, no word of either in clear (CLEAR has
    # spaces or "-": never in base64 ciphertext by chance).
    CLEAR = r"OMEMO-[QR]|cake at|is fine|is better"
    n.type_line("/reply 1 six is fine OMEMO-R1")
    quote = "> cake at six? OMEMO-Q1\n"
    got = bob.wait_for_decrypted(quote + "six is fine OMEMO-R1", timeout=20)
    assert got.sender_device == me and got.error is None
    assert attr(got.xml, "reply", "id") == bob_id, got.xml
    assert attr(got.xml, "reply", "to") == "bob@localhost/omemo", got.xml
    assert attr(got.xml, "fallback", "for") == NS_REPLY, got.xml
    fallback = re.search(r"<fallback\b.*?</fallback>", got.xml, re.S).group(0)
    assert attr(fallback, "body", "start") == "0" and \
        int(attr(fallback, "body", "end")) == len(quote), got.xml
    assert not any(re.search(CLEAR, x) for x in bob.stanzas), got.xml
    scr = wait_main_line(n, r"^\s+six is fine OMEMO-R1$", timeout=10)
    assert re.search(r"~ <alice> > bob: cake at six\? OMEMO-Q1\n\s+six is fine OMEMO-R1$",
                     main_text(n, scr), re.M), main_text(n, scr)
    assert db_rows(n, "six is fine OMEMO-R1") == [(1, me, 1)]

    # Its correction is encrypted too and stays a reply to the same message.
    n.type_line("/correct six is better OMEMO-R2")
    fixed = bob.wait_for_decrypted(quote + "six is better OMEMO-R2", timeout=20)
    assert attr(fixed.xml, "replace", "id") == got.id, fixed.xml
    assert attr(fixed.xml, "reply", "id") == bob_id, fixed.xml
    assert not any(re.search(CLEAR, x) for x in bob.stanzas), fixed.xml
    wait_main_line(n, r"^\s+six is better OMEMO-R2 \(corrected\)$", timeout=10)

    # bob's encrypted reply to it: the quote row, the marked fallback taken out.
    bquote = "> six is better OMEMO-R2\n"
    bob.send_encrypted("alice", bquote + "great OMEMO-B2",
                       extra=reply_elements(got.id, "alice@localhost", bquote))
    scr = wait_main_line(n, r"^\s+great OMEMO-B2$", timeout=20)
    text = main_text(n, scr)
    assert re.search(r"~ <bob> > alice: six is better OMEMO-R2\n\s+great OMEMO-B2$", text,
                     re.M), text
    assert "> six is better" not in text.split("<bob> > alice")[1], text
    assert db_rows(n, "great OMEMO-B2") == [(1, bob.device_id, 0)]


@pytest.mark.time_limit(120)
def test_reactions_in_an_encrypted_chat_need_plain(pep_server, omemo_factory, natter_factory):
    """OMEMO encrypts a message's text only, so a reaction would go out in clear:
    in an encrypted chat /react refuses and says how to send it anyway."""
    bob = omemo_factory("bob", pep_server)
    n = start_natter(natter_factory, pep_server)
    open_encrypted_chat(n)
    bob.send_encrypted("alice", "lunch? OMEMO-E1")
    wait_main_line(n, r"~ <bob> lunch\? OMEMO-E1", timeout=20)
    n.type_line("/react 1 \U0001F44D")
    wait_main_has(n, "Reactions cannot be encrypted", timeout=10)
    wait_main_has(n, "/react -plain 1 \U0001F44D sends it anyway", timeout=10)
    n.type_line("/react -plain 1 \U0001F44D")
    got = bob.wait_for_stanza(lambda x: "<reactions" in x, timeout=10)
    assert "\U0001F44D" in got, got
    # only the one sent with -plain went out
    assert sum("<reactions" in x for x in bob.stanzas) == 1, bob.stanzas
    wait_main_line(n, r"\U0001F44D 1", timeout=10)


@pytest.mark.time_limit(150)
def test_archive_catch_up_decrypts(prosody_factory, omemo_factory, natter_factory):
    # No offline storage: what natter missed comes from the archive only.
    pep_server = prosody_factory(modules=tuple(m for m in OMEMO_MODULES if m != "offline"))
    bob = omemo_factory("bob", pep_server)
    n = start_natter(natter_factory, pep_server)
    own_device_id(n)
    n.type_line("/msg bob@localhost")
    bob.send_encrypted("alice", "before OMEMO-B1")
    wait_main_line(n, r"~ <bob> before OMEMO-B1", timeout=20)
    n.quit()
    bob.send_encrypted("alice", "while away OMEMO-B2")
    bob.send_encrypted("alice", "while away OMEMO-B3")
    n.start()
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/msg bob@localhost")
    wait_main_line(n, r"~ <bob> while away OMEMO-B3", timeout=20)
    text = main_text(n, n.screen())
    assert text.count("while away OMEMO-B2") == 1 and text.count("while away OMEMO-B3") == 1
    assert "could not be decrypted" not in text and "fallback" not in text.lower(), text
    assert db_rows(n, "while away OMEMO-B2") == [(1, bob.device_id, 0)]


def grouped(fingerprint, sep=" "):
    return sep.join(fingerprint[i:i + 8] for i in range(0, 64, 8))


@pytest.mark.time_limit(150)
def test_trust_new_device_and_plaintext_in_an_encrypted_chat(pep_server, omemo_factory,
                                                             natter_factory):
    bob = omemo_factory("bob", pep_server)
    n = start_natter(natter_factory, pep_server)
    open_encrypted_chat(n)
    n.type_line("hello bob OMEMO-N1")
    bob.wait_for_decrypted("hello bob OMEMO-N1", timeout=20)
    n.type_line("/omemo devices")
    wait_main_has(n, "%d: %s (trusted (blind), session)" % (bob.device_id, grouped(bob.fingerprint)),
                  timeout=10)
    # Verify bob's device (typed as Profanity shows it: with dashes).
    n.type_line("/omemo trust bob@localhost %s" % grouped(bob.fingerprint, "-").upper())
    wait_main_has(n, "Device %d of bob@localhost is verified" % bob.device_id, timeout=10)
    n.wait_for(lambda s: "[OMEMO] [verified]" in title_bar(n, s), timeout=10)
    n.type_line("/omemo trust bob@localhost 0123")
    wait_main_has(n, "that is not a fingerprint", timeout=10)

    # A new device of bob's: announced; not used, since bob has a verified one.
    bob2 = omemo_factory("bob", pep_server, resource="laptop")
    wait_main_has(n, "bob@localhost has a new OMEMO device %d." % bob2.device_id, timeout=20)
    n.type_line("only the verified one OMEMO-N2")
    got = bob.wait_for_decrypted("only the verified one OMEMO-N2", timeout=20)
    assert set(key_rids(got.xml)) == {bob.device_id}
    wait_main_has(n, "device %d of bob@localhost is not trusted: skipped" % bob2.device_id,
                  timeout=10)
    # What it sends is still read, but marked.
    bob2.send_encrypted("alice", "from the new laptop OMEMO-B2")
    wait_main_line(n, r"\? <bob> from the new laptop OMEMO-B2", timeout=20)
    # Once verified, the new device is used too.
    n.type_line("/omemo devices")
    wait_main_has(n, "%d: %s (not verified, session)" % (bob2.device_id,
                                                         grouped(bob2.fingerprint)), timeout=10)
    n.type_line("/omemo trust bob@localhost %s" % grouped(bob2.fingerprint))
    wait_main_has(n, "Device %d of bob@localhost is verified" % bob2.device_id, timeout=10)
    n.type_line("to both now OMEMO-N3")
    got = bob2.wait_for_decrypted("to both now OMEMO-N3", timeout=20)
    assert set(key_rids(got.xml)) == {bob.device_id, bob2.device_id}
    # Untrusted: never again.
    n.type_line("/omemo untrust bob@localhost %s" % grouped(bob2.fingerprint))
    wait_main_has(n, "Device %d of bob@localhost is untrusted" % bob2.device_id, timeout=10)
    n.type_line("not for the laptop OMEMO-N4")
    got = bob.wait_for_decrypted("not for the laptop OMEMO-N4", timeout=20)
    assert set(key_rids(got.xml)) == {bob.device_id}
    # Plain text in an encrypted chat is flagged.
    bob.send_message("alice@localhost", "plain words OMEMO-P1")
    wait_main_line(n, r"! <bob> plain words OMEMO-P1 \[NOT ENCRYPTED\]", timeout=20)
    # ... and still flagged after a restart (the history keeps the mark).
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/msg bob@localhost")
    wait_main_line(n, r"! <bob> plain words OMEMO-P1 \[NOT ENCRYPTED\]", timeout=20)
    wait_main_line(n, r"~ <alice> to both now OMEMO-N3", timeout=10)


@pytest.mark.time_limit(180)
def test_profanity_and_natter_exchange_omemo(pep_server, omemo_factory, natter_factory,
                                             tmp_path):
    """Debian's Profanity (built on libsignal) as bob, natter as alice: OMEMO both ways."""
    from test_omemo_harness import PROFANITY, Profanity
    if not os.access(PROFANITY, os.X_OK):
        pytest.skip("profanity is not installed")
    # Profanity 0.13.1 announces itself only when a device list exists.
    bob_py = omemo_factory("bob", pep_server, resource="py")
    n = start_natter(natter_factory, pep_server)
    me = own_device_id(n)
    prof = Profanity(PROFANITY, str(tmp_path / "prof"), pep_server, account="bob", cols=140,
                     rows=40, log=False)
    try:
        prof.wait_for("logged in successfully", timeout=20)
        prof.type_line("/omemo trustmode blind")
        prof.type_line("/omemo gen")
        prof_id = int(re.search(r"Your Device ID is (\d+)",
                                prof.wait_for(r"Your Device ID is \d+", timeout=60)).group(1))
        bob_py.wait_for_device_list("bob", lambda ids: prof_id in ids, timeout=20)

        prof.type_line("/msg alice@localhost")
        prof.type_line("/omemo start")
        prof.wait_for(r"\[OMEMO\]", timeout=20)
        prof.type_line("from profanity one")
        n.type_line("/msg bob@localhost")
        wait_main_line(n, r"~ <bob> from profanity one", timeout=30)

        open_encrypted_chat(n)
        n.type_line("from natter to profanity")
        prof.wait_for("alice@localhost/natter: from natter to profanity", timeout=30)
        got = bob_py.wait_for_decrypted("from natter to profanity", timeout=20)
        assert got.sender_device == me
        assert {prof_id, bob_py.device_id} <= set(key_rids(got.xml))

        prof.type_line("from profanity two")
        wait_main_line(n, r"~ <bob> from profanity two", timeout=30)
        scr = n.screen()
        assert "could not be decrypted" not in scr and "cannot be read" not in scr, \
            main_text(n, scr)
    finally:
        prof.close()


def bundle_prekey_ids(peer, device, iq_id):
    """The pre-key ids of alice's published bundle for DEVICE, read by PEER."""
    peer.send_raw("<iq type='get' to='alice@localhost' id='%s'><pubsub xmlns="
                  "'http://jabber.org/protocol/pubsub'><items node='%s'/></pubsub></iq>"
                  % (iq_id, BUNDLE_NODE % device))
    xml = peer.wait_for_stanza("id=\"%s\"" % iq_id, timeout=10)
    assert 'type="result"' in xml, xml
    return {int(i) for i in re.findall(r'preKeyId="(\d+)"', xml)}


@pytest.mark.time_limit(150)
def test_device_list_merged_node_opened_and_used_prekeys_replaced(pep_server, omemo_factory,
                                                                  peer_factory, natter_factory):
    # An older client made alice's device list with access for contacts only.
    old = peer_factory("alice", pep_server, resource="old")
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

    n = start_natter(natter_factory, pep_server)
    me = own_device_id(n)
    # Merged (the other client stays), and readable by someone who is no contact.
    bob = omemo_factory("bob", pep_server)
    bob.wait_for_device_list("alice", lambda ids: ids == sorted([7, me]), timeout=20)
    dave = peer_factory("dave", pep_server)
    dave.send_raw("<iq type='get' to='alice@localhost' id='dl1'><pubsub xmlns="
                  "'http://jabber.org/protocol/pubsub'><items node='%s'/></pubsub></iq>"
                  % DEVICELIST_NODE)
    xml = dave.wait_for_stanza('id="dl1"', timeout=10)
    assert 'type="result"' in xml and 'id="7"' in xml and 'id="%d"' % me in xml, xml
    before = bundle_prekey_ids(dave, me, "b1")
    assert before == set(range(1, 101))

    # Another client writes the list without natter: natter puts itself back.
    other = peer_factory("alice", pep_server, resource="other")
    other.send_raw(
        "<iq type='set' id='mk2'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
        "<publish node='%s'><item id='current'><list xmlns='%s'><device id='7'/></list>"
        "</item></publish></pubsub></iq>" % (DEVICELIST_NODE, NS))
    assert 'type="result"' in other.wait_for_stanza('id="mk2"')
    def alice_lists():
        return [ids for who, ids in list(bob.device_list_pushes) if who == "alice@localhost"]
    wait_until(lambda: [7] in alice_lists(), timeout=20)
    wait_until(lambda: sorted([7, me]) in alice_lists()[alice_lists().index([7]):], timeout=20)

    # bob's first message uses one pre-key: it is replaced by a new one.
    n.type_line("/msg bob@localhost")
    bob.send_encrypted("alice", "first OMEMO-B1")
    wait_main_line(n, r"~ <bob> first OMEMO-B1", timeout=20)
    after = wait_until(lambda: (lambda ids: ids if ids != before else None)(
        bundle_prekey_ids(dave, me, "b%d" % len(dave.stanzas))), timeout=15)
    assert len(after) == 100 and 101 in after and len(before - after) == 1, sorted(after)


@pytest.mark.time_limit(120)
def test_omemo_policy(pep_server, omemo_factory, peer_factory, natter_factory):
    bob = omemo_factory("bob", pep_server)
    n = start_natter(natter_factory, pep_server)
    own_device_id(n)
    n.type_line("/msg bob@localhost")
    n.wait_for(lambda s: "[unencrypted]" in title_bar(n, s), timeout=10)   # manual
    # automatic: on for contacts that have OMEMO devices, not for the others.
    n.type_line("/set omemo_policy automatic")
    bob.send_encrypted("alice", "makes bob's devices known OMEMO-B1")
    wait_main_line(n, r"~ <bob> makes bob's devices known OMEMO-B1", timeout=20)
    n.type_line("/msg bob@localhost")
    n.wait_for(lambda s: "[OMEMO]" in title_bar(n, s), timeout=10)
    n.type_line("automatic OMEMO-N1")
    bob.wait_for_decrypted("automatic OMEMO-N1", timeout=20)
    n.type_line("/msg carol@localhost")
    n.wait_for(lambda s: "[unencrypted]" in title_bar(n, s), timeout=10)
    # always: every chat, so carol (no OMEMO) gets nothing.
    n.type_line("/set omemo_policy always")
    n.type_line("/msg carol@localhost")
    n.wait_for(lambda s: "[OMEMO]" in title_bar(n, s), timeout=10)
    n.type_line("never in plain text")
    wait_main_has(n, "Not sent (OMEMO): carol@localhost has no OMEMO device", timeout=20)
    # What /omemo chose for a chat wins over the policy.
    n.type_line("/omemo off")
    n.wait_for(lambda s: "[unencrypted]" in title_bar(n, s), timeout=10)
