"""The roster pane: contact groups collapse to one row and expand again, and
/roster filter TEXT shows only the contacts that match."""

from screen import roster_rows, roster_text, wait_main_has


def rows(n, scr):
    return [r.strip() for r in roster_rows(n, scr) if r.strip()]


def test_collapse_and_expand_a_group(alice, prosody, peer_factory):
    peer_factory("bob", prosody)
    alice.wait_for(lambda s: "+ bob" in roster_text(alice, s))
    alice.type_line("/roster collapse friends")
    scr = alice.wait_for(lambda s: "Friends [1/1]" in roster_text(alice, s))
    assert "bob" not in roster_text(alice, scr)
    assert "Carol C." in roster_text(alice, scr)     # other groups stay open
    alice.type_line("/roster expand Friends")
    alice.wait_for(lambda s: "+ bob" in roster_text(alice, s)
                   and "[1/1]" not in roster_text(alice, s))
    alice.type_line("/roster collapse Nobody")
    wait_main_has(alice, "no contact is in the group 'Nobody'")


def test_filter(alice):
    alice.type_line("/roster filter car")
    scr = alice.wait_for(lambda s: "Roster ~car" in roster_text(alice, s))
    assert rows(alice, scr)[1:] == ["Work", "Carol C."], rows(alice, scr)
    wait_main_has(alice, "The roster pane shows contacts matching 'car' (/roster filter clears it).")
    # the JID matches too, and a filter opens collapsed groups
    alice.type_line("/roster collapse Friends")
    alice.type_line("/roster filter bob@LOCAL")
    scr = alice.wait_for(lambda s: "Roster ~bob@local" in roster_text(alice, s))
    assert rows(alice, scr)[1:] == ["Friends", "bob"], rows(alice, scr)
    alice.type_line("/roster filter zzz")
    alice.wait_for(lambda s: "(no contact matches)" in roster_text(alice, s))
    alice.type_line("/roster filter")
    scr = alice.wait_for(lambda s: "Roster 0/2" in roster_text(alice, s))
    assert "Friends [0/1]" in roster_text(alice, scr) and "Carol C." in roster_text(alice, scr)
