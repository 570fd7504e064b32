"""Issue 4, scenario 3: a server firewall that opens only port 21 (input
policy drop except established/related and tcp dport 21; no FTP helper, so
nothing opens the passive ports for the data connections).

    clients 198.51.100.7, .11-.16 --- 198.51.100.1 [router] 203.0.113.1 --- 203.0.113.5 portico + nft

Passive mode then fails, and both sides say so in bounded time; active mode
works (the server connects out, the answer is "established"); opening the
passive range makes passive work. With a firewall that opens only a narrow
range, --share-passive-ports lets many clients (of distinct addresses) wait
on the same ports: 6 concurrent downloads over 3 ports all complete, where
without sharing half of them get a 425 naming the range."""

import re
import types

import pytest

import topology
from topology import (Payload, SHORT_TIMEOUTS, input_firewall, open_ports, sha256_file,
                      start_portico, topo)  # noqa: F401

pytestmark = topology.requirements

SERVER = "203.0.113.5"
CLIENT = "198.51.100.7"
HOSTS = [f"198.51.100.{i}" for i in range(11, 17)]  # six client hosts


@pytest.fixture(scope="module")
def payload():
    p = Payload(2 << 20)
    yield p
    p.remove()


def build(t, passive_ports=(), extra_clients=()):
    cli = t.host("cli")
    rtr = t.router("rtr")
    srv = t.host("srv")
    t.link(cli, "eth0", f"{CLIENT}/24", rtr, "lan0", "198.51.100.1/24")
    for address in extra_clients:
        cli.addr("eth0", f"{address}/24")
    t.link(rtr, "wan0", "203.0.113.1/24", srv, "eth0", f"{SERVER}/24")
    cli.route("default", via="198.51.100.1")
    srv.route("default", via="203.0.113.1")
    input_firewall(srv, tcp_ports=(21,) + tuple(passive_ports))
    return types.SimpleNamespace(cli=cli, rtr=rtr, srv=srv, out=t.tempdir())


def curl(net, name, *flags):
    out = net.out / "dl"
    if out.exists():
        out.unlink()
    r = net.cli.run(["curl", "-sS", "-v", "--connect-timeout", "5", "--max-time", "20",
                     "-o", out, *flags, f"ftp://{SERVER}/{name}"], timeout=40)
    return r, out


def test_passive_is_blocked_with_a_bounded_clear_outcome(topo, payload):
    net = build(topo)
    server = start_portico(net.srv, payload.root, "--passive-ports", "50000-50010",
                           listen=f"{SERVER}:21", config=SHORT_TIMEOUTS)
    r, out = curl(net, payload.name)
    # The data connection's SYN is dropped: curl gives up with 28
    # (operation timed out) within its --connect-timeout, not after minutes.
    assert r.rc == 28, r
    assert r.elapsed < 12, r
    assert re.search(r"< 229 Entering Extended Passive Mode \(\|\|\|500(0\d|10)\|\)", r.err), r.err
    # curl gave up before sending RETR (EPSV, then PASV, then the
    # connect timeout), so the server never waited for a data connection.
    server.wait_log(r"anonymous\] EPSV\s+-> 229\n.*anonymous\] PASV\s+-> 227\n"
                    r".*disconnected: client closed the connection")

    # An ftplib client that waits for the reply sees the server's 425 after 3 s.
    res = net.cli.python("""
        f = login(sys.argv[1])
        f.voidcmd("TYPE I")
        port = pasv_endpoint(f.sendcmd("PASV"))[1]
        t0 = time.monotonic()
        f.putcmd("RETR " + sys.argv[2])
        try:
            s = socket.create_connection((sys.argv[1], port), timeout=1)
            emit({"connected": True})
        except OSError as e:
            try:
                reply = f.getresp()
            except ftplib.all_errors as e2:
                reply = str(e2)
            emit({"connect_error": type(e).__name__, "reply": reply,
                  "elapsed": time.monotonic() - t0})
        """, SERVER, payload.name).json()
    assert res.get("connect_error") == "TimeoutError", res
    assert res["reply"].startswith("425 No data connection: nothing connected to passive port"), res
    assert "try active mode (PORT/EPRT), or ask the administrator to open that range" in res["reply"]
    assert 2.5 < res["elapsed"] < 6, res
    # The server gives up after data_accept (3 s) and logs why.
    m = server.wait_log(r"No data connection: nothing connected to passive port (\d+) within 3 s\. "
                        r"A firewall or NAT between you and the server probably blocks the "
                        r"passive ports \(50000-50010\)")
    assert 50000 <= int(m.group(1)) <= 50010


@pytest.mark.parametrize("flags", [[], ["--disable-eprt"]], ids=["eprt", "port"])
def test_active_works_through_the_server_firewall(topo, payload, flags):
    net = build(topo)
    start_portico(net.srv, payload.root, "--passive-ports", "50000-50010",
                  listen=f"{SERVER}:21", config=SHORT_TIMEOUTS)
    r, out = curl(net, payload.name, "-P", CLIENT, *flags)
    assert r.rc == 0, r
    assert sha256_file(out) == payload.sha


def test_opening_the_passive_range_makes_passive_work(topo, payload):
    net = build(topo)
    start_portico(net.srv, payload.root, "--passive-ports", "50000-50010",
                  listen=f"{SERVER}:21", config=SHORT_TIMEOUTS)
    open_ports(net.srv, "50000-50010")
    for flags in ([], ["--disable-epsv"]):
        r, out = curl(net, payload.name, *flags)
        assert r.rc == 0, r
        assert sha256_file(out) == payload.sha


# Six sessions, one per client address, each sends PASV; once all six have
# their reply (a barrier), all connect and download at the same time.
CONCURRENT = """
    import threading
    host, name, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
    barrier = threading.Barrier(len(sources), timeout=30)
    results = [None] * len(sources)
    def one(i, src):
        res = {"source": src}
        try:
            f = login(host, source=src)
            f.voidcmd("TYPE I")
            try:
                res["pasv"] = f.sendcmd("PASV")
            except ftplib.error_temp as e:
                res["pasv"] = str(e)
            barrier.wait()
            if res["pasv"].startswith("227"):
                port = pasv_endpoint(res["pasv"])[1]
                res["port"] = port
                d = socket.create_connection((host, port), timeout=10, source_address=(src, 0))
                res["first"] = f.sendcmd("RETR " + name)
                res["sha"] = sha(recv_all(d))
                d.close()
                res["final"] = f.voidresp()
            f.quit()
        except Exception as e:
            res["error"] = f"{type(e).__name__}: {e}"
            try:
                barrier.abort()
            except Exception:
                pass
        results[i] = res
    threads = [threading.Thread(target=one, args=(i, s)) for i, s in enumerate(sources)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    emit(results)
    """


def concurrent_downloads(net, name):
    r = net.cli.python(CONCURRENT, SERVER, name, *HOSTS, timeout=90)
    assert r.rc == 0, r
    return r.json()


def test_shared_passive_ports_serve_six_clients_over_three_ports(topo, payload):
    net = build(topo, passive_ports=("50000-50002",), extra_clients=HOSTS)
    server = start_portico(net.srv, payload.root, "--share-passive-ports",
                           "--passive-ports", "50000-50002", listen=f"{SERVER}:21",
                           config=SHORT_TIMEOUTS)
    results = concurrent_downloads(net, payload.name)
    for res in results:
        assert "error" not in res, results
        assert res["pasv"].startswith("227 Entering Passive Mode (203,0,113,5,"), results
        assert 50000 <= res["port"] <= 50002, results
        assert res["first"].startswith("150"), results
        assert res["final"].startswith("226"), results
        assert res["sha"] == payload.sha, results
    # Six waiting sessions on three ports: some port was shared.
    assert len({res["port"] for res in results}) < len(results)
    log = server.log()
    for address in HOSTS:
        assert re.search(rf"\[\d+ {re.escape(address)}:\d+ anonymous\] download /{payload.name} "
                         rf"{len(payload.data)} bytes", log), log[-4000:]


def test_without_sharing_three_ports_refuse_half_of_six_clients_with_a_clear_425(topo, payload):
    net = build(topo, passive_ports=("50000-50002",), extra_clients=HOSTS)
    start_portico(net.srv, payload.root, "--passive-ports", "50000-50002",
                  listen=f"{SERVER}:21", config=SHORT_TIMEOUTS)
    results = concurrent_downloads(net, payload.name)
    for res in results:
        assert "error" not in res, results
    ok = [r for r in results if r["pasv"].startswith("227")]
    refused = [r for r in results if not r["pasv"].startswith("227")]
    assert len(ok) == 3 and len(refused) == 3, results
    assert len({r["port"] for r in ok}) == 3
    for res in ok:
        assert res["sha"] == payload.sha, results
    for res in refused:
        assert res["pasv"] == ("425 All 3 passive ports (50000-50002) are in use; try again "
                               "shortly, or ask the administrator to widen --passive-ports or "
                               "turn on --share-passive-ports."), results
