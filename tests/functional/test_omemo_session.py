"""Completing OMEMO sessions: when a contact's device built its session with
natter from a pre-key message, natter answers with an empty OMEMO message (key
transport, nothing shown or stored), as Conversations and python-omemo do, so
that the contact stops sending pre-key messages. Against the independent OMEMO
peer (harness/omemo_peer.py)."""

import re
import sqlite3

import pytest

from harness.history_helpers import db_path
from harness.omemo_peer import OMEMO_MODULES, OmemoPeer, key_rids
from screen import CONNECTED, main_text, wait_main_line

pytestmark = pytest.mark.servers("prosody")


@pytest.mark.time_limit(120)
def test_empty_message_answers_a_prekey_message(prosody_factory, natter_factory):
    server = prosody_factory(modules=OMEMO_MODULES)
    bob = OmemoPeer("bob", "pw", server)
    bob.connect()
    try:
        n = natter_factory(server)
        n.wait_for(CONNECTED, timeout=15)
        n.type_line("/omemo status")
        scr = wait_main_line(n, r"OMEMO: this device is \d+", timeout=20)
        me = int(re.search(r"this device is (\d+)", scr).group(1))
        n.type_line("/msg bob@localhost")
        # bob starts the session: a pre-key message.
        first = bob.send_encrypted("alice", "bob starts OMEMO-S1")
        assert key_rids(first)[me] is True
        wait_main_line(n, r"~ <bob> bob starts OMEMO-S1", timeout=20)
        # natter answers with an empty message for bob's device, unprompted.
        empty = bob.wait_for_omemo(lambda m: m.frm_bare == "alice@localhost" and m.empty,
                                   timeout=20)
        assert empty.error is None and empty.sender_device == me and not empty.prekey
        assert empty.body is None and set(key_rids(empty.xml)) == {bob.device_id}
        # From now on bob's messages are normal ones.
        second = bob.send_encrypted("alice", "bob goes on OMEMO-S2")
        assert key_rids(second)[me] is False, second
        wait_main_line(n, r"~ <bob> bob goes on OMEMO-S2", timeout=20)
        text = main_text(n, n.screen())
        assert "could not be decrypted" not in text, text
        # The empty message is nothing to show or keep.
        con = sqlite3.connect(db_path(n), timeout=10)
        try:
            bodies = [r[0] for r in con.execute("SELECT body FROM messages ORDER BY id")]
        finally:
            con.close()
        assert bodies == ["bob starts OMEMO-S1", "bob goes on OMEMO-S2"], bodies
    finally:
        bob.close()
