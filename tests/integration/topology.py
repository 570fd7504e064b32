"""Real network topologies for the cross-process tests: Linux network
namespaces joined by veth pairs (and bridges), with routes and nftables
rulesets, so that portico runs behind a real NAT, a real firewall or a real
load balancer and real clients talk to it from other "hosts".

Only RFC 1918 addresses (LANs) and the documentation ranges 192.0.2.0/24,
198.51.100.0/24 and 203.0.113.0/24 (the "internet") are ever used, and only
inside the namespaces. Every namespace is named pt-<role>-<pid>-<random>, so
suites can run in parallel, and is deleted again (with every process started
in it) by Topology.close(), which the `topo` fixture always calls; an atexit
hook catches what an interrupted run leaves.

Typical use:

    def test_x(topo, payload):
        server = topo.host("srv")
        client = topo.host("cli")
        topo.link(client, "eth0", "203.0.113.7/24", server, "eth0", "203.0.113.5/24")
        srv = start_portico(server, payload.root, listen="203.0.113.5:21")
        r = client.run(["curl", "-sS", "ftp://203.0.113.5/f"])
"""

import atexit
import hashlib
import json
import os
import pathlib
import queue
import re
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import textwrap
import threading
import time

import pytest

from conftest import PORTICO, make_tree

IP = shutil.which("ip") or "/usr/sbin/ip"
NFT = shutil.which("nft") or "/usr/sbin/nft"
PYTHON = "/usr/bin/python3"
HAPROXY = "/usr/sbin/haproxy"


def _missing_requirement():
    if os.geteuid() != 0:
        return "network-namespace topologies need root (CI runs them as root)"
    for tool in ("ip", "nft"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            return f"`{tool}` is missing: run scripts/install-deps.sh (iproute2, nftables)"
    return None


# Every topology test module sets `pytestmark = topology.requirements`.
requirements = pytest.mark.skipif(_missing_requirement() is not None,
                                  reason=_missing_requirement() or "")

# Namespaces alive in this process, deleted at exit if a finalizer never ran.
_LIVE = {}


def _delete_all_at_exit():
    for ns in list(_LIVE.values()):
        ns.close()


atexit.register(_delete_all_at_exit)


class Result:
    """A finished command: return code, output and how long it took."""

    def __init__(self, cmd, rc, out, err, elapsed):
        self.cmd, self.rc, self.out, self.err, self.elapsed = cmd, rc, out, err, elapsed

    def json(self):
        """The last stdout line parsed as JSON (what Namespace.python's
        emit() prints)."""
        lines = [l for l in self.out.splitlines() if l.strip()]
        assert lines, f"no output from {self.cmd}\nstderr:\n{self.err}"
        return json.loads(lines[-1])

    def __repr__(self):
        return (f"Result(rc={self.rc}, elapsed={self.elapsed:.2f}s, cmd={self.cmd!r},\n"
                f"  out={self.out[-2000:]!r},\n  err={self.err[-2000:]!r})")


def _sh(cmd, check=True, input=None, timeout=30):
    p = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return p


# The helpers every Namespace.python() snippet can use: emit(obj) prints
# the result as JSON, login() opens an ftplib session, sha() hashes bytes.
PRELUDE = textwrap.dedent("""\
    import ftplib, hashlib, json, re, select, socket, sys, time
    def emit(obj):
        print(json.dumps(obj), flush=True)
    def sha(data):
        return hashlib.sha256(data).hexdigest()
    def login(host, port=21, source=None, timeout=15):
        f = ftplib.FTP(timeout=timeout, source_address=(source, 0) if source else None)
        f.connect(host, port)
        f.login("anonymous", "guest@example.com")
        return f
    def pasv_endpoint(text):
        n = [int(x) for x in re.search(r"\\((\\d+(?:,\\d+){5})\\)", text).group(1).split(",")]
        return ".".join(map(str, n[:4])), n[4] * 256 + n[5]
    def recv_all(sock, timeout=30):
        sock.settimeout(timeout)
        out = bytearray()
        while True:
            chunk = sock.recv(1 << 16)
            if not chunk:
                return bytes(out)
            out += chunk
    def retr(f, name):
        out = bytearray()
        f.retrbinary("RETR " + name, out.extend)
        return bytes(out)
    """)


class Namespace:
    """One network namespace: a host, a router or a load balancer."""

    def __init__(self, role, ipv6=False):
        self.role = role
        self.name = f"pt-{role}-{os.getpid() % 100000}-{secrets.token_hex(2)}"
        self.procs = []
        self.tmpfiles = []  # logs and configs of what runs here, removed by close()
        self.closed = False
        _sh([IP, "netns", "add", self.name])
        _LIVE[self.name] = self
        self.ip("link", "set", "lo", "up")
        if not ipv6:
            r = self.run(["sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && "
                                      "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6"])
            if r.rc != 0:
                raise RuntimeError(f"cannot disable IPv6 in {self.name}: {r.err}")

    def __repr__(self):
        return f"<Namespace {self.name}>"

    # --- running things ---------------------------------------------------------

    def argv(self, cmd):
        return [IP, "netns", "exec", self.name] + [str(c) for c in cmd]

    def run(self, cmd, timeout=60, input=None, check=False):
        """Runs cmd in the namespace and waits: a Result with its elapsed time."""
        argv = self.argv(cmd)
        start = time.monotonic()
        try:
            p = subprocess.run(argv, input=input, capture_output=True, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else e.stdout
            err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr
            raise AssertionError(f"{cmd} in {self.name} did not finish in {timeout} s\n"
                                 f"out={out!r}\nerr={err!r}")
        r = Result(cmd, p.returncode, p.stdout, p.stderr, time.monotonic() - start)
        if check and r.rc != 0:
            raise AssertionError(f"command failed in {self.name}: {r!r}")
        return r

    def popen(self, cmd, **kwargs):
        """Starts cmd in the namespace in the background; killed by close()."""
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen(self.argv(cmd), **kwargs)
        self.procs.append(p)
        return p

    def python(self, code, *args, timeout=60, input=None):
        """Runs a Python snippet (with PRELUDE's helpers) in the namespace;
        sys.argv[1:] are args."""
        return self.run([PYTHON, "-c", PRELUDE + textwrap.dedent(code)] + list(args),
                        timeout=timeout, input=input)

    def python_popen(self, code, *args, **kwargs):
        """The background form of python(): pipes for stdin and stdout, line
        buffered, for snippets that talk to the test step by step."""
        kwargs.setdefault("stdin", subprocess.PIPE)
        kwargs.setdefault("stdout", subprocess.PIPE)
        kwargs.setdefault("stderr", subprocess.PIPE)
        return self.popen([PYTHON, "-u", "-c", PRELUDE + textwrap.dedent(code)] + list(args),
                          text=True, bufsize=1, **kwargs)

    @staticmethod
    def next_json(proc, timeout=20):
        """The next line a python_popen() snippet emit()s, parsed; fails
        after `timeout` seconds instead of blocking forever."""
        q = getattr(proc, "lines", None)
        if q is None:
            q = proc.lines = queue.Queue()

            def pump():
                for line in proc.stdout:
                    q.put(line)
                q.put(None)

            threading.Thread(target=pump, daemon=True).start()
        try:
            line = q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output from {proc.args[-1][:80]!r} within {timeout} s")
        if line is None:
            q.put(None)
            proc.wait(timeout=10)
            raise AssertionError(f"snippet ended (rc={proc.returncode}) without output; "
                                 f"stderr:\n{proc.stderr.read() if proc.stderr else ''}")
        return json.loads(line)

    # --- configuration ------------------------------------------------------------

    def ip(self, *args):
        _sh([IP, "-n", self.name] + [str(a) for a in args])

    def sysctl(self, key, value):
        path = "/proc/sys/" + key.replace(".", "/")
        r = self.run(["sh", "-c", f"echo {value} > {path}"])
        if r.rc != 0:
            raise RuntimeError(f"sysctl {key}={value} in {self.name}: {r.err}")

    def addr(self, ifname, cidr):
        self.ip("addr", "add", cidr, "dev", ifname)

    def up(self, ifname):
        self.ip("link", "set", ifname, "up")

    def route(self, dest, via=None, dev=None):
        """route("default", via="10.0.0.1") or route("203.0.113.0/24", dev="eth0")
        (a directly reachable network on another subnet)."""
        args = ["route", "add", dest]
        if via:
            args += ["via", via]
        if dev:
            args += ["dev", dev]
        self.ip(*args)

    def bridge(self, name, cidr=None):
        self.ip("link", "add", name, "type", "bridge")
        if cidr:
            self.addr(name, cidr)
        self.up(name)

    def nft(self, ruleset):
        """Loads an nftables ruleset (or "add rule ..." lines) with `nft -f -`."""
        r = self.run([NFT, "-f", "-"], input=textwrap.dedent(ruleset))
        if r.rc != 0:
            raise RuntimeError(f"nft in {self.name} failed: {r.err}\n{ruleset}")

    def ruleset(self):
        return self.run([NFT, "list", "ruleset"]).out

    @property
    def etc_dir(self):
        return pathlib.Path("/etc/netns") / self.name

    def write_etc(self, name, text):
        """Writes /etc/netns/<ns>/<name>, which `ip netns exec` bind-mounts
        over /etc/<name> for every process started afterwards. An existing
        file is rewritten in place (same inode), so that the bind mounts of
        running processes see the change."""
        self.etc_dir.mkdir(parents=True, exist_ok=True)
        self.etc_dir.chmod(0o755)
        path = self.etc_dir / name
        with open(path, "r+" if path.exists() else "w") as f:
            f.seek(0)
            f.write(text)
            f.truncate()
        path.chmod(0o644)

    def wait_listening(self, port, timeout=10):
        """Waits until something listens on TCP `port` in this namespace."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.run(["ss", "-Hltn", f"sport = :{port}"]).out.strip():
                return
            time.sleep(0.05)
        raise AssertionError(f"nothing listens on port {port} in {self.name}")

    def tcp_reachable(self, host, port, timeout=3):
        """A TCP connect probe (there is no ping): True if it connects."""
        r = self.python("""
            try:
                socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3])).close()
                emit(True)
            except OSError:
                emit(False)
            """, host, port, timeout, timeout=timeout + 10)
        return r.json()

    # --- teardown -------------------------------------------------------------------

    def close(self):
        if self.closed:
            return
        self.closed = True
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            for stream in (p.stdin, p.stdout, p.stderr):
                if stream:
                    try:
                        stream.close()
                    except OSError:
                        pass
        # Anything still in the namespace was started by us (through one of
        # the processes above): end it by its pid.
        pids = _sh([IP, "netns", "pids", self.name], check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        _sh([IP, "netns", "delete", self.name], check=False)
        shutil.rmtree(self.etc_dir, ignore_errors=True)
        for path in self.tmpfiles:
            try:
                os.unlink(path)
            except OSError:
                pass
        _LIVE.pop(self.name, None)


class Router(Namespace):
    """A namespace that forwards, with a NAT/filter ruleset built from
    masquerade(), dnat() and forward_filter(), loaded by apply()."""

    def __init__(self, role="rtr", ipv6=False):
        super().__init__(role, ipv6=ipv6)
        self.sysctl("net.ipv4.ip_forward", 1)
        self.prerouting = []
        self.postrouting = []
        self.forward = []
        self.forward_policy = "accept"

    def masquerade(self, oif, saddr=None):
        """Source NAT to oif's address for traffic leaving through oif (a home
        router). No FTP helper: PORT/PASV payloads are not rewritten."""
        match = f"ip saddr {saddr} " if saddr else ""
        self.postrouting.append(f'oifname "{oif}" {match}masquerade')

    def dnat(self, iif, ports, to, to_port=None, daddr=None, proto="tcp"):
        """Destination NAT (a port forward): `ports` is 21, "50000-50010" or
        6970; to_port None keeps the port."""
        match = f"ip daddr {daddr} " if daddr else ""
        target = f"{to}:{to_port}" if to_port else to
        self.prerouting.append(f'iifname "{iif}" {match}{proto} dport {ports} dnat to {target}')

    port_forward = dnat

    def forward_filter(self, rule, policy=None):
        """Adds a rule to the forward chain (e.g. 'ct state established accept');
        policy "drop" makes it a firewall."""
        self.forward.append(rule)
        if policy:
            self.forward_policy = policy

    def apply(self):
        def rules(lines):
            return "\n".join("        " + l for l in lines)

        self.nft(f"""
            flush ruleset
            table ip nat {{
                chain prerouting {{
                    type nat hook prerouting priority dstnat; policy accept;
            {rules(self.prerouting)}
                }}
                chain postrouting {{
                    type nat hook postrouting priority srcnat; policy accept;
            {rules(self.postrouting)}
                }}
            }}
            table ip filter {{
                chain forward {{
                    type filter hook forward priority filter; policy {self.forward_policy};
            {rules(self.forward)}
                }}
            }}
            """)


def input_firewall(ns, tcp_ports=(21,)):
    """A host firewall in ns: input policy drop except loopback, established
    and related connections and the given TCP ports. There is no FTP helper
    (`ct helper`), so nothing about PASV replies opens anything."""
    ports = ", ".join(str(p) for p in tcp_ports)
    ns.nft(f"""
        table inet fw {{
            chain input {{
                type filter hook input priority filter; policy drop;
                iif "lo" accept
                ct state established,related accept
                tcp dport {{ {ports} }} accept
            }}
        }}
        """)


def open_ports(ns, ports):
    """Adds 'tcp dport PORTS accept' to input_firewall's chain."""
    ns.nft(f"add rule inet fw input tcp dport {ports} accept\n")


class Topology:
    """The namespaces of one test; close() deletes them all."""

    def __init__(self):
        self.namespaces = []
        self.tmp = []

    def host(self, role, ipv6=False):
        ns = Namespace(role, ipv6=ipv6)
        self.namespaces.append(ns)
        return ns

    def router(self, role="rtr"):
        r = Router(role)
        self.namespaces.append(r)
        return r

    def link(self, a, a_if, a_cidr, b, b_if, b_cidr, a_master=None, b_master=None):
        """A veth pair a:a_if <-> b:b_if, made inside the namespaces (so the
        names never collide with a parallel suite), addressed and up. A
        master puts that end into a bridge (then its cidr is usually None)."""
        _sh([IP, "-n", a.name, "link", "add", a_if, "type", "veth", "peer", "name", b_if,
             "netns", b.name])
        for ns, ifname, cidr, master in ((a, a_if, a_cidr, a_master), (b, b_if, b_cidr, b_master)):
            if master:
                ns.ip("link", "set", ifname, "master", master)
            if cidr:
                ns.addr(ifname, cidr)
            ns.up(ifname)

    def tempdir(self):
        d = make_tree(writable=True)
        self.tmp.append(d)
        return d

    def close(self):
        """Deletes every namespace (and the processes in it); asserts that
        `ip netns list` no longer shows any of them."""
        for ns in reversed(self.namespaces):
            ns.close()
        for d in self.tmp:
            shutil.rmtree(d, ignore_errors=True)
        listed = _sh([IP, "netns", "list"], check=False).stdout.split()
        left = [ns.name for ns in self.namespaces if ns.name in listed]
        assert not left, f"namespaces left behind: {left}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


@pytest.fixture
def topo():
    """A Topology deleted at the end of the test, pass or fail."""
    with Topology() as t:
        yield t


# --- files to serve -------------------------------------------------------------------


class Payload:
    """A served tree holding `name` (size bytes of random data)."""

    def __init__(self, size=2 << 20, name="blob.bin", writable=False):
        self.root = make_tree(writable=writable)
        self.name = name
        self.data = os.urandom(size)
        self.sha = hashlib.sha256(self.data).hexdigest()
        path = self.root / name
        path.write_bytes(self.data)
        path.chmod(0o644)

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def payload():
    p = Payload()
    yield p
    p.remove()


def sha256_file(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


# --- portico in a namespace ---------------------------------------------------------------


class TopoServer:
    """A `portico serve` running in a namespace, its banner and its log."""

    def __init__(self, ns, proc, banner_lines, log_path, config_path):
        self.ns = ns
        self.proc = proc
        self.banner = "\n".join(banner_lines)
        self.log_path = log_path
        self.config_path = config_path

    def log(self):
        return pathlib.Path(self.log_path).read_text(errors="replace")

    def wait_log(self, pattern, timeout=10):
        """Waits until a log line matches the regex; returns the match."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.log(), re.M)
            if m or time.monotonic() > deadline:
                assert m, f"log never matched {pattern!r}:\n{self.log()[-4000:]}"
                return m
            time.sleep(0.05)

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


# Short timeouts for tests that wait for one to expire.
SHORT_TIMEOUTS = """
[timeouts]
data_accept = "3s"
data_connect = "3s"
"""


def start_portico(ns, root, *args, listen="0.0.0.0:21", config=None, log_level="debug",
                  timeout=15):
    """Starts `portico serve ROOT --listen LISTEN --log-level debug ARGS` in
    ns (as root: it drops to nobody after binding) and waits for its
    "Stop with Ctrl-C." line. config is TOML text for --config. The log
    (stderr) goes to a temp file: TopoServer.log()."""
    log = tempfile.NamedTemporaryFile(prefix="portico-topo-log-", suffix=".txt", delete=False)
    ns.tmpfiles.append(log.name)
    cmd = [PORTICO, "serve", str(root)]
    for address in ([listen] if isinstance(listen, str) else listen):
        cmd += ["--listen", address]
    if log_level:
        cmd += ["--log-level", log_level]
    config_path = None
    if config:
        cf = tempfile.NamedTemporaryFile("w", prefix="portico-topo-", suffix=".toml",
                                         delete=False)
        cf.write(textwrap.dedent(config))
        cf.close()
        os.chmod(cf.name, 0o644)
        ns.tmpfiles.append(cf.name)
        config_path = cf.name
        cmd += ["--config", config_path]
    cmd += [str(a) for a in args]
    proc = ns.popen(cmd, stdout=subprocess.PIPE, stderr=log, bufsize=0)
    fd = proc.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf += chunk
        lines = buf.decode(errors="replace").splitlines()
        if any(l.startswith("Stop with Ctrl-C.") for l in lines):
            # Keep reading whatever it prints later, so it never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in iter(lambda: os.read(fd, 65536), b"")],
                             daemon=True).start()
            return TopoServer(ns, proc, lines, log.name, config_path)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    raise AssertionError(f"portico did not start in {ns.name}: {' '.join(cmd)}\n" +
                         buf.decode(errors="replace") + "\n" +
                         pathlib.Path(log.name).read_text(errors="replace"))


# --- HAProxy ----------------------------------------------------------------------------------


def start_haproxy(ns, config_text, wait_ports=(), timeout=10):
    """Runs `haproxy -f CFG -db` (foreground, no daemon, no service) in ns
    and waits until it listens on wait_ports."""
    cf = tempfile.NamedTemporaryFile("w", prefix="portico-haproxy-", suffix=".cfg", delete=False)
    cf.write(textwrap.dedent(config_text))
    cf.close()
    log = tempfile.NamedTemporaryFile(prefix="portico-haproxy-log-", suffix=".txt", delete=False)
    ns.tmpfiles += [cf.name, log.name]
    proc = ns.popen([HAPROXY, "-f", cf.name, "-db"], stdout=log, stderr=subprocess.STDOUT)
    try:
        for port in wait_ports:
            ns.wait_listening(port, timeout=timeout)
    except AssertionError:
        raise AssertionError("haproxy did not start:\n" +
                             pathlib.Path(log.name).read_text(errors="replace"))
    proc.log_path = log.name
    return proc
