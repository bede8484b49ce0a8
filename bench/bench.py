#!/usr/bin/env python3
"""bench/bench.py: scenarios B1-B9 of spec/bench.md, ours and the peers in the same run.

Started by bench/run (which installs the peers). Loopback only; every wait has a deadline;
every process we start gets its own session, and everything in those sessions is killed at the
end (workers in their own process groups included). Prints one table (markdown) on stdout;
progress goes to stderr.
"""
import argparse
import ctypes
import os
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from peers import kh_config, ruby_app, supervisord_config, unicorn_setup, worker_script, write
from procfs import children, cpu_ns, pss_mib, rss_mib, session_members, threads, zombies_of
from procs import PY_TICK, Fifo, Missing, cleanup, free_port, http_status, start, stop, wait_until
from report import Table, log, log_time, logfmt

HOME = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KH = os.path.join(HOME, "bin", "kleinhirn")
HARPOON = os.path.join(HOME, "bin", "harpoon-supervisor")


# ---------------------------------------------------------------------------------- scenarios

def await_frame(s, marker, timeout):
    """Reads the SSE stream on s until `marker` arrives; blocking reads, so no polling sleep."""
    buf = b""
    deadline = time.monotonic() + timeout
    while marker not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {marker!r} within {timeout} s: " + buf.decode(errors="replace")[-300:])
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            raise RuntimeError(f"control closed before {marker!r}")
        buf += chunk


class Bench:
    def __init__(self, quick, root):
        self.quick = quick
        self.root = root
        self.table = Table()
        self.n = 0

    def dir(self, name):
        self.n += 1
        d = os.path.join(self.root, f"{self.n:02d}-{name}")
        os.makedirs(d)
        return d

    def reps(self, full):
        return 1 if self.quick else full

    # B1 -------------------------------------------------------------------------------------
    def start_pool(self, name, fifo_n=8, kind="kleinhirn", body_extra="", ack=False, count=8):
        """Starts kleinhirn or supervisord with `count` trivial workers; returns (proc, fifo, t0, lines)."""
        d = self.dir(name)
        fifo = Fifo(os.path.join(d, "fifo"))
        script = worker_script(d, fifo.path, ack=ack)
        if kind == "kleinhirn":
            cfg = kh_config(d, f'[worker]\ntype = "program"\ncount = {count}\ncmdline = ["/bin/sh", "{script}"]\n'
                               f'{"ack_workers = true" if ack else ""}\n{body_extra}')
            argv = [KH, "-f", cfg]
        else:
            argv = ["supervisord", "-c", supervisord_config(d, f"/bin/sh {script}", count)]
        t0 = PY_TICK()
        p = start(argv, d, os.path.join(d, "out.log"))
        lines = fifo.lines(count, 30, p)
        return p, fifo, t0, lines, d

    def b1(self):
        first, all8, sd_all, sd_first = [], [], [], []
        for _ in range(self.reps(10)):
            for kind, f_list, a_list in (("kleinhirn", first, all8), ("supervisord", sd_first, sd_all)):
                p, fifo, t0, lines, _ = self.start_pool("b1-" + kind, kind=kind)
                f_list.append((lines[0][0] - t0) * 1000)
                a_list.append((lines[-1][0] - t0) * 1000)
                stop(p)
                fifo.close()
        self.table.add("B1", "launch -> first worker running, ms", first, "supervisord", sd_first)
        self.table.add("B1", "launch -> 8 workers running, ms", all8, "supervisord", sd_all)

    # B2 -------------------------------------------------------------------------------------
    def kill_loop(self, p, fifo, pids, kills):
        """kill -9 the oldest worker, wait for its replacement's line; returns [(wall, victim, ms)]."""
        out = []
        pids = list(pids)
        for _ in range(kills):
            victim = pids.pop(0)
            wall = time.time()
            t = PY_TICK()
            os.kill(victim, signal.SIGKILL)
            (t_line, new), = fifo.lines(1, 10, p)
            out.append((wall, victim, (t_line - t) * 1000))
            pids.append(int(new))
            time.sleep(0.03)  # let the ack land and the machine settle before the next kill
        return out

    @staticmethod
    def p99(xs):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]

    def b2(self):
        kills = 5 if self.quick else 50
        tolerant = 'max_deaths = 100000\nmin_uptime = "10ms"\n'
        # exec: kleinhirn vs supervisord
        res = {}
        for kind in ("kleinhirn", "supervisord"):
            p, fifo, _, lines, d = self.start_pool("b2-" + kind, kind=kind, ack=True, body_extra=tolerant)
            res[kind] = self.kill_loop(p, fifo, [int(x) for _, x in lines], kills)
            if kind == "kleinhirn":
                own, acked = self.kh_shares(os.path.join(d, "out.log"), res[kind])
            stop(p)
            fifo.close()
        ours = [ms for _, _, ms in res["kleinhirn"]]
        theirs = [ms for _, _, ms in res["supervisord"]]
        self.table.add("B2", f"exec: kill -9 -> replacement running, median ms ({kills} kills)", ours, "supervisord", theirs)
        self.table.add("B2", "exec: same, p99 ms", [self.p99(ours)], "supervisord", [self.p99(theirs)])
        self.table.add("B2", "exec: kill -> replacement acked (log, ms resolution)", acked)
        self.table.add("B2", "exec: supervisor's share, death seen -> spawned (log, ms resolution)", own)
        # preload: kleinhirn type = "ruby" vs unicorn preload_app
        mb = 10 if self.quick else 70
        theirs = self.unicorn_kills(mb, kills)
        try:
            ours, acked = self.ruby_kills(mb, kills)
            self.table.add("B2", f"preload ({mb} MB app): kill -9 -> replacement running, median ms", ours, "unicorn", theirs)
            self.table.add("B2", "preload: same, p99 ms", [self.p99(ours)], "unicorn", [self.p99(theirs)])
            self.table.add("B2", "preload: kill -> replacement acked (log, ms resolution)", acked)
            spare, spare_acked = self.ruby_kills(mb, kills, extra="spares = 1\n")
            self.table.add("B2", "preload, spares = 1: kill -9 -> promoted spare running, median ms", spare, "unicorn", theirs)
            self.table.add("B2", "preload, spares = 1: same, p99 ms", [self.p99(spare)], "unicorn", [self.p99(theirs)])
            self.table.add("B2", "preload, spares = 1: kill -> acked (log, ms resolution)", spare_acked)
        except Missing as e:
            self.table.add("B2", f"preload ({mb} MB app): kill -9 -> replacement running, median ms", f"n/a ({e})", "unicorn", theirs)

    @staticmethod
    def kh_shares(logfile, kills):
        """From kleinhirn's log: per kill, death logged -> replacement spawned, and kill -> acked."""
        recs = logfmt(logfile)
        own, acked = [], []
        for wall, victim, _ in kills:
            died = next((r for r in recs if r.get("msg") in ("worker died", "worker exited") and r.get("pid") == str(victim)), None)
            if not died:
                continue
            t_died = log_time(died["ts"])
            i = recs.index(died)
            # the replacement: a new fork, or a promoted spare (worker.spares)
            spawned = next((r for r in recs[i:] if r.get("msg") in ("worker spawned", "worker promoted")), None)
            if spawned:
                own.append((log_time(spawned["ts"]) - t_died) * 1000)
                ack = next((r for r in recs[i:] if r.get("msg") == "worker acked" and r.get("pid") == spawned.get("pid")), None)
                if ack:
                    acked.append(max(0.0, (log_time(ack["ts"]) - wall) * 1000))
        return own or "n/a", acked or "n/a"

    def start_ruby_pool(self, name, mb, count=8, extra=""):
        d = self.dir(name)
        fifo = Fifo(os.path.join(d, "fifo"))
        ruby_app(d, fifo.path, mb)
        cfg = kh_config(d, f'[worker]\ntype = "ruby"\ncount = {count}\nload = "app.rb"\n'
                           f'start_expression = "BenchApp.start"\n{extra}')
        t0 = PY_TICK()
        p = start([KH, "-f", cfg], d, os.path.join(d, "out.log"))
        try:
            lines = fifo.lines(count, 60, p)
        except RuntimeError as e:
            text = open(os.path.join(d, "out.log"), errors="replace").read()
            stop(p)
            if "ruby" in text and ("not available" in text or "unknown" in text or "invalid" in text):
                raise Missing("feature missing: type = \"ruby\"")
            raise RuntimeError(f"{e}; log tail: {text[-300:]}")
        return p, fifo, t0, lines, d

    def ruby_kills(self, mb, kills, extra=""):
        p, fifo, _, lines, d = self.start_ruby_pool("b2-ruby", mb, extra='max_deaths = 100000\nmin_uptime = "10ms"\n' + extra)
        res = self.kill_loop(p, fifo, [int(x) for _, x in lines], kills)
        _, acked = self.kh_shares(os.path.join(d, "out.log"), res)
        stop(p)
        fifo.close()
        return [ms for _, _, ms in res], acked

    def unicorn_kills(self, mb, kills):
        d = self.dir("b2-unicorn")
        fifo = Fifo(os.path.join(d, "fifo"))
        p = start(unicorn_setup(d, fifo.path, 8, mb), d, os.path.join(d, "out.log"))
        lines = fifo.lines(8, 60, p)
        res = self.kill_loop(p, fifo, [int(x) for _, x in lines], kills)
        stop(p)
        fifo.close()
        return [ms for _, _, ms in res]

    # B3 -------------------------------------------------------------------------------------
    def b3(self):
        mb = 10 if self.quick else 70
        ours_t, ours_pss, un_t, un_pss, ex_t, ex_pss = [], [], [], [], [], []
        ours_kids, ours_self = [], []  # issue 12: loader+workers against unicorn's whole set
        missing = None
        for _ in range(self.reps(5)):
            if missing is None:
                try:
                    p, fifo, t0, lines, _ = self.start_ruby_pool("b3-ruby", mb)
                    ours_t.append(lines[-1][0] - t0)
                    time.sleep(0.3)
                    members = session_members(p.pid)
                    ours_pss.append(pss_mib(members))
                    ours_kids.append(pss_mib([m for m in members if m != p.pid]))
                    ours_self.append(pss_mib([p.pid]))
                    stop(p)
                    fifo.close()
                except Missing as e:
                    missing = str(e)
            # unicorn preload_app
            d = self.dir("b3-unicorn")
            fifo = Fifo(os.path.join(d, "fifo"))
            t0 = PY_TICK()
            p = start(unicorn_setup(d, fifo.path, 8, mb), d, os.path.join(d, "out.log"))
            lines = fifo.lines(8, 60, p)
            un_t.append(lines[-1][0] - t0)
            time.sleep(0.3)
            un_pss.append(pss_mib(session_members(p.pid)))
            stop(p)
            fifo.close()
            # our exec mode: 8 independent rubies
            d = self.dir("b3-exec")
            fifo = Fifo(os.path.join(d, "fifo"))
            ruby_app(d, fifo.path, mb)
            runner = write(os.path.join(d, "run.rb"), 'require_relative "app"\nBenchApp.start\n')
            cfg = kh_config(d, f'[worker]\ntype = "program"\ncount = 8\ncmdline = ["ruby", "{runner}"]\n')
            t0 = PY_TICK()
            p = start([KH, "-f", cfg], d, os.path.join(d, "out.log"))
            lines = fifo.lines(8, 60, p)
            ex_t.append(lines[-1][0] - t0)
            time.sleep(0.3)
            ex_pss.append(pss_mib(session_members(p.pid)))
            stop(p)
            fifo.close()
        ours_t_v = f"n/a ({missing})" if missing else ours_t
        ours_p_v = f"n/a ({missing})" if missing else ours_pss
        self.table.add("B3", f"preload {mb} MB app, 8 workers: launch -> all acked, s", ours_t_v, "unicorn preload_app", un_t)
        self.table.add("B3", "", "", "kleinhirn exec mode", ex_t)
        self.table.add("B3", "total PSS supervisor+loader+workers, MiB", ours_p_v, "unicorn preload_app", un_pss)
        self.table.add("B3", "", "", "kleinhirn exec mode", ex_pss)
        self.table.add("B3", "PSS loader+workers (no supervisor), MiB", "n/a" if missing else ours_kids,
                       "unicorn master+workers", un_pss)
        self.table.add("B3", "PSS of the supervisor (the JVM) alone, MiB", "n/a" if missing else ours_self)

    # B4 -------------------------------------------------------------------------------------
    def b4(self):
        n = 1000 if self.quick else 10000
        helper = os.path.join(self.root, "orphans")
        src = os.path.join(HOME, "bench", "orphans.c")
        if subprocess.run(["cc", "-O2", "-o", helper, src]).returncode != 0:
            raise Missing("no C compiler for bench/orphans.c")
        res = {}
        for kind in ("kleinhirn", "tini"):
            drains, zombies = [], []
            for _ in range(self.reps(3)):
                d = self.dir("b4-" + kind)
                fifo = Fifo(os.path.join(d, "fifo"))
                go = Fifo(os.path.join(d, "go"))
                if kind == "kleinhirn":
                    cfg = kh_config(d, f'[worker]\ntype = "program"\ncount = 1\n'
                                       f'cmdline = ["{helper}", "{n}", "{fifo.path}", "{go.path}"]\n')
                    argv = [KH, "-f", cfg]
                else:
                    argv = ["tini", "-s", "--", helper, str(n), fifo.path, go.path]
                p = start(argv, d, os.path.join(d, "out.log"))
                (_, created), = fifo.lines(1, 120, p)
                worker = int(created.split()[1])
                time.sleep(0.2)
                t_rel = PY_TICK()
                os.write(go.fd, b"go\n")
                fifo.lines(1, 30, p)  # "released"
                t_done = wait_until(lambda: children(p.pid) <= {worker} and PY_TICK(), 60, "all orphans reaped", 0.0005)
                drains.append((t_done - t_rel) * 1000)
                time.sleep(0.1)
                zombies.append(zombies_of(p.pid) + sum(1 for c in children(p.pid) if c != worker))
                stop(p)
                fifo.close()
                go.close()
            res[kind] = (drains, zombies)
        (kd, kz), (td, tz) = res["kleinhirn"], res["tini"]
        self.table.add("B4", f"{n} orphans released at once -> all reaped, ms", kd, "tini -s", td)
        self.table.add("B4", "reaps per second", [n / (x / 1000) for x in kd], "tini -s", [n / (x / 1000) for x in td],
                       lower_is_better=False)
        self.table.add("B4", "zombies left (must be 0)", [max(kz)], "tini -s", [max(tz)])

    # B5 -------------------------------------------------------------------------------------
    def b5(self):
        window = 2 if self.quick else 10
        figures = {k: ([], [], []) for k in ("kleinhirn", "supervisord", "unicorn")}
        for _ in range(self.reps(3)):
            procs = {}
            for kind in ("kleinhirn", "supervisord"):
                p, fifo, _, _, _ = self.start_pool("b5-" + kind, kind=kind)
                procs[kind] = (p, fifo)
            d = self.dir("b5-unicorn")
            fifo = Fifo(os.path.join(d, "fifo"))
            p = start(unicorn_setup(d, fifo.path, 8, 0), d, os.path.join(d, "out.log"))
            fifo.lines(8, 60, p)
            procs["unicorn"] = (p, fifo)
            time.sleep(1)  # settle after start; not part of the window
            c0 = {k: (cpu_ns(p.pid), PY_TICK()) for k, (p, _) in procs.items()}
            time.sleep(window)  # the idle window itself: the rate divides by the time it really took
            for k, (p, fifo) in procs.items():
                rss, thr, cpu = figures[k]
                ns0, t0 = c0[k]
                cpu.append((cpu_ns(p.pid) - ns0) / 1e6 / (PY_TICK() - t0))
                rss.append(rss_mib(p.pid))
                thr.append(threads(p.pid))
            for p, fifo in procs.values():
                stop(p)
                fifo.close()
        for i, metric in enumerate(("supervisor VmRSS with 8 idle workers, MiB", "supervisor threads",
                                    f"supervisor CPU while idle, ms per s ({window} s)")):
            ours = figures["kleinhirn"][i]
            self.table.add("B5", metric, ours, "supervisord", figures["supervisord"][i])
            self.table.add("B5", "", "", "unicorn master", figures["unicorn"][i])

    # B6 -------------------------------------------------------------------------------------
    def b6(self):
        if not shutil.which("wrk"):
            raise Missing("wrk not installed")
        secs = 2 if self.quick else 10
        rps, p99s, rss, thr = [], [], [], []
        for _ in range(self.reps(3)):
            port = free_port()
            p, fifo, _, _, _ = self.start_pool("b6", body_extra=f'[health_check]\nlisten_addr = "127.0.0.1:{port}"\n')
            wait_until(lambda: http_status(port) == 200, 30, "healthz 200")
            out = subprocess.run(["wrk", "-t2", "-c32", f"-d{secs}s", "--latency", f"http://127.0.0.1:{port}/healthz"],
                                 capture_output=True, text=True, timeout=secs + 30).stdout
            m = re.search(r"Requests/sec:\s+([\d.]+)", out)
            q = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", out)
            if m:
                rps.append(float(m.group(1)))
            if q:
                p99s.append(float(q.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[q.group(2)])
            if re.search(r"Non-2xx", out):
                log("B6: wrk saw non-2xx answers:\n" + out)
            time.sleep(0.5)
            rss.append(rss_mib(p.pid))
            thr.append(threads(p.pid))
            if p.poll() is not None or len(children(p.pid)) < 8:
                raise RuntimeError("supervision disturbed under HTTP load")
            stop(p)
            fifo.close()
        self.table.add("B6", f"/healthz under wrk -c32 {secs} s: req/s", rps, lower_is_better=False)
        self.table.add("B6", "p99 latency, ms", p99s)
        self.table.add("B6", "VmRSS after, MiB", rss)
        self.table.add("B6", "threads after", thr)

    # B7 -------------------------------------------------------------------------------------
    def fanout(self, sock_path, clients, trigger, marker, proc):
        """Connects `clients` SSE clients, waits for each one's first state, runs trigger(), and
        returns per-client ms until a frame containing `marker` (bytes) arrived after it."""
        conns = []
        deadline = time.monotonic() + 20
        while len(conns) < clients:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(sock_path)
            except (BlockingIOError, ConnectionRefusedError):
                s.close()  # the listen backlog is full: let the server accept, then retry
                if time.monotonic() > deadline:
                    raise TimeoutError(f"only {len(conns)} of {clients} clients connected")
                time.sleep(0.001)
                continue
            s.setblocking(False)
            conns.append(s)
        bufs = {s.fileno(): b"" for s in conns}

        def pump(timeout):
            r, _, _ = select.select(conns, [], [], timeout)
            t = PY_TICK()
            for s in r:
                try:
                    data = s.recv(65536)
                except BlockingIOError:
                    continue
                if not data:
                    raise RuntimeError("control socket closed a client")
                bufs[s.fileno()] += data
            return t

        deadline = time.monotonic() + 20
        while not all(b"\n\n" in b for b in bufs.values()):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise TimeoutError("not every client got its first state")
            pump(0.05)
        time.sleep(0.2)
        while select.select(conns, [], [], 0)[0]:
            pump(0)
        for k in bufs:
            bufs[k] = b""
        t0 = PY_TICK()
        trigger(conns)
        got = {}
        deadline = time.monotonic() + 20
        while len(got) < clients:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(got)} of {clients} clients saw the change")
            t = pump(0.05)
            for s in conns:
                if s.fileno() not in got and marker in bufs[s.fileno()]:
                    got[s.fileno()] = (t - t0) * 1000
        for s in conns:
            s.close()
        xs = sorted(got.values())
        return statistics.median(xs), self.p99(xs)

    def b7(self):
        clients = 20 if self.quick else 200
        p50, p99 = [], []
        missing = None
        for _ in range(self.reps(5)):
            d = self.dir("b7")
            sock = os.path.join(d, "control.sock")
            fifo = Fifo(os.path.join(d, "fifo"))
            script = worker_script(d, fifo.path)
            cfg = kh_config(d, f'socket = "{sock}"\n[worker]\ntype = "program"\ncount = 8\n'
                               f'cmdline = ["/bin/sh", "{script}"]\nmax_deaths = 1000\n')
            p = start([KH, "-f", cfg], d, os.path.join(d, "out.log"))
            pids = [int(x) for _, x in fifo.lines(8, 30, p)]
            try:
                wait_until(lambda: os.path.exists(sock) or p.poll() is not None, 3, "control socket")
            except TimeoutError:
                pass
            if not os.path.exists(sock):
                missing = "feature missing: supervisor.socket"
                stop(p)
                fifo.close()
                break
            a, b = self.fanout(sock, clients, lambda _: os.kill(pids[0], signal.SIGKILL), b"event:", p)
            p50.append(a)
            p99.append(b)
            stop(p)
            fifo.close()
        label = f"{clients} SSE clients, kill -9 a worker -> all saw the new state, ms"
        if missing:
            self.table.add("B7", label + " p50", f"n/a ({missing})")
        else:
            self.table.add("B7", label + " p50", p50)
            self.table.add("B7", "same, p99", p99)
        # harpoon's ./control uses the same ControlServer: measure it too when runc works.
        try:
            h50, h99 = [], []
            for _ in range(self.reps(3)):
                run = self.harpoon_dir("b7-harpoon")
                p = start([HARPOON, "--hostname", "bench", "--id", run["id"], "--", "sleep", "100000"],
                          run["dir"], os.path.join(run["dir"], "out.log"))
                try:
                    self.harpoon_up(run, p)
                    a, b = self.fanout(run["control"], clients,
                                       lambda conns: conns[0].send(b"event: kill\ndata\n\n"), b'"up":false', p)
                    h50.append(a)
                    h99.append(b)
                finally:
                    self.harpoon_end(run, p)
            self.table.add("B7", f"harpoon ./control, {clients} clients, `kill` -> all saw up:false, ms p50", h50)
            self.table.add("B7", "same, p99", h99)
        except Missing as e:
            self.table.add("B7", "harpoon ./control fan-out", f"n/a ({e})")

    # B8 -------------------------------------------------------------------------------------
    def b8(self):
        res = {"kleinhirn": [], "supervisord": []}
        for _ in range(self.reps(10)):
            for kind in res:
                p, fifo, _, _, _ = self.start_pool("b8-" + kind, kind=kind)
                time.sleep(0.2)
                t = PY_TICK()
                os.kill(p.pid, signal.SIGTERM)
                p.wait(timeout=30)
                res[kind].append((PY_TICK() - t) * 1000)
                if p.returncode != 0:
                    log(f"B8: {kind} exited {p.returncode}")
                stop(p)
                fifo.close()
        self.table.add("B8", "SIGTERM, 8 workers exit on TERM -> supervisor exited, ms", res["kleinhirn"],
                       "supervisord", res["supervisord"])

    # B9 -------------------------------------------------------------------------------------
    def harpoon_dir(self, name):
        if os.geteuid() != 0:
            raise Missing("needs root")
        if not shutil.which("runc"):
            raise Missing("runc not installed")
        busybox = shutil.which("busybox")
        if not busybox:
            raise Missing("busybox not installed")
        d = self.dir(name)
        rootfs = os.path.join(d, "rootfs")
        for sub in ("bin", "proc", "dev", "sys", "etc", "tmp"):
            os.makedirs(os.path.join(rootfs, sub))
        shutil.copy(busybox, os.path.join(rootfs, "bin", "busybox"))
        for applet in ("sh", "sleep", "true"):
            os.symlink("busybox", os.path.join(rootfs, "bin", applet))
        write(os.path.join(d, "agent.json"), '{"env":{"PATH":"/bin"}}')
        return {"dir": d, "id": f"bench-{os.getpid()}-{self.n}", "control": os.path.join(d, "control")}

    def harpoon_up(self, run, p, timeout=30):
        """Connects to ./control (retrying) and waits for up:true; returns perf_counter time."""
        deadline = time.monotonic() + timeout
        s = None
        while s is None:
            if time.monotonic() > deadline or p.poll() is not None:
                raise RuntimeError("no ./control: " + open(os.path.join(run["dir"], "out.log"), errors="replace").read()[-400:])
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(run["control"])
            except OSError:
                s.close()
                s = None
                time.sleep(0.001)  # a poll for the socket to appear: the figure's resolution, 1 ms
        buf = b""
        s.settimeout(0.5)
        while b'"up":true' not in buf:
            if time.monotonic() > deadline:
                raise TimeoutError("no up:true state: " + buf.decode(errors="replace")[-300:])
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise RuntimeError("control closed before up:true")
            buf += chunk
        t = PY_TICK()
        run["client"] = s
        return t

    def harpoon_end(self, run, p):
        s = run.pop("client", None)
        try:
            if s is not None:
                s.settimeout(5)
                s.send(b"event: kill\ndata\n\n")
                await_frame(s, b'"up":false', 5)  # the container is down: now ask the supervisor to exit
                s.send(b"event: exit\ndata\n\n")
                p.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if s is not None:
                s.close()
            stop(p)
            subprocess.run(["runc", "delete", "--force", run["id"]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def b9(self):
        ups, downs, r_ups, r_downs = [], [], [], []
        config = None
        for _ in range(self.reps(5)):
            run = self.harpoon_dir("b9-harpoon")
            t0 = PY_TICK()
            p = start([HARPOON, "--hostname", "bench", "--id", run["id"], "--", "sleep", "100000"],
                      run["dir"], os.path.join(run["dir"], "out.log"))
            try:
                ups.append((self.harpoon_up(run, p) - t0) * 1000)
                s = run["client"]
                s.settimeout(0.5)
                t1 = PY_TICK()
                s.send(b"event: kill\ndata\n\n")
                await_frame(s, b'"up":false', 20)
                downs.append((PY_TICK() - t1) * 1000)
                config = open(os.path.join(run["dir"], "config.json")).read(), run
            finally:
                self.harpoon_end(run, p)
        # the floor: bare runc with the very spec harpoon generated
        text, run = config
        libc = ctypes.CDLL(None, use_errno=True)
        for i in range(self.reps(5)):
            cid = f"bench-bare-{os.getpid()}-{i}"
            write(os.path.join(run["dir"], "config.json"), text.replace(run["id"], cid))
            libc.prctl(36, 1, 0, 0, 0)  # subreaper: the container's init becomes our child
            try:
                t0 = PY_TICK()
                subprocess.run(["runc", "create", "--bundle", run["dir"], "--pid-file", os.path.join(run["dir"], "bare.pid"), cid],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=30)
                subprocess.run(["runc", "start", cid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=30)
                r_ups.append((PY_TICK() - t0) * 1000)
                pid = int(open(os.path.join(run["dir"], "bare.pid")).read())
                t1 = PY_TICK()
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                r_downs.append((PY_TICK() - t1) * 1000)
            finally:
                subprocess.run(["runc", "delete", "--force", cid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                libc.prctl(36, 0, 0, 0, 0)
                try:
                    while os.waitpid(-1, os.WNOHANG)[0] > 0:
                        pass
                except ChildProcessError:
                    pass
        self.table.add("B9", "harpoon-supervisor launch -> first up:true, ms", ups, "runc create+start", r_ups)
        self.table.add("B9", "`kill` -> up:false state, ms", downs, "kill -9 + reap (runc container)", r_downs)

    def b10(self):
        import b10  # B10 lives in its own module (bench/b10.py)
        b10.run(self)

    def run(self, only):
        for name in ("b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10"):
            if only and name not in only:
                continue
            log(f"== {name.upper()}")
            t = time.monotonic()
            try:
                getattr(self, name)()
            except Missing as e:
                self.table.add(name.upper(), "-", f"n/a ({e})")
            except Exception as e:  # one broken scenario must not hide the others
                self.table.add(name.upper(), "-", f"error: {type(e).__name__}: {str(e)[:160]}")
                log(f"{name.upper()} failed: {e!r}")
            finally:
                cleanup()
            log(f"   {time.monotonic() - t:.1f} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="each scenario once, at small size (CI smoke run)")
    ap.add_argument("--only", default="", help="comma-separated scenarios, e.g. b1,b5")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="kleinhirn-bench.")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    b = Bench(a.quick, root)
    try:
        b.run([x.strip().lower() for x in a.only.split(",") if x.strip()])
    finally:
        cleanup()
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            log(f"scratch kept: {root}")
    print(b.table.render())
    bad = [r for r in b.table.rows if isinstance(r[2], str) and r[2].startswith("error")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
