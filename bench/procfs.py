"""What /proc says about a process tree: the samplers of the benchmark.

Every function reads /proc (or PROC, so tests can point it at a fake tree) once and returns
plain numbers; a process that is gone reads as empty or zero, never as an error.
"""
import os

PROC = "/proc"


def stat_fields(pid):
    """Fields of /proc/PID/stat after the comm: [state, ppid, pgrp, session, ...] or None."""
    try:
        with open(f"{PROC}/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    return s[s.rindex(")") + 2:].split()


def all_pids():
    return [int(d) for d in os.listdir(PROC) if d.isdigit()]


def session_members(sid):
    out = []
    for pid in all_pids():
        f = stat_fields(pid)
        if f and int(f[3]) == sid:
            out.append(pid)
    return out


def children(pid):
    """Children of every thread of pid (zombies included), from /proc/PID/task/*/children."""
    out = set()
    try:
        tids = os.listdir(f"{PROC}/{pid}/task")
    except OSError:
        return out
    for t in tids:
        try:
            with open(f"{PROC}/{pid}/task/{t}/children") as f:
                out.update(int(x) for x in f.read().split())
        except OSError:
            pass
    return out


def status(pid):
    d = {}
    try:
        with open(f"{PROC}/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                d[k] = v.strip()
    except OSError:
        pass
    return d


def rss_mib(pid):
    v = status(pid).get("VmRSS", "0 kB").split()[0]
    return int(v) / 1024.0


def threads(pid):
    return int(status(pid).get("Threads", "0"))


def cpu_ns(pid):
    """On-CPU time of all live threads (schedstat, ns precision; ticks are 10 ms here)."""
    total = 0
    try:
        tids = os.listdir(f"{PROC}/{pid}/task")
    except OSError:
        return 0
    for t in tids:
        try:
            with open(f"{PROC}/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def pss_mib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"{PROC}/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024.0


def zombies_of(pid):
    n = 0
    for c in children(pid):
        f = stat_fields(c)
        if f and f[0] == "Z":
            n += 1
    return n
