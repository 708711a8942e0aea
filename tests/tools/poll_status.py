#!/usr/bin/env python3
"""poll_status.py SOCKET STOP_FILE DEADLINE_S: send `status` requests one
after the other on one connection until STOP_FILE exists (or the deadline
passes) and print "REPLIES MAX_MS": how many replies came and the slowest
one, in milliseconds. A reply that never comes counts as the time waited."""
import os
import socket
import sys
import time

sock, stop, deadline = sys.argv[1], sys.argv[2], time.monotonic() + float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock)
s.settimeout(max(1.0, float(sys.argv[3])))
buf = b""
n, worst, rid = 0, 0.0, 0
while time.monotonic() < deadline and not os.path.exists(stop):
    rid += 1
    t0 = time.monotonic()
    s.sendall(b'{"id":%d,"cmd":"status"}\n' % rid)
    try:
        while b"\n" not in buf:
            data = s.recv(65536)
            if not data:
                raise OSError("closed")
            buf += data
    except OSError:
        worst = max(worst, (time.monotonic() - t0) * 1000)
        break
    buf = buf.split(b"\n", 1)[1]
    worst = max(worst, (time.monotonic() - t0) * 1000)
    n += 1
    time.sleep(0.002)
print("%d %.1f" % (n, worst))
