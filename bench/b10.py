"""B10: a real Rack app under load, and what its memory does.

A Rack app with ~64 MB preloaded; each worker fills its own ~34 MB cache on its first 100
requests (as real apps fill theirs lazily). Each kleinhirn worker runs Debian's puma in single
mode, one thread; all of them accept on one listen socket that this harness binds and passes as
fd 3 (LISTEN_FDS=1, LISTEN_PID set by a small exec trampoline): the supervisor manages no
sockets. wrk drives `Connection: close` requests in slices of a few seconds for a warm-up phase
and a load phase; after each phase the total PSS of everything in the row's session
(supervisor + loader + workers, or master + workers) is summed from /proc/PID/smaps_rollup.

Rows, same run, same app: kleinhirn preloaded; kleinhirn with refork_after; kleinhirn with
max_memory recycling; unicorn preload_app; puma cluster preload_app!; puma cluster fork_worker
(reforked by SIGURG at the same point of the warm-up as kleinhirn's refork_after). Every puma
runs with queue_requests false (see B10.serve: a stopping puma otherwise drops connections).
"""
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

import procs

# bench.py runs as __main__: use that module (its STARTED list, its cleanup), not a second copy.
B = sys.modules["__main__"]
if not hasattr(B, "Bench"):
    import bench as B  # noqa: E402 (imported on its own, e.g. from a REPL)

ROWS = ("kleinhirn preloaded", "kleinhirn refork_after", "kleinhirn max_memory",
        "unicorn preload_app", "puma cluster preload_app!", "puma cluster fork_worker")

APP = """# B10 app: {preload_mb} MB preloaded; each worker fills a {cache_mb} MB cache on its first 100 requests.
require 'puma'
require 'puma/configuration'
require 'puma/events'
require 'puma/launcher'

module B10
  PRELOAD = Array.new({preload_mb} * 4096) {{ |i| ("p#{{i}}-" + "x" * 230).freeze }}
  CACHE_STEPS = 100
  PER_STEP = {cache_mb} * 4096 / CACHE_STEPS
  @cache = []

  def self.call(_env)
    @cache << Array.new(PER_STEP) {{ |i| "c#{{i}}-" + "y" * 200 }} if @cache.size < CACHE_STEPS
    step = @cache[rand(@cache.size)]
    body = "#{{PRELOAD[rand(PRELOAD.size)].bytesize}} #{{step[rand(step.size)].bytesize}}\\n"
    [200, {{ 'Content-Type' => 'text/plain', 'Content-Length' => body.bytesize.to_s }}, [body]]
  end

  # puma in single mode, one thread, on the inherited socket (LISTEN_FDS); acks once booted.
  # queue_requests false: puma's reactor holds connections it accepted before their request
  # arrived, and on stop it closes those unanswered (Server#reactor_wakeup: client.timeout!);
  # a Connection: close client sees a read error. Without the reactor a stopping puma serves
  # every connection it accepted. Measured here with max_lifetime = 1s: 11 and 18 read errors
  # per 28 recycles with the reactor, 0 and 0 without, at the same req/s.
  def self.serve(bind)
    conf = Puma::Configuration.new do |c|
      c.bind bind
      c.threads 1, 1
      c.app self
      c.environment 'production'
      c.log_requests false
      c.quiet
      c.queue_requests false
    end
    events = Puma::Events.new($stdout, $stderr)
    events.on_booted {{ KleinhirnLoader::Worker.new.done if defined?(KleinhirnLoader::Worker) }}
    Puma::Launcher.new(conf, events: events).run
  end
end
"""

# Makes fd 3 the listen socket and LISTEN_PID the pid that execs the supervisor (this one).
TRAMPOLINE = ("import os, sys; fd = int(sys.argv[1]); fd != 3 and (os.dup2(fd, 3), os.close(fd)); "
              "os.set_inheritable(3, True); "
              "os.environ['LISTEN_FDS'] = '1'; os.environ['LISTEN_PID'] = str(os.getpid()); "
              "os.execvp(sys.argv[2], sys.argv[2:])")


class Row:
    def __init__(self, name):
        self.name = name
        self.slices = []  # (phase, t_start, t_end, requests, errors, p99_ms)
        self.pss = {}  # phase -> MiB
        self.events = []  # (epoch s, what) from the supervisor's log
        self.note = ""


def listen_socket(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1024)
    return s


def start_with_fd(argv, cwd, log, fd):
    """bench.start, passing one more fd; the process leads its own session and is cleaned up."""
    with open(log, "ab") as out:
        p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                             start_new_session=True, pass_fds=(fd,))
    procs.STARTED.append(p)  # cleaned up with the rest
    return p


def wrk_slice(port, secs, conns):
    t0 = time.time()
    out = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{secs}s", "--latency", "-H", "Connection: close",
                          f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=secs + 60).stdout
    t1 = time.time()
    m = re.search(r"(\d+) requests in", out)
    q = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", out)
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    p99 = float(q.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[q.group(2)] if q else None
    return t0, t1, int(m.group(1)) if m else 0, errors, p99


class B10:
    def __init__(self, bench):
        self.b = bench
        q = bench.quick
        self.workers = 2 if q else 4
        self.preload_mb = 8 if q else 64
        self.cache_mb = 4 if q else 34
        self.slice = int(os.environ.get("B10_SLICE", 1 if q else 2))  # seconds per wrk run (investigations: 1)
        self.warm = 4 if q else 10  # seconds of load before the first PSS figure
        self.load = 4 if q else 20
        self.refork_at = int(os.environ.get("B10_REFORK_AT", 2 if q else 6))  # seconds after the loader is ready (kleinhirn) / into the warm-up (puma)
        self.conns = 8

    # --------------------------------------------------------------------------------- setup
    def app_dir(self, name):
        d = self.b.dir("b10-" + re.sub(r"[^a-z0-9]+", "-", name))
        B.write(os.path.join(d, "app.rb"), APP.format(preload_mb=self.preload_mb, cache_mb=self.cache_mb))
        B.write(os.path.join(d, "config.ru"), 'require_relative "app"\nrun B10\n')
        return d

    def start_kleinhirn(self, row, d, port):
        health = B.free_port()
        extra = {"kleinhirn refork_after": f'refork_after = ["{self.refork_at}s"]\n',
                 "kleinhirn max_memory": f'max_memory = "{self.max_memory_mib()}MiB"\nmemory_check_interval = "1s"\n'}
        cfg = B.kh_config(d, f'[health_check]\nlisten_addr = "127.0.0.1:{health}"\n'
                             f'[worker]\ntype = "ruby"\ncount = {self.workers}\nload = "app.rb"\n'
                             f'start_expression = "B10.serve(\\"tcp://127.0.0.1:{port}\\")"\n'
                             + extra.get(row.name, ""))
        sock = listen_socket(port)
        try:
            p = start_with_fd([sys.executable, "-c", TRAMPOLINE, str(sock.fileno()), B.KH, "-f", cfg], d,
                              os.path.join(d, "out.log"), sock.fileno())
        finally:
            sock.close()
        B.wait_until(lambda: p.poll() is not None or B.http_status(health) == 200, 120, f"{row.name}: all workers acked",
                     step=0.05)
        if p.poll() is not None:
            raise RuntimeError(f"{row.name}: kleinhirn exited {p.returncode}: {open(os.path.join(d, 'out.log')).read()[-400:]}")
        return p

    def max_memory_mib(self):
        # Above a fresh worker's own memory, below a warmed one's: every worker is recycled once
        # it has filled its cache (the worker-killer pattern, made make-before-break).
        return self.cache_mb // 2 + 8

    def start_peer(self, row, d, port):
        n = self.workers
        if row.name.startswith("unicorn"):
            B.write(os.path.join(d, "unicorn.conf"),
                    f'worker_processes {n}\npreload_app true\nlisten "127.0.0.1:{port}", backlog: 1024\ntimeout 600\n')
            argv = ["unicorn", "-c", os.path.join(d, "unicorn.conf"), os.path.join(d, "config.ru")]
        else:
            fork = row.name.endswith("fork_worker")
            B.write(os.path.join(d, "puma.rb"),
                    f'workers {n}\nthreads 1, 1\nbind "tcp://127.0.0.1:{port}"\nenvironment "production"\n'
                    f'quiet\nqueue_requests false\n{"fork_worker 0" if fork else "preload_app!"}\n')
            argv = ["puma", "-C", os.path.join(d, "puma.rb"), os.path.join(d, "config.ru")]
        p = B.start(argv, d, os.path.join(d, "out.log"))
        B.wait_until(lambda: p.poll() is not None or (B.http_status(port, "/") == 200 and self.workers_up(p) >= n),
                     120, f"{row.name}: {n} workers serving", step=0.05)
        if p.poll() is not None:
            raise RuntimeError(f"{row.name}: exited {p.returncode}")
        return p

    def workers_up(self, p):
        return len(B.session_members(p.pid)) - 1

    # ----------------------------------------------------------------------------------- run
    def run_row(self, name):
        row = Row(name)
        d = self.app_dir(name)
        port = B.free_port()
        kh = name.startswith("kleinhirn")
        p = self.start_kleinhirn(row, d, port) if kh else self.start_peer(row, d, port)
        t_start = time.monotonic()
        urged = False
        for phase, secs in (("warm-up", self.warm), ("load", self.load)):
            end = time.monotonic() + secs
            while time.monotonic() < end - 0.01:
                if name.endswith("fork_worker") and not urged and time.monotonic() - t_start >= self.refork_at:
                    os.kill(p.pid, signal.SIGURG)  # puma: refork the cluster from worker 0
                    urged = True
                    row.events.append((time.time(), "refork"))
                t0, t1, n, errors, p99 = wrk_slice(port, self.slice, self.conns)
                row.slices.append((phase, t0, t1, n, errors, p99))
                if p.poll() is not None:
                    raise RuntimeError(f"{name}: server exited during load")
            row.pss[phase] = B.pss_mib(B.session_members(p.pid))
        if kh:
            row.events += self.kleinhirn_events(os.path.join(d, "out.log"))
        if os.environ.get("B10_TRACE"):  # investigations: each slice's p99 against the events
            t0 = row.slices[0][1]
            B.log(" ".join(f"{s[1] - t0:.0f}s:{s[5]}" for s in row.slices))
            B.log(" ".join(f"{t - t0:.2f}s:{what}" for t, what in row.events if what != "worker recycled refork"))
        B.stop(p)
        return row

    @staticmethod
    def kleinhirn_events(path):
        out = []
        for m in B.logfmt(path):
            if m.get("msg") in ("worker recycling", "worker recycled", "refork started", "loader reforked",
                                "refork failed; the current loader stays", "worker died", "recycled worker exited"):
                out.append((B.log_time(m["ts"]), m["msg"] + (f" {m.get('cause')}" if m.get("cause") else "")))
        return out

    # ------------------------------------------------------- p99 during a refork, per request
    LATENCY_ROWS = ("kleinhirn refork_after", "puma cluster fork_worker")
    FIRST_S = 1.0  # the first second of a refork: the new loader's (puma: worker 0's) fork and compaction
    SETTLE_S = 2.0  # steady: requests started this long after the refork's end, to the end of the run

    def latency_row(self, name, loadgen):
        """One continuous bench/loadgen run (every request recorded) across the refork. The refork
        lasts from its start (kleinhirn's log; puma: the SIGURG) to its last change of worker
        processes (kleinhirn: the last recycled worker's exit; puma: polled, the processes of its session)."""
        d = self.app_dir(name + " loadgen")
        port = B.free_port()
        kh = name.startswith("kleinhirn")
        p = self.start_kleinhirn(Row(name), d, port) if kh else self.start_peer(Row(name), d, port)
        secs = self.refork_at + (6 if self.b.quick else 12)
        records = os.path.join(d, "loadgen.out")  # a file: a pipe would fill while this polls
        with open(records, "w") as rec:
            gen = subprocess.Popen([loadgen, str(port), str(self.conns), str(secs)], stdout=rec,
                                   stderr=subprocess.PIPE, text=True)
        began, changed = None, None
        try:
            if not kh:  # puma: refork the cluster from worker 0 at the same point
                time.sleep(self.refork_at)
                kids = set(B.session_members(p.pid))  # fork_worker's workers are worker 0's children
                os.kill(p.pid, signal.SIGURG)
                began = time.time()
                while gen.poll() is None:
                    now = set(B.session_members(p.pid))
                    if now != kids:
                        kids, changed = now, time.time()
                    time.sleep(0.02)
            _, err = gen.communicate(timeout=secs + 60)
        finally:
            gen.kill()
        with open(records) as rec:
            out = rec.read()
        events = self.kleinhirn_events(os.path.join(d, "out.log")) if kh else []
        B.stop(p)
        if kh:
            starts = [t for t, what in events if what == "refork started"]
            exits = [t for t, what in events if what == "recycled worker exited"]
            began = starts[0] if starts else None
            changed = max(exits) if exits else None
        if began is None or changed is None:
            raise RuntimeError(f"{name}: no refork during the loadgen run")
        end = max(changed, began + self.FIRST_S)
        reqs = [(float(a) / 1000, float(b) / 1000) for a, b in (line.split() for line in out.splitlines())]
        m = re.search(r"errors (\d+)", err)
        return {"first": sorted(lat for t, lat in reqs if began <= t < began + self.FIRST_S),
                "during": sorted(lat for t, lat in reqs if began <= t < end),
                "steady": sorted(lat for t, lat in reqs if t >= end + self.SETTLE_S),
                "before": sorted(lat for t, lat in reqs if began - 3 <= t < began),
                "errors": int(m.group(1)) if m else -1, "refork_s": changed - began,
                "died": sum(1 for _, w in events if w == "worker died")}

    @staticmethod
    def p99(xs):
        return xs[min(len(xs) - 1, int(0.99 * len(xs)))] if xs else float("nan")

    def report_latency(self, name, r):
        t = self.b.table
        p99 = self.p99
        t.add("B10", f"{name}: p99 ms of each request (loadgen) during the refork vs steady (from {self.SETTLE_S:.0f} s "
                     f"after it) | its first {self.FIRST_S:.0f} s | the 3 s before",
              f"{p99(r['during']):.2f} vs {p99(r['steady']):.2f} = {p99(r['during']) / p99(r['steady']):.2f}x | "
              f"{p99(r['first']):.2f} = {p99(r['first']) / p99(r['steady']):.2f}x | {p99(r['before']):.2f}; refork "
              f"{r['refork_s']:.2f} s, {len(r['during'])} requests in it, {r['errors']} errors, {r['died']} died")

    # -------------------------------------------------------------------------------- report
    def report(self, rows):
        t = self.b.table
        dur = f"{self.workers} workers, wrk -c{self.conns} Connection: close"
        for row in rows:
            for phase in ("warm-up", "load"):
                sl = [s for s in row.slices if s[0] == phase]
                secs = sum(s[2] - s[1] for s in sl) or 1
                rps = sum(s[3] for s in sl) / secs
                p99s = [s[5] for s in sl if s[5] is not None]
                errors = sum(s[4] for s in sl)
                at = self.warm if phase == "warm-up" else self.warm + self.load
                t.add("B10", f"{row.name}: {phase} req/s | p99 ms (median of {self.slice} s slices) | errors",
                      f"{rps:.0f} | {statistics.median(p99s) if p99s else 0:.1f} | {errors}", lower_is_better=False)
                t.add("B10", f"{row.name}: total PSS MiB after {at} s of load ({dur})", [row.pss[phase]])
            window = self.refork_window(row)
            if window:
                during = [s[5] for s in row.slices if s[5] is not None and s[1] < window[1] and s[2] > window[0]]
                steady = [s[5] for s in row.slices if s[0] == "load" and s[5] is not None and s[1] > window[1]]
                if during and steady:
                    # The window's worst slice against the steady slices' median, and their own
                    # worst: one steady 2 s slice's p99 varies by 2-5x on this 2-core machine.
                    t.add("B10", f"{row.name}: p99 ms during refork/recycle vs steady load (steady max, slices)",
                          f"{max(during):.1f} vs {statistics.median(steady):.1f} ({max(steady):.1f}, {len(steady)})")
                before = [s for s in row.slices if s[2] <= window[0]]
                after = [s for s in row.slices if s[1] >= window[1]]
                if before and after:
                    t.add("B10", f"{row.name}: req/s in the slices before vs after the refork/recycles",
                          f"{self.rps(before):.0f} vs {self.rps(after):.0f}")
                recycles = sum(1 for _, what in row.events if what.startswith("worker recycling"))
                t.add("B10", f"{row.name}: recycles / refork window s", f"{recycles} / {window[1] - window[0]:.1f}")
            if row.name.startswith("kleinhirn"):
                # Recycles are not deaths: any here is a bug (a generation whose listener was
                # closed under it died so, and served nothing for seconds).
                t.add("B10", f"{row.name}: workers died", str(sum(1 for _, what in row.events if what == "worker died")))

    @staticmethod
    def rps(slices):
        return sum(s[3] for s in slices) / (sum(s[2] - s[1] for s in slices) or 1)

    @staticmethod
    def refork_window(row):
        times = [t for t, what in row.events if what.startswith(("refork", "worker recycl"))]
        return (min(times), max(times) + 0.5) if times else None


def run(bench):
    if not (B.shutil.which("wrk") and B.shutil.which("puma") and B.shutil.which("unicorn")):
        raise B.Missing("wrk, puma or unicorn not installed")
    b = B10(bench)
    rows = []
    # B10_ROWS="kleinhirn max_memory,unicorn preload_app" runs only those rows (investigations).
    only = [r.strip() for r in os.environ.get("B10_ROWS", "").split(",") if r.strip()]
    for name in (r for r in ROWS if not only or r in only):
        B.log(f"   B10 row: {name}")
        try:
            rows.append(b.run_row(name))
        except Exception as e:  # one broken row must not hide the others
            bench.table.add("B10", name, f"error: {type(e).__name__}: {str(e)[:160]}")
            B.log(f"B10 {name} failed: {e!r}")
        finally:
            B.cleanup()
    b.report(rows)
    loadgen = os.path.join(bench.root, "loadgen")
    if subprocess.run(["cc", "-O2", "-o", loadgen, os.path.join(B.HOME, "bench", "loadgen.c")]).returncode != 0:
        raise B.Missing("no C compiler for bench/loadgen.c")
    for name in (r for r in B10.LATENCY_ROWS if not only or r in only):
        B.log(f"   B10 loadgen: {name}")
        try:
            b.report_latency(name, b.latency_row(name, loadgen))
        except Exception as e:
            bench.table.add("B10", f"{name}: p99 during the refork (loadgen)", f"error: {type(e).__name__}: {str(e)[:160]}")
            B.log(f"B10 loadgen {name} failed: {e!r}")
        finally:
            B.cleanup()
