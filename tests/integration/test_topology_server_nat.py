"""Issue 4, scenario 2: the server is behind NAT (port forwarding of 21 and
of the passive range on its router), with clients on the internet and on
the server's own LAN.

    internet client 198.51.100.7 --- (198.51.100.1, 203.0.113.1) [router] 10.0.0.1 (bridge)
                                                                              |-- 10.0.0.2 portico
                                                                              |-- 10.0.0.3 LAN client

The router forwards 203.0.113.1:21 and :50000-50010 to 10.0.0.2 and, like
the internet, does not route anything else from outside to 10.0.0.0/24
(it answers "network unreachable").

With --public-address 203.0.113.1 the internet client's 227 carries the
public address and its transfers work, while LAN clients get 10.0.0.2.
Without it, the internet client's 227 carries 10.0.0.2: a client that uses
the 227 address fails (the failure mode this option exists for); curl, ftplib
and lftp (ftp:fix-pasv-address) cope by using the control connection's
address. A host name as --public-address is re-resolved
(public_address_refresh): dynamic DNS."""

import re
import time
import types

import pytest

import topology
from topology import Payload, SHORT_TIMEOUTS, sha256_file, start_portico, topo  # noqa: F401

pytestmark = topology.requirements

PUBLIC = "203.0.113.1"
SERVER = "10.0.0.2"
LAN_CLIENT = "10.0.0.3"
INTERNET_CLIENT = "198.51.100.7"
RANGE = "50000-50010"


def build(t):
    rtr = t.router("rtr")
    srv = t.host("srv")
    lan = t.host("lan")
    inet = t.host("inet")
    rtr.bridge("br0", "10.0.0.1/24")
    t.link(srv, "eth0", f"{SERVER}/24", rtr, "p-srv", None, b_master="br0")
    t.link(lan, "eth0", f"{LAN_CLIENT}/24", rtr, "p-lan", None, b_master="br0")
    t.link(inet, "eth0", f"{INTERNET_CLIENT}/24", rtr, "wan0", "198.51.100.1/24")
    rtr.addr("wan0", f"{PUBLIC}/24")
    srv.route("default", via="10.0.0.1")
    lan.route("default", via="10.0.0.1")
    inet.route("default", via="198.51.100.1")
    rtr.port_forward("wan0", 21, SERVER)
    rtr.port_forward("wan0", RANGE, SERVER)
    # The internet has no route to a private network: from outside, only
    # the forwarded ports reach the LAN.
    rtr.forward_filter('iifname "wan0" ct status dnat accept')
    rtr.forward_filter('iifname "wan0" ct state established,related accept')
    rtr.forward_filter('iifname "wan0" reject with icmp type net-unreachable')
    rtr.apply()
    return types.SimpleNamespace(rtr=rtr, srv=srv, lan=lan, inet=inet, out=t.tempdir())


# PASV read by hand (curl and ftplib ignore the 227 address by default),
# then a download that either uses the 227 address ("trust") or, like curl
# and ftplib by default, the control connection's.
PASV_AND_RETR = """
    f = login(sys.argv[1])
    text = f.sendcmd("PASV")
    f.trust_server_pasv_ipv4_address = sys.argv[3] == "trust"
    t0 = time.monotonic()
    res = {"pasv": text}
    try:
        res["sha"] = sha(retr(f, sys.argv[2]))
    except (OSError, ftplib.Error) as e:
        res["error"] = f"{type(e).__name__}: {e}"
    res["elapsed"] = time.monotonic() - t0
    try:
        f.quit()
    except (OSError, ftplib.Error):
        pass
    emit(res)
    """


def pasv_and_retr(ns, host, name, trust):
    r = ns.python(PASV_AND_RETR, host, name, "trust" if trust else "control", timeout=60)
    assert r.rc == 0, r
    return r.json()


def advertised(reply):
    m = re.match(r"227 Entering Passive Mode \((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", reply)
    assert m, reply
    n = [int(x) for x in m.groups()]
    return ".".join(map(str, n[:4])), n[4] * 256 + n[5]


def curl(ns, out, url, *flags):
    if out.exists():
        out.unlink()
    return ns.run(["curl", "-sS", "-v", "--connect-timeout", "5", "--max-time", "20",
                   "-o", out, *flags, url], timeout=40)


def lftp_get(ns, out, host, name, *settings):
    cmds = "; ".join(["set cmd:fail-exit yes", "set net:max-retries 1", "set net:timeout 5",
                      *settings, f"open ftp://{host}", f"get {name} -o {out}"])
    return ns.run(["lftp", "-d", "-c", cmds], timeout=60)


@pytest.fixture(scope="module")
def payload():
    p = Payload(2 << 20)
    yield p
    p.remove()


# --- with --public-address ---------------------------------------------------------------


@pytest.fixture(scope="module")
def public(payload):
    with topology.Topology() as t:
        net = build(t)
        net.server = start_portico(net.srv, payload.root, "--public-address", PUBLIC,
                                   "--passive-ports", RANGE, listen=f"{SERVER}:21",
                                   config=SHORT_TIMEOUTS)
        yield net


def test_internet_client_is_told_the_public_address_and_can_use_it(public, payload):
    res = pasv_and_retr(public.inet, PUBLIC, payload.name, trust=True)
    address, port = advertised(res["pasv"])
    assert address == PUBLIC, res
    assert 50000 <= port <= 50010
    assert res.get("sha") == payload.sha, res
    # The server saw the real internet address (DNAT keeps the source).
    public.server.wait_log(rf"\[\d+ {re.escape(INTERNET_CLIENT)}:\d+ anonymous\] PASV\s+-> 227")


@pytest.mark.parametrize("flags", [[], ["--disable-epsv"]], ids=["epsv", "pasv"])
def test_internet_client_curl_downloads_through_the_port_forward(public, payload, flags):
    out = public.out / "curl"
    r = curl(public.inet, out, f"ftp://{PUBLIC}/{payload.name}", *flags)
    assert r.rc == 0, r
    assert sha256_file(out) == payload.sha


def test_internet_client_lftp_uses_the_advertised_public_address(public, payload):
    out = public.out / "lftp"
    r = lftp_get(public.inet, out, PUBLIC, payload.name, "set ftp:prefer-epsv no",
                 "set ftp:fix-pasv-address no")
    assert r.rc == 0, r
    assert sha256_file(out) == payload.sha
    assert re.search(r"<--- 227 Entering Passive Mode \(203,0,113,1,\d+,\d+\)", r.err), r.err[-3000:]


def test_lan_client_is_told_the_local_address_and_can_use_it(public, payload):
    res = pasv_and_retr(public.lan, SERVER, payload.name, trust=True)
    address, port = advertised(res["pasv"])
    assert address == SERVER, res
    assert 50000 <= port <= 50010
    assert res.get("sha") == payload.sha, res
    out = public.out / "curl-lan"
    r = curl(public.lan, out, f"ftp://{SERVER}/{payload.name}", "--disable-epsv")
    assert r.rc == 0, r
    assert sha256_file(out) == payload.sha


# --- without --public-address: the failure mode -----------------------------------------


def test_without_public_address_the_internet_client_gets_the_private_address(topo, payload):
    net = build(topo)
    server = start_portico(net.srv, payload.root, "--passive-ports", RANGE,
                           listen=f"{SERVER}:21", config=SHORT_TIMEOUTS)
    # Like on the internet, 10.0.0.2 is unreachable from outside; only the
    # forwarded ports of 203.0.113.1 lead to it.
    assert not net.inet.tcp_reachable(SERVER, 21)
    assert net.inet.tcp_reachable(PUBLIC, 21)
    # The 227 names 10.0.0.2, which nobody on the internet can reach: a
    # client that believes it fails at once ("network unreachable").
    res = pasv_and_retr(net.inet, PUBLIC, payload.name, trust=True)
    assert advertised(res["pasv"])[0] == SERVER, res
    assert "sha" not in res, res
    assert "unreachable" in res["error"].lower(), res
    assert res["elapsed"] < 5, res
    # Clients that ignore the 227 address (ftplib's and curl's default) cope.
    res = pasv_and_retr(net.inet, PUBLIC, payload.name, trust=False)
    assert res.get("sha") == payload.sha, res
    out = net.out / "curl"
    r = curl(net.inet, out, f"ftp://{PUBLIC}/{payload.name}", "--disable-epsv")
    assert r.rc == 0, r
    assert sha256_file(out) == payload.sha
    # lftp replaces a private 227 address by the server's (fix-pasv-address).
    out = net.out / "lftp"
    r = lftp_get(net.inet, out, PUBLIC, payload.name, "set ftp:prefer-epsv no")
    assert r.rc == 0, r
    assert "<--- 227 Entering Passive Mode (10,0,0,2," in r.err, r.err[-3000:]
    assert sha256_file(out) == payload.sha
    server.stop()


# --- dynamic DNS -------------------------------------------------------------------------------


def test_public_address_host_name_is_re_resolved(topo, payload):
    net = build(topo)
    # The server's own /etc/hosts (ip netns exec bind-mounts it over /etc/hosts).
    net.srv.write_etc("hosts", "127.0.0.1 localhost\n203.0.113.1 ftp.example.test\n")
    server = start_portico(net.srv, payload.root, "--public-address", "ftp.example.test",
                           "--passive-ports", RANGE, listen=f"{SERVER}:21",
                           config=SHORT_TIMEOUTS + '\n[passive]\npublic_address_refresh = "1s"\n')
    probe = net.inet.python_popen("""
        f = login(sys.argv[1])
        for line in sys.stdin:
            if line.strip() == "quit":
                break
            emit(f.sendcmd("PASV"))
        f.quit()
        """, PUBLIC)

    def pasv():
        probe.stdin.write("pasv\n")
        return advertised(topology.Namespace.next_json(probe))[0]

    assert pasv() == PUBLIC
    # The ISP hands the router a new address; the dynamic DNS record follows.
    net.rtr.addr("wan0", "203.0.113.9/24")
    net.srv.write_etc("hosts", "127.0.0.1 localhost\n203.0.113.9 ftp.example.test\n")
    changed_at = time.monotonic()
    seen = None
    while time.monotonic() - changed_at < 8:
        seen = pasv()
        if seen == "203.0.113.9":
            break
        time.sleep(0.25)
    took = time.monotonic() - changed_at
    assert seen == "203.0.113.9", f"PASV still advertises {seen} {took:.1f} s after the change"
    assert took < 5, took
    probe.stdin.write("quit\n")
    probe.wait(timeout=10)
    # And the new address works for a client that uses it.
    res = pasv_and_retr(net.inet, "203.0.113.9", payload.name, trust=True)
    assert advertised(res["pasv"])[0] == "203.0.113.9", res
    assert res.get("sha") == payload.sha, res
    server.stop()
