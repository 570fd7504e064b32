"""Turns a run's JSON (bench/results/<timestamp>.json) into the Markdown
report: per workload, the median of the rounds with min-max, each figure as
a ratio to the best peer and to the physical limit, server CPU per unit, the
load generator's own CPU, and the targets of the issue, met or missed."""

import statistics

SUBJECT = "portico"


def median(xs):
    return statistics.median(xs) if xs else None


def fmt(x, digits=3):
    if x is None:
        return "–"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.{digits}g}"


def ratio(a, b):
    if a is None or not b:
        return None
    return a / b


class Table:
    """The samples of one (workload, variant), by server."""

    def __init__(self, results, workload, variant):
        self.w = workload
        self.variant = variant
        self.rows = {}
        for s in results["samples"]:
            if s["workload"] == workload["key"] and s["variant"] == variant:
                self.rows.setdefault(s["server"], []).append(s)
        self.servers = results["servers"]

    def values(self, server):
        return [s["value"] for s in self.rows.get(server, []) if s.get("value") is not None]

    def med(self, server, key="value"):
        xs = [s[key] for s in self.rows.get(server, []) if s.get(key) is not None]
        return median(xs)

    def cpu_per_unit(self, server):
        xs = [s["server_cpu_s"] / s["cpu_units"] for s in self.rows.get(server, [])
              if s.get("cpu_units")]
        return median(xs)

    def failures(self, server):
        return sum(1 for s in self.rows.get(server, []) if not s.get("ok"))

    def failed_sessions(self, server):
        return sum(s.get("failed", 0) or 0 for s in self.rows.get(server, []))

    def peers(self):
        out = []
        for name in self.rows:
            if name == SUBJECT or name.startswith("limit-"):
                continue
            if self.w.get("hash_only") and not self.servers.get(name, {}).get("checks_hash"):
                continue
            out.append(name)
        return out

    def best_peer(self, key="value"):
        best = None
        for name in self.peers():
            m = self.med(name, key)
            if m is None:
                continue
            if best is None or (m > best[1] if self.w["higher_is_better"] else m < best[1]):
                best = (name, m)
        return best


def cpu_unit_label(per):
    return {"GiB": "CPU s/GiB", "transfer": "CPU ms/transfer", "session": "CPU ms/session",
            "login": "CPU ms/login"}.get(per, "CPU")


def cpu_scale(per):
    return 1 if per == "GiB" else 1000


def workload_section(results, w, limit_medians):
    lines = [f"### {w['title']}", ""]
    better = "higher is better" if w["higher_is_better"] else "lower is better"
    for variant in w["variants"]:
        t = Table(results, w, variant)
        if not t.rows:
            continue
        best = t.best_peer()
        limit_name = f"limit-{w['limits'][0]}" if w["limits"] else None
        limit = limit_medians.get((w["key"], variant), {}).get(limit_name) if limit_name else None
        extra = w["key"] in ("files", "concurrent", "login")
        header = (f"| {variant} | {w['unit']} ({better}), median | min–max | × best peer"
                  + (" | × limit" if limit_name else "")
                  + (" | p50 / p99 ms" if extra else "")
                  + f" | server {cpu_unit_label(w['cpu_per'])} | loadgen CPU s (% of wall) "
                  "| failed (all rounds) | notes |")
        lines.append(header)
        lines.append("|" + "---|" * (header.count("|") - 1))
        order = [n for n in results["server_order"] if n in t.rows]
        order += [f"limit-{m}" for m in w["limits"] if f"limit-{m}" in t.rows]
        for name in order:
            if name.startswith("limit-"):
                lt = t
                vals = lt.values(name)
                row = [f"*{name}*", fmt(median(vals)), f"{fmt(min(vals))}–{fmt(max(vals))}", "",
                       fmt(ratio(median(vals), limit)) if limit_name else ""]
                if extra:
                    row.append("")
                row += [fmt(lt.cpu_per_unit(name) * cpu_scale(w["cpu_per"])),
                        fmt(lt.med(name, "client_cpu_s")), "", "no FTP: loopback TCP only"]
                lines.append("| " + " | ".join(row) + " |")
                continue
            vals = t.values(name)
            m = median(vals)
            r_best = ratio(m, best[1]) if best else None
            row = [f"**{name}**" if name == SUBJECT else name, fmt(m),
                   f"{fmt(min(vals))}–{fmt(max(vals))}" if vals else "–",
                   fmt(r_best, 2) + ("×" if r_best is not None else "")]
            if limit_name:
                r_lim = ratio(m, limit)
                row.append(fmt(r_lim, 2) + ("×" if r_lim is not None else ""))
            if extra:
                row.append(f"{fmt(t.med(name, 'p50_ms'))} / {fmt(t.med(name, 'p99_ms'))}")
            cpu = t.cpu_per_unit(name)
            row.append(fmt(cpu * cpu_scale(w["cpu_per"]) if cpu is not None else None))
            walls = [s["figures"].get("seconds") or s.get("open_seconds") or 0
                     for s in t.rows[name]]
            client = t.med(name, "client_cpu_s")
            wall = median([x for x in walls if x])
            pct = f" ({100 * client / wall:.0f} %)" if client is not None and wall else ""
            row.append(fmt(client) + pct)
            failed = t.failed_sessions(name) if w["key"] in ("concurrent", "login") else \
                t.failures(name)
            row.append(str(failed))
            notes = sorted({s.get("note") or "" for s in t.rows[name]} |
                           {(s.get("error") or "")[:80] for s in t.rows[name] if not s.get("ok")})
            if w["key"] == "idle":
                notes.append(f"{fmt(t.med(name, 'processes'))} processes, "
                             f"{fmt(t.med(name, 'threads'))} threads, page tables "
                             f"{fmt(t.med(name, 'pte_per_session_kib'))} KiB/session")
            if w.get("hash_only") and not results["servers"].get(name, {}).get("checks_hash"):
                notes.append("checks no hash (plain-text password): not compared")
            row.append("; ".join(n for n in notes if n))
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return lines


def limit_medians_of(results):
    """{(workload, variant): {limit-method: median}}"""
    out = {}
    for s in results["samples"]:
        if s["server"].startswith("limit-") and s.get("value") is not None:
            out.setdefault((s["workload"], s["variant"]), {}).setdefault(s["server"], []).append(
                s["value"])
    return {k: {m: median(v) for m, v in d.items()} for k, d in out.items()}


def targets(results, limit_medians):
    """The issue's targets, evaluated on the medians."""
    ws = {w["key"]: w for w in results["workloads"]}
    rows = []

    def add(target, measured, met):
        rows.append((target, measured, "met" if met else "**missed**"))

    def table(key, variant):
        return Table(results, ws[key], variant) if key in ws else None

    for variant in ws.get("download", {}).get("variants", []):
        t = table("download", variant)
        p = t.med(SUBJECT)
        if p is None:
            continue
        lim = limit_medians.get(("download", variant), {}).get("limit-sendfile")
        r = ratio(p, lim)
        add(f"download {variant}: ≥ 0.95 × sendfile limit", f"{fmt(r, 3)}×", r is not None
            and r >= 0.95)
        best = t.best_peer()
        if best:
            add(f"download {variant}: ≥ best peer ({best[0]})", f"{fmt(p / best[1], 3)}×",
                p >= best[1])
        cpus = {n: t.cpu_per_unit(n) for n in t.rows if not n.startswith("limit-")}
        mine = cpus.get(SUBJECT)
        others = [c for n, c in cpus.items() if n != SUBJECT and c is not None]
        if mine is not None and others:
            add(f"download {variant}: lowest server CPU per GiB",
                f"{fmt(mine)} s/GiB vs best peer {fmt(min(others))}", mine <= min(others))
    for variant in ws.get("upload", {}).get("variants", []):
        t = table("upload", variant)
        p, best = t.med(SUBJECT), t.best_peer()
        if p is not None and best:
            vals = t.values(SUBJECT)
            add(f"upload {variant}: ≥ best peer ({best[0]})",
                f"{fmt(p / best[1], 3)}× (portico {fmt(min(vals))}–{fmt(max(vals))} GiB/s)",
                p >= best[1])
    for variant in ws.get("files", {}).get("variants", []):
        t = table("files", variant)
        p, best = t.med(SUBJECT), t.best_peer()
        if p is not None and best:
            add(f"small files {variant}: ≥ 1.5 × best peer ({best[0]})",
                f"{fmt(p / best[1], 3)}×", p >= 1.5 * best[1])
    for variant in ws.get("concurrent", {}).get("variants", []):
        t = table("concurrent", variant)
        p, best = t.med(SUBJECT), t.best_peer()
        if p is None:
            continue
        failed = t.failed_sessions(SUBJECT)
        if best:
            add(f"{variant}: ≥ 1.5 × best peer's transfers/s ({best[0]})",
                f"{fmt(p / best[1], 3)}×", p >= 1.5 * best[1])
        add(f"{variant}: no failed session", f"{failed} failed", failed == 0)
        if variant.startswith("100 "):
            p99 = {n: t.med(n, "p99_ms") for n in t.rows}
            mine = p99.get(SUBJECT)
            others = {n: v for n, v in p99.items() if n != SUBJECT and v is not None}
            if mine is not None and others:
                bn = min(others, key=others.get)
                add(f"{variant}: lowest p99 latency", f"{fmt(mine)} ms vs {bn} {fmt(others[bn])} ms",
                    mine <= others[bn])
    for variant in ws.get("idle", {}).get("variants", []):
        t = table("idle", variant)
        p = t.med(SUBJECT)
        if p is not None:
            lost = sum((x.get("sessions") or 0) - (x.get("alive") or 0)
                       for x in t.rows.get(SUBJECT, []))
            add(f"idle {variant}: ≤ 4 KiB per session",
                f"{fmt(p)} KiB" + (f" ({lost} sessions not opened, all rounds)" if lost else ""),
                p <= 4.0)
    for variant in ws.get("login", {}).get("variants", []):
        t = table("login", variant)
        p, best = t.med(SUBJECT), t.best_peer()
        if p is not None and best:
            add(f"login rate: ≥ 5 × best hash-checking peer ({best[0]})",
                f"{fmt(p / best[1], 3)}×", p >= 5 * best[1])
    return rows


def sizes(p):
    def b(n):
        for unit, k in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
            if n >= k and n % k == 0:
                return f"{n // k} {unit}"
        return f"{n} B"
    crowd = ", ".join(f"{n} ({'/'.join(m.upper() for m in modes)})" for n, modes in p["crowd"])
    return (f"transfers of {b(p['big'])} ({p.get('repeat', 1)} per sample, in one session); "
            f"{p['small_count']} files of {b(p['small_size'])}; "
            f"sessions at once: {crowd}, {p['fetches']} fetches of 64 KiB each; "
            f"{p['idle']} idle sessions ({p['idle_forking']} for forking servers), opened "
            f"{p['idle_parallel']} at a time; {p['logins']} logins, "
            f"{p['login_concurrency']} at a time; a session fails after "
            f"{p['op_timeout']} s without progress")


def render(results):
    m = results["meta"]
    lm = limit_medians_of(results)
    out = [f"## Run of {m['started']} ({m['profile']} profile)", ""]
    mach = m["machine"]
    out += [f"- Machine: {mach['cpus']} × {mach['cpu_model']}, {mach['memory_gib']} GiB, "
            f"{mach['os']}, Linux {mach['kernel']}; load average at start {mach['load_at_start']:.2f}",
            f"- portico: {results['servers'].get(SUBJECT, {}).get('version', '?')}, commit "
            f"{m['commit']}; load generator: portico-loadgen ({m['loadgen']})",
            f"- Sizes: {sizes(m['sizes'])}",
            f"- {m['rounds']} rounds, servers interleaved within each round, order rotated "
            f"per round; {m['duration_s'] / 60:.1f} minutes in all",
            f"- CPU accounting: {m['accounting']}",
            f"- Command: `{m['command']}`", ""]
    if results.get("unavailable"):
        out += ["Not measured: " + "; ".join(f"{k} ({v})" for k, v in
                                              results["unavailable"].items()), ""]
    rows = targets(results, lm)
    if rows:
        out += ["### Targets", "", "| target | measured (medians) | |", "|---|---|---|"]
        out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
        out.append("")
    for w in results["workloads"]:
        out += workload_section(results, w, lm)
    out += ["### Servers", "", "| server | version | checks the hash | processes | "
            "passive ports | configuration beyond the defaults |", "|---|---|---|---|---|---|"]
    for name in results["server_order"]:
        d = results["servers"][name]
        out.append(f"| {name} | {d['version']} | {'yes' if d['checks_hash'] else 'no'} | "
                   f"{'one or more per session' if d['forks'] else 'one'} | "
                   f"{d['passive_ports']} | {'; '.join(d['quirks'])} |")
    out.append("")
    return "\n".join(out)


def missing(results):
    """What a complete run lacks: (workload, variant, server) without an ok sample."""
    gaps = []
    for w in results["workloads"]:
        for variant in w["variants"]:
            for server in results["server_order"]:
                ok = [s for s in results["samples"] if s["workload"] == w["key"]
                      and s["variant"] == variant and s["server"] == server and s.get("ok")]
                if not ok:
                    gaps.append((w["key"], variant, server))
            for method in w["limits"]:
                if not [s for s in results["samples"] if s["server"] == f"limit-{method}"
                        and s["workload"] == w["key"] and s["variant"] == variant
                        and s.get("ok")]:
                    gaps.append((w["key"], variant, f"limit-{method}"))
    return gaps


BEGIN = "<!-- bench:begin (written by bench/run.py --update-docs) -->"
END = "<!-- bench:end -->"


def update_docs(path, md, source):
    """Replaces the text between the bench markers of docs/PERFORMANCE.md."""
    text = path.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path} has no bench markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    body = md.replace("## Run of", "### Run of", 1).replace("\n### ", "\n#### ")
    path.write_text(f"{head}{BEGIN}\n\nSamples: [`{source}`](../{source}).\n\n{body}\n{END}{tail}")


if __name__ == "__main__":
    # Re-render a run: python3 bench/harness/report.py RESULTS.json [--update-docs]
    import json
    import pathlib
    import sys
    src = pathlib.Path(sys.argv[1]).resolve()
    md = render(json.loads(src.read_text()))
    src.with_suffix(".md").write_text(md)
    if "--update-docs" in sys.argv:
        repo = pathlib.Path(__file__).resolve().parents[2]
        update_docs(repo / "docs" / "PERFORMANCE.md", md, src.relative_to(repo))
    print(md)
