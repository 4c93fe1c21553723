"""A private ejabberd (Debian's 23.01) on loopback, with the same interface as Prosody.

Everything of one instance lives in one directory of its own: ejabberd.yml, the
ejabberdctl config, the TLS files (the same test CA as the Prosody harness), the
Mnesia spool and the logs. It is started with Debian's ejabberdctl in the
foreground; ejabberdctl drops from root to the ``ejabberd`` user (CI runs as root),
so the directory is a private one under the system temporary directory owned by
that user (pytest's own temporary directories are not open to other users); a
symlink to it is left in the test's workdir.

The Erlang node gets a name of its own and a fixed distribution port picked free at
start-up (ERL_DIST_PORT in its ejabberdctl.cfg: no epmd, listening on 127.0.0.1
only), so it collides neither with a system ejabberd nor with a parallel test run.
Accounts and roster items are made through ejabberd's HTTP API on a loopback port
(a ctl call costs an Erlang start-up, about a second; the API a few milliseconds).
"""

import grp
import http.client
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import uuid

from .prosody import Prosody
from .util import free_port, port_accepts, register, tail, unregister, wait_until

EJABBERDCTL = os.environ.get("EJABBERDCTL", "/usr/sbin/ejabberdctl")
EJABBERD_USER = "ejabberd"
MUC_DOMAIN = "conference.localhost"

# Prosody module names the tests use (Prosody(modules=...)) and what serves the same
# purpose on ejabberd; DEFAULT_MODULES of harness/prosody.py plus smacks.
MODULE_MAP = {
    "roster": ["mod_roster"],
    "saslauth": [],
    "tls": [],
    "disco": ["mod_disco", "mod_caps"],
    "ping": ["mod_ping"],
    "carbons": ["mod_carboncopy"],
    "mam": ["mod_mam"],
    "offline": ["mod_offline"],
    "vcard": ["mod_vcard"],
    "smacks": ["mod_stream_mgmt"],
    "blocking": ["mod_privacy", "mod_blocking"],
    "blocklist": ["mod_privacy", "mod_blocking"],
    "time": ["mod_time"],
    "version": ["mod_version"],
    "lastactivity": ["mod_last"],
}
# What every instance has on top: XEP-0191 blocking, XEP-0198 stream management (the
# Debian package's configuration has it on), and bookmarks (mod_private with PEP;
# ejabberd converts between XEP-0048 and XEP-0402 itself).
BASE_MODULES = ("roster", "saslauth", "tls", "disco", "ping", "carbons", "mam", "offline",
                "vcard", "smacks", "blocklist", "time", "version", "lastactivity")


def ejabberd_unavailable():
    """None if this process can run a private ejabberd, else why not (one line)."""
    if not os.access(EJABBERDCTL, os.X_OK):
        return "ejabberd is not installed (%s; .ci/install-deps installs it)" % EJABBERDCTL
    try:
        pwd.getpwnam(EJABBERD_USER)
    except KeyError:
        return "there is no %r user (the Debian package makes it)" % EJABBERD_USER
    if os.geteuid() != 0:
        return "Debian's ejabberdctl runs ejabberd only as root (it drops to %r)" % EJABBERD_USER
    return None


def _yaml(value):
    """A Python str as a YAML double-quoted scalar (JSON's escapes are valid YAML)."""
    return json.dumps(value)


class Ejabberd:
    """One ejabberd serving "localhost" on 127.0.0.1 only; see harness/__init__.py.

    The keyword arguments are those of Prosody that make sense here; the ones that
    configure Prosody itself (extra_config, muc_config, muc_modules) are refused,
    since a test that needs them is a Prosody-only test.
    """

    domain = "localhost"
    kind = "ejabberd"

    # The test CA and certificates: the same code as Prosody's (pki/, certs/).
    _make_certs = Prosody._make_certs

    def __init__(self, workdir=None, c2s_port=None, users=None, trusted_cert=True,
                 modules=BASE_MODULES, smacks=False, untrusted_subject=None,
                 direct_tls_port=None, log_level="info", muc=False, xep0402=True,
                 extra_config=None, muc_config=None, muc_modules=None):
        why = ejabberd_unavailable()
        if why:
            raise RuntimeError(why)
        for name, value in (("extra_config", extra_config), ("muc_config", muc_config),
                            ("muc_modules", muc_modules)):
            if value:
                raise ValueError("%s configures Prosody; ejabberd has no such thing" % name)
        if workdir is None:
            workdir = tempfile.mkdtemp(prefix="natter-ejabberd-")
        tag = uuid.uuid4().hex[:8]
        # Owned by the ejabberd user, outside workdir (see the module docstring).
        self.dir = tempfile.mkdtemp(prefix="natter-ejabberd-%s-" % tag)
        self.link = os.path.join(os.path.abspath(str(workdir)), "ejabberd-" + tag)
        os.symlink(self.dir, self.link)
        self.c2s_port = c2s_port or free_port()
        self.direct_tls_port = direct_tls_port or free_port()
        self.http_port = free_port()
        self.dist_port = free_port()
        ports = {self.c2s_port, self.direct_tls_port, self.http_port, self.dist_port}
        while len(ports) < 4:  # the OS handed out a port twice: pick the last ones again
            self.http_port, self.dist_port = free_port(), free_port()
            ports = {self.c2s_port, self.direct_tls_port, self.http_port, self.dist_port}
        self.node = "natter-%s@localhost" % tag
        self.cookie = uuid.uuid4().hex
        self.users = {}
        self._initial_users = dict({"alice": "pw", "bob": "pw"} if users is None else users)
        self._rosters = {}
        self.trusted_cert = trusted_cert
        mods = list(modules) + (["smacks"] if smacks and "smacks" not in modules else [])
        if not smacks and "smacks" in mods:
            mods.remove("smacks")
        for m in mods:
            if m not in MODULE_MAP:
                raise ValueError("no ejabberd counterpart for Prosody module %r" % m)
        self.modules = mods
        self.muc = muc
        self.muc_domain = MUC_DOMAIN if muc else None
        self.xep0402 = xep0402
        self.log_level = log_level
        self.config_file = os.path.join(self.dir, "ejabberd.yml")
        self.ctl_config_file = os.path.join(self.dir, "ejabberdctl.cfg")
        self.spool_dir = os.path.join(self.dir, "spool")
        self.data_dir = self.spool_dir
        self.logs_dir = os.path.join(self.dir, "logs")
        self.log_file = os.path.join(self.logs_dir, "ejabberd.log")
        self.error_log_file = os.path.join(self.logs_dir, "error.log")
        self.console_file = os.path.join(self.dir, "ejabberd.console")
        self.pid_file = os.path.join(self.dir, "ejabberd.pid")
        self.cert_dir = os.path.join(self.dir, "pki")
        self.served_cert_dir = os.path.join(self.dir, "certs")
        for d in (self.spool_dir, self.logs_dir, self.cert_dir, self.served_cert_dir):
            os.mkdir(d, 0o700)
        self.proc = None
        self._console = None
        self._http = None
        self._started_once = False
        self._make_certs(untrusted_subject)
        self._write_config()
        self._chown_all()

    # ---- configuration ----
    def _write_config(self):
        q = _yaml
        mods = ["mod_disco", "mod_admin_extra", "mod_private", "mod_pubsub"]
        for m in self.modules:
            mods += [x for x in MODULE_MAP[m] if x not in mods]
        conf = {
            "mod_admin_extra": "{}",
            "mod_mam": "\n    default: always\n    compress_xml: false",
            "mod_offline": "\n    access_max_user_messages: max_user_offline_messages",
            "mod_stream_mgmt": "\n    resend_on_timeout: if_offline",
            "mod_pubsub": "\n    plugins: [flat, pep]\n    force_node_config:\n"
                          "      \"storage:bookmarks\":\n        access_model: whitelist",
            "mod_carboncopy": "{}",
        }
        modules = "".join("  %s: %s\n" % (m, conf.get(m, "{}")) for m in mods)
        if self.muc:
            modules += f"""  mod_muc:
    host: {q(self.muc_domain)}
    access: all
    access_create: local
    access_persistent: local
    access_admin: none
    history_size: 20
    max_users_presence: 1000
    default_room_options:
      mam: true
      persistent: false
"""
        cfg = f"""# written by natter's functional test harness
hosts: [{q(self.domain)}]
loglevel: {self.log_level}
log_rotate_count: 0
hide_sensitive_log_data: false
certfiles:
  - {q(self.cert_file)}
  - {q(self.key_file)}
ca_file: {q(self.ca_file)}
listen:
  -
    port: {self.c2s_port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 1048576
    access: c2s
    starttls_required: true
  -
    port: {self.direct_tls_port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 1048576
    access: c2s
    tls: true
  -
    port: {self.http_port}
    ip: "127.0.0.1"
    module: ejabberd_http
    request_handlers:
      /api: mod_http_api
s2s_access: none
auth_method: internal
auth_password_format: scram
disable_sasl_mechanisms: ["digest-md5", "X-OAUTH2"]
acl:
  local:
    user_regexp: ""
  loopback:
    ip: ["127.0.0.0/8"]
access_rules:
  local:
    allow: local
  c2s:
    allow: all
  pubsub_createnode:
    allow: local
api_permissions:
  "test harness on loopback":
    from: [mod_http_api]
    who:
      ip: "127.0.0.0/8"
    what: "*"
shaper_rules:
  max_user_sessions: 10
  max_user_offline_messages: 10000
modules:
{modules}"""
        with open(self.config_file, "w") as f:
            f.write(cfg)
        # ejabberdctl's own config: node name, Erlang options and paths of this instance.
        ctl = f"""# written by natter's functional test harness
ERLANG_NODE={self.node}
ERL_DIST_PORT={self.dist_port}
ERL_OPTIONS="-setcookie {self.cookie} -kernel inet_dist_use_interface {{127,0,0,1}} -env ERL_CRASH_DUMP_BYTES 0"
EJABBERD_PID_PATH={self.pid_file}
EJABBERD_BYPASS_WARNINGS=true
CONTRIB_MODULES_PATH={self.dir}/contrib
CONTRIB_MODULES_CONF_DIR={self.dir}/contrib/conf
"""
        with open(self.ctl_config_file, "w") as f:
            f.write(ctl)
        # Erlang's resolver config, read from the config directory: none needed.
        with open(os.path.join(self.dir, "inetrc"), "w") as f:
            f.write("%% written by natter's functional test harness: defaults\n")

    def _chown_all(self):
        uid = pwd.getpwnam(EJABBERD_USER).pw_uid
        gid = grp.getgrnam(EJABBERD_USER).gr_gid if _has_group(EJABBERD_USER) else \
            pwd.getpwnam(EJABBERD_USER).pw_gid
        for root, dirs, files in os.walk(self.dir):
            os.chown(root, uid, gid)
            for name in files:
                os.chown(os.path.join(root, name), uid, gid)

    def _ctl_args(self):
        return [EJABBERDCTL, "--config-dir", self.dir, "--config", self.config_file,
                "--ctl-config", self.ctl_config_file, "--spool", self.spool_dir,
                "--logs", self.logs_dir]

    # ---- the HTTP API: accounts and rosters ----
    def api(self, command, timeout=15, **args):
        """Call an ejabberd command through the HTTP API on loopback; returns its answer.
        One kept-alive connection serves consecutive calls (a roster of thousands)."""
        body = json.dumps(args).encode()
        for attempt in (1, 2):
            if self._http is None:
                self._http = http.client.HTTPConnection("127.0.0.1", self.http_port,
                                                        timeout=timeout)
            try:
                self._http.request("POST", "/api/" + command, body=body,
                                   headers={"Content-Type": "application/json"})
                resp = self._http.getresponse()
                answer = resp.read().decode(errors="replace")
                break
            except (OSError, http.client.HTTPException):
                self._http.close()
                self._http = None
                if attempt == 2:
                    raise
        if resp.status != 200:
            raise RuntimeError("ejabberd API %s(%s) failed: %s %s" % (command, args, resp.status,
                                                                       answer))
        try:
            return json.loads(answer)
        except ValueError:
            return answer

    def add_user(self, user, password):
        """Create (or reset) an account; before start() it is made at start-up."""
        self.users[user] = password
        if self.running():
            self._register(user, password)

    def _register(self, user, password):
        if self.api("check_account", user=user, host=self.domain) == 0:
            self.api("change_password", user=user, host=self.domain, newpass=password)
        else:
            self.api("register", user=user, host=self.domain, password=password)

    def set_roster(self, user, items):
        """``user``'s roster, as for Prosody (jid, name, groups, subscription[, ask]).
        Call before start(): the items are written when the server is up."""
        if self.running():
            raise RuntimeError("set_roster() must be called while ejabberd is stopped")
        self._rosters[user] = list(items)

    def _write_roster(self, user, items):
        for item in items:
            jid, name, groups, subscription = item[:4]
            if len(item) > 4 and item[4]:
                raise ValueError("ejabberd's API cannot write a pending request (ask)")
            groups = list(groups or ())
            if len(groups) > 1:
                raise ValueError("ejabberd 23.01's API puts a roster item in one group at most")
            local, _, host = jid.partition("@")
            self.api("add_rosteritem", localuser=user, localhost=self.domain, user=local,
                     host=host, nick=name or "", group=groups[0] if groups else "",
                     subs=subscription or "none")

    # ---- process ----
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=40):
        """Start ejabberd (ejabberdctl foreground, as a child) and wait until c2s accepts
        connections and the HTTP API answers; accounts and rosters are made then."""
        if self.running():
            return self
        if os.path.exists(self.pid_file):
            os.unlink(self.pid_file)
        self._console = open(self.console_file, "ab")
        self.proc = subprocess.Popen(self._ctl_args() + ["foreground"],
                                     stdin=subprocess.DEVNULL, stdout=self._console,
                                     stderr=subprocess.STDOUT, cwd=self.dir,
                                     start_new_session=True)
        register(self)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("ejabberd exited with %s\nconsole:\n%s\nlog:\n%s" % (
                    self.proc.returncode, tail(self.console_file), self.log_tail(40)))
            return port_accepts(self.c2s_port) and port_accepts(self.http_port)

        wait_until(ready, timeout, interval=0.05,
                   message="ejabberd c2s port %d never accepted" % self.c2s_port,
                   describe=lambda: tail(self.console_file) + self.log_tail(40))
        if not self._started_once:
            self._started_once = True
            for user, password in list(self._initial_users.items()) + list(self.users.items()):
                self.users[user] = password
                self._register(user, password)
            for user, items in self._rosters.items():
                self._write_roster(user, items)
        return self

    def _beam_pid(self):
        try:
            with open(self.pid_file) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def _signal(self, sig):
        pid = self._beam_pid()
        if pid is not None:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        elif self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, timeout=20):
        """Stop ejabberd (SIGTERM to the Erlang VM: a clean shutdown, SIGKILL after
        ``timeout``) and wait for its ports to close. Data stays for start()."""
        unregister(self)
        if self._http is not None:
            self._http.close()
            self._http = None
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        if self._console:
            self._console.close()
            self._console = None
        for port in (self.c2s_port, self.http_port):
            wait_until(lambda: not port_accepts(port), 10,
                       message="port %d still open after stop" % port)

    def restart(self, timeout=40):
        """stop() then start() on the same ports, node, spool and certificates."""
        self.stop()
        return self.start(timeout)

    def kill(self):
        """SIGKILL to the Erlang VM, for a server that vanishes without closing streams."""
        if self.proc is not None and self.proc.poll() is None:
            self._signal(signal.SIGKILL)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.stop()

    def remove(self):
        """Delete the instance's directory (stop it first) and the symlink to it."""
        if self.running():
            self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
        try:
            os.unlink(self.link)
        except OSError:
            pass

    def log_tail(self, lines=80):
        return tail(self.log_file, lines) + tail(self.error_log_file, 20)

    def jid(self, user):
        return "%s@%s" % (user, self.domain)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def __repr__(self):
        return "<Ejabberd c2s=127.0.0.1:%d node=%s dir=%s %s>" % (
            self.c2s_port, self.node, self.dir, "running" if self.running() else "stopped")


def _has_group(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False
