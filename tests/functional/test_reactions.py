"""Reactions (XEP-0444), both ways, in a one-to-one chat and in a room
(issue 14).

Reactions show under their message as counts ("👍 2  ❤ 1"); a new set from
the same person replaces their old one, an empty set removes it. /react N
EMOJI adds or takes back our own. Only the people in the conversation count:
a stranger naming a message's id changes nothing. Reactions are kept in the
history: after a restart they are there again, and one that arrives before
its message waits for it.
"""

import re

from harness.history_helpers import open_chat, ping
from muc_helpers import msg, wait_line, you_joined
from screen import CONNECTED, main_text, wait_main_has, wait_main_line

NATTER = "alice@localhost/natter"
ROOM = "lobby@conference.localhost"
NS = "urn:xmpp:reactions:0"
UP, HEART, PIZZA = "\U0001F44D", "\u2764", "\U0001F355"


def reactions_xml(to, target, emojis, mtype="chat", mid=None):
    inner = "".join("<reaction>%s</reaction>" % e for e in emojis)
    return ("<message to='%s' type='%s'%s><reactions xmlns='%s' id='%s'>%s</reactions>"
            "<store xmlns='urn:xmpp:hints'/></message>"
            % (to, mtype, " id='%s'" % mid if mid else "", NS, target, inner))


def row_after(n, scr, line_re):
    """The main window's row after the first row matching LINE_RE (or None)."""
    rows = main_text(n, scr).split("\n")
    for i, r in enumerate(rows):
        if re.search(line_re, r):
            return rows[i + 1].strip() if i + 1 < len(rows) else ""
    return None


def wait_counts(n, line_re, counts, timeout=10):
    """Wait until the row under the message matching LINE_RE is COUNTS (None: no row
    of counts, the next row is something else)."""
    def ok(s):
        after = row_after(n, s, line_re)
        if counts is None:
            return after is not None and (after == "" or not re.match(r"^\S+ \d+(  |$)", after))
        return after == counts
    return n.wait_for(ok, timeout, message="counts %r under %r" % (counts, line_re))


def reacted(peer, target, since_count=0):
    """The reactions sets PEER got for TARGET, in order: lists of emojis."""
    out = []
    for m in peer.messages:
        if "<reactions" in m.xml and ("id=\"%s\"" % target in m.xml or
                                      "id='%s'" % target in m.xml):
            out.append(re.findall(r"<reaction>([^<]*)</reaction>", m.xml))
    return out


def test_contact_reactions_shown_replaced_and_removed(alice, prosody, peer_factory):
    n = alice
    bob = peer_factory("bob", prosody)
    open_chat(n)
    n.type_line("shall we meet?")
    got = bob.wait_for_message("shall we meet?")
    line = r"<alice> shall we meet\?"
    wait_main_line(n, line)
    bob.send_raw(reactions_xml("alice@localhost", got.id, [UP, HEART]))
    wait_counts(n, line, "%s 1  %s 1" % (HEART, UP))  # most first, then a fixed order
    # A new set replaces bob's old one; duplicates count once.
    bob.send_raw(reactions_xml("alice@localhost", got.id, [HEART, HEART]))
    wait_counts(n, line, "%s 1" % HEART)
    # Who reacted: /reactions N.
    n.type_line("/reactions 1")
    wait_main_line(n, r"^\s*(\d\d:\d\d )?\s*%s bob$" % HEART)
    # Empty: all removed.
    bob.send_raw(reactions_xml("alice@localhost", got.id, []))
    wait_counts(n, line, None)


def test_react_command_toggles_and_survives_restart(alice, prosody, peer_factory):
    n = alice
    bob = peer_factory("bob", prosody)
    open_chat(n)
    bob.send_raw("<message to='alice@localhost' type='chat' id='pizza-1'>"
                 "<body>pizza tonight?</body></message>")
    line = r"<bob> pizza tonight\?$"
    wait_main_line(n, line)
    n.type_line("/react 1 %s" % PIZZA)
    bob.wait_for_stanza(lambda x: "<reactions" in x and PIZZA in x)
    wait_counts(n, line, "%s 1" % PIZZA)
    bob.send_raw(reactions_xml("alice@localhost", "pizza-1", [PIZZA]))
    wait_counts(n, line, "%s 2" % PIZZA)
    n.type_line("/react 1 %s" % UP)
    wait_counts(n, line, "%s 2  %s 1" % (PIZZA, UP))
    bob.wait_for_stanza(lambda x: "<reactions" in x and PIZZA in x and UP in x)
    sets = reacted(bob, "pizza-1")
    assert sets[-1] == [PIZZA, UP], sets   # the whole set, each time
    # After a restart the counts come from the history.
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    wait_counts(n, line, "%s 2  %s 1" % (PIZZA, UP))
    # The same emoji again takes ours back.
    n.type_line("/react 1 %s" % PIZZA)
    bob.wait_for_stanza(lambda x: "<reactions" in x and PIZZA not in x and UP in x)
    wait_counts(n, line, "%s 1  %s 1" % (PIZZA, UP))
    # Errors: one line, nothing sent.
    before = len(reacted(bob, "pizza-1"))
    n.type_line("/react 1 two words")
    wait_main_line(n, r"/react: too many arguments \(usage: /react \[-plain\] N EMOJI\)")
    n.type_line('/react 1 "two words"')
    wait_main_line(n, r"'two words' is not a reaction")
    # A name or :shortcode: instead of the emoji is not sent as a reaction.
    n.type_line("/react 1 :thumbsup:")
    wait_main_line(n, r"':thumbsup:' is not a reaction: type the emoji itself")
    n.type_line("/react 1 heart")
    wait_main_line(n, r"'heart' is not a reaction: type the emoji itself")
    n.type_line("/react 42 %s" % UP)
    wait_main_line(n, r"No message 42 in this window")
    ping(bob, NATTER)
    assert len(reacted(bob, "pizza-1")) == before


def test_stranger_reaction_ignored_and_early_reaction_waits(alice, prosody, peer_factory):
    n = alice
    bob = peer_factory("bob", prosody)
    mallory = peer_factory("mallory", prosody)
    open_chat(n)
    bob.send_raw("<message to='alice@localhost' type='chat' id='vote-1'>"
                 "<body>vote here</body></message>")
    line = r"<bob> vote here$"
    wait_main_line(n, line)
    # carol (a contact) and mallory (a stranger) know the id of bob's message: their
    # reactions count in their own conversations, never on bob's message.
    carol = peer_factory("carol", prosody)
    carol.send_raw(reactions_xml("alice@localhost", "vote-1", [HEART]))
    mallory.send_raw(reactions_xml("alice@localhost", "vote-1", [HEART, HEART + HEART]))
    ping(carol, NATTER)
    ping(mallory, NATTER)
    bob.send_raw(reactions_xml("alice@localhost", "vote-1", [UP]))
    wait_counts(n, line, "%s 1" % UP)
    # A reaction to a message natter has not got yet counts once it comes.
    bob.send_raw(reactions_xml("alice@localhost", "late-1", [PIZZA]))
    ping(bob, NATTER)
    bob.send_raw("<message to='alice@localhost' type='chat' id='late-1'>"
                 "<body>late message</body></message>")
    wait_counts(n, r"<bob> late message$", "%s 1" % PIZZA)
    assert HEART not in main_text(n, n.screen())


def test_reactions_in_a_room(muc_server, natter_factory, occupant_factory):
    n = natter_factory(muc_server, cols=120, rows=30)
    n.wait_for(CONNECTED, timeout=15)
    bob = occupant_factory("bob", muc_server)
    carol = occupant_factory("carol", muc_server)
    bob.create("lobby", "bobby")
    carol.join("lobby", "carol")
    n.type_line("/join lobby")
    wait_line(n, you_joined(ROOM, "alice"), timeout=15)
    bob.say("lobby", "who wants pizza?")
    seen = carol.wait_for_groupchat(ROOM, "who wants pizza?")
    sid = re.search(r"<stanza-id[^>]*id=[\"']([^\"']+)", seen.xml).group(1)
    line = re.escape(msg("bobby", "who wants pizza?")) + "$"
    wait_line(n, msg("bobby", "who wants pizza?"))
    carol.send_raw(reactions_xml(ROOM, sid, [PIZZA], mtype="groupchat"))
    wait_counts(n, line, "%s 1" % PIZZA)
    # Ours go to the room with the room's id, and count once reflected.
    n.type_line("/react 1 %s" % PIZZA)
    got = bob.wait_for_groupchat(ROOM, lambda r: "<reactions" in r.xml, nick="alice")
    assert re.search(r"<reactions[^>]*id=[\"']%s" % re.escape(sid), got.xml), got.xml
    wait_counts(n, line, "%s 2" % PIZZA)
    # carol changes her mind; a reaction by the message id (not the room's) counts nowhere.
    carol.send_raw(reactions_xml(ROOM, sid, [UP], mtype="groupchat"))
    wait_counts(n, line, "%s 1  %s 1" % (PIZZA, UP))
    n.type_line("/reactions 1")
    wait_line(n, "%s you" % PIZZA)
    wait_line(n, "%s carol" % UP)
    # After a restart and a new join the counts come back.
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/join lobby")
    wait_line(n, you_joined(ROOM, "alice"), timeout=15)
    wait_counts(n, line, "%s 1  %s 1" % (PIZZA, UP))


def test_refused_reaction_is_taken_back(alice, prosody, peer_factory):
    """XEP-0444 4.3: a reaction that bounces goes back to what it was, with one line."""
    n = alice
    bob = peer_factory("bob", prosody)
    open_chat(n)
    bob.send_raw("<message to='alice@localhost' type='chat' id='gw-1'>"
                 "<body>only hearts here</body></message>")
    line = r"<bob> only hearts here$"
    wait_main_line(n, line)
    n.type_line("/react 1 %s" % UP)
    sent = bob.wait_for_stanza(lambda x: "<reactions" in x and UP in x)
    wait_counts(n, line, "%s 1" % UP)
    rid = re.search(r"<message[^>]*\bid=[\"']([^\"']+)", sent).group(1)
    bob.send_raw("<message to='%s' type='error' id='%s'><error type='modify'>"
                 "<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                 "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>only hearts</text>"
                 "</error></message>" % (NATTER, rid))
    wait_main_has(n, "Your reaction was refused (not-acceptable: only hearts); it was taken back.")
    wait_counts(n, line, None)
    assert "could not be delivered" not in main_text(n, n.screen())
