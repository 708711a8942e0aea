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
            # about MIB mebibytes of a list of 1 kB items
            item = json.dumps({"ID": "x" * 1000}).encode()
            n = (args.huge << 20) // (len(item) + 1)
            self.answer(200, b"[" + b",".join([item] * n) + b"]")
        else:
            self.answer(503, (json.dumps({"message": MESSAGE}) + "\n").encode())

    def answer(self, status, body):
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client went away (or stopped reading at its limit)


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
