"""Files in OMEMO chats (issue 13, XEP-0454): /upload in an encrypted chat encrypts
the file with AES-256-GCM as it is sent and puts its aesgcm:// link inside the
encrypted message only; the upload server never sees the plaintext. Checked with
the independent OMEMO peer (python-omemo) and Python's cryptography module; and
the other way round: an aesgcm:// link inside an OMEMO message is a File line
that /download decrypts."""

import hashlib
import os
import re
import ssl
import urllib.request

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from harness.omemo_peer import OMEMO_MODULES, OmemoPeer
from screen import CONNECTED, main_has, main_text, wait_main_has, wait_main_line
from test_download import upload

pytestmark = pytest.mark.servers("prosody")

LIMIT = 4 * 1024 * 1024
AESGCM_LINK = re.compile(r"^aesgcm://([^#\s]+)#([0-9a-f]{88}|[0-9a-f]{96})$")


@pytest.fixture
def server(prosody_factory):
    return prosody_factory(modules=OMEMO_MODULES, upload=True, upload_limit=LIMIT)


@pytest.fixture
def omemo_factory():
    made = []

    def make(user, prosody, **kw):
        peer = OmemoPeer(user, "pw", prosody, **kw)
        made.append(peer)
        peer.connect()
        return peer
    yield make
    for peer in made:
        peer.close()


def start(natter_factory, server, tmp_path):
    n = natter_factory(server, cols=200, rows=40)
    n.wait_for(CONNECTED, timeout=15)
    n.type_line("/omemo status")
    wait_main_line(n, r"OMEMO: this device is \d+", timeout=20)
    n.type_line("/set download_dir %s" % (tmp_path / "dl"))
    return n


def open_encrypted_chat(n, jid="bob@localhost"):
    from screen import title_bar
    n.type_line("/msg %s" % jid)
    n.type_line("/omemo on")
    n.wait_for(lambda s: "[OMEMO]" in title_bar(n, s), timeout=10)


def fetch(server, url):
    ctx = ssl.create_default_context(cafile=server.ca_file)
    with urllib.request.urlopen(url, context=ctx, timeout=10) as r:
        return r.read()


def stored_files(server):
    """Every file under the server's data directory: {path: bytes}."""
    out = {}
    for root, _dirs, files in os.walk(server.data_dir):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                out[path] = f.read()
    return out


def sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.mark.time_limit(150)
def test_upload_in_an_omemo_chat_is_encrypted(server, omemo_factory, natter_factory, tmp_path):
    bob = omemo_factory("bob", server)
    n = start(natter_factory, server, tmp_path)
    open_encrypted_chat(n)
    plain = os.urandom(1536 * 1024 + 5)
    path = tmp_path / "holiday photo.png"
    path.write_bytes(plain)
    n.type_line("/upload %s" % path)

    got = bob.wait_for_decrypted(lambda m: m.plaintext.startswith("aesgcm://"), timeout=30)
    m = AESGCM_LINK.match(got.plaintext)
    assert m, got.plaintext
    # Inside the encrypted message only: no link in the clear, no OOB data.
    assert "aesgcm" not in got.xml and "https://" not in got.xml and "jabber:x:oob" not in got.xml
    assert not any("https://localhost" in x or "aesgcm" in x for x in bob.stanzas)
    url = "https://" + m.group(1)
    assert url.startswith("https://localhost:%d/" % server.https_port) and \
        url.endswith("/holiday%20photo.png") or url.endswith("/holiday photo.png"), url
    frag = bytes.fromhex(m.group(2))
    iv, key = frag[:-32], frag[-32:]
    cipher = fetch(server, url)
    # What the server has is ciphertext and tag, never the file.
    assert len(cipher) == len(plain) + 16 and cipher[:len(plain)] != plain
    assert sha(AESGCM(key).decrypt(iv, cipher, None)) == sha(plain)
    stored = stored_files(server)
    assert any(data == cipher for data in stored.values()), sorted(stored)
    assert not any(plain[:4096] in data for data in stored.values())

    wait_main_has(n, "Uploaded holiday photo.png", timeout=10)
    # Our own line shows the file, which /download can decrypt again.
    scr = n.wait_for(lambda s: re.search(r"File (\d+): holiday photo\.png \(encrypted\)",
                                         main_text(n, s)), timeout=10)
    num = int(re.search(r"File (\d+): holiday photo\.png", main_text(n, scr)).group(1))
    n.type_line("/download %d" % num)
    target = tmp_path / "dl" / "holiday photo.png"
    n.wait_for(lambda s: main_has(n, s, "Saved holiday photo.png"), timeout=20)
    assert sha(target.read_bytes()) == sha(plain)


@pytest.mark.time_limit(120)
def test_encrypted_size_is_checked_against_the_limit(server, omemo_factory, natter_factory,
                                                     tmp_path):
    bob = omemo_factory("bob", server)
    n = start(natter_factory, server, tmp_path)
    open_encrypted_chat(n)
    # Exactly at the limit in plain text: 16 bytes over it once encrypted.
    path = tmp_path / "exact.bin"
    path.write_bytes(os.urandom(LIMIT))
    n.type_line("/upload %s" % path)
    wait_main_has(n, "Upload of exact.bin failed: the file is %d bytes; the server accepts at "
                  "most %d" % (LIMIT + 16, LIMIT), timeout=20)
    n.type_line("/upload %s" % path)
    wait_main_has(n, "Cannot upload: %s is %d bytes encrypted; the server accepts at most %d"
                  % (path, LIMIT + 16, LIMIT), timeout=10)
    assert not any(len(d) >= LIMIT for d in stored_files(server).values())
    assert not bob.decrypted


@pytest.mark.time_limit(120)
def test_no_plaintext_when_the_contact_has_no_omemo(server, peer_factory, natter_factory,
                                                    tmp_path):
    carol = peer_factory("carol", server)        # no OMEMO at all
    n = start(natter_factory, server, tmp_path)
    open_encrypted_chat(n, "carol@localhost")
    path = tmp_path / "secret.txt"
    plain = b"not for the server " * 100
    path.write_bytes(plain)
    n.type_line("/upload %s" % path)
    # The file went up encrypted; its link cannot be encrypted for carol, so
    # nothing at all is sent to her.
    wait_main_has(n, "Not sent (OMEMO): carol@localhost has no OMEMO device", timeout=20)
    stored = stored_files(server)
    assert any(len(d) == len(plain) + 16 for d in stored.values()), sorted(stored)
    assert not any(plain[:64] in d for d in stored.values())
    n.type_line("/omemo off")
    n.type_line("plain marker for carol")
    carol.wait_for_message("plain marker for carol", timeout=15)
    assert [m.body for m in carol.messages if m.body] == ["plain marker for carol"]
    assert not any("localhost:%d" % server.https_port in x or "aesgcm" in x
                   for x in carol.stanzas)


@pytest.mark.time_limit(150)
def test_aesgcm_link_received_in_an_omemo_message(server, omemo_factory, natter_factory,
                                                  tmp_path):
    bob = omemo_factory("bob", server)
    n = start(natter_factory, server, tmp_path)
    n.type_line("/msg bob@localhost")
    plain = os.urandom(200 * 1024 + 3)
    key, iv = os.urandom(32), os.urandom(12)
    url = upload(bob, server, "from bob.pdf", AESGCM(key).encrypt(iv, plain, None))
    link = "aesgcm://" + url[len("https://"):] + "#" + iv.hex() + key.hex()
    bob.send_encrypted("alice", link)
    scr = n.wait_for(lambda s: re.search(r"File (\d+): from bob\.pdf \(encrypted\)",
                                         main_text(n, s)), timeout=20)
    num = int(re.search(r"File (\d+): from bob\.pdf", main_text(n, scr)).group(1))
    assert "~ <bob>" in main_text(n, scr), main_text(n, scr)
    n.type_line("/download %d" % num)
    n.wait_for(lambda s: main_has(n, s, "Saved from bob.pdf"), timeout=20)
    assert sha((tmp_path / "dl" / "from bob.pdf").read_bytes()) == sha(plain)


def peak_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


@pytest.mark.time_limit(180)
def test_encrypted_upload_streams_in_constant_memory(prosody_factory, omemo_factory,
                                                     natter_factory, tmp_path):
    """40 MB encrypted on the way: natter's peak memory grows by far less than the
    file (the encryption is pulled by the transfer, a chunk at a time)."""
    server = prosody_factory(modules=OMEMO_MODULES, upload=True, upload_limit=64 * 1024 * 1024)
    bob = omemo_factory("bob", server)
    n = start(natter_factory, server, tmp_path)
    open_encrypted_chat(n)
    # A first small upload: the service is found, the session built.
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 1000)
    n.type_line("/upload %s" % small)
    bob.wait_for_decrypted(lambda m: "/small.bin#" in m.plaintext, timeout=30)
    before = peak_rss_kb(n.pid)
    size = 40 * 1024 * 1024
    plain = os.urandom(size)
    path = tmp_path / "big.bin"
    path.write_bytes(plain)
    n.type_line("/set transfer_rate_limit 20000")
    n.type_line("/upload %s" % path)
    n.type_line("/upload -list")
    wait_main_has(n, "big.bin to bob@localhost (encrypted), ", timeout=10)
    got = bob.wait_for_decrypted(lambda m: "/big.bin#" in m.plaintext, timeout=90)
    grown = peak_rss_kb(n.pid) - before
    print("encrypted upload of 40 MB: peak RSS grew by %d kB" % grown)
    assert grown < 8 * 1024, grown
    m = AESGCM_LINK.match(got.plaintext)
    frag = bytes.fromhex(m.group(2))
    cipher = fetch(server, "https://" + m.group(1))
    assert len(cipher) == size + 16
    assert sha(AESGCM(frag[-32:]).decrypt(frag[:-32], cipher, None)) == sha(plain)
