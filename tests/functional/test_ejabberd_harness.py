"""Self-test of the ejabberd harness (harness/ejabberd.py): a private instance per
test, run as the ejabberd user, on loopback only, beside another one without clash."""

import pwd
import subprocess

import pytest


pytestmark = pytest.mark.servers("ejabberd")


def _listening(pid_of):
    """Local addresses:ports the process ``pid_of`` listens on (TCP), from ss."""
    out = subprocess.run(["ss", "-Htlnp"], stdout=subprocess.PIPE, text=True, timeout=10).stdout
    return sorted(line.split()[3] for line in out.splitlines() if "pid=%d," % pid_of in line)


def test_two_private_instances_on_loopback(prosody_factory, peer_factory):
    one = prosody_factory(users={"alice": "pw", "bob": "pw"}, rosters={})
    two = prosody_factory(users={"alice": "pw"}, rosters={})
    assert one.node != two.node and one.dist_port != two.dist_port
    for server in (one, two):
        pid = server._beam_pid()
        assert pid, "no pid file %s" % server.pid_file
        with open("/proc/%d/status" % pid) as f:
            uid = int(next(x for x in f if x.startswith("Uid:")).split()[1])
        assert pwd.getpwuid(uid).pw_name == "ejabberd"
        ports = _listening(pid)
        assert all(p.startswith("127.0.0.1:") for p in ports), ports
        assert "127.0.0.1:%d" % server.dist_port in ports, ports
        assert "127.0.0.1:%d" % server.c2s_port in ports, ports

    # accounts made at start and while running; a message goes through; accounts
    # survive a restart (same node name, same spool); the other instance is untouched
    one.add_user("carol", "secret")
    bob = peer_factory("bob", one)
    carol = peer_factory("carol", one, password="secret")
    bob.send_message("carol@localhost/peer", "hello over ejabberd")
    carol.wait_for_message("hello over ejabberd")
    bob.close()
    carol.close()
    one.restart()
    assert sorted(one.api("registered_users", host="localhost")) == ["alice", "bob", "carol"]
    assert sorted(two.api("registered_users", host="localhost")) == ["alice"]
    alice = peer_factory("alice", two)
    assert alice.connected
    one.kill()
    assert not one.running() and two.running()
