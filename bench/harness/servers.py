"""The servers under test: portico and its peers. Each entry says where the
server comes from, how it is configured, how it is started and what it
cannot do; a new peer is one more class in SERVERS.

Every server listens on 127.0.0.1 on its own control port, has its own
non-overlapping passive range of the same size, serves the same directory as
the same system user (ftpbench) with the same password and, where it checks
a hash at all, the same SHA-512-crypt hash. Limits that would cap the
workloads (clients in total and per address) are raised on every server;
logging is off or at warnings only on every server. Each server otherwise
keeps its defaults, except for the documented quirks that would distort the
figures (see QUIRKS of each class)."""

import os
import pathlib
import signal
import socket
import subprocess
import time

from harness import system

HERE = pathlib.Path(__file__).resolve().parent.parent  # bench/


class Server:
    name = ""
    is_subject = False       # portico, the server being benchmarked
    checks_hash = True       # verifies the SHA-512-crypt hash (login-rate workload)
    forks = True             # one or more processes per session
    quirks = []              # configuration that deviates from the defaults, and why
    max_clients = None       # a cap the server imposes whatever the configuration

    def __init__(self, h, port, passive):
        self.h = h
        self.port = port
        self.passive = passive
        self.dir = h.work / "servers" / self.name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = None
        self.group = h.accounting.group(self.name)
        self.log_path = self.dir / "server.log"

    # --- to be provided by each server ---
    def available(self):
        """None when the server can run here, else why not."""
        return None

    def version(self):
        return "?"

    def configure(self):
        """Writes the server's configuration into self.dir."""

    def argv(self):
        raise NotImplementedError

    run_as_bench_user = False  # drop to ftpbench before exec (pyftpdlib)

    # --- common ---
    def start(self, timeout=20):
        uid, gid = self.h.uid, self.h.gid
        join = self.group.preexec()
        drop = self.run_as_bench_user

        def preexec():
            os.setsid()
            if join:
                join()
            if drop:
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)

        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, preexec_fn=preexec,
                                     cwd=self.dir, close_fds=True)
        log.close()
        self.group.root_pid = self.proc.pid
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    greeting = s.recv(512)
                    if greeting.startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        with_timeout_recv(s)
                        time.sleep(0.2)  # let a forking server reap that child
                        return
                    last = greeting
            except OSError as e:
                last = e
            time.sleep(0.1)
        tail = self.log_path.read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"{self.name} did not start ({last}):\n{tail}")

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # Children that outlive their parent (a forking server's sessions)
        # are still processes of this server: end them too.
        for _ in range(200):
            if not self.group.pids() or not self.group.kill():
                break
            time.sleep(0.05)
        self.proc = None

    def restart(self):
        self.stop()
        time.sleep(0.3)
        self.start()

    def pids(self):
        return self.group.pids()

    def cpu_seconds(self):
        return self.group.cpu_seconds()

    def describe(self):
        return {"version": self.version(), "checks_hash": self.checks_hash,
                "forks": self.forks, "quirks": self.quirks, "max_clients": self.max_clients,
                "passive_ports": f"{self.passive[0]}-{self.passive[1]}"}


def with_timeout_recv(s):
    try:
        s.settimeout(2)
        s.recv(512)
    except OSError:
        pass


# ------------------------------------------------------------------------------------


class Portico(Server):
    name = "portico"
    is_subject = True
    forks = False
    quirks = ["limits.max_sessions and max_sessions_per_address raised to 30000",
              "logging.level = warn", "run_as = ftpbench (portico drops to it after binding)"]

    def available(self):
        if not self.h.portico or not os.access(self.h.portico, os.X_OK):
            return f"no portico binary at {self.h.portico}"
        return None

    def version(self):
        r = subprocess.run([self.h.portico, "--version"], capture_output=True, text=True)
        return f"{r.stdout.strip()} ({self.h.portico_build})"

    def configure(self):
        users = self.dir / "users.toml"
        users.write_text(f'''[users.{system.BENCH_USER}]
password = "{self.h.hash}"
home = "{self.h.root}"
permissions = ["list", "read", "write", "append", "delete", "mkdir", "rename", "chmod"]
''')
        (self.dir / "portico.toml").write_text(f'''listen = ["127.0.0.1:{self.port}"]
users_file = "{users}"
run_as = "{system.BENCH_USER}"
banner = "portico bench"

[passive]
ports = "{self.passive[0]}-{self.passive[1]}"

[limits]
max_sessions = 30000
max_sessions_per_address = 30000

[logging]
level = "warn"
''')

    def argv(self):
        return [self.h.portico, "serve", "--config", str(self.dir / "portico.toml")]


class Vsftpd(Server):
    name = "vsftpd"
    quirks = ["max_clients and max_per_ip unlimited (0)", "xferlog off",
              "listen backlog is 32, hard-coded: a burst of connections loses SYNs"]

    def available(self):
        if not pathlib.Path("/usr/sbin/vsftpd").exists():
            return "vsftpd is not installed (apt-get install vsftpd)"
        return None

    def version(self):
        return "vsftpd " + (system.dpkg_version("vsftpd") or "?")

    def configure(self):
        empty = self.dir / "empty"
        empty.mkdir(exist_ok=True)
        empty.chmod(0o555)
        conf = self.dir / "vsftpd.conf"
        conf.write_text(f"""listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port={self.port}
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
pasv_enable=YES
pasv_min_port={self.passive[0]}
pasv_max_port={self.passive[1]}
max_clients=0
max_per_ip=0
xferlog_enable=NO
dirmessage_enable=NO
connect_from_port_20=NO
pam_service_name=vsftpd
secure_chroot_dir={empty}
idle_session_timeout=900
ftpd_banner=vsftpd bench
""")
        conf.chmod(0o600)

    def argv(self):
        return ["/usr/sbin/vsftpd", str(self.dir / "vsftpd.conf")]


class Proftpd(Server):
    name = "proftpd"
    quirks = ["DelayEngine off (mod_delay pads every login to hide timing, and pauses)",
              "MaxInstances 30000, MaxClients/MaxClientsPerHost none",
              "TCPBacklog 255 (its maximum; default 128)",
              "UseReverseDNS off, IdentLookups off, WtmpLog off, no TransferLog",
              "unpacked from Debian's proftpd-core with dpkg -x (it conflicts with vsftpd)"]

    def binary(self):
        return self.h.peers_root / "usr/sbin/proftpd"

    def available(self):
        if not self.binary().exists():
            return "proftpd-core is not unpacked"
        return None

    def version(self):
        return "proftpd " + self.h.unpacked.get("proftpd-core", "?")

    def configure(self):
        passwd = self.dir / "ftpd.passwd"
        passwd.write_text(f"{system.BENCH_USER}:{self.h.hash}:{self.h.uid}:{self.h.gid}::"
                          f"{self.h.root}:/bin/sh\n")
        passwd.chmod(0o600)
        group = self.dir / "ftpd.group"
        group.write_text(f"{system.BENCH_USER}:x:{self.h.gid}:\n")
        group.chmod(0o600)
        (self.dir / "proftpd.conf").write_text(f"""ServerType standalone
ServerName "proftpd bench"
ServerIdent on "proftpd bench"
DefaultServer on
DefaultAddress 127.0.0.1
SocketBindTight on
UseIPv6 off
Port {self.port}
PassivePorts {self.passive[0]} {self.passive[1]}
User nobody
Group nogroup
Umask 022
AllowOverwrite on
MaxInstances 30000
MaxClients none
MaxClientsPerHost none
MaxLoginAttempts 3
TCPBacklog 255
AuthOrder mod_auth_file.c
AuthUserFile {passwd}
AuthGroupFile {group}
RequireValidShell off
UseReverseDNS off
<IfModule mod_ident.c>
  IdentLookups off
</IfModule>
DelayEngine off
WtmpLog off
TimeoutIdle 900
ScoreboardFile {self.dir}/proftpd.scoreboard
PidFile {self.dir}/proftpd.pid
SystemLog {self.dir}/proftpd.system.log
TransferLog none
DefaultTransferMode binary
UseSendfile on
""")

    def argv(self):
        return [str(self.binary()), "--nodaemon", "--config", str(self.dir / "proftpd.conf")]


class PureFtpd(Server):
    name = "pure-ftpd"
    quirks = ["-c 10000 -C 10000 (clients in total, per IP); Pure-FTPd itself caps the total "
              "at half the passive range",
              "listen backlog 128, not configurable",
              "puredb virtual user mapped onto ftpbench's uid, same $6$ hash",
              "unpacked from Debian's pure-ftpd with dpkg -x (it conflicts with vsftpd)"]

    def __init__(self, h, port, passive):
        super().__init__(h, port, passive)
        self.max_clients = (passive[1] - passive[0] + 1) // 2

    def binary(self):
        return self.h.peers_root / "usr/sbin/pure-ftpd"

    def available(self):
        if not self.binary().exists():
            return "pure-ftpd is not unpacked"
        return None

    def version(self):
        return "pure-ftpd " + self.h.unpacked.get("pure-ftpd", "?")

    def configure(self):
        passwd = self.dir / "pureftpd.passwd"
        # account:password:uid:gid:gecos:home:(12 more optional fields)
        passwd.write_text(f"{system.BENCH_USER}:{self.h.hash}:{self.h.uid}:{self.h.gid}::"
                          f"{self.h.root}::::::::::::\n")
        passwd.chmod(0o600)
        pdb = self.dir / "pureftpd.pdb"
        system.run([str(self.h.peers_root / "usr/bin/pure-pw"), "mkdb", str(pdb), "-f",
                    str(passwd)], capture_output=True)

    def argv(self):
        return [str(self.binary()), "--bind", f"127.0.0.1,{self.port}",
                "--passiveportrange", f"{self.passive[0]}:{self.passive[1]}",
                "--login", f"puredb:{self.dir / 'pureftpd.pdb'}",
                "--noanonymous", "--dontresolve", "--ipv4only",
                "--maxclientsnumber", "10000", "--maxclientsperip", "10000",
                "--maxidletime", "15", "--syslogfacility", "none",
                "--pidfile", str(self.dir / "pure-ftpd.pid")]


class Pyftpdlib(Server):
    name = "pyftpdlib"
    checks_hash = False
    forks = False
    run_as_bench_user = True
    quirks = ["DummyAuthorizer: compares the plain-text password (no hash to check)",
              "max_cons 30000 (default 512), listen backlog 4096 (default 100)",
              "logging at WARNING (INFO logs every command)",
              "runs as ftpbench (it does not switch users itself)"]

    def available(self):
        r = subprocess.run([self.h.python, "-c", "import pyftpdlib"], capture_output=True)
        if r.returncode != 0:
            return "pyftpdlib is not importable by /usr/bin/python3 (apt-get install python3-pyftpdlib)"
        return None

    def version(self):
        return "pyftpdlib " + (system.dpkg_version("python3-pyftpdlib") or "?") + \
            " on Debian's /usr/bin/python3"

    def argv(self):
        return [self.h.python, str(HERE / "peers" / "pyftpdlib_server.py"),
                "--port", str(self.port), "--root", str(self.h.root),
                "--user", system.BENCH_USER, "--password", system.BENCH_PASSWORD,
                "--passive", f"{self.passive[0]}-{self.passive[1]}"]


SERVERS = [Portico, Vsftpd, Proftpd, PureFtpd, Pyftpdlib]
