#!/usr/bin/env bash
# up_vs_awscli.sh — on one fresh moto_server, time the seed's steps done with
# the aws CLI (create-table, create-topic, create-queue, set-queue-attributes,
# subscribe, create-role, put-role-policy, create-function with the same zip)
# against `orders up` (fresh), a no-change `orders up`, and `orders destroy`.
# moto imports a service's backend on the first request to it (0.3-0.6 s
# each here), so a first, untimed-for-the-ratio `orders up` + `destroy` warms
# every service either side uses; moto is then reset (POST /moto-api/reset)
# before each timed side, so each starts empty on a warm server.
# Goal: `up` at least 20x faster than the aws-CLI script, and a
# no-change `up` well under a fresh one. A benchmark, never run by go test.
#
#   bench/up_vs_awscli.sh [path/to/orders]     (default: go build ./cmd/orders)
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
moto_pid=
cleanup() {
	[ -n "$moto_pid" ] && kill -9 "$moto_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

orders=${1:-}
if [ -z "$orders" ]; then
	orders=$tmp/orders
	go build -o "$orders" ./cmd/orders
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
moto_server -H 127.0.0.1 -p "$port" >"$tmp/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 600); do
	curl -sf -o /dev/null "$url/moto-api/" && break
	sleep 0.05
done

# The aws CLI and orders as a new user runs them: fixed keys, no profile.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER= NO_COLOR=1
unset AWS_PROFILE AWS_ENDPOINT_URL
account=123456789012 # moto's
region=us-east-1
arch=arm64 # what `orders up` deploys by default
zip=function/dist/bootstrap-$arch.zip
topic_arn=arn:aws:sns:$region:$account:HighValueOrderTopic
queue_arn=arn:aws:sqs:$region:$account:HighValueQueue
role_arn=arn:aws:iam::$account:role/ProcessOrderFunction-role

"$orders" policy trust --account $account --region $region >"$tmp/trust.json"
"$orders" policy function --account $account --region $region >"$tmp/function.json"
"$orders" policy queue --account $account --region $region >"$tmp/queue.json"
python3 -c 'import json,sys; print(json.dumps({"Policy": open(sys.argv[1]).read()}))' "$tmp/queue.json" >"$tmp/queue-attrs.json"

now() { date +%s.%N; }
since() { python3 -c "import sys,time; print('%.3f' % (time.time() - float(sys.argv[1])))" "$1"; }
awscli() { aws --endpoint-url "$url" --region $region --output json "$@" >/dev/null; }

echo "aws CLI $(aws --version 2>&1 | cut -d' ' -f1), moto $(python3 -c 'import moto; print(moto.__version__)'), $(nproc) cores" >&2

run() { "$orders" --endpoint-url "$url" --region $region "$@" >"$tmp/out.txt" 2>"$tmp/err.txt" || { cat "$tmp/err.txt" >&2; exit 1; }; }

# 0. Warm moto: the very first up pays moto's imports.
t=$(now); run up; cold=$(since "$t")
run destroy --yes
curl -sf -X POST "$url/moto-api/reset" >/dev/null

# 1. The seed's steps with the aws CLI.
t=$(now)
awscli dynamodb create-table --table-name OrdersTable --billing-mode PAY_PER_REQUEST \
	--attribute-definitions AttributeName=OrderId,AttributeType=S --key-schema AttributeName=OrderId,KeyType=HASH
awscli sns create-topic --name HighValueOrderTopic
queue_url=$(aws --endpoint-url "$url" --region $region sqs create-queue --queue-name HighValueQueue \
	--attributes SqsManagedSseEnabled=true --query QueueUrl --output text)
awscli sqs set-queue-attributes --queue-url "$queue_url" --attributes "file://$tmp/queue-attrs.json"
awscli sns subscribe --topic-arn "$topic_arn" --protocol sqs --notification-endpoint "$queue_arn"
awscli iam create-role --role-name ProcessOrderFunction-role --assume-role-policy-document "file://$tmp/trust.json"
awscli iam put-role-policy --role-name ProcessOrderFunction-role --policy-name ProcessOrderFunction-policy \
	--policy-document "file://$tmp/function.json"
awscli lambda create-function --function-name ProcessOrderFunction --runtime provided.al2023 --handler bootstrap \
	--architectures $arch --role "$role_arn" --zip-file "fileb://$zip" --timeout 10 --memory-size 128 \
	--environment "Variables={TABLE_NAME=OrdersTable,TOPIC_ARN=$topic_arn,THRESHOLD=100}"
cli=$(since "$t")

curl -sf -X POST "$url/moto-api/reset" >/dev/null

# 2. orders.
t=$(now); run up; up=$(since "$t")
t=$(now); run up; again=$(since "$t")
t=$(now); run destroy --yes; destroy=$(since "$t")

printf '%-44s %9s\n' "on one fresh moto_server ($url)" seconds
printf '%-44s %9s\n' "orders up on a cold moto (not in the ratio)" "$cold"
printf '%-44s %9s\n' "aws CLI: the seed's 8 steps" "$cli"
printf '%-44s %9s\n' "orders up (fresh)" "$up"
printf '%-44s %9s\n' "orders up (no change)" "$again"
printf '%-44s %9s\n' "orders destroy --yes" "$destroy"
python3 - "$cli" "$up" "$again" <<'EOF'
import sys
cli, up, again = map(float, sys.argv[1:])
print("speedup, aws CLI / orders up:          %6.1fx   (goal >= 20x)" % (cli / up))
print("no-change up / fresh up:               %6.2f" % (again / up))
EOF
