"""Group chat (XEP-0045) bots for natter's functional tests.

Occupant is a Peer (harness/peer.py) with slixmpp's xep_0045 plugin and helpers
to create, join, talk in and moderate rooms on the harness Prosody's MUC
component (Prosody(muc=True), conference.localhost, internal: no socket of its
own). Many occupants can share one thread and loop: Occupant(..., shared=PeerLoop()).

Stanzas are written as XML here on purpose: tests control exactly what goes on
the wire (hostile nicks, raw bodies), and errors come back as MucError with the
XMPP condition.
"""

import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from slixmpp.exceptions import IqError, IqTimeout

from .peer import Peer, PeerError
from .prosody import MUC_DOMAIN

NS_MUC = "http://jabber.org/protocol/muc"
NS_MUC_USER = NS_MUC + "#user"
NS_MUC_ADMIN = NS_MUC + "#admin"
NS_MUC_OWNER = NS_MUC + "#owner"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_DATA = "jabber:x:data"
NS_CONFERENCE = "jabber:x:conference"
NS_BOOKMARKS2 = "urn:xmpp:bookmarks:1"
NS_BOOKMARKS_LEGACY = "storage:bookmarks"
NS_PUBSUB = "http://jabber.org/protocol/pubsub"

# Short names for room configuration fields (Prosody 0.12's form).
CONFIG_FIELDS = {
    "name": "muc#roomconfig_roomname",
    "persistent": "muc#roomconfig_persistentroom",
    "public": "muc#roomconfig_publicroom",
    "members_only": "muc#roomconfig_membersonly",
    "moderated": "muc#roomconfig_moderatedroom",
    "password": "muc#roomconfig_roomsecret",
    "whois": "muc#roomconfig_whois",                 # "moderators" or "anyone"
    "change_subject": "muc#roomconfig_changesubject",
    "allow_invites": "muc#roomconfig_allowinvites",
    "history_length": "muc#roomconfig_historylength",
    "archiving": "muc#roomconfig_enablearchiving",
}


class MucError(PeerError):
    """The room refused (error presence or iq error); .condition is the XMPP
    condition (conflict, forbidden, not-authorized, registration-required, ...)."""

    def __init__(self, message, condition=None, text=None):
        super().__init__(message)
        self.condition = condition
        self.text = text


def room_jid(room):
    """'lobby' -> 'lobby@conference.localhost'; a full room JID is kept."""
    return room if "@" in room else "%s@%s" % (room, MUC_DOMAIN)


def _xml(rec_or_xml):
    return ET.fromstring(rec_or_xml if isinstance(rec_or_xml, str) else rec_or_xml.xml)


def nick_of(rec):
    """The occupant nick a MUC stanza comes from (resource of its from)."""
    return rec.frm.split("/", 1)[1] if "/" in rec.frm else None


def status_codes(rec):
    """MUC status codes (ints) of a received presence or message."""
    codes = set()
    for x in _xml(rec).iter("{%s}x" % NS_MUC_USER):
        for st in x.findall("{%s}status" % NS_MUC_USER):
            try:
                codes.add(int(st.get("code")))
            except (TypeError, ValueError):
                pass
    return codes


def muc_item(rec):
    """The muc#user <item/> of a presence: dict(affiliation, role, jid, nick, actor,
    reason), or None."""
    for x in _xml(rec).iter("{%s}x" % NS_MUC_USER):
        item = x.find("{%s}item" % NS_MUC_USER)
        if item is not None:
            actor = item.find("{%s}actor" % NS_MUC_USER)
            reason = item.find("{%s}reason" % NS_MUC_USER)
            return {"affiliation": item.get("affiliation"), "role": item.get("role"),
                    "jid": item.get("jid"), "nick": item.get("nick"),
                    "actor": actor.get("nick") if actor is not None else None,
                    "reason": reason.text if reason is not None else None}
    return None


def error_condition(rec_or_xml):
    """(condition, text) of a stanza's <error/>, or (None, None)."""
    root = _xml(rec_or_xml)
    # str() of a received stanza leaves out the stream's default namespace
    err = root.find("{jabber:client}error")
    if err is None:
        err = root.find("error")
    if err is None:
        return None, None
    cond, text = None, None
    for child in err:
        if child.tag.startswith("{%s}" % NS_STANZAS):
            name = child.tag.split("}", 1)[1]
            if name == "text":
                text = child.text
            elif cond is None:
                cond = name
    return cond, text


def _field_xml(var, value):
    var = CONFIG_FIELDS.get(var, var)
    values = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for v in values:
        if v is True:
            v = "1"
        elif v is False:
            v = "0"
        out.append("<value>%s</value>" % escape(str(v)))
    return "<field var=%s>%s</field>" % (quoteattr(var), "".join(out))


def _conference(conf, ns):
    """{nick, autojoin, password, name} of a bookmark's <conference/> in namespace ns."""
    nick = conf.find("{%s}nick" % ns)
    pw = conf.find("{%s}password" % ns)
    return {"nick": nick.text if nick is not None else None,
            "autojoin": conf.get("autojoin") in ("true", "1"),
            "password": pw.text if pw is not None else None,
            "name": conf.get("name")}


class Occupant(Peer):
    """A Peer that takes part in group chats. See the module docstring.

    Rooms are named 'lobby' (on conference.localhost) or by full JID. The nick
    in use per room is in .nicks. Waits count stanzas received earlier too (like
    Peer.wait_for_message); pass since=time.monotonic() from before the action to
    look only at what came after it.
    """

    def __init__(self, *args, **kw):
        self.nicks = {}
        super().__init__(*args, **kw)

    def _register_plugins(self, client):
        client.register_plugin("xep_0004")
        client.register_plugin("xep_0045")

    # ---- low level ----
    def iq(self, to, payload, itype="set", timeout=10):
        """Send an iq with an XML payload (str); returns the result iq's XML (str).
        Raises MucError(condition) on an error reply."""
        element = ET.fromstring(payload)

        async def send():
            iq = self.client.make_iq(ito=to, itype=itype)
            iq.append(element)
            return await iq.send(timeout=timeout)
        try:
            return str(self._call(send, timeout=timeout + 2))
        except IqError as exc:
            cond, text = error_condition(str(exc.iq))
            raise MucError("%s: iq %s to %s refused: %s%s" % (
                self.jid, itype, to, cond, ": " + text if text else ""), cond, text)
        except IqTimeout:
            raise MucError("%s: iq %s to %s timed out" % (self.jid, itype, to), "timeout")

    # ---- joining and leaving ----
    def join(self, room, nick, password=None, history=0, wait=True, timeout=10, show=None,
             status=None):
        """Join (or create) room as nick. history: maxstanzas of discussion history
        to ask for (None: the room's default). With wait, returns our own presence
        (a Received; status_codes() has 110, and 201 if we created the room) or
        raises MucError with the room's condition."""
        room = room_jid(room)
        since = time.monotonic()
        inner = ""
        if history is not None:
            inner += "<history maxstanzas='%d'/>" % history
        if password is not None:
            inner += "<password>%s</password>" % escape(password)
        extra = ""
        if show:
            extra += "<show>%s</show>" % escape(show)
        if status is not None:
            extra += "<status>%s</status>" % escape(status)
        self.send_raw("<presence to=%s>%s<x xmlns='%s'>%s</x></presence>" % (
            quoteattr("%s/%s" % (room, nick)), extra, NS_MUC, inner))
        if not wait:
            self.nicks[room] = nick
            return None
        rec = self._wait(lambda: self._presences,
                         lambda r: r.when >= since and r.frm_bare == room and (
                             r.type == "error" or (r.type == "available" and 110 in status_codes(r))),
                         timeout, "own presence from %s" % room)
        if rec.type == "error":
            cond, text = error_condition(rec)
            raise MucError("%s cannot join %s as %r: %s" % (self.jid, room, nick, cond), cond, text)
        self.nicks[room] = nick_of(rec)
        return rec

    def create(self, room, nick, timeout=10, **config):
        """Join room, which must not exist yet, and configure it (instant room when
        no config is given; see CONFIG_FIELDS for short field names). Returns our
        own presence."""
        rec = self.join(room, nick, timeout=timeout)
        if 201 not in status_codes(rec):
            raise PeerError("%s: room %s already existed" % (self.jid, room_jid(room)))
        self.configure(room, **config)
        return rec

    def configure(self, room, **config):
        """Submit the owner configuration form with just these fields (others keep
        their values; an empty form makes a locked new room an instant room)."""
        fields = [_field_xml("FORM_TYPE", "http://jabber.org/protocol/muc#roomconfig")]
        if "password" in config and "muc#roomconfig_passwordprotectedroom" not in config:
            fields.append(_field_xml("muc#roomconfig_passwordprotectedroom", bool(config["password"])))
        fields += [_field_xml(k, v) for k, v in config.items()]
        self.iq(room_jid(room), "<query xmlns='%s'><x xmlns='%s' type='submit'>%s</x></query>" % (
            NS_MUC_OWNER, NS_DATA, "".join(fields)))

    def leave(self, room, reason=None, wait=True, timeout=10):
        room = room_jid(room)
        since = time.monotonic()
        status = "<status>%s</status>" % escape(reason) if reason else ""
        self.send_raw("<presence to=%s type='unavailable'>%s</presence>" % (
            quoteattr("%s/%s" % (room, self.nicks[room])), status))
        if wait:
            self._wait(lambda: self._presences,
                       lambda r: r.when >= since and r.frm_bare == room and r.type == "unavailable"
                       and 110 in status_codes(r), timeout, "own unavailable from %s" % room)
        self.nicks.pop(room, None)

    def change_nick(self, room, new, wait=True, timeout=10):
        """Change our nick; with wait, returns once the room confirms (or MucError)."""
        room = room_jid(room)
        since = time.monotonic()
        self.send_raw("<presence to=%s/>" % quoteattr("%s/%s" % (room, new)))
        if not wait:
            return
        rec = self._wait(lambda: self._presences,
                         lambda r: r.when >= since and r.frm_bare == room and (
                             r.type == "error" or (r.type == "available" and 110 in status_codes(r))),
                         timeout, "nick change confirmation from %s" % room)
        if rec.type == "error":
            cond, text = error_condition(rec)
            raise MucError("%s cannot change nick to %r: %s" % (self.jid, new, cond), cond, text)
        self.nicks[room] = nick_of(rec)

    # ---- talking ----
    def say(self, room, body, wait=False, timeout=10):
        """Send a groupchat message; with wait, return once the room reflected it."""
        room = room_jid(room)
        since = time.monotonic()
        self.send_message(room, body, mtype="groupchat")
        if wait:
            nick = self.nicks.get(room)
            return self._wait(lambda: self._messages,
                              lambda r: r.when >= since and r.frm == "%s/%s" % (room, nick)
                              and r.type == "groupchat" and r.body == body,
                              timeout, "reflection of %r" % body)
        return None

    def set_subject(self, room, subject):
        self.send_raw("<message to=%s type='groupchat'><subject>%s</subject></message>" % (
            quoteattr(room_jid(room)), escape(subject)))

    def private(self, room, nick, body):
        """A private message to an occupant (type chat to ROOM/NICK)."""
        self.send_raw("<message to=%s type='chat'><body>%s</body><x xmlns='%s'/></message>" % (
            quoteattr("%s/%s" % (room_jid(room), nick)), escape(body), NS_MUC_USER))

    def invite(self, room, jid, reason=None, mediated=False, password=None):
        """Invite jid: XEP-0249 direct invitation, or XEP-0045 mediated (via the room)."""
        room = room_jid(room)
        if mediated:
            r = "<reason>%s</reason>" % escape(reason) if reason else ""
            self.send_raw("<message to=%s><x xmlns='%s'><invite to=%s>%s</invite></x></message>" % (
                quoteattr(room), NS_MUC_USER, quoteattr(jid), r))
        else:
            attrs = "jid=%s" % quoteattr(room)
            if reason:
                attrs += " reason=%s" % quoteattr(reason)
            if password:
                attrs += " password=%s" % quoteattr(password)
            self.send_raw("<message to=%s><x xmlns='%s' %s/></message>" % (
                quoteattr(jid), NS_CONFERENCE, attrs))

    # ---- moderation (iq to the room; MucError on refusal) ----
    def _admin(self, room, item_attrs, reason):
        attrs = " ".join("%s=%s" % (k, quoteattr(v)) for k, v in item_attrs.items())
        r = "<reason>%s</reason>" % escape(reason) if reason else ""
        return self.iq(room_jid(room), "<query xmlns='%s'><item %s>%s</item></query>" % (
            NS_MUC_ADMIN, attrs, r))

    def kick(self, room, nick, reason=None):
        return self._admin(room, {"nick": nick, "role": "none"}, reason)

    def set_role(self, room, nick, role, reason=None):
        return self._admin(room, {"nick": nick, "role": role}, reason)

    def set_affiliation(self, room, jid, affiliation, reason=None):
        return self._admin(room, {"jid": jid, "affiliation": affiliation}, reason)

    def ban(self, room, jid, reason=None):
        return self.set_affiliation(room, jid, "outcast", reason)

    # ---- waiting ----
    def groupchat(self, room, since=None):
        """[(nick, body)] of groupchat messages with a body from room, in order received."""
        room = room_jid(room)
        return [(nick_of(r), r.body) for r in self.messages
                if r.type == "groupchat" and r.frm_bare == room and r.body is not None
                and (since is None or r.when >= since)]

    def wait_for_groupchat(self, room, predicate=None, nick=None, timeout=10, since=None):
        """Wait for a groupchat message from room (optionally from nick); predicate
        as in Peer.wait_for_message (str: body equals, regex, callable(Received))."""
        from .peer import _matcher
        room = room_jid(room)
        base = _matcher(predicate)
        return self._wait(lambda: self._messages,
                          lambda r: r.type == "groupchat" and r.frm_bare == room
                          and (nick is None or r.frm == "%s/%s" % (room, nick))
                          and (since is None or r.when >= since) and base(r),
                          timeout, "groupchat message from %s%s" % (room, "/" + nick if nick else ""))

    def wait_for_occupant(self, room, nick, ptype="available", predicate=None, timeout=10,
                          since=None):
        """Wait for a presence of ROOM/NICK of type ptype (available/unavailable)."""
        frm = "%s/%s" % (room_jid(room), nick)
        return self._wait(lambda: self._presences,
                          lambda r: r.frm == frm and r.type == ptype
                          and (since is None or r.when >= since)
                          and (predicate is None or predicate(r)),
                          timeout, "%s presence from %s" % (ptype, frm))

    def occupants(self, room):
        """{nick: muc_item} of the room as our received presences tell it now."""
        room = room_jid(room)
        out = {}
        for r in self.presences:
            if r.frm_bare != room or "/" not in r.frm:
                continue
            if r.type == "available":
                out[nick_of(r)] = muc_item(r)
            elif r.type == "unavailable":
                out.pop(nick_of(r), None)
        return out

    # ---- bookmarks of this account (to check what natter stored) ----
    def bookmarks_0402(self):
        """{room jid: {nick, autojoin, password, name}} from the PEP node
        urn:xmpp:bookmarks:1 (XEP-0402); {} when the node does not exist."""
        try:
            xml = self.iq(self.bare, "<pubsub xmlns='%s'><items node='%s'/></pubsub>" % (
                NS_PUBSUB, NS_BOOKMARKS2), itype="get")
        except MucError as exc:
            if exc.condition == "item-not-found":
                return {}
            raise
        out = {}
        for item in ET.fromstring(xml).iter("{%s}item" % NS_PUBSUB):
            conf = item.find("{%s}conference" % NS_BOOKMARKS2)
            if conf is None:
                continue
            out[item.get("id")] = _conference(conf, NS_BOOKMARKS2)
        return out

    def bookmarks_0048(self):
        """{room jid: {nick, autojoin, password, name}} from XEP-0048 private XML storage."""
        xml = self.iq(self.bare, "<query xmlns='jabber:iq:private'><storage xmlns='%s'/></query>"
                      % NS_BOOKMARKS_LEGACY, itype="get")
        out = {}
        for conf in ET.fromstring(xml).iter("{%s}conference" % NS_BOOKMARKS_LEGACY):
            out[conf.get("jid")] = _conference(conf, NS_BOOKMARKS_LEGACY)
        return out

    def add_bookmark_0402(self, room, nick=None, autojoin=True, name=None):
        """Publish a XEP-0402 bookmark with the publish-options the XEP asks for."""
        room = room_jid(room)
        attrs = " autojoin='%s'" % ("true" if autojoin else "false")
        if name:
            attrs += " name=%s" % quoteattr(name)
        n = "<nick>%s</nick>" % escape(nick) if nick else ""
        opts = "".join(_field_xml(k, v) for k, v in [
            ("FORM_TYPE", "http://jabber.org/protocol/pubsub#publish-options"),
            ("pubsub#persist_items", True), ("pubsub#max_items", "max"),
            ("pubsub#send_last_published_item", "never"), ("pubsub#access_model", "whitelist")])
        self.iq(self.bare, "<pubsub xmlns='%s'><publish node='%s'><item id=%s>"
                "<conference xmlns='%s'%s>%s</conference></item></publish>"
                "<publish-options><x xmlns='%s' type='submit'>%s</x></publish-options></pubsub>" % (
                    NS_PUBSUB, NS_BOOKMARKS2, quoteattr(room), NS_BOOKMARKS2, attrs, n, NS_DATA, opts))

    def set_bookmarks_0048(self, bookmarks):
        """Replace XEP-0048 private storage: bookmarks = {room: dict(nick, autojoin)}."""
        confs = []
        for room, b in bookmarks.items():
            n = "<nick>%s</nick>" % escape(b["nick"]) if b.get("nick") else ""
            confs.append("<conference jid=%s autojoin='%s'>%s</conference>" % (
                quoteattr(room_jid(room)), "true" if b.get("autojoin", True) else "false", n))
        self.iq(self.bare, "<query xmlns='jabber:iq:private'><storage xmlns='%s'>%s</storage></query>"
                % (NS_BOOKMARKS_LEGACY, "".join(confs)))

    def disco_features(self, jid, timeout=10):
        xml = self.iq(jid, "<query xmlns='http://jabber.org/protocol/disco#info'/>", itype="get",
                      timeout=timeout)
        return {f.get("var") for f in ET.fromstring(xml).iter(
            "{http://jabber.org/protocol/disco#info}feature")}

    def disco_items(self, jid, timeout=10):
        xml = self.iq(jid, "<query xmlns='http://jabber.org/protocol/disco#items'/>", itype="get",
                      timeout=timeout)
        return [i.get("jid") for i in ET.fromstring(xml).iter(
            "{http://jabber.org/protocol/disco#items}item")]
