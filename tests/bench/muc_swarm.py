"""Many cheap XMPP sessions for the group-chat benchmarks.

slixmpp costs too much per session for a room of 1,000 occupants, so the
occupants are minimal clients on one asyncio loop (in a thread of its own):
plain c2s on loopback (the bench Prosody allows unencrypted c2s and SASL
PLAIN on its host), SASL PLAIN, resource binding, no roster, no initial
presence (so nothing is broadcast to other sessions of the account).

Each session reads everything the server sends and drops it, except while a
caller waits for a byte pattern on it (`watch`).  Prosody serialises
attributes with single quotes, e.g. <status code='110'/>.
"""

import asyncio
import base64
import threading
import time
from xml.sax.saxutils import escape, quoteattr

NS_MUC = "http://jabber.org/protocol/muc"


class SwarmError(RuntimeError):
    pass


class _Session(asyncio.Protocol):
    """One c2s connection: a byte sink with optional pattern watches."""

    def __init__(self):
        self.transport = None
        self.buf = bytearray()      # kept only while `collect` is set
        self.collect = True
        self.watches = []           # [pattern bytes, future, tail bytes]
        self.closed = asyncio.get_running_loop().create_future()
        self.received = 0

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.received += len(data)
        if self.collect:
            self.buf += data
        if self.watches:
            keep = []
            for w in self.watches:
                pat, fut, tail = w
                hay = tail + data
                if pat in hay:
                    if not fut.done():
                        fut.set_result(time.monotonic())
                else:
                    w[2] = hay[-(len(pat) - 1):] if len(pat) > 1 else b""
                    keep.append(w)
            self.watches = keep

    def connection_lost(self, exc):
        if not self.closed.done():
            self.closed.set_result(exc)
        for _pat, fut, _t in self.watches:
            if not fut.done():
                fut.set_exception(SwarmError("connection closed"))
        self.watches = []

    def watch(self, pattern):
        fut = asyncio.get_running_loop().create_future()
        self.watches.append([pattern, fut, b""])
        return fut

    async def read_until(self, pattern, timeout):
        """Collected bytes up to and including pattern (then the buffer is
        cut there)."""
        deadline = time.monotonic() + timeout
        while True:
            i = self.buf.find(pattern)
            if i >= 0:
                out = bytes(self.buf[:i + len(pattern)])
                del self.buf[:i + len(pattern)]
                return out
            if self.closed.done():
                raise SwarmError("connection closed; got %r" % bytes(self.buf[-300:]))
            left = deadline - time.monotonic()
            if left <= 0:
                raise SwarmError("no %r within %.0f s; got %r"
                                 % (pattern, timeout, bytes(self.buf[-300:])))
            fut = self.watch(pattern)
            try:
                await asyncio.wait_for(fut, left)
            except asyncio.TimeoutError:
                pass

    def send(self, text):
        self.transport.write(text.encode("utf-8") if isinstance(text, str) else text)


class Bot:
    def __init__(self, user, jid, session):
        self.user = user
        self.jid = jid
        self.s = session


class Swarm:
    """Sessions on one event loop, driven from the benchmark's thread."""

    def __init__(self, host, port, domain):
        self.host = host
        self.port = port
        self.domain = domain
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="muc-swarm", daemon=True)
        self.thread.start()
        self.bots = {}

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, coro, timeout):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    # ---- log-in ----
    def _header(self):
        return ("<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' "
                "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" % self.domain)

    async def _login(self, user, password, resource, timeout):
        _t, s = await self.loop.create_connection(_Session, self.host, self.port)
        s.send(self._header())
        await s.read_until(b"</stream:features>", timeout)
        token = base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()
        s.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>" % token)
        out = await s.read_until(b"/>", timeout)
        if b"<success" not in out:
            raise SwarmError("SASL failed for %s: %r" % (user, out))
        s.buf.clear()
        s.send(self._header())
        await s.read_until(b"</stream:features>", timeout)
        s.send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
               "<resource>%s</resource></bind></iq>" % escape(resource))
        out = await s.read_until(b"</iq>", timeout)
        if b"type='result'" not in out:
            raise SwarmError("bind failed for %s: %r" % (user, out))
        s.collect = False
        s.buf.clear()
        return Bot(user, "%s@%s/%s" % (user, self.domain, resource), s)

    def login(self, users, password, resource="swarm", concurrency=50, timeout=60):
        """Log in every user (not yet logged in); return the time taken."""
        t0 = time.monotonic()
        todo = [u for u in users if u not in self.bots]

        async def run():
            sem = asyncio.Semaphore(concurrency)

            async def one(u):
                async with sem:
                    self.bots[u] = await self._login(u, password, resource, timeout)
            await asyncio.gather(*(one(u) for u in todo))
        self.call(run(), timeout + len(todo) * 0.5)
        return time.monotonic() - t0

    # ---- rooms ----
    def join(self, room, members, timeout=120, batch=25):
        """members: [(user, nick)], joined in order, `batch` at a time; each
        join completes when the session gets its own presence (status 110).
        The first member of a new room creates it (Prosody with
        muc_room_locking = false makes it unlocked at once)."""
        t0 = time.monotonic()

        async def run():
            # The first member alone first: if the room is new, it creates
            # it (and owns it) before anyone else arrives.
            bounds = [0, 1] + list(range(1 + batch, len(members), batch)) + [len(members)]
            for i, j in zip(bounds, bounds[1:]):
                if i >= j:
                    continue
                futs = []
                for user, nick in members[i:j]:
                    b = self.bots[user]
                    futs.append(b.s.watch(b"code='110'"))
                    b.s.send("<presence to=%s><x xmlns='%s'><history maxstanzas='0'/></x></presence>"
                             % (quoteattr("%s/%s" % (room, nick)), NS_MUC))
                await asyncio.wait_for(asyncio.gather(*futs), timeout)
        self.call(run(), timeout * (1 + len(members) // batch))
        return time.monotonic() - t0

    def leave(self, room, user, nick, timeout=30):
        """Leave the room and wait until the room has handled it."""
        async def run():
            self.bots[user].s.send("<presence type='unavailable' to=%s/>"
                                   % quoteattr("%s/%s" % (room, nick)))
        self.call(run(), timeout)
        self.sync(user, room, timeout)

    def set_subject(self, room, user, subject, timeout=30):
        """Set the subject (user must be a moderator) and wait until the
        room has handled it (an iq to the room answered after it)."""
        b = self.bots[user]

        async def run():
            b.s.send("<message to=%s type='groupchat'><subject>%s</subject></message>"
                     % (quoteattr(room), escape(subject)))
        self.call(run(), timeout)
        self.sync(user, room, timeout)

    def sync(self, user, to, timeout=30):
        """One disco#info round trip from user to `to`: Prosody handles a
        session's stanzas in order, so everything user sent before is done."""
        self._iq_id = getattr(self, "_iq_id", 0) + 1
        iq_id = "sync%d" % self._iq_id

        async def run():
            s = self.bots[user].s
            fut = s.watch(("id='%s'" % iq_id).encode())
            s.send("<iq type='get' id='%s' to=%s><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
                   % (iq_id, quoteattr(to)))
            await asyncio.wait_for(fut, timeout)
        self.call(run(), timeout + 5)

    def sync_later(self, user, to):
        """sync() without waiting: sends the disco#info query now and
        returns a concurrent.futures.Future that resolves to the monotonic
        time its answer arrives on user's session."""
        self._iq_id = getattr(self, "_iq_id", 0) + 1
        iq_id = "sync%d" % self._iq_id

        async def send():
            s = self.bots[user].s
            fut = s.watch(("id='%s'" % iq_id).encode())
            s.send("<iq type='get' id='%s' to=%s><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
                   % (iq_id, quoteattr(to)))
            return fut
        fut = self.call(send(), 10)

        async def wait():
            return await fut
        return asyncio.run_coroutine_threadsafe(wait(), self.loop)

    def watch(self, user, pattern):
        """A concurrent.futures.Future that resolves (to the monotonic time)
        when pattern (str) arrives on user's session."""
        async def make():
            return self.bots[user].s.watch(pattern.encode())
        fut = self.call(make(), 10)

        async def wait():
            return await fut
        return asyncio.run_coroutine_threadsafe(wait(), self.loop)

    def flood(self, user, room, bodies, chunk=200):
        """Write one groupchat message per body as fast as the socket takes
        them; returns the monotonic time just before the first write.  The
        call returns once everything is handed to the kernel or buffered."""
        async def run():
            s = self.bots[user].s
            pre = "<message to=%s type='groupchat'><body>" % quoteattr(room)
            data = [("%s%s</body></message>" % (pre, escape(b))).encode() for b in bodies]
            t0 = time.monotonic()
            for i in range(0, len(data), chunk):
                s.send(b"".join(data[i:i + chunk]))
                # Let the loop run the readers between chunks; the transport
                # buffers what the kernel does not take yet.
                await asyncio.sleep(0)
            return t0
        return self.call(run(), 120)

    def close(self):
        async def run():
            for b in self.bots.values():
                try:
                    b.s.transport.write(b"</stream:stream>")
                    b.s.transport.close()
                except Exception:
                    pass
            await asyncio.sleep(0.2)
        try:
            self.call(run(), 30)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
