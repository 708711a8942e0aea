#!/usr/bin/env python3
"""bench_history.py: reply times of the agent on one connection (no
process start counted), for scripts/bench_history.sh.

  bench_history.py SOCK start DEADLINE_S T0_NS  ms from T0 (date +%s%N before
                                                the agent was started) to a reply
  bench_history.py SOCK replies DAG N           grid 25 / dags: median, max ms
  bench_history.py SOCK pages DAG LIMIT         grid --before through it all
  bench_history.py SOCK poll SECONDS            status replies from the start
"""
import os
import json
import socket
import statistics
import sys
import time


class Conn:
    def __init__(self, path, timeout=30):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.rid = 0

    def call(self, cmd, **args):
        self.rid += 1
        req = {"id": self.rid, "cmd": cmd}
        if args:
            req["args"] = args
        t0 = time.perf_counter()
        self.s.sendall(json.dumps(req).encode() + b"\n")
        while b"\n" not in self.buf:
            data = self.s.recv(1 << 20)
            if not data:
                raise OSError("closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        ms = (time.perf_counter() - t0) * 1000
        rep = json.loads(line)
        if "error" in rep:
            raise SystemExit("%s: %s" % (cmd, rep["error"]))
        return rep["result"], ms


def start(path, deadline_s, t0_ns):
    end = time.perf_counter() + float(deadline_s)
    while time.perf_counter() < end:
        try:
            Conn(path, 1).call("status")
            print("%.0f" % ((time.time_ns() - int(t0_ns)) / 1e6))
            return
        except OSError:
            time.sleep(0.002)
    print("timeout")


def replies(path, dag, n):
    c = Conn(path)
    out = {}
    for name, cmd, args in (("grid25", "grid", {"dag_id": dag, "limit": 25}),
                            ("dags", "dags", {})):
        times = [c.call(cmd, **args)[1] for _ in range(int(n))]
        out[name] = "%.2f %.2f" % (statistics.median(times), max(times))
    print("grid25_ms %s dags_ms %s" % (out["grid25"], out["dags"]))


def pages(path, dag, limit):
    c = Conn(path)
    g, ms = c.call("grid", dag_id=dag, limit=int(limit))
    times, runs = [ms], len(g["runs"])
    while g["runs"]:
        before = g["runs"][-1]["run_id"]
        g, ms = c.call("grid", dag_id=dag, limit=int(limit), before=before)
        times.append(ms)
        runs += len(g["runs"])
    print("pages %d runs %d median_ms %.2f max_ms %.2f total_s %.2f" % (
        len(times), runs, statistics.median(times), max(times), sum(times) / 1000))


def poll(path, seconds):
    while not os.path.exists(path):
        time.sleep(0.001)
    end = time.perf_counter() + float(seconds)
    while True:
        try:
            c = Conn(path)
            break
        except OSError:
            time.sleep(0.001)
    times = []
    while time.perf_counter() < end:
        times.append(c.call("status")[1])
        time.sleep(0.002)
    times.sort()
    print("%d replies, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d over 20 ms" % (
        len(times), times[len(times) // 2], times[int(len(times) * 0.99)], times[-1],
        sum(t > 20 for t in times)))


if __name__ == "__main__":
    sock, mode = sys.argv[1], sys.argv[2]
    {"start": start, "replies": replies, "pages": pages, "poll": poll}[mode](sock, *sys.argv[3:])
