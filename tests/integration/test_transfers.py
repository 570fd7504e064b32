"""Real clients (curl, lftp, wget, Python's ftplib) move files through a real
`portico serve` in every data mode (PASV, EPSV, PORT, EPRT) over IPv4 and
IPv6, and every byte arrives: downloads and uploads of 0 B, 1 B, 3 MiB and
100+ MiB compared by SHA-256, resume both ways, ASCII mode, and the control
connection during a transfer (ABOR, STAT, NOOP, QUIT).

Each client's own trace (curl -v, lftp -d, wget -d, our ftplib subclass) is
checked for the data-mode command, so that a test of "EPRT" really used EPRT."""

import ftplib
import hashlib
import os
import pathlib
import shutil
import socket
import subprocess
import re
import tempfile
import time

import pytest

from conftest import make_tree, start_server

TIMEOUT = 60
MiB = 1 << 20
BIG_SIZE = 100 * MiB + 12345  # not a multiple of any buffer size

# (client, mode, v6) combinations each client supports.
#  curl: every mode on IPv4 (-P for active, --disable-epsv / --disable-eprt);
#        on IPv6 only the extended ones exist.
#  lftp: PASV/EPSV/PORT on IPv4 (it sends EPRT only on IPv6).
#  ftplib: all four on IPv4 (EPSV/EPRT by our subclass), EPSV/EPRT on IPv6.
#  wget: PASV/PORT on IPv4, EPSV/EPRT on IPv6 (it picks by family).
V4_ALL = [("PASV", False), ("EPSV", False), ("PORT", False), ("EPRT", False),
          ("EPSV", True), ("EPRT", True)]
MODES = {
    "curl": V4_ALL,
    "ftplib": V4_ALL,
    "lftp": [("PASV", False), ("EPSV", False), ("PORT", False), ("EPSV", True), ("EPRT", True)],
    "wget": [("PASV", False), ("PORT", False), ("EPSV", True), ("EPRT", True)],
}


def matrix(clients):
    out = []
    for c in clients:
        for mode, v6 in MODES[c]:
            out.append(pytest.param(c, mode, v6, id=f"{c}-{mode}-{'v6' if v6 else 'v4'}"))
    return out


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(MiB)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def write_random(path, size):
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 4 * MiB)
            f.write(os.urandom(n))
            left -= n
    os.chmod(path, 0o644)


def run(cmd, timeout=TIMEOUT, **kw):
    return subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)


class ModeFTP(ftplib.FTP):
    """ftplib that uses the data mode asked for, on either family, and keeps
    the commands it sent."""

    def __init__(self, mode, **kw):
        super().__init__(**kw)
        self.mode = mode
        self.sent = []
        self.set_pasv(mode in ("PASV", "EPSV"))

    def putcmd(self, line):
        self.sent.append(line.split(" ", 1)[0].upper())
        super().putcmd(line)

    def makepasv(self):
        if self.mode == "EPSV":
            host, port = ftplib.parse229(self.sendcmd("EPSV"), self.sock.getpeername())
            return host, port
        return super().makepasv()

    def makeport(self):
        if self.mode != "EPRT":
            return super().makeport()
        sock = socket.create_server(("", 0) if self.af == socket.AF_INET else ("::", 0),
                                    family=self.af, backlog=1)
        sock.settimeout(self.timeout)
        self.sendeprt(self.sock.getsockname()[0], sock.getsockname()[1])
        return sock


def ftp_connect(server, v6=False, mode="PASV", user=None, password=None):
    ftp = ModeFTP(mode, timeout=TIMEOUT)
    ftp.connect("::1" if v6 else server.host, server.port6 if v6 else server.port)
    if user:
        ftp.login(user, password)
    else:
        ftp.login()
    return ftp


def lftp_settings(mode):
    return {
        "PASV": "set ftp:passive-mode on; set ftp:prefer-epsv no",
        "EPSV": "set ftp:passive-mode on; set ftp:prefer-epsv yes",
        "PORT": "set ftp:passive-mode off",
        "EPRT": "set ftp:passive-mode off",
    }[mode]


def lftp(server, v6, script, timeout=TIMEOUT):
    host = f"[::1]:{server.port6}" if v6 else f"127.0.0.1:{server.port}"
    base = "set net:max-retries 1; set net:timeout 20; set cmd:fail-exit yes; "
    return run(["lftp", "-d", "-u", "anonymous,", "-e", base + script + "; bye", f"ftp://{host}"],
               timeout=timeout)


def curl_mode_args(mode, v6):
    active = "::1" if v6 else "127.0.0.1"
    return {
        "PASV": ["--disable-epsv"],
        "EPSV": [],
        "PORT": ["-P", active, "--disable-eprt"],
        "EPRT": ["-P", active],
    }[mode]


DATA_VERBS = {"PASV", "EPSV", "PORT", "EPRT"}


def sent_verbs(trace):
    """The commands a client sent, from its trace: curl -v ("> CMD"), lftp -d
    ("---> CMD"), wget -d ("--> CMD"), or ModeFTP's list."""
    if isinstance(trace, list):
        return trace
    if isinstance(trace, bytes):
        trace = trace.decode(errors="replace")
    verbs = []
    for line in trace.splitlines():
        for prefix in ("---> ", "--> ", "> "):
            if line.startswith(prefix):
                verbs.append(line[len(prefix):].split(" ", 1)[0].strip().upper())
                break
    return verbs


def assert_trace(trace, mode):
    """The client set up its data connections with `mode` only (no fallback)."""
    used = {v for v in sent_verbs(trace) if v in DATA_VERBS}
    assert used == {mode}, f"wanted {mode}, client sent {used}:\n{str(trace)[-3000:]}"


def download(client, mode, v6, server, name, dest):
    """Fetches /name into dest with the client; returns the client's trace."""
    dest = pathlib.Path(dest)
    if client == "curl":
        r = run(["curl", "-sS", "-v", "--max-time", str(TIMEOUT), *curl_mode_args(mode, v6),
                 "-o", str(dest), server.url(name, v6=v6)])
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        return r.stderr
    if client == "lftp":
        r = lftp(server, v6, f"{lftp_settings(mode)}; get '{name}' -o '{dest}'")
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        return r.stderr + r.stdout
    if client == "wget":
        args = ["--no-passive-ftp"] if mode in ("PORT", "EPRT") else []
        r = run(["wget", "-d", "-t", "1", "-T", "30", *args, "-O", str(dest),
                 server.url(name, v6=v6)])
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        return r.stderr
    ftp = ftp_connect(server, v6, mode)
    with open(dest, "wb") as f:
        resp = ftp.retrbinary(f"RETR {name}", f.write, blocksize=MiB)
    assert resp.startswith("226"), resp
    ftp.quit()
    return ftp.sent


def upload(client, mode, v6, server, src, name):
    """Stores src as /name with the client; returns the client's trace."""
    if client == "curl":
        r = run(["curl", "-sS", "-v", "--max-time", str(TIMEOUT), *curl_mode_args(mode, v6),
                 "-T", str(src), server.url(name, v6=v6)])
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        return r.stderr
    if client == "lftp":
        r = lftp(server, v6, f"{lftp_settings(mode)}; put '{src}' -o '{name}'")
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        return r.stderr + r.stdout
    ftp = ftp_connect(server, v6, mode)
    with open(src, "rb") as f:
        resp = ftp.storbinary(f"STOR {name}", f, blocksize=256 * 1024)
    assert resp.startswith("226"), resp
    ftp.quit()
    return ftp.sent


# ---------------------------------------------------------------- fixtures

SIZES = {"empty": 0, "one": 1, "3mib": 3 * MiB + 7}


@pytest.fixture(scope="module")
def files():
    """A read-only served tree with the test files, and a local scratch dir."""
    root = make_tree()
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="portico-client-"))
    info = {}
    for label, size in SIZES.items():
        write_random(root / f"{label}.bin", size)
        info[label] = sha256_file(root / f"{label}.bin")
    write_random(root / "big.bin", BIG_SIZE)
    info["big"] = sha256_file(root / "big.bin")
    (root / "lines.txt").write_bytes(b"x\ny\r\n")
    (root / "lines.txt").chmod(0o644)
    yield root, scratch, info
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="module")
def ro_server(files):
    s = start_server(files[0])
    yield s
    s.stop()


@pytest.fixture(scope="module")
def upload_root():
    root = make_tree(writable=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def rw_server(upload_root):
    s = start_server(upload_root, "--write")
    yield s
    s.stop()


@pytest.fixture
def local(files, request):
    d = files[1] / request.node.name.replace("/", "_").replace("[", "_").replace("]", "")
    d.mkdir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- downloads

@pytest.mark.parametrize("label", list(SIZES))
@pytest.mark.parametrize("client,mode,v6", matrix(["curl", "lftp", "ftplib", "wget"]))
def test_download_is_byte_exact(client, mode, v6, label, files, ro_server, local):
    dest = local / "got.bin"
    trace = download(client, mode, v6, ro_server, f"{label}.bin", dest)
    assert_trace(trace, mode)
    assert dest.stat().st_size == SIZES[label]
    assert sha256_file(dest) == files[2][label]


@pytest.mark.parametrize("client,mode,v6", [
    pytest.param("curl", "EPSV", False, id="curl-EPSV-v4"),
    pytest.param("lftp", "PORT", False, id="lftp-PORT-v4"),
    pytest.param("ftplib", "EPRT", True, id="ftplib-EPRT-v6"),
    pytest.param("wget", "EPSV", True, id="wget-EPSV-v6"),
])
def test_download_of_100_mib_is_byte_exact(client, mode, v6, files, ro_server, local):
    dest = local / "big.bin"
    trace = download(client, mode, v6, ro_server, "big.bin", dest)
    assert_trace(trace, mode)
    assert dest.stat().st_size == BIG_SIZE
    assert sha256_file(dest) == files[2]["big"]


def cached_bytes(path):
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


def drop_from_page_cache(path, ranges):
    """Evicts `ranges` ((offset, length) pairs, length 0: to the end) of a
    file from the page cache, and checks with fincore(1) that they are gone.
    (A probe read would bring them back: even RWF_NOWAIT starts readahead.)"""
    size = path.stat().st_size
    dropped = sum((length or size - offset) for offset, length in ranges)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)  # only clean pages can be dropped
        for _ in range(20):  # pages still in another CPU's LRU batch: retry
            before = cached_bytes(path)
            for offset, length in ranges:
                os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)
            if cached_bytes(path) <= min(before, size - dropped + 4096 * len(ranges)):
                return
            time.sleep(0.1)
        pytest.skip("this file system keeps the pages (posix_fadvise DONTNEED had no effect)")
    finally:
        os.close(fd)


def test_download_of_a_file_not_in_the_page_cache_is_byte_exact(files, ro_server, local):
    # sendfile runs on the I/O thread only over cached ranges; missing ones
    # (here the whole file, then holes in the middle) are read in on the
    # blocking pool first. Every byte must arrive either way.
    path = files[0] / "big.bin"
    for ranges in ([(0, 0)], [(9 << 20, 3 << 20), (40 << 20, 1 << 20), (BIG_SIZE - 4096, 0)]):
        warm = local / "warm.bin"  # every page cached first, then the holes
        download("curl", "EPSV", False, ro_server, "big.bin", warm)
        warm.unlink()
        drop_from_page_cache(path, ranges)
        dest = local / "cold.bin"
        trace = download("curl", "EPSV", False, ro_server, "big.bin", dest)
        assert_trace(trace, "EPSV")
        assert sha256_file(dest) == files[2]["big"]
        dest.unlink()


# ---------------------------------------------------------------- uploads

@pytest.mark.parametrize("label", list(SIZES))
@pytest.mark.parametrize("client,mode,v6", matrix(["curl", "lftp", "ftplib"]))
def test_upload_is_stored_byte_exact(client, mode, v6, label, files, rw_server, upload_root,
                                     request):
    name = f"up-{client}-{mode}-{int(v6)}-{label}.bin"
    trace = upload(client, mode, v6, rw_server, files[0] / f"{label}.bin", name)
    assert_trace(trace, mode)
    # The 226 was received: every byte must be on disk already.
    stored = upload_root / name
    assert stored.stat().st_size == SIZES[label]
    assert sha256_file(stored) == files[2][label]


@pytest.mark.parametrize("client,mode,v6", [
    pytest.param("curl", "EPRT", True, id="curl-EPRT-v6"),
    pytest.param("ftplib", "PASV", False, id="ftplib-PASV-v4"),
])
def test_upload_of_100_mib_is_stored_byte_exact(client, mode, v6, files, rw_server, upload_root):
    name = f"big-{client}.bin"
    trace = upload(client, mode, v6, rw_server, files[0] / "big.bin", name)
    assert_trace(trace, mode)
    stored = upload_root / name
    assert stored.stat().st_size == BIG_SIZE
    assert sha256_file(stored) == files[2]["big"]
    stored.unlink()


def test_upload_with_atomic_uploads_is_complete_at_226(files, writable_tree, serve):
    server = serve(writable_tree, "--write", "--atomic-uploads")
    ftp = ftp_connect(server, mode="EPSV")
    with open(files[0] / "3mib.bin", "rb") as f:
        assert ftp.storbinary("STOR atomic.bin", f).startswith("226")
    assert sha256_file(writable_tree / "atomic.bin") == files[2]["3mib"]
    # No hidden temporary file is left behind.
    assert [p.name for p in writable_tree.iterdir()] == ["atomic.bin"]
    ftp.quit()


# ---------------------------------------------------------------- resume

def partial_copy(src, dest, n):
    with open(src, "rb") as f:
        data = f.read(n)
    pathlib.Path(dest).write_bytes(data)


def test_curl_resumes_a_download(files, ro_server, local):
    dest = local / "3mib.bin"
    partial_copy(files[0] / "3mib.bin", dest, 1_000_003)
    r = run(["curl", "-sS", "-v", "-C", "-", "-o", str(dest), ro_server.url("3mib.bin")])
    assert r.returncode == 0, r.stderr
    assert b"REST 1000003" in r.stderr
    assert sha256_file(dest) == files[2]["3mib"]


def test_ftplib_resumes_a_download_with_rest(files, ro_server):
    ftp = ftp_connect(ro_server, v6=True, mode="EPSV")
    chunks = []
    resp = ftp.retrbinary("RETR 3mib.bin", chunks.append, rest=2 * MiB)
    assert resp.startswith("226")
    full = (files[0] / "3mib.bin").read_bytes()
    assert b"".join(chunks) == full[2 * MiB:]
    # REST applies to one transfer only: the next RETR starts at 0.
    chunks = []
    ftp.retrbinary("RETR 3mib.bin", chunks.append)
    assert b"".join(chunks) == full
    # REST past the end is refused, not answered with an empty file.
    with pytest.raises(ftplib.error_perm) as e:
        ftp.retrbinary("RETR 3mib.bin", chunks.append, rest=len(full) + 1)
    assert str(e.value).startswith("554")
    ftp.quit()


def test_lftp_resumes_a_download(files, ro_server, local):
    dest = local / "3mib.bin"
    partial_copy(files[0] / "3mib.bin", dest, 777_777)
    r = lftp(ro_server, False, f"{lftp_settings('EPSV')}; get -c 3mib.bin -o '{dest}'")
    assert r.returncode == 0, r.stderr
    assert b"REST 777777" in r.stderr
    assert sha256_file(dest) == files[2]["3mib"]


def test_wget_resumes_a_download(files, ro_server, local):
    dest = local / "3mib.bin"
    partial_copy(files[0] / "3mib.bin", dest, 123_456)
    r = run(["wget", "-d", "-t", "1", "-c", "-O", str(dest), ro_server.url("3mib.bin")],
            cwd=local)
    assert r.returncode == 0, r.stderr
    assert b"REST 123456" in r.stderr
    assert sha256_file(dest) == files[2]["3mib"]


def test_curl_resumes_an_upload(files, rw_server, upload_root):
    full = (files[0] / "3mib.bin").read_bytes()
    (upload_root / "resume-curl.bin").write_bytes(full[:1_500_001])
    (upload_root / "resume-curl.bin").chmod(0o666)
    r = run(["curl", "-sS", "-v", "-C", "-", "-T", str(files[0] / "3mib.bin"),
             rw_server.url("resume-curl.bin")])
    assert r.returncode == 0, r.stderr
    assert b"SIZE resume-curl.bin" in r.stderr
    assert sha256_file(upload_root / "resume-curl.bin") == files[2]["3mib"]


def test_ftplib_resumes_an_upload_with_rest_stor(files, rw_server, upload_root):
    full = (files[0] / "3mib.bin").read_bytes()
    ftp = ftp_connect(rw_server, mode="PORT")
    with open(files[0] / "3mib.bin", "rb") as f:
        f.seek(0)
        head = f.read(1_000_000)
    import io
    assert ftp.storbinary("STOR resume-py.bin", io.BytesIO(head)).startswith("226")
    assert (upload_root / "resume-py.bin").read_bytes() == head
    assert ftp.size("resume-py.bin") == 1_000_000
    resp = ftp.storbinary("STOR resume-py.bin", io.BytesIO(full[1_000_000:]), rest=1_000_000)
    assert resp.startswith("226")
    assert sha256_file(upload_root / "resume-py.bin") == files[2]["3mib"]
    ftp.quit()


# ---------------------------------------------------------------- ASCII mode

def test_ascii_upload_stores_unix_line_ends(rw_server, upload_root):
    import io
    ftp = ftp_connect(rw_server, mode="EPSV")
    ftp.sendcmd("TYPE A")  # storbinary would send TYPE I: do the STOR by hand
    with ftp.transfercmd("STOR ascii-up.txt") as conn:
        conn.sendall(b"a\r\nb\n")
    assert ftp.voidresp().startswith("226")
    assert (upload_root / "ascii-up.txt").read_bytes() == b"a\nb\n"
    # storlines sends TYPE A and CRLF lines.
    assert ftp.storlines("STOR ascii-lines.txt", io.BytesIO(b"one\ntwo\n")).startswith("226")
    assert (upload_root / "ascii-lines.txt").read_bytes() == b"one\ntwo\n"
    # Back in TYPE I the same bytes are kept as they are.
    ftp.sendcmd("TYPE I")
    assert ftp.storbinary("STOR binary-up.txt", io.BytesIO(b"a\r\nb\n")).startswith("226")
    assert (upload_root / "binary-up.txt").read_bytes() == b"a\r\nb\n"
    ftp.quit()


def test_ascii_download_sends_crlf(ro_server):
    ftp = ftp_connect(ro_server, mode="PASV")
    ftp.sendcmd("TYPE A")
    chunks = []
    with ftp.transfercmd("RETR lines.txt") as conn:
        while True:
            b = conn.recv(65536)
            if not b:
                break
            chunks.append(b)
    assert ftp.voidresp().startswith("226")
    assert b"".join(chunks) == b"x\r\ny\r\n"
    ftp.sendcmd("TYPE I")
    chunks = []
    ftp.retrbinary("RETR lines.txt", chunks.append)
    assert b"".join(chunks) == b"x\ny\r\n"
    ftp.quit()


def test_curl_use_ascii(ro_server, rw_server, upload_root, local):
    r = run(["curl", "-sS", "-v", "--use-ascii", ro_server.url("lines.txt")])
    assert r.returncode == 0, r.stderr
    assert b"TYPE A" in r.stderr
    # curl turns the CRLF it receives in TYPE A back into local (LF) line ends;
    # the bytes on the wire are checked with ftplib above.
    assert r.stdout == b"x\ny\n"
    src = local / "crlf.txt"
    # curl sends a local text file in TYPE A with every LF made CRLF (even one
    # already after a CR); the server must store local (LF) line ends again.
    src.write_bytes(b"a\nb\n")
    r = run(["curl", "-sS", "-v", "--use-ascii", "-T", str(src), rw_server.url("curl-ascii.txt")])
    assert r.returncode == 0, r.stderr
    assert (upload_root / "curl-ascii.txt").read_bytes() == b"a\nb\n"


# ------------------------------------------- the control connection during a transfer

def read_reply(sock_file):
    """Reads one (possibly multi-line) reply from a control file object."""
    line = sock_file.readline()
    assert line, "control connection closed"
    lines = [line]
    if line[3:4] == b"-":
        code = line[:3]
        while True:
            line = sock_file.readline()
            assert line, "control connection closed inside a multi-line reply"
            lines.append(line)
            if line[:3] == code and line[3:4] == b" ":
                break
    return b"".join(lines).decode("utf-8", errors="replace")


def start_big_download(server, mode="EPSV"):
    ftp = ftp_connect(server, mode=mode)
    ftp.voidcmd("TYPE I")
    conn = ftp.transfercmd("RETR big.bin")
    conn.settimeout(TIMEOUT)
    got = 0
    while got < 2 * MiB:
        b = conn.recv(256 * 1024)
        assert b
        got += len(b)
    return ftp, conn, got


def drain(conn):
    total = 0
    while True:
        b = conn.recv(MiB)
        if not b:
            return total
        total += len(b)


def after_abort_session_works(ftp, files):
    assert ftp.voidcmd("NOOP").startswith("200")
    chunks = []
    assert ftp.retrbinary("RETR 3mib.bin", chunks.append).startswith("226")
    assert hashlib.sha256(b"".join(chunks)).hexdigest() == files[2]["3mib"]
    ftp.quit()


def test_abor_with_ftplib_abort_gives_426_then_226(files, ro_server):
    ftp, conn, got = start_big_download(ro_server)
    first = ftp.abort()  # ABOR sent as urgent data
    assert first.startswith("426"), first
    second = ftp.getresp()
    assert second.startswith("226"), second
    # The data connection was closed by the server well before the end.
    conn.settimeout(10)
    try:
        rest = drain(conn)
    except (ConnectionResetError, socket.timeout):
        rest = 0
    assert got + rest < BIG_SIZE
    conn.close()
    after_abort_session_works(ftp, files)


def test_plain_abor_gives_426_then_226(files, ro_server):
    ftp, conn, got = start_big_download(ro_server, mode="PASV")
    ftp.sock.sendall(b"ABOR\r\n")  # no urgent data, no Telnet IP
    first = ftp.getmultiline()
    assert first.startswith("426"), first
    second = ftp.getmultiline()
    assert second.startswith("226"), second
    conn.close()
    after_abort_session_works(ftp, files)


def test_abor_with_telnet_ip_and_synch_gives_426_then_226(files, ro_server):
    ftp, conn, got = start_big_download(ro_server, mode="PORT")
    # RFC 959 §4.1.3: IAC IP, then IAC DM as urgent data (the Synch), then ABOR.
    ftp.sock.sendall(b"\xff\xf4\xff")
    ftp.sock.send(b"\xf2", socket.MSG_OOB)
    ftp.sock.sendall(b"ABOR\r\n")
    first = ftp.getmultiline()
    assert first.startswith("426"), first
    second = ftp.getmultiline()
    assert second.startswith("226"), second
    conn.close()
    after_abort_session_works(ftp, files)


def test_stat_and_noop_are_answered_during_a_download(files, ro_server):
    ftp, conn, got = start_big_download(ro_server)
    ftp.putcmd("STAT")
    status = ftp.getmultiline()
    assert status.startswith("211"), status
    assert "big.bin" in status
    m = re.search(r"(\d+) of (\d+) bytes", status)
    assert m, status
    assert int(m.group(2)) == BIG_SIZE
    # The count shows bytes already sent, but not the whole file (we stopped reading).
    assert got <= int(m.group(1)) < BIG_SIZE
    ftp.putcmd("NOOP")
    assert ftp.getmultiline().startswith("200")
    # The transfer still completes with every byte.
    total = got + drain(conn)
    conn.close()
    assert total == BIG_SIZE
    assert ftp.voidresp().startswith("226")
    status = ftp.sendcmd("STAT")
    assert "No transfer in progress" in status
    ftp.quit()


def test_quit_during_a_download_waits_for_its_end(files, ro_server):
    ftp, conn, got = start_big_download(ro_server, mode="EPRT")
    ftp.putcmd("QUIT")
    # While we do not read, the transfer cannot end, so nothing may be answered yet.
    ftp.sock.settimeout(1.0)
    with pytest.raises(socket.timeout):
        ftp.sock.recv(1, socket.MSG_PEEK)
    ftp.sock.settimeout(TIMEOUT)
    total = got + drain(conn)
    conn.close()
    assert total == BIG_SIZE
    assert ftp.getmultiline().startswith("226")
    assert ftp.getmultiline().startswith("221")
    assert ftp.sock.recv(1) == b""  # and then the server closes
    ftp.close()


def test_commands_during_a_download_are_answered_after_it_in_order(files, ro_server):
    ftp, conn, got = start_big_download(ro_server)
    ftp.putcmd("PWD")
    ftp.putcmd("TYPE A")
    total = got + drain(conn)
    conn.close()
    assert total == BIG_SIZE
    assert ftp.getmultiline().startswith("226")
    assert ftp.getmultiline().startswith("257")
    assert ftp.getmultiline().startswith("200")
    ftp.quit()


def test_abor_during_an_upload_gives_426_then_226(files, rw_server, upload_root):
    ftp = ftp_connect(rw_server, mode="EPSV")
    ftp.voidcmd("TYPE I")
    conn = ftp.transfercmd("STOR aborted-upload.bin")
    conn.sendall(os.urandom(MiB))
    ftp.sock.sendall(b"ABOR\r\n")
    first = ftp.getmultiline()
    assert first.startswith("426"), first
    second = ftp.getmultiline()
    assert second.startswith("226"), second
    conn.close()
    # The session goes on, and a new upload of the same name is complete.
    with open(files[0] / "3mib.bin", "rb") as f:
        assert ftp.storbinary("STOR aborted-upload.bin", f).startswith("226")
    assert sha256_file(upload_root / "aborted-upload.bin") == files[2]["3mib"]
    ftp.quit()


def test_lftp_resumes_an_upload(files, rw_server, upload_root):
    full = (files[0] / "3mib.bin").read_bytes()
    (upload_root / "resume-lftp.bin").write_bytes(full[:654_321])
    (upload_root / "resume-lftp.bin").chmod(0o666)
    r = lftp(rw_server, True, f"put -c '{files[0] / '3mib.bin'}' -o resume-lftp.bin")
    assert r.returncode == 0, r.stderr
    verbs = sent_verbs(r.stderr)
    assert "REST" in verbs or "APPE" in verbs, verbs
    assert sha256_file(upload_root / "resume-lftp.bin") == files[2]["3mib"]


def test_rest_stor_needs_the_append_permission(writable_tree, serve):
    from conftest import PORTICO
    hashed = subprocess.run([PORTICO, "passwd"], input="pw\n", capture_output=True, text=True,
                            timeout=30)
    assert hashed.returncode == 0, hashed.stderr
    users = writable_tree / "users.toml"
    users.write_text(f'[users.bob]\npassword = "{hashed.stdout.strip().splitlines()[-1]}"\n'
                     f'home = "{writable_tree}"\npermissions = ["list", "read", "write"]\n')
    users.chmod(0o644)
    server = serve(None, "--users", users)
    import io
    ftp = ftp_connect(server, mode="PASV", user="bob", password="pw")
    assert ftp.storbinary("STOR part.bin", io.BytesIO(b"12345")).startswith("226")
    with pytest.raises(ftplib.error_perm) as e:
        ftp.storbinary("STOR part.bin", io.BytesIO(b"678"), rest=5)
    assert str(e.value).startswith("550")
    assert (writable_tree / "part.bin").read_bytes() == b"12345"
    ftp.quit()
