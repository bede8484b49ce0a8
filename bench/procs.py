"""The processes a benchmark run starts, and the ways it waits on them.

Every process we start gets its own session, and everything in those sessions is killed at the
end (workers in their own process groups included). Every wait has a deadline.
"""
import os
import select
import signal
import socket
import subprocess
import time

from procfs import session_members

PY_TICK = time.perf_counter


class Missing(Exception):
    """A feature or tool this scenario needs is not there: reported as n/a, not as a failure."""


STARTED = []  # Popen objects; each leads its own session


def start(argv, cwd, log, env=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    out = open(log, "ab")
    p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                         start_new_session=True, env=e)
    out.close()
    STARTED.append(p)
    return p



def kill_session(p):
    for pid in session_members(p.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        p.kill()
    except OSError:
        pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def stop(p, timeout=10.0):
    """SIGTERM, wait, then kill whatever is left of its session."""
    if p.poll() is None:
        try:
            os.kill(p.pid, signal.SIGTERM)
        except OSError:
            pass
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    kill_session(p)
    if p in STARTED:
        STARTED.remove(p)


def cleanup():
    for p in list(STARTED):
        kill_session(p)
    STARTED.clear()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(cond, timeout, what, step=0.001):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def http_status(port, path="/healthz"):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n".encode())
            data = s.recv(64)
            return int(data.split()[1]) if data.startswith(b"HTTP/") else 0
    except OSError:
        return 0


class Fifo:
    """A fifo the workers write one line to. Opened O_RDWR so it never blocks or hits EOF."""

    def __init__(self, path):
        self.path = path
        os.mkfifo(path)
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        self.buf = b""
        self.t_buf = 0.0

    def lines(self, n, timeout, proc=None):
        """n lines as (perf_counter time of arrival, text); raises on timeout or if proc died."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.buf and len(out) < n:
                line, self.buf = self.buf.split(b"\n", 1)
                out.append((self.t_buf, line.decode(errors="replace")))
            if len(out) >= n:
                return out
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"only {len(out)} of {n} lines on {os.path.basename(self.path)}")
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"supervisor exited with {proc.returncode} after {len(out)} of {n} lines")
            if select.select([self.fd], [], [], min(left, 0.05))[0]:
                self.t_buf = PY_TICK()  # every line in this chunk had arrived by now
                self.buf += os.read(self.fd, 65536)

    def close(self):
        os.close(self.fd)
