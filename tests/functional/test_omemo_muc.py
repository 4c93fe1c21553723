"""OMEMO 0.3 in group chats (issue 10): a members-only, non-anonymous room with
natter and two independent OMEMO peers (harness/omemo_muc.py: Debian's
python3-omemo/oldmemo) as its three present members, plus a member who never
joined and has no OMEMO device (natter learns him from the room's member list).
natter's encrypted room messages are read by both peers and shown once (the
room's reflection, not "encrypted for other devices"); each peer's encrypted
message is decrypted with the sender its presence named; a member without a
device is named, and nothing is sent when no member has one; plain text in the
encrypted room is flagged; corrections go encrypted (a plain one of an
encrypted message is refused); replies go encrypted, their reference beside
the encrypted text and their quote only inside it; the room's history is decrypted on rejoining;
affiliation changes count from the next message; omemo_policy always applies
to such rooms only; and /omemo on is refused with the reason in an open (not
members-only) or anonymous room."""

import re

import pytest

from harness import MUC_DOMAIN
from harness.omemo_muc import OmemoOccupant
from harness.omemo_peer import OMEMO_MODULES, key_rids
from muc_helpers import wait_line, you_joined
from screen import CONNECTED, main_text, squash, title_bar, wait_main_has, wait_main_line

pytestmark = pytest.mark.servers("prosody")

COLS, ROWS = 160, 40
ROOM = "secret@" + MUC_DOMAIN


@pytest.fixture
def server(prosody_factory):
    return prosody_factory(modules=OMEMO_MODULES, muc=True)


@pytest.fixture
def omemo_occupants():
    made = []

    def make(user, prosody, password="pw"):
        if user not in prosody.users:
            prosody.add_user(user, password)
        peer = OmemoOccupant(user, password, prosody)
        made.append(peer)
        peer.connect()
        return peer
    yield make
    for peer in made:
        peer.close()


def start_natter(natter_factory, server):
    n = natter_factory(server, cols=COLS, rows=ROWS)
    n.wait_for(CONNECTED, timeout=15)
    return n


def natter_join(n, room):
    n.type_line("/join %s" % room)
    wait_line(n, you_joined(room, "alice"), timeout=15)


def count(n, pattern):
    """Main-window rows matching pattern now."""
    return sum(1 for row in main_text(n, n.screen()).splitlines() if re.search(pattern, row))


def encrypted_room(server, omemo_occupants, natter_factory):
    """bob's room ROOM (members-only, real JIDs to anyone) with members alice
    (natter), carol and dave (no OMEMO, never joins); bob, carol and natter in
    it, OMEMO on in natter. Returns (natter, bob, carol)."""
    bob = omemo_occupants("bob", server)
    carol = omemo_occupants("carol", server)
    server.add_user("dave", "pw")
    bob.create(ROOM, "bob", members_only=True, whois="anyone")
    for user in ("alice", "carol", "dave"):
        bob.set_affiliation(ROOM, "%s@localhost" % user, "member")
    carol.join(ROOM, "carol")
    n = start_natter(natter_factory, server)
    natter_join(n, ROOM)
    bob.wait_for_occupant(ROOM, "alice", timeout=15)
    n.type_line("/omemo on")
    wait_main_line(n, r"OMEMO is on: messages in this room are sent end-to-end encrypted",
                   timeout=10)
    n.wait_for(lambda s: "[OMEMO]" in title_bar(n, s), timeout=10)
    return n, bob, carol


@pytest.mark.time_limit(150)
def test_encrypted_room_with_three_members(server, omemo_occupants, natter_factory):
    n, bob, carol = encrypted_room(server, omemo_occupants, natter_factory)

    # natter -> both peers, encrypted; dave is named, the line shown once.
    n.type_line("hello room OMEMO-N1")
    for peer in (bob, carol):
        got = peer.wait_for_decrypted("hello room OMEMO-N1", timeout=30)
        assert got.frm == "%s/alice" % ROOM
        assert got.body and "hello room" not in got.body      # only the fallback in clear
    wait_main_line(n, r"not encrypted for dave@localhost \(no usable device\)", timeout=20)
    wait_main_line(n, r"~ <alice> hello room OMEMO-N1", timeout=20)
    assert count(n, r"<alice> hello room OMEMO-N1") == 1
    assert "encrypted for your other devices" not in squash(main_text(n, n.screen()))

    # Each peer -> natter: decrypted, with the right sender.
    members = ["alice@localhost", "carol@localhost", "bob@localhost"]
    bob.send_group_encrypted(ROOM, [m for m in members if m != "bob@localhost"],
                             "from bob OMEMO-B1")
    wait_main_line(n, r"~ <bob> from bob OMEMO-B1", timeout=30)
    xml = carol.send_group_encrypted(ROOM, [m for m in members if m != "carol@localhost"],
                                     "from carol OMEMO-C1")
    wait_main_line(n, r"~ <carol> from carol OMEMO-C1", timeout=30)
    # A plain text correction of an encrypted room message is not taken.
    carol_id = re.search(r"<message[^>]* id=\"([^\"]+)\"", xml).group(1)
    carol.send_raw("<message to='%s' type='groupchat' id='fix1'><body>FORGED ROOM TEXT</body>"
                   "<replace xmlns='urn:xmpp:message-correct:0' id='%s'/></message>"
                   % (ROOM, carol_id))
    carol.wait_for_groupchat(ROOM, "FORGED ROOM TEXT", timeout=15)
    bob.send_group_encrypted(ROOM, ["alice@localhost", "carol@localhost"], "next OMEMO-B2")
    wait_main_line(n, r"~ <bob> next OMEMO-B2", timeout=30)
    text = main_text(n, n.screen())
    assert "FORGED ROOM TEXT" not in text and "from carol OMEMO-C1" in text, text

    # /omemo devices in the room: each member's devices.
    n.type_line("/omemo devices")
    for peer in (bob, carol):
        wait_main_has(n, "OMEMO devices of %s (member of %s):" % (peer.bare, ROOM), timeout=10)
        grouped = " ".join(peer.fingerprint[i:i + 8] for i in range(0, 64, 8))
        wait_main_has(n, "%d: %s (trusted (blind), session)" % (peer.device_id, grouped),
                      timeout=10)
    wait_main_has(n, "OMEMO devices of dave@localhost (member of %s):" % ROOM, timeout=10)

    # A second message each way goes over the sessions now built.
    n.type_line("again OMEMO-N2")
    bob.wait_for_decrypted("again OMEMO-N2", timeout=30)
    carol.wait_for_decrypted("again OMEMO-N2", timeout=30)
    wait_main_line(n, r"~ <alice> again OMEMO-N2", timeout=20)
    assert count(n, r"<alice> again OMEMO-N2") == 1

    # What other commands send goes encrypted: /exec -o output (replies:
    # test_replies_in_an_encrypted_room).
    n.type_line("/exec -o echo exec OMEMO-E1")
    bob.wait_for_decrypted("exec OMEMO-E1", timeout=30)
    wait_main_line(n, r"~ <alice> exec OMEMO-E1", timeout=20)

    # Plain text from a member in the encrypted room is flagged.
    carol.say(ROOM, "plain words OMEMO-P1")
    wait_main_line(n, r"! <carol> plain words OMEMO-P1", timeout=20)
    # Nothing was ever sent in clear by natter.
    for peer in (bob, carol):
        texts = [m.body or "" for m in peer.messages if m.frm == "%s/alice" % ROOM]
        assert not any(re.search(r"OMEMO-[NER]", t) for t in texts), texts


NS_REPLY = "urn:xmpp:reply:0"
NS_FALLBACK = "urn:xmpp:fallback:0"


def attr(xml, element, name):
    m = re.search(r"<%s\b[^>]*\b%s=[\"']([^\"']*)[\"']" % (element, name), xml)
    return m.group(1) if m else None


@pytest.mark.time_limit(180)
def test_replies_in_an_encrypted_room(server, omemo_occupants, natter_factory):
    n, bob, carol = encrypted_room(server, omemo_occupants, natter_factory)
    bob.send_group_encrypted(ROOM, ["alice@localhost", "carol@localhost"],
                             "lunch at noon? OMEMO-Q1")
    wait_main_line(n, r"~ <bob> lunch at noon\? OMEMO-Q1", timeout=30)
    # The room's id of bob's message, as the room gave it to carol.
    sid = attr(carol.wait_for_decrypted("lunch at noon? OMEMO-Q1", timeout=30).xml,
               "stanza-id", "id")
    assert sid

    # natter's reply: quote and text encrypted, the reference (the room's id)
    # and the fallback marker beside them; no word of either in clear (CLEAR
    # has spaces or "-": never in base64 ciphertext by chance).
    CLEAR = r"OMEMO-[QR]|lunch at|yes please"
    n.type_line("/reply 1 yes please OMEMO-R1")
    quote = "> lunch at noon? OMEMO-Q1\n"
    for peer in (bob, carol):
        got = peer.wait_for_decrypted(quote + "yes please OMEMO-R1", timeout=30)
        assert got.frm == "%s/alice" % ROOM and got.error is None
        assert attr(got.xml, "reply", "id") == sid, got.xml
        assert attr(got.xml, "reply", "to") == ROOM + "/bob", got.xml
        fallback = re.search(r"<fallback\b[^>]*\bfor=[\"']%s[\"'].*?</fallback>" % NS_REPLY,
                             got.xml, re.S)
        assert fallback and attr(fallback.group(0), "body", "start") == "0" and \
            int(attr(fallback.group(0), "body", "end")) == len(quote), got.xml
        assert not any(re.search(CLEAR, x) for x in peer.stanzas), got.xml
    # Shown once (the room's reflection), with its quote row.
    n.wait_for(lambda s: re.search(r"~ <alice> > bob: lunch at noon\? OMEMO-Q1\n"
                                   r"\s+yes please OMEMO-R1$", main_text(n, s), re.M),
               timeout=20, message="own encrypted reply with its quote")
    assert count(n, r"yes please OMEMO-R1") == 1

    # bob's encrypted reply to it, by the room's id: the marked quote taken out.
    mine = attr(got.xml, "stanza-id", "id")
    bquote = "> yes please OMEMO-R1\n"
    bob.send_group_encrypted(
        ROOM, ["alice@localhost", "carol@localhost"], bquote + "great OMEMO-B2",
        extra=["<reply xmlns='%s' id='%s' to='%s/alice'/>" % (NS_REPLY, mine, ROOM),
               "<fallback xmlns='%s' for='%s'><body start='0' end='%d'/></fallback>"
               % (NS_FALLBACK, NS_REPLY, len(bquote))])
    scr = n.wait_for(lambda s: re.search(r"~ <bob> > alice: yes please OMEMO-R1\n"
                                         r"\s+great OMEMO-B2$", main_text(n, s), re.M),
                     timeout=30, message="bob's encrypted reply with its quote")
    assert "> yes please" not in main_text(n, scr).split("<bob> > alice")[1]


@pytest.mark.time_limit(150)
def test_room_archive_decrypted_and_plain_correction_refused(server, omemo_occupants,
                                                             natter_factory):
    n, bob, carol = encrypted_room(server, omemo_occupants, natter_factory)
    n.type_line("mine OMEMO-N1")
    bob.wait_for_decrypted("mine OMEMO-N1", timeout=30)
    wait_main_line(n, r"~ <alice> mine OMEMO-N1", timeout=20)

    # A plain text correction of an encrypted room message is refused.
    n.type_line("/omemo off")
    wait_main_line(n, r"OMEMO is off", timeout=10)
    n.type_line("/correct mine in clear")
    wait_main_has(n, "That message was encrypted: turn OMEMO on (/omemo on) to correct it.",
                  timeout=10)
    n.type_line("/omemo on")
    n.wait_for(lambda s: "[OMEMO]" in title_bar(n, s), timeout=10)
    # With OMEMO on, the correction goes encrypted and is shown once, corrected.
    n.type_line("/correct mine corrected OMEMO-N2")
    got = bob.wait_for_decrypted("mine corrected OMEMO-N2", timeout=30)
    assert "<replace " in got.xml and "OMEMO-N2" not in got.xml
    wait_main_line(n, r"~ <alice> mine corrected OMEMO-N2 \(corrected\)", timeout=20)

    # Away from the room, bob writes; back in it, natter reads it from the room's
    # archive (the sender's real JID from his presence, sent before the history).
    n.type_line("/leave")
    bob.wait_for_occupant(ROOM, "alice", ptype="unavailable", timeout=15)
    bob.send_group_encrypted(ROOM, ["alice@localhost", "carol@localhost"],
                             "while you were away OMEMO-B1")
    carol.wait_for_decrypted("while you were away OMEMO-B1", timeout=30)
    natter_join(n, ROOM)
    wait_main_line(n, r"~ <bob> while you were away OMEMO-B1", timeout=30)
    assert count(n, r"<alice> mine") <= 1
    assert "could not be decrypted" not in squash(main_text(n, n.screen()))
    # The peers never saw natter's text in clear.
    texts = [m.body or "" for m in bob.messages if m.frm == "%s/alice" % ROOM]
    assert not any("in clear" in t or "OMEMO-N" in t for t in texts), texts


@pytest.mark.time_limit(150)
def test_member_list_followed(server, omemo_occupants, natter_factory):
    """Affiliation changes count from the next message: a new member who is not in
    the room (known from the member list only) is encrypted for; a member whose
    membership is taken away (and who is thus removed from the room) is not."""
    n, bob, carol = encrypted_room(server, omemo_occupants, natter_factory)
    erin = omemo_occupants("erin", server)             # has a device, never joins
    n.type_line("before OMEMO-N1")
    first = bob.wait_for_decrypted("before OMEMO-N1", timeout=30)
    assert erin.device_id not in key_rids(first.xml)
    assert carol.device_id in key_rids(first.xml)

    bob.set_affiliation(ROOM, "erin@localhost", "member")
    bob.set_affiliation(ROOM, "carol@localhost", "none")
    wait_main_has(n, "carol was removed from the room", timeout=15)
    n.type_line("after OMEMO-N2")
    second = bob.wait_for_decrypted("after OMEMO-N2", timeout=30)
    rids = key_rids(second.xml)
    assert erin.device_id in rids and carol.device_id not in rids, rids
    assert bob.device_id in rids


@pytest.mark.time_limit(90)
def test_omemo_on_refused_in_open_and_anonymous_rooms(server, omemo_occupants, natter_factory):
    bob = omemo_occupants("bob", server)
    bob.create("open@" + MUC_DOMAIN, "bob", whois="anyone")
    bob.create("masked@" + MUC_DOMAIN, "bob", members_only=True, whois="moderators")
    bob.set_affiliation("masked@" + MUC_DOMAIN, "alice@localhost", "member")
    n = start_natter(natter_factory, server)

    natter_join(n, "open@" + MUC_DOMAIN)
    n.type_line("/omemo on")
    wait_main_has(n, "Not turned on: OMEMO needs a members-only, non-anonymous room, and "
                  "open@%s is open to anyone (not members-only)" % MUC_DOMAIN, timeout=10)
    n.type_line("/omemo status")
    wait_main_has(n, "This chat is not encrypted.", timeout=10)
    wait_main_has(n, "It cannot be: OMEMO needs a members-only", timeout=10)
    n.type_line("in clear OPEN-1")
    bob.wait_for_groupchat("open@" + MUC_DOMAIN, "in clear OPEN-1", timeout=15)
    assert "[OMEMO]" not in title_bar(n, n.screen())

    # omemo_policy always: only for rooms that can be encrypted.
    n.type_line("/set omemo_policy always")
    n.type_line("still in clear OPEN-2")
    bob.wait_for_groupchat("open@" + MUC_DOMAIN, "still in clear OPEN-2", timeout=15)
    assert "[OMEMO]" not in title_bar(n, n.screen())

    natter_join(n, "masked@" + MUC_DOMAIN)
    n.type_line("/omemo on")
    wait_main_has(n, "Not turned on: OMEMO needs a members-only, non-anonymous room, and "
                  "masked@%s is anonymous (members' real JIDs are hidden, so their devices "
                  "cannot be found)" % MUC_DOMAIN, timeout=10)
    assert "[OMEMO]" not in title_bar(n, n.screen())


@pytest.mark.time_limit(90)
def test_nothing_sent_when_no_member_has_a_device(server, occupant_factory, natter_factory):
    room = "lonely@" + MUC_DOMAIN
    server.add_user("dave", "pw")
    dave = occupant_factory("dave", server)        # no OMEMO at all
    dave.create(room, "dave", members_only=True, whois="anyone")
    dave.set_affiliation(room, "alice@localhost", "member")
    n = start_natter(natter_factory, server)
    natter_join(n, room)
    # omemo_policy always applies to a room that can be encrypted.
    n.type_line("/set omemo_policy always")
    n.wait_for(lambda s: "[OMEMO]" in title_bar(n, s), timeout=10)
    n.type_line("for nobody OMEMO-X1")
    wait_main_has(n, "Not sent (OMEMO): no member of %s can be encrypted for (no usable OMEMO "
                  "device: dave@localhost)." % room, timeout=20)
    # A round trip through the room: had anything been sent, dave has it by now.
    dave.say(room, "still here")
    wait_main_line(n, r"<dave> still here", timeout=15)
    assert not any("OMEMO-X1" in (m.body or "") or "OMEMO" in (m.body or "")
                   for m in dave.messages if m.frm == "%s/alice" % room)
