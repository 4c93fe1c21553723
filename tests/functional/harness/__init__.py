"""Functional-test harness for natter: a real Prosody, slixmpp peers, natter in tmux.

Import it with tests/functional on sys.path (``import harness``); tests/bench uses
it too, so the names below are a stable API. Run with /usr/bin/python3 (Debian's
interpreter, which has slixmpp). Everything listens on 127.0.0.1 only.

Prosody(workdir=None, c2s_port=None, users={'alice': 'pw', 'bob': 'pw'},
        trusted_cert=True, modules=DEFAULT_MODULES, smacks=False,
        untrusted_subject=None, direct_tls_port=None, log_level='debug',
        extra_config='', muc=False, xep0402=True, muc_config='')
    A private Prosody for VirtualHost "localhost" under workdir/prosody-XXXX/
    (config, pki/, certs/, data/, prosody.log). Ports are picked free at random
    (c2s STARTTLS and c2s direct TLS); s2s, http, admin and component sockets are
    off. c2s_require_encryption = true, internal_hashed auth, internal storage,
    run_as_root = true (CI runs as root). Modules: roster saslauth tls disco ping
    carbons mam offline vcard blocklist time version lastactivity (+ smacks when
    smacks=True).
    Attributes: c2s_port, direct_tls_port, domain ("localhost"), ca_file (the test
    CA, PEM), cert_file/key_file (what the server serves), cert_sha256 (64 hex
    digits of the served certificate), trusted_cert_file, untrusted_cert_file,
    log_file, config_file, data_dir, users.
    trusted_cert=False serves a self-signed "localhost" certificate that the CA
    did not sign (untrusted_subject: its openssl -subj, e.g. to embed controls).
    Methods: start(timeout=20) (returns once c2s accepts TCP connections), stop(),
    restart() (same ports, data, certs), kill(), running(),
    add_user(user, password) (also while running),
    set_roster(user, [(jid, name, groups, subscription[, ask])]) BEFORE start(),
    log_tail(n), jid(user). Context manager: start/stop.

Ejabberd(workdir=None, c2s_port=None, users={'alice': 'pw', 'bob': 'pw'},
         trusted_cert=True, modules=BASE_MODULES, smacks=True,
         untrusted_subject=None, direct_tls_port=None, log_level='info',
         muc=False, xep0402=True)   (harness/ejabberd.py)
    A private ejabberd 23.01 (Debian's) with the same interface as Prosody, so
    that Peer, Occupant and Natter take either: attributes c2s_port,
    direct_tls_port, domain, ca_file and the other certificate files (the same
    test CA code), log_file, config_file, users, muc_domain (MUC_DOMAIN with
    muc=True: mod_muc, rooms archived by default, discussion history 20);
    methods start(), stop(), restart(), kill(), running(), add_user() (also
    while running), set_roster() before start() (no pending "ask"), log_tail(),
    jid(); remove() deletes its directory. kind is "ejabberd" (Prosody's:
    "prosody"). modules= takes Prosody module names (roster, mam, offline,
    carbons, ping, vcard, smacks, blocking...) and maps them; extra_config,
    muc_config and muc_modules configure Prosody and are refused. Always on:
    XEP-0191 blocking, XEP-0198 (smacks=False turns it off), PEP bookmarks
    (XEP-0402, XEP-0048 through mod_private), disco, caps.
    Started with ejabberdctl foreground and its own ejabberdctl.cfg: node
    natter-XXXXXXXX@localhost, a distribution port picked free (ERL_DIST_PORT:
    no epmd) on 127.0.0.1, a random cookie; as root ejabberdctl drops to the
    ejabberd user, so the instance's directory is /tmp/natter-ejabberd-*
    (owned by ejabberd; workdir gets a symlink to it). Accounts and rosters go
    through ejabberd's HTTP API on a loopback port: api(command, **args).
    ejabberd_unavailable() says why ejabberd cannot run here (None if it can).

Peer(jid, password, prosody, resource='peer', auto_authorize=None,
     auto_subscribe=None, initial_presence=True, port=None, ca_file=None,
     direct_tls=False)
    A slixmpp client in its own thread and asyncio loop; all methods are
    thread-safe and block until done. jid may be a bare localpart ('bob').
    connect(wait=True, timeout=15) (raises PeerError on bad password, untrusted
    certificate or timeout), connected, wait_connected(), wait_disconnected(),
    disconnect() (may connect() again), close() (ends the thread),
    send_message(to, body, mtype='chat'), send_presence(show=None, status=None,
    to=None, ptype=None, priority=None), send_subscribe(to), approve(jid),
    deny(jid), unsubscribe(jid), roster_add(jid, name=None, groups=()),
    roster_remove(jid), get_roster() -> {jid: {name, subscription, ask, groups}},
    send_raw(xml_string).
    Receiving: messages / presences (lists of Received: kind, frm, frm_bare, to,
    type, body, show, status, id, xml), stanzas (raw XML of everything), clear(),
    wait_for_message(predicate=None, timeout=10, frm=None) -> Received,
    wait_for_presence(predicate=None, timeout=10, frm=None) -> Received,
    wait_for_stanza(predicate, timeout=10) -> str,
    on_message(callback) (callback(Received) in the peer's thread, e.g. a bot that
    answers with send_message()).
    A predicate is None (any message with a body / any presence), a str (body
    equals / presence type equals), a compiled regex (search in body) or a
    callable(Received). Earlier stanzas count; clear() forgets them.
    auto_authorize/auto_subscribe: None = answer nothing (tests do it), True/False
    = slixmpp's automatic accept/refuse.

Group chat: Prosody(muc=True) adds the MUC component MUC_DOMAIN
("conference.localhost", internal to Prosody: no socket) with muc_mam (rooms
archived by default, discussion history 20), and host modules private, pep and
bookmarks (XEP-0402 with XEP-0048 compatibility); xep0402=False keeps private
storage only (no pep, no bookmarks: XEP-0048 is all there is). muc_config: extra
Lua lines for the component.
Peer(..., shared=PeerLoop()) runs many peers on one thread and loop.
Occupant(jid, password, prosody, ...) (harness/muc.py) is a Peer with xep_0045
and: join(room, nick, password=None, history=0) -> own presence (MucError with
.condition on refusal), create(room, nick, **config), configure(room, **config)
(short names in muc.CONFIG_FIELDS: persistent, members_only, password, whois,
moderated, ...), leave(room, reason), change_nick(room, new), say(room, body,
wait=False), set_subject(room, text), private(room, nick, body), invite(room,
jid, reason, mediated=False, password=None), kick(room, nick, reason),
ban(room, jid, reason), set_role, set_affiliation, groupchat(room) -> [(nick,
body)], wait_for_groupchat(room, predicate, nick=None), wait_for_occupant(room,
nick, ptype), occupants(room), bookmarks_0402(), bookmarks_0048(),
add_bookmark_0402(room, nick), set_bookmarks_0048({room: {nick, autojoin}}),
disco_features(jid), disco_items(jid), iq(to, payload_xml, itype). Rooms are
'name' (on MUC_DOMAIN) or full JIDs (room_jid()). Parsers for received
stanzas: status_codes(rec), muc_item(rec), error_condition(rec), nick_of(rec).

OMEMO 0.3 (eu.siacs.conversations.axolotl): `from harness.omemo_peer import
OmemoPeer` (not imported by `import harness`: it needs python3-omemo,
python3-oldmemo and python3-xmlschema). The server needs PEP:
Prosody(modules=OMEMO_MODULES) (DEFAULT_MODULES + pep; muc=True has pep too).
OmemoPeer(jid, password, prosody, resource='omemo', state=None, **Peer args)
    A Peer that is one OMEMO device of its account, built on python-omemo and
    python-oldmemo (an implementation independent of libsignal), with blind
    trust for new devices. connect() also creates the device the first time:
    publishes the device list and the bundle to PEP with publish-options
    access_model=open (on precondition-not-met it reconfigures the node to open
    and publishes again; publish_conflicts counts that). Its caps carry
    devicelist+notify, so contacts' device-list pushes arrive (device_list_pushes:
    [(bare, sorted ids)]); a JID's list is also fetched the first time it is
    written to. state: the dict holding all its keys; pass an earlier peer's
    .state to come back as the same device. Setup starts with the session;
    after connect(wait=False), wait_omemo_ready(timeout=60). Messages that
    arrive before it is done (offline ones) are decrypted once it is.
    device_id, identity_key (33 bytes, 0x05 + Curve25519, as in the bundle),
    fingerprint (64 hex digits, the key without 0x05), manager (the
    omemo.SessionManager).
    send_encrypted(to, text, body=FALLBACK_BODY) -> sent XML: encrypts for every
    device of the bare JID and our own other devices (type chat, <store/> hint,
    EME, fallback body); OmemoError when nobody can be encrypted for.
    encryption_errors (omemo's per-device errors of the last send).
    Receiving: omemo_messages (every OMEMO message, also empty ones and failures)
    and decrypted (those with text), lists of OmemoMessage: frm, frm_bare,
    sender_device, plaintext (None when empty), empty (no payload: key transport,
    heartbeat, handshake completion; python-omemo sends one right after each key
    exchange it receives), prekey (our key was a pre-key message), body
    (fallback), error (why it did not decrypt, e.g. 'not encrypted for this
    device', also for an empty message meant for another device of ours), id,
    xml. Error bounces (type='error') are only in .messages. wait_for_decrypted(predicate=None, timeout=10, frm=None)
    (str: plaintext equals, regex, callable(OmemoMessage)), wait_for_omemo(
    predicate, timeout, frm) (any OMEMO message), wait_for_device_list(jid,
    predicate(ids)=None). sent: raw XML of everything the peer sent (stanzas:
    everything received, as for every Peer); clear() forgets all of them.
    devices(jid, refresh=True) -> {device_id: fingerprint} (devices with a
    fetchable bundle), set_trust(jid, fingerprint, level) ('trusted',
    'distrusted', 'undecided', 'blind'), node_config(node) -> {field: value} of
    an own PEP node. Helpers on stanza XML: key_rids(xml) -> {rid: prekey},
    payload_bytes(xml). Constants NS, DEVICELIST_NODE, BUNDLE_NODE (% device id),
    FALLBACK_BODY.
OmemoOccupant (harness.omemo_muc): an OmemoPeer that is also an Occupant
    (join, create, set_affiliation, say, ...). real_jid(room, nick): the bare
    JID the room's presence gave for nick. Group chat messages with
    <encrypted/> are decrypted with that JID's keys (type groupchat; omemo
    messages' frm is room/nick). send_group_encrypted(room, members, text)
    -> sent XML: encrypted for every device of the bare JIDs in members and
    our own other devices (python-omemo encrypts to JIDs, not to a room).

Natter(binary, workdir, prosody, account='alice', password='pw', cols=100,
       rows=30, extra_args=(), connect=True, jid=None, tls='force',
       ca_file=True, accounts_extra=None, log=True, env=None, start=True)
    Writes $XDG_CONFIG_HOME/natter/accounts (one [account] group: jid, server
    127.0.0.1, port, tls, ca_file = the Prosody's CA, eval_password=cat FILE with a
    0600 password file) and runs `natter -a ACCOUNT --log FILE EXTRA_ARGS` in a
    detached session of a private tmux server (tmux -L <unique> -f /dev/null, no
    tmux status line, remain-on-exit on) with HOME, XDG_CONFIG_HOME,
    XDG_DATA_HOME, XDG_STATE_HOME, XDG_RUNTIME_DIR under workdir/natter-XXXX/ and
    LANG=LC_ALL=C.UTF-8; TERM is what tmux gives. connect=False omits -a.
    Methods: send_keys(*keys) (tmux key names: 'Enter', 'M-2', 'C-c'),
    send_text(text) (literal), type_line(text) (literal + Enter),
    paste(text, bracketed=True) (load-buffer + paste-buffer -p), screen()
    (capture-pane -p), screen_with_attrs() (capture-pane -p -e), lines(),
    title() (pane title set by OSC 0/2), wait_for(regex|compiled|predicate,
    timeout=10) -> screen (raises WaitTimeout with the last screen and log tail,
    or NatterExited at once if natter died), wait_gone(...), wait_exit(), is_alive(),
    exit_status(), quit() (types /quit, waits for exit, kills the tmux server;
    returns the exit status), close() (kill the tmux server), restart() (same
    directories), write_account(...), describe(), pid, dir, log_file, tmux(*args).

Screen helpers: char_width(ch), text_width(s), columns(line, start, end) (slice
a captured line by display columns), column_of(line, needle),
attrs_at(line_with_escapes, needle) (SGR state where needle starts in a -e
capture), styled_chars(line_with_escapes) ([(char, SGR state)]), strip_escapes(s).
Utilities: wait_until(predicate, timeout, ...), WaitTimeout, free_port(),
port_accepts(port), natter_binary() (NATTER_BIN, $top_builddir/natter, then the
source tree's ./natter), cleanup_all() (stop every Prosody and tmux server this
process started and has not stopped; registered with atexit, call it from signal
handlers too).
"""

import os

from .util import WaitTimeout, cleanup_all, free_port, port_accepts, tail, wait_until
from .prosody import Prosody, cert_sha256, DEFAULT_MODULES
from .peer import Peer, PeerError, PeerLoop, Received
from .prosody import MUC_DOMAIN
from .ejabberd import Ejabberd, ejabberd_unavailable
from .muc import MucError, Occupant, error_condition, muc_item, nick_of, room_jid, status_codes
from .natter import (Natter, NatterExited, attrs_at, char_width, column_of, columns,
                     strip_escapes, styled_chars, text_width)

__all__ = ["Prosody", "Peer", "PeerError", "Received", "Natter", "NatterExited",
           "WaitTimeout", "wait_until", "free_port", "port_accepts", "tail",
           "cert_sha256", "DEFAULT_MODULES", "attrs_at", "char_width", "column_of",
           "columns", "strip_escapes", "styled_chars", "text_width", "natter_binary", "cleanup_all",
           "PeerLoop", "MUC_DOMAIN", "MucError", "Occupant", "error_condition", "muc_item",
           "nick_of", "room_jid", "status_codes", "Ejabberd", "ejabberd_unavailable"]

_SRC_TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def natter_binary():
    """Path of the natter binary to test: $NATTER_BIN, else $top_builddir/natter,
    else natter in the source tree's top directory (may not exist yet)."""
    if os.environ.get("NATTER_BIN"):
        return os.path.abspath(os.environ["NATTER_BIN"])
    if os.environ.get("top_builddir"):
        return os.path.join(os.path.abspath(os.environ["top_builddir"]), "natter")
    return os.path.join(_SRC_TOP, "natter")
