"""Sharing files (issue 13): /upload through the server's XEP-0363 service (Prosody's
mod_http_file_share over HTTPS on loopback, verified against the test CA), the link
sent as body and XEP-0066 data, progress on screen, errors as one line."""

import hashlib
import os
import re
import ssl
import urllib.request

import pytest

from harness.history_helpers import open_chat
from screen import main_has, main_text, status_bar

OOB = re.compile(r"<x xmlns=\"jabber:x:oob\"><url>(https://[^<]+)</url></x>")


@pytest.fixture
def server(prosody_factory):
    return prosody_factory(upload=True, upload_limit=4 * 1024 * 1024)


@pytest.fixture
def chat(server, natter_factory, peer_factory):
    bob = peer_factory("bob", server)
    n = natter_factory(server)
    n.wait_for(lambda s: "Connected as" in main_text(n, s), timeout=15)
    open_chat(n)
    return n, bob


def fetch(server, url):
    ctx = ssl.create_default_context(cafile=server.ca_file)
    with urllib.request.urlopen(url, context=ctx, timeout=10) as r:
        return r.read()


def make_file(tmp_path, name, size):
    path = tmp_path / name
    data = os.urandom(size)
    path.write_bytes(data)
    return path, data


def test_upload_sends_link_and_file_arrives_intact(chat, server, tmp_path):
    n, bob = chat
    path, data = make_file(tmp_path, "holiday photo.png", 1536 * 1024)
    n.type_line("/upload %s" % path)
    got = bob.wait_for_message(lambda r: r.body and r.body.startswith("https://"), timeout=30)
    m = OOB.search(got.xml)
    assert m and m.group(1) == got.body, got.xml
    assert got.body.startswith("https://localhost:%d/" % server.https_port), got.body
    assert hashlib.sha256(fetch(server, got.body)).digest() == hashlib.sha256(data).digest()
    scr = n.wait_for(lambda s: "Uploaded holiday photo.png" in main_text(n, s), timeout=10)
    assert main_has(n, scr, "Uploaded holiday photo.png (1.6\u00a0MB): %s" % got.body) or \
        main_has(n, scr, "Uploaded holiday photo.png (1.6 MB): %s" % got.body), main_text(n, scr)


def test_upload_errors_are_one_line(chat, server, tmp_path):
    n, bob = chat
    n.type_line("/upload %s" % (tmp_path / "nothing-here.txt"))
    n.wait_for(lambda s: main_has(n, s, "Cannot upload: cannot open %s: No such file or directory"
                                  % (tmp_path / "nothing-here.txt")), timeout=10)
    n.type_line("/upload %s" % tmp_path)
    n.wait_for(lambda s: main_has(n, s, "%s is not a file" % tmp_path), timeout=10)
    big, _ = make_file(tmp_path, "big.bin", 5 * 1024 * 1024)
    n.type_line("/upload %s" % big)
    n.wait_for(lambda s: main_has(n, s, "Upload of big.bin failed: the file is 5242880 bytes; "
                                  "the server accepts at most 4194304"),
               timeout=15, message="no refusal for a file above the server's limit")
    # Once the limit is known, the refusal comes before anything is asked.
    n.type_line("/upload %s" % big)
    n.wait_for(lambda s: main_has(n, s, "Cannot upload: %s is 5242880 bytes; the server accepts "
                                  "at most 4194304" % big), timeout=10)


def test_upload_list_and_cancel(chat, server, tmp_path):
    n, bob = chat
    n.type_line("/upload -list")
    n.wait_for(lambda s: "No uploads running." in main_text(n, s), timeout=10)
    n.type_line("/upload -cancel 7")
    n.wait_for(lambda s: "there is no upload 7" in main_text(n, s), timeout=10)


def test_upload_without_service(prosody, natter_factory, peer_factory, tmp_path):
    n = natter_factory(prosody)
    n.wait_for(lambda s: "Connected as" in main_text(n, s), timeout=15)
    open_chat(n)
    path, _ = make_file(tmp_path, "a.txt", 10)
    n.type_line("/upload %s" % path)
    n.wait_for(lambda s: "Upload of a.txt failed: this server offers no file upload" in main_text(n, s),
               timeout=15)


def test_upload_progress_while_chatting_and_cancel(chat, server, tmp_path):
    """A slowed upload (transfer_rate_limit) shows progress in the window and the
    status bar, the chat goes on meanwhile, and -cancel stops it: no link is sent."""
    n, bob = chat
    n.type_line("/set transfer_rate_limit 200")
    path, _ = make_file(tmp_path, "slow.bin", 3 * 1024 * 1024)
    n.type_line("/upload %s" % path)
    scr = n.wait_for(lambda s: re.search(r"Uploading slow\.bin: \d+% \(", main_text(n, s)),
                     timeout=15, message="no progress line")
    assert re.search(r"\[up 1: \d+%", status_bar(n, scr)), status_bar(n, scr)
    first = re.search(r"Uploading slow\.bin: (\d+)%", main_text(n, scr)).group(1)
    n.type_line("still typing during the upload")
    assert bob.wait_for_message("still typing during the upload", timeout=10)
    # The same line moves on (updated in place, not one line per report).
    scr = n.wait_for(lambda s: (m := re.search(r"Uploading slow\.bin: (\d+)%", main_text(n, s)))
                     and m.group(1) != first, timeout=15, message="progress did not move")
    assert main_text(n, scr).count("Uploading slow.bin") == 1, main_text(n, scr)
    assert re.search(r"[kM]B/s", main_text(n, scr)), main_text(n, scr)
    n.type_line("/upload -list")
    n.wait_for(lambda s: main_has(n, s, "1: slow.bin to bob@localhost, sending"), timeout=10)
    n.type_line("/upload -cancel 1")
    n.wait_for(lambda s: "Upload of slow.bin cancelled" in main_text(n, s), timeout=10)
    assert "[up " not in status_bar(n, n.screen())
    n.type_line("after the cancel")
    bob.wait_for_message("after the cancel", timeout=10)
    assert not any(r.body and r.body.startswith("https://") for r in bob.messages)
