"""Replies (XEP-0461) with their fallback quote (XEP-0428), both ways, in a
one-to-one chat and in a room (issue 14).

A reply shows a quote row of the message it answers, looked up in the
history (or "message not available"), and only the quote its sender marked
as fallback is taken out of its text. /reply N TEXT names the message by N
(1: the newest), #ROW or an id, and sends the id the XEP asks for: the room's
stanza-id in rooms, the origin-id (else the id) elsewhere.
"""

import re

from harness.history_helpers import open_chat, ping
from muc_helpers import msg, wait_line, you_joined
from screen import CONNECTED, TS, main_text, wait_main_line

NATTER = "alice@localhost/natter"
ROOM = "lobby@conference.localhost"
NS_REPLY = "urn:xmpp:reply:0"
NS_FALLBACK = "urn:xmpp:fallback:0"


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def reply_xml(to, mid, body, reply_id, reply_to=None, fb_end=None, mtype="chat"):
    """A reply as Conversations or Dino send it, the quote marked when FB_END."""
    parts = ["<message to='%s' type='%s' id='%s'><body>%s</body>" % (to, mtype, mid, esc(body)),
             "<reply xmlns='%s' id='%s'%s/>" % (NS_REPLY, reply_id,
                                                " to='%s'" % reply_to if reply_to else "")]
    if fb_end is not None:
        parts.append("<fallback xmlns='%s' for='%s'><body start='0' end='%d'/></fallback>"
                     % (NS_FALLBACK, NS_REPLY, fb_end))
    parts.append("</message>")
    return "".join(parts)


def attr(xml, element, name):
    m = re.search(r"<%s\b[^>]*\b%s=[\"']([^\"']*)[\"']" % (element, name), xml)
    return m.group(1) if m else None


def test_incoming_reply_shows_quote_without_fallback(alice, prosody, peer_factory):
    n = alice
    bob = peer_factory("bob", prosody)
    open_chat(n)
    bob.send_raw("<message to='alice@localhost' type='chat' id='cake-1'>"
                 "<body>We should bake a cake</body></message>")
    wait_main_line(n, r"<bob> We should bake a cake$")
    quote = "> Anna wrote:\n> We should bake a cake\n"
    bob.send_raw(reply_xml("alice@localhost", "r-1", quote + "Great idea!", "cake-1",
                           "alice@localhost/natter", fb_end=len(quote)))
    scr = wait_main_line(n, r"^\s+Great idea!$")
    text = main_text(n, scr)
    assert re.search(r"^%s <bob> > bob: We should bake a cake\n\s+Great idea!$" % TS, text,
                     re.M), text
    assert "Anna wrote" not in text, "the marked fallback was shown"
    # A reply to a message natter never saw says so; an unmarked quote stays.
    bob.send_raw(reply_xml("alice@localhost", "r-2", "> something old\nindeed", "gone-1"))
    scr = wait_main_line(n, r"^\s+indeed$")
    text = main_text(n, scr)
    assert re.search(r"<bob> > \(message not available\)\n\s+> something old\n\s+indeed$",
                     text, re.M), text
    # A range that does not fit the body hides nothing.
    bob.send_raw(reply_xml("alice@localhost", "r-3", "> x\nout of range", "cake-1",
                           fb_end=400))
    scr = wait_main_line(n, r"^\s+out of range$")
    assert re.search(r"> bob: We should bake a cake\n\s+> x\n\s+out of range$",
                     main_text(n, scr), re.M), main_text(n, scr)
    # After a restart the quote comes from the history again.
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    scr = wait_main_line(n, r"^\s+out of range$")
    assert re.search(r"<bob> > bob: We should bake a cake\n\s+Great idea!$", main_text(n, scr),
                     re.M), main_text(n, scr)


def test_reply_command_sends_reply_and_fallback(alice, prosody, peer_factory):
    n = alice
    bob = peer_factory("bob", prosody)
    open_chat(n)
    bob.send_raw("<message to='alice@localhost' type='chat' id='q-1'>"
                 "<body>cake \U0001F382 at six?\nor seven</body>"
                 "<origin-id xmlns='urn:xmpp:sid:0' id='q-origin'/></message>")
    wait_main_line(n, r"^\s+or seven$")
    bob.send_message("alice@localhost", "newer one")
    wait_main_line(n, r"<bob> newer one$")
    # 2: the one before the newest.
    n.type_line("/reply 2 six is fine")
    got = bob.wait_for_message(re.compile(r"six is fine$"))
    assert attr(got.xml, "reply", "id") == "q-origin", got.xml   # the origin-id (XEP-0461)
    assert attr(got.xml, "reply", "to") == "bob@localhost/peer", got.xml
    assert attr(got.xml, "fallback", "for") == NS_REPLY, got.xml
    quote = got.body[:-len("six is fine")]
    assert quote == "> cake \U0001F382 at six?\n> or seven\n", repr(got.body)
    # The range counts code points: the cake is one, not four bytes or two UTF-16 units.
    assert attr(got.xml, "body", "start") == "0", got.xml
    assert int(attr(re.sub(r"^.*?<fallback", "<fallback", got.xml, flags=re.S), "body", "end")) \
        == len(quote), got.xml
    scr = wait_main_line(n, r"^\s+six is fine$")
    assert re.search(r"<alice> > bob: cake \U0001F382 at six\?\u2026\n\s+six is fine$",
                     main_text(n, scr), re.M), main_text(n, scr)
    # By id, and errors: one clear line each, nothing sent.
    n.type_line("/reply q-1 by its id")
    got = bob.wait_for_message(re.compile(r"by its id$"))
    assert attr(got.xml, "reply", "id") == "q-origin", got.xml
    n.type_line("/reply 99 nobody")
    wait_main_line(n, r"No message 99 in this window")
    n.type_line("/reply 1")
    wait_main_line(n, r"Usage: /reply N TEXT")
    ping(bob, NATTER)
    assert not any("nobody" in (m.body or "") for m in bob.messages)


def test_replies_in_a_room_use_the_rooms_id(muc_server, natter_factory, occupant_factory):
    n = natter_factory(muc_server, cols=120, rows=30)
    n.wait_for(CONNECTED, timeout=15)
    bob = occupant_factory("bob", muc_server)
    bob.create("lobby", "bobby")
    n.type_line("/join lobby")
    wait_line(n, you_joined(ROOM, "alice"), timeout=15)
    bob.say("lobby", "lunch at noon?")
    seen = bob.wait_for_groupchat(ROOM, "lunch at noon?")
    sid = attr(seen.xml, "stanza-id", "id")
    assert sid, seen.xml
    wait_line(n, msg("bobby", "lunch at noon?"))
    n.type_line("/reply 1 yes please")
    got = bob.wait_for_groupchat(ROOM, re.compile(r"yes please$"))
    assert attr(got.xml, "reply", "id") == sid, got.xml
    assert attr(got.xml, "reply", "to") == ROOM + "/bobby", got.xml
    assert got.body == "> lunch at noon?\nyes please", repr(got.body)
    # natter shows its own reply as the room reflects it, with the quote.
    scr = n.wait_for(lambda s: re.search(r"<alice> > bobby: lunch at noon\?\n\s+yes please$",
                                         main_text(n, s), re.M),
                     message="own reply with its quote")
    # bob replies to natter's reply by the room's id of it.
    mine = attr(got.xml, "stanza-id", "id")
    quote = "> yes please\n"
    bob.send_raw(reply_xml(ROOM, "b-2", quote + "great", mine, ROOM + "/alice",
                           fb_end=len(quote), mtype="groupchat"))
    scr = n.wait_for(lambda s: re.search(r"<bobby> > alice: yes please\n\s+great$",
                                         main_text(n, s), re.M),
                     message="bob's reply with its quote")
    assert "> yes please\n" not in main_text(n, scr).split("<bobby> > alice")[1]


def test_quote_follows_the_message_it_quotes(alice, prosody, peer_factory):
    """A reply that came before its message is quoted once the message comes; the
    quote of a message that is corrected or retracted says so at once (a retracted
    text does not stay on screen in a quote)."""
    n = alice
    bob = peer_factory("bob", prosody)
    open_chat(n)
    bob.send_raw(reply_xml("alice@localhost", "r-early", "agreed", "early-1"))
    scr = wait_main_line(n, r"^\s+agreed$")
    assert re.search(r"<bob> > \(message not available\)\n\s+agreed$", main_text(n, scr),
                     re.M), main_text(n, scr)
    bob.send_raw("<message to='alice@localhost' type='chat' id='early-1'>"
                 "<body>the plan</body></message>")
    n.wait_for(lambda s: re.search(r"<bob> > bob: the plan\n\s+agreed$", main_text(n, s), re.M),
               message="the quote of the message that came after its reply")
    bob.send_raw("<message to='alice@localhost' type='chat' id='c-1'><body>the new plan</body>"
                 "<replace xmlns='urn:xmpp:message-correct:0' id='early-1'/></message>")
    n.wait_for(lambda s: re.search(r"<bob> > bob: the new plan\n\s+agreed$", main_text(n, s),
                                   re.M), message="the quote of the corrected message")
    bob.send_raw("<message to='alice@localhost' type='chat' id='x-1'>"
                 "<retract xmlns='urn:xmpp:message-retract:1' id='early-1'/>"
                 "<body>retracted</body></message>")
    scr = n.wait_for(lambda s: re.search(r"<bob> > bob: \(message retracted\)\n\s+agreed$",
                                         main_text(n, s), re.M),
                     message="the quote of the retracted message")
    assert "plan" not in main_text(n, scr), main_text(n, scr)


def test_corrected_reply_stays_a_reply(alice, prosody, peer_factory):
    """A correction replaces the whole message for the receiver (XEP-0308), so
    correcting a reply sends the reply and its fallback quote again; natter
    shows the corrected text under the same quote, once."""
    n = alice
    bob = peer_factory("bob", prosody)
    open_chat(n)
    bob.send_raw("<message to='alice@localhost' type='chat' id='t-1'>"
                 "<body>tea or coffee?</body></message>")
    wait_main_line(n, r"<bob> tea or coffee\?$")
    n.type_line("/reply 1 cofee")
    first = bob.wait_for_message(re.compile(r"cofee$"))
    n.type_line("/correct coffee")
    got = bob.wait_for_message(re.compile(r"coffee$"))
    assert attr(got.xml, "replace", "id") == attr(first.xml, "origin-id", "id"), got.xml
    assert attr(got.xml, "reply", "id") == "t-1", got.xml
    assert attr(got.xml, "reply", "to") == "bob@localhost/peer", got.xml
    assert attr(got.xml, "fallback", "for") == NS_REPLY, got.xml
    assert got.body == "> tea or coffee?\ncoffee", repr(got.body)
    assert int(attr(re.sub(r"^.*?<fallback", "<fallback", got.xml, flags=re.S), "body", "end")) \
        == len("> tea or coffee?\n"), got.xml
    scr = wait_main_line(n, r"^\s+coffee \(corrected\)$")
    assert re.search(r"<alice> > bob: tea or coffee\?\n\s+coffee \(corrected\)$",
                     main_text(n, scr), re.M), main_text(n, scr)
    # After a restart the history shows it the same way.
    n.restart()
    n.wait_for(CONNECTED, timeout=15)
    open_chat(n)
    scr = wait_main_line(n, r"^\s+coffee \(corrected\)$")
    assert re.search(r"<alice> > bob: tea or coffee\?\n\s+coffee \(corrected\)$",
                     main_text(n, scr), re.M), main_text(n, scr)


def test_reply_queued_across_a_restart_is_still_a_reply(alice, prosody, peer_factory):
    """A reply written offline and left queued when natter quits is sent at
    the next login as the reply it was: with its reference and fallback
    quote, not as a bare message without context."""
    n = alice
    bob = peer_factory("bob", prosody)
    open_chat(n)
    bob.send_raw("<message to='alice@localhost' type='chat' id='d-1'>"
                 "<body>dinner at eight?</body></message>")
    wait_main_line(n, r"<bob> dinner at eight\?$")
    n.type_line("/disconnect")
    n.wait_for(lambda s: "offline" in n.lines(s)[n.rows - 2], timeout=10)
    n.type_line("/reply 1 eight works")
    wait_main_line(n, r"^\s+eight works \[queued\]$")
    n.type_line("/quit")
    wait_main_line(n, r"Not quitting yet: 1 queued message")
    n.type_line("/quit")
    assert n.wait_exit() == 0
    n.restart()
    got = bob.wait_for_message(re.compile(r"eight works$"), timeout=15)
    assert attr(got.xml, "reply", "id") == "d-1", got.xml
    assert attr(got.xml, "fallback", "for") == NS_REPLY, got.xml
    assert got.body == "> dinner at eight?\neight works", repr(got.body)
    open_chat(n)
    scr = wait_main_line(n, r"^\s+eight works$")
    assert re.search(r"<alice> > bob: dinner at eight\?\n\s+eight works$",
                     main_text(n, scr), re.M), main_text(n, scr)
