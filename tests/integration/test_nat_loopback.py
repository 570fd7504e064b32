"""The NAT and load-balancer settings seen from real clients over loopback
(the network-namespace topologies are in test_topology_*.py): what PASV
advertises with a public address and per-network overrides, passive ports
shared between client addresses (127.0.0.0/8 gives a test many source
addresses), the PROXY protocol on control and data connections, and the
switch that connects to a NATed client's router instead of refusing its
private PORT address."""

import concurrent.futures
import ftplib
import hashlib
import os
import re
import socket
import struct
import tempfile
import time

import pytest

from conftest import free_port_range, start_server

PAYLOAD = os.urandom(512 * 1024)


@pytest.fixture
def files(tree):
    (tree / "blob.bin").write_bytes(PAYLOAD)
    (tree / "blob.bin").chmod(0o644)
    return tree


def config_file(text):
    f = tempfile.NamedTemporaryFile("w", prefix="portico-nat-", suffix=".toml", delete=False)
    f.write(text)
    f.close()
    os.chmod(f.name, 0o644)
    return f.name


def login(server, source=None):
    ftp = ftplib.FTP(timeout=10, source_address=(source, 0) if source else None)
    ftp.connect("127.0.0.1", server.port)
    ftp.login()
    return ftp


def log_shows(server, *words, timeout=5):
    """The log is written asynchronously: wait for the words to appear."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = server.log()
        if all(w in log for w in words):
            return True
        time.sleep(0.05)
    return False


def read_to_end(data):
    """Everything the server sends on a data connection, until it closes."""
    got = b""
    while chunk := data.recv(65536):
        got += chunk
    return got


def pasv_address(ftp):
    reply = ftp.sendcmd("PASV")
    nums = [int(n) for n in re.search(r"\((\d+(?:,\d+){5})\)", reply).group(1).split(",")]
    return ".".join(map(str, nums[:4])), nums[4] * 256 + nums[5]


# --- The advertised address ---------------------------------------------------

def test_loopback_clients_get_the_local_address_even_with_a_public_one(serve, files):
    server = serve(files, "--public-address", "203.0.113.1")
    ftp = login(server)
    assert pasv_address(ftp)[0] == "127.0.0.1"
    ftp.quit()


def test_public_address_is_advertised_to_clients_treated_as_internet(serve, files):
    cfg = config_file("[passive]\nlocal_address_for_private_clients = false\n")
    server = serve(files, "--public-address", "203.0.113.1", "--config", cfg)
    ftp = login(server)
    assert pasv_address(ftp)[0] == "203.0.113.1"
    # EPSV carries no address, so it works whatever the NAT.
    assert re.match(r"229 .*\(\|\|\|\d+\|\)", ftp.sendcmd("EPSV"))
    assert hashlib.sha256(b"".join(_retr(ftp))).digest() == hashlib.sha256(PAYLOAD).digest()
    ftp.quit()


def _retr(ftp):
    chunks = []
    ftp.retrbinary("RETR blob.bin", chunks.append)
    return chunks


def test_overrides_answer_per_client_network_first_match_wins(serve, files):
    cfg = config_file("""
[passive]
public_address = "203.0.113.1"
local_address_for_private_clients = false
[[passive.overrides]]
clients = ["127.0.0.2/32"]
address = "10.8.0.1"
[[passive.overrides]]
clients = ["127.0.0.0/29"]
address = ""
""")
    server = serve(files, "--config", cfg)
    seen = {}
    for source in ("127.0.0.2", "127.0.0.3", "127.0.0.9"):
        ftp = login(server, source)
        seen[source] = pasv_address(ftp)[0]
        ftp.quit()
    assert seen == {"127.0.0.2": "10.8.0.1", "127.0.0.3": "127.0.0.1",
                    "127.0.0.9": "203.0.113.1"}


def test_a_host_name_is_resolved_and_advertised(serve, files):
    # Served on 127.0.0.2, so that "localhost" (127.0.0.1, from /etc/hosts: no
    # DNS query) differs from the local address the server would fall back to.
    cfg = config_file("[passive]\nlocal_address_for_private_clients = false\n")
    server = serve(files, "--public-address", "localhost", "--config", cfg,
                   listen=("127.0.0.2:0",))
    port = int(re.search(r"ftp://127\.0\.0\.2:(\d+)/", server.banner).group(1))
    ftp = ftplib.FTP(timeout=10)
    ftp.connect("127.0.0.2", port)
    ftp.login()
    assert pasv_address(ftp)[0] == "127.0.0.1"
    ftp.quit()


@pytest.mark.parametrize("flag,value,words", [
    ("--public-address", "ftp_bad!", "IP address or a host name"),
    ("--proxy-protocol-from", "10.0.0.1/8", "--proxy-protocol-from"),
])
def test_bad_nat_flags_are_refused_with_the_reason(files, flag, value, words):
    rc, err = start_server(files, flag, value, expect_failure=True)
    assert rc == 2 and words in err, err


# --- Shared passive ports ---------------------------------------------------------

def _fetch(server, source):
    ftp = login(server, source)
    try:
        data = b"".join(_retr(ftp))
        return hashlib.sha256(data).hexdigest()
    finally:
        ftp.close()


def test_shared_ports_serve_more_concurrent_clients_than_ports(serve, files):
    low, high = free_port_range(2)
    server = serve(files, "--passive-ports", f"{low}-{high}", "--share-passive-ports")
    sources = [f"127.0.0.{i}" for i in range(2, 10)]
    # Every client holds its passive port at the same time: all PASV first.
    ftps = [login(server, s) for s in sources]
    ports = []
    for ftp in ftps:
        ftp.voidcmd("TYPE I")
        ports.append(pasv_address(ftp)[1])
    assert set(ports) <= {low, high} and len(ports) == 8
    # Then each connects and fetches, in parallel; each gets its own file.
    def fetch(i):
        ftp = ftps[i]
        data = socket.create_connection(("127.0.0.1", ports[i]), timeout=10,
                                        source_address=(sources[i], 0))
        ftp.sendcmd("RETR blob.bin")
        got = read_to_end(data)
        data.close()
        ftp.voidresp()
        ftp.quit()
        return got
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(fetch, range(8)))
    assert all(r == PAYLOAD for r in results)


def test_without_sharing_a_narrow_range_runs_out_with_a_clear_425(serve, files):
    low, high = free_port_range(2)
    server = serve(files, "--passive-ports", f"{low}-{high}")
    ftps = [login(server, f"127.0.0.{i}") for i in (2, 3, 4)]
    pasv_address(ftps[0])
    pasv_address(ftps[1])
    with pytest.raises(ftplib.error_temp) as refused:
        ftps[2].sendcmd("PASV")
    assert str(refused.value).startswith("425")
    assert f"({low}-{high})" in str(refused.value) and "--share-passive-ports" in str(refused.value)
    for f in ftps:
        f.close()


def test_a_shared_port_keeps_thieves_out(serve, files):
    low, high = free_port_range(1)
    server = serve(files, "--passive-ports", f"{low}-{high}", "--share-passive-ports")
    ftp = login(server, "127.0.0.2")
    ftp.voidcmd("TYPE I")
    _, port = pasv_address(ftp)
    thief = socket.create_connection(("127.0.0.1", port), timeout=5,
                                     source_address=("127.0.0.66", 0))
    thief.settimeout(5)
    assert thief.recv(1) == b""  # closed without data
    data = socket.create_connection(("127.0.0.1", port), timeout=10,
                                    source_address=("127.0.0.2", 0))
    ftp.sendcmd("RETR blob.bin")
    got = read_to_end(data)
    ftp.voidresp()
    assert got == PAYLOAD
    assert log_shows(server, "127.0.0.66", "port stealing")
    ftp.quit()


# --- PROXY protocol -----------------------------------------------------------------

def proxy_v1(src, dst, sport, dport):
    return f"PROXY TCP4 {src} {dst} {sport} {dport}\r\n".encode()


def proxy_v2(src, dst, sport, dport):
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    body = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sport, dport)
    return sig + b"\x21\x11" + struct.pack("!H", len(body)) + body


class Raw:
    """A control connection that may start with a PROXY header."""

    def __init__(self, port, header=b"", source="127.0.0.1"):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10,
                                          source_address=(source, 0))
        self.s.sendall(header)
        self.f = self.s.makefile("rb")
        self.greeting = self.reply()

    def reply(self):
        line = self.f.readline().decode()
        text = line
        while line[3:4] == "-":
            line = self.f.readline().decode()
            text += line
        return text

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.reply()


@pytest.mark.parametrize("make", [proxy_v1, proxy_v2], ids=["v1", "v2"])
def test_proxy_header_gives_the_real_client_to_checks_logs_and_pasv(serve, files, make):
    server = serve(files, "--proxy-protocol-from", "127.0.0.1")
    c = Raw(server.port, make("198.51.100.7", "203.0.113.1", 40000, 21))
    assert c.greeting.startswith("220")
    assert c.cmd("USER anonymous").startswith("331")
    assert c.cmd("PASS x").startswith("230")
    c.cmd("TYPE I")
    reply = c.cmd("PASV")
    nums = [int(n) for n in re.search(r"\((\d+(?:,\d+){5})\)", reply).group(1).split(",")]
    # The address the client connected to, on the load balancer.
    assert nums[:4] == [203, 0, 113, 1], reply
    port = nums[4] * 256 + nums[5]
    # The data connection comes through the proxy too, with its own header.
    data = socket.create_connection(("127.0.0.1", port), timeout=10)
    data.sendall(make("198.51.100.7", "203.0.113.1", 40001, port))
    assert c.cmd("RETR blob.bin").startswith("150")
    got = read_to_end(data)
    assert c.reply().startswith("226")
    assert got == PAYLOAD
    # Bounce protection uses the real client too: PORT to the proxy is refused.
    assert c.cmd("PORT 127,0,0,1,200,10").startswith("500")
    c.cmd("QUIT")
    assert log_shows(server, "198.51.100.7:40000] connected to 203.0.113.1:21 through proxy "
                             "127.0.0.1:", "198.51.100.7:40000 anonymous] download /blob.bin 524288 bytes")


def test_a_proxied_data_connection_for_another_client_is_refused(serve, files):
    server = serve(files, "--proxy-protocol-from", "127.0.0.1")
    c = Raw(server.port, proxy_v1("198.51.100.7", "203.0.113.1", 40000, 21))
    c.cmd("USER anonymous")
    c.cmd("PASS x")
    c.cmd("TYPE I")
    reply = c.cmd("EPSV")
    port = int(re.search(r"\|\|\|(\d+)\|", reply).group(1))
    thief = socket.create_connection(("127.0.0.1", port), timeout=5)
    thief.sendall(proxy_v1("198.51.100.66", "203.0.113.1", 40001, port))
    thief.settimeout(5)
    c.s.sendall(b"RETR blob.bin\r\n")
    assert thief.recv(1) == b""
    data = socket.create_connection(("127.0.0.1", port), timeout=10)
    data.sendall(proxy_v2("198.51.100.7", "203.0.113.1", 40002, port))
    assert c.reply().startswith("150")
    got = read_to_end(data)
    assert c.reply().startswith("226") and got == PAYLOAD
    assert log_shows(server, "198.51.100.66")


def test_without_a_header_a_trusted_proxy_connection_is_dropped(serve, files):
    server = serve(files, "--proxy-protocol-from", "127.0.0.1")
    s = socket.create_connection(("127.0.0.1", server.port), timeout=15)
    s.sendall(b"USER anonymous\r\n")
    s.settimeout(15)
    start = time.monotonic()
    # No banner: the bytes are not a PROXY header. Closed with the command
    # unread, so the kernel may answer with a reset.
    try:
        assert s.recv(100) == b""
    except ConnectionResetError:
        pass
    assert time.monotonic() - start < 5
    assert log_shows(server, "dropped a connection from proxy", "PROXY")


def test_untrusted_clients_cannot_forge_their_address(serve, files):
    server = serve(files, "--proxy-protocol-from", "127.0.0.1")
    c = Raw(server.port, source="127.0.0.5")
    assert c.greeting.startswith("220")
    assert c.cmd("PROXY TCP4 192.0.2.99 203.0.113.1 1234 21").startswith("500")
    c.cmd("USER anonymous")
    assert c.cmd("PASS x").startswith("230")
    c.cmd("QUIT")
    assert log_shows(server, "127.0.0.5:", "disconnected")
    assert "] connected" in server.log() and "through proxy" not in server.log()
    assert "192.0.2.99:" not in server.log()


# --- Active mode behind NAT ----------------------------------------------------

def test_private_port_address_from_a_public_peer_can_be_redirected_to_the_peer(serve, files):
    # Loopback is a private network, so a PROXY header stands in for a client
    # whose control connection comes from a public address (its router).
    cfg = config_file("[active]\nconnect_to_peer_behind_nat = true\n")
    server = serve(files, "--config", cfg, "--proxy-protocol-from", "127.0.0.1")
    c = Raw(server.port, proxy_v1("198.51.100.7", "203.0.113.1", 40000, 21))
    c.cmd("USER anonymous")
    c.cmd("PASS x")
    reply = c.cmd("PORT 192,168,1,2,27,58")
    assert reply.startswith("200") and "198.51.100.7:6970" in reply and "NAT" in reply
    # Not enabled: the explaining refusal.
    plain = serve(files, "--proxy-protocol-from", "127.0.0.1")
    d = Raw(plain.port, proxy_v1("198.51.100.7", "203.0.113.1", 40000, 21))
    d.cmd("USER anonymous")
    d.cmd("PASS x")
    refused = d.cmd("PORT 192,168,1,2,27,58")
    assert refused.startswith("500") and "behind NAT" in refused and "passive mode" in refused


def test_active_connections_come_from_port_20_when_asked(serve, files):
    if os.geteuid() != 0:
        pytest.skip("port 20 needs portico to start as root")
    cfg = config_file("[active]\nfrom_port_20 = true\n")
    server = serve(files, "--config", cfg)
    ftp = login(server)
    ftp.voidcmd("TYPE I")
    for _ in range(2):  # twice: the second connection reuses port 20 at once
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(10)
        port = listener.getsockname()[1]
        ftp.sendcmd(f"PORT 127,0,0,1,{port // 256},{port % 256}")
        ftp.sendcmd("RETR blob.bin")
        data, peer = listener.accept()
        got = read_to_end(data)
        data.close()
        listener.close()
        ftp.voidresp()
        assert peer[1] == 20, peer
        assert got == PAYLOAD
    ftp.quit()
