#!/usr/bin/env python3
"""Requests per second from ONE boto3 client: the orders emulator
(`orders local serve --data-dir <fresh>`, persistence on: every write is
fsynced before it is acknowledged) against moto_server (in memory), on this
machine, for three workloads:

    putitem  DynamoDB PutItem of a new item                        (1 request)
    sqs      SQS SendMessage + ReceiveMessage + DeleteMessage      (3 requests)
    fanout   SNS Publish -> SQS delivery, Receive + Delete         (3 requests)

Prints a table and the emulator/moto ratio (goal: >= 3x). A benchmark, never
run by go test.

    python3 bench/emulator_vs_moto.py [--orders PATH] [--seconds 5]

Without --orders it builds ./cmd/orders (run it from the module root).
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
from botocore.config import Config


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_emulator(orders, tmp):
    log = open(os.path.join(tmp, "serve.log"), "w")
    p = subprocess.Popen([orders, "local", "serve", "--data-dir", os.path.join(tmp, "data"), "--addr", "127.0.0.1:0"],
                         stdout=subprocess.PIPE, stderr=log, text=True)
    url = p.stdout.readline().strip()
    if not url.startswith("http://"):
        p.kill()
        raise SystemExit("orders local serve printed no URL; see %s/serve.log" % tmp)
    return url, p


def start_moto(tmp):
    port = free_port()
    log = open(os.path.join(tmp, "moto.log"), "w")
    p = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log,
                         start_new_session=True)
    url = "http://127.0.0.1:%d" % port
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).read()
            return url, p
        except Exception:
            time.sleep(0.05)
    raise SystemExit("moto_server did not answer")


def clients(url):
    cfg = Config(retries={"max_attempts": 1}, max_pool_connections=2)
    kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
              aws_secret_access_key="test", config=cfg)
    return boto3.client("dynamodb", **kw), boto3.client("sqs", **kw), boto3.client("sns", **kw)


def setup(url, stamp):
    ddb, sqs, sns = clients(url)
    ddb.create_table(TableName="BenchTable", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "OrderId", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "OrderId", "KeyType": "HASH"}])
    ddb.get_waiter("table_exists").wait(TableName="BenchTable", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    q = sqs.create_queue(QueueName="bench-q-" + stamp)["QueueUrl"]
    fq = sqs.create_queue(QueueName="bench-fq-" + stamp)["QueueUrl"]
    fq_arn = sqs.get_queue_attributes(QueueUrl=fq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name="bench-t-" + stamp)["TopicArn"]
    sqs.set_queue_attributes(QueueUrl=fq, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": fq_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=fq_arn)
    return ddb, sqs, sns, q, fq, topic


def receive_delete(sqs, q):
    m = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=1, WaitTimeSeconds=5).get("Messages", [])
    if not m:
        raise RuntimeError("no message within 5 s")
    sqs.delete_message(QueueUrl=q, ReceiptHandle=m[0]["ReceiptHandle"])


def measure(fn, seconds):
    """Run fn(i) until `seconds` pass; return iterations/s, p50 and p99 ms, errors."""
    lat, errors, first = [], 0, None
    start = time.perf_counter()
    deadline = start + seconds
    i = 0
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        try:
            fn(i)
            lat.append(time.perf_counter() - t0)
        except Exception as e:  # counted, and the first one shown
            errors += 1
            first = first or repr(e)
        i += 1
    elapsed = time.perf_counter() - start
    lat.sort()
    pct = lambda p: lat[int(p * (len(lat) - 1))] * 1000 if lat else 0
    return len(lat) / elapsed, pct(0.5), pct(0.99), errors, first


def workloads(url, stamp):
    ddb, sqs, sns, q, fq, topic = setup(url, stamp)
    body = '{"OrderId":"ORD-1001","Amount":250}'

    def putitem(i):
        ddb.put_item(TableName="BenchTable", Item={"OrderId": {"S": "%s-%d" % (stamp, i)}, "Amount": {"N": "250.10"},
                                                   "Status": {"S": "COMPLETE"}})

    def sqs_cycle(i):
        sqs.send_message(QueueUrl=q, MessageBody=body)
        receive_delete(sqs, q)

    def fanout(i):
        sns.publish(TopicArn=topic, Message=body, Subject="High-value order")
        receive_delete(sqs, fq)

    return [("putitem", 1, putitem), ("sqs", 3, sqs_cycle), ("fanout", 3, fanout)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", help="orders binary (default: go build ./cmd/orders)")
    ap.add_argument("--seconds", type=float, default=5.0, help="per workload and target")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="orders-bench-")
    procs = []
    try:
        orders = args.orders
        if not orders:
            orders = os.path.join(tmp, "orders")
            subprocess.run(["go", "build", "-o", orders, "./cmd/orders"], check=True)
        emu_url, p = start_emulator(orders, tmp)
        procs.append(p)
        moto_url, p = start_moto(tmp)
        procs.append(p)
        stamp = str(int(time.time()))
        results = {}
        for target, url in (("emulator", emu_url), ("moto", moto_url)):
            for name, per, fn in workloads(url, stamp):
                fn(-1)  # warm the connection and caches
                print("%s against %s for %.0fs..." % (name, target, args.seconds), file=sys.stderr, flush=True)
                results[(target, name)] = (per,) + measure(fn, args.seconds)
        print("1 boto3 client, %.0f s per workload and target; it/s = iterations/s, req/s = API requests/s" % args.seconds)
        print("%-9s %-9s %9s %9s %8s %8s %6s" % ("workload", "target", "it/s", "req/s", "p50 ms", "p99 ms", "errors"))
        for name in ("putitem", "sqs", "fanout"):
            for target in ("emulator", "moto"):
                per, its, p50, p99, errors, first = results[(target, name)]
                print("%-9s %-9s %9.0f %9.0f %8.2f %8.2f %6d" % (name, target, its, its * per, p50, p99, errors))
                if first:
                    print("          first error: %s" % first)
            e, m = results[("emulator", name)][1], results[("moto", name)][1]
            if m > 0:
                print("%-9s emulator/moto = %.1fx" % (name, e / m))
    finally:
        for p in procs:
            try:
                if p.args[0] == "moto_server":
                    os.killpg(p.pid, signal.SIGKILL)
                else:
                    p.send_signal(signal.SIGTERM)
                p.wait(timeout=15)
            except Exception:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
