"""Blocking (XEP-0191) and spam reports (XEP-0377) against Prosody's mod_blocklist:
/block, /unblock, /blocked, and the blocklist followed through the server's pushes,
which count only from alice's own account."""

import re

from harness import DEFAULT_MODULES, wait_until
from screen import CONNECTED, main_text, status_bar, wait_main_has


def server_blocklist(check, iq_id):
    """The blocklist as the server keeps it, asked by alice's second resource."""
    check.send_raw("<iq type='get' id='%s'><blocklist xmlns='urn:xmpp:blocking'/></iq>" % iq_id)
    xml = check.wait_for_stanza(lambda x: "id=\"%s\"" % iq_id in x or "id='%s'" % iq_id in x)
    return sorted(re.findall(r"<item jid=[\"']([^\"']+)[\"']", xml))


def test_block_unblock_and_list(alice, prosody, peer_factory):
    check = peer_factory("alice", prosody, resource="check", initial_presence=False)
    alice.type_line("/blocked")
    wait_main_has(alice, "Nobody is blocked.")
    alice.type_line("/block mallory@localhost")
    wait_main_has(alice, "Blocked mallory@localhost.")
    assert server_blocklist(check, "b1") == ["mallory@localhost"]
    alice.type_line("/blocked")
    scr = wait_main_has(alice, "Blocked (1):")
    assert re.search(r"^\S*\s+mallory@localhost$", main_text(alice, scr), re.M)
    # what mallory writes no longer reaches alice; bob's still does
    mallory = peer_factory("mallory", prosody)
    mallory.send_message("alice@localhost", "buy now")
    peer_factory("bob", prosody).send_message("alice@localhost", "after the spam")
    alice.wait_for(lambda s: "2:bob" in status_bar(alice, s))
    alice.type_line("/win 2")
    scr = alice.wait_for("after the spam")
    bar = status_bar(alice, scr)
    assert "buy now" not in scr and "mallory" not in bar and "strangers" not in bar, bar
    alice.type_line("/win 1")
    alice.type_line("/unblock mallory@localhost")
    wait_main_has(alice, "Unblocked mallory@localhost.")
    assert server_blocklist(check, "b2") == []
    alice.type_line("/unblock mallory@localhost")
    wait_main_has(alice, "Not unblocked: mallory@localhost is not blocked")


def test_block_errors_are_one_line(alice):
    alice.type_line("/block bad@@jid")
    wait_main_has(alice, "'bad@@jid' is not a valid JID.")
    alice.type_line("/block -report eggs mallory@localhost")
    wait_main_has(alice, "Not blocked: unknown report reason 'eggs' (spam or abuse)")
    alice.type_line("/block")
    wait_main_has(alice, "Usage: /block [-report spam|abuse] JID")


def test_block_with_spam_report(prosody_factory, natter_factory):
    server = prosody_factory(modules=DEFAULT_MODULES + ("test_spam_report",))
    alice = natter_factory(server)
    alice.wait_for(CONNECTED, timeout=15)
    alice.type_line("/block -report spam mallory@localhost")
    wait_main_has(alice, "Blocked mallory@localhost and reported it to the server as spam.")
    wait_until(lambda: "test-spam-report: alice reported mallory@localhost as "
               "urn:xmpp:reporting:spam" in server.log_tail(200), 10,
               message="the server never got the report")


def test_blocklist_follows_pushes(alice, prosody, peer_factory):
    check = peer_factory("alice", prosody, resource="check", initial_presence=False)
    alice.type_line("/blocked")
    wait_main_has(alice, "Nobody is blocked.")
    check.send_raw("<iq type='set' id='p1'><block xmlns='urn:xmpp:blocking'>"
                   "<item jid='erin@localhost'/><item jid='frank@localhost'/></block></iq>")
    check.wait_for_stanza("id=\"p1\"")

    def listed(*jids):
        alice.type_line("/clear")
        alice.type_line("/blocked")
        scr = alice.wait_for(lambda s: "Blocked (" in s or "Nobody is blocked." in s)
        return all(j in main_text(alice, scr) for j in jids)
    wait_until(lambda: listed("erin@localhost", "frank@localhost"), 10,
               interval=0.3, message="natter never followed the block push")
    check.send_raw("<iq type='set' id='p2'><unblock xmlns='urn:xmpp:blocking'/></iq>")
    check.wait_for_stanza("id=\"p2\"")
    wait_until(lambda: listed() and "Nobody is blocked." in alice.screen(), 10,
               interval=0.3, message="natter never followed the unblock-all push")


def test_forged_push_is_refused(alice, prosody, peer_factory):
    alice.type_line("/blocked")
    wait_main_has(alice, "Nobody is blocked.")
    bob = peer_factory("bob", prosody)
    bob.send_raw("<iq type='set' id='forged1' to='alice@localhost/natter'>"
                 "<block xmlns='urn:xmpp:blocking'><item jid='carol@localhost'/></block></iq>")
    err = bob.wait_for_stanza("forged1")
    assert "type=\"error\"" in err or "type='error'" in err, err
    assert "forbidden" in err, err
    alice.type_line("/clear")
    alice.type_line("/blocked")
    scr = wait_main_has(alice, "Nobody is blocked.")
    assert "carol@localhost" not in main_text(alice, scr)
