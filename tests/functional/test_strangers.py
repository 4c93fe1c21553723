"""People outside the roster: their messages and subscription requests land in one
quiet "strangers" window instead of a window each; /set strangers notify makes them
notify, drop ignores them."""

from screen import main_text, status_bar, wait_main_has


def notified(path):
    try:
        return path.read_text()
    except OSError:
        return ""


def test_strangers_share_one_quiet_window(alice, prosody, peer_factory, tmp_path):
    out = tmp_path / "notified.txt"
    alice.type_line("/set notify_command printf '%%s\\n' \"$NATTER_FROM\" >>%s" % out)
    wait_main_has(alice, "notify_command = printf")
    mallory = peer_factory("mallory", prosody)
    erin = peer_factory("erin", prosody)
    mallory.send_message("alice@localhost", "cheap watches")
    erin.send_message("alice@localhost", "hello, we met at the conference")
    frank = peer_factory("frank", prosody)
    frank.send_subscribe("alice@localhost")
    # a contact's message notifies, and comes after the strangers' on the wire
    peer_factory("bob", prosody).send_message("alice@localhost", "lunch?")
    alice.wait_for(lambda s: "bob" in notified(out))
    scr = alice.wait_for(lambda s: "strangers" in status_bar(alice, s))
    bar = status_bar(alice, scr)
    assert "mallory" not in bar and "erin" not in bar, bar
    assert "mallory" not in notified(out) and "erin" not in notified(out), notified(out)
    alice.type_line("/win 2")
    scr = wait_main_has(alice, "frank@localhost asks to see your presence")
    text = main_text(alice, scr)
    assert "mallory@localhost" in text and "cheap watches" in text, text
    assert "erin@localhost" in text and "hello, we met at the conference" in text, text
    # the console did not get the request
    alice.type_line("/win 1")
    scr = alice.wait_for(lambda s: "console" in s.splitlines()[0])
    assert "frank" not in main_text(alice, scr)


def test_answering_a_stranger_opens_a_chat(alice, prosody, peer_factory):
    erin = peer_factory("erin", prosody)
    erin.send_message("alice@localhost", "first")
    alice.wait_for(lambda s: "strangers" in status_bar(alice, s))
    alice.type_line("/msg erin@localhost hi, who is this?")
    erin.wait_for_message("hi, who is this?")
    erin.send_message("alice@localhost", "erin, from the conference")
    wait_main_has(alice, "erin, from the conference")
    assert "erin" in status_bar(alice, alice.screen())


def test_strangers_notify(alice, prosody, peer_factory, tmp_path):
    out = tmp_path / "notified.txt"
    alice.type_line("/set strangers notify")
    wait_main_has(alice, "strangers = notify")
    alice.type_line("/set notify_command printf '%%s\\n' \"$NATTER_FROM\" >>%s" % out)
    wait_main_has(alice, "notify_command = printf")
    peer_factory("mallory", prosody).send_message("alice@localhost", "cheap watches")
    alice.wait_for(lambda s: "mallory@localhost" in notified(out))


def test_strangers_dropped(alice, prosody, peer_factory):
    alice.type_line("/set strangers drop")
    wait_main_has(alice, "strangers = drop")
    mallory = peer_factory("mallory", prosody)
    mallory.send_message("alice@localhost", "cheap watches")
    mallory.send_subscribe("alice@localhost")
    peer_factory("bob", prosody).send_message("alice@localhost", "lunch?")
    scr = alice.wait_for(lambda s: "bob" in status_bar(alice, s))
    assert "strangers" not in status_bar(alice, scr)
    alice.type_line("/search watches")
    scr = alice.wait_for(lambda s: "result" in s)
    assert "cheap watches" not in main_text(alice, scr)
