"""Receiving files (issue 13): links in messages (a plain https body, XEP-0066 data,
aesgcm:// links per XEP-0454) show as numbered "File N" lines and are fetched only on
/download N, over HTTPS from the test Prosody's upload service on loopback (verified
against the test CA). aesgcm:// files are decrypted by natter and checked against an
independent implementation (Python's cryptography); hostile names land safely inside
download_dir; a file that fails its tag leaves nothing behind."""

import hashlib
import os
import re
import ssl
import time
import urllib.error
import urllib.request
import uuid
from xml.sax.saxutils import escape

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from harness.history_helpers import open_chat
from screen import count_in_main, main_has, main_text, squash, wait_main_has

SLOT_NS = "urn:xmpp:http:upload:0"


@pytest.fixture
def server(prosody_factory):
    return prosody_factory(upload=True, upload_limit=64 * 1024 * 1024)


@pytest.fixture
def chat(server, natter_factory, peer_factory, tmp_path):
    bob = peer_factory("bob", server)
    n = natter_factory(server, cols=200, rows=40)
    n.wait_for(lambda s: "Connected as" in main_text(n, s), timeout=15)
    downloads = tmp_path / "dl"
    n.type_line("/set download_dir %s" % downloads)
    open_chat(n)
    return n, bob, downloads


def upload(peer, server, name, data):
    """Upload DATA as NAME through the server's XEP-0363 service as PEER; returns
    the GET URL."""
    iq_id = "slot-" + uuid.uuid4().hex[:8]
    peer.send_raw("<iq type='get' id='%s' to='%s'><request xmlns='%s' filename=%s size='%d' "
                  "content-type='application/octet-stream'/></iq>"
                  % (iq_id, server.upload_domain, SLOT_NS, quoteattr(name), len(data)))
    xml = peer.wait_for_stanza(lambda x: "id=\"%s\"" % iq_id in x or "id='%s'" % iq_id in x,
                               timeout=10)
    put = re.search(r"<put url=[\"']([^\"']+)[\"']", xml)
    get = re.search(r"<get url=[\"']([^\"']+)[\"']", xml)
    assert put and get, xml
    put_url = put.group(1).replace("&amp;", "&")
    headers = {"Content-Type": "application/octet-stream"}
    for name, value in re.findall(r"<header name=[\"']([^\"']+)[\"']>([^<]*)</header>", xml):
        headers[name] = value.replace("&amp;", "&")
    ctx = ssl.create_default_context(cafile=server.ca_file)
    req = urllib.request.Request(put_url, data=data, method="PUT", headers=headers)
    with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
        assert 200 <= r.status < 300
    return get.group(1).replace("&amp;", "&")


def quoteattr(s):
    return "'%s'" % escape(s, {"'": "&apos;", '"': "&quot;"})


def send_link(peer, body, oob=None, to="alice@localhost"):
    x = "<x xmlns='jabber:x:oob'><url>%s</url></x>" % escape(oob) if oob else ""
    peer.send_raw("<message to='%s' type='chat' id='%s'><body>%s</body>%s</message>"
                  % (to, uuid.uuid4().hex[:10], escape(body), x))


def file_number(n, name, timeout=10):
    """Wait for the "File N: NAME" line and return N."""
    rx = re.compile(r"File (\d+): %s" % re.escape(name))
    scr = n.wait_for(lambda s: rx.search(main_text(n, s)), timeout=timeout,
                     message="no File line for %r" % name)
    return int(rx.search(main_text(n, scr)).group(1))


def listing(d):
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def sha(data):
    return hashlib.sha256(data).hexdigest()


def aesgcm_link(url, iv, key):
    assert url.startswith("https://")
    return "aesgcm://" + url[len("https://"):] + "#" + iv.hex() + key.hex()


def test_links_show_as_files_and_download_on_request(chat, server):
    n, bob, dl = chat
    data = os.urandom(1024 * 1024)
    url = upload(bob, server, "report.pdf", data)
    send_link(bob, url, oob=url)
    empty_url = upload(bob, server, "empty.txt", b"")
    send_link(bob, empty_url)
    num = file_number(n, "report.pdf")
    num_empty = file_number(n, "empty.txt")
    assert num != num_empty
    assert main_has(n, n.screen(), "File %d: report.pdf [/download %d]" % (num, num))
    # Nothing is fetched until asked.
    assert listing(dl) == []

    n.type_line("/download %d" % num)
    target = dl / "report.pdf"
    n.wait_for(lambda s: main_has(n, s, "Saved report.pdf (1.0 MB) to %s" % target), timeout=20)
    assert sha(target.read_bytes()) == sha(data)
    # The File line now says where it is.
    n.wait_for(lambda s: main_has(n, s, "File %d: report.pdf (1.0 MB), saved to %s [/open %d]"
                                  % (num, target, num)), timeout=10)

    n.type_line("/download %d" % num_empty)
    n.wait_for(lambda s: main_has(n, s, "Saved empty.txt (0 bytes) to %s" % (dl / "empty.txt")),
               timeout=20)
    assert (dl / "empty.txt").read_bytes() == b""

    # Again: never over the first copy.
    n.type_line("/download %d" % num)
    n.wait_for(lambda s: main_has(n, s, "to %s" % (dl / "report (1).pdf")), timeout=20)
    assert listing(dl) == ["empty.txt", "report (1).pdf", "report.pdf"]

    n.type_line("/url %d" % num)
    n.wait_for(lambda s: main_has(n, s, "File %d: %s" % (num, url)), timeout=10)
    n.type_line("/download 9999")
    n.wait_for(lambda s: main_has(n, s, "Cannot download: there is no file 9999"), timeout=10)
    # Each command's error says what could not be done, in the same words.
    n.type_line("/url 9999")
    n.wait_for(lambda s: main_has(n, s, "!! Cannot show the link: there is no file 9999"),
               timeout=10)


def test_aesgcm_files_are_decrypted_and_checked(chat, server):
    n, bob, dl = chat
    plain = os.urandom(300 * 1024 + 7)
    key = os.urandom(32)
    iv12, iv16 = os.urandom(12), os.urandom(16)
    url = upload(bob, server, "secret.png", AESGCM(key).encrypt(iv12, plain, None))
    send_link(bob, aesgcm_link(url, iv12, key))
    num = file_number(n, "secret.png")
    assert main_has(n, n.screen(), "File %d: secret.png (encrypted) [/download %d]" % (num, num))
    n.type_line("/download %d" % num)
    n.wait_for(lambda s: main_has(n, s, "Saved secret.png (307.2 kB) to %s" % (dl / "secret.png")),
               timeout=20)
    assert sha((dl / "secret.png").read_bytes()) == sha(plain)

    # A 16-byte IV (older clients) works too.
    url16 = upload(bob, server, "old.bin", AESGCM(key).encrypt(iv16, b"sixteen", None))
    send_link(bob, aesgcm_link(url16, iv16, key))
    num16 = file_number(n, "old.bin")
    n.type_line("/download %d" % num16)
    n.wait_for(lambda s: main_has(n, s, "Saved old.bin (7 bytes)"), timeout=20)
    assert (dl / "old.bin").read_bytes() == b"sixteen"

    # One flipped bit in the tag: an error, and no file (not even a temporary one).
    bad = bytearray(AESGCM(key).encrypt(iv12, b"tampered content", None))
    bad[-1] ^= 1
    bad_url = upload(bob, server, "tampered.txt", bytes(bad))
    send_link(bob, aesgcm_link(bad_url, iv12, key))
    num_bad = file_number(n, "tampered.txt")
    n.type_line("/download %d" % num_bad)
    n.wait_for(lambda s: main_has(n, s, "Download of tampered.txt failed: the file does not match "
                                  "its key (wrong key or altered in transit)"), timeout=20)
    assert listing(dl) == ["old.bin", "secret.png"]

    # A malformed key: refused before anything is fetched.
    send_link(bob, url.replace("https://", "aesgcm://") + "#abcd")
    n.wait_for(lambda s: count_in_main(n, s, "File") >= 4 and "#abcd" in main_text(n, s),
               timeout=10)
    nums = [int(m) for m in re.findall(r"File (\d+): secret\.png", main_text(n, n.screen()))]
    n.type_line("/download %d" % max(nums))
    n.wait_for(lambda s: main_has(n, s, "Cannot download: the link's key has 4 hex digits; "
                                  "88 or 96 expected"), timeout=10)
    assert listing(dl) == ["old.bin", "secret.png"]


HOSTILE = [
    ("..%2Fx", "x"),
    ("..%2f..%2f.bashrc", "bashrc"),
    (".profile", "profile"),
    ("%2Fetc%2Fpasswd", "passwd"),
    ("..%5C..%5Cwin.ini", "win.ini"),
    ("%1B%5B31mred%1B%5D0%3Bowned%07.txt", "_[31mred_]0;owned_.txt"),
]


def test_hostile_names_land_safely(chat, server, tmp_path):
    n, bob, dl = chat
    data = b"harmless\n"
    url = upload(bob, server, "x", data)
    base = url.rsplit("/", 1)[0]
    for i, (suffix, _) in enumerate(HOSTILE):
        send_link(bob, "%s/%s" % (base, suffix))
    n.wait_for(lambda s: len(re.findall(r"File \d+:", main_text(n, s))) >= len(HOSTILE),
               timeout=10)
    text = main_text(n, n.screen())
    assert "\x1b" not in text
    nums = [int(x) for x in re.findall(r"File (\d+):", text)][-len(HOSTILE):]
    for num, (_, want) in zip(nums, HOSTILE):
        n.type_line("/download %d" % num)
        n.wait_for(lambda s: main_has(n, s, "to %s" % (dl / want)), timeout=20)
    assert listing(dl) == sorted(w for _, w in HOSTILE)
    for _, want in HOSTILE:
        assert (dl / want).read_bytes() == data
    # Nothing escaped the folder.
    assert not (tmp_path / "x").exists() and not (tmp_path / "bashrc").exists()
    assert listing(tmp_path / "dl") == listing(dl)


def test_missing_file_is_one_error_line(chat, server):
    n, bob, dl = chat
    url = upload(bob, server, "here.txt", b"here")
    gone = url.rsplit("/", 2)[0] + "/no-such-slot/gone.txt"
    send_link(bob, gone)
    num = file_number(n, "gone.txt")
    n.type_line("/download %d" % num)
    scr = n.wait_for(lambda s: "Download of gone.txt failed" in main_text(n, s), timeout=20)
    assert main_has(n, scr, "Download of gone.txt failed: the server answered HTTP 404")
    assert count_in_main(n, scr, "gone.txt failed") == 1
    assert listing(dl) == []


def test_file_numbers_too_big_are_refused_as_such(chat, server):
    """A file number past what natter can count is a usage error, not
    another number (it once became 9223372036854775807)."""
    n, bob, dl = chat
    huge = "9" * 25
    for cmd, usage in (("/open", "Usage: /open N"), ("/url", "Usage: /url N"),
                       ("/download", "Usage: /download N")):
        n.type_line("%s %s" % (cmd, huge))
        n.wait_for(lambda s: main_has(n, s, usage), timeout=5,
                   message="%s %s was not refused with its usage" % (cmd, huge))
    scr = n.screen()
    assert "9223372036854775807" not in main_text(n, scr)
    n.type_line("/download -cancel %s" % huge)
    n.wait_for(lambda s: main_has(n, s, "Usage: /download -cancel N"), timeout=5)


def test_download_from_another_window_says_where_it_shows(chat, server):
    """/download N typed in the console (or any other window): its progress and
    result show with the file's message, and the window it was typed in says so
    instead of staying silent."""
    n, bob, dl = chat
    url = upload(bob, server, "notes.txt", b"notes")
    send_link(bob, url)
    num = file_number(n, "notes.txt")
    n.send_keys("M-1")
    n.wait_for(lambda s: "Connected as" in main_text(n, s), timeout=5)
    n.type_line("/download %d" % num)
    n.wait_for(lambda s: main_has(n, s, "Downloading notes.txt (file %d): progress and result "
                                        "show in the window of bob@localhost." % num),
               timeout=10, message="the console said nothing about the download")
    from harness import wait_until
    wait_until(lambda: listing(dl) == ["notes.txt"], timeout=10)


def test_relative_path_is_inside_download_dir(chat, server):
    """/download N NAME with a relative NAME saves it in download_dir under
    that name, not in natter's working directory (which the user of a
    full-screen program never sees)."""
    n, bob, dl = chat
    url = upload(bob, server, "photo.jpg", b"jpeg")
    send_link(bob, url)
    num = file_number(n, "photo.jpg")
    name = "renamed-%s.jpg" % uuid.uuid4().hex[:8]
    n.type_line("/download %d %s" % (num, name))
    scr = n.wait_for(lambda s: "Saved %s" % name in main_text(n, s) or "Cannot" in main_text(n, s),
                     timeout=20)
    stray = os.path.join(os.getcwd(), name)
    if os.path.exists(stray):
        os.unlink(stray)
    assert main_has(n, scr, "Saved %s (4 bytes) to %s" % (name, dl / name)), main_text(n, scr)
    assert listing(dl) == [name]


def test_failing_open_command_is_said_in_the_files_window(chat, server):
    """An open_command that fails says so in the window of the file, where
    /open was typed, not in the console."""
    n, bob, dl = chat
    url = upload(bob, server, "doc.txt", b"doc")
    send_link(bob, url)
    num = file_number(n, "doc.txt")
    n.type_line("/download %d" % num)
    n.wait_for(lambda s: "Saved doc.txt" in main_text(n, s), timeout=20)
    n.type_line("/set open_command false")
    n.type_line("/open %d" % num)
    n.wait_for(lambda s: main_has(n, s, "!! false did not open the file: it exited with an error"),
               timeout=10, message="the failure of open_command was not said in this window")


def test_download_clears_what_a_crash_left_half_written(chat, server):
    """A natter that stopped mid-download left its hidden file behind; the next
    download into that folder removes such files once they are hours old, and
    keeps a recent one (another natter may be writing it) and anything else."""
    n, bob, dl = chat
    dl.mkdir(parents=True, exist_ok=True)
    old = time.time() - 7 * 3600
    for name, when in ((".natter-download-AbC123", old), (".natter-download-XyZ789", None),
                       (".other-download-AbC123", old)):
        (dl / name).write_bytes(b"half")
        if when:
            os.utime(dl / name, (when, when))
    url = upload(bob, server, "new.txt", b"new")
    send_link(bob, url)
    num = file_number(n, "new.txt")
    n.type_line("/download %d" % num)
    n.wait_for(lambda s: "Saved new.txt" in main_text(n, s), timeout=20)
    assert listing(dl) == [".natter-download-XyZ789", ".other-download-AbC123", "new.txt"]


def test_corrected_link_replaces_the_file(chat, server):
    """A sender who corrects a link to another file: the File line and
    /download N are that file now, never the one replaced; a correction that
    turns text into a link gets its File line."""
    n, bob, dl = chat
    wrong = upload(bob, server, "wrong.txt", b"private, sent by mistake")
    right = upload(bob, server, "right.txt", b"the right one")
    bob.send_raw("<message to='alice@localhost' type='chat' id='lnk-1'><body>%s</body></message>"
                 % escape(wrong))
    num = file_number(n, "wrong.txt")
    bob.send_raw("<message to='alice@localhost' type='chat' id='lnk-2'><body>%s</body>"
                 "<replace xmlns='urn:xmpp:message-correct:0' id='lnk-1'/></message>"
                 % escape(right))
    n.wait_for(lambda s: main_has(n, s, "File %d: right.txt [/download %d]" % (num, num)),
               timeout=10, message="the File line still names the replaced file")
    assert "wrong.txt [/download" not in main_text(n, n.screen())
    n.type_line("/download %d" % num)
    n.wait_for(lambda s: "Saved right.txt" in main_text(n, s), timeout=20)
    assert listing(dl) == ["right.txt"]
    assert (dl / "right.txt").read_bytes() == b"the right one"
    # Text corrected into a link.
    later = upload(bob, server, "later.txt", b"later")
    bob.send_raw("<message to='alice@localhost' type='chat' id='lnk-3'>"
                 "<body>link follows</body></message>")
    n.wait_for(lambda s: main_has(n, s, "<bob> link follows"), timeout=10)
    bob.send_raw("<message to='alice@localhost' type='chat' id='lnk-4'><body>%s</body>"
                 "<replace xmlns='urn:xmpp:message-correct:0' id='lnk-3'/></message>"
                 % escape(later))
    file_number(n, "later.txt")
    # A link corrected into text: no file any more.
    gone = upload(bob, server, "gone.txt", b"gone")
    bob.send_raw("<message to='alice@localhost' type='chat' id='lnk-5'><body>%s</body></message>"
                 % escape(gone))
    gone_num = file_number(n, "gone.txt")
    bob.send_raw("<message to='alice@localhost' type='chat' id='lnk-6'><body>never mind</body>"
                 "<replace xmlns='urn:xmpp:message-correct:0' id='lnk-5'/></message>")
    n.wait_for(lambda s: main_has(n, s, "<bob> never mind (corrected)")
               and "gone.txt" not in main_text(n, s), timeout=10,
               message="the File line of a link corrected away stayed")
    n.type_line("/download %d" % gone_num)
    wait_main_has(n, "there is no file %d" % gone_num, timeout=10)
    # After a restart the history says the same.
    n.restart()
    n.wait_for(lambda s: "Connected as" in main_text(n, s), timeout=15)
    open_chat(n)
    n.wait_for(lambda s: main_has(n, s, "File %d: right.txt" % num), timeout=10)
    assert "wrong.txt" not in main_text(n, n.screen())
    file_number(n, "later.txt")
    n.wait_for(lambda s: main_has(n, s, "<bob> never mind (corrected)"), timeout=10)
    assert "gone.txt" not in main_text(n, n.screen())


def test_open_and_url_copy(chat, server, tmp_path):
    n, bob, dl = chat
    record = tmp_path / "opened"
    opener = tmp_path / "opener"
    opener.write_text("#!/bin/sh\nfor a in \"$@\"; do printf '%%s\\n' \"$a\"; done > %s\n" % record)
    opener.chmod(0o755)
    url = upload(bob, server, "a b;$(touch pwned).txt", b"payload")
    send_link(bob, url, oob=url)
    num = file_number(n, "a b;$(touch pwned).txt")
    n.type_line("/open %d" % num)
    n.wait_for(lambda s: main_has(n, s, "Cannot open: file %d is not downloaded yet" % num),
               timeout=10)
    n.type_line("/set open_command %s --flag" % opener)
    n.type_line("/download %d" % num)
    saved = dl / "a b;$(touch pwned).txt"
    n.wait_for(lambda s: main_has(n, s, "to %s" % saved), timeout=20)
    n.type_line("/open %d" % num)
    from harness import wait_until
    wait_until(lambda: record.exists() and record.read_text().endswith("\n"), timeout=10)
    assert record.read_text() == "--flag\n%s\n" % saved
    assert not (tmp_path / "pwned").exists() and not (dl / "pwned").exists()

    # /url prints the link; with osc52_copy it also reaches the clipboard (tmux keeps
    # it as a buffer when set-clipboard is on).
    n.tmux("set", "-s", "set-clipboard", "on")
    n.type_line("/set osc52_copy on")
    n.type_line("/url %d" % num)
    n.wait_for(lambda s: "Copied to the clipboard." in main_text(n, s), timeout=10)
    wait_until(lambda: n.tmux("show-buffer", check=False).strip() == url, timeout=10)


def test_attachment_comes_back_after_restart(chat, server):
    n, bob, dl = chat
    url = upload(bob, server, "kept.txt", b"kept")
    send_link(bob, url, oob=url)
    num = file_number(n, "kept.txt")
    n.type_line("/download %d" % num)
    n.wait_for(lambda s: main_has(n, s, "Saved kept.txt"), timeout=20)
    n.restart()
    n.wait_for(lambda s: "Connected as" in main_text(n, s), timeout=15)
    open_chat(n)
    n.wait_for(lambda s: main_has(n, s, "File %d: kept.txt (4 bytes), saved to %s [/open %d]"
                                  % (num, dl / "kept.txt", num)), timeout=10)


def test_room_link_to_default_folder(prosody_factory, natter_factory, occupant_factory):
    """A link in a room is a file too; without download_dir it goes to ~/Downloads."""
    server = prosody_factory(upload=True, muc=True)
    bob = occupant_factory("bob", server)
    n = natter_factory(server, cols=200, rows=40)
    n.wait_for(lambda s: "Connected as" in main_text(n, s), timeout=15)
    room = "files@conference.localhost"
    bob.create(room, "bob")
    n.type_line("/join %s" % room)
    n.wait_for(lambda s: "You joined %s as alice" % room in main_text(n, s), timeout=15)
    url = upload(bob, server, "minutes.txt", b"minutes")
    bob.say(room, url, wait=True)
    num = file_number(n, "minutes.txt")
    n.type_line("/download %d" % num)
    target = os.path.join(n.home, "Downloads", "minutes.txt")
    n.wait_for(lambda s: main_has(n, s, "Saved minutes.txt (7 bytes) to %s" % target), timeout=20)
    with open(target, "rb") as f:
        assert f.read() == b"minutes"


def test_upload_then_download_50mb(chat, server, tmp_path):
    """Our own upload is an attachment as well: 50 MB up and back down, intact."""
    n, bob, dl = chat
    data = os.urandom(50 * 1024 * 1024)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    started = time.monotonic()
    n.type_line("/upload %s" % src)
    num = file_number(n, "big.bin", timeout=60)
    n.type_line("/download %d" % num)
    n.wait_for(lambda s: main_has(n, s, "Saved big.bin (52.4 MB) to %s" % (dl / "big.bin")),
               timeout=60)
    took = time.monotonic() - started
    assert sha((dl / "big.bin").read_bytes()) == sha(data)
    print("50 MB up and down in %.1f s" % took)


def test_links_from_the_archive_and_from_carbons(server, natter_factory, peer_factory, tmp_path):
    """A link sent while natter was down (caught up from the archive) and one sent
    by alice's phone (a carbon) are files too."""
    bob = peer_factory("bob", server)
    url = upload(bob, server, "while-away.txt", b"away")
    send_link(bob, url, oob=url)
    bob.get_roster()  # a round trip: the server has archived it
    n = natter_factory(server, cols=200, rows=40)
    n.wait_for(lambda s: "Connected as" in main_text(n, s), timeout=15)
    n.type_line("/set download_dir %s" % (tmp_path / "dl"))
    open_chat(n)
    num = file_number(n, "while-away.txt", timeout=15)

    phone = peer_factory("alice", server, resource="phone")
    phone_url = upload(phone, server, "from-phone.txt", b"phone")
    send_link(phone, phone_url, to="bob@localhost")
    bob.wait_for_message(phone_url)
    num_phone = file_number(n, "from-phone.txt")
    assert num_phone != num
    n.type_line("/download %d" % num_phone)
    n.wait_for(lambda s: main_has(n, s, "Saved from-phone.txt (5 bytes)"), timeout=20)
    assert (tmp_path / "dl" / "from-phone.txt").read_bytes() == b"phone"


def test_download_progress_list_and_cancel(chat, server):
    """A slowed download shows progress in the window and the status bar, is listed,
    and -cancel stops it and removes what it wrote."""
    n, bob, dl = chat
    url = upload(bob, server, "slow.bin", os.urandom(3 * 1024 * 1024))
    send_link(bob, url)
    num = file_number(n, "slow.bin")
    n.type_line("/set transfer_rate_limit 200")
    n.type_line("/download %d" % num)
    from screen import status_bar
    scr = n.wait_for(lambda s: re.search(r"Downloading slow\.bin: \d+% \(", main_text(n, s)),
                     timeout=15, message="no progress line")
    assert re.search(r"\[down 1: \d+%", status_bar(n, scr)), status_bar(n, scr)
    n.type_line("/download -list")
    scr = n.wait_for(lambda s: re.search(r"(\d+): slow\.bin into %s" % re.escape(str(dl)),
                                         main_text(n, s)), timeout=10)
    transfer = re.search(r"(\d+): slow\.bin into", main_text(n, scr)).group(1)
    assert len(listing(dl)) == 1 and listing(dl)[0].startswith(".natter-download-")
    n.type_line("/download -cancel %s" % transfer)
    n.wait_for(lambda s: "Download of slow.bin cancelled" in main_text(n, s), timeout=10)
    assert listing(dl) == []
    assert "[down " not in status_bar(n, n.screen())
    n.type_line("/download -cancel 99")
    n.wait_for(lambda s: "!! Cannot cancel: there is no download 99" in main_text(n, s),
               timeout=10)


def test_message_cursor_o_downloads_then_opens(chat, server, tmp_path):
    """o in the message cursor acts on the selected message's attachment:
    /download the first time, /open once it is saved."""
    n, bob, dl = chat
    data = b"cursor\n" * 100
    url = upload(bob, server, "notes.txt", data)
    send_link(bob, url, oob=url)
    num = file_number(n, "notes.txt")
    n.send_keys("M-Up")
    n.send_keys("o")
    target = dl / "notes.txt"
    n.wait_for(lambda s: main_has(n, s, "Saved notes.txt (700 bytes) to %s" % target), timeout=20)
    assert target.read_bytes() == data
    record = tmp_path / "opened"
    opener = tmp_path / "opener"
    opener.write_text("#!/bin/sh\nprintf '%%s\\n' \"$1\" > %s\n" % record)
    opener.chmod(0o755)
    n.type_line("/set open_command %s" % opener)
    n.send_keys("M-Up")
    n.send_keys("o")
    from harness import wait_until
    wait_until(lambda: record.exists() and record.read_text() == "%s\n" % target, timeout=10,
               message="o did not run /open %d on the saved file" % num)
