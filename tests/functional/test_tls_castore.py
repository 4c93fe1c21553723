"""The system's certificate authorities are looked up in the hashed
directory (/etc/ssl/certs, c_rehash names) as a chain needs them, instead of
parsing the whole CA bundle into memory: verification gives the same answer
for good and bad certificates, and commands natter runs do not inherit the
setting natter made for itself."""

import os
import re
import subprocess

import pytest

from screen import CONNECTED, TS, main_has, wait_main_has, wait_main_line

pytestmark = pytest.mark.servers("prosody")

SYSTEM_DIR = "/etc/ssl/certs"
NOT_TRUSTED = "TLS certificate of localhost is not trusted: "
HASHED = re.compile(r"^[0-9a-f]{8}\.[0-9]+$")
NOT_LOADED = "not loaded"


def _system_bundle():
    """OpenSSL's default CA file (OPENSSLDIR/cert.pem), where it points to."""
    out = subprocess.run(["openssl", "version", "-d"], stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    return os.path.realpath(os.path.join(re.search(r'"(.*)"', out).group(1), "cert.pem"))


def _log_has(n, text):
    try:
        with open(n.log_file, encoding="utf-8", errors="replace") as f:
            return text in f.read()
    except OSError:
        return False


def _directory_with(tmp_path, ca_file):
    """A hashed directory holding what the system's does, plus the test CA
    (under its own hash name), so that it covers the system bundle."""
    d = tmp_path / "certs"
    d.mkdir()
    for name in os.listdir(SYSTEM_DIR):
        if HASHED.match(name):
            os.symlink(os.path.realpath(os.path.join(SYSTEM_DIR, name)), str(d / name))
    h = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", ca_file],
                       stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    n = 0
    while (d / ("%s.%d" % (h, n))).exists():
        n += 1
    os.symlink(ca_file, str(d / ("%s.%d" % (h, n))))
    return str(d)


@pytest.fixture
def system_dir_covers_bundle():
    hashed = [x for x in os.listdir(SYSTEM_DIR) if HASHED.match(x)] \
        if os.path.isdir(SYSTEM_DIR) else []
    if not hashed or not os.path.isfile(_system_bundle()):
        pytest.skip("no system CA bundle and hashed directory")
    # Named as some environments do; natter takes it for the system's own.
    return _system_bundle()


def test_directory_alone_verifies_the_server(prosody, natter_factory, tmp_path,
                                             system_dir_covers_bundle):
    d = _directory_with(tmp_path, prosody.ca_file)
    n = natter_factory(prosody, ca_file=False,
                       env={"SSL_CERT_DIR": d, "SSL_CERT_FILE": system_dir_covers_bundle})
    wait_main_line(n, r"^%s %s$" % (TS, CONNECTED), timeout=15)
    assert not main_has(n, n.screen(), NOT_TRUSTED)
    assert _log_has(n, NOT_LOADED), "the CA bundle was loaded"
    # A command natter runs sees the environment natter was started with.
    n.type_line('/exec echo "cert file=[$SSL_CERT_FILE]"')
    wait_main_has(n, "cert file=[%s]" % system_dir_covers_bundle, timeout=10)
    assert n.quit() == 0


def test_directory_alone_refuses_an_unknown_certificate(prosody_factory, natter_factory,
                                                        tmp_path, system_dir_covers_bundle):
    p = prosody_factory(trusted_cert=False)
    d = _directory_with(tmp_path, p.ca_file)
    n = natter_factory(p, ca_file=False,
                       env={"SSL_CERT_DIR": d, "SSL_CERT_FILE": system_dir_covers_bundle})
    n.wait_for(re.escape(NOT_TRUSTED), timeout=15)
    assert not main_has(n, n.screen(), CONNECTED)
    assert _log_has(n, NOT_LOADED)
    assert n.quit() == 0


def test_system_store_does_not_know_the_test_ca(prosody, natter_factory,
                                                system_dir_covers_bundle):
    """The system's own trust store, looked up in its directory: the test CA
    is not in it, so the certificate is refused, as with the bundle."""
    n = natter_factory(prosody, ca_file=False, env={"SSL_CERT_FILE": system_dir_covers_bundle})
    n.wait_for(re.escape(NOT_TRUSTED), timeout=15)
    assert not main_has(n, n.screen(), CONNECTED)
    assert _log_has(n, NOT_LOADED)
    assert n.quit() == 0


def test_user_bundle_is_loaded(prosody, natter_factory):
    """SSL_CERT_FILE set by the user is still read whole."""
    n = natter_factory(prosody, ca_file=False, env={"SSL_CERT_FILE": prosody.ca_file})
    wait_main_line(n, r"^%s %s$" % (TS, CONNECTED), timeout=15)
    assert not _log_has(n, NOT_LOADED)
    assert n.quit() == 0
