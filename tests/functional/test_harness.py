"""Self-test of the harness: Prosody, slixmpp peers and the tmux driver.

These do not need natter; they make sure a failing natter test means natter failed.
"""

import os
import time

import pytest

from harness import (Natter, NatterExited, PeerError, WaitTimeout, attrs_at, column_of,
                     columns, text_width)

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness", "fake_natter.py")


def test_prosody_starts_peers_exchange_and_restart(prosody_factory, peer_factory):
    p = prosody_factory()
    bob = peer_factory("bob", p)
    carol = peer_factory("carol", p)
    bob.send_message("carol@localhost", "hello carol")
    got = carol.wait_for_message("hello carol", frm="bob@localhost")
    assert got.frm == "bob@localhost/peer" and got.type == "chat"
    carol.send_message("bob@localhost", "hi bob \u6f22\u5b57 \U0001F389")
    assert bob.wait_for_message(frm="carol@localhost").body == "hi bob \u6f22\u5b57 \U0001F389"

    port = p.c2s_port
    p.restart()
    assert p.c2s_port == port
    bob.wait_disconnected()
    carol.wait_disconnected()
    bob.connect()
    carol.connect()
    carol.clear()
    bob.send_message("carol@localhost", "after restart")
    carol.wait_for_message("after restart")


def test_presence_and_subscription_between_peers(prosody_factory, peer_factory):
    p = prosody_factory()
    bob = peer_factory("bob", p)
    dave = peer_factory("dave", p)
    dave.send_subscribe("bob@localhost")
    req = bob.wait_for_presence("subscribe", frm="dave@localhost")
    assert req.to == "bob@localhost"
    bob.approve("dave@localhost")
    dave.wait_for_presence("subscribed", frm="bob@localhost")
    bob.send_presence(show="away", status="out to lunch")
    pres = dave.wait_for_presence(lambda r: r.show == "away", frm="bob@localhost")
    assert pres.status == "out to lunch"
    assert dave.get_roster()["bob@localhost"]["subscription"] == "to"


def test_set_roster_large_and_encoded(prosody_factory, peer_factory):
    p = prosody_factory(start=False)
    items = [("c%04d@localhost" % i, "Contact \u00e9 %04d" % i, ["G%d" % (i % 7)], "both")
             for i in range(2000)]
    items.append(("x.y@localhost", 'quote " back\\slash', ["Gr\u00fcn", "Two"], "to"))
    p.set_roster("erin", items)
    p.start()
    erin = peer_factory("erin", p)
    roster = erin.get_roster()
    assert len(roster) == 2001
    assert roster["c0042@localhost"] == {"name": "Contact \u00e9 0042", "subscription": "both",
                                         "ask": None, "groups": ["G0"]}
    assert roster["x.y@localhost"]["name"] == 'quote " back\\slash'
    assert sorted(roster["x.y@localhost"]["groups"]) == ["Gr\u00fcn", "Two"]


def test_refusals_wrong_password_and_untrusted_certificate(prosody_factory, peer_factory):
    p = prosody_factory()
    with pytest.raises(PeerError, match="authentication failed"):
        peer_factory("bob", p, password="wrong", connect=False).connect(timeout=10)
    bad = prosody_factory(trusted_cert=False)
    assert bad.cert_sha256 != p.cert_sha256
    with pytest.raises(PeerError, match="not trusted"):
        peer_factory("bob", bad, connect=False).connect(timeout=10)
    # ... while the same server's certificate is accepted when trusted explicitly.
    peer_factory("bob", bad, connect=False, ca_file=bad.cert_file).connect(timeout=10)


def test_direct_tls_port(prosody_factory, peer_factory):
    p = prosody_factory()
    peer_factory("bob", p, connect=False, direct_tls=True).connect(timeout=10)


def test_spoofed_iq_is_routed_to_the_full_jid(prosody_factory, peer_factory):
    """The premise of natter's spoofing test: Prosody delivers another user's
    roster push to the client, so the client must check it."""
    p = prosody_factory()
    alice = peer_factory("alice", p, resource="natter")
    mallory = peer_factory("mallory", p)
    mallory.send_raw("<iq type='set' id='spoof1' to='alice@localhost/natter'>"
                     "<query xmlns='jabber:iq:roster'><item jid='eve@localhost' name='EVE'/>"
                     "</query></iq>")
    xml = alice.wait_for_stanza("spoof1")
    assert "mallory@localhost/peer" in xml and "EVE" in xml


def test_tmux_driver_with_fake_program(tmp_path, prosody_factory):
    p = prosody_factory(start=False)
    n = Natter(FAKE, str(tmp_path), p, extra_args=["-c", "/x"])
    try:
        scr = n.wait_for(r"Connected as fake", timeout=10)
        assert "args=-a alice --log" in scr and "-c /x" in scr and "xdg=yes" in scr
        with open(n.accounts_file) as f:
            acct = f.read()
        assert "port=%d" % p.c2s_port in acct and "ca_file=%s" % p.ca_file in acct
        assert oct(os.stat(n.password_file).st_mode & 0o777) == "0o600"
        n.type_line("hello \u6f22\u5b57 \U0001F389 there")
        scr = n.wait_for(r"^> hello \u6f22\u5b57 \U0001F389 there$")
        line = [l for l in scr.split("\n") if l.startswith("> hello")][0]
        assert text_width(line) == len(line) + 3
        assert column_of(line, "there") == 2 + 6 + 5 + 3
        assert columns(line, 8, 12) == "\u6f22\u5b57"
        n.send_keys("M-2")
        n.wait_for(r"^alt-2$")
        lines = "\n".join("line %03d %s" % (i, "x" * 30) for i in range(200))
        n.paste(lines)
        n.wait_for(r"pasted 200 lines, %d chars" % len(lines))
        n.type_line("/red DANGER")
        n.wait_for("DANGER")
        row = [l for l in n.screen_with_attrs().split("\n") if "DANGER" in l][0]
        assert attrs_at(row, "DANGER") != attrs_at(row, "plain")
        before = n.title()
        n.type_line("/title pwned-title")
        wait = n.wait_for(lambda s: n.title() == "pwned-title")
        assert before != "pwned-title" and wait
        with pytest.raises(WaitTimeout) as exc:
            n.wait_for("this never appears", timeout=0.3)
        assert "Connected as fake" in str(exc.value)   # the screen is in the message
        assert n.quit() == 0
        assert not n.is_alive()
    finally:
        n.close()


def test_tmux_driver_reports_a_dead_program(tmp_path, prosody_factory):
    p = prosody_factory(start=False)
    n = Natter(FAKE, str(tmp_path), p)
    try:
        n.wait_for("Connected as fake")
        n.type_line("/crash")
        t0 = time.monotonic()
        with pytest.raises(NatterExited):
            n.wait_for("never", timeout=10)
        assert time.monotonic() - t0 < 5
        assert n.exit_status() == 3
    finally:
        n.close()
