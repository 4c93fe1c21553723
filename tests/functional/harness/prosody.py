"""A private Prosody server on loopback, with its own config, ports, TLS CA and data."""

import hashlib
import hmac
import os
import re
import shutil
import signal
import subprocess
import tempfile
import uuid

from .util import free_port, mkdir_private, port_accepts, register, tail, unregister, wait_until

PROSODY_BIN = os.environ.get("PROSODY_BIN", "/usr/bin/prosody")
OPENSSL_BIN = os.environ.get("OPENSSL_BIN", "openssl")

DEFAULT_USERS = {"alice": "pw", "bob": "pw"}
MUC_DOMAIN = "conference.localhost"
# Test-only server plugins (tests/functional/prosody-plugins), e.g. XEP-0425 moderation
# that Prosody 0.12 lacks.
PLUGIN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "prosody-plugins")

DEFAULT_MODULES = ("roster", "saslauth", "tls", "disco", "ping", "carbons",
                   "mam", "offline", "vcard", "blocklist", "time", "version",
                   "lastactivity")

# SCRAM iterations for the accounts we write; Prosody keeps the count per user.
_ITERATIONS = 4096


def lua_string(value):
    """Quote a Python str as a Lua string literal; non-printable and non-ASCII bytes
    of its UTF-8 encoding are written as three-digit decimal escapes."""
    out = ['"']
    for byte in value.encode("utf-8"):
        if byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        elif 32 <= byte < 127:
            out.append(chr(byte))
        else:
            out.append("\\%03d" % byte)
    out.append('"')
    return "".join(out)


def path_encode(name):
    """Prosody's datamanager encoding of host and user names (every non-alnum as %xx)."""
    return re.sub(r"[^A-Za-z0-9]", lambda m: "".join("%%%02x" % b for b in m.group(0).encode()), name)


def _scram_sha1(password, salt, iterations):
    salted = hashlib.pbkdf2_hmac("sha1", password.encode("utf-8"), salt.encode("utf-8"), iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha1).digest()
    stored_key = hashlib.sha1(client_key).hexdigest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha1).hexdigest()
    return stored_key, server_key


def _run(cmd, **kw):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60, **kw)
    if res.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(cmd), res.returncode,
                                                     res.stdout.decode(errors="replace")))
    return res.stdout.decode(errors="replace")


def cert_sha256(cert_path):
    """SHA-256 of a PEM certificate's DER encoding, as 64 lowercase hex digits."""
    out = _run([OPENSSL_BIN, "x509", "-in", cert_path, "-noout", "-fingerprint", "-sha256"])
    return out.split("=", 1)[1].strip().replace(":", "").lower()


class Prosody:
    """One Prosody process serving VirtualHost "localhost" on 127.0.0.1 only.

    See the package docstring (harness/__init__.py) for the API.
    """

    domain = "localhost"
    kind = "prosody"

    def __init__(self, workdir=None, c2s_port=None, users=None, trusted_cert=True,
                 modules=DEFAULT_MODULES, smacks=False, untrusted_subject=None,
                 direct_tls_port=None, log_level="debug", extra_config="", muc=False,
                 xep0402=True, muc_config="", muc_modules=(), muc_mam=True, upload=False,
                 upload_limit=10 * 1024 * 1024):
        if workdir is None:
            workdir = tempfile.mkdtemp(prefix="natter-prosody-")
        self.dir = mkdir_private(os.path.join(os.path.abspath(str(workdir)), "prosody-" + uuid.uuid4().hex[:8]))
        self.c2s_port = c2s_port or free_port()
        self.direct_tls_port = direct_tls_port or free_port()
        while self.direct_tls_port == self.c2s_port:
            self.direct_tls_port = free_port()
        self.users = dict(DEFAULT_USERS if users is None else users)
        self.trusted_cert = trusted_cert
        self.modules = list(modules) + (["smacks"] if smacks and "smacks" not in modules else [])
        # Group chat: a MUC component (internal, no socket of its own) with MUC MAM,
        # and bookmark storage on the host: XEP-0402 (PEP, mod_bookmarks) plus
        # XEP-0048 private XML storage, or private storage alone with xep0402=False.
        self.muc = muc
        self.muc_domain = MUC_DOMAIN if muc else None
        self.xep0402 = xep0402
        self.muc_config = muc_config
        # muc_mam=False: rooms without an archive, which neither add nor strip
        # XEP-0359 stanza-ids (nor announce them)
        self.muc_modules = (("muc_mam",) if muc_mam else ()) + tuple(muc_modules)
        if muc:
            extra = ["private"] + (["pep", "bookmarks"] if xep0402 else [])
            self.modules += [m for m in extra if m not in self.modules]
        # XEP-0363: mod_http_file_share as upload.localhost, served over HTTPS on
        # 127.0.0.1 with the test certificate; links are https://localhost:PORT/.
        self.upload = upload
        self.upload_domain = "upload." + self.domain if upload else None
        self.upload_limit = upload_limit
        self.https_port = free_port() if upload else None
        self.log_level = log_level
        self.extra_config = extra_config
        self.config_file = os.path.join(self.dir, "prosody.cfg.lua")
        self.data_dir = mkdir_private(os.path.join(self.dir, "data"))
        self.cert_dir = mkdir_private(os.path.join(self.dir, "pki"))
        # Prosody indexes every certificate in its "certificates" directory and may
        # prefer one by name, so that directory holds only the one it should serve.
        self.served_cert_dir = mkdir_private(os.path.join(self.dir, "certs"))
        self.log_file = os.path.join(self.dir, "prosody.log")
        self.console_file = os.path.join(self.dir, "prosody.console")
        self.pid_file = os.path.join(self.dir, "prosody.pid")
        self.proc = None
        self._console = None
        self._make_certs(untrusted_subject)
        self._write_config()
        for user, password in self.users.items():
            self.add_user(user, password)

    # ---- certificates ----
    def _make_certs(self, untrusted_subject):
        d = self.cert_dir
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        san = "subjectAltName=DNS:localhost,IP:127.0.0.1"
        self.ca_file = os.path.join(d, "ca.pem")
        self.ca_key = os.path.join(d, "ca.key")
        _run([OPENSSL_BIN, "req", "-x509"] + ec + [
            "-keyout", self.ca_key, "-out", self.ca_file, "-days", "30",
            "-subj", "/CN=natter test CA %s" % uuid.uuid4().hex[:8],
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        # Server certificate for "localhost", signed by the CA.
        self.trusted_cert_file = os.path.join(d, "localhost.crt")
        self.trusted_key_file = os.path.join(d, "localhost.key")
        csr = os.path.join(d, "localhost.csr")
        ext = os.path.join(d, "localhost.ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n%s\n" % san)
        _run([OPENSSL_BIN, "req", "-new"] + ec + [
            "-keyout", self.trusted_key_file, "-out", csr, "-subj", "/CN=localhost"])
        _run([OPENSSL_BIN, "x509", "-req", "-in", csr, "-CA", self.ca_file, "-CAkey", self.ca_key,
              "-CAcreateserial", "-out", self.trusted_cert_file, "-days", "30", "-extfile", ext])
        # A self-signed certificate for the same name, not signed by the CA.
        self.untrusted_cert_file = os.path.join(d, "untrusted.crt")
        self.untrusted_key_file = os.path.join(d, "untrusted.key")
        subject = "/CN=localhost/O=natter untrusted test"
        if untrusted_subject is not None:
            subject = untrusted_subject
        _run([OPENSSL_BIN, "req", "-x509"] + ec + [
            "-keyout", self.untrusted_key_file, "-out", self.untrusted_cert_file, "-days", "30",
            "-subj", subject, "-addext", san])
        for key in (self.ca_key, self.trusted_key_file, self.untrusted_key_file):
            os.chmod(key, 0o600)
        if self.trusted_cert:
            src_cert, src_key = self.trusted_cert_file, self.trusted_key_file
        else:
            src_cert, src_key = self.untrusted_cert_file, self.untrusted_key_file
        self.cert_file = os.path.join(self.served_cert_dir, "localhost.crt")
        self.key_file = os.path.join(self.served_cert_dir, "localhost.key")
        shutil.copyfile(src_cert, self.cert_file)
        shutil.copyfile(src_key, self.key_file)
        os.chmod(self.key_file, 0o600)
        self.cert_sha256 = cert_sha256(self.cert_file)

    # ---- configuration ----
    def _write_config(self):
        q = lua_string
        mods = "".join("\t%s;\n" % q(m) for m in self.modules)
        cfg = f"""-- written by natter's functional test harness
run_as_root = true  -- tests run as root in CI; harmless otherwise
pidfile = {q(self.pid_file)}
data_path = {q(self.data_dir)}
certificates = {q(self.served_cert_dir)}
interfaces = {{ "127.0.0.1" }}
local_interfaces = {{ "127.0.0.1" }}
c2s_interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {self.c2s_port} }}
c2s_direct_tls_interfaces = {{ "127.0.0.1" }}
c2s_direct_tls_ports = {{ {self.direct_tls_port} }}
c2s_direct_tls_ssl = {{ certificate = {q(self.cert_file)}; key = {q(self.key_file)}; }}
legacy_ssl_ports = {{ }}
s2s_ports = {{ }}
s2s_direct_tls_ports = {{ }}
http_ports = {{ }}
https_ports = {{ {self.https_port or ""} }}
https_interfaces = {{ "127.0.0.1" }}
https_ssl = {{ certificate = {q(self.cert_file)}; key = {q(self.key_file)}; }}
component_ports = {{ }}
proxy65_ports = {{ }}
admin_socket = {q(os.path.join(self.dir, "admin.sock"))}
modules_enabled = {{
{mods}}}
modules_disabled = {{ "s2s"; "s2s_auth_certs"; "admin_socket"; "admin_shell"; {"" if self.upload else '"http"; '}"bosh"; "websocket"; }}
c2s_require_encryption = true
allow_registration = false
authentication = "internal_hashed"
storage = "internal"
ssl = {{ certificate = {q(self.cert_file)}; key = {q(self.key_file)}; }}
log = {{ {{ levels = {{ min = {q(self.log_level)} }}; to = "file"; filename = {q(self.log_file)}; }} }}
plugin_paths = {{ {q(PLUGIN_DIR)} }}
{self.extra_config}

VirtualHost "localhost"
	ssl = {{ certificate = {q(self.cert_file)}; key = {q(self.key_file)}; }}
"""
        if self.muc:
            cfg += f"""
Component {q(self.muc_domain)} "muc"
	modules_enabled = {{ {"".join(q(m) + "; " for m in self.muc_modules)}}}
	ssl = {{ certificate = {q(self.cert_file)}; key = {q(self.key_file)}; }}
	muc_log_by_default = true
	muc_log_presences = false
	muc_room_default_history_length = 20
	max_history_messages = 100
	muc_room_locking = true
{self.muc_config}
"""
        if self.upload:
            cfg += f"""
Component {q(self.upload_domain)} "http_file_share"
	ssl = {{ certificate = {q(self.cert_file)}; key = {q(self.key_file)}; }}
	http_host = "localhost"
	http_external_url = "https://localhost:{self.https_port}/"
	http_file_share_size_limit = {self.upload_limit}
"""
        with open(self.config_file, "w") as f:
            f.write(cfg)

    # ---- storage ----
    def _store_path(self, store, user):
        return os.path.join(self.data_dir, path_encode(self.domain), store, path_encode(user) + ".dat")

    def _write_store(self, store, user, lua_table):
        path = self._store_path(store, user)
        mkdir_private(os.path.dirname(path))
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("return " + lua_table + ";\n")
        os.replace(tmp, path)

    def add_user(self, user, password):
        """Create (or reset) an account by writing Prosody's account file (SCRAM-SHA-1).

        Works while the server runs too: the internal store reads accounts from disk.
        """
        salt = str(uuid.uuid4())
        stored, server = _scram_sha1(password, salt, _ITERATIONS)
        self.users[user] = password
        self._write_store("accounts", user,
                          '{ iteration_count = %d; salt = %s; stored_key = %s; server_key = %s; }'
                          % (_ITERATIONS, lua_string(salt), lua_string(stored), lua_string(server)))

    def set_roster(self, user, items):
        """Write ``user``'s roster storage. Call BEFORE start() (Prosody caches rosters).

        ``items``: iterable of (jid, name, groups, subscription); name may be None,
        groups an iterable of strings, subscription one of none/to/from/both.
        An optional fifth element "subscribe" marks an outgoing pending request (ask).
        """
        if self.running():
            raise RuntimeError("set_roster() must be called while Prosody is stopped")
        parts = ["{\n\t[false] = { version = 1; pending = {}; };\n"]
        for item in items:
            jid, name, groups, subscription = item[:4]
            ask = item[4] if len(item) > 4 else None
            fields = ["subscription = %s;" % lua_string(subscription or "none")]
            if name is not None:
                fields.append("name = %s;" % lua_string(name))
            if ask:
                fields.append("ask = %s;" % lua_string(ask))
            fields.append("groups = { %s };" % " ".join(
                "[%s] = true;" % lua_string(g) for g in (groups or ())))
            parts.append("\t[%s] = { %s };\n" % (lua_string(jid), " ".join(fields)))
        parts.append("}")
        self._write_store("roster", user, "".join(parts))

    # ---- process ----
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=20):
        """Start Prosody in the foreground (as a child) and wait until c2s accepts connections."""
        if self.running():
            return self
        self._console = open(self.console_file, "ab")
        self.proc = subprocess.Popen([PROSODY_BIN, "-F", "--config", self.config_file],
                                     stdin=subprocess.DEVNULL, stdout=self._console,
                                     stderr=subprocess.STDOUT, cwd=self.dir,
                                     start_new_session=True)
        register(self)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("prosody exited with %s\nconsole:\n%s\nlog:\n%s" % (
                    self.proc.returncode, tail(self.console_file), tail(self.log_file)))
            return port_accepts(self.c2s_port)

        wait_until(ready, timeout, message="prosody c2s port %d never accepted" % self.c2s_port,
                   describe=lambda: tail(self.log_file))
        return self

    def stop(self, timeout=15):
        """Stop Prosody (SIGTERM, then SIGKILL after ``timeout``) and wait for its port to close."""
        unregister(self)
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        if self._console:
            self._console.close()
            self._console = None
        wait_until(lambda: not port_accepts(self.c2s_port), 5,
                   message="c2s port %d still open after stop" % self.c2s_port)

    def restart(self, timeout=20):
        """stop() then start() on the same ports, data and certificates."""
        self.stop()
        return self.start(timeout)

    def kill(self):
        """SIGKILL, for a server that vanishes without closing streams."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.stop()

    def log_tail(self, lines=80):
        return tail(self.log_file, lines)

    def jid(self, user):
        return "%s@%s" % (user, self.domain)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def __repr__(self):
        return "<Prosody c2s=127.0.0.1:%d dir=%s %s>" % (
            self.c2s_port, self.dir, "running" if self.running() else "stopped")
