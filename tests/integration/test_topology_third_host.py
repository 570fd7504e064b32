"""Issue 4, scenario 4: a third host on the path between client and server
(RFC 2577 §3 bounce, §8 port stealing).

    client 198.51.100.7   --+
                            +-- 198.51.100.1 [router] 203.0.113.1 --- 203.0.113.5 portico
    attacker 198.51.100.66 -+   (bridge)

A PORT or EPRT aimed at the third host is refused (500, bounce protection)
and the third host receives no connection. A third host that connects to a
waiting passive port first is closed without data, and the real client's
transfer then completes with the right bytes."""

import re
import time
import types

import pytest

import topology
from topology import Payload, SHORT_TIMEOUTS, start_portico, topo  # noqa: F401

pytestmark = topology.requirements

SERVER = "203.0.113.5"
CLIENT = "198.51.100.7"
ATTACKER = "198.51.100.66"
TRAP_PORT = 7000  # 27 * 256 + 88


@pytest.fixture(scope="module")
def payload():
    p = Payload(2 << 20)
    yield p
    p.remove()


@pytest.fixture
def net(topo, payload):
    rtr = topo.router("rtr")
    cli = topo.host("cli")
    att = topo.host("att")
    srv = topo.host("srv")
    rtr.bridge("br0", "198.51.100.1/24")
    topo.link(cli, "eth0", f"{CLIENT}/24", rtr, "p-cli", None, b_master="br0")
    topo.link(att, "eth0", f"{ATTACKER}/24", rtr, "p-att", None, b_master="br0")
    topo.link(rtr, "wan0", "203.0.113.1/24", srv, "eth0", f"{SERVER}/24")
    for ns in (cli, att):
        ns.route("default", via="198.51.100.1")
    srv.route("default", via="203.0.113.1")
    server = start_portico(srv, payload.root, "--passive-ports", "50000-50010",
                           listen=f"{SERVER}:21", config=SHORT_TIMEOUTS)
    return types.SimpleNamespace(cli=cli, att=att, srv=srv, rtr=rtr, server=server)


read_json = topology.Namespace.next_json


# The third host listens and reports every connection it gets.
TRAP = """
    lst = socket.create_server((sys.argv[1], int(sys.argv[2])))
    emit("ready")
    t0 = time.monotonic()
    got = []
    while time.monotonic() - t0 < float(sys.argv[3]):
        r, _, _ = select.select([lst], [], [], 0.1)
        if r:
            conn, peer = lst.accept()
            got.append(peer[0])
            conn.close()
    emit(got)
    """


def test_port_and_eprt_aimed_at_a_third_host_are_refused_and_it_gets_no_connection(net, payload):
    trap = net.att.python_popen(TRAP, ATTACKER, TRAP_PORT, 4)
    assert read_json(trap) == "ready"
    r = net.cli.python("""
        f = login(sys.argv[1])
        out = {}
        for name, cmd in (("port", "PORT 198,51,100,66,27,88"),
                          ("eprt", "EPRT |1|198.51.100.66|7000|")):
            t0 = time.monotonic()
            try:
                out[name] = f.sendcmd(cmd)
            except ftplib.error_perm as e:
                out[name] = str(e)
            out[name + "_elapsed"] = time.monotonic() - t0
            # No data connection may have been prepared by the refused command.
            try:
                out[name + "_retr"] = f.sendcmd("RETR " + sys.argv[2])
            except ftplib.all_errors as e:
                out[name + "_retr"] = str(e)
        f.quit()
        emit(out)
        """, SERVER, payload.name)
    assert r.rc == 0, r
    res = r.json()
    for verb in ("PORT", "EPRT"):
        key = verb.lower()
        assert res[key] == (f"500 {verb} refused: the data connection can only go to your own "
                            f"address {CLIENT}, not to {ATTACKER} (bounce protection)."), res
        assert res[key + "_elapsed"] < 2, res
        assert not res[key + "_retr"].startswith("1"), res
        assert res[key + "_retr"].startswith(("425", "503")), res
    # Nothing reached the third host in the 4 s it listened.
    assert read_json(trap) == []
    log = net.server.log()
    assert re.search(r"PORT 198,51,100,66,27,88 -> 500", log), log
    assert re.search(r"EPRT \|1\|198\.51\.100\.66\|7000\| -> 500", log), log


# The real client: PASV, then (on "go") RETR and, on "connect", its data
# connection; prints the port, then the transfer's outcome.
CLIENT_STEPS = """
    f = login(sys.argv[1])
    f.voidcmd("TYPE I")
    port = pasv_endpoint(f.sendcmd("PASV"))[1]
    emit(port)
    assert sys.stdin.readline().strip() == "retr"
    f.putcmd("RETR " + sys.argv[2])
    assert sys.stdin.readline().strip() == "connect"
    d = socket.create_connection((sys.argv[1], port), timeout=10)
    first = f.getresp()
    data = recv_all(d)
    d.close()
    final = f.voidresp()
    f.quit()
    emit({"first": first, "final": final, "sha": sha(data), "size": len(data)})
    """

# The third host: connects to the port, then reports what it got.
THIEF = """
    t0 = time.monotonic()
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    emit("connected")
    s.settimeout(10)
    n, how = 0, "open"
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                how = "closed"
                break
            n += len(chunk)
    except ConnectionResetError:
        how = "reset"
    except socket.timeout:
        how = "timeout"
    emit({"bytes": n, "how": how, "elapsed": time.monotonic() - t0})
    """


@pytest.mark.parametrize("when", ["before_retr", "after_retr"])
def test_third_host_cannot_steal_a_waiting_passive_port(net, payload, when):
    client = net.cli.python_popen(CLIENT_STEPS, SERVER, payload.name)
    port = read_json(client)
    assert 50000 <= port <= 50010
    if when == "after_retr":
        # Let the server start waiting in accept() for the data connection
        # (if it is slower, this is the before_retr case, which must pass too).
        client.stdin.write("retr\n")
        time.sleep(0.5)
    thief = net.att.python_popen(THIEF, SERVER, port)
    assert read_json(thief) == "connected"
    if when == "before_retr":
        client.stdin.write("retr\n")
    else:
        # Rejected while the real client has not connected yet.
        stolen = read_json(thief)
        assert stolen["bytes"] == 0 and stolen["how"] in ("closed", "reset"), stolen
        assert stolen["elapsed"] < 3, stolen
    client.stdin.write("connect\n")
    res = read_json(client, timeout=30)
    assert res["first"].startswith("150"), res
    assert res["final"].startswith("226"), res
    assert res["size"] == len(payload.data)
    assert res["sha"] == payload.sha
    if when == "before_retr":
        stolen = read_json(thief)
        assert stolen["bytes"] == 0 and stolen["how"] in ("closed", "reset"), stolen
    net.server.wait_log(rf"rejected a data connection to passive port {port} from {ATTACKER} "
                        rf"\(the client is {CLIENT}\): possible port stealing")
