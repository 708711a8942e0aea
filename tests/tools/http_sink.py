#!/usr/bin/env python3
"""A small real HTTP server for the notifier tests, on 127.0.0.1.

Every request is appended to the --record file as one JSON line
{"time": epoch seconds, "path", "body"} (body parsed when it is JSON) before
it is answered. What the answer is depends on the path:

  /fail/N/...    500 to the first N requests for that exact path, then 200
  /status/C/...  always status C
  /hole/...      a black hole: the request is read, never answered
  anything else  200

A connection refused needs no server: use a port nothing listens on.
The chosen port is written to --port-file once the server listens.
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
counts = {}
args = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):  # quiet: the record file says it all
        pass

    def record(self, body):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = body.decode("utf-8", "replace")
        line = json.dumps({"time": time.time(), "method": self.command,
                           "path": self.path, "body": parsed,
                           "content_type": self.headers.get("Content-Type")})
        with lock:
            with open(args.record, "a") as f:
                f.write(line + "\n")

    def answer(self, code):
        text = b"ok\n" if code < 400 else b"no\n"
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        self.record(body)
        parts = self.path.split("/")
        if len(parts) > 1 and parts[1] == "hole":
            # Hold the connection open and silent until the client goes.
            while True:
                time.sleep(3600)
        if len(parts) > 2 and parts[1] == "status":
            return self.answer(int(parts[2]))
        if len(parts) > 2 and parts[1] == "fail":
            with lock:
                counts[self.path] = counts.get(self.path, 0) + 1
                seen = counts[self.path]
            return self.answer(500 if seen <= int(parts[2]) else 200)
        return self.answer(200)

    do_PUT = do_POST


class Server(ThreadingHTTPServer):
    daemon_threads = True  # black-hole threads must not keep it alive


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--record", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
