"""The server's life as an operator sees it: what `portico serve` prints,
limits and timeouts from a config file, bad configurations, SIGTERM drain,
SIGHUP reload, the privilege drop, the logs, `portico passwd`, --version and
--help."""

import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import PORTICO, free_port_range, start_server
from test_security import CREATED, Ctl, make_users, recv_all, transfer


def write_config(text):
    d = pathlib.Path(tempfile.mkdtemp(prefix="portico-conf-", dir="/tmp"))
    CREATED.append(d)
    d.chmod(0o755)
    path = d / "portico.toml"
    path.write_text(text)
    path.chmod(0o644)
    return path


def launch_in(cwd, *args, timeout=15):
    """`portico serve` with no DIR, started in `cwd`."""
    return start_server(None, *args, listen=("127.0.0.1:0",), timeout=timeout, cwd=cwd)


# --- what `portico serve` prints ------------------------------------------------


def test_serve_without_dir_serves_the_working_directory(tree):
    (tree / "here.txt").write_bytes(b"here\n")
    (tree / "here.txt").chmod(0o644)
    server = launch_in(tree)
    try:
        assert f"is serving {os.path.realpath(tree)} (anonymous login, read-only)" in server.banner
        assert "Connect with:" in server.banner
        assert re.search(r"^  ftp://127\.0\.0\.1:\d+/$", server.banner, re.M), server.banner
        assert "Passive ports: 49152-65534" in server.banner
        c = Ctl(server.port).login()
        first, data, final = transfer(c, "NLST")
        assert data == b"here.txt\r\n"
        c.close()
    finally:
        assert server.stop() == 0


def test_passive_ports_flag_shows_in_the_banner_and_is_used(tree, serve):
    low, high = free_port_range(11)
    server = serve(tree, "--passive-ports", f"{low}-{high}")
    assert f"Passive ports: {low}-{high}" in server.banner
    c = Ctl(server.port).login()
    for _ in range(8):
        assert low <= c.pasv() <= high
    code, text = c.cmd("EPSV")
    assert code == 229
    assert low <= int(re.search(r"\(\|\|\|(\d+)\|\)", text).group(1)) <= high
    c.close()


# --- limits and timeouts --------------------------------------------------------


def refused_with_421(port, source=None):
    src = (source, 0) if source else None
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=src)
    s.settimeout(5)
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    s.close()
    return data


def test_max_sessions(tree, serve):
    server = serve(tree, "--config", write_config("[limits]\nmax_sessions = 3\n"))
    sessions = [Ctl(server.port) for _ in range(3)]
    data = refused_with_421(server.port)
    assert data.startswith(b"421 ") and b"limit is 3" in data, data
    for s in sessions:
        assert s.cmd("NOOP")[0] == 200
    sessions.pop().close()
    time.sleep(0.3)
    c = Ctl(server.port)
    assert c.greeting[0] == 220
    for s in sessions + [c]:
        s.close()


def test_max_sessions_per_address(tree, serve):
    server = serve(tree, "--config", write_config("[limits]\nmax_sessions_per_address = 2\n"))
    mine = [Ctl(server.port), Ctl(server.port)]
    data = refused_with_421(server.port)
    assert data.startswith(b"421 ") and b"from your address" in data, data
    other = Ctl(server.port, source="127.0.0.2")
    assert other.greeting[0] == 220
    other.login()
    assert other.cmd("NOOP")[0] == 200
    for s in mine:
        assert s.cmd("NOOP")[0] == 200
        s.close()
    other.close()


def test_login_and_idle_timeouts(tree, serve):
    server = serve(tree, "--config",
                   write_config('[timeouts]\nlogin = "1s"\nidle = "1s"\n'))
    c = Ctl(server.port)
    t0 = time.monotonic()
    code, text = c.reply()
    assert code == 421 and "Login timeout" in text, text
    assert 0.8 <= time.monotonic() - t0 <= 2.5
    assert c.closed_within(2)
    c.close()

    c = Ctl(server.port).login()
    t0 = time.monotonic()
    code, text = c.reply()
    assert code == 421 and "Idle timeout" in text, text
    assert 0.8 <= time.monotonic() - t0 <= 2.5
    assert c.closed_within(2)
    c.close()


def test_data_accept_timeout_explains_itself(tree, serve):
    (tree / "f").write_bytes(b"x" * 100)
    (tree / "f").chmod(0o644)
    server = serve(tree, "--config", write_config('[timeouts]\ndata_accept = "1s"\n'))
    c = Ctl(server.port).login()
    port = c.pasv()
    t0 = time.monotonic()
    code, text = c.cmd("RETR f")
    assert time.monotonic() - t0 <= 2.5
    assert code == 425, text
    assert f"nothing connected to passive port {port} within 1 s" in text, text
    assert "firewall" in text
    assert c.cmd("NOOP")[0] == 200
    # ABOR while the server still waits for the data connection.
    c.pasv()
    c.send(b"RETR f\r\n")
    time.sleep(0.2)
    code, text = c.cmd("ABOR")
    assert code == 426, text
    assert c.reply()[0] == 226
    assert c.cmd("NOOP")[0] == 200
    c.close()
    assert server.proc.poll() is None, server.log()[-2000:]


def test_stalled_download_is_cut_with_426(tree, serve):
    with open(tree / "huge.bin", "wb") as f:
        f.truncate(40 << 20)
    (tree / "huge.bin").chmod(0o644)
    server = serve(tree, "--config", write_config('[timeouts]\nstall = "1s"\n'))
    c = Ctl(server.port).login()
    c.cmd("TYPE I")
    port = c.pasv()
    d = socket.socket()
    d.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    d.settimeout(10)
    d.connect(("127.0.0.1", port))
    code, text = c.cmd("RETR huge.bin")
    assert code == 150, text
    t0 = time.monotonic()
    code, text = c.reply()  # never reading the data connection
    assert code == 426, text
    assert time.monotonic() - t0 < 10
    d.close()
    assert c.cmd("NOOP")[0] == 200
    c.close()


def test_stalled_upload_is_cut_with_426_and_a_steady_one_is_not(writable_tree, serve):
    config = write_config('[timeouts]\nstall = "1s"\n')
    server = serve(writable_tree, "--write", "--config", config)
    c = Ctl(server.port).login()
    c.cmd("TYPE I")
    # A client that keeps sending, slowly, is never cut: progress resets
    # the stall clock (checked by the session watch, a few times a second).
    d = socket.create_connection(("127.0.0.1", c.pasv()), timeout=10)
    code, text = c.cmd("STOR steady.bin")
    assert code == 150, text
    for _ in range(6):
        d.sendall(b"s" * 1000)
        time.sleep(0.4)
    d.close()
    code, text = c.reply()
    assert code == 226, text
    assert (writable_tree / "steady.bin").stat().st_size == 6000
    # A client that stops sending without closing is cut after the timeout.
    d = socket.create_connection(("127.0.0.1", c.pasv()), timeout=10)
    code, text = c.cmd("STOR stalled.bin")
    assert code == 150, text
    d.sendall(b"x" * 5000)
    t0 = time.monotonic()
    code, text = c.reply()
    assert code == 426 and "stalled" in text.lower(), text
    assert time.monotonic() - t0 < 10
    d.close()
    assert c.cmd("NOOP")[0] == 200
    c.close()


def test_passive_range_exhaustion(tree, serve):
    low, high = free_port_range(2)
    server = serve(tree, "--passive-ports", f"{low}-{high}")
    a, b, c = (Ctl(server.port).login() for _ in range(3))
    ports = {a.pasv(), b.pasv()}
    assert ports == {low, high}
    code, text = c.cmd("PASV")
    assert code == 425 and f"{low}-{high}" in text, text
    code, text = c.cmd("EPSV")
    assert code == 425 and f"{low}-{high}" in text, text
    a.cmd("ABOR")  # frees a's port
    assert c.pasv() in ports
    for s in (a, b, c):
        assert s.cmd("NOOP")[0] == 200
        s.close()


# --- bad configurations -----------------------------------------------------------


def test_unknown_key_in_config_is_named_with_its_line(tree):
    conf = write_config('banner = "hi"\n[limits]\nmax_sesions = 3\n')
    rc, err = start_server(tree, "--config", conf, expect_failure=True)
    assert rc != 0
    assert f"{conf}:3" in err and "max_sesions" in err, err


def test_wrong_type_in_config_is_named_with_its_line(tree):
    conf = write_config('[limits]\n\nmax_sessions = "three"\n')
    rc, err = start_server(tree, "--config", conf, expect_failure=True)
    assert rc != 0
    assert f"{conf}:3" in err and "max_sessions" in err, err
    conf = write_config('[timeouts]\nidle = "soon"\n')
    rc, err = start_server(tree, "--config", conf, expect_failure=True)
    assert rc != 0
    assert f"{conf}:2" in err and "idle" in err, err


def test_garbage_listen_address_is_a_clear_error(tree):
    rc, err = start_server(tree, listen=("not-an-address",), expect_failure=True)
    assert rc != 0
    assert "--listen" in err and "not-an-address" in err, err
    rc, err = start_server(tree, listen=("127.0.0.1:99999",), expect_failure=True)
    assert rc != 0 and "--listen" in err, err


def test_busy_port_is_a_clear_error(tree):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        rc, err = start_server(tree, listen=(f"127.0.0.1:{port}",), expect_failure=True)
    finally:
        busy.close()
    assert rc != 0
    assert f"127.0.0.1:{port}" in err, err
    assert "already listens" in err or "in use" in err, err


# --- signals ------------------------------------------------------------------------


def test_sigterm_drains_running_transfers_and_closes_idle_sessions(tree, serve):
    payload = os.urandom(24 << 20)
    (tree / "big.bin").write_bytes(payload)
    (tree / "big.bin").chmod(0o644)
    server = serve(tree)
    idle = Ctl(server.port).login()
    c = Ctl(server.port).login()
    c.cmd("TYPE I")
    port = c.pasv()
    d = socket.socket()
    d.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    d.settimeout(10)
    d.connect(("127.0.0.1", port))
    assert c.cmd("RETR big.bin")[0] == 150
    got = bytearray(d.recv(65536))
    time.sleep(0.3)
    server.signal(signal.SIGTERM)
    code, text = idle.reply()
    assert code == 421 and "shutting down" in text, text
    time.sleep(0.3)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=3).close()
    assert server.proc.poll() is None, "exited before the transfer ended"
    got += recv_all(d)
    d.close()
    assert bytes(got) == payload
    assert c.reply()[0] == 226
    code, text = c.reply()
    assert code == 421, text
    assert server.proc.wait(timeout=15) == 0
    idle.close()
    c.close()


def test_sighup_reloads_accounts(tree, serve):
    users = make_users(tree, {"alice": "apw"})
    server = serve(tree, "--users", users)
    alice = Ctl(server.port).login("alice", "apw")
    c = Ctl(server.port)
    c.cmd("USER bob")
    assert c.cmd("PASS bpw")[0] == 530
    c.close()

    make_users(tree, {"alice": "apw", "bob": "bpw"}, directory=users.parent)
    server.signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while "reloaded" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "configuration and accounts reloaded" in server.log()
    Ctl(server.port).login("bob", "bpw").close()
    assert alice.cmd("NOOP")[0] == 200
    assert alice.cmd("PWD")[0] == 257

    users.write_text("[users.carol\npassword = \n")
    server.signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while "reload failed" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "reload failed, keeping the old" in server.log()
    assert server.proc.poll() is None
    Ctl(server.port).login("bob", "bpw").close()
    Ctl(server.port).login("alice", "apw").close()
    assert alice.cmd("NOOP")[0] == 200
    alice.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop happens only as root")
def test_privileges_are_dropped_after_binding(tree, serve):
    server = serve(tree)
    status = pathlib.Path(f"/proc/{server.proc.pid}/status").read_text()
    uids = re.search(r"^Uid:\s+(.*)$", status, re.M).group(1).split()
    gids = re.search(r"^Gid:\s+(.*)$", status, re.M).group(1).split()
    assert all(int(u) != 0 for u in uids), status
    assert all(int(g) != 0 for g in gids), status
    assert re.search(r"^NoNewPrivs:\s+1$", status, re.M), status
    import pwd
    assert int(uids[0]) == pwd.getpwnam("nobody").pw_uid
    # The control port was bound as root and still works.
    Ctl(server.port).login().close()


# --- logs ----------------------------------------------------------------------------


def test_json_log_and_xferlog(tree, serve):
    (tree / "hello.txt").write_bytes(b"hello portico\n")
    (tree / "hello.txt").chmod(0o644)
    xfer_dir = pathlib.Path(tempfile.mkdtemp(prefix="portico-xfer-", dir="/tmp"))
    CREATED.append(xfer_dir)
    xferlog = xfer_dir / "xferlog"
    server = serve(tree, "--log-format", "json", "--xferlog", xferlog, log_level="info")
    c = Ctl(server.port).login()
    c.cmd("TYPE I")
    for _ in range(2):
        first, data, final = transfer(c, "RETR hello.txt")
        assert data == b"hello portico\n" and final[0] == 226
    first, data, final = transfer(c, "LIST")
    assert final[0] == 226
    c.cmd("QUIT")
    c.close()
    assert server.stop() == 0

    events = []
    for line in server.log().splitlines():
        if line.strip():
            events.append(json.loads(line))
    kinds = [e.get("event") for e in events]
    assert "login" in kinds, kinds
    transfers = [e for e in events if e.get("event") == "transfer"]
    assert len([t for t in transfers if "hello.txt" in json.dumps(t)]) == 2, transfers

    lines = xferlog.read_text().splitlines()
    assert len(lines) == 2, lines
    for line in lines:
        f = line.split()
        assert f[7] == "14" and f[8] == "/hello.txt", line
        assert f[6] == "127.0.0.1" and f[11] == "o" and f[-1] == "c", line


# --- the other commands ---------------------------------------------------------------


def test_passwd_hash_logs_in_and_empty_password_is_refused(tree, serve):
    out = subprocess.run([PORTICO, "passwd"], input="s3cret\n", capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    hashed = out.stdout.strip()
    assert hashed.startswith("$y$") and "\n" not in hashed and "s3cret" not in out.stdout
    d = pathlib.Path(tempfile.mkdtemp(prefix="portico-users-", dir="/tmp"))
    CREATED.append(d)
    d.chmod(0o755)
    users = d / "users.toml"
    users.write_text(f'[users.zed]\npassword = "{hashed}"\nhome = "{tree}"\n')
    users.chmod(0o644)
    server = serve(tree, "--users", users)
    Ctl(server.port).login("zed", "s3cret").close()

    empty = subprocess.run([PORTICO, "passwd"], input="\n", capture_output=True, text=True,
                           timeout=30)
    assert empty.returncode != 0
    assert empty.stdout == ""
    assert "empty password" in empty.stderr


def test_version_and_help():
    v = subprocess.run([PORTICO, "--version"], capture_output=True, text=True, timeout=10)
    assert v.returncode == 0
    assert re.match(r"portico \d+\.\d+\.\d+", v.stdout), v.stdout
    h = subprocess.run([PORTICO, "--help"], capture_output=True, text=True, timeout=10)
    assert h.returncode == 0
    assert re.search(r"^\s+serve\s", h.stdout, re.M), h.stdout
    assert re.search(r"^\s+passwd\s", h.stdout, re.M), h.stdout
