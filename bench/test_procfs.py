"""Tests of the benchmark's samplers: against a fake /proc tree (exact values), and against the
real /proc with processes this test starts and ends (the shapes). Run by .ci/run:
python3 -m unittest discover -s bench -p 'test_*.py'
"""
import os
import shutil
import subprocess
import tempfile
import unittest

import procfs
import report


def stat_line(pid, comm, state, ppid, pgrp, sid):
    # the comm field may hold spaces and parentheses: the parser must split after the last ")"
    return f"{pid} ({comm}) {state} {ppid} {pgrp} {sid} 0 -1 4194560 0 0 0 0 3 1 0 0 20 0 1 0\n"


class FakeProc(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="fake-proc.")
        self.addCleanup(shutil.rmtree, self.root)
        self.saved = procfs.PROC
        procfs.PROC = self.root
        self.addCleanup(setattr, procfs, "PROC", self.saved)
        # 10 leads session 10 with threads 10 and 11; its children 20 (zombie) and 21; 30 is elsewhere
        self.proc(10, stat_line(10, "super (visor) x", "S", 1, 10, 10), tasks={10: ([20], 1500), 11: ([21], 500)},
                  status="Name:\tsuper\nThreads:\t2\nVmRSS:\t   2048 kB\n", pss=1024)
        self.proc(20, stat_line(20, "w", "Z", 10, 20, 10), tasks={20: ([], 0)}, pss=512)
        self.proc(21, stat_line(21, "w", "S", 10, 21, 10), tasks={21: ([], 7)}, pss=512)
        self.proc(30, stat_line(30, "other", "S", 1, 30, 30), tasks={30: ([], 0)})
        os.makedirs(os.path.join(self.root, "self"))  # not a pid: ignored

    def proc(self, pid, stat, tasks, status="", pss=None):
        d = os.path.join(self.root, str(pid))
        os.makedirs(d)
        self.write(d, "stat", stat)
        self.write(d, "status", status)
        if pss is not None:
            self.write(d, "smaps_rollup", f"Rss:\t{pss * 2} kB\nPss:\t{pss} kB\n")
        for tid, (kids, ns) in tasks.items():
            t = os.path.join(d, "task", str(tid))
            os.makedirs(t)
            self.write(t, "children", "".join(f"{k} " for k in kids))
            self.write(t, "schedstat", f"{ns} 0 3\n")

    @staticmethod
    def write(d, name, text):
        with open(os.path.join(d, name), "w") as f:
            f.write(text)

    def test_stat_fields_skip_a_comm_with_spaces_and_parentheses(self):
        self.assertEqual(["S", "1", "10", "10"], procfs.stat_fields(10)[:4])
        self.assertIsNone(procfs.stat_fields(99))

    def test_session_members_and_children_of_every_thread(self):
        self.assertEqual([10, 20, 21], sorted(procfs.session_members(10)))
        self.assertEqual({20, 21}, procfs.children(10))
        self.assertEqual(set(), procfs.children(99))

    def test_status_figures(self):
        self.assertEqual(2.0, procfs.rss_mib(10))
        self.assertEqual(2, procfs.threads(10))
        self.assertEqual(0, procfs.threads(99))
        self.assertEqual(0.0, procfs.rss_mib(99))

    def test_cpu_is_summed_over_threads(self):
        self.assertEqual(2000, procfs.cpu_ns(10))
        self.assertEqual(0, procfs.cpu_ns(99))

    def test_pss_is_summed_and_missing_pids_count_zero(self):
        self.assertEqual(2.0, procfs.pss_mib([10, 20, 21, 99]))

    def test_zombies_are_counted_among_children(self):
        self.assertEqual(1, procfs.zombies_of(10))
        self.assertEqual(0, procfs.zombies_of(30))


class RealProc(unittest.TestCase):
    """The same samplers on this machine's /proc, with a child we start and reap ourselves."""

    def test_a_live_child_and_then_its_zombie(self):
        p = subprocess.Popen(["sleep", "60"], start_new_session=True)
        try:
            self.assertIn(p.pid, procfs.children(os.getpid()))
            self.assertEqual([p.pid], procfs.session_members(p.pid))
            self.assertEqual(0, procfs.zombies_of(os.getpid()))
            p.kill()
            os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)  # dead, and left a zombie: not reaped yet
            self.assertEqual(1, procfs.zombies_of(os.getpid()))
        finally:
            p.kill()
            p.wait()
        self.assertNotIn(p.pid, procfs.children(os.getpid()))

    def test_our_own_figures_are_plausible(self):
        me = os.getpid()
        self.assertGreater(procfs.rss_mib(me), 1)
        self.assertGreaterEqual(procfs.threads(me), 1)
        self.assertGreater(procfs.cpu_ns(me), 0)
        self.assertGreater(procfs.pss_mib([me]), 0)


class Report(unittest.TestCase):
    def test_logfmt_lines_and_their_times(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        path = os.path.join(d, "out.log")
        with open(path, "w") as f:
            f.write('noise\nts=2026-11-21T12:00:00.123Z level=info msg="worker spawned" pid=42 q="a \\"b\\""\n')
        (rec,) = report.logfmt(path)
        self.assertEqual({"ts": "2026-11-21T12:00:00.123Z", "level": "info", "msg": "worker spawned", "pid": "42",
                          "q": 'a \\"b\\"'}, rec)
        self.assertAlmostEqual(1795262400.123, report.log_time(rec["ts"]), places=3)

    def test_table_medians_ranges_and_ratio(self):
        t = report.Table()
        t.add("B1", "ms", [1.0, 3.0, 2.0], "peer", [4.0])
        t.add("B2", "n/a row", "n/a (missing)")
        lines = t.render().splitlines()
        self.assertEqual("| B1 | ms | 2.0 (1.0-3.0) | peer | 4.0 | 0.50 |", lines[2])
        self.assertEqual("| B2 | n/a row | n/a (missing) | - | - | - |", lines[3])


if __name__ == "__main__":
    unittest.main()
