"""Reading kleinhirn's logs and printing the result table."""
import calendar
import re
import statistics
import sys
import time


def logfmt(path):
    out = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("ts="):
                    out.append(dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)', line)))
    except OSError:
        pass
    for m in out:
        for k, v in m.items():
            if v.startswith('"'):
                m[k] = v[1:-1]
    return out


def log_time(ts):
    """ts=2026-11-21T12:00:00.123Z -> epoch seconds (ms precision)."""
    t = time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")
    return calendar.timegm(t) + int(ts[20:23]) / 1000.0


class Table:
    def __init__(self):
        self.rows = []

    def add(self, scenario, metric, ours, peer=None, theirs=None, lower_is_better=True, note=""):
        self.rows.append((scenario, metric, ours, peer, theirs, lower_is_better, note))

    @staticmethod
    def fmt(v):
        if v is None:
            return "-"
        if isinstance(v, str):
            return v
        med = statistics.median(v)
        f = (lambda x: f"{x:.0f}") if med >= 100 else (lambda x: f"{x:.1f}") if med >= 1 else (lambda x: f"{x:.2f}")
        return f(med) if len(v) == 1 or min(v) == max(v) else f"{f(med)} ({f(min(v))}-{f(max(v))})"

    def render(self):
        head = "| scenario | metric | ours: median (min-max) | peer | peer: median (min-max) | ratio ours/peer |"
        lines = [head, "|---|---|---|---|---|---|"]
        for sc, metric, ours, peer, theirs, _, note in self.rows:
            ratio = "-"
            if isinstance(ours, list) and isinstance(theirs, list) and ours and theirs and statistics.median(theirs):
                ratio = f"{statistics.median(ours) / statistics.median(theirs):.2f}"
            metric_text = metric + (f" ({note})" if note else "")
            lines.append(f"| {sc} | {metric_text} | {self.fmt(ours)} | {peer or '-'} | {self.fmt(theirs)} | {ratio} |")
        return "\n".join(lines)


def log(msg):
    print(msg, file=sys.stderr, flush=True)
