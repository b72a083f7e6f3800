#!/usr/bin/env bash
# cost.sh — what an order costs with --local, and what starting costs as the
# data grows. A benchmark, never run by go test; keep runs short on a shared
# machine.
#
#   bench/cost.sh [path/to/orders] [count] [rounds]
#
# 1. CPU per order, high-value (Amount 250: DynamoDB + SNS → SQS) and
#    low-value (Amount 50: DynamoDB only) measured apart, interleaved
#    high/low in every round, min/median/max over the rounds. The emulator
#    runs as `orders local serve` (its CPU and its function processes', from
#    /proc), the client is `orders --local send` on the same data dir (its
#    CPU from getrusage, via /usr/bin/time's format): CPU/order = (serve tree
#    + client) / count.
# 2. The knee: orders/s of `send --count N --amount 250` at concurrency
#    1, 2, 4, 8, 16, 32.
# 3. Start-up: wall time and peak RSS of `orders --local status` on an empty
#    data dir and on this one after the runs above, interleaved, min/median/max;
#    ORDERS_COST_DIRS="dir1 dir2" adds existing data dirs (e.g. 10k / 100k
#    orders) to the comparison (they are opened, so they must be idle).
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
serve_pid=
cleanup() {
	if [ -n "$serve_pid" ]; then kill -INT "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
orders=${1:-}
if [ -z "$orders" ]; then
	orders=$tmp/orders
	go build -o "$orders" ./cmd/orders
fi
count=${2:-2000}
rounds=${3:-3}
data=$tmp/data
empty=$tmp/empty
export NO_COLOR=1
echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); count $count, rounds $rounds" >&2

"$orders" --local --data-dir "$data" up >/dev/null 2>&1
"$orders" --local --data-dir "$empty" up >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$orders" local serve --data-dir "$data" --addr "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do [ -s "$data/endpoint.json" ] && break; sleep 0.05; done

# tree_cpu PID: CPU seconds of PID, its live descendants and reaped children.
tree_cpu() {
	python3 - "$1" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
kids = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(f[1]), []).append((int(p), f))
def stat(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return f
root = int(sys.argv[1])
f = stat(root)
total = sum(int(x) for x in f[11:15])  # utime stime cutime cstime
todo = [root]
while todo:
    for pid, f in kids.get(todo.pop(), []):
        total += sum(int(x) for x in f[11:15])
        todo.append(pid)
print(total / tick)
PY
}

# run AMOUNT CONCURRENCY N: prints "cpu_ms_per_order orders_per_s"
run() {
	local before after
	before=$(tree_cpu "$serve_pid")
	/usr/bin/time -f "%U %S" -o "$tmp/client.time" \
		"$orders" --local --data-dir "$data" --output json send --count "$3" --concurrency "$2" --amount "$1" >"$tmp/send.json"
	after=$(tree_cpu "$serve_pid")
	python3 - "$tmp/send.json" "$tmp/client.time" "$before" "$after" "$3" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["report"]
assert r["errors"] == 0, r
u, s = map(float, open(sys.argv[2]).read().split()[-2:])
serve = float(sys.argv[4]) - float(sys.argv[3])
n = int(sys.argv[5])
print("%.3f %.3f %.0f" % ((serve + u + s) * 1000 / n, serve * 1000 / n, r["throughput"]))
PY
}

stats() { python3 -c 'import sys,statistics as s; v=sorted(map(float,sys.argv[1:])); print("min %.2f  median %.2f  max %.2f" % (v[0], s.median(v), v[-1]))' "$@"; }

run 250 8 200 >/dev/null # warm: instances started, signing key made
echo
echo "CPU per order (concurrency 8, $count orders a run; total = emulator + functions + client)"
hi_t=() hi_e=() hi_r=() lo_t=() lo_e=() lo_r=()
for i in $(seq "$rounds"); do
	read -r t e r < <(run 250 8 "$count"); hi_t+=("$t") hi_e+=("$e") hi_r+=("$r")
	read -r t e r < <(run 50 8 "$count"); lo_t+=("$t") lo_e+=("$e") lo_r+=("$r")
done
echo "  high-value (250): total ms/order  $(stats "${hi_t[@]}")"
echo "                    serve ms/order  $(stats "${hi_e[@]}")"
echo "                    orders/s        $(stats "${hi_r[@]}")"
echo "  low-value  (50):  total ms/order  $(stats "${lo_t[@]}")"
echo "                    serve ms/order  $(stats "${lo_e[@]}")"
echo "                    orders/s        $(stats "${lo_r[@]}")"

echo
echo "throughput against concurrency (high-value, $count orders)"
for c in 1 2 4 8 16 32; do
	read -r t e r < <(run 250 "$c" "$count")
	printf '  concurrency %-3s %6s orders/s  %6s ms CPU/order\n' "$c" "$r" "$t"
done

kill -INT "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=

echo
echo "start-up: orders --local status (wall s / peak RSS MB, $rounds rounds interleaved)"
dirs=("$empty" "$data" ${ORDERS_COST_DIRS:-})
declare -A wall rss
for i in $(seq "$rounds"); do
	for d in "${dirs[@]}"; do
		/usr/bin/time -f "%e %M" -o "$tmp/status.time" "$orders" --local --data-dir "$d" status >/dev/null
		read -r w m <"$tmp/status.time"
		wall[$d]+="$w " rss[$d]+="$(python3 -c "print($m/1024)") "
	done
done
for d in "${dirs[@]}"; do
	name=$d
	[ "$d" = "$empty" ] && name="empty data dir"
	[ "$d" = "$data" ] && name="this run's data dir"
	echo "  $name ($(du -sh "$d" | cut -f1)):"
	# shellcheck disable=SC2086
	echo "    wall s  $(stats ${wall[$d]})"
	# shellcheck disable=SC2086
	echo "    RSS MB  $(stats ${rss[$d]})"
done
