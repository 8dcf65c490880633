#!/usr/bin/env python3
"""Web UI benchmark for `make bench`: how long each page takes at the server with 1,000 tables and 10,000 memory
items, next to the floor measured in the same run (a cached static file over the same connection).

Starts the release `da-server` on a fresh data directory with the sample dataset (xs) and 1,000 small tables
(registered, so they are in the catalog), signs in an admin, proposes 10,000 memory items through the API (notes
with a realistic vocabulary; a third approved), then requests every page 200 times over one keep-alive connection
and prints p50/p95 per page (memory search twice: a usual search, and the commonest word, in most items).
The goal: p95 ≤ 50 ms for every page.

Usage: bench_web.py <bin-dir> <work-dir>   (the Makefile passes both). Needs a venv with duckdb==1.5.5.
"""
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

import duckdb

BIN, WORK = sys.argv[1], os.path.join(sys.argv[2], "web")
DATA = os.path.join(WORK, "data")
SECRET = "bench-secret-0123456789-0123456789-0123456789"
GOAL_MS = 50.0
TABLES, ITEMS, SAMPLES = 1000, int(os.environ.get("BENCH_WEB_ITEMS", "10000")), 200


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive connection."""

    def __init__(self, port, token=None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.token = token

    def request(self, method, path, body=None):
        headers = {"Authorization": "Bearer " + self.token} if self.token else {}
        if body is not None:
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()


def write_many_tables():
    directory = os.path.join(DATA, "extracts", "many")
    os.makedirs(os.path.join(directory, "data"), exist_ok=True)
    con = duckdb.connect()
    ext = duckdb.connect(os.path.join(directory, "extract.duckdb.tmp"))
    ext.execute("CREATE TABLE _meta (table_name VARCHAR NOT NULL, description VARCHAR, rows BIGINT, size_bytes BIGINT, "
                "extracted_at TIMESTAMP, query_mode VARCHAR DEFAULT 'local')")
    for i in range(TABLES):
        table = f"t{i:04d}"
        path = os.path.join(directory, "data", table + ".parquet")
        con.execute(f"COPY (SELECT range AS id, range % 3 AS kind FROM range({10 + i % 7})) TO '{path}' (FORMAT parquet)")
        ext.execute("INSERT INTO _meta VALUES (?, ?, ?, ?, now(), 'local')",
                    [table, f"Bench table number {i} of the many source", 10 + i % 7, os.path.getsize(path)])
        ext.execute(f"CREATE VIEW \"{table}\" AS SELECT * FROM read_parquet('{path}')")
    ext.close()
    con.close()
    os.replace(os.path.join(directory, "extract.duckdb.tmp"), os.path.join(directory, "extract.duckdb"))


def make_words(count, seed=7):
    """Pronounceable made-up words (letters only: the search index drops digits)."""
    import random
    rng = random.Random(seed)
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    words = set()
    while len(words) < count:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


WORDS = make_words(3000)


def corpus(count, seed=42):
    """Notes with a realistic vocabulary: words drawn with a Zipf-like skew (a few common, most rare), and
    "refunds" in one item out of ten, so a search matches a share of the items, as in real notes."""
    import random
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    for i in range(count):
        words = rng.choices(WORDS, weights=weights, k=32)
        if i % 10 == 0:
            words[rng.randrange(32)] = "refunds"
        yield " ".join(words[:6]).capitalize(), " ".join(words[6:]) + "."


def timed(client, path, samples=SAMPLES):
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        status, _ = client.request("GET", path)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(DATA)
    subprocess.run([os.path.join(BIN, "da-server"), "sample-data", "--data-dir", DATA, "--size", "xs", "--seed", "42"],
                   check=True, stdout=subprocess.DEVNULL)
    write_many_tables()
    port = free_port()
    env = dict(os.environ, JWT_SECRET_KEY=SECRET, DATA_DIR=DATA, PORT=str(port), LOG_LEVEL="warning")
    server = subprocess.Popen([os.path.join(BIN, "da-server"), "serve"], env=env, stdout=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                if Client(port).request("GET", "/api/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        _, body = Client(port).request("POST", "/auth/bootstrap", {"email": "bench@example.com", "password": "bench-password-123"})
        client = Client(port, json.loads(body)["access_token"])
        print(f"web: registering {TABLES:,} tables…", flush=True)
        for i in range(TABLES):
            status, body = client.request("POST", "/api/admin/register-table", {
                "name": f"t{i:04d}", "source_type": "many", "bucket": f"bucket_{i % 20}", "is_public": i % 4 != 0})
            if status != 201:
                raise SystemExit(f"registering t{i:04d} answered {status}: {body[:200]}")
        print(f"web: proposing {ITEMS:,} memory items…", flush=True)
        started = time.time()
        categories = ["business_logic", "data_quality", "definitions", "gotchas", "workflow"]
        ids = []
        for i, (title, content) in enumerate(corpus(ITEMS)):
            status, body = client.request("POST", "/api/memory", {
                "title": title, "content": content, "category": categories[i % len(categories)],
                "tags": [f"team {WORDS[i % 40]}"]})
            ids.append(json.loads(body)["id"])
        for start in range(0, len(ids) // 3, 500):
            client.request("POST", "/api/memory/admin/batch", {"action": "approve", "item_ids": ids[start:start + 500]})
        print(f"  {time.time() - started:.1f} s", flush=True)
        _, body = client.request("GET", f"/api/memory?search={WORDS[0]}&per_page=1")
        common_share = f"{json.loads(body)['total'] * 100 // ITEMS} %"
        status, body = client.request("GET", "/api/catalog/tables")
        tables = json.loads(body)["count"]
        status, page = Client(port).request("GET", "/login")
        css = next(part.split('"')[0] for part in page.decode().split('href="') if part.startswith("/static/app."))

        pages = [
            ("dashboard", "/dashboard"), ("catalog (all tables)", "/catalog"), ("catalog search", "/catalog?q=number+99"),
            ("table page", "/catalog/tables/orders"), ("memory", "/memory"),
            ("memory search (two words)", f"/memory?q=refunds+{WORDS[120]}"),
            (f"memory search (the commonest word: in {common_share} of items)", f"/memory?q={WORDS[0]}"),
            ("memory review", "/memory/review"), ("admin users", "/admin/users"), ("admin tables", "/admin/tables"),
            ("admin table", "/admin/tables/orders"), ("admin permissions", "/admin/permissions"), ("activity", "/activity"),
        ]
        floor50, floor95 = timed(client, css)
        print(f"web: {tables:,} tables in the catalog, {ITEMS:,} memory items; {SAMPLES} requests per page, one connection")
        print(f"  floor: a cached static file                 p50 {floor50:6.2f} ms  p95 {floor95:6.2f} ms")
        worst = 0.0
        for name, path in pages:
            p50, p95 = timed(client, path)
            worst = max(worst, p95)
            mark = "met" if p95 <= GOAL_MS else "NOT met"
            print(f"  {name:<42} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  (goal ≤ {GOAL_MS:.0f} ms: {mark})")
        print(f"  slowest page p95 {worst:.2f} ms: goal ≤ {GOAL_MS:.0f} ms {'met' if worst <= GOAL_MS else 'NOT met'}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
