#!/usr/bin/env python3
"""Fuzz the live agent: protocol bytes and DAG files (through hot reload, with
subscribers connected) against a running dagd, not only its decoders.

  tests/fuzz/live_fuzz.py --bin build/san/bin --seconds 60 [--seed N]

A finding is: the agent dies, stops answering `status` within 1 s, sends a
line that is not JSON, answers a request with a malformed envelope, does not
exit 0 on SIGTERM, or writes a sanitizer report. Each finding saves the seed
and the last inputs under build/fuzz/artifacts/live/ and prints how to replay.
Tasks of fuzzed DAG files only ever run `true`, `false` or `echo`: every
command line is rewritten before the file reaches the agent.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

COMMANDS = ["dags", "status", "next", "grid", "task_instance", "logs", "wait", "audit",
            "subscribe", "trigger", "pause", "unpause", "clear", "mark", "backfill",
            "notify_test", "task", "run", "outputs", "versions", "show", "nodes", "metrics",
            "nope", "", "DAGS"]
ARG_KEYS = ["dag_id", "run_id", "task_id", "date", "from", "to", "params", "state", "count",
            "limit", "offset", "try", "timeout_s", "dry_run", "downstream", "upstream", "past",
            "future", "failed_only", "name", "before", "follow", "keep_version", "version",
            "task_offset"]
DATES = ["2026-11-22", "1970-01-01", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
         "9999-12-31T23:59:59Z", "10000-01-01", "0000-01-01", "2026-02-30", "2026-11-22T25:00",
         "2026-11-22T10:00:00+14:00", "-1", "", "now", "2026-11-22T10:00:00.123456Z"]
TRIGGER_RULES = ["all_success", "all_failed", "all_done", "all_skipped", "one_success",
                 "one_failed", "one_done", "none_failed", "none_failed_min_one_success",
                 "none_skipped", "always", "bogus"]
SCHEDULES = ["none", "@daily", "@hourly", "* * * * *", "0 3 * * *", "61 * * * *", "@yearly",
             "*/0 * * * *", "0 0 31 2 *", ""]
SAFE_COMMANDS = ["true", "false", "echo hi", "echo {{ ds }}", "exit 3", "echo a b"]


def rand_text(rng, n=None):
    n = rng.randint(0, 12) if n is None else n
    alphabet = "abcdefghij_.-0123456789 \t\"'\\{}%/\u00e9\u2603"
    s = "".join(rng.choice(alphabet) for _ in range(n))
    r = rng.random()
    if r < 0.05:
        s = "." if rng.random() < 0.5 else ".."
    elif r < 0.08:
        s = "x" * rng.choice([250, 251, 4096])
    return s


class Agent:
    def __init__(self, bindir, work):
        self.bindir, self.work = bindir, work
        self.sock = os.path.join(work, "state", "dagd.sock")
        self.log = os.path.join(work, "agent.log")
        self.proc = None

    def start(self):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen([os.path.join(self.bindir, "dagd"), "-c",
                                      os.path.join(self.work, "dagd.ini")], stderr=logf,
                                     stdout=subprocess.DEVNULL, cwd=self.work)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.status_ms(2.0) is not None:
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def request(self, line, timeout):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(self.sock)
            s.sendall(line)
            buf = b""
            while b"\n" not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
            return buf
        finally:
            s.close()

    def status_ms(self, timeout=1.0):
        t0 = time.monotonic()
        try:
            reply = self.request(b'{"id":1,"cmd":"status"}\n', timeout)
            doc = json.loads(reply.split(b"\n", 1)[0])
            if doc.get("ok") is not True:
                return None
        except (OSError, ValueError):
            return None
        return (time.monotonic() - t0) * 1000


class Subscriber(threading.Thread):
    """Reads every event line and checks that it is JSON."""

    def __init__(self, sock_path):
        super().__init__(daemon=True)
        self.sock_path, self.bad, self.lines, self.stop = sock_path, [], 0, False

    def run(self):
        while not self.stop:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.sock_path)
                s.sendall(b'{"id":1,"cmd":"subscribe"}\n')
                buf = b""
                s.settimeout(0.5)
                while not self.stop:
                    try:
                        chunk = s.recv(65536)
                    except socket.timeout:
                        continue
                    if not chunk:
                        break
                    buf += chunk
                    *lines, buf = buf.split(b"\n")
                    for ln in lines:
                        self.lines += 1
                        try:
                            json.loads(ln)
                        except ValueError:
                            self.bad.append(ln[:300])
                s.close()
            except OSError:
                time.sleep(0.1)


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.work = tempfile.mkdtemp(prefix="dagd-livefuzz.")
        self.dags = os.path.join(self.work, "dags")
        os.makedirs(self.dags)
        os.makedirs(os.path.join(self.work, "state"))
        with open(os.path.join(self.work, "dagd.ini"), "w") as f:
            f.write("[agent]\nstate_dir = state\ndags_dir = dags\nparallelism = 8\n"
                    "[pool db]\nslots = 2\n")
        self.agent = Agent(args.bin, self.work)
        self.recent = []  # the last inputs, for a finding
        self.findings = []
        self.counts = {"proto": 0, "dag": 0, "checks": 0, "replies": 0}
        self.dag_ids = ["hello", "f0", "f1", "..", "nope"]
        self.run_ids = ["2026-11-22", "manual__2026-11-22T00:00:00+00:00", "x"]
        self.worst_ms = 0.0

    # ---- DAG files -------------------------------------------------------
    def gen_dag(self):
        rng = self.rng
        ntasks = rng.randint(0, 8)
        names = [rand_text(rng, rng.randint(1, 6)) if rng.random() < 0.1 else "t%d" % i
                 for i in range(ntasks)]
        out = ["[dag]"]
        if rng.random() < 0.7:
            did = rng.choice(["f%d" % rng.randint(0, 5), rand_text(rng)])
            out.append("id = %s" % did)
        out.append("schedule = %s" % rng.choice(SCHEDULES))
        if rng.random() < 0.5:
            out.append("start_date = %s" % rng.choice(DATES))
        for key, vals in [("catchup", ["true", "false", "maybe"]),
                          ("max_active_runs", ["1", "2", "0", "-1", "99999999999"]),
                          ("retries", ["0", "1", "x"]), ("retry_delay", ["0s", "1s", "5x"]),
                          ("timeout", ["1s", "1h", "0"]), ("depends_on_past", ["true", "no"]),
                          ("timezone", ["UTC", "Europe/Berlin", "Mars/Base", "right/UTC"])]:
            if rng.random() < 0.3:
                out.append("%s = %s" % (key, rng.choice(vals)))
        if rng.random() < 0.3:
            out += ["[params]", "%s = %s" % (rand_text(rng, 3) or "p", rand_text(rng))]
        for i, name in enumerate(names):
            out.append("[task %s]" % name)
            ups = [names[j] for j in range(ntasks) if j != i and rng.random() < 0.3]
            if ups:
                out.append("upstream = %s" % " ".join(ups))
            out.append("command = %s" % rng.choice(SAFE_COMMANDS))
            if rng.random() < 0.3:
                out.append("trigger_rule = %s" % rng.choice(TRIGGER_RULES))
            if rng.random() < 0.1:
                out.append("branch = true")
            if rng.random() < 0.1:
                out.append("pool = %s" % rng.choice(["db", "nopool"]))
        data = ("\n".join(out) + "\n").encode()
        return self.corrupt(data)

    def corrupt(self, data):
        rng = self.rng
        b = bytearray(data)
        for _ in range(rng.choice([0, 0, 1, 2, 5])):
            op = rng.randint(0, 6)
            pos = rng.randint(0, len(b)) if b else 0
            if op == 0 and b:
                b[min(pos, len(b) - 1)] = rng.randint(0, 255)
            elif op == 1:
                b[pos:pos] = bytes([0xff, 0xfe])
            elif op == 2:
                del b[pos:]
            elif op == 3:
                b[pos:pos] = b"\n  continued " * rng.randint(1, 3)
            elif op == 4:
                b[pos:pos] = b"x" * rng.choice([198, 199, 200, 5000])
            elif op == 5:
                b[pos:pos] = b"\x00"
            else:
                b[pos:pos] = b"\n[task " + bytes(rng.choice([b"t0", b"..", b"\xff"])) + b"]\n"
        return self.make_safe(bytes(b))

    @staticmethod
    def make_safe(data):
        """Every line that may set a command (or continue one) becomes `true`."""
        out, in_command = [], False
        for line in data.split(b"\n"):
            if in_command and line[:1] in (b" ", b"\t"):
                continue
            in_command = False
            if b"command" in line.lower() or b"=" in line and b"$" in line or b"`" in line:
                out.append(b"command = true")
                in_command = True
            else:
                out.append(line)
        return b"\n".join(out)

    def dag_action(self):
        rng = self.rng
        names = [b"f%d.ini" % rng.randint(0, 9), b"..ini", b"\xff\xfe.ini", b"x y.ini",
                 b"f1.ini"]
        name = rng.choice(names)
        path = os.path.join(self.dags.encode(), name)
        r = rng.random()
        if r < 0.1:
            try:
                os.unlink(path)
            except OSError:
                pass
            self.note("rm", name)
            return
        data = self.gen_dag()
        self.note("dag", name, data)
        if r < 0.6:  # written whole and moved in
            tmp = path + b".tmp~"
            with open(tmp, "wb") as f:
                f.write(data)
            os.rename(tmp, path)
        else:  # written in place, in two halves (a reader may see the first)
            with open(path, "wb") as f:
                half = len(data) // 2
                f.write(data[:half])
                f.flush()
                time.sleep(rng.random() * 0.05)
                f.write(data[half:])
        self.counts["dag"] += 1

    # ---- protocol --------------------------------------------------------
    def rand_value(self, depth=0):
        rng = self.rng
        r = rng.randint(0, 11)
        if r == 0:
            return None
        if r == 1:
            return rng.choice([True, False])
        if r == 2:
            return rng.choice([0, -1, 1, 2**31, 2**63 - 1, -2**63, 10**30, 1.5, -0.0])
        if r == 3:
            return rng.choice(DATES)
        if r == 4:
            return rng.choice(self.dag_ids)
        if r == 5:
            return rng.choice(self.run_ids)
        if r == 6 and depth < 3:
            return [self.rand_value(depth + 1) for _ in range(rng.randint(0, 3))]
        if r == 7 and depth < 3:
            return {rand_text(rng, 3): self.rand_value(depth + 1) for _ in range(rng.randint(0, 3))}
        if r == 8:
            return "x" * rng.choice([255, 256, 257, 70000])
        return rand_text(rng)

    def gen_request(self):
        rng = self.rng
        r = rng.random()
        if r < 0.08:  # raw bytes
            return bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 200))) + b"\n"
        if r < 0.10:  # deep nesting
            d = rng.choice([100, 5000, 100000])
            return b"[" * d + b"]" * d + b"\n"
        if r < 0.11:  # at and over the line limit
            n = rng.choice([1048576, 1048577, 1048576 + 65536])
            body = b'{"id":1,"cmd":"status","args":{"x":"'
            return body + b"a" * (n - len(body) - 3) + b'"}}' + b"\n"
        args = {}
        for k in rng.sample(ARG_KEYS, rng.randint(0, 5)):
            args[k] = self.rand_value()
        if rng.random() < 0.6:
            args["dag_id"] = rng.choice(self.dag_ids)
        msg = {"id": rng.choice([1, 7, -1, 2**53, "s", None, 1.5]),
               "cmd": rng.choice(COMMANDS), "args": args}
        if rng.random() < 0.1:
            msg["args"] = self.rand_value()
        if rng.random() < 0.05:
            del msg["cmd"]
        line = json.dumps(msg).encode()
        if rng.random() < 0.05:
            line = line[:rng.randint(0, len(line))]
        if rng.random() < 0.05:  # invalid UTF-8 inside a string
            line = line.replace(b'"args"', b'"\xff\xfe"', 1)
        return line + b"\n"

    def proto_action(self):
        line = self.gen_request()
        self.note("proto", line[:2000])
        self.counts["proto"] += 1
        try:
            reply = self.agent.request(line, 3.0)
        except socket.timeout:
            # wait, subscribe and logs -f may hold the line open: not a finding.
            return
        except OSError:
            return
        if not reply:
            return
        first = reply.split(b"\n", 1)[0]
        try:
            doc = json.loads(first)
        except ValueError:
            self.finding("reply is not JSON: %r" % first[:300])
            return
        self.counts["replies"] += 1
        if not isinstance(doc, dict) or ("ok" not in doc and "event" not in doc):
            self.finding("reply has no ok/event field: %r" % first[:300])
        elif doc.get("ok") is False and not isinstance(doc.get("error", {}).get("code"), str):
            self.finding("error reply without a code: %r" % first[:300])

    # ---- bookkeeping -----------------------------------------------------
    def note(self, kind, *what):
        self.recent.append((time.time(), kind) + what)
        del self.recent[:-50]

    def finding(self, what):
        self.findings.append(what)
        art = os.path.join(self.args.artifacts, "seed%d-%d" % (self.args.seed, len(self.findings)))
        os.makedirs(art, exist_ok=True)
        with open(os.path.join(art, "finding.txt"), "w") as f:
            f.write(what + "\n")
            f.write("replay: %s --bin %s --seconds %d --seed %d\n" % (
                sys.argv[0], self.args.bin, self.args.seconds, self.args.seed))
        for i, item in enumerate(self.recent):
            with open(os.path.join(art, "input%02d.%s" % (i, item[1])), "wb") as f:
                for part in item[2:]:
                    f.write(part if isinstance(part, bytes) else str(part).encode())
                    f.write(b"\n")
        shutil.copy(self.agent.log, os.path.join(art, "agent.log"))
        print("live: FINDING: %s (inputs in %s)" % (what, art), flush=True)

    def check_alive(self):
        self.counts["checks"] += 1
        if self.agent.proc.poll() is not None:
            self.finding("the agent exited with %s" % self.agent.proc.returncode)
            return False
        ms = self.agent.status_ms(1.0)
        if ms is None:
            self.finding("status did not answer within 1 s")
            return False
        self.worst_ms = max(self.worst_ms, ms)
        return True

    def run(self):
        for name in ("hello.ini",):
            src = os.path.join(os.path.dirname(__file__), "corpus", "dag", name)
            if os.path.exists(src):
                with open(src, "rb") as f:
                    data = self.make_safe(f.read())
                with open(os.path.join(self.dags, name), "wb") as f:
                    f.write(data)
        if not self.agent.start():
            self.finding("the agent did not start")
            return 1
        subs = [Subscriber(self.agent.sock) for _ in range(2)]
        for s in subs:
            s.start()
        # One subscriber that never reads: the agent must cut it, not grow.
        lazy = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lazy.connect(self.agent.sock)
        lazy.sendall(b'{"id":1,"cmd":"subscribe"}\n')
        deadline = time.time() + self.args.seconds
        n = 0
        while time.time() < deadline and not self.findings:
            if self.rng.random() < 0.2:
                self.dag_action()
            else:
                self.proto_action()
            n += 1
            if n % 10 == 0 and not self.check_alive():
                break
        if not self.findings:
            self.check_alive()
        for s in subs:
            s.stop = True
        for s in subs:
            s.join(2)
            for ln in s.bad:
                self.finding("an event line is not JSON: %r" % ln)
        lazy.close()
        if self.agent.proc.poll() is None:
            self.agent.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.agent.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.agent.proc.kill()
                rc = "hung"
            if rc != 0:
                self.finding("the agent did not exit 0 on SIGTERM (%s)" % rc)
        with open(self.agent.log, "rb") as f:
            log = f.read()
        for marker in (b"AddressSanitizer", b"LeakSanitizer", b"runtime error:"):
            if marker in log:
                self.finding("sanitizer report in the agent log (%s)" % marker.decode())
                break
        events = sum(s.lines for s in subs)
        print("live: seed %d, %d s: %d requests (%d replies), %d DAG file writes, %d events read, "
              "%d liveness checks (worst status %.1f ms), %d findings" % (
                  self.args.seed, self.args.seconds, self.counts["proto"], self.counts["replies"],
                  self.counts["dag"], events, self.counts["checks"], self.worst_ms,
                  len(self.findings)), flush=True)
        if not self.findings and not self.args.keep:
            self.cleanup()
        elif self.findings:
            print("live: work dir kept: %s" % self.work)
        return 1 if self.findings else 0

    def cleanup(self):
        # Tasks of fuzzed DAGs are short; anything left is killed with the dir.
        subprocess.run(["pkill", "-KILL", "-f", self.work + "/"], check=False)
        shutil.rmtree(self.work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/san/bin")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--artifacts", default="build/fuzz/artifacts/live")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randint(1, 2**31)
    args.bin = os.path.abspath(args.bin)
    args.artifacts = os.path.abspath(args.artifacts)
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    os.environ.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    sys.exit(Fuzzer(args).run())


if __name__ == "__main__":
    main()
