"""A TCP proxy on loopback between natter and the server, for network faults.

Proxy(target_port, host='127.0.0.1')
    Listens on 127.0.0.1:port (picked free) and forwards every connection to
    host:target_port, bytes untouched (STARTTLS and TLS pass through).
    cut()            close every forwarded connection now, both sides (like a
                     reset): both ends see the connection end.
    blackhole(to_server=True, to_client=True)
                     stop forwarding in the given directions without closing
                     anything: what is written is swallowed (a NAT timeout,
                     Wi-Fi gone). New connections are still accepted.
    heal()           forward normally again (connections that were
                     blackholed are cut, as a real network would have).
    connections()    how many connections were accepted so far.
    close()          stop listening and close everything.
The proxy runs in one thread; all methods are thread-safe.
"""

import selectors
import socket
import threading

from .util import register, unregister


class Proxy:
    def __init__(self, target_port, host="127.0.0.1"):
        self.target = (host, target_port)
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._pairs = []          # [client, server] sockets
        self._drop_up = False     # client -> server swallowed
        self._drop_down = False   # server -> client swallowed
        self._accepted = 0
        self._wake_r, self._wake_w = socket.socketpair()
        self._closing = False
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._listener, selectors.EVENT_READ, "accept")
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._thread = threading.Thread(target=self._run, name="proxy", daemon=True)
        self._thread.start()
        register(self)

    # ---- control ----
    def _poke(self):
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def cut(self):
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            self._close_pair(pair)
        self._poke()

    def blackhole(self, to_server=True, to_client=True):
        with self._lock:
            self._drop_up = to_server
            self._drop_down = to_client

    def heal(self):
        with self._lock:
            self._drop_up = self._drop_down = False
        self.cut()

    def connections(self):
        with self._lock:
            return self._accepted

    def close(self):
        self._closing = True
        self.cut()
        self._poke()
        self._thread.join(timeout=5)
        for s in (self._listener, self._wake_r, self._wake_w):
            try:
                s.close()
            except OSError:
                pass
        unregister(self)

    # ---- the thread ----
    def _close_pair(self, pair):
        for s in pair:
            try:
                self._sel.unregister(s)
            except (KeyError, ValueError):
                pass
            try:
                s.close()
            except OSError:
                pass

    def _run(self):
        while not self._closing:
            for key, _ in self._sel.select(timeout=0.5):
                if key.data == "wake":
                    try:
                        key.fileobj.recv(4096)
                    except OSError:
                        pass
                elif key.data == "accept":
                    self._accept()
                else:
                    self._forward(key.fileobj, *key.data)

    def _accept(self):
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        client.setblocking(False)
        server.setblocking(False)
        pair = [client, server]
        with self._lock:
            self._pairs.append(pair)
            self._accepted += 1
        self._sel.register(client, selectors.EVENT_READ, (server, True, pair))
        self._sel.register(server, selectors.EVENT_READ, (client, False, pair))

    def _forward(self, src, dst, upstream, pair):
        try:
            data = src.recv(65536)
        except OSError:
            data = b""
        if not data:
            with self._lock:
                if pair in self._pairs:
                    self._pairs.remove(pair)
            self._close_pair(pair)
            return
        with self._lock:
            drop = self._drop_up if upstream else self._drop_down
        if drop:
            return
        try:
            dst.setblocking(True)
            dst.sendall(data)
            dst.setblocking(False)
        except OSError:
            with self._lock:
                if pair in self._pairs:
                    self._pairs.remove(pair)
            self._close_pair(pair)
