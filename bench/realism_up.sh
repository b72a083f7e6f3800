#!/usr/bin/env bash
# realism_up.sh — `orders up` against an emulator as slow as AWS
# (`orders local serve --realism aws`), against the floor the profile puts
# under it: the longest chain of waits along up's dependency graph that no
# client can avoid (bench/cmd/realismfloor computes and prints it). Measures
# up from nothing, destroy, then up again at once; goal: each up within
# floor + 1 s. Then runs the seed's aws-CLI steps (as bench/up_vs_awscli.sh
# does against moto) under the same profile and reports what each step
# answered. A benchmark, never run by go test.
#
#   bench/realism_up.sh [path/to/orders] [scale] [fault-rate]   (defaults: build, 1, 0)
set -uo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
serve_pid=
stop_serve() {
	if [ -n "$serve_pid" ]; then
		kill "$serve_pid" 2>/dev/null
		wait "$serve_pid" 2>/dev/null
		serve_pid=
	fi
}
trap 'stop_serve; rm -rf "$tmp"' EXIT

orders=${1:-}
if [ -z "$orders" ]; then
	orders=$tmp/orders
	go build -o "$orders" ./cmd/orders || exit 1
fi
scale=${2:-1}
faults=${3:-0}
export NO_COLOR=1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
unset AWS_PROFILE AWS_ENDPOINT_URL

now() { date +%s.%N; }
since() { python3 -c "import sys,time; print('%.2f' % (time.time() - float(sys.argv[1])))" "$1"; }

# start_serve: a fresh in-memory emulator with the profile on a free port.
start_serve() {
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	url=http://127.0.0.1:$port
	"$orders" local serve --in-memory --addr "127.0.0.1:$port" --realism aws --realism-scale "$scale" \
		--fault-rate "$faults" --fault-seed 7 >"$tmp/serve.log" 2>&1 &
	serve_pid=$!
	for _ in $(seq 1 200); do
		curl -sf -o /dev/null "$url/_orders/health" && return 0
		sleep 0.05
	done
	echo "the emulator did not start:" >&2
	cat "$tmp/serve.log" >&2
	exit 1
}

go run ./bench/cmd/realismfloor -scale "$scale" | tee "$tmp/floor.txt" | grep -v '^FLOOR'
read -r floor_up floor_destroy floor_again < <(sed -n 's/^FLOOR up=\([0-9.]*\) destroy=\([0-9.]*\) upagain=\([0-9.]*\)$/\1 \2 \3/p' "$tmp/floor.txt")
echo "$(nproc) cores; fault rate $faults"

run() {
	local t
	t=$(now)
	if ! "$orders" --endpoint-url "$url" "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"; then
		echo "orders $*: failed" >&2
		cat "$tmp/err.txt" >&2
		exit 1
	fi
	since "$t"
}

start_serve
up=$(run up)
destroy=$(run destroy --yes)
again=$(run up)
stop_serve

printf '\n%-34s %9s %9s %9s\n' "orders against --realism aws" measured floor over
python3 - "$up" "$floor_up" "$destroy" "$floor_destroy" "$again" "$floor_again" <<'PY'
import sys
v = list(map(float, sys.argv[1:]))
for name, (m, f) in zip(["up (from nothing)", "destroy", "up (right after destroy)"], [v[0:2], v[2:4], v[4:6]]):
    goal = "  (goal: within +1 s)" if name.startswith("up") else ""
    print("%-34s %8.2fs %8.2fs %+8.2fs%s" % (name, m, f, m - f, goal))
PY

# The seed's steps with the aws CLI, under the same profile, on a fresh
# emulator: each step's answer, as a script without retries sees it.
start_serve
account=$(curl -sf "$url/_orders/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["account"])')
region=us-east-1
arch=$(uname -m | sed 's/aarch64/arm64/')
zip=function/dist/bootstrap-$arch.zip
topic_arn=arn:aws:sns:$region:$account:HighValueOrderTopic
queue_arn=arn:aws:sqs:$region:$account:HighValueQueue
role_arn=arn:aws:iam::$account:role/ProcessOrderFunction-role
"$orders" policy trust --account "$account" --region $region >"$tmp/trust.json"
"$orders" policy function --account "$account" --region $region >"$tmp/function.json"
"$orders" policy queue --account "$account" --region $region >"$tmp/queue.json"
python3 -c 'import json,sys; print(json.dumps({"Policy": open(sys.argv[1]).read()}))' "$tmp/queue.json" >"$tmp/queue-attrs.json"
queue_url=$url/$account/HighValueQueue

echo
echo "the seed's aws-CLI steps against the same profile (no retries, as the seed ran them):"
failed=0
step() {
	local name=$1 t out rc
	shift
	t=$(now)
	out=$(aws --endpoint-url "$url" --region $region --output json "$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		printf '  %-28s ok      %6ss\n' "$name" "$(since "$t")"
	else
		failed=$((failed + 1))
		printf '  %-28s FAILED  %6ss  %s\n' "$name" "$(since "$t")" "$(echo "$out" | grep -v '^$' | tail -1 | cut -c1-150)"
	fi
}
t0=$(now)
step "dynamodb create-table" dynamodb create-table --table-name OrdersTable --billing-mode PAY_PER_REQUEST \
	--attribute-definitions AttributeName=OrderId,AttributeType=S --key-schema AttributeName=OrderId,KeyType=HASH
step "sns create-topic" sns create-topic --name HighValueOrderTopic
step "sqs create-queue" sqs create-queue --queue-name HighValueQueue --attributes SqsManagedSseEnabled=true
step "sqs set-queue-attributes" sqs set-queue-attributes --queue-url "$queue_url" --attributes "file://$tmp/queue-attrs.json"
step "sns subscribe" sns subscribe --topic-arn "$topic_arn" --protocol sqs --notification-endpoint "$queue_arn"
step "iam create-role" iam create-role --role-name ProcessOrderFunction-role --assume-role-policy-document "file://$tmp/trust.json"
step "iam put-role-policy" iam put-role-policy --role-name ProcessOrderFunction-role --policy-name ProcessOrderFunction-policy \
	--policy-document "file://$tmp/function.json"
step "lambda create-function" lambda create-function --function-name ProcessOrderFunction --runtime provided.al2023 --handler bootstrap \
	--architectures "$arch" --role "$role_arn" --zip-file "fileb://$zip" --timeout 10 --memory-size 128 \
	--environment "Variables={TABLE_NAME=OrdersTable,TOPIC_ARN=$topic_arn,THRESHOLD=100}"
step "lambda invoke (an order)" lambda invoke --function-name ProcessOrderFunction \
	--payload '{"OrderId":"SEED-1","Amount":250}' "$tmp/invoke.json"
echo "  total $(since "$t0")s, $failed step(s) failed"
