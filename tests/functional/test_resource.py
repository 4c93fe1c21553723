"""The resource natter binds (issue 11 bug 6, issue 12): unique to the installation
and stable across restarts, so a second client on the same account does not log
natter out; a second natter of the same installation takes the next slot."""

import re

from screen import main_text, status_bar

RESOURCE = re.compile(r"^alice@localhost/natter\.([0-9a-f]{8})(-\d+)?$")


def connected_as(n, timeout=15):
    """The full JID of 'Connected as JID' on natter's console."""
    rx = re.compile(r"Connected as (alice@localhost/\S+)")
    scr = n.wait_for(lambda s: rx.search(main_text(n, s)), timeout=timeout,
                     message="natter did not connect")
    return rx.search(main_text(n, scr)).group(1)


def test_resource_unique_to_the_installation_and_stable(prosody, natter_factory, peer_factory):
    bob = peer_factory("bob", prosody)
    first = natter_factory(prosody, accounts_extra={"resource": None})
    jid1 = connected_as(first)
    m = RESOURCE.match(jid1)
    assert m and not m.group(2), jid1
    bob.wait_for_presence("available", frm=jid1)

    # A second natter of this installation on the same account: the next slot.
    second = natter_factory(prosody, installation=first)
    jid2 = connected_as(second)
    assert jid2 == jid1 + "-2", (jid1, jid2)
    bob.wait_for_presence("available", frm=jid2)

    # Both stay online: the first still receives what is sent to it.
    bob.send_message(jid1, "to the first natter")
    first.wait_for(lambda s: "bob" in status_bar(first, s), timeout=10,
                   message="the first natter no longer receives (logged out?)")
    assert "conflict" not in main_text(first, first.screen())
    assert first.is_alive() and second.is_alive()

    # A restart keeps the resource (the slot is free again once natter quit).
    assert first.quit() == 0
    first.restart()
    assert connected_as(first) == jid1


def test_another_installation_has_another_resource(prosody, natter_factory, peer_factory):
    a = natter_factory(prosody, accounts_extra={"resource": None})
    b = natter_factory(prosody, accounts_extra={"resource": None})
    ja, jb = connected_as(a), connected_as(b)
    assert RESOURCE.match(ja) and RESOURCE.match(jb), (ja, jb)
    assert ja != jb
    # Both sessions live side by side on the server.
    bob = peer_factory("bob", prosody)
    bob.wait_for_presence("available", frm=ja)
    bob.wait_for_presence("available", frm=jb)
    assert a.is_alive() and b.is_alive()


def test_resource_setting_and_account_key_win(prosody, natter_factory):
    n = natter_factory(prosody, accounts_extra={"resource": "laptop"})
    assert connected_as(n) == "alice@localhost/laptop"
