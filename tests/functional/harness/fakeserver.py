"""A scripted XMPP server on loopback, for what a real server cannot be made to
do: send broken or hostile XML, miscount stream management acknowledgements.

FakeServer(domain='localhost', sm=False, prolog=None)
    Listens on 127.0.0.1:port (picked free), plain TCP (natter's account needs
    tls=allow-plain). Each connection gets SASL PLAIN (any password), resource
    binding, an empty roster, and an error for any other iq. With sm=True the
    features after login offer XEP-0198 (<enable/> is answered <enabled/>,
    without resumption) and natter's <r/> is answered with the true count
    while auto_ack is True.
    prolog(index) -> bytes or None: what to send instead of the usual XML
    declaration before the stream header of login stage 'index' (0 = first
    stream, 1 = after authentication) of the first connection only.
    send(data)        bytes to the newest connection, as they are.
    connections()     how many connections were accepted.
    wait_logged_in(n, timeout) until connection number n (1-based) has bound.
    bodies(i=None)    the message bodies received (on connection i, or all).
    received(i)       everything connection i received, as text.
    close()
"""

import socket
import threading
import xml.etree.ElementTree as ET

from .util import register, unregister, wait_until

STREAM = "http://etherx.jabber.org/streams"
CLIENT = "jabber:client"
SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
BIND = "urn:ietf:params:xml:ns:xmpp-bind"
SM = "urn:xmpp:sm:3"


class _Conn:
    def __init__(self, server, sock, index):
        self.server, self.sock, self.index = server, sock, index
        self.raw = bytearray()
        self.bodies = []
        self.logged_in = False
        self.handled = 0   # stanzas received since <enable/>
        self.sm = False
        self.lock = threading.Lock()

    def send(self, data):
        with self.lock:
            try:
                self.sock.sendall(data)
            except OSError:
                pass

    def header(self, stage):
        prolog = self.server.prolog(stage) if self.server.prolog and self.index == 1 else None
        head = prolog if prolog is not None else b"<?xml version='1.0'?>"
        return head + ("<stream:stream xmlns='jabber:client' xmlns:stream='%s' id='fake%d' "
                       "from='%s' version='1.0'>" % (STREAM, stage, self.server.domain)).encode()

    def new_parser(self):
        parser = ET.XMLPullParser(events=("start", "end"))
        return parser

    def run(self):
        stage = 0
        parser = self.new_parser()
        depth = 0
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                self.raw += data
                parser.feed(data)
                for ev, el in parser.read_events():
                    if ev == "start":
                        depth += 1
                        if depth == 1:   # the client's stream header
                            self.send(self.header(stage) + self.features(stage))
                        continue
                    depth -= 1
                    if depth != 1:
                        continue
                    if self.handle(el, stage):
                        stage += 1
                        parser = self.new_parser()
                        depth = 0
                        break
        except (OSError, ET.ParseError):
            pass
        finally:
            try:
                self.sock.close()
            except OSError:
                pass

    def features(self, stage):
        if stage == 0:
            return ("<stream:features><mechanisms xmlns='%s'><mechanism>PLAIN</mechanism>"
                    "</mechanisms></stream:features>" % SASL).encode()
        sm = "<sm xmlns='%s'/>" % SM if self.server.sm else ""
        return ("<stream:features><bind xmlns='%s'/>%s</stream:features>" % (BIND, sm)).encode()

    def handle(self, el, stage):
        """Returns True when the stream restarts (after SASL)."""
        tag = el.tag
        if tag == "{%s}auth" % SASL:
            self.send(("<success xmlns='%s'/>" % SASL).encode())
            return True
        if tag == "{%s}enable" % SM:
            self.sm = True
            self.handled = 0
            self.send(("<enabled xmlns='%s' id='fake'/>" % SM).encode())
            return False
        if tag == "{%s}r" % SM:
            if self.server.auto_ack:
                self.send(("<a xmlns='%s' h='%d'/>" % (SM, self.handled)).encode())
            return False
        if tag.startswith("{%s}" % SM):
            return False
        if self.sm:
            self.handled += 1
        if tag == "{%s}message" % CLIENT:
            body = el.find("{%s}body" % CLIENT)
            if body is not None:
                self.bodies.append(body.text or "")
        elif tag == "{%s}iq" % CLIENT:
            self.answer_iq(el)
        return False

    def answer_iq(self, el):
        iid = el.get("id", "")
        typ = el.get("type")
        if typ not in ("get", "set"):
            return
        bind = el.find("{%s}bind" % BIND)
        if bind is not None:
            res = bind.find("{%s}resource" % BIND)
            jid = "alice@%s/%s" % (self.server.domain, res.text if res is not None else "fake")
            self.send(("<iq type='result' id='%s'><bind xmlns='%s'><jid>%s</jid></bind></iq>"
                       % (iid, BIND, jid)).encode())
            self.logged_in = True
            return
        if el.find("{jabber:iq:roster}query") is not None and typ == "get":
            self.send(("<iq type='result' id='%s'><query xmlns='jabber:iq:roster'/></iq>"
                       % iid).encode())
            return
        if el.find("{urn:xmpp:ping}ping") is not None:
            self.send(("<iq type='result' id='%s'/>" % iid).encode())
            return
        self.send(("<iq type='error' id='%s'><error type='cancel'><service-unavailable "
                   "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>" % iid).encode())


class FakeServer:
    def __init__(self, domain="localhost", sm=False, prolog=None):
        self.domain, self.sm, self.prolog = domain, sm, prolog
        self.auto_ack = True
        self._conns = []
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, name="fakeserver", daemon=True).start()
        register(self)

    def _accept(self):
        while not self._closed:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                conn = _Conn(self, sock, len(self._conns) + 1)
                self._conns.append(conn)
            threading.Thread(target=conn.run, daemon=True).start()

    def _conn(self, i=None):
        with self._lock:
            return self._conns[-1] if i is None else self._conns[i - 1]

    def send(self, data):
        self._conn().send(data)

    def connections(self):
        with self._lock:
            return len(self._conns)

    def wait_logged_in(self, n, timeout=15):
        wait_until(lambda: self.connections() >= n and self._conn(n).logged_in, timeout,
                   message="connection %d never logged in" % n)

    def bodies(self, i=None):
        with self._lock:
            conns = list(self._conns) if i is None else [self._conns[i - 1]]
        return [b for c in conns for b in c.bodies]

    def received(self, i):
        return bytes(self._conn(i).raw).decode("utf-8", errors="replace")

    def close(self):
        self._closed = True
        try:
            self._listener.close()
        except OSError:
            pass
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.sock.close()
            except OSError:
                pass
        unregister(self)
