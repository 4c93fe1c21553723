"""Logging in: trusted CA, untrusted certificates, wrong password, the roster."""

import re
import socket
import threading
import time

import pytest

from screen import (CONNECTED, TS, main_has, main_rows, roster_entry, roster_rows,
                    status_bar, wait_main_has, wait_main_line)

# Run against both servers (conftest.py: servers marker).
pytestmark = pytest.mark.servers("prosody", "ejabberd")

NOT_TRUSTED = "TLS certificate of localhost is not trusted: "
TRUST_HINT = "Type /tls trust to connect once, or /tls pin to always trust this certificate."


def test_login_with_trusted_ca(prosody, natter_factory, peer_factory):
    bob = peer_factory("bob", prosody)
    n = natter_factory(prosody)
    scr = wait_main_line(n, r"^%s %s$" % (TS, CONNECTED), timeout=15)
    # The server really has alice's session: bob gets her presence from that resource.
    bob.wait_for_presence("available", frm="alice@localhost/natter")
    bar = status_bar(n, scr)
    assert re.search(r"\[%s\]" % TS, bar), bar
    assert "online" in bar and "1:console" in bar, bar
    assert not main_has(n, scr, NOT_TRUSTED)
    assert n.quit() == 0


def _fingerprint_after(n, scr):
    """Hex digits shown after 'SHA-256:' (possibly wrapped over several rows)."""
    rows = main_rows(n, scr)
    for i, row in enumerate(rows):
        if "SHA-256:" in row:
            text = row.split("SHA-256:", 1)[1]
            for nxt in rows[i + 1:]:
                if re.match(r"^%s " % TS, nxt) or not nxt.strip():
                    break
                text += nxt
            return re.sub(r"[^0-9a-f]", "", text.lower())
    return None


def test_untrusted_certificate_refused_then_trust_once(prosody_factory, natter_factory,
                                                       peer_factory):
    p = prosody_factory(trusted_cert=False)
    bob = peer_factory("bob", p, ca_file=p.cert_file)   # bob trusts that certificate
    n = natter_factory(p)
    scr = wait_main_has(n, TRUST_HINT, timeout=15)
    assert main_has(n, scr, NOT_TRUSTED), "no 'not trusted' line"
    assert any(re.search(r"subject:.*localhost", r) for r in main_rows(n, scr)), "no subject line"
    fp = _fingerprint_after(n, scr)
    assert fp is not None, "no SHA-256 line"
    assert p.cert_sha256 in fp, "fingerprint shown %s, server's is %s" % (fp, p.cert_sha256)
    assert CONNECTED not in scr
    assert not any(r.frm_bare == "alice@localhost" and r.type == "available"
                   for r in bob.presences), "alice went online with an untrusted certificate"

    n.type_line("/tls trust")
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/msg bob@localhost trusted once")
    assert bob.wait_for_message("trusted once").frm == "alice@localhost/natter"


@pytest.mark.ejabberd_xfail(
    "natter bug, intermittent on ejabberd: the same crash at exit as "
    "test_system_trust_store_via_ssl_cert_file (natter quits while ejabberd's answers still "
    "arrive; SIGSEGV or an abort in free() during OpenSSL's cleanup)", strict=False)
def test_tls_pin_survives_a_restart(prosody_factory, natter_factory):
    p = prosody_factory(trusted_cert=False)
    n = natter_factory(p)
    wait_main_has(n, TRUST_HINT, timeout=15)
    n.type_line("/tls pin")
    n.wait_for(CONNECTED, timeout=15)
    assert n.quit() == 0
    n.restart()
    scr = n.wait_for(CONNECTED, timeout=15)
    assert not main_has(n, scr, NOT_TRUSTED)


def test_trust_once_is_not_remembered(prosody_factory, natter_factory):
    p = prosody_factory(trusted_cert=False)
    n = natter_factory(p)
    wait_main_has(n, TRUST_HINT, timeout=15)
    n.type_line("/tls trust")
    n.wait_for(CONNECTED, timeout=15)
    n.quit()
    n.restart()
    scr = wait_main_has(n, TRUST_HINT, timeout=15)
    assert CONNECTED not in scr


@pytest.mark.parametrize("account,password", [("alice", "wrong"), ("nobody", "pw")])
def test_login_failure(prosody, natter_factory, account, password):
    n = natter_factory(prosody, account=account, password=password)
    line = "Login failed for %s@localhost: wrong password or unknown account" % account
    scr = wait_main_has(n, line, timeout=15)
    assert "Connected as" not in scr
    assert n.is_alive()


def _row_index(rows, rx):
    for i, r in enumerate(rows):
        if re.search(rx, r):
            return i
    return None


def test_roster_shown_with_groups_names_and_presence(prosody, natter_factory, peer_factory):
    peer_factory("bob", prosody)   # online; carol stays offline
    n = natter_factory(prosody)
    scr = n.wait_for(lambda s: "Carol C." in "\n".join(roster_rows(n, s)), timeout=15)
    n.wait_for(CONNECTED)
    scr = n.wait_for(lambda s: _row_index(roster_rows(n, s), r"\bbob\b") is not None)
    rows = roster_rows(n, scr)
    friends, work = _row_index(rows, r"\bFriends\b"), _row_index(rows, r"\bWork\b")
    bob_row, carol_row = _row_index(rows, r"\bbob\b"), _row_index(rows, r"Carol C\.")
    assert None not in (friends, work, bob_row, carol_row), "\n".join(rows)
    # contacts under their group headers
    assert friends < bob_row and work < carol_row
    assert (friends < bob_row < work < carol_row) or (work < carol_row < friends < bob_row)
    # presence marks: online bob is shown unlike offline carol (mark or colour)
    n.wait_for(lambda s: roster_entry(n, "bob") not in (None, roster_entry(n, "Carol C.")),
               message="online bob looks like offline carol")
    # roster name when there is one, else the JID's localpart
    assert "carol@localhost" not in "\n".join(rows)
    assert "bob@localhost" not in rows[bob_row], \
        "roster shows %r, not the localpart" % rows[bob_row]


@pytest.mark.time_limit(60)
def test_large_roster_shown_quickly(prosody_factory, natter_factory):
    items = [("c%04d@localhost" % i, "Contact %04d" % i, ["Group %d" % (i % 10)], "both")
             for i in range(2000)]
    p = prosody_factory(start=False, rosters={"alice": items})
    p.start()
    t0 = time.monotonic()
    n = natter_factory(p)
    n.wait_for(CONNECTED, timeout=20)
    n.wait_for(lambda s: re.search(r"Contact \d{4}", "\n".join(roster_rows(n, s))), timeout=20)
    elapsed = time.monotonic() - t0
    assert elapsed < 10, "2,000-contact roster took %.1f s to show" % elapsed
    # and natter still answers: a chat with the last contact opens and sends
    n.type_line("/msg c1999@localhost hello")
    n.wait_for(r"<alice> hello")


@pytest.mark.ejabberd_xfail(
    "natter bug, intermittent (about half the runs on ejabberd): natter quits right after "
    "login while ejabberd's answers (carbons, archive) still arrive after its "
    "</stream:stream> (libstrophe: 'application data after close notify'), and the exit "
    "aborts in free() ('corrupted double-linked list') inside OPENSSL_cleanup: heap damage "
    "on the shutdown path of src/xmpp/conn.c", strict=False)
def test_system_trust_store_via_ssl_cert_file(prosody, natter_factory):
    """No ca_file in the account: OpenSSL's default paths are used, so
    SSL_CERT_FILE naming the test CA is enough to log in."""
    n = natter_factory(prosody, ca_file=False, env={"SSL_CERT_FILE": prosody.ca_file})
    wait_main_line(n, r"^%s %s$" % (TS, CONNECTED), timeout=15)
    assert not main_has(n, n.screen(), NOT_TRUSTED)
    assert n.quit() == 0


def test_without_any_trust_anchor_the_certificate_is_refused(prosody, natter_factory):
    """Neither ca_file nor SSL_CERT_FILE: the test CA is unknown, so the
    certificate is refused (never accepted silently)."""
    n = natter_factory(prosody, ca_file=False,
                       env={"SSL_CERT_FILE": "/nonexistent", "SSL_CERT_DIR": "/nonexistent"})
    n.wait_for(re.escape(NOT_TRUSTED), timeout=15)
    assert not main_has(n, n.screen(), CONNECTED)
    assert n.quit() == 0


def _junk_server():
    """A TCP server on loopback that answers whatever connects with bytes that
    are not TLS, then closes; returns (port, socket to close)."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            with c:
                c.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\nthis is not TLS\r\n" * 8)
                time.sleep(0.2)

    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1], srv


def test_tls_failure_is_told_as_such(prosody, natter_factory):
    """A failed TLS handshake is reported as a TLS failure, not as the errno that
    happens to share its number ("Operation not permitted")."""
    port, srv = _junk_server()
    try:
        n = natter_factory(prosody, tls="direct", accounts_extra={"port": str(port)})
        scr = n.wait_for(r"Could not connect to 127\.0\.0\.1:%d: " % port, timeout=15)
        line = next(r for r in main_rows(n, scr) if "Could not connect" in r)
        assert "TLS" in line, line
        assert "Operation not permitted" not in line, line
    finally:
        srv.close()


@pytest.mark.time_limit(60)
def test_connection_refused_names_host_and_port(prosody_factory, natter_factory):
    """After the server goes: 'Could not connect to HOST:PORT: reason'."""
    p = prosody_factory()
    n = natter_factory(p)
    n.wait_for(CONNECTED, timeout=15)
    p.kill()
    scr = n.wait_for(r"Could not connect to 127\.0\.0\.1:%d: Connection refused" % p.c2s_port,
                     timeout=30)
    assert "Could not connect from" not in "\n".join(main_rows(n, scr))
