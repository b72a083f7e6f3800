#!/usr/bin/env bash
# local.sh — the pipeline with --local on a fresh data dir: cold start of
# the function, warm end-to-end latency of one order (invoke → stored →
# published → queued) p50/p99, and the throughput of
# `send --count 10000 --concurrency 32`. Goals: cold start <= 50 ms, warm
# p50 <= 3 ms, >= 1,500 orders/s. A benchmark, never run by go test.
#
#   bench/local.sh [path/to/orders] [count] [concurrency]
#
# Each `orders --local` command is its own process with the emulator
# in-process, so the first invoke of every `send` is a cold start: a new
# bootstrap process, whose REPORT line carries Lambda's "Init Duration".
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
orders=${1:-}
if [ -z "$orders" ]; then
	orders=$tmp/orders
	go build -o "$orders" ./cmd/orders
fi
count=${2:-10000}
concurrency=${3:-32}
data=$tmp/data
export NO_COLOR=1
o() { "$orders" --local --data-dir "$data" "$@"; }
now() { date +%s.%N; }
since() { python3 -c "import sys,time; print('%.0f' % ((time.time() - float(sys.argv[1])) * 1000))" "$1"; }

echo "$(nproc) cores; orders $("$orders" version 2>/dev/null | head -1)" >&2
t=$(now)
o up >/dev/null 2>"$tmp/up.err" || { cat "$tmp/up.err" >&2; exit 1; }
echo "orders --local up (fresh data dir): $(since "$t") ms"

echo
echo "cold start: the first invoke of a new process (3 runs)"
printf '  %-6s %16s %16s %18s %16s\n' run "Init Duration" "invoke (ms)" "REPORT Duration" "whole command"
for i in 1 2 3; do
	t=$(now)
	o --output json send --amount 250 --logs >"$tmp/cold.json"
	wall=$(since "$t")
	python3 - "$tmp/cold.json" "$i" "$wall" <<'EOF'
import json, re, sys
doc = json.load(open(sys.argv[1]))
out = doc["outcome"]
tail = out.get("logTail", "")
init = re.search(r"Init Duration: ([0-9.]+) ms", tail)
dur = re.search(r"\tDuration: ([0-9.]+) ms", tail)
print("  %-6s %13s ms %16.1f %15s ms %13s ms" % (sys.argv[2], init.group(1) if init else "n/a", out["durationMs"],
                                               dur.group(1) if dur else "n/a", sys.argv[3]))
assert out["stored"] and out["notified"], out
EOF
done

report() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["report"]
print("%s: %d orders, %d errors, %.0f orders/s; latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms"
      % (sys.argv[2], r["count"], r["errors"], r["throughput"], r["p50Ms"], r["p95Ms"], r["p99Ms"], r["maxMs"]))
EOF
}

echo
o --output json send --amount 250 --count 1000 --concurrency 1 >"$tmp/warm.json"
report "$tmp/warm.json" "warm, one at a time (send --count 1000 --concurrency 1)"
o --output json send --amount 250 --count "$count" --concurrency "$concurrency" >"$tmp/load.json"
report "$tmp/load.json" "load (send --count $count --concurrency $concurrency)"
