"""What the harness needs from the machine: Debian packages, the benchmark
user, free ports, a cgroup per server (CPU time of every process it forks)
and the PSS of a server's processes."""

import contextlib
import json
import os
import pathlib
import platform
import pwd
import resource
import shutil
import socket
import subprocess
import time
import warnings

BENCH_USER = "ftpbench"
# Every server gets this password, and all but pyftpdlib (which compares plain
# text) get the same SHA-512-crypt hash of it.
BENCH_PASSWORD = "bench-Pa55word"

# Debian packages the peers need. vsftpd and pyftpdlib are installed as
# usual; ProFTPD and Pure-FTPd conflict with vsftpd (they all provide
# ftp-server), so they are unpacked into bench/.peers/ and only their shared
# libraries are installed. scripts/install-deps.sh lists the same packages.
APT_PACKAGES = ["vsftpd", "python3-pyftpdlib", "libhiredis0.14", "libmemcached11",
                "libmemcachedutil2", "libpcre2-posix3", "libsodium23", "libidn2-0",
                "libacl1", "libncursesw6", "libcap2", "libwrap0"]
UNPACKED_PACKAGES = ["proftpd-core", "pure-ftpd"]


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, **kw)


def dpkg_version(package):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", package],
                       capture_output=True, text=True)
    parts = r.stdout.split()
    if r.returncode != 0 or parts[:3] != ["install", "ok", "installed"]:
        return None
    return parts[3]


# --- installing the peers ------------------------------------------------------


@contextlib.contextmanager
def no_service_start():
    """Keeps apt from starting vsftpd on port 21 (policy-rc.d returning 101),
    without replacing a policy-rc.d the machine already has."""
    path = pathlib.Path("/usr/sbin/policy-rc.d")
    created = False
    if not path.exists():
        path.write_text("#!/bin/sh\n# portico bench: no service starts during apt-get install\nexit 101\n")
        path.chmod(0o755)
        created = True
    try:
        yield
    finally:
        if created:
            path.unlink()


def stop_system_vsftpd():
    """A vsftpd service that apt started (on a machine without policy-rc.d)
    listens on port 21 and would only add noise: stop it with its init script."""
    pidfile = pathlib.Path("/var/run/vsftpd/vsftpd.pid")
    init = pathlib.Path("/etc/init.d/vsftpd")
    if pidfile.exists() and init.exists():
        try:
            pid = int(pidfile.read_text().strip())
            os.kill(pid, 0)
        except (ValueError, OSError):
            return
        log("stopping the vsftpd service that apt started (port 21)")
        subprocess.run([str(init), "stop"], capture_output=True)


def apt_install(packages):
    missing = [p for p in packages if dpkg_version(p) is None]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"bench: packages missing and not root: {' '.join(missing)} "
                         "(run scripts/install-deps.sh)")
    log(f"apt-get install {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with no_service_start():
        r = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                           env=env, capture_output=True, text=True)
        if r.returncode != 0:
            run(["apt-get", "update", "-qq"], env=env)
            run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env,
                capture_output=True)
    stop_system_vsftpd()


def unpack_packages(packages, dest):
    """apt-get download + dpkg -x of each package into dest/root; returns
    {package: version}. Done once: the .deb files are kept in dest/debs."""
    debs = dest / "debs"
    root = dest / "root"
    debs.mkdir(parents=True, exist_ok=True)
    versions = {}
    for package in packages:
        found = sorted(debs.glob(f"{package}_*.deb"))
        if not found:
            log(f"apt-get download {package}")
            r = subprocess.run(["apt-get", "download", package], cwd=debs, capture_output=True,
                               text=True)
            if r.returncode != 0:
                subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
                run(["apt-get", "download", package], cwd=debs, capture_output=True)
            found = sorted(debs.glob(f"{package}_*.deb"))
        deb = found[-1]
        stamp = dest / f".unpacked-{deb.name}"
        if not stamp.exists():
            run(["dpkg", "-x", str(deb), str(root)])
            stamp.write_text("")
        versions[package] = deb.name.split("_")[1]
    return versions


def install_peers(peers_dir):
    apt_install(APT_PACKAGES)
    stop_system_vsftpd()
    return unpack_packages(UNPACKED_PACKAGES, peers_dir)


# --- the benchmark user ------------------------------------------------------------


def password_hash():
    """The one SHA-512-crypt hash every hash-checking server gets (5000 rounds,
    crypt's default). Made once per run."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt as c  # deprecated since 3.11, still in Debian 12's Python
        return c.crypt(BENCH_PASSWORD, c.mksalt(c.METHOD_SHA512))
    except ImportError:
        return run(["openssl", "passwd", "-6", "-stdin"], input=BENCH_PASSWORD,
                   capture_output=True).stdout.strip()


def ensure_user(home, hashed):
    """The system user every server logs in (vsftpd through PAM and shadow,
    the others map their virtual user onto its uid)."""
    try:
        pwd.getpwnam(BENCH_USER)
        run(["usermod", "-d", str(home), "-s", "/bin/sh", "-p", hashed, BENCH_USER])
    except KeyError:
        run(["useradd", "-M", "-d", str(home), "-s", "/bin/sh", "-p", hashed, BENCH_USER])
    entry = pwd.getpwnam(BENCH_USER)
    return entry.pw_uid, entry.pw_gid


def raise_fd_limit(n=65536):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(n, soft)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(want, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- ports -------------------------------------------------------------------------


def listening_ports():
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in pathlib.Path(name).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A":  # LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def port_free(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def allocate_ports(count, range_size, first_control=19000, first_passive=20000):
    """A control port and a passive range of range_size ports for each of
    count servers, below the kernel's ephemeral range (32768-60999) so that
    the load generator's own connections never take a passive port."""
    busy = listening_ports()
    controls = []
    port = first_control
    while len(controls) < count:
        if port not in busy and port_free(port):
            controls.append(port)
        port += 1
    ranges = []
    start = first_passive
    while len(ranges) < count:
        end = start + range_size - 1
        if not any(start <= p <= end for p in busy):
            ranges.append((start, end))
        start = end + 1
    if ranges[-1][1] >= 32768:
        raise SystemExit("bench: the passive ranges do not fit below 32768")
    return controls, ranges


# --- CPU time and memory per server ---------------------------------------------------


def _cgroup2_root():
    with contextlib.suppress(OSError):
        for line in pathlib.Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            if fields[2] == "cgroup2":
                return pathlib.Path(fields[1])
    return None


def _cgroup1_cpuacct():
    with contextlib.suppress(OSError):
        for line in pathlib.Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            if fields[2] == "cgroup" and "cpuacct" in fields[3].split(","):
                return pathlib.Path(fields[1])
    return None


class Accounting:
    """One cgroup per server, so that CPU time counts every process the server
    forks, reaped or alive. cgroup v2 (cpu.stat usage_usec) where a writable
    one is mounted, else v1 cpuacct (cpuacct.usage), else /proc sums of the
    server's process tree (which miss children not yet reaped)."""

    def __init__(self):
        self.kind = "proc"
        self.base = None
        for kind, root in (("cgroup2", _cgroup2_root()), ("cgroup1-cpuacct", _cgroup1_cpuacct())):
            if root is None or os.geteuid() != 0:
                continue
            base = root / "portico-bench"
            try:
                base.mkdir(exist_ok=True)
                probe = base / "probe"
                probe.mkdir(exist_ok=True)
                ok = (probe / ("cpu.stat" if kind == "cgroup2" else "cpuacct.usage")).exists()
                probe.rmdir()
            except OSError:
                continue
            if ok:
                self.kind, self.base = kind, base
                break

    def describe(self):
        if self.kind == "proc":
            return "no writable cgroup: CPU summed from /proc over the live process tree"
        return f"{self.kind} at {self.base}"

    def group(self, name):
        return ServerGroup(self, name)


class ServerGroup:
    def __init__(self, acct, name):
        self.acct = acct
        self.root_pid = None
        self.path = None
        if acct.base is not None:
            self.path = acct.base / name
            if self.path.exists():
                self._empty()
                with contextlib.suppress(OSError):
                    self.path.rmdir()
            self.path.mkdir(exist_ok=True)

    def _empty(self):
        """Moves any leftover process of an earlier run out of the group."""
        parent = self.path.parent.parent / "cgroup.procs"
        for pid in self.pids():
            with contextlib.suppress(OSError):
                parent.write_text(str(pid))

    def preexec(self):
        """For Popen(preexec_fn=...): joins the group before exec, so every
        process the server forks is counted too."""
        if self.path is None:
            return None
        procs = str(self.path / "cgroup.procs")

        def join():
            with open(procs, "w") as f:
                f.write(str(os.getpid()))
        return join

    def pids(self):
        if self.path is not None:
            with contextlib.suppress(OSError):
                return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
            return []
        return process_tree(self.root_pid) if self.root_pid else []

    def cpu_seconds(self):
        if self.acct.kind == "cgroup2":
            for line in (self.path / "cpu.stat").read_text().splitlines():
                key, value = line.split()
                if key == "usage_usec":
                    return int(value) / 1e6
        if self.acct.kind == "cgroup1-cpuacct":
            return int((self.path / "cpuacct.usage").read_text()) / 1e9
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in self.pids():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += sum(int(x) for x in fields[11:15]) / tick
        return total

    def kill(self):
        """SIGKILL to every process in the group (cgroup.kill where the kernel
        has it, else one by one). Returns False when the group has no list of
        its processes (the /proc fallback)."""
        if self.path is None:
            return False
        killer = self.path / "cgroup.kill"
        if killer.exists():
            with contextlib.suppress(OSError):
                killer.write_text("1")
                return True
        for pid in self.pids():
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        return True

    def remove(self):
        if self.path is not None:
            self._empty()
            for _ in range(50):
                try:
                    self.path.rmdir()
                    return
                except OSError:
                    time.sleep(0.1)


def process_tree(root):
    children = {}
    for d in pathlib.Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            ppid = int(pathlib.Path(d, "stat").read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def memory_of(pids):
    """PSS summed over the processes (from smaps_rollup), plus their page
    tables (VmPTE), which PSS does not count, and how many there were."""
    pss = pte = 0
    n = 0
    for pid in pids:
        try:
            for line in pathlib.Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
                    break
            for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmPTE:"):
                    pte += int(line.split()[1]) * 1024
                    break
            n += 1
        except OSError:
            pass
    return {"pss_bytes": pss, "pte_bytes": pte, "processes": n}


def threads_of(pids):
    n = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            n += len(os.listdir(f"/proc/{pid}/task"))
    return n


# --- page cache ------------------------------------------------------------------------


def warm(paths, afresh=False):
    """Reads files into the page cache (these machines evict it within seconds).

    With `afresh`, the file's cached pages are dropped first, so that every
    server is timed on the same layout of the cache: one sequential read
    fills it with large folios, while pages that came in through
    readahead(2), a server's random reads or what the last upload left are
    4 KiB each, and sendfile of the same cached file then costs up to 1.5x
    the CPU per byte (docs/PERFORMANCE.md)."""
    buf = bytearray(4 << 20)
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            if afresh:
                os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            while f.readinto(buf):
                pass


def clean_page_cache_writes(paths):
    """Removes earlier uploads and writes their dirty pages back, so that no
    sample pays for the writeback of the one before it (1 GiB uploads leave
    1 GiB of dirty pages, and the flusher would run during the next server's
    turn on these 2 cores)."""
    for p in paths:
        pathlib.Path(p).unlink(missing_ok=True)
    os.sync()


def prefault_memory(nbytes):
    """Touches and frees `nbytes` of memory before a timed upload. This VM
    hands memory that stays free for a few seconds back to its host (free page
    reporting), and the first touch of such a page costs a fault on the host:
    an upload into fresh page cache then ran 3-10x slower, with the time in
    the server's memcpy, for whichever server came first after a pause.
    Pages freed just now are reused first, so every server starts alike. It
    helped (1.5-3x) when first measured, but not in a later direct profile:
    the host may take the pages back before the server's upload reaches
    them, so uploads stay the noisiest figure (docs/PERFORMANCE.md)."""
    block = b"\x01" * nbytes
    del block


def machine():
    def first(cmd):
        r = subprocess.run(cmd, capture_output=True, text=True, shell=True)
        return r.stdout.strip()
    mem_kib = 0
    for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "cpus": os.cpu_count(),
        "cpu_model": first("lscpu | sed -n 's/^Model name: *//p'"),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": first(". /etc/os-release && echo $PRETTY_NAME"),
        "load_at_start": os.getloadavg()[0],
    }


def git_commit(repo):
    r = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                       capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--", "src"],
                           capture_output=True, text=True)
    commit = r.stdout.strip() or "unknown"
    return commit + ("+dirty-src" if dirty.stdout.strip() else "")


def dump(path, data):
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")


def which(name):
    return shutil.which(name)
