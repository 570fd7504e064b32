"""Negative tests (threats.md §1, §4, §5, §8, §10): bounce attempts, commands
before login, malformed arguments, over-long lines, Telnet payloads, paths and
symlinks leading outside the root, port stealing, listing injection, backdoor
probes and user enumeration. Each bad input gets its error reply and the
session (or at least the server) goes on."""

import atexit
import hashlib
import os
import pathlib
import re
import select
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import PORTICO

# Directories made outside the fixtures (users files), removed at exit.
CREATED = []
atexit.register(lambda: [shutil.rmtree(d, ignore_errors=True) for d in CREATED])

CANARY = b"OUTSIDE-CANARY-SECRET-7f3a\n"
INSIDE = b"inside content\n"


class Ctl:
    """A raw control connection: sends exact bytes, reads whole replies."""

    def __init__(self, port, host="127.0.0.1", source=None, timeout=10):
        src = (source, 0) if source else None
        self.s = socket.create_connection((host, port), timeout=timeout, source_address=src)
        self.s.settimeout(timeout)
        self.buf = b""
        self.greeting = self.reply()

    def _line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("control connection closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def reply(self):
        first = self._line()
        lines = [first]
        code = first[:3]
        if first[3:4] == b"-":
            while True:
                line = self._line()
                lines.append(line)
                if line[:3] == code and line[3:4] == b" ":
                    break
        return int(code), b"".join(lines).decode("latin-1")

    def send(self, raw):
        self.s.sendall(raw)

    def cmd(self, line):
        if isinstance(line, str):
            line = line.encode("latin-1")
        self.send(line + b"\r\n")
        return self.reply()

    def login(self, user="anonymous", password="guest@example.com"):
        code, _ = self.cmd(f"USER {user}")
        assert code == 331
        code, text = self.cmd(f"PASS {password}")
        assert code == 230, text
        return self

    def pasv(self):
        code, text = self.cmd("PASV")
        assert code == 227, text
        nums = [int(n) for n in re.search(r"\((\d+(?:,\d+){5})\)", text).group(1).split(",")]
        return nums[4] * 256 + nums[5]

    def closed_within(self, seconds):
        """True if the server closes the connection within `seconds` (data
        still queued before the close is discarded)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True
            self.buf += chunk
        return False

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def recv_all(sock, timeout=30):
    sock.settimeout(timeout)
    out = bytearray()
    while True:
        chunk = sock.recv(1 << 16)
        if not chunk:
            return bytes(out)
        out += chunk


def data_connect(port, source=None):
    src = (source, 0) if source else None
    return socket.create_connection(("127.0.0.1", port), timeout=10, source_address=src)


def transfer(ctl, command):
    """PASV + command; returns (first reply, data bytes, final reply)."""
    port = ctl.pasv()
    ctl.send((command.encode("latin-1") if isinstance(command, str) else command) + b"\r\n")
    # portico accepts the data connection before it sends 150, so connect
    # first; an error reply comes without it.
    try:
        d = data_connect(port)
    except (ConnectionRefusedError, ConnectionResetError):
        # The error reply came first and closed the listener.
        code, text = ctl.reply()
        assert code != 150, text
        return (code, text), None, None
    with d:
        code, text = ctl.reply()
        if code != 150:
            return (code, text), None, None
        data = recv_all(d)
    return (code, text), data, ctl.reply()


def no_connection(listener, seconds):
    r, _, _ = select.select([listener], [], [], seconds)
    return not r


def assert_alive(server):
    assert server.proc.poll() is None, "portico exited:\n" + server.log()[-3000:]
    c = Ctl(server.port)
    assert c.greeting[0] == 220
    assert c.cmd("NOOP")[0] == 200
    c.close()


@pytest.fixture
def jail():
    """/tmp/X with X/r (served, holding inside.txt and d/), X/canary and
    X/r2/f (the sibling-prefix case)."""
    base = pathlib.Path(tempfile.mkdtemp(prefix="portico-jail-", dir="/tmp"))
    base.chmod(0o755)
    root = base / "r"
    root.mkdir()
    root.chmod(0o755)
    (root / "inside.txt").write_bytes(INSIDE)
    (root / "d").mkdir()
    (root / "d").chmod(0o755)
    (root / "inside.txt").chmod(0o644)
    (base / "canary").write_bytes(CANARY)
    (base / "canary").chmod(0o644)
    (base / "r2").mkdir()
    (base / "r2").chmod(0o755)
    (base / "r2" / "f").write_bytes(CANARY)
    (base / "r2" / "f").chmod(0o644)
    # atime before mtime: under relatime (and strictatime) any read of the
    # canary would move its atime; under noatime this check proves nothing.
    now = time.time()
    for p in (base / "canary", base / "r2" / "f"):
        os.utime(p, (now - 7200, now - 3600))
    yield base
    shutil.rmtree(base, ignore_errors=True)


def assert_canary_intact(base):
    for p in (base / "canary", base / "r2" / "f"):
        st = p.stat()
        assert st.st_atime < st.st_mtime, f"{p} was read (atime moved)"
    assert (base / "canary").read_bytes() == CANARY
    assert (base / "r2" / "f").read_bytes() == CANARY
    assert sorted(p.name for p in base.iterdir()) == ["canary", "r", "r2"]


# --- §1 bounce ------------------------------------------------------------------


def test_port_and_eprt_never_connect_to_a_third_host_or_a_low_port(tree, serve):
    server = serve(tree)
    third = socket.socket()
    third.bind(("127.0.0.2", 0))
    third.listen(4)
    p = third.getsockname()[1]
    try:
        c = Ctl(server.port).login()
        attempts = [
            f"PORT 127,0,0,2,{p // 256},{p % 256}",
            f"EPRT |1|127.0.0.2|{p}|",
            f"EPRT |2|::1|{p}|",
            "PORT 127,0,0,1,0,25",
            "EPRT |1|127.0.0.1|25|",
        ]
        for a in attempts:
            code, text = c.cmd(a)
            assert code in (500, 501, 522), (a, text)
            # Nothing stale: the refused target is never used.
            code, text = c.cmd("RETR nothing")
            assert code == 425, (a, text)
        assert no_connection(third, 2.0), "portico connected to the third host"
        assert c.cmd("NOOP")[0] == 200
        c.close()
    finally:
        third.close()


# --- §4.4 commands before login -----------------------------------------------

BEFORE_LOGIN_REFUSED = [
    "RETR inside.txt", "STOR x", "APPE x", "STOU", "LIST", "NLST", "MLSD", "MLST", "CWD /",
    "CDUP", "PWD", "MKD x", "RMD x", "DELE x", "RNFR x", "RNTO y", "SIZE x", "MDTM x",
    "MFMT 20200101000000 x", "PASV", "EPSV", "PORT 127,0,0,1,4,1", "EPRT |1|127.0.0.1|1025|",
    "SITE CHMOD 777 x", "SITE EXEC sh", "STAT", "STAT /", "TYPE I", "MODE S", "STRU F", "REST 0",
    "ALLO 10", "ABOR", "XPWD", "XCWD /", "XMKD x", "XRMD x", "XCUP",
]


def test_only_the_login_commands_work_before_login(writable_tree, serve):
    server = serve(writable_tree, "--write")
    c = Ctl(server.port)
    for line in BEFORE_LOGIN_REFUSED:
        code, text = c.cmd(line)
        assert code == 530, (line, text)
    allowed = {"FEAT": 211, "SYST": 215, "NOOP": 200, "HELP": 214, "HOST localhost": 220,
               "OPTS UTF8 ON": 200}
    for line, want in allowed.items():
        code, text = c.cmd(line)
        assert code == want, (line, text)
    assert list(writable_tree.iterdir()) == []
    c.login()
    assert c.cmd("PWD")[0] == 257
    assert c.cmd("QUIT")[0] == 221
    c.close()


# --- §1.2 malformed arguments -------------------------------------------------


def test_malformed_arguments_get_501_and_leave_no_stale_state(tree, serve):
    server = serve(tree)
    mine = socket.socket()
    mine.bind(("127.0.0.1", 0))
    mine.listen(4)
    p = mine.getsockname()[1]
    try:
        c = Ctl(server.port).login()
        bad_port = [
            "PORT 127,0,0,256,4,1", "PORT 127,0,0,1,4", "PORT 127,0,0,1,4,1,1",
            "PORT -1,0,0,1,4,1", "PORT 127,0,0,1,4,-1", "PORT " + "1," * 511 + "1",
            "PORT a,b,c,d,e,f", "PORT 127,0,0,1,256,0",
        ]
        for line in bad_port:
            # A valid PORT first: the failing one must clear it.
            assert c.cmd(f"PORT 127,0,0,1,{p // 256},{p % 256}")[0] == 200
            code, text = c.cmd(line)
            assert code == 501, (line[:60], text)
            code, text = c.cmd("RETR inside.txt")
            assert code == 425, (line[:60], text)
        assert no_connection(mine, 0.5), "a refused PORT left a data connection behind"

        for line in ["REST -1", "REST abc", "REST 18446744073709551615",
                     "REST 9223372036854775808", "REST 1x", "REST +5", "REST  5"]:
            code, text = c.cmd(line)
            assert code == 501, (line, text)
        for line, want in [("TYPE X", 504), ("MODE B", 504), ("STRU R", 504),
                           ("EPRT garbage", 501), ("EPRT |1|300.1.1.1|5000|", 501),
                           ("EPRT |1|127.0.0.1|70000|", 501), ("EPRT ||||", (501, 522)),
                           ("EPSV 3", 522), ("EPSV x", 501)]:
            code, text = c.cmd(line)
            assert code in (want if isinstance(want, tuple) else (want,)), (line, text)
        assert c.cmd("NOOP")[0] == 200
        c.close()
    finally:
        mine.close()


# --- §5.3 over-long lines -----------------------------------------------------


def test_line_of_exactly_the_limit_is_accepted(tree, serve):
    server = serve(tree)
    c = Ctl(server.port)
    line = b"HELP " + b"A" * (4094 - 5)
    assert len(line + b"\r\n") == 4096
    code, text = c.cmd(line)
    assert "too long" not in text.lower(), text
    assert code == 501, text  # HELP of an unknown command
    assert c.cmd("NOOP")[0] == 200
    c.close()


def test_line_one_byte_over_the_limit_is_refused_and_closed(tree, serve):
    server = serve(tree)
    c = Ctl(server.port)
    code, text = c.cmd(b"HELP " + b"A" * (4095 - 5))
    assert code == 500 and "Line too long" in text, text
    assert c.closed_within(3)
    c.close()
    assert_alive(server)


def test_endless_line_is_cut_at_the_limit_without_waiting_for_its_end(tree, serve):
    server = serve(tree)
    c = Ctl(server.port)
    # 8 KiB and no line end: the reply must come without any LF being sent.
    c.send(b"USER " + b"B" * 8192)
    code, text = c.reply()
    assert code == 500 and "Line too long" in text, text
    assert c.closed_within(3)
    c.close()

    c = Ctl(server.port)
    sent = 0
    chunk = b"C" * 65536
    try:
        while sent < (1 << 20):
            c.s.sendall(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        code, text = c.reply()
        assert code == 500 and "Line too long" in text, text
    except (ConnectionResetError, EOFError):
        pass  # the reset may overtake the reply; what matters is the close
    assert c.closed_within(3)
    c.close()
    assert_alive(server)


# --- §5.4 Telnet payloads -----------------------------------------------------


def test_telnet_iac_payloads_do_not_hurt_the_server(tree, serve):
    server = serve(tree)

    # ProFTPD bug 3521: an IAC in the middle of a long USER.
    c = Ctl(server.port)
    code, text = c.cmd(b"USER " + b"A" * 1013 + b"\xff" + b"Z" * 64)
    assert code == 331, text
    assert c.cmd("NOOP")[0] == 200
    c.close()

    # 8 KiB of IAC IAC: 4096 literal 0xFF bytes, one past the limit.
    c = Ctl(server.port)
    code, text = c.cmd(b"\xff\xff" * 4096)
    assert code == 500, text
    c.close()

    # nmap's CVE-2010-4221 probe.
    c = Ctl(server.port)
    try:
        c.send(b"\x00\xff" * 4069 + b"\xff" + b"Nmap" * 256 + b"\r\n")
        code, text = c.reply()
        assert code == 500, text
    except (ConnectionResetError, BrokenPipeError, EOFError):
        pass
    c.close()

    # Telnet Synch before ABOR, inline (IAC IP IAC DM ABOR).
    c = Ctl(server.port).login()
    c.send(b"\xff\xf4\xff\xf2ABOR\r\n")
    code, text = c.reply()
    assert code in (225, 226), text
    assert c.cmd("NOOP")[0] == 200
    c.close()

    assert_alive(server)


# --- §4 traversal ---------------------------------------------------------------

ESCAPES = [
    "../../canary", "../canary", "/../canary", "/../../canary", "..\\..\\canary", "..\\canary",
    "%2e%2e/canary", "%2e%2e%2fcanary", "//etc/passwd", "/etc/passwd", "~root", "~root/.bashrc",
    "d/../../canary", "d/../../x", "./../canary", "...//canary", "\xc0\xae\xc0\xae/canary",
    "\xc0\xae\xc0\xae/\xc0\xae\xc0\xae/canary", "../r2/f", "/../r2/f", "../../r2/f",
    "../" * 1300 + "canary", "a" * 4080, "d/" * 2000 + "canary",
]
ROOTISH = ["/../..", "..", "../..", "\xc0\xae\xc0\xae", "d/../.."]


def test_traversal_corpus_never_reaches_outside(jail, serve):
    server = serve(jail / "r")
    c = Ctl(server.port).login()
    for path in ESCAPES:
        for verb in ("SIZE", "MDTM", "CWD", "MLST", "STAT"):
            code, text = c.cmd(f"{verb} {path}")
            assert code >= 500, (verb, path[:60], text[:300])
            assert "canary" not in text.replace(path, "") or code >= 500
            assert str(len(CANARY)) not in text or code >= 500
        for verb in ("RETR", "LIST", "NLST", "MLSD"):
            first, data, final = transfer(c, f"{verb} {path}")
            assert first[0] >= 500, (verb, path[:60], first)
        assert c.cmd("PWD")[1].startswith('257 "/"'), path
    for path in ROOTISH:
        # These name the root itself (".." stops there) or a missing name.
        first, data, final = transfer(c, f"LIST {path}")
        if first[0] == 150:
            assert b"inside.txt" in data and b"canary" not in data and b"r2" not in data
            assert final[0] == 226
        else:
            assert first[0] >= 500, first
        code, text = c.cmd(f"CWD {path}")
        if code == 250:
            code, text = c.cmd("PWD")
            assert text.startswith('257 "/"'), text
            first, data, final = transfer(c, "NLST")
            assert sorted(data.split()) == [b"d", b"inside.txt"]
        else:
            assert code >= 500
        c.cmd("CWD /")
    c.cmd("NOOP")
    c.close()
    assert_canary_intact(jail)
    assert_alive(server)


def test_sibling_prefix_directory_is_outside(jail, serve):
    server = serve(jail / "r")
    c = Ctl(server.port).login()
    for path in ["/../r2/f", "../r2/f", "/../r2", "../r2"]:
        first, data, _ = transfer(c, f"RETR {path}")
        assert first[0] == 550, (path, first)
        assert c.cmd(f"CWD {path}")[0] == 550
    c.close()
    assert_canary_intact(jail)


def test_write_commands_cannot_escape(jail, serve):
    (jail / "r").chmod(0o777)
    (jail / "r" / "d").chmod(0o777)
    server = serve(jail / "r", "--write")
    c = Ctl(server.port).login()
    for path in ESCAPES + ROOTISH:
        for verb in ("DELE", "RMD", "RNFR"):
            code, text = c.cmd(f"{verb} {path}")
            assert code >= 500, (verb, path[:60], text)
        code, text = c.cmd(f"MKD {path}")
        assert code >= 500 or code == 257, (path[:60], text)
        port = c.pasv()
        code, text = c.cmd(f"STOR {path}")
        if code == 150:
            with data_connect(port) as d:
                d.sendall(b"uploaded\n")
            assert c.reply()[0] == 226
        else:
            assert code >= 500, (path[:60], text)
    c.close()
    assert_canary_intact(jail)
    # Whatever was created stayed inside the root.
    for p in (jail / "r").rglob("*"):
        assert jail / "r" in p.parents


# --- §4.2 symlinks ------------------------------------------------------------


def test_symlinks_leading_outside_are_refused(jail, serve):
    root = jail / "r"
    (root / "sub").mkdir()
    (root / "sub").chmod(0o755)
    (root / "sub" / "in.txt").write_bytes(INSIDE)
    (root / "sub" / "in.txt").chmod(0o644)
    os.symlink("/etc/passwd", root / "abs_passwd")
    os.symlink(str(jail / "canary"), root / "abs_canary")
    os.symlink("../canary", root / "rel_canary")
    os.symlink("../../../../../../../../etc/passwd", root / "rel_passwd")
    os.symlink("..", root / "up")
    os.symlink("/etc", root / "etc_dir")
    os.symlink(str(jail), root / "abs_up")
    os.symlink("/nonexistent/zz", root / "dangling")
    os.symlink("rel_canary", root / "chain")
    os.symlink("inside.txt", root / "good_link")
    os.symlink("sub", root / "good_dir")
    passwd = pathlib.Path("/etc/passwd").read_bytes()
    server = serve(root)
    c = Ctl(server.port).login()
    assert c.cmd("TYPE I")[0] == 200
    bad_files = ["abs_passwd", "abs_canary", "rel_canary", "rel_passwd", "up/canary",
                 "etc_dir/passwd", "abs_up/canary", "abs_up/r2/f", "dangling", "chain",
                 "d/../up/canary", "good_dir/../up/canary"]
    for name in bad_files:
        first, data, _ = transfer(c, f"RETR {name}")
        assert first[0] == 550, (name, first)
        for verb in ("SIZE", "MDTM"):
            code, text = c.cmd(f"{verb} {name}")
            assert code == 550, (verb, name, text)
    for name in ["up", "etc_dir", "abs_up", "dangling", "up/r2", "abs_up/r"]:
        code, text = c.cmd(f"CWD {name}")
        assert code == 550, (name, text)
        for verb in ("LIST", "NLST", "MLSD"):
            first, data, _ = transfer(c, f"{verb} {name}")
            assert first[0] == 550, (verb, name, first)
        code, text = c.cmd(f"STAT {name}")
        assert code == 550 and "canary" not in text and "passwd" not in text, (name, text)
        assert c.cmd(f"MLST {name}/canary")[0] == 550
    # Links that stay inside work.
    first, data, final = transfer(c, "RETR good_link")
    assert first[0] == 150 and data == INSIDE and final[0] == 226
    assert c.cmd("CWD good_dir")[0] == 250
    first, data, final = transfer(c, "RETR in.txt")
    assert data == INSIDE
    c.cmd("CWD /")
    # The root listing shows the links but never what is behind them.
    first, data, final = transfer(c, "LIST")
    assert first[0] == 150 and final[0] == 226
    assert CANARY.strip() not in data and passwd[:20] not in data
    c.close()
    assert_canary_intact(jail)


# --- §1.3 port stealing -------------------------------------------------------


def test_pasv_port_thief_gets_nothing_and_the_download_survives(tree, serve):
    payload = os.urandom(4 << 20)
    (tree / "big.bin").write_bytes(payload)
    (tree / "big.bin").chmod(0o644)
    server = serve(tree)
    c = Ctl(server.port).login()
    c.cmd("TYPE I")
    port = c.pasv()
    thief = data_connect(port, source="127.0.0.2")
    c.send(b"RETR big.bin\r\n")
    stolen = b""
    try:
        stolen = recv_all(thief, timeout=5)
    except ConnectionResetError:
        pass
    thief.close()
    assert stolen == b""
    with data_connect(port) as d:
        code, text = c.reply()
        assert code == 150, text
        got = recv_all(d)
    assert c.reply()[0] == 226
    assert hashlib.sha256(got).digest() == hashlib.sha256(payload).digest()
    assert "port stealing" in server.log()
    c.close()


def test_pasv_port_thief_cannot_inject_an_upload(writable_tree, serve):
    server = serve(writable_tree, "--write")
    c = Ctl(server.port).login()
    c.cmd("TYPE I")
    port = c.pasv()
    thief = data_connect(port, source="127.0.0.2")
    thief.sendall(b"EVIL" * 4096)
    c.send(b"STOR up.bin\r\n")
    try:
        assert recv_all(thief, timeout=5) == b""
    except ConnectionResetError:
        pass
    thief.close()
    mine = os.urandom(1 << 20)
    with data_connect(port) as d:
        code, text = c.reply()
        assert code == 150, text
        d.sendall(mine)
    code, text = c.reply()
    assert code == 226, text
    assert (writable_tree / "up.bin").read_bytes() == mine
    c.close()


def test_pasv_ports_are_unpredictable_and_one_listener_per_session(tree, serve):
    server = serve(tree)
    c = Ctl(server.port).login()
    ports = []
    for _ in range(50):
        port = c.pasv()
        if ports and ports[-1] != port:
            # The previous listener is gone as soon as a new PASV comes.
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", ports[-1]), timeout=5).close()
        ports.append(port)
    diffs = [b - a for a, b in zip(ports, ports[1:])]
    assert len(set(ports)) > 40
    assert not all(d == diffs[0] for d in diffs), ports
    assert sum(1 for d in diffs if abs(d) <= 2) < 10, ports
    assert c.cmd("NOOP")[0] == 200
    c.close()


# --- §4.6 listing injection, §10.2 quoting ------------------------------------


def test_names_with_line_breaks_cannot_inject_lines_or_replies(tree, serve):
    for name in (b"x\r\n226 fake", b"y\n", b"226 z", b"-rw-r--r-- 1 a a 0 Jan 1 fake"):
        fd = os.open(os.path.join(os.fsencode(tree), name), os.O_CREAT | os.O_WRONLY, 0o644)
        os.close(fd)
    (tree / "plain").write_bytes(b"p")
    (tree / "plain").chmod(0o644)
    entries = 5
    server = serve(tree)
    c = Ctl(server.port).login()
    for verb in ("LIST", "NLST", "MLSD"):
        first, data, final = transfer(c, verb)
        assert first[0] == 150 and final[0] == 226, (verb, first, final)
        assert data.count(b"\n") == entries, (verb, data)
        assert data.count(b"\r") == entries, (verb, data)
        assert all(line.endswith(b"\r") for line in data.split(b"\n")[:-1]), (verb, data)
    c.send(b"STAT /\r\n")
    code, text = c.reply()
    assert code == 213, text
    lines = text.split("\r\n")[:-1]
    assert len(lines) == entries + 2, text
    for inner in lines[1:-1]:
        assert not re.match(r"\d{3}[ -]", inner), text
    # No unsolicited reply follows the STAT one.
    assert c.cmd("NOOP") == (200, "200 NOOP ok.\r\n")
    c.close()


def test_mkd_with_a_quote_is_quoted_by_doubling(writable_tree, serve):
    server = serve(writable_tree, "--write")
    c = Ctl(server.port).login()
    code, text = c.cmd('MKD a"b')
    assert text == '257 "/a""b" created.\r\n'
    assert (writable_tree / 'a"b').is_dir()
    assert c.cmd('CWD a"b')[0] == 250
    assert c.cmd("PWD")[1].startswith('257 "/a""b"')
    c.close()


# --- §8 backdoor probes ---------------------------------------------------------


def test_backdoor_probes_get_plain_errors(tree, serve):
    server = serve(tree)
    c = Ctl(server.port)
    assert c.cmd("USER X:)")[0] == 331
    assert c.cmd("PASS X")[0] == 530
    time.sleep(0.3)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", 6200), timeout=3).close()
    code, text = c.cmd("HELP ACIDBITCHEZ")
    assert code in (214, 501), text
    assert c.cmd("SITE EXEC /bin/sh")[0] == 530
    c.close()
    c = Ctl(server.port).login()
    assert c.cmd("SITE EXEC /bin/sh -c id")[0] == 502
    assert c.cmd("SITE exec id")[0] == 502
    code, text = c.cmd("HELP ACIDBITCHEZ")
    assert code in (214, 501) and "uid=" not in text
    assert c.cmd("NOOP")[0] == 200
    c.close()


# --- §5.5 brute force and enumeration -----------------------------------------


def make_users(home, accounts, directory=None):
    if directory is None:
        directory = pathlib.Path(tempfile.mkdtemp(prefix="portico-users-", dir="/tmp"))
        CREATED.append(directory)
    directory.chmod(0o755)
    text = ""
    for name, password in accounts.items():
        h = subprocess.run([PORTICO, "passwd"], input=password + "\n", capture_output=True,
                           text=True, timeout=30)
        assert h.returncode == 0, h.stderr
        text += f'[users.{name}]\npassword = "{h.stdout.strip()}"\nhome = "{home}"\n\n'
    path = directory / "users.toml"
    path.write_text(text)
    path.chmod(0o644)
    return path


def test_user_enumeration_and_login_failures(tree, serve):
    users = make_users(tree, {"alice": "pw"})
    server = serve(tree, "--users", users)
    c = Ctl(server.port)
    valid = c.cmd("USER alice")
    c.cmd("PASS wrong-and-slow")
    c.close()
    c = Ctl(server.port)
    invalid = c.cmd("USER nosuchuser")
    assert valid == invalid == (331, "331 Please specify the password.\r\n")
    t0 = time.monotonic()
    code, text = c.cmd("PASS pw")
    assert time.monotonic() - t0 >= 0.9
    assert (code, text) == (530, "530 Login incorrect.\r\n")
    c.cmd("USER alice")
    t0 = time.monotonic()
    assert c.cmd("PASS wrong") == (530, "530 Login incorrect.\r\n")
    assert time.monotonic() - t0 >= 0.9
    c.cmd("USER anonymous")
    code, text = c.cmd("PASS x")  # anonymous is off when a users file is given
    assert code == 530 and "closing" in text, text
    assert c.closed_within(3)
    c.close()
    c = Ctl(server.port).login("alice", "pw")
    c.close()


def test_login_failure_limit_from_the_config(tree, serve):
    users = make_users(tree, {"alice": "pw"})
    conf = users.parent / "portico.toml"
    conf.write_text('[limits]\nlogin_failure_delay = "200ms"\nmax_login_failures = 2\n')
    conf.chmod(0o644)
    server = serve(tree, "--users", users, "--config", conf)
    c = Ctl(server.port)
    c.cmd("USER alice")
    t0 = time.monotonic()
    assert c.cmd("PASS bad") == (530, "530 Login incorrect.\r\n")
    assert 0.18 <= time.monotonic() - t0 < 0.9
    c.cmd("USER bob")
    code, text = c.cmd("PASS bad")
    assert code == 530 and "too many failures" in text
    assert c.closed_within(3)
    c.close()
    assert_alive(server)
    c = Ctl(server.port).login("alice", "pw")
    c.close()


def test_failed_data_connections_get_425_and_the_server_lives_on(tree, serve):
    """Every way establishing the data connection can fail ends in 425 (or
    426 for ABOR), never in a crash: this path once freed a reply twice."""
    (tree / "f").write_bytes(b"data\n")
    (tree / "f").chmod(0o644)
    server = serve(tree)
    c = Ctl(server.port).login()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    p = closed.getsockname()[1]
    closed.close()  # nothing listens on p now
    for _ in range(3):
        assert c.cmd(f"PORT 127,0,0,1,{p // 256},{p % 256}")[0] == 200
        code, text = c.cmd("RETR f")
        assert code == 425 and "connection refused" in text, text
        assert c.cmd("NOOP")[0] == 200
    c.close()
    assert_alive(server)
