"""Rooms: /rooms lists a service's public rooms a page at a time, /ignore hides an
occupant's messages (still stored), /invites lists pending invitations, and /room set
takes field names, labels and yes/no."""

import re

from harness import MUC_DOMAIN
from muc_helpers import invitation, inviter_shown, wait_line
from screen import CONNECTED, main_text
from test_muc import bob, join, natter  # noqa: F401


def test_rooms_paged(natter, bob):  # noqa: F811
    n = natter
    for i in range(23):
        bob.create("room%02d" % i, "bob", public=True, name="Room number %d" % i)
    bob.create("secret", "bob", public=False)
    n.type_line("/clear")
    n.type_line("/rooms")
    scr = wait_line(n, "Rooms on %s (1-20 of 23):" % MUC_DOMAIN)
    text = main_text(n, scr)
    assert "room00@%s  Room number 0" % MUC_DOMAIN in text, text
    assert "secret@" not in text
    wait_line(n, "More: /rooms more. Join one with /join ROOM.")
    n.type_line("/clear")
    n.type_line("/rooms more")
    scr = wait_line(n, "Rooms on %s (21-23 of 23):" % MUC_DOMAIN)
    wait_line(n, "That is all. Join one with /join ROOM.")
    listed = re.findall(r"\b(room\d\d)@", main_text(n, scr))
    assert len(listed) == 3, main_text(n, scr)
    n.type_line("/rooms more")
    wait_line(n, "Cannot list rooms: no more rooms to show: /rooms [SERVICE] lists them")


def test_rooms_errors(natter):  # noqa: F811
    n = natter
    n.type_line("/rooms nosuch.localhost")
    scr = n.wait_for(lambda s: "Cannot list the rooms of nosuch.localhost:" in s)
    assert len([l for l in main_text(n, scr).splitlines() if "nosuch" in l]) == 1
    n.type_line("/rooms bob@localhost")
    wait_line(n, "Cannot list rooms: 'bob@localhost' is not a service address "
                 "(like conference.example.org)")


def test_ignore_hides_but_stores(natter, bob, muc_server, occupant_factory):  # noqa: F811
    n = natter
    bob.create("lobby", "bob")
    carol = occupant_factory("carol", muc_server)
    carol.join("lobby", "carol")
    join(n, "lobby")
    n.type_line("/ignore bob")
    wait_line(n, "Ignoring bob in lobby@%s: their messages are stored but not shown "
                 "(/unignore bob)." % MUC_DOMAIN)
    bob.say("lobby", "noise from bob", wait=True)
    carol.say("lobby", "carol after the noise", wait=True)
    scr = n.wait_for(lambda s: "carol after the noise" in s)
    assert "noise from bob" not in main_text(n, scr)
    n.type_line("/ignore")
    wait_line(n, "Ignored: bob")
    n.type_line("/unignore bob")
    wait_line(n, "No longer ignoring bob in lobby@%s." % MUC_DOMAIN)
    bob.say("lobby", "bob is heard again", wait=True)
    n.wait_for(lambda s: "bob is heard again" in s)
    n.type_line("/unignore bob")
    wait_line(n, "bob is not ignored here.")
    # stored all along
    n.type_line("/search noise")
    n.wait_for(lambda s: "noise from bob" in s)


def test_ignore_outside_a_room(natter):  # noqa: F811
    natter.type_line("/ignore bob")
    wait_line(natter, "/ignore works in a room window.")


def test_invites_listed(natter, bob):  # noqa: F811
    n = natter
    n.type_line("/invites")
    wait_line(n, "No invitations are waiting.")
    bob.create("party", "bob")
    bob.invite("party", "alice@localhost", reason="cake")
    wait_line(n, invitation(inviter_shown("bob@localhost/peer"), "party", "cake"))
    n.type_line("/invites")
    scr = wait_line(n, "Invitations waiting (1): /join ROOM accepts, /decline ROOM refuses")
    assert re.search(r"party@%s from bob@localhost(/peer)?, just now: \"cake\"" % re.escape(MUC_DOMAIN),
                     main_text(n, scr)), main_text(n, scr)


def test_room_config_by_label_and_yes_no(natter, bob):  # noqa: F811
    n = natter
    join(n, "tea")
    n.type_line("/room config")
    wait_line(n, "roomname = ")
    n.type_line("/room set Title Tea Room")
    wait_line(n, "roomname = Tea Room (not sent yet: /room submit)")
    n.type_line("/room set moderated yes")
    wait_line(n, "moderatedroom = on (not sent yet: /room submit)")
    n.type_line("/room set Persistent no")
    wait_line(n, "persistentroom = off (not sent yet: /room submit)")
    n.type_line("/room set moderated perhaps")
    wait_line(n, "Cannot set: moderatedroom is yes or no (on or off)")
    n.type_line("/room set allow yes")
    n.wait_for(lambda s: "Cannot set: 'allow' could be" in s)
    n.type_line("/room set nosuchfield 1")
    wait_line(n, "Cannot set: the form has no field 'nosuchfield' (/room config lists them)")
    n.type_line("/room submit")
    wait_line(n, "The room tea@%s is configured." % MUC_DOMAIN)
    feats = bob.disco_features("tea@" + MUC_DOMAIN)
    assert "muc_moderated" in feats and "muc_temporary" in feats, feats
    xml = bob.iq("tea@" + MUC_DOMAIN, "<query xmlns='http://jabber.org/protocol/disco#info'/>",
                 itype="get")
    assert 'name="Tea Room"' in xml, xml


def test_rooms_paged_by_the_service(prosody_factory, natter_factory, occupant_factory):
    """A service that pages (RSM): natter asks for the next page after the last
    room it got, and shows the service's count."""
    server = prosody_factory(muc=True, muc_modules=("test_rsm_rooms",))
    n = natter_factory(server)
    n.wait_for(CONNECTED, timeout=15)
    owner = occupant_factory("bob", server)
    for i in range(25):
        owner.create("hall%02d" % i, "bob", public=True)
    n.type_line("/rooms")
    scr = wait_line(n, "Rooms on %s (1-20 of 25):" % MUC_DOMAIN)
    assert "hall19@" in main_text(n, scr) and "hall20@" not in main_text(n, scr)
    n.type_line("/clear")
    n.type_line("/rooms more")
    scr = wait_line(n, "Rooms on %s (21-25 of 25):" % MUC_DOMAIN)
    wait_line(n, "That is all. Join one with /join ROOM.")
    assert re.findall(r"\b(hall\d\d)@", main_text(n, scr)) == ["hall%02d" % i for i in range(20, 25)]
    # the second page was asked for after the first page's last room
    assert re.search(r"<after>hall19@%s</after>" % re.escape(MUC_DOMAIN),
                     open(n.log_file).read())
