#!/usr/bin/env python3
"""Jira webhook benchmark for `make bench` (issue 13's speed goals).

A small fake of Jira Cloud's REST API (the calls the connector makes: `GET /rest/api/3/issue/{key}` with basic auth
and `GET …/remotelink`) holds 5,000 issues created over 24 months. The release `da-server` is pointed at it with
JIRA_BASE_URL and loaded with them through its own webhook. Then 20 events/s arrive for 60 s, each changing another
issue, and the bench measures:

  webhook answer   the signed POST /api/jira/webhook until its 200 (the event is on disk, fsync'd), p99 goal ≤ 20 ms,
                   next to GET /api/health under the same load and to the durable-write floor (write, fsync, rename,
                   fsync of the folder) measured on the same disk
  visible          from the webhook's 200 until POST /api/query returns the change, p99 goal ≤ 2 s, next to one event
                   alone on an idle server (one fetch, one shard rewrite, one rebuild)

Usage: bench_jira.py <bin-dir> <work-dir>.
"""
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

BIN, WORK = sys.argv[1], os.path.join(sys.argv[2], "jira")
DATA = os.path.join(WORK, "data")
SECRET = "bench-secret-0123456789-0123456789-0123456789"
WEBHOOK_SECRET = "bench-webhook-secret"
EMAIL, TOKEN = "bot@example.com", "jira-bench-token"
ISSUES = int(os.environ.get("BENCH_JIRA_ISSUES", 5_000))
RATE = 20
SECONDS = int(os.environ.get("BENCH_JIRA_SECONDS", 60))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class FakeJira(http.server.ThreadingHTTPServer):
    """Issues by key: summary and a version that moves `updated` on every change."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.lock = threading.Lock()
        self.issues = {}
        start = time.mktime((2024, 1, 1, 0, 0, 0, 0, 0, 0))
        for number in range(1, ISSUES + 1):
            created = start + (number * 730 * 86_400) / ISSUES
            self.issues[f"SUP-{number}"] = {"summary": f"Issue {number}", "created": created, "version": 0}

    def change(self, key, summary):
        with self.lock:
            issue = self.issues[key]
            issue["summary"] = summary
            issue["version"] += 1

    def issue_json(self, key):
        with self.lock:
            issue = dict(self.issues[key])
        stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime(t))
        number = int(key.split("-")[1])
        return {
            "id": str(10_000 + number), "key": key, "self": f"{self.base}/rest/api/3/issue/{key}",
            "fields": {
                "summary": issue["summary"], "issuetype": {"name": "Task"},
                "status": {"name": "In Progress", "statusCategory": {"name": "In Progress"}},
                "priority": {"name": "Medium"}, "project": {"key": "SUP", "name": "Support"},
                "created": stamp(issue["created"]), "updated": stamp(issue["created"] + issue["version"] + 1),
                "description": {"type": "doc", "version": 1, "content": [
                    {"type": "paragraph", "content": [{"type": "text", "text": "Something broke " * 8}]}]},
                "labels": ["bench"], "reporter": {"displayName": "Ann", "emailAddress": "ann@example.com"},
                "comment": {"comments": [{"id": str(number * 10), "author": {"displayName": "Bob"},
                                          "body": "Looking", "created": stamp(issue["created"])}]},
                "attachment": [], "issuelinks": [],
            },
            "changelog": {"histories": []},
        }


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    authorization = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.headers.get("Authorization") != self.authorization:
            return self.answer(401, {"errorMessages": ["Client must be authenticated"]})
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) >= 5 and parts[:4] == ["rest", "api", "3", "issue"] and parts[4] in self.server.issues:
            if len(parts) == 6 and parts[5] == "remotelink":
                return self.answer(200, [])
            if len(parts) == 5:
                return self.answer(200, self.server.issue_json(parts[4]))
        self.answer(404, {"errorMessages": ["Issue does not exist or you do not have permission to see it."]})


def request(port, method, path, token=None, body=None, headers=None, connection=None):
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    if own:
        connection.close()
    return response.status, data


def webhook(port, key, connection=None):
    """Posts Jira's signed `jira:issue_updated` for `key`; returns the seconds until the answer."""
    body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"key": key}}).encode()
    signature = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    started = time.perf_counter()
    status, answer = request(port, "POST", "/api/jira/webhook", body=body, connection=connection,
                             headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"})
    elapsed = time.perf_counter() - started
    assert status == 200, answer
    return elapsed


def visible_marks(port, token):
    status, body = request(port, "POST", "/api/query", token,
                           {"sql": "SELECT summary FROM jira_issues WHERE summary LIKE 'mark-%'", "limit": 10000})
    if status != 200:
        return set()
    return {row[0] for row in json.loads(body)["rows"]}


def durable_write_floor(directory, count=200):
    """The webhook's own floor: a 1 KB write, fsync, rename and fsync of the folder, as the queue does."""
    os.makedirs(directory, exist_ok=True)
    times = []
    folder = os.open(directory, os.O_RDONLY)
    for index in range(count):
        started = time.perf_counter()
        temporary, target = os.path.join(directory, f".{index}.tmp"), os.path.join(directory, f"{index}.json")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(descriptor, b"x" * 1024)
        os.fsync(descriptor)
        os.close(descriptor)
        os.rename(temporary, target)
        os.fsync(folder)
        times.append(time.perf_counter() - started)
    os.close(folder)
    shutil.rmtree(directory)
    return times


def wait_for(what, condition, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(DATA)
    fake = FakeJira()
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    port = free_port()
    env = dict(os.environ, JWT_SECRET_KEY=SECRET, DATA_DIR=DATA, PORT=str(port), LOG_LEVEL="warning",
               JIRA_BASE_URL=fake.base, JIRA_EMAIL=EMAIL, JIRA_API_TOKEN=TOKEN, JIRA_WEBHOOK_SECRET=WEBHOOK_SECRET)
    log = open(os.environ["BENCH_JIRA_LOG"], "w") if os.environ.get("BENCH_JIRA_LOG") else subprocess.DEVNULL
    if log is not subprocess.DEVNULL:
        env["LOG_LEVEL"] = "info"
    server = subprocess.Popen([os.path.join(BIN, "da-server"), "serve"], env=env, stdout=log, stderr=log)
    try:
        wait_for("the server", lambda: request(port, "GET", "/api/health/ready")[0] == 200 if _reachable(port) else False, 120)
        status, body = request(port, "POST", "/auth/bootstrap", body={"email": "bench@example.com", "password": "bench-password-123"})
        token = json.loads(body)["access_token"]

        print(f"loading {ISSUES:,} Jira issues through the webhook…", flush=True)
        started = time.time()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for number in range(1, ISSUES + 1):
            webhook(port, f"SUP-{number}", connection)
        connection.close()

        def loaded():
            status, body = request(port, "POST", "/api/query", token, {"sql": "SELECT count(*) FROM jira_issues"})
            return status == 200 and json.loads(body)["rows"][0][0] == ISSUES
        wait_for("the issues", loaded)
        print(f"  {time.time() - started:.1f} s", flush=True)

        # One event alone on an idle server: the floor of the path.
        idle = []
        for index in range(5):
            key = f"SUP-{index + 1}"
            fake.change(key, f"mark-idle-{index}")
            webhook(port, key)
            answered = time.perf_counter()
            wait_for("an idle event", lambda: f"mark-idle-{index}" in visible_marks(port, token), 60)
            idle.append(time.perf_counter() - answered)

        floor = durable_write_floor(os.path.join(WORK, "fsync-floor"))

        # The load: 20 events/s for 60 s, each on another issue; a poller notes when each change becomes visible.
        sent, seen, answers, health = {}, {}, [], []
        stop = threading.Event()

        def poll():
            while not stop.is_set():
                marks = visible_marks(port, token)
                now = time.perf_counter()
                for mark in marks:
                    seen.setdefault(mark, now)
                time.sleep(0.05)

        def probe():
            while not stop.is_set():
                started = time.perf_counter()
                request(port, "GET", "/api/health")
                health.append(time.perf_counter() - started)
                time.sleep(1 / RATE)

        threads = [threading.Thread(target=poll, daemon=True), threading.Thread(target=probe, daemon=True)]
        for thread in threads:
            thread.start()
        keys = random.Random(7).sample(range(10, ISSUES + 1), RATE * SECONDS)
        begin = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for index, number in enumerate(keys):
            due = begin + index / RATE
            time.sleep(max(0, due - time.perf_counter()))
            mark = f"mark-{index}"
            fake.change(f"SUP-{number}", mark)
            answers.append(webhook(port, f"SUP-{number}", connection))
            sent[mark] = time.perf_counter()
        connection.close()
        wait_for("every change", lambda: len(seen.keys() & sent.keys()) == len(sent), 120)
        stop.set()
        for thread in threads:
            thread.join()
        latencies = [seen[mark] - sent[mark] for mark in sent]

        ms = lambda seconds: f"{seconds * 1000:.1f} ms"
        print()
        print(f"Jira webhooks ({ISSUES:,} issues in 24 monthly shards; {RATE} events/s for {SECONDS} s, each changing another issue):")
        print(f"  webhook answer p99 {ms(percentile(answers, 0.99))} (p50 {ms(percentile(answers, 0.5))})   goal ≤ 20 ms   "
              f"vs GET /api/health under the same load p99 {ms(percentile(health, 0.99))}; "
              f"the durable write alone (fsync) p99 {ms(percentile(floor, 0.99))}")
        print(f"  webhook → visible in POST /api/query p99 {percentile(latencies, 0.99):.2f} s "
              f"(p50 {percentile(latencies, 0.5):.2f} s, max {max(latencies):.2f} s)   goal ≤ 2 s   "
              f"vs one event alone on an idle server {percentile(idle, 0.5):.2f} s (one fetch, one shard rewrite, one rebuild)")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        fake.shutdown()


def _reachable(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
