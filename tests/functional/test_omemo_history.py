"""OMEMO messages in the history: the trust mark a line had when it came (`?`
from a device the user did not trust) comes back after a restart and when
paging, whatever the user decided since; and paging back (PgUp) through an
encrypted archive that only the server has decrypts it in place, without notices
out of place. Against the independent OMEMO peer (harness/omemo_peer.py)."""

import base64
import os
import re
import sqlite3

import pytest

from harness import DEFAULT_MODULES
from harness.history_helpers import db_path
from harness.omemo_peer import OMEMO_MODULES, OmemoPeer
from screen import CONNECTED, main_rows, main_text, squash, wait_main_has, wait_main_line

pytestmark = pytest.mark.servers("prosody")


@pytest.fixture
def omemo_factory():
    made = []

    def make(user, prosody, **kw):
        peer = OmemoPeer(user, "pw", prosody, **kw)
        made.append(peer)
        peer.connect()
        return peer
    yield make
    for peer in made:
        peer.close()


def own_device_id(n):
    n.type_line("/omemo status")
    scr = wait_main_line(n, r"OMEMO: this device is \d+", timeout=20)
    return int(re.search(r"this device is (\d+)", scr).group(1))


def grouped(fingerprint):
    return " ".join(fingerprint[i:i + 8] for i in range(0, 64, 8))


def trust_rows(n):
    con = sqlite3.connect(db_path(n), timeout=10)
    try:
        return dict(con.execute("SELECT body, sender_trust FROM messages WHERE encryption = 1"))
    finally:
        con.close()


@pytest.mark.time_limit(150)
def test_untrusted_mark_survives_restart(prosody_factory, omemo_factory, natter_factory):
    server = prosody_factory(modules=OMEMO_MODULES)
    bob = omemo_factory("bob", server)
    n = natter_factory(server)
    n.wait_for(CONNECTED, timeout=15)
    own_device_id(n)
    # Only verified devices are trusted: bob's first message is read, marked '?'.
    n.type_line("/set omemo_trust manual")
    n.type_line("/msg bob@localhost")
    bob.send_encrypted("alice", "before verification OMEMO-T1")
    wait_main_line(n, r"\? <bob> before verification OMEMO-T1", timeout=20)
    n.type_line("/omemo trust bob@localhost %s" % grouped(bob.fingerprint))
    wait_main_has(n, "Device %d of bob@localhost is verified" % bob.device_id, timeout=10)
    bob.send_encrypted("alice", "after verification OMEMO-T2")
    wait_main_line(n, r"~ <bob> after verification OMEMO-T2", timeout=20)

    # After a restart each line has the mark it had when it came.
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/msg bob@localhost")
    scr = wait_main_line(n, r"~ <bob> after verification OMEMO-T2", timeout=20)
    text = main_text(n, scr)
    assert re.search(r"\? <bob> before verification OMEMO-T1", text), text
    assert not re.search(r"~ <bob> before verification", text), text
    # Kept in the row: untrusted (3) and verified (2) when they came.
    assert trust_rows(n) == {"before verification OMEMO-T1": 3,
                             "after verification OMEMO-T2": 2}


@pytest.mark.time_limit(200)
def test_pgup_through_an_encrypted_archive(prosody_factory, omemo_factory, natter_factory):
    # No offline storage: what natter missed is in the archive only.
    server = prosody_factory(modules=tuple(m for m in OMEMO_MODULES if m != "offline"))
    bob = omemo_factory("bob", server)
    n = natter_factory(server)
    n.wait_for(CONNECTED, timeout=15)
    me = own_device_id(n)
    n.type_line("/set omemo_trust manual")     # bob's lines are all '?'
    n.quit()
    count = 90
    for i in range(count):
        if i == 10:
            # One for another device of alice's: live it would be a notice;
            # paged in from the archive it would land out of place.
            from test_omemo import encrypted_xml
            bob.send_raw(encrypted_xml(bob.device_id, [(me + 1, base64.b64encode(
                os.urandom(40)).decode(), False)], msg_id="other-device"))
        bob.send_encrypted("alice", "page %02d OMEMO" % i)
    # Forget the catch-up point: the next login fetches only the newest page,
    # the rest stays in the archive for PgUp.
    con = sqlite3.connect(db_path(n), timeout=10)
    try:
        con.execute("DELETE FROM state WHERE key LIKE 'mam%'")
        con.commit()
    finally:
        con.close()
    n.start()
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/msg bob@localhost")
    scr = wait_main_line(n, r"\? <bob> page %02d OMEMO" % (count - 1), timeout=30)
    con = sqlite3.connect(db_path(n), timeout=10)
    try:
        stored = con.execute("SELECT count(*) FROM messages WHERE peer = "
                             "(SELECT peer_key FROM peers WHERE jid = 'bob@localhost')")
        assert stored.fetchone()[0] < count     # the older ones are in the archive only
    finally:
        con.close()
    for _ in range(40):
        if squash("Beginning of the history with this contact.") in squash(main_text(n, scr)):
            break
        before = main_rows(n, scr)
        n.send_keys("PPage")
        scr = n.wait_for(lambda s: main_rows(n, s) != before, timeout=15,
                         message="PgUp changed nothing")
    else:
        pytest.fail("40 PgUps never reached the beginning")
    text = main_text(n, scr)
    assert re.search(r"\? <bob> page 00 OMEMO", text), text
    assert "could not be decrypted" not in text and "cannot be read" not in text, text
    assert "OMEMO encrypted message but your client" not in text, text
    assert "not this one" not in text and "fallback" not in text, text
    # Every message once, decrypted, in order, with the mark it had.
    con = sqlite3.connect(db_path(n), timeout=10)
    try:
        rows = con.execute("SELECT body, encryption, sender_trust FROM messages "
                           "WHERE peer = (SELECT peer_key FROM peers WHERE jid = 'bob@localhost') "
                           "ORDER BY ts, id").fetchall()
    finally:
        con.close()
    assert [r[0] for r in rows] == ["page %02d OMEMO" % i for i in range(count)], rows
    assert all(r[1] == 1 and r[2] == 3 for r in rows), rows
    # Scrolled back down, the screen holds no notice between the lines.
    n.send_keys("End")
    scr = wait_main_line(n, r"\? <bob> page %02d OMEMO" % (count - 1), timeout=10)
    text = main_text(n, scr)
    assert "could not be decrypted" not in text and "not this one" not in text, text
