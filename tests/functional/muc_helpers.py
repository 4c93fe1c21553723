"""What natter shows for group chats (issue 4), in ONE place: the expected strings of
the UI contract, and helpers that read room windows, the status bar and the
occupants pane. If natter's wording differs slightly from the contract once it
lands, change it here, never what a test checks.
"""

import re

from harness import MUC_DOMAIN, char_width, columns, room_jid, styled_chars
from screen import TS, main_text, squash, status_bar, title_bar

OCCUPANTS_WIDTH = 24


def room_name(room):
    """How ROOM is written in room-window lines: the room's bare JID."""
    return room_jid(room)


# ---- room window lines (each after a "HH:MM " timestamp) ----
def you_joined(room, nick):
    return "You joined %s as %s" % (room_name(room), nick)


def you_left(room):
    return "You left %s" % room_name(room)


def room_created(room):
    return "Room %s created with the default configuration (/room config to change it)" % room_name(room)


def topic(text):
    return "Topic: %s" % text


def topic_changed(nick, text):
    return "%s changed the topic to: %s" % (nick, text)


def joined(nick):
    return "\u2192 %s joined" % nick


def left(nick, reason=None):
    return "\u2190 %s left" % nick + (" (%s)" % reason if reason else "")


def nick_changed(old, new):
    return "%s is now known as %s" % (old, new)


def own_nick_changed(old, new):
    """Our own nick change. The contract has 'OLD is now known as NEW' for everyone;
    natter says 'You are now known as NEW' for itself (reported to the lead)."""
    return "You are now known as %s" % new


def kicked(nick, actor=None, reason=None, what="kicked"):
    return "%s was %s" % (nick, what) + (" by %s" % actor if actor else "") + \
        (" (%s)" % reason if reason else "")


def banned(nick, actor=None, reason=None):
    return kicked(nick, actor, reason, "banned")


def you_kicked(room, actor=None, reason=None, what="kicked"):
    return "You were %s from %s" % (what, room_name(room)) + (" by %s" % actor if actor else "") + \
        (" (%s)" % reason if reason else "")


def you_banned(room, actor=None, reason=None):
    return you_kicked(room, actor, reason, "banned")


def role_now(nick, role):
    return "%s is now a %s" % (nick, role)


def msg(nick, text):
    return "<%s> %s" % (nick, text)


def action(nick, text):
    return "* %s %s" % (nick, text)


def removed(moderator, reason=None):
    return "[removed by %s%s]" % (moderator, ": " + reason if reason else "")


def folded(n_joined, n_left):
    return "-- %d joined, %d left" % (n_joined, n_left)


def rejoining(room):
    return "Rejoining %s: natter was no longer in the room" % room_name(room)


# ---- join errors ----
def cannot_join(room, why):
    return "Cannot join %s: %s" % (room_name(room), why)


def err_banned(room):
    return cannot_join(room, "you are banned from it")


def err_nick_taken(room, nick):
    return cannot_join(room, "the nickname %s is taken (try /join %s nick OTHER)" % (nick, room_name(room)))


def err_members_only(room):
    return cannot_join(room, "it is members-only and you are not a member")


def err_password_required(room):
    return cannot_join(room, "a password is required (/join %s password PW)" % room_name(room))


def err_password_wrong(room):
    return cannot_join(room, "the password is wrong")


def err_no_such_room(room):
    return cannot_join(room, "it does not exist and cannot be created here")


def cannot(verb, nick, condition, text=None):
    """A moderation refusal: Cannot kick NICK: CONDITION[: TEXT]."""
    return "Cannot %s %s: %s" % (verb, nick, condition) + (": " + text if text else "")


# /moderate in a room without XEP-0425 (Prosody 0.12): a clear error naming the
# nick and saying the room cannot do it. The contract fixes only the prefix.
def moderate_unsupported_re(room):
    """natter: 'Cannot moderate: ROOM does not support message moderation (XEP-0425)'."""
    return re.compile(r"Cannot moderate\b.*: %s does not support message moderation \(XEP-0425\)"
                      % re.escape(room_name(room)))


# ---- invitations (console) ----
def inviter_shown(jid):
    """How the inviter is named in the invitation line. The contract says INVITER;
    natter writes the inviter's JID as the invitation gives it (full JID)."""
    return jid


def invitation(inviter, room, reason=None):
    return "%s invites you to %s%s. /join %s to accept, /decline %s to refuse." % (
        inviter, room_name(room), ": " + reason if reason else "", room_name(room), room_name(room))


def mediated_invitation(inviter, room, reason=None):
    """A mediated invitation: the room relays who invites, so the line says the room
    claims it (anyone can send one naming any inviter)."""
    return "%s says %s invites you%s. /join %s to accept, /decline %s to refuse." % (
        room_name(room), inviter, ": " + reason if reason else "", room_name(room),
        room_name(room))


# ---- private messages ----
def private_window_name(nick, room):
    """Shown in the private window's title bar."""
    return "%s in %s" % (nick, room_name(room))


# ---- bookmarks ----
def bookmark_line(room, nick, autojoin=True):
    return "%s  nick %s%s" % (room_name(room), nick, "  autojoin" if autojoin else "")


# ---- occupants pane ----
def heading(kind, n):
    return "%s (%d)" % (kind, n)


AFFILIATION_MARK = {"owner": "~", "admin": "&", "member": "+", "none": " "}


def shown_nick(nick):
    """A nick as natter must draw it: invisible characters as <U+XXXX>, a leading or
    trailing space as U+2423; anything else as is."""
    import unicodedata
    out = []
    for ch in nick:
        invisible = unicodedata.category(ch) in ("Cf", "Mn", "Me") and char_width(ch) == 0 \
            or ch in "\u115f\u1160\u17b4\u17b5\u3164\uffa0"
        out.append("<U+%04X>" % ord(ch) if invisible else ch)
    text = "".join(out)
    if text.startswith(" "):
        text = "\u2423" + text[1:]
    if text.endswith(" "):
        text = text[:-1] + "\u2423"
    return text


# ---- reading the screen ----
def window_re(room):
    """Status-bar entry of ROOM's window: NUM:NAME[MARK] where NAME is the room's
    localpart or bare JID (the contract does not fix it)."""
    local = room_jid(room).split("@")[0]
    return re.compile(r"(?<![\w@])(\d+):(%s(?:@%s)?)([*+]?)(?![\w@.])" % (
        re.escape(local), re.escape(MUC_DOMAIN)))


def room_window(n, scr, room):
    """(number, activity mark '' / '+' / '*') of ROOM's window in the status bar, or None."""
    m = window_re(room).search(status_bar(n, scr))
    return (int(m.group(1)), m.group(3)) if m else None


def wait_room_window(n, room, timeout=10):
    scr = n.wait_for(lambda s: room_window(n, s, room), timeout,
                     message="no window for %s in the status bar" % room)
    return room_window(n, scr, room)[0]


def row_re(text):
    """A main-window row that is exactly 'HH:MM text'."""
    return r"^%s %s$" % (TS, re.escape(text))


# natter draws status lines (joins, leaves, ...) as "HH:MM -- TEXT", like its
# presence lines in chats, and errors as "HH:MM !! TEXT"; the contract's TEXT
# follows the optional mark.
LINE_MARKS = ("--", "!!")


def _line_re(text):
    return r"\d\d:\d\d(?:%s)?" % "|".join(re.escape(m) for m in LINE_MARKS) + re.escape(squash(text))


def has_line(n, scr, text):
    """text is in the main window after a timestamp, wherever it wrapped."""
    return bool(re.search(_line_re(text), squash(main_text(n, scr))))


def wait_line(n, text, timeout=10):
    """Wait for 'HH:MM text' in the main window (wrapping ignored); returns the screen."""
    return n.wait_for(lambda s: has_line(n, s, text), timeout,
                      message="main window never showed %r" % text)


def count_line(n, scr, text):
    return len(re.findall(_line_re(text), squash(main_text(n, scr))))


def occupants_rows(n, scr, width=OCCUPANTS_WIDTH):
    """The right-hand pane's rows (occupants pane in a room window)."""
    return [columns(l, n.cols - width).rstrip() for l in n.lines(scr)[1:n.rows - 2]]


def occupants_pane(n, scr, width=OCCUPANTS_WIDTH):
    """{heading: [entries]} from the occupants pane: heading is 'Moderators',
    'Participants' or 'Visitors' with its count; entries as drawn (mark + nick)."""
    out, current = {}, None
    for row in occupants_rows(n, scr, width):
        m = re.match(r"^\s*(Moderators|Participants|Visitors) \((\d+)\)\s*$", row)
        if m:
            current = (m.group(1), int(m.group(2)))
            out[current] = []
        elif current is not None and row.strip():
            out[current].append(row.strip("\u2502| ").rstrip())
    return out


def pane_entry(mark, nick):
    """An occupants-pane entry: the affiliation mark, then the nick."""
    return (mark + shown_nick(nick)).strip()


def title_has(n, scr, *parts):
    t = title_bar(n, scr)
    return all(p in t for p in parts)


def row_renditions(n, needle):
    """The set of SGR renditions used on the first screen row containing needle
    (main-window part only), or None."""
    width = n.cols - OCCUPANTS_WIDTH - 1
    for line in n.screen_with_attrs().split("\n"):
        chars, col = [], 0
        for ch, attrs in styled_chars(line):
            if col < width:
                chars.append((ch, attrs))
            col += char_width(ch)
        if needle in "".join(c for c, _ in chars):
            return {a for c, a in chars if not c.isspace()}
    return None


def line_attrs(n, needle):
    """The SGR rendition at needle in the first screen row containing it, or None."""
    for line in n.screen_with_attrs().split("\n"):
        chars = styled_chars(line)
        text = "".join(c for c, _ in chars)
        i = text.find(needle)
        if i >= 0:
            return chars[i][1]
    return None


def show_occupants(n, timeout=10):
    """Make sure the occupants pane of the focused room window is shown (/occupants
    toggles it); returns the screen."""
    scr = n.screen()
    if not occupants_pane(n, scr):
        n.type_line("/occupants")
        scr = n.wait_for(lambda s: occupants_pane(n, s), timeout,
                         message="/occupants did not show the occupants pane")
    return scr
