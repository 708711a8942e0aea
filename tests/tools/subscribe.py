#!/usr/bin/env python3
"""subscribe.py SOCKET OUT: subscribe to the agent's events and append every
line it sends to OUT until killed (one process, so a test can stop it by
its pid)."""
import socket
import sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b'{"id":1,"cmd":"subscribe"}\n')
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        data = s.recv(65536)
        if not data:
            break
        out.write(data)
