#!/usr/bin/python3
"""Parse Prometheus text (a file, or - for stdin) with the client library's
own parser (Debian's python3-prometheus-client) and print one line per
sample, sorted: NAME{label=value,...} VALUE. Also checks that every family
has HELP and TYPE lines; exits 1 when the text does not parse."""
import sys

from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read() if sys.argv[1] == "-" else open(sys.argv[1]).read()
lines = []
try:
    for fam in text_string_to_metric_families(text):
        if not fam.documentation or fam.type == "unknown":
            print(f"family {fam.name} lacks HELP or TYPE", file=sys.stderr)
            sys.exit(1)
        for s in fam.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            v = int(s.value) if float(s.value).is_integer() else s.value
            lines.append(f"{s.name}{{{labels}}} {v}")
except Exception as e:  # the parser raises ValueError & co. on bad text
    print(f"does not parse: {e}", file=sys.stderr)
    sys.exit(1)
print("\n".join(sorted(lines)))
