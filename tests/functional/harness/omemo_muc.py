"""OMEMO 0.3 in group chats for the functional tests: an OmemoPeer that also
takes part in rooms (harness.muc.Occupant). python-omemo encrypts to a set of
bare JIDs, so a room message is encrypted for the members' real JIDs (given by
the test, as a client learns them from the room's presence) and sent as type
groupchat; a received room message is decrypted with the keys of the real JID
that the room's presence gave for the sending nick.
"""

import xml.etree.ElementTree as ET

import omemo
import oldmemo.etree

from .muc import Occupant, muc_item, room_jid
from .omemo_peer import FALLBACK_BODY, NS, OmemoError, OmemoPeer


class OmemoOccupant(OmemoPeer, Occupant):
    """An OMEMO peer in group chats. See the module docstring."""

    def _register_plugins(self, client):
        Occupant._register_plugins(self, client)
        OmemoPeer._register_plugins(self, client)

    def real_jid(self, room, nick):
        """The bare real JID the room's presence gave for nick (None: not given)."""
        full = "%s/%s" % (room_jid(room), nick)
        with self._cond:
            presences = [p for p in self._presences if p.frm == full]
        for rec in reversed(presences):
            item = muc_item(rec)
            if item and item.get("jid"):
                return item["jid"].split("/", 1)[0]
        return None

    def _sender_of(self, stanza):
        if stanza["type"] != "groupchat":
            return OmemoPeer._sender_of(self, stanza)
        frm = str(stanza["from"])
        room, _, nick = frm.partition("/")
        # Only the room's presence names the sender; unknown: a JID no one has.
        return self.real_jid(room, nick) or "unknown@invalid"

    async def _encrypt_group(self, room, members, text, body, extra=()):
        async with self._omemo_lock:
            for member in members:
                await self._ensure_device_list(member)
            await self._ensure_device_list(self.bare)
            messages, errors = await self.manager.encrypt(frozenset(members),
                                                          {NS: text.encode("utf-8")})
            message = next(m for m in messages if m.namespace == NS)
            self.encryption_errors = list(errors)
            msg = self.client.make_message(mto=room, mtype="groupchat", mbody=body)
            msg["id"] = self.client.new_id()
            msg.append(oldmemo.etree.serialize_message(message))
            for xml in extra:
                msg.append(ET.fromstring(xml))
            msg.append(ET.Element("{urn:xmpp:hints}store"))
            msg.append(ET.Element("{urn:xmpp:eme:0}encryption", namespace=NS, name="OMEMO"))
            msg.send()
            return str(msg)

    def send_group_encrypted(self, room, members, text, body=FALLBACK_BODY, timeout=30,
                             extra=()):
        """Encrypt text for every device of the bare JIDs in members (and our own
        other devices) and send it to room as a group chat message; returns its XML.
        extra: XML texts of more elements sent outside the encryption."""
        try:
            return self._call(self._encrypt_group, room_jid(room), list(members), text, body,
                              tuple(extra), timeout=timeout)
        except omemo.OMEMOException as exc:
            raise OmemoError("%s: cannot encrypt for %s: %r" % (self.jid, room, exc))


__all__ = ["OmemoOccupant"]
