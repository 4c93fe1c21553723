"""An XMPP peer (slixmpp) living in a background thread with its own asyncio loop.

Every public method is safe to call from the test thread; received stanzas are
recorded in lists the test can wait on.
"""

import asyncio
import concurrent.futures
import logging
import re
import threading
import time
from dataclasses import dataclass, field

import slixmpp

from .util import WaitTimeout

log = logging.getLogger("harness.peer")


class PeerError(AssertionError):
    """A peer could not connect or an operation failed."""


@dataclass
class Received:
    """One received <message/> (or <presence/>) stanza, flattened for tests."""
    kind: str            # "message" or "presence"
    frm: str             # full JID of the sender as the server stamped it
    to: str
    type: str            # message: chat/normal/...; presence: available/unavailable/subscribe/...
    body: str = None     # message body (None if absent)
    show: str = None     # presence show
    status: str = None   # presence status
    id: str = None
    xml: str = ""        # the stanza as received
    when: float = field(default_factory=time.monotonic)

    @property
    def frm_bare(self):
        return self.frm.split("/", 1)[0]


def _matcher(predicate, frm=None, attr="body"):
    """Turn a str (equality), compiled regex (search) or callable into a predicate."""
    if predicate is None:
        base = (lambda r: getattr(r, attr) is not None) if attr else (lambda r: True)
    elif isinstance(predicate, str):
        base = lambda r: getattr(r, attr) == predicate  # noqa: E731
    elif isinstance(predicate, re.Pattern):
        base = lambda r: getattr(r, attr) is not None and predicate.search(getattr(r, attr))  # noqa: E731
    elif callable(predicate):
        base = predicate
    else:
        raise TypeError("predicate must be str, re.Pattern, callable or None")
    if frm is None:
        return base
    if "/" in frm:
        return lambda r: r.frm == frm and base(r)
    return lambda r: r.frm_bare == frm and base(r)


class Peer:
    """A slixmpp client for one account of a harness Prosody. See harness/__init__.py."""

    def __init__(self, jid, password, prosody, resource="peer", auto_authorize=None,
                 auto_subscribe=None, initial_presence=True, port=None, ca_file=None,
                 direct_tls=False, shared=None):
        if "@" not in jid:
            jid = "%s@%s" % (jid, prosody.domain)
        if "/" not in jid and resource:
            jid = "%s/%s" % (jid, resource)
        self.jid = jid
        self.bare = jid.split("/", 1)[0]
        self.password = password
        self.prosody = prosody
        self.direct_tls = direct_tls
        self.port = port or (prosody.direct_tls_port if direct_tls else prosody.c2s_port)
        self.ca_file = ca_file or prosody.ca_file
        self.initial_presence = initial_presence
        self._auto_authorize = auto_authorize
        self._auto_subscribe = auto_subscribe
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self.stanzas = []       # raw XML of every stanza received (str)
        self._messages = []
        self._presences = []
        self._callbacks = []
        self._session = threading.Event()
        self._failure = None
        self._connected = False
        self._closed = False
        self.shared = shared
        self._ready = threading.Event()
        if shared is not None:
            # Many peers on one thread and loop (see PeerLoop): the client is made there.
            self.loop = shared.loop
            self._thread = shared.thread
            self.loop.call_soon_threadsafe(self._setup_client)
        else:
            self.loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._run, name="peer-" + jid, daemon=True)
            self._thread.start()
        if not self._ready.wait(10):
            raise PeerError("peer thread for %s did not start" % jid)

    # ---- the loop thread ----
    def _run(self):
        asyncio.set_event_loop(self.loop)
        self._setup_client()
        self.loop.run_forever()
        # Cancel what slixmpp left pending so the loop closes quietly.
        pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    def _register_plugins(self, client):
        """Hook for subclasses (see harness/muc.py): register more slixmpp plugins."""

    def _setup_client(self):
        self.client = c = slixmpp.ClientXMPP(self.jid, self.password)
        c.loop = self.loop
        c.ca_certs = self.ca_file
        c.use_ipv6 = False
        c.auto_authorize = self._auto_authorize
        c.auto_subscribe = self._auto_subscribe
        c.whitespace_keepalive = False
        port = self.port

        async def dns(domain, port_=None):   # never resolve: always our loopback server
            return [(self.prosody.domain, "127.0.0.1", port)]
        c.get_dns_records = dns
        c.register_plugin("xep_0030")
        c.register_plugin("xep_0199")
        c.add_filter("in", self._in_filter)
        c.add_event_handler("session_start", self._on_session_start)
        c.add_event_handler("failed_auth", lambda s: self._fail("authentication failed"))
        c.add_event_handler("ssl_invalid_chain", lambda e: self._fail("TLS certificate not trusted: %s" % e))
        c.add_event_handler("connection_failed", lambda e: self._fail("connection failed: %s" % e))
        c.add_event_handler("disconnected", self._on_disconnected)
        self._register_plugins(c)
        self._ready.set()

    def _fail(self, why):
        with self._cond:
            if self._failure is None:
                self._failure = why
            self._cond.notify_all()
        self._session.set()
        if why.startswith("TLS") or why.startswith("authentication"):
            self.client.cancel_connection_attempt()
            self.client.abort()
        elif why.startswith("connection failed"):
            self.client.cancel_connection_attempt()

    def _on_disconnected(self, reason):
        with self._cond:
            self._connected = False
            self._cond.notify_all()

    async def _on_session_start(self, _event):
        try:
            await self.client.get_roster(timeout=10)
        except Exception as exc:  # pragma: no cover - diagnostics
            log.warning("%s: roster fetch failed: %r", self.jid, exc)
        if self.initial_presence:
            self.client.send_presence()
        with self._cond:
            self._connected = True
            self._cond.notify_all()
        self._session.set()

    def _in_filter(self, stanza):
        try:
            xml = str(stanza)
            tag = stanza.tag.split("}")[-1]
            rec = None
            if tag == "message":
                rec = Received("message", str(stanza["from"]), str(stanza["to"]),
                               stanza["type"], body=(stanza["body"] if stanza.xml.find(
                                   "{jabber:client}body") is not None else None),
                               id=stanza["id"] or None, xml=xml)
            elif tag == "presence":
                rec = Received("presence", str(stanza["from"]), str(stanza["to"]),
                               stanza.xml.get("type") or "available", show=stanza["show"] or None,
                               status=stanza["status"] or None, id=stanza["id"] or None, xml=xml)
            with self._cond:
                self.stanzas.append(xml)
                if rec is not None:
                    (self._messages if rec.kind == "message" else self._presences).append(rec)
                self._cond.notify_all()
            if rec is not None and rec.kind == "message":
                for callback in list(self._callbacks):
                    try:
                        callback(rec)
                    except Exception:  # pragma: no cover
                        log.exception("on_message callback")
        except Exception:  # pragma: no cover - never break the stream
            log.exception("in filter")
        return stanza

    # ---- cross-thread calls ----
    def _call(self, fn, *args, timeout=10, **kw):
        """Run fn(*args) in the loop thread; await it if it returns an awaitable.

        Called from the loop thread itself (an on_message callback), it runs fn at
        once and schedules an awaitable result without waiting for it."""
        if threading.current_thread() is self._thread:
            res = fn(*args, **kw)
            if asyncio.iscoroutine(res):
                asyncio.ensure_future(res)
                return None
            return res
        async def runner():
            res = fn(*args, **kw)
            if asyncio.iscoroutine(res) or isinstance(res, asyncio.Future):
                res = await res
            return res
        fut = asyncio.run_coroutine_threadsafe(runner(), self.loop)
        try:
            return fut.result(timeout)
        except concurrent.futures.TimeoutError:
            fut.cancel()
            raise PeerError("%s: %s timed out after %s s" % (self.jid, getattr(fn, "__name__", fn), timeout))

    # ---- connection ----
    def connect(self, wait=True, timeout=15):
        """Connect over STARTTLS (or direct TLS) to 127.0.0.1; with wait, block until the
        session started (roster fetched, initial presence sent) or raise PeerError."""
        with self._cond:
            self._failure = None
        self._session.clear()
        self._call(self.client.connect, ("127.0.0.1", self.port), use_ssl=self.direct_tls,
                   force_starttls=not self.direct_tls)
        if wait:
            if not self._session.wait(timeout):
                self._call(self.client.cancel_connection_attempt)
                raise PeerError("%s: no session within %s s" % (self.jid, timeout))
            if self._failure:
                raise PeerError("%s: %s" % (self.jid, self._failure))
        return self

    @property
    def connected(self):
        return self._connected

    @property
    def failure(self):
        return self._failure

    def wait_connected(self, timeout=15):
        with self._cond:
            if not self._cond.wait_for(lambda: self._connected or self._failure, timeout):
                raise PeerError("%s: not connected within %s s" % (self.jid, timeout))
            if self._failure:
                raise PeerError("%s: %s" % (self.jid, self._failure))

    def wait_disconnected(self, timeout=15):
        with self._cond:
            if not self._cond.wait_for(lambda: not self._connected, timeout):
                raise PeerError("%s: still connected after %s s" % (self.jid, timeout))

    def disconnect(self, timeout=10):
        """Close the stream (the peer can connect() again later)."""
        if self._closed:
            return
        if self._connected:
            self._call(self.client.disconnect, 1.0, timeout=timeout)
            self.wait_disconnected(timeout)
        else:
            self._call(self.client.cancel_connection_attempt)

    def close(self):
        """Disconnect and stop the peer's thread; the Peer cannot be used afterwards."""
        if self._closed:
            return
        try:
            self.disconnect()
        except Exception as exc:  # pragma: no cover
            log.warning("%s: disconnect: %r", self.jid, exc)
            try:
                self._call(self.client.abort)
            except Exception:
                pass
        self._closed = True
        if self.shared is not None:
            return          # the PeerLoop stops its thread when it is closed
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def __enter__(self):
        return self.connect() if not self._connected else self

    def __exit__(self, *exc):
        self.close()
        return False

    # ---- sending ----
    def send_message(self, to, body, mtype="chat"):
        self._call(self.client.send_message, mto=to, mbody=body, mtype=mtype)

    def send_presence(self, show=None, status=None, to=None, ptype=None, priority=None):
        kw = {}
        if show:
            kw["pshow"] = show
        if status is not None:
            kw["pstatus"] = status
        if to:
            kw["pto"] = to
        if ptype:
            kw["ptype"] = ptype
        if priority is not None:
            kw["ppriority"] = priority
        self._call(self.client.send_presence, **kw)

    def send_subscribe(self, to):
        self.send_presence(to=to, ptype="subscribe")

    def approve(self, jid):
        """Answer a subscription request with <presence type='subscribed'/>."""
        self.send_presence(to=jid, ptype="subscribed")

    def deny(self, jid):
        """Refuse (or cancel) a subscription with <presence type='unsubscribed'/>."""
        self.send_presence(to=jid, ptype="unsubscribed")

    def unsubscribe(self, jid):
        self.send_presence(to=jid, ptype="unsubscribe")

    def roster_add(self, jid, name=None, groups=(), timeout=10):
        """Add or update a roster item (iq set); waits for the server's result."""
        self._call(self.client.update_roster, jid, name=name, groups=list(groups),
                   timeout=timeout)

    def roster_remove(self, jid, timeout=10):
        self._call(self.client.del_roster_item, jid, timeout=timeout)

    def get_roster(self, timeout=10):
        """Fetch the whole roster from the server (no roster versioning):
        {jid: {'name', 'subscription', 'ask', 'groups'}}."""
        async def fetch():
            iq = self.client.Iq()
            iq["type"] = "get"
            iq.enable("roster")
            return await iq.send(timeout=timeout)
        iq = self._call(fetch, timeout=timeout + 1)
        out = {}
        for jid, item in iq["roster"]["items"].items():
            out[str(jid)] = {"name": item["name"], "subscription": item["subscription"],
                             "ask": item["ask"] or None, "groups": list(item["groups"])}
        return out

    def send_raw(self, xml):
        """Send a raw XML string on the stream (for spoofing tests)."""
        self._call(self.client.send_raw, xml)

    # ---- receiving ----
    def on_message(self, callback):
        """Call callback(Received) in the peer's thread for every message received
        (with or without a body). It may call send_message() and the other send
        methods, which then do not wait; it must not call wait_* methods."""
        self._callbacks.append(callback)

    @property
    def messages(self):
        with self._lock:
            return list(self._messages)

    @property
    def presences(self):
        with self._lock:
            return list(self._presences)

    def clear(self):
        with self._lock:
            self._messages.clear()
            self._presences.clear()
            self.stanzas.clear()

    def _wait(self, source, match, timeout, what):
        with self._cond:
            found = self._cond.wait_for(lambda: [r for r in source() if match(r)], timeout)
            if not found:
                raise WaitTimeout("%s: no %s within %s s; received:\n%s" % (
                    self.jid, what, timeout, "\n".join(self.stanzas[-20:]) or "(nothing)"))
            return found[0]

    def wait_for_message(self, predicate=None, timeout=10, frm=None):
        """Wait for a received message and return it (a Received).

        predicate: None (any message with a body), a str (body equals), a compiled
        regex (searched in the body) or a callable(Received). frm: bare or full JID.
        Messages received before the call count too; see messages / clear().
        """
        return self._wait(lambda: self._messages, _matcher(predicate, frm), timeout, "matching message")

    def wait_for_presence(self, predicate=None, timeout=10, frm=None):
        """Like wait_for_message for presences; a str predicate matches the type
        (available, unavailable, subscribe, subscribed, unsubscribe, unsubscribed)."""
        return self._wait(lambda: self._presences, _matcher(predicate, frm, attr="type"),
                          timeout, "matching presence")

    def wait_for_stanza(self, predicate, timeout=10):
        """Wait for any received stanza whose XML text matches predicate (str: substring,
        regex: search, callable(xml))."""
        if isinstance(predicate, str):
            match = lambda x: predicate in x  # noqa: E731
        elif isinstance(predicate, re.Pattern):
            match = predicate.search
        else:
            match = predicate
        return self._wait(lambda: self.stanzas, match, timeout, "matching stanza")

    def __repr__(self):
        return "<Peer %s %s>" % (self.jid, "connected" if self._connected else "offline")


class PeerLoop:
    """One thread and asyncio loop shared by many Peers: Peer(..., shared=PeerLoop()).

    Cheap crowds (dozens of group-chat bots) without a thread each. Close the peers
    first, then the PeerLoop."""

    def __init__(self, name="peer-loop"):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = threading.Event()
        self.thread.start()
        if not self._started.wait(10):
            raise PeerError("%s did not start" % name)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        self.loop.run_forever()
        pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    def close(self):
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
