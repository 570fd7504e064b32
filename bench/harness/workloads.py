"""The workloads: each one small entry in WORKLOADS. A workload has variants
(PASV/EPSV, session counts), runs portico-loadgen against one server per
call and returns one sample: the headline figure, the server's CPU time
(from its cgroup, every process it forked included), the load generator's
own CPU time, and the raw figures."""

import json
import select
import subprocess
import time

from harness import system

GIB = 1 << 30


class Workload:
    key = ""
    title = ""
    metric = ""            # the loadgen figure that is the headline
    unit = ""              # how the report shows it
    scale = 1.0            # headline = figure * scale
    higher_is_better = True
    cpu_per = ""           # the report's "server CPU per ..." column
    limits = []            # raw-TCP limit methods measured beside it
    hash_only = False      # compare only servers that check the hash

    def variants(self, p):
        return [{"label": "PASV", "data": "pasv"}, {"label": "EPSV", "data": "epsv"}]

    def run(self, h, server, variant):
        raise NotImplementedError

    # the number of units (GiB, transfers, logins) the CPU time is divided by
    def units(self, figures):
        return 0


def loadgen(h, server, mode, variant, *extra, timeout=None):
    argv = [h.loadgen, mode, "--port", str(server.port), "--user", system.BENCH_USER,
            "--password", system.BENCH_PASSWORD, "--data", variant.get("data", "pasv"),
            "--timeout", str(h.p["op_timeout"]), *[str(x) for x in extra]]
    r = subprocess.run(argv, capture_output=True, text=True,
                       timeout=timeout or h.p["run_timeout"])
    lines = [line for line in r.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"portico-loadgen {mode} printed nothing (exit {r.returncode}): "
                           f"{r.stderr.strip()[-500:]}")
    return json.loads(lines[-1])


def timed(h, server, fn):
    """Runs fn() and returns (its result, the server's CPU seconds meanwhile)."""
    cpu0 = server.cpu_seconds()
    result = fn()
    time.sleep(0.3)  # a forking server's children finish exiting
    return result, server.cpu_seconds() - cpu0


def sample(figures, server_cpu, value, units, ok=None, **extra):
    return {"value": value, "ok": figures.get("ok", False) if ok is None else ok,
            "server_cpu_s": server_cpu, "client_cpu_s": figures.get("client_cpu_seconds", 0.0),
            "cpu_units": units, "error": figures.get("error", ""), "figures": figures, **extra}


class Download(Workload):
    key = "download"
    metric = "bytes_per_second"
    unit = "GiB/s"
    scale = 1 / GIB
    cpu_per = "GiB"
    limits = ["sendfile", "readwrite"]

    @property
    def title(self):
        return "one download from page cache"

    def run(self, h, server, variant):
        system.warm([h.big], afresh=True)
        f, cpu = timed(h, server, lambda: loadgen(h, server, "download", variant, "--path",
                                                   "big.bin", "--expect-bytes", h.p["big"],
                                                   "--repeat", h.p["repeat"]))
        return sample(f, cpu, f["bytes_per_second"] * self.scale, f["bytes"] / GIB)


class Upload(Workload):
    key = "upload"
    metric = "bytes_per_second"
    unit = "GiB/s"
    scale = 1 / GIB
    cpu_per = "GiB"
    limits = ["upload"]
    title = "one upload (to page cache)"

    def run(self, h, server, variant):
        name = f"up-{server.name}.bin"
        # The load generator stores NAME.0, NAME.1 ...: a new file each time.
        targets = [h.root / f"{name}.{i}" for i in range(h.p["repeat"])]
        system.clean_page_cache_writes(targets)
        system.prefault_memory(h.p["big"] * h.p["repeat"])
        try:
            f, cpu = timed(h, server, lambda: loadgen(h, server, "upload", variant, "--path",
                                                       name, "--bytes", h.p["big"],
                                                       "--repeat", h.p["repeat"]))
            sizes = [t.stat().st_size if t.exists() else 0 for t in targets]
        finally:
            system.clean_page_cache_writes(targets)
        ok = f.get("ok", False) and all(size == h.p["big"] for size in sizes)
        err = f.get("error") or ("" if ok else f"stored {sizes} bytes")
        return sample(f, cpu, f["bytes_per_second"] * self.scale, f["bytes"] / GIB, ok=ok,
                      error=err)


class SmallFiles(Workload):
    key = "files"
    metric = "transfers_per_second"
    unit = "files/s"
    cpu_per = "transfer"

    @property
    def title(self):
        return "files of 4 KiB one after another in one session"

    def run(self, h, server, variant):
        system.warm(h.small)
        n = h.p["small_count"]
        f, cpu = timed(h, server, lambda: loadgen(h, server, "files", variant, "--dir", "small",
                                                   "--count", n, "--expect-bytes",
                                                   h.p["small_size"]))
        return sample(f, cpu, f["transfers_per_second"], f["transfers"],
                      p50_ms=f["latency_p50_ms"], p99_ms=f["latency_p99_ms"])


class Concurrent(Workload):
    key = "concurrent"
    metric = "transfers_per_second"
    unit = "transfers/s"
    cpu_per = "transfer"
    title = "sessions connecting at once, each fetching a 64 KiB file"

    def variants(self, p):
        out = []
        for n, modes in p["crowd"]:
            for mode in modes:
                out.append({"label": f"{n} sessions, {mode.upper()}", "data": mode, "sessions": n})
        return out

    def run(self, h, server, variant):
        system.warm([h.f64k])
        n = variant["sessions"]
        f, cpu = timed(h, server, lambda: loadgen(
            h, server, "concurrent", variant, "--sessions", n, "--fetches", h.p["fetches"],
            "--path", "f64k.bin", "--expect-bytes", 64 * 1024))
        return sample(f, cpu, f["transfers_per_second"], f["transfers"],
                      p50_ms=f["latency_p50_ms"], p99_ms=f["latency_p99_ms"],
                      failed=f["sessions_failed"], sessions=n)


class Idle(Workload):
    key = "idle"
    metric = "bytes_per_session"
    unit = "KiB/session"
    scale = 1 / 1024
    higher_is_better = False
    cpu_per = "session"
    title = "idle logged-in sessions: memory per session (PSS of all the server's processes)"

    def variants(self, p):
        return [{"label": f"{p['idle']} sessions", "data": "pasv", "sessions": p["idle"]}]

    def run(self, h, server, variant):
        server.restart()
        time.sleep(0.5)
        base = system.memory_of(server.pids())
        wanted = variant["sessions"]
        n, notes = wanted, []
        if server.max_clients and server.max_clients < n:
            n = server.max_clients
            notes.append(f"capped at {n}: the server accepts no more")
        if server.forks and h.p["idle_forking"] < n:
            # A process (or two) per session: memory grows linearly with the
            # sessions, and 10,000 of them take minutes to fork (vsftpd: 20,000
            # processes, 7.5 min) or never get there (ProFTPD stalled at 5,600
            # with the load average at 1,400). Measured at fewer sessions.
            n = h.p["idle_forking"]
            notes.append(f"measured at {n} sessions (one or more processes per session)")
        cpu0 = server.cpu_seconds()
        argv = [h.loadgen, "idle", "--port", str(server.port), "--user", system.BENCH_USER,
                "--password", system.BENCH_PASSWORD, "--timeout", str(h.p["op_timeout"]),
                "--sessions", str(n), "--parallel", str(h.p["idle_parallel"]), "--hold", "0"]
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            ready = json.loads(read_line(proc, h.p["run_timeout"]))
            time.sleep(1.0)  # let the server settle (forked children finish setting up)
            pids = server.pids()
            loaded = system.memory_of(pids)
            threads = system.threads_of(pids)
            open_cpu = server.cpu_seconds() - cpu0
            proc.stdin.write("\n")
            proc.stdin.flush()
            final = json.loads(read_line(proc, h.p["run_timeout"]))
        finally:
            if proc.poll() is None:
                proc.stdin.close()
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        alive = final.get("alive_after_hold", 0)
        per = (loaded["pss_bytes"] - base["pss_bytes"]) / alive if alive else 0.0
        pte = (loaded["pte_bytes"] - base["pte_bytes"]) / alive if alive else 0.0
        ok = final.get("ok", False) and alive == n
        note = "; ".join(notes)
        final["client_cpu_seconds"] = final.get("client_cpu_seconds", 0.0)
        return sample(final, open_cpu, per * self.scale, alive, ok=ok,
                      error=final.get("error", ""), sessions=n, alive=alive,
                      pss_base=base["pss_bytes"], pss_loaded=loaded["pss_bytes"],
                      pte_per_session_kib=pte / 1024, processes=loaded["processes"],
                      threads=threads, open_seconds=ready.get("open_seconds", 0.0), note=note)


def read_line(proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 1.0)
        if r:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("portico-loadgen idle ended early")
            if line.startswith("{"):
                return line
    raise RuntimeError("portico-loadgen idle timed out")


class Login(Workload):
    key = "login"
    metric = "logins_per_second"
    unit = "logins/s"
    cpu_per = "login"
    hash_only = True
    title = "login rate (connect, USER, PASS, QUIT), the same SHA-512-crypt hash"

    def variants(self, p):
        return [{"label": f"{p['login_concurrency']} at a time", "data": "pasv"}]

    def run(self, h, server, variant):
        f, cpu = timed(h, server, lambda: loadgen(
            h, server, "login", variant, "--count", h.p["logins"], "--concurrency",
            h.p["login_concurrency"]))
        return sample(f, cpu, f["logins_per_second"], f["logins"], p50_ms=f["latency_p50_ms"],
                      p99_ms=f["latency_p99_ms"], failed=f["failed"])


WORKLOADS = [Download(), Upload(), SmallFiles(), Concurrent(), Idle(), Login()]


def run_limit(h, method):
    """The physical limit of a workload, in the same run: loopback TCP
    without FTP (portico-loadgen limit), as many transfers as a sample of
    the servers has, their bytes and times added up."""
    if method == "upload":
        target = h.work / "limit-upload.bin"
        argv = [h.loadgen, "limit", "--method", "upload", "--file", str(target), "--bytes",
                str(h.p["big"])]
        system.clean_page_cache_writes([target])
    else:
        system.warm([h.big], afresh=True)
        target = None
        argv = [h.loadgen, "limit", "--method", method, "--file", str(h.big)]
    runs = []
    if target is not None:
        system.prefault_memory(h.p["big"] * h.p["repeat"])
    try:
        for _ in range(h.p["repeat"]):
            if target is not None:
                # Like the servers' uploads: a new file each time.
                target.unlink(missing_ok=True)
            r = subprocess.run(argv, capture_output=True, text=True, timeout=h.p["run_timeout"])
            runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
    finally:
        if target is not None:
            target.unlink(missing_ok=True)
    f = dict(runs[-1])
    for key in ("bytes", "seconds", "server_cpu_seconds", "client_cpu_seconds"):
        f[key] = sum(x[key] for x in runs)
    f["ok"] = all(x["ok"] for x in runs)
    f["error"] = next((x["error"] for x in runs if x["error"]), "")
    f["bytes_per_second"] = f["bytes"] / f["seconds"] if f["seconds"] else 0.0
    return sample(f, f["server_cpu_seconds"], f["bytes_per_second"] / GIB, f["bytes"] / GIB)
