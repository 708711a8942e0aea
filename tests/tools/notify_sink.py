#!/usr/bin/env python3
"""A stand-in for systemd's notify socket: binds an AF_UNIX datagram socket
(a path, or an abstract name written @name) and appends one JSON line per
datagram to OUT: {"t": monotonic seconds, "msg": text}. Runs until killed."""
import json
import socket
import sys
import time

addr, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
with open(out, "a", buffering=1) as f:
    f.write(json.dumps({"t": time.monotonic(), "msg": "SINK=ready"}) + "\n")
    while True:
        data = s.recv(65536)
        f.write(json.dumps({"t": time.monotonic(), "msg": data.decode()}) + "\n")
