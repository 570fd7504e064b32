"""Shared fixtures for the cross-process tests: a real `portico serve` process
on ports the kernel picks, and temporary trees it may serve.

When the tests run as root (as CI does), portico drops to the user `nobody`
after binding, as it would in production, so served trees are made readable
(or writable) for everyone."""

import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PORTICO = os.environ.get("PORTICO_BIN") or str(REPO / "build" / "dev" / "src" / "cli" / "portico")


def free_port_range(count):
    """`count` consecutive ports free right now on loopback, for a passive range
    (tests never assume a fixed port is free). Starts at a random place so
    that parallel suites do not race for the same range."""
    import random
    import socket
    start = random.randrange(20000, 60000)
    for base in list(range(start, 60000, 37)) + list(range(20000, start, 37)):
        socks = []
        try:
            for p in range(base, base + count):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                socks.append(s)
            return base, base + count - 1
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise AssertionError(f"no {count} free consecutive ports")


def make_tree(writable=False):
    """A fresh directory under /tmp that the unprivileged server user can use."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="portico-test-", dir="/tmp"))
    path.chmod(0o777 if writable else 0o755)
    return path


class Server:
    """A running `portico serve`, with the ports it printed."""

    def __init__(self, proc, stdout_lines, log_path):
        self.proc = proc
        self.banner = "\n".join(stdout_lines)
        self.log_path = log_path
        self.port = self._port(r"ftp://127\.0\.0\.1:(\d+)/")
        self.port6 = self._port(r"ftp://\[::1\]:(\d+)/")
        self.host = "127.0.0.1"

    def _port(self, pattern):
        m = re.search(pattern, self.banner)
        return int(m.group(1)) if m else None

    def url(self, path="", v6=False):
        if v6:
            return f"ftp://[::1]:{self.port6}/{path}"
        return f"ftp://127.0.0.1:{self.port}/{path}"

    def log(self):
        return pathlib.Path(self.log_path).read_text(errors="replace")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_server(root, *args, listen=("127.0.0.1:0", "[::1]:0"), log_level="debug",
                 expect_failure=False, timeout=15, cwd=None):
    """Starts portico and waits for its "Stop with Ctrl-C." line. With
    expect_failure, waits for it to exit and returns (returncode, stderr)."""
    log = tempfile.NamedTemporaryFile(prefix="portico-log-", suffix=".txt", delete=False)
    cmd = [PORTICO, "serve"]
    if root is not None:
        cmd.append(str(root))
    for address in listen:
        cmd += ["--listen", address]
    if log_level:
        cmd += ["--log-level", log_level]
    cmd += [str(a) for a in args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True,
                            stdin=subprocess.DEVNULL, cwd=cwd)
    if expect_failure:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"portico did not exit: {cmd}")
        return proc.returncode, pathlib.Path(log.name).read_text(errors="replace")
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Stop with Ctrl-C."):
            return Server(proc, lines, log.name)
    proc.kill()
    proc.wait()
    raise AssertionError("portico did not start:\n" + "\n".join(lines) + "\n" +
                         pathlib.Path(log.name).read_text(errors="replace"))


@pytest.fixture
def tree():
    """A read-only tree (for the server user) with a few files."""
    path = make_tree()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def writable_tree():
    path = make_tree(writable=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def serve():
    """serve(root, *flags, **kw) -> Server; every server is stopped at the end."""
    started = []

    def _serve(root, *args, **kwargs):
        s = start_server(root, *args, **kwargs)
        started.append(s)
        return s

    yield _serve
    for s in started:
        s.stop()
