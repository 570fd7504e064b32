#!/usr/bin/python3
"""portico's server benchmark: portico side by side with vsftpd, ProFTPD,
Pure-FTPd and pyftpdlib, and beside the physical limit (loopback TCP with
no FTP), in one run on one machine. See bench/README.md.

    sudo /usr/bin/python3 bench/run.py                  # full run (~30 min)
    sudo /usr/bin/python3 bench/run.py --profile medium # smaller sizes
    sudo /usr/bin/python3 bench/run.py --smoke          # tiny sizes, checks completeness

It installs the peers (Debian packages; ProFTPD and Pure-FTPd unpacked into
bench/.peers/), builds portico and portico-loadgen in release mode unless
given, starts every server on loopback with the same user, password hash,
root and passive range size, runs the workloads interleaved round by round
and writes bench/results/<timestamp>.json and .md."""

import argparse
import os
import pathlib
import shlex
import signal
import subprocess
import sys
import time
import traceback

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from harness import report, servers, system, workloads  # noqa: E402

BENCH = pathlib.Path(__file__).resolve().parent
REPO = BENCH.parent

PROFILES = {
    # The sizes.
    "full": dict(rounds=3, big=1 << 30, repeat=3, small_count=1000, small_size=4096,
                 crowd=[(100, ["pasv", "epsv"]), (1000, ["pasv"])], fetches=10, idle=10000,
                 idle_forking=1000, idle_parallel=32, logins=1000, login_concurrency=16, op_timeout=30,
                 run_timeout=900),
    # The same shape, a quarter of the time, for a busy machine.
    "medium": dict(rounds=3, big=256 << 20, repeat=3, small_count=1000, small_size=4096,
                   crowd=[(100, ["pasv", "epsv"]), (1000, ["pasv"])], fetches=10, idle=2000,
                   idle_forking=500, idle_parallel=32, logins=300, login_concurrency=16, op_timeout=30,
                   run_timeout=600),
    # CI: every workload, every peer, tiny sizes; completeness, never speed.
    "smoke": dict(rounds=1, big=1 << 20, repeat=1, small_count=20, small_size=4096,
                  crowd=[(10, ["pasv", "epsv"])], fetches=2, idle=50, idle_forking=50,
                  idle_parallel=16,
                  logins=20, login_concurrency=4, op_timeout=30, run_timeout=120),
}


class Harness:
    def __init__(self, args):
        self.args = args
        self.p = dict(PROFILES[args.profile])
        if args.rounds:
            self.p["rounds"] = args.rounds
        self.work = pathlib.Path(args.work)
        self.root = self.work / "root"
        self.python = "/usr/bin/python3"
        self.peers_root = BENCH / ".peers" / "root"
        self.unpacked = {}
        self.portico = args.portico
        self.loadgen = args.loadgen
        self.portico_build = args.portico_build

    # --- setup ---
    def build(self):
        if self.portico and self.loadgen:
            return
        build_dir = REPO / "build" / "bench-release"
        system.log(f"building portico and portico-loadgen (release preset) in {build_dir}")
        subprocess.run(["cmake", "--preset", "release", "-B", str(build_dir)], cwd=REPO,
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "portico",
                        "portico-loadgen"], cwd=REPO, check=True)
        self.portico = self.portico or str(build_dir / "src/cli/portico")
        self.loadgen = self.loadgen or str(build_dir / "bench/portico-loadgen")
        self.portico_build = "release preset (RelWithDebInfo, -O2)"

    def make_data(self):
        """The served tree: big.bin, f64k.bin and small/f00000..., owned by
        the benchmark user. Kept between runs when the sizes match."""
        self.root.mkdir(parents=True, exist_ok=True)
        os.chown(self.work, 0, 0)
        self.work.chmod(0o755)
        self.big = self.root / "big.bin"
        self.f64k = self.root / "f64k.bin"
        chunk = os.urandom(1 << 20)
        if not self.big.exists() or self.big.stat().st_size != self.p["big"]:
            system.log(f"writing {self.p['big']} bytes to {self.big}")
            with open(self.big, "wb") as f:
                left = self.p["big"]
                while left > 0:
                    n = min(left, len(chunk))
                    f.write(chunk[:n])
                    left -= n
        if not self.f64k.exists():
            self.f64k.write_bytes(os.urandom(64 * 1024))
        small = self.root / "small"
        small.mkdir(exist_ok=True)
        self.small = []
        for i in range(self.p["small_count"]):
            f = small / f"f{i:05d}"
            if not f.exists() or f.stat().st_size != self.p["small_size"]:
                f.write_bytes(os.urandom(self.p["small_size"]))
            self.small.append(f)
        for d, _, files in os.walk(self.root):
            os.chown(d, self.uid, self.gid)
            os.chmod(d, 0o755)
            for name in files:
                os.chown(os.path.join(d, name), self.uid, self.gid)
                os.chmod(os.path.join(d, name), 0o644)
        for stale in self.root.glob("up-*.bin"):
            stale.unlink()

    def setup(self):
        if os.geteuid() != 0:
            raise SystemExit("bench/run.py runs as root: it creates a user, cgroups and "
                             "starts servers that switch users")
        self.fd_limit = system.raise_fd_limit(65536)
        if not self.args.no_install:
            self.unpacked = system.install_peers(BENCH / ".peers")
        else:
            for deb in (BENCH / ".peers" / "debs").glob("*.deb"):
                name, version = deb.name.split("_")[:2]
                self.unpacked[name] = version
        self.build()
        self.hash = system.password_hash()
        self.uid, self.gid = system.ensure_user(self.root, self.hash)
        self.make_data()
        self.accounting = system.Accounting()
        system.log(f"CPU accounting: {self.accounting.describe()}")

    def servers(self):
        wanted = self.args.servers.split(",") if self.args.servers else None
        classes = [c for c in servers.SERVERS if wanted is None or c.name in wanted]
        controls, ranges = system.allocate_ports(len(classes), 2000)
        out, unavailable = [], {}
        for cls, port, passive in zip(classes, controls, ranges):
            s = cls(self, port, passive)
            why = s.available()
            if why:
                unavailable[s.name] = why
                system.log(f"{s.name}: not measured: {why}")
                continue
            s.configure()
            out.append(s)
        return out, unavailable


def rotate(xs, n):
    if not xs:
        return xs
    n %= len(xs)
    return xs[n:] + xs[:n]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=sorted(PROFILES), default="full")
    ap.add_argument("--smoke", action="store_true",
                    help="the CI run: --profile smoke, and fail unless every workload has a "
                         "figure for every server")
    ap.add_argument("--rounds", type=int, help="override the profile's rounds")
    ap.add_argument("--servers", help="comma-separated subset (default: all)")
    ap.add_argument("--workloads", help="comma-separated subset of " +
                    ",".join(w.key for w in workloads.WORKLOADS))
    ap.add_argument("--portico", help="portico binary (default: build the release preset)")
    ap.add_argument("--portico-build", default="given on the command line",
                    help="how the given portico binary was built, for the report")
    ap.add_argument("--portico-commit", help="the commit the given portico was built from "
                    "(default: this checkout's HEAD)")
    ap.add_argument("--loadgen", help="portico-loadgen binary")
    ap.add_argument("--work", default="/var/tmp/portico-bench", help="data and server files")
    ap.add_argument("--out", default=str(BENCH / "results"), help="where reports go")
    ap.add_argument("--no-install", action="store_true", help="do not install the peers")
    ap.add_argument("--update-docs", action="store_true",
                    help="put the report into docs/PERFORMANCE.md (between its bench markers)")
    args = ap.parse_args()
    if args.smoke:
        args.profile = "smoke"
    # A SIGTERM (ctest's timeout, kill) still stops every server started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started = time.time()
    h = Harness(args)
    h.setup()
    srv, unavailable = h.servers()
    wl = [w for w in workloads.WORKLOADS
          if not args.workloads or w.key in args.workloads.split(",")]
    results = {
        "meta": {
            "started": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)),
            "profile": args.profile, "rounds": h.p["rounds"],
            "sizes": {k: v for k, v in h.p.items() if k not in ("rounds",)},
            "machine": system.machine(),
            "commit": args.portico_commit or system.git_commit(REPO),
            "loadgen": h.loadgen, "accounting": h.accounting.describe(),
            "fd_limit": h.fd_limit,
            "command": " ".join(shlex.quote(a) for a in sys.argv),
        },
        "servers": {s.name: s.describe() for s in srv},
        "server_order": [s.name for s in srv],
        "unavailable": unavailable,
        "workloads": [{"key": w.key, "title": w.title, "unit": w.unit,
                       "higher_is_better": w.higher_is_better, "cpu_per": w.cpu_per,
                       "limits": w.limits, "hash_only": w.hash_only,
                       "variants": [v["label"] for v in w.variants(h.p)]} for w in wl],
        "samples": [],
    }
    try:
        for r in range(h.p["rounds"]):
            system.log(f"round {r + 1} of {h.p['rounds']}: starting {len(srv)} servers")
            for s in srv:
                s.start()
            try:
                for w in wl:
                    for v in w.variants(h.p):
                        # The physical limit is measured beside the servers,
                        # in the same rotation, for every variant.
                        entries = srv + [f"limit-{m}" for m in w.limits]
                        for server in rotate(entries, r):
                            if isinstance(server, str):
                                s = workloads.run_limit(h, server[len("limit-"):])
                                s.update(round=r, workload=w.key, variant=v["label"],
                                         server=server)
                                results["samples"].append(s)
                                system.log(f"  {w.key} [{v['label']}] {server}: "
                                           f"{s['value']:.4g} {w.unit}")
                                continue
                            try:
                                s = w.run(h, server, v)
                            except Exception as e:  # a failed sample, not a failed run
                                traceback.print_exc()
                                s = {"value": None, "ok": False, "error": str(e)[:300],
                                     "server_cpu_s": 0, "client_cpu_s": 0, "cpu_units": 0,
                                     "figures": {}}
                                if server.proc is None or server.proc.poll() is not None:
                                    server.stop()
                                    server.start()
                            s.update(round=r, workload=w.key, variant=v["label"],
                                     server=server.name)
                            results["samples"].append(s)
                            value = "–" if s["value"] is None else f"{s['value']:.4g}"
                            system.log(f"  {w.key} [{v['label']}] {server.name}: {value} {w.unit}"
                                       + ("" if s["ok"] else f"  FAILED: {s['error'][:120]}"))
            finally:
                for s in srv:
                    s.stop()
    finally:
        for s in srv:
            s.stop()
            s.group.remove()
        results["meta"]["duration_s"] = time.time() - started
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started))
        system.dump(out / f"{stamp}.json", results)
        md = report.render(results)
        (out / f"{stamp}.md").write_text(md)
        (out / "latest.md").write_text(md)
        system.log(f"report: {out / (stamp + '.md')}")
        if args.update_docs:
            report.update_docs(REPO / "docs" / "PERFORMANCE.md", md,
                               (out / f"{stamp}.json").relative_to(REPO)
                               if (out / f"{stamp}.json").is_relative_to(REPO) else out)
    print(md)
    if args.smoke:
        gaps = report.missing(results)
        expected = {c.name for c in servers.SERVERS}
        absent = expected - set(results["server_order"])
        if absent:
            print(f"bench smoke: servers not measured: {', '.join(sorted(absent))}")
        for g in gaps:
            print(f"bench smoke: no successful sample for {g}")
        if gaps or absent:
            return 1
        print("bench smoke: every workload has a figure for every server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
