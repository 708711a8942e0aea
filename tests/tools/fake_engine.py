#!/usr/bin/env python3
"""A Docker engine that is no swarm manager, on a Unix socket, for the
`nodes` tests: every request gets the 503 and the message a real engine
gives when it is not part of a swarm (Engine API v1.41). While the file
given as --slow exists, answers wait 3 s first (a client may hang up
meanwhile). With --huge MIB every request gets 200 and a JSON list of MIB
mebibytes instead (an engine that holds a great deal). Each request's path
is appended to --record as it arrives. The socket is made at --socket;
remove it to stop."""
import argparse
import json
import os
import socketserver
import time
from http.server import BaseHTTPRequestHandler

MESSAGE = ("This node is not a swarm manager. Use \"docker swarm init\" or "
           "\"docker swarm join\" to connect this node to swarm and try again.")
args = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def address_string(self):
        return "unix"

    def log_message(self, *a):
        pass

    def do_GET(self):
        if args.record:
            with open(args.record, "a") as f:
                f.write(self.path + "\n")
        if args.slow and os.path.exists(args.slow):
            time.sleep(3)
        if args.huge:
            return self.huge()
        body = (json.dumps({"message": MESSAGE}) + "\n").encode()
        try:
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client went away


    def huge(self):
        size = args.huge << 20
        item = json.dumps({"ID": "x" * 1000}).encode()
        n = size // (len(item) + 1)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(2 + n * (len(item) + 1) - 1))
            self.end_headers()
            self.wfile.write(b"[")
            chunk = b",".join([item] * 1000)
            left = n
            while left >= 1000:
                self.wfile.write(chunk + (b"," if left > 1000 else b""))
                left -= 1000
            if left:
                self.wfile.write(b",".join([item] * left))
            self.wfile.write(b"]")
        except OSError:
            pass  # the client went away (the agent stops reading at its limit)


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--socket", required=True)
    p.add_argument("--slow")
    p.add_argument("--record")
    p.add_argument("--huge", type=int, default=0)
    args = p.parse_args()
    with Server(args.socket, Handler) as srv:
        srv.serve_forever()


main()
