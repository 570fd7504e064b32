"""Issue 4, scenario 5: portico behind HAProxy (mode tcp) with the PROXY
protocol, v2 (`send-proxy-v2`) and v1 (`send-proxy`).

    client 198.51.100.7 --- (198.51.100.1, 203.0.113.1) [lb: haproxy] 10.0.0.1 (bridge)
                                                                         |-- 10.0.0.2:2121 portico
                                                                         |-- 10.0.0.3 LAN host

HAProxy forwards 203.0.113.1:21 to 10.0.0.2:2121 and 203.0.113.1:50000-50010
to the same port on 10.0.0.2, each connection preceded by a PROXY header.
portico runs with --proxy-protocol-from 10.0.0.1/32: the header's source
(198.51.100.7) is the client for every check and log line, PASV advertises
the header's destination (203.0.113.1), and passive data connections that
arrive through HAProxy are matched by the header's source. A LAN host that
connects directly is a normal client, and a PROXY line it sends itself is
just an unknown command."""

import re
import shutil
import types

import pytest

import topology
from topology import (HAPROXY, Payload, SHORT_TIMEOUTS, sha256_file, start_haproxy,
                      start_portico, topo)  # noqa: F401

pytestmark = [topology.requirements,
              pytest.mark.skipif(not shutil.which(HAPROXY),
                                 reason=f"{HAPROXY} is missing: run scripts/install-deps.sh")]

LB_PUBLIC = "203.0.113.1"
LB_LAN = "10.0.0.1"
SERVER = "10.0.0.2"
LAN_HOST = "10.0.0.3"
CLIENT = "198.51.100.7"
THIEF = "198.51.100.66"  # another internet host (a second address of the client namespace)
RANGE = "50000-50010"


def haproxy_config(send_proxy):
    return f"""
        global
            maxconn 200
        defaults
            mode tcp
            timeout connect 5s
            timeout client 60s
            timeout server 60s
        frontend ftp_control
            bind {LB_PUBLIC}:21
            default_backend ftp_control
        backend ftp_control
            server s1 {SERVER}:2121 {send_proxy}
        frontend ftp_data
            bind {LB_PUBLIC}:{RANGE}
            default_backend ftp_data
        backend ftp_data
            # No port: the same port the client connected to.
            server s1 {SERVER} {send_proxy}
        """


VERSIONS = {"v2": "send-proxy-v2", "v1": "send-proxy"}


def build(t, send_proxy):
    lb = t.host("lb")
    srv = t.host("srv")
    lan = t.host("lan")
    cli = t.host("cli")
    lb.bridge("br0", f"{LB_LAN}/24")
    t.link(srv, "eth0", f"{SERVER}/24", lb, "p-srv", None, b_master="br0")
    t.link(lan, "eth0", f"{LAN_HOST}/24", lb, "p-lan", None, b_master="br0")
    t.link(cli, "eth0", f"{CLIENT}/24", lb, "wan0", "198.51.100.1/24")
    cli.addr("eth0", f"{THIEF}/24")
    lb.addr("wan0", f"{LB_PUBLIC}/24")
    cli.route("default", via="198.51.100.1")
    srv.route("default", via=LB_LAN)
    lan.route("default", via=LB_LAN)
    # lb does not forward: the only way in from outside is through HAProxy.
    haproxy = start_haproxy(lb, haproxy_config(send_proxy), wait_ports=(21, 50000, 50010))
    return types.SimpleNamespace(lb=lb, srv=srv, lan=lan, cli=cli, haproxy=haproxy,
                                 out=t.tempdir())


@pytest.fixture(scope="module")
def payload():
    p = Payload(2 << 20)
    yield p
    p.remove()


# --- the topology itself: HAProxy sends the headers we expect ----------------------------


def test_haproxy_prepends_proxy_headers_to_control_and_data_connections(topo):
    """Checks the load balancer set-up without portico: a Python listener on
    10.0.0.2 reads what HAProxy sends for a control and a data connection."""
    for version, send_proxy in VERSIONS.items():
        net = build(topo, send_proxy)
        listener = net.srv.python_popen("""
            ls = [socket.create_server((sys.argv[1], p)) for p in (2121, 50005)]
            emit("ready")
            for l in ls:
                l.settimeout(10)
                c, peer = l.accept()
                c.settimeout(5)
                data = b""
                while b"hello" not in data:
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                emit({"peer": peer[0], "port": l.getsockname()[1], "head": data.hex()})
                c.close()
            """, SERVER)
        assert topology.Namespace.next_json(listener) == "ready"
        r = net.cli.python("""
            for port in (21, 50005):
                s = socket.create_connection((sys.argv[1], port), timeout=5)
                s.sendall(b"hello")
                s.close()
            emit("sent")
            """, LB_PUBLIC)
        assert r.rc == 0, r
        for port in (2121, 50005):
            got = topology.Namespace.next_json(listener)
            head = bytes.fromhex(got["head"])
            assert got["peer"] == LB_LAN and got["port"] == port
            public_port = 21 if port == 2121 else 50005
            if version == "v1":
                assert re.match(rb"PROXY TCP4 198\.51\.100\.7 203\.0\.113\.1 \d+ %d\r\nhello$"
                                % public_port, head), head
            else:
                assert head.startswith(b"\r\n\r\n\x00\r\nQUIT\n\x21\x11"), head
                assert head[16:20] == bytes([198, 51, 100, 7])
                assert head[20:24] == bytes([203, 0, 113, 1])
                assert int.from_bytes(head[26:28], "big") == public_port
                assert head.endswith(b"hello")
        listener.wait(timeout=10)
        # Tear down before the other version reuses the same names.
        for ns in (net.lb, net.srv, net.lan, net.cli):
            ns.close()


# --- portico behind HAProxy ------------------------------------------------------------------


@pytest.fixture(scope="module", params=list(VERSIONS), ids=list(VERSIONS))
def proxied(request, payload):
    with topology.Topology() as t:
        net = build(t, VERSIONS[request.param])
        net.server = start_portico(net.srv, payload.root,
                                   "--proxy-protocol-from", f"{LB_LAN}/32",
                                   "--passive-ports", RANGE,
                                   listen=f"{SERVER}:2121", config=SHORT_TIMEOUTS)
        yield net


def test_pasv_through_haproxy_advertises_the_public_address_and_works(proxied, payload):
    r = proxied.cli.python("""
        f = login(sys.argv[1])
        text = f.sendcmd("PASV")
        f.trust_server_pasv_ipv4_address = True   # use the advertised address
        data = retr(f, sys.argv[2])
        f.quit()
        emit({"pasv": text, "sha": sha(data)})
        """, LB_PUBLIC, payload.name)
    assert r.rc == 0, r
    res = r.json()
    assert re.match(r"227 Entering Passive Mode \(203,0,113,1,(\d+),(\d+)\)", res["pasv"]), res
    port = [int(x) for x in re.findall(r"\d+", res["pasv"])[-2:]]
    assert 50000 <= port[0] * 256 + port[1] <= 50010
    assert res["sha"] == payload.sha


@pytest.mark.parametrize("flags", [[], ["--disable-epsv"]], ids=["epsv", "pasv"])
def test_curl_passive_download_through_haproxy(proxied, payload, flags):
    out = proxied.out / "curl"
    if out.exists():
        out.unlink()
    r = proxied.cli.run(["curl", "-sS", "-v", "--connect-timeout", "5", "--max-time", "20",
                         "-o", out, *flags, f"ftp://{LB_PUBLIC}/{payload.name}"], timeout=40)
    assert r.rc == 0, r
    assert sha256_file(out) == payload.sha


def test_the_proxy_header_source_is_the_session_peer_in_the_log(proxied, payload):
    r = proxied.cli.python("""
        f = login(sys.argv[1])
        data = retr(f, sys.argv[2])
        f.quit()
        emit(sha(data))
        """, LB_PUBLIC, payload.name)
    assert r.json() == payload.sha
    log = proxied.server.log()
    # The header's source is the peer, its destination the local address.
    # (The line may name the proxy too: "... through proxy 10.0.0.1:PORT".)
    assert re.search(rf"\[\d+ {re.escape(CLIENT)}:\d+\] connected to 203\.0\.113\.1:21\b", log), log
    assert re.search(rf"\[\d+ {re.escape(CLIENT)}:\d+ anonymous\] download /{payload.name} "
                     rf"{len(payload.data)} bytes", log), log
    # The load balancer's address is never taken for the client's.
    assert not re.search(rf"\[\d+ {re.escape(LB_LAN)}:\d+", log), log
    assert not re.search(rf"from {re.escape(LB_LAN)} \(the client is", log), log


def test_a_forged_proxy_line_inside_the_proxied_session_is_just_a_command(proxied):
    r = proxied.cli.python("""
        s = socket.create_connection((sys.argv[1], 21), timeout=10)
        f = ftplib.FTP(timeout=10)
        f.sock = s
        f.file = s.makefile("r", encoding="latin-1")
        f.af = s.family
        greeting = f.getresp()
        try:
            forged = f.sendcmd("PROXY TCP4 192.0.2.99 203.0.113.1 1234 21")
        except ftplib.error_perm as e:
            forged = str(e)
        f.login("anonymous", "guest@example.com")
        f.quit()
        emit({"greeting": greeting, "forged": forged})
        """, LB_PUBLIC)
    assert r.rc == 0, r
    res = r.json()
    assert res["greeting"].startswith("220"), res
    assert res["forged"].startswith("500"), res
    log = proxied.server.log()
    assert "192.0.2.99" not in re.sub(r"PROXY TCP4 192\.0\.2\.99.*", "", log), log


# --- hosts that are not the load balancer -------------------------------------------------------


def test_direct_lan_connection_is_a_normal_client_and_a_forged_header_is_ignored(proxied, payload):
    r = proxied.lan.python("""
        s = socket.create_connection((sys.argv[1], 2121), timeout=10)
        # A forged PROXY v1 line as the very first bytes.
        s.sendall(b"PROXY TCP4 192.0.2.99 203.0.113.1 1234 21\\r\\n")
        f = ftplib.FTP(timeout=10)
        f.sock = s
        f.file = s.makefile("r", encoding="latin-1")
        f.af = s.family
        greeting = f.getresp()
        try:
            forged = f.getresp()
        except ftplib.error_perm as e:
            forged = str(e)
        f.login("anonymous", "guest@example.com")
        pasv = f.sendcmd("PASV")
        f.trust_server_pasv_ipv4_address = True
        data = retr(f, sys.argv[2])
        f.quit()
        emit({"greeting": greeting, "forged": forged, "pasv": pasv, "sha": sha(data)})
        """, SERVER, payload.name)
    assert r.rc == 0, r
    res = r.json()
    assert res["greeting"].startswith("220"), res
    assert res["forged"].startswith("500"), res
    # A LAN client gets the local address, and its transfer works.
    assert res["pasv"].startswith("227 Entering Passive Mode (10,0,0,2,"), res
    assert res["sha"] == payload.sha
    log = proxied.server.log()
    assert re.search(rf"\[\d+ {re.escape(LAN_HOST)}:\d+ anonymous\] download /{payload.name}", log), log
    assert not re.search(r"\[\d+ 192\.0\.2\.99:", log), log


def test_a_thief_coming_through_haproxy_is_told_apart_by_its_header(proxied, payload):
    """Both data connections arrive from 10.0.0.1; only the PROXY header's
    source tells the real client (198.51.100.7) from another internet host
    (198.51.100.66) that connects to the announced port first."""
    r = proxied.cli.python("""
        host, name, thief_address = sys.argv[1], sys.argv[2], sys.argv[3]
        f = login(host)
        f.voidcmd("TYPE I")
        port = pasv_endpoint(f.sendcmd("PASV"))[1]
        thief = socket.create_connection((host, port), timeout=5,
                                         source_address=(thief_address, 0))
        f.putcmd("RETR " + name)
        thief.settimeout(5)
        t0 = time.monotonic()
        try:
            stolen = thief.recv(65536)
            how = "closed" if not stolen else "data"
        except ConnectionResetError:
            stolen, how = b"", "reset"
        thief_elapsed = time.monotonic() - t0
        d = socket.create_connection((host, port), timeout=5)
        first = f.getresp()
        data = recv_all(d)
        d.close()
        final = f.voidresp()
        f.quit()
        emit({"port": port, "thief": how, "thief_bytes": len(stolen),
              "thief_elapsed": thief_elapsed, "first": first, "final": final,
              "sha": sha(data)})
        """, LB_PUBLIC, payload.name, THIEF)
    assert r.rc == 0, r
    res = r.json()
    assert res["thief"] in ("closed", "reset") and res["thief_bytes"] == 0, res
    assert res["thief_elapsed"] < 3, res
    assert res["first"].startswith("150") and res["final"].startswith("226"), res
    assert res["sha"] == payload.sha
    proxied.server.wait_log(rf"rejected a data connection to passive port {res['port']} from "
                            rf"{re.escape(THIEF)} \(the client is {re.escape(CLIENT)}\): "
                            r"possible port stealing")
