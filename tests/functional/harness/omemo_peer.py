"""An OMEMO 0.3 peer (eu.siacs.conversations.axolotl) for the functional tests.

The other party of natter's OMEMO tests must be an independent implementation,
so this peer uses Debian's python3-omemo and python3-oldmemo (their own Signal
protocol code, not libsignal) and only adds the XMPP glue that slixmpp lacks:
an in-memory omemo.Storage, a SessionManager whose PEP calls go through this
peer's stream, and the message handling. See harness/__init__.py for the API.
"""

import asyncio
import base64
import logging
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

import omemo
import oldmemo
import oldmemo.etree
import xeddsa

from .peer import Peer, PeerError, _matcher
from .util import WaitTimeout
from .prosody import DEFAULT_MODULES

log = logging.getLogger("harness.omemo")

NS = oldmemo.oldmemo.NAMESPACE                     # eu.siacs.conversations.axolotl
DEVICELIST_NODE = NS + ".devicelist"
BUNDLE_NODE = NS + ".bundles:%d"
NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_PUBSUB_OWNER = NS_PUBSUB + "#owner"
NS_PUBSUB_EVENT = NS_PUBSUB + "#event"
NS_PUBSUB_ERRORS = NS_PUBSUB + "#errors"
NS_DATA = "jabber:x:data"
NS_HINTS = "urn:xmpp:hints"
NS_EME = "urn:xmpp:eme:0"

# Prosody(modules=OMEMO_MODULES): the harness defaults plus PEP, where OMEMO keys live.
OMEMO_MODULES = DEFAULT_MODULES + ("pep",)

# What clients without OMEMO show instead of the message.
FALLBACK_BODY = "[This message is OMEMO encrypted; your client cannot read it.]"

# Custom trust level names (omemo keeps names; we map them to its core levels).
# New devices start as "blind": trusted until a test decides otherwise.
TRUST_LEVELS = {"blind": omemo.TrustLevel.TRUSTED, "trusted": omemo.TrustLevel.TRUSTED,
                "distrusted": omemo.TrustLevel.DISTRUSTED,
                "undecided": omemo.TrustLevel.UNDECIDED}


class OmemoError(PeerError):
    """An OMEMO operation of the peer failed."""


@dataclass
class OmemoMessage:
    """One received <message/> with an OMEMO 0.3 <encrypted/> element."""
    frm: str                 # full JID of the sender
    sender_device: int       # the sender's device id (header sid)
    plaintext: str = None    # decrypted text; None for an empty (key transport) message
    empty: bool = False      # no <payload/>: key transport / heartbeat / handshake completion
    prekey: bool = False     # our <key/> was a pre-key (key exchange) message
    body: str = None         # the unencrypted fallback <body/>, if any
    error: str = None        # why decryption failed (None when it worked)
    id: str = None
    xml: str = ""
    when: float = field(default_factory=time.monotonic)

    @property
    def frm_bare(self):
        return self.frm.split("/", 1)[0]


def curve_fingerprint(identity_key):
    """The OMEMO 0.3 fingerprint of an Ed25519 identity key as omemo stores it:
    64 lowercase hex digits of the Curve25519 public key (the 33-byte key in the
    bundle without its 0x05 type byte)."""
    return xeddsa.ed25519_pub_to_curve25519_pub(identity_key).hex()


class _MemoryStorage(omemo.Storage):
    """omemo.Storage over a dict of JSON values (the peer's whole OMEMO state)."""

    def __init__(self, data):
        super().__init__(disable_cache=True)
        self.data = data

    async def _load(self, key):
        if key in self.data:
            return omemo.Just(self.data[key])
        return omemo.Nothing()

    async def _store(self, key, value):
        self.data[key] = value

    async def _delete(self, key):
        self.data.pop(key, None)


class _SessionManager(omemo.SessionManager):
    """omemo.SessionManager whose XMPP side is an OmemoPeer (class attribute `peer`:
    omemo makes the instance itself inside create(), so a subclass per peer)."""

    peer = None

    async def _upload_bundle(self, bundle):
        self._check(bundle.namespace)
        await self.peer._publish(BUNDLE_NODE % bundle.device_id,
                                 oldmemo.etree.serialize_bundle(bundle), omemo.BundleUploadFailed)

    async def _download_bundle(self, namespace, bare_jid, device_id):
        self._check(namespace)
        item = await self.peer._fetch_item(bare_jid, BUNDLE_NODE % device_id, "bundle",
                                           omemo.BundleDownloadFailed)
        if item is None:
            raise omemo.BundleNotFound("%s has no bundle for device %d" % (bare_jid, device_id))
        try:
            return oldmemo.etree.parse_bundle(item, bare_jid, device_id)
        except Exception as exc:
            raise omemo.BundleDownloadFailed("bad bundle of %s/%d: %s" % (bare_jid, device_id, exc))

    async def _delete_bundle(self, namespace, device_id):
        self._check(namespace)
        await self.peer._delete_node(BUNDLE_NODE % device_id)

    async def _upload_device_list(self, namespace, device_list):
        self._check(namespace)
        await self.peer._publish(DEVICELIST_NODE, oldmemo.etree.serialize_device_list(device_list),
                                 omemo.DeviceListUploadFailed)

    async def _download_device_list(self, namespace, bare_jid):
        self._check(namespace)
        item = await self.peer._fetch_item(bare_jid, DEVICELIST_NODE, "list",
                                           omemo.DeviceListDownloadFailed)
        return _parse_device_list(item)

    async def _evaluate_custom_trust_level(self, device):
        try:
            return TRUST_LEVELS[device.trust_level_name]
        except KeyError:
            raise omemo.UnknownTrustLevel(device.trust_level_name)

    async def _make_trust_decision(self, undecided, identifier):
        raise omemo.TrustDecisionFailed("undecided devices: %s" % ", ".join(
            "%s/%d" % (d.bare_jid, d.device_id) for d in undecided))

    async def _send_message(self, message, bare_jid):
        self._check(message.namespace)
        self.peer._send_encrypted(bare_jid, message, body=None)

    @staticmethod
    def _check(namespace):
        if namespace != NS:
            raise omemo.UnknownNamespace(namespace)


def _parse_device_list(item):
    """Device ids of a <list/> element (None or an empty list: no devices)."""
    if item is None or item.find("{%s}device" % NS) is None:
        return {}
    return oldmemo.etree.parse_device_list(item)


def _publish_options():
    x = ET.Element("{%s}x" % NS_DATA, type="submit")
    for var, value in (("FORM_TYPE", NS_PUBSUB + "#publish-options"),
                       ("pubsub#access_model", "open")):
        fld = ET.SubElement(x, "{%s}field" % NS_DATA, var=var)
        if var == "FORM_TYPE":
            fld.set("type", "hidden")
        ET.SubElement(fld, "{%s}value" % NS_DATA).text = value
    return x


class OmemoPeer(Peer):
    """A Peer that speaks OMEMO 0.3 through python-omemo/python-oldmemo.

    connect() also publishes this device (device list and bundle, access_model
    open) the first time. See harness/__init__.py for the methods."""

    def __init__(self, jid, password, prosody, resource="omemo", state=None, **kw):
        # state: the dict holding all OMEMO data; pass an earlier peer's .state to
        # come back as the same device (same id and keys).
        self.state = {} if state is None else state
        self.manager = None
        self.sent = []                  # raw XML of every stanza this peer sent
        self._omemo_messages = []
        self._omemo_lock = asyncio.Lock()       # one omemo operation at a time
        self._omemo_ready = asyncio.Event()     # the loop side of "device published"
        self._omemo_done = threading.Event()    # setup finished (or failed)
        self._omemo_starting = False
        self._omemo_failure = None
        self._fetched = set()           # bare JIDs whose device list we fetched
        self.publish_conflicts = 0      # precondition-not-met answers handled
        self.device_list_pushes = []    # (bare JID, sorted ids) of each push received
        self.encryption_errors = []     # omemo's EncryptionErrors of the last send
        super().__init__(jid, password, prosody, resource=resource, **kw)

    # ---- setup ----
    def _register_plugins(self, client):
        client.register_plugin("xep_0115")
        client.register_plugin("xep_0163")
        # +notify in our caps: the server pushes device lists of our contacts.
        client["xep_0163"].add_interest(DEVICELIST_NODE)
        client.add_filter("out", self._out_filter)
        client.add_event_handler("session_start", self._on_omemo_session_start)
        client.register_handler(Callback(
            "omemo encrypted", MatchXPath("{jabber:client}message/{%s}encrypted" % NS),
            self._on_encrypted))
        client.register_handler(Callback(
            "omemo device list push", MatchXPath(
                "{jabber:client}message/{%s}event" % NS_PUBSUB_EVENT), self._on_event))

    def _out_filter(self, stanza):
        with self._cond:
            self.sent.append(str(stanza))
        return stanza

    async def _on_omemo_session_start(self, _event):
        # Set up before natter's offline messages can matter: they arrive right
        # after the initial presence and wait in _decrypt until we are ready.
        if self.manager is None and not self._omemo_starting:
            self._omemo_starting = True
            try:
                await self._start_omemo()
            except Exception as exc:
                self._omemo_failure = "%s: OMEMO setup failed: %r" % (self.jid, exc)
                log.warning("%s", self._omemo_failure)
            finally:
                self._omemo_starting = False
                self._omemo_done.set()

    async def _start_omemo(self):
        async with self._omemo_lock:
            manager_cls = type("SessionManagerFor_" + self.bare, (_SessionManager,), {"peer": self})
            self.manager = await manager_cls.create(
                [oldmemo.Oldmemo(_MemoryStorage(self.state))], _MemoryStorage(self.state),
                self.bare, None, "blind")
            # We keep no history to catch up with: leave omemo's history sync mode
            # so it answers key exchanges at once.
            await self.manager.after_history_sync()
            self._own, _others = await self.manager.get_own_device_information()
        self._omemo_ready.set()

    def connect(self, wait=True, timeout=15):
        """Connect like Peer.connect(); the first session also creates this OMEMO
        device and publishes its device list and bundle. With wait, returns once
        that is done too (OmemoError if it failed)."""
        super().connect(wait=wait, timeout=timeout)
        if wait:
            self.wait_omemo_ready(timeout=60)
        return self

    def wait_omemo_ready(self, timeout=60):
        """Block until this device is published (after connect(wait=False))."""
        if not self._omemo_done.wait(timeout):
            raise OmemoError("%s: OMEMO setup not done within %s s" % (self.jid, timeout))
        if self._omemo_failure:
            raise OmemoError(self._omemo_failure)

    # ---- PEP (used by the session manager, in the loop thread) ----
    async def _pubsub_iq(self, itype, to, payload):
        iq = self.client.Iq()           # a fresh id
        iq["type"] = itype
        if to:
            iq["to"] = to
        iq.append(payload)
        return await iq.send(timeout=10)

    async def _publish(self, node, payload, error_class):
        pubsub = ET.Element("{%s}pubsub" % NS_PUBSUB)
        publish = ET.SubElement(pubsub, "{%s}publish" % NS_PUBSUB, node=node)
        ET.SubElement(publish, "{%s}item" % NS_PUBSUB, id="current").append(payload)
        ET.SubElement(pubsub, "{%s}publish-options" % NS_PUBSUB).append(_publish_options())
        for attempt in (1, 2):
            try:
                return await self._pubsub_iq("set", None, pubsub)
            except IqError as exc:
                precondition = exc.iq.xml.find(".//{%s}precondition-not-met" % NS_PUBSUB_ERRORS)
                if precondition is None or attempt == 2:
                    raise error_class("publish to %s: %s" % (node, exc.iq["error"]["condition"]))
            except IqTimeout:
                raise error_class("publish to %s timed out" % node)
            # The node exists with another access model: open it, then publish again.
            self.publish_conflicts += 1
            await self._configure_open(node, error_class)

    async def _configure_open(self, node, error_class):
        pubsub = ET.Element("{%s}pubsub" % NS_PUBSUB_OWNER)
        x = ET.SubElement(ET.SubElement(pubsub, "{%s}configure" % NS_PUBSUB_OWNER, node=node),
                          "{%s}x" % NS_DATA, type="submit")
        for var, value in (("FORM_TYPE", NS_PUBSUB + "#node_config"),
                           ("pubsub#access_model", "open")):
            ET.SubElement(ET.SubElement(x, "{%s}field" % NS_DATA, var=var),
                          "{%s}value" % NS_DATA).text = value
        try:
            await self._pubsub_iq("set", None, pubsub)
        except (IqError, IqTimeout) as exc:
            raise error_class("configure %s: %r" % (node, exc))

    async def _fetch_item(self, jid, node, tag, error_class):
        """The <tag/> payload of the newest item of jid's node, None when there is none."""
        pubsub = ET.Element("{%s}pubsub" % NS_PUBSUB)
        ET.SubElement(pubsub, "{%s}items" % NS_PUBSUB, node=node, max_items="1")
        try:
            res = await self._pubsub_iq("get", jid, pubsub)
        except IqError as exc:
            if exc.iq["error"]["condition"] == "item-not-found":
                return None
            raise error_class("fetch %s from %s: %s" % (node, jid, exc.iq["error"]["condition"]))
        except IqTimeout:
            raise error_class("fetch %s from %s timed out" % (node, jid))
        items = res.xml.findall(".//{%s}item" % NS_PUBSUB)
        if not items:
            return None
        current = [i for i in items if i.get("id") == "current"]
        return (current or items)[-1].find("{%s}%s" % (NS, tag))

    async def _delete_node(self, node):
        pubsub = ET.Element("{%s}pubsub" % NS_PUBSUB_OWNER)
        ET.SubElement(pubsub, "{%s}delete" % NS_PUBSUB_OWNER, node=node)
        try:
            await self._pubsub_iq("set", None, pubsub)
        except IqError as exc:
            if exc.iq["error"]["condition"] != "item-not-found":
                raise omemo.BundleDeletionFailed("delete %s: %s" % (node, exc.iq["error"]["condition"]))
        except IqTimeout:
            raise omemo.BundleDeletionFailed("delete %s timed out" % node)

    # ---- sending ----
    def _send_encrypted(self, to, message, body, replace=None, extra=()):
        """Send an omemo Message as <encrypted/> (+ hints, EME, the fallback body;
        replace: the id of a message it corrects, XEP-0308; extra: XML texts of
        more elements, unencrypted, such as a reply's <reply/> and <fallback/>)."""
        msg = self.client.make_message(mto=to, mtype="chat", mbody=body)
        msg.append(oldmemo.etree.serialize_message(message))
        if replace:
            msg.append(ET.Element("{urn:xmpp:message-correct:0}replace", id=replace))
        for xml in extra:
            msg.append(ET.fromstring(xml))
        msg.append(ET.Element("{%s}store" % NS_HINTS))
        if body is not None:
            msg.append(ET.Element("{%s}encryption" % NS_EME, namespace=NS, name="OMEMO"))
        msg.send()
        return str(msg)

    async def _ensure_device_list(self, bare_jid):
        if bare_jid not in self._fetched:
            await self.manager.refresh_device_list(NS, bare_jid)
            self._fetched.add(bare_jid)

    async def _encrypt_and_send(self, to, text, body, resource=None, replace=None, extra=()):
        async with self._omemo_lock:
            await self._ensure_device_list(to)
            await self._ensure_device_list(self.bare)
            messages, errors = await self.manager.encrypt(frozenset([to]), {NS: text.encode("utf-8")})
            message = next(m for m in messages if m.namespace == NS)
            self.encryption_errors = list(errors)
            return self._send_encrypted("%s/%s" % (to, resource) if resource else to, message,
                                        body, replace, extra)

    def send_encrypted(self, to, text, body=FALLBACK_BODY, timeout=30, resource=None,
                       replace=None, extra=()):
        """Encrypt text for every device of the bare JID `to` and our own other
        devices, send it (type chat, fallback body, store hint, EME) and return the
        sent stanza's XML. Device lists are fetched the first time a JID is used
        (then kept current by PEP pushes). Raises OmemoError when no device can be
        encrypted for. resource: address the stanza to that resource of `to` (still
        encrypted for all its devices), so its other resources get carbons. replace:
        the id of the message this one corrects (XEP-0308, outside the encryption).
        extra: XML texts of more elements sent outside the encryption."""
        to = to if "@" in to else "%s@%s" % (to, self.prosody.domain)
        try:
            return self._call(self._encrypt_and_send, to.split("/", 1)[0], text, body, resource,
                              replace, tuple(extra), timeout=timeout)
        except omemo.OMEMOException as exc:
            raise OmemoError("%s: cannot encrypt for %s: %r" % (self.jid, to, exc))

    # ---- receiving ----
    def _on_encrypted(self, stanza):
        if stanza["type"] == "error":
            return              # a bounce of our own message: in .messages only
        asyncio.ensure_future(self._decrypt(stanza), loop=self.loop)

    def _sender_of(self, stanza):
        """The bare JID whose keys decrypt stanza (a group chat peer overrides it:
        there the sender is an occupant, named by the room)."""
        return str(stanza["from"]).split("/", 1)[0] or self.bare

    async def _decrypt(self, stanza):
        frm = str(stanza["from"])
        sender = self._sender_of(stanza)
        element = stanza.xml.find("{%s}encrypted" % NS)
        has_body = stanza.xml.find("{jabber:client}body") is not None
        rec = OmemoMessage(frm, 0, body=stanza["body"] if has_body else None,
                           id=stanza["id"] or None, xml=str(stanza))
        try:
            header = element.find("{%s}header" % NS)
            rec.sender_device = int(header.get("sid"))
            rec.empty = element.find("{%s}payload" % NS) is None
            await asyncio.wait_for(self._omemo_ready.wait(), 60)
            for key in header.findall("{%s}key" % NS):
                if key.get("rid") == str(self._own.device_id):
                    rec.prekey = key.get("prekey") in ("true", "1")
            async with self._omemo_lock:
                message = await oldmemo.etree.parse_message(element, sender, self.bare, self.manager)
                plaintext, device, _key = await self.manager.decrypt(message)
            if plaintext is not None:
                rec.plaintext = plaintext.decode("utf-8", "replace")
        except omemo.MessageNotForUs:
            rec.error = "not encrypted for this device"
        except Exception as exc:    # recorded for the test to see, never raised in the loop
            rec.error = "%s: %s" % (type(exc).__name__, exc)
            log.info("%s: cannot decrypt from %s: %s", self.jid, frm, rec.error)
        with self._cond:
            self._omemo_messages.append(rec)
            self._cond.notify_all()

    def _on_event(self, stanza):
        items = stanza.xml.find("{%s}event/{%s}items" % (NS_PUBSUB_EVENT, NS_PUBSUB_EVENT))
        if items is None or items.get("node") != DEVICELIST_NODE:
            return
        item = items.find("{%s}item/{%s}list" % (NS_PUBSUB_EVENT, NS))
        sender = str(stanza["from"]).split("/", 1)[0] or self.bare
        asyncio.ensure_future(self._device_list_pushed(sender, item), loop=self.loop)

    async def _device_list_pushed(self, sender, item):
        try:
            await asyncio.wait_for(self._omemo_ready.wait(), 60)
            devices = _parse_device_list(item)
            # omemo re-adds (and republishes) our own device if a push of our own
            # list lacks it.
            async with self._omemo_lock:
                await self.manager.update_device_list(NS, sender, devices)
            self._fetched.add(sender)
            with self._cond:
                self.device_list_pushes.append((sender, sorted(devices)))
                self._cond.notify_all()
        except Exception as exc:
            log.info("%s: bad device list push from %s: %r", self.jid, sender, exc)

    @property
    def omemo_messages(self):
        """Every received OMEMO message, decrypted or not, empty ones included."""
        with self._lock:
            return list(self._omemo_messages)

    @property
    def decrypted(self):
        """Received OMEMO messages that decrypted to text (no empty ones, no failures)."""
        with self._lock:
            return [m for m in self._omemo_messages if m.plaintext is not None]

    def clear(self):
        super().clear()
        with self._lock:
            self._omemo_messages.clear()
            self.sent.clear()
            self.device_list_pushes.clear()

    def wait_for_decrypted(self, predicate=None, timeout=10, frm=None):
        """Wait for a received OMEMO message that decrypted to text; return it (an
        OmemoMessage). predicate: None (any), str (plaintext equals), compiled regex
        (searched in the plaintext) or callable(OmemoMessage); frm: bare or full JID."""
        match = _matcher(predicate, frm, attr="plaintext")
        return self._wait(lambda: [m for m in self._omemo_messages if m.plaintext is not None],
                          match, timeout, "decrypted OMEMO message")

    def wait_for_omemo(self, predicate=None, timeout=10, frm=None):
        """Wait for any received OMEMO message (empty and undecryptable ones too);
        predicate: None (any) or callable(OmemoMessage)."""
        return self._wait(lambda: self._omemo_messages, _matcher(predicate, frm, attr=None),
                          timeout, "OMEMO message")

    def wait_for_device_list(self, jid, predicate=None, timeout=10):
        """Wait for a device-list push from jid (bare); predicate(callable on the
        sorted list of ids) or None (any). Returns the list."""
        jid = jid if "@" in jid else "%s@%s" % (jid, self.prosody.domain)
        with self._cond:
            found = self._cond.wait_for(lambda: [ids for who, ids in self.device_list_pushes
                                                 if who == jid and (predicate is None or predicate(ids))],
                                        timeout)
        if not found:
            raise WaitTimeout("%s: no device list push from %s within %s s (got %r)" % (
                self.jid, jid, timeout, self.device_list_pushes))
        return found[-1]

    # ---- information ----
    @property
    def device_id(self):
        """This device's OMEMO id (set once connect() returned)."""
        return self._own.device_id

    @property
    def identity_key(self):
        """This device's identity public key as the bundle carries it: 33 bytes,
        0x05 then the Curve25519 key."""
        return b"\x05" + xeddsa.ed25519_pub_to_curve25519_pub(self._own.identity_key)

    @property
    def fingerprint(self):
        """64 lowercase hex digits: the Curve25519 identity key without 0x05."""
        return curve_fingerprint(self._own.identity_key)

    def devices(self, jid, refresh=True, timeout=20):
        """{device_id: fingerprint} of jid's (bare) devices as omemo knows them,
        after fetching the device list and bundles again when refresh is true.
        Devices whose bundle could not be fetched are left out."""
        jid = jid if "@" in jid else "%s@%s" % (jid, self.prosody.domain)

        async def run():
            async with self._omemo_lock:
                if refresh:
                    await self.manager.refresh_device_list(NS, jid)
                    self._fetched.add(jid)
                infos = await self.manager.get_device_information(jid)
            return {d.device_id: curve_fingerprint(d.identity_key) for d in infos
                    if dict(d.active).get(NS, False)}
        return self._call(run, timeout=timeout)

    def set_trust(self, jid, fingerprint, level, timeout=10):
        """Set the trust of jid's device with this fingerprint: 'trusted',
        'distrusted', 'undecided' or 'blind' (the default of new devices)."""
        jid = jid if "@" in jid else "%s@%s" % (jid, self.prosody.domain)

        async def run():
            async with self._omemo_lock:
                for d in await self.manager.get_device_information(jid):
                    if curve_fingerprint(d.identity_key) == fingerprint:
                        await self.manager.set_trust(jid, d.identity_key, level)
                        return
            raise OmemoError("%s: no device of %s with fingerprint %s" % (self.jid, jid, fingerprint))
        self._call(run, timeout=timeout)

    def node_config(self, node, timeout=10):
        """{field: value} of one of our own PEP nodes' configuration (pubsub#owner)."""
        async def run():
            pubsub = ET.Element("{%s}pubsub" % NS_PUBSUB_OWNER)
            ET.SubElement(pubsub, "{%s}configure" % NS_PUBSUB_OWNER, node=node)
            res = await self._pubsub_iq("get", None, pubsub)
            out = {}
            for fld in res.xml.iter("{%s}field" % NS_DATA):
                value = fld.find("{%s}value" % NS_DATA)
                out[fld.get("var")] = value.text if value is not None else None
            return out
        return self._call(run, timeout=timeout)


def key_rids(xml):
    """The rid of every <key/> in the OMEMO header of a stanza (XML text), as
    {rid: prekey_flag} with rid an int."""
    root = ET.fromstring(xml)
    out = {}
    for key in root.iter("{%s}key" % NS):
        out[int(key.get("rid"))] = key.get("prekey") in ("true", "1")
    return out


def payload_bytes(xml):
    """The decoded <payload/> of a stanza's OMEMO element (b"" when absent)."""
    root = ET.fromstring(xml)
    payload = root.find(".//{%s}payload" % NS)
    return base64.b64decode(payload.text) if payload is not None and payload.text else b""


__all__ = ["OmemoPeer", "OMEMO_MODULES", "OmemoMessage", "OmemoError", "FALLBACK_BODY", "NS",
           "DEVICELIST_NODE", "BUNDLE_NODE", "curve_fingerprint", "key_rids", "payload_bytes"]
