#!/usr/bin/env python3
"""gen_dag.py SHAPE N [ID]: print a DAG file of N tasks (N >= 2).
chain: t0 <- t1 <- ... (each task upstream of the next).
fan:   t0 fans out to t1..t(N-2), which all join into t(N-1) (its upstream
       list is written on continuation lines, each under inih's 199 limit).
cycle: the chain, with t0 upstream of the last task too."""
import sys

shape, n = sys.argv[1], int(sys.argv[2])
out = sys.stdout
if len(sys.argv) > 3:
    out.write("[dag]\nid = %s\n" % sys.argv[3])
for i in range(n):
    out.write("[task t%d]\ncommand = echo {{ ds }} %d\n" % (i, i))
    if shape in ("chain", "cycle") and i > 0:
        out.write("upstream = t%d\n" % (i - 1))
    elif shape == "cycle":
        out.write("upstream = t%d\n" % (n - 1))
    elif shape == "fan" and 0 < i < n - 1:
        out.write("upstream = t0\n")
    elif shape == "fan" and i == n - 1:
        out.write("upstream =\n")
        ids = ["t%d" % k for k in range(1, n - 1)]
        for k in range(0, len(ids), 20):
            out.write("  " + " ".join(ids[k:k + 20]) + "\n")
