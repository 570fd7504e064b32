"""Issue 4, scenario 1: the client is behind a home router's NAT (masquerade,
no FTP ALG), the server is on the internet.

    client 192.168.1.2 --- 192.168.1.1 [router, masquerade] 203.0.113.1 --- 203.0.113.5 portico

Passive mode works with every client. Active mode with the client's private
address cannot work (the server cannot reach 192.168.1.2): portico refuses
it at once with a 500 that says why and what to do. Active mode works when
the client maps a port on its router (DNAT 203.0.113.1:6970 ->
192.168.1.2:6970) and sends the router's public address, exactly the PORT
203,0,113,1,27,58 of the source documents; and, with
`[active] connect_to_peer_behind_nat = true`, even when it sends its
private address."""

import re
import types

import pytest

import topology
from topology import Payload, SHORT_TIMEOUTS, sha256_file, start_portico, topo  # noqa: F401

pytestmark = topology.requirements

SERVER = "203.0.113.5"
ROUTER_WAN = "203.0.113.1"
CLIENT = "192.168.1.2"
MAPPED_PORT = 6970  # 27 * 256 + 58


def build(t):
    cli = t.host("cli")
    rtr = t.router("rtr")
    srv = t.host("srv")
    t.link(cli, "eth0", f"{CLIENT}/24", rtr, "lan0", "192.168.1.1/24")
    t.link(rtr, "wan0", f"{ROUTER_WAN}/24", srv, "eth0", f"{SERVER}/24")
    cli.route("default", via="192.168.1.1")
    # The server has no route to 192.168.1.0/24: only the NAT makes replies work.
    rtr.masquerade("wan0", "192.168.1.0/24")
    rtr.port_forward("wan0", MAPPED_PORT, CLIENT, MAPPED_PORT)
    rtr.apply()
    return cli, rtr, srv


@pytest.fixture(scope="module")
def net():
    payload = Payload(2 << 20)
    try:
        with topology.Topology() as t:
            cli, rtr, srv = build(t)
            server = start_portico(srv, payload.root, "--passive-ports", "50000-50010",
                                   listen=f"{SERVER}:21", config=SHORT_TIMEOUTS)
            yield types.SimpleNamespace(t=t, cli=cli, rtr=rtr, srv=srv, server=server,
                                        payload=payload, out=t.tempdir())
    finally:
        payload.remove()


def curl(net, *args, name="dl", timeout=30):
    out = net.out / name
    if out.exists():
        out.unlink()
    r = net.cli.run(["curl", "-sS", "-v", "--connect-timeout", "5", "--max-time", "20",
                     "-o", out, *args, f"ftp://{SERVER}/{net.payload.name}"], timeout=timeout)
    return r, out


# --- passive mode: works through the NAT -----------------------------------------------


@pytest.mark.parametrize("flags, command", [([], "EPSV"), (["--disable-epsv"], "PASV")],
                         ids=["epsv", "pasv"])
def test_curl_passive_through_client_nat(net, flags, command):
    r, out = curl(net, *flags, name=f"curl-{command}")
    assert r.rc == 0, r
    assert sha256_file(out) == net.payload.sha
    assert f"> {command}" in r.err
    # The server sees the router's public address (masquerade), not 192.168.1.2.
    net.server.wait_log(rf"\[\d+ {ROUTER_WAN}:\d+ anonymous\] {command}\s+-> 22[79]")


def test_lftp_passive_through_client_nat(net):
    out = net.out / "lftp"
    r = net.cli.run(["lftp", "-c",
                     "set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 5; "
                     f"open ftp://{SERVER}; get {net.payload.name} -o {out}"], timeout=40)
    assert r.rc == 0, r
    assert sha256_file(out) == net.payload.sha


def test_ftplib_passive_through_client_nat(net):
    r = net.cli.python("""
        f = login(sys.argv[1])
        data = retr(f, sys.argv[2])
        f.quit()
        emit({"sha": sha(data)})
        """, SERVER, net.payload.name)
    assert r.rc == 0, r
    assert r.json()["sha"] == net.payload.sha


# --- active mode with the private address: refused at once, with the reason --------------


def test_ftplib_active_with_private_address_fails_fast_with_the_explanation(net):
    r = net.cli.python("""
        f = login(sys.argv[1])
        f.set_pasv(False)
        t0 = time.monotonic()
        try:
            retr(f, sys.argv[2])
            emit({"error": None})
        except ftplib.all_errors as e:
            emit({"error": str(e), "elapsed": time.monotonic() - t0})
        """, SERVER, net.payload.name)
    assert r.rc == 0, r
    res = r.json()
    error = res["error"]
    assert error is not None, "active mode to a private address behind NAT succeeded?"
    assert error.startswith("500 PORT refused: 192.168.1.2:"), error
    assert "behind NAT" in error
    assert "passive mode" in error
    assert "map a port" in error
    # It names the control connection's address and suggests the PORT to send.
    assert f"your connection comes from {ROUTER_WAN}" in error
    assert "PORT 203,0,113,1," in error
    assert res["elapsed"] < 2, res


@pytest.mark.parametrize("flags, verbs", [([], ["EPRT", "PORT"]), (["--disable-eprt"], ["PORT"])],
                         ids=["eprt-then-port", "port"])
def test_curl_active_with_private_address_fails_fast_with_the_explanation(net, flags, verbs):
    r, out = curl(net, "-P", CLIENT, *flags, name="curl-active-private")
    # 30 = CURLE_FTP_PORT_FAILED. (curl 7.88 then prints a misleading
    # "sa_addr inet_ntop() failed with errno 97"; the server's reply is in -v.)
    assert r.rc == 30, r
    assert r.elapsed < 10, r
    for verb in verbs:
        assert f"< 500 {verb} refused: {CLIENT}:" in r.err, r
    assert "you look to be behind NAT. Use passive mode (PASV or EPSV), or map a port" in r.err
    assert not out.exists() or out.stat().st_size == 0


# --- active mode with a port mapped on the router: works ----------------------------------


@pytest.mark.parametrize("flags, sent", [
    ([], f"EPRT |1|{ROUTER_WAN}|{MAPPED_PORT}|"),
    (["--disable-eprt"], "PORT 203,0,113,1,27,58"),
], ids=["eprt", "port"])
def test_curl_active_with_mapped_port_and_public_address(net, flags, sent):
    # curl cannot bind 203.0.113.1 (not local), falls back to the control
    # connection's local address, 192.168.1.2:6970, and still sends 203.0.113.1.
    r, out = curl(net, "-P", f"{ROUTER_WAN}:{MAPPED_PORT}-{MAPPED_PORT}", *flags,
                  name="curl-active-mapped")
    assert r.rc == 0, r
    assert f"> {sent}" in r.err, r
    assert sha256_file(out) == net.payload.sha
    net.server.wait_log(rf"anonymous\] {re.escape(sent)} -> 200")


def test_lftp_active_with_mapped_port_sends_the_source_documents_port(net):
    out = net.out / "lftp-active"
    r = net.cli.run(["lftp", "-c",
                     "set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 5; "
                     "set ftp:passive-mode off; "
                     f"set ftp:port-ipv4 {ROUTER_WAN}; "
                     f"set ftp:port-range {MAPPED_PORT}-{MAPPED_PORT}; "
                     f"open ftp://{SERVER}; get {net.payload.name} -o {out}"], timeout=40)
    assert r.rc == 0, r
    assert sha256_file(out) == net.payload.sha
    # Exactly the source documents' command, accepted.
    net.server.wait_log(r"\] PORT 203,0,113,1,27,58 -> 200")


# --- connect_to_peer_behind_nat: the private PORT address is replaced --------------------


CONNECT_TO_PEER = SHORT_TIMEOUTS + """
[active]
connect_to_peer_behind_nat = true
"""


def test_connect_to_peer_behind_nat_uses_the_router_address_and_the_mapped_port(topo):
    payload = Payload(1 << 20)
    try:
        cli, rtr, srv = build(topo)
        server = start_portico(srv, payload.root, listen=f"{SERVER}:21",
                               config=CONNECT_TO_PEER)
        r = cli.python("""
            f = login(sys.argv[1])
            f.voidcmd("TYPE I")
            lst = socket.create_server((sys.argv[3], int(sys.argv[4])))
            lst.settimeout(10)
            port_reply = f.sendcmd("PORT 192,168,1,2,27,58")
            t0 = time.monotonic()
            first = f.sendcmd("RETR " + sys.argv[2])
            conn, peer = lst.accept()
            data = recv_all(conn)
            conn.close()
            final = f.voidresp()
            f.quit()
            emit({"port": port_reply, "first": first, "peer": peer[0], "sha": sha(data),
                  "final": final, "elapsed": time.monotonic() - t0})
            """, SERVER, payload.name, CLIENT, MAPPED_PORT)
        assert r.rc == 0, r
        res = r.json()
        assert res["port"].startswith("200 PORT command successful."), res
        assert "192.168.1.2 is a private address" in res["port"]
        assert f"will connect to {ROUTER_WAN}:{MAPPED_PORT}" in res["port"]
        assert res["first"].startswith("150"), res
        assert res["final"].startswith("226"), res
        assert res["sha"] == payload.sha
        # The data connection came from the server, through the router's DNAT.
        assert res["peer"] == SERVER
        assert res["elapsed"] < 5

        # curl's EPRT with its private address and the mapped port works too.
        out = topo.tempdir() / "dl"
        c = cli.run(["curl", "-sS", "-v", "--max-time", "20", "-o", out,
                     "-P", f"{CLIENT}:{MAPPED_PORT}-{MAPPED_PORT}",
                     f"ftp://{SERVER}/{payload.name}"], timeout=30)
        assert c.rc == 0, c
        assert f"> EPRT |1|{CLIENT}|{MAPPED_PORT}|" in c.err
        assert sha256_file(out) == payload.sha
        server.wait_log(rf"\] EPRT \|1\|{re.escape(CLIENT)}\|{MAPPED_PORT}\| -> 200")
    finally:
        payload.remove()


def test_connect_to_peer_behind_nat_without_a_mapping_fails_within_the_connect_timeout(topo):
    """With the switch on but no port mapped on the router, the router
    rejects the server's connection (nothing listens there): the client gets
    a 425 quickly, not a hang."""
    payload = Payload(64 << 10)
    try:
        cli, rtr, srv = build(topo)
        server = start_portico(srv, payload.root, listen=f"{SERVER}:21",
                               config=CONNECT_TO_PEER)
        r = cli.python("""
            f = login(sys.argv[1])
            f.sendcmd("PORT 192,168,1,2,31,64")   # port 8000: not mapped on the router
            t0 = time.monotonic()
            try:
                f.sendcmd("RETR " + sys.argv[2])
                emit({"error": None})
            except ftplib.all_errors as e:
                emit({"error": str(e), "elapsed": time.monotonic() - t0})
            """, SERVER, payload.name)
        res = r.json()
        assert res["error"] and res["error"].startswith("425"), res
        assert f"Cannot open data connection to {ROUTER_WAN}:8000: connection refused" in res["error"]
        # data_connect is 3 s; a refused connect is answered well before that.
        assert res["elapsed"] < 5, res
        server.wait_log(rf"Cannot open data connection to {ROUTER_WAN}:8000: connection refused")
    finally:
        payload.remove()

