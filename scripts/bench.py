#!/usr/bin/env python3
"""Data-plane benchmark for `make bench`.

Generates a fresh data directory: the sample dataset (size m), a 1M-row table (`events_1m`), a ~100 MB table
(`wide_100mb`), 10,000 small tables (source `many`) and, once the manifest's size is known, one table whose parquet
file is as large as the manifest (`static_page`, see "manifest"). Starts the release `da-server` on it and prints
each figure next to its limit, measured in the same run on the same machine, with whether its goal is met:

  first start   for information: the first start has no published epoch and rebuilds before it listens; its
                start-up job then profiles every new table (about three minutes with 10,000 tables on the 2-core
                machine), giving way to the first sync job below; the phases after it wait until the server is quiet
  start-up      stop the server (SIGTERM; then again with SIGKILL) and start it on the same data: seconds from the
                spawn until GET /api/health/live and GET /api/health first answer 200 (goal ≤ 1 s) and until
                GET /api/health/ready answers 200, i.e. the start-up rebuild of 10,000+ tables has published (goal
                ≤ 10 s); meanwhile POST /api/query (count(*) over events_1m) and a small table's download must answer
                200 before ready (the last published epoch is served). Polled every 10 ms, one socket per probe.
  rebuild       the orchestrator's rebuild of 10,000+ tables: a sync job's duration (best of 3)    goal ≤ 10 s
  memory        da-server's VmRSS 5 s after ready, after the kill -9 restart (goal ≤ 50 MB), split into its own
                (anonymous) memory and the mapped files (the binary and libraries' pages it touched: shared with the
                page cache, reclaimable), next to the floor: a da-server on an empty data directory, 5 s after
                ready, the same split; its peak (VmRSS sampled every
                50 ms, and VmHWM, reset before the load) while 50 cold `da sync` processes (each its own config and
                workspace, the 11 tables below) and 32 query clients (the 1M-row GROUP BY in a loop) run (goal
                ≤ 1024 MB; every sync must download its 11 tables and no query may fail); VmRSS after 60 s idle
                (goal ≤ 1.2 × the idle figure)
  manifest      GET /api/sync/manifest (10,000+ tables, ~2 MB) under wrk: p50/p99 with 1 connection (goal p99 ≤ 5 ms),
                requests/s with 32 next to a static response of the same bytes: GET /api/data/static_page/download,
                a parquet file that da-server sends with sendfile(2), written (after the first start, then
                published by the rebuild jobs) to within 0.5 % of the manifest's size measured before it was added
                (goal ≥ 0.5 × its requests/s); GET /login for information (the smallest page)
  query         POST /api/query over one keep-alive connection vs the same SQL run directly in DuckDB (same
                version, same file), interleaved, median of 31 each (goal ≤ 1.2 × raw + 1 ms); also with a new text
                every time
  download      GET /api/data/<~100 MB table>/download with curl into a file vs `cp` of the same file (goal
                ≥ 0.8 × cp), next to what loopback HTTP allows: a zero-copy (sendfile) server to the same curl, and
                da-server to a receive-only client
  da sync cold  11 tables (~107 MB: the 9 sample tables, events_1m and wide_100mb) into an empty workspace, best of
                3, next to receiving and SHA-256-hashing the same files over loopback from a minimal threaded
                sendfile server with 4 connections, largest file first, best of 3 (goal ≤ 1.5 × that; printed
                beside it: the same also writing the files, as da sync must, and the floor no da sync can go below
                here, the same client also fetching and writing the manifest and asset bundles, plus the start of
                the da process, its --version); and, from a server holding only those 11 tables, next to the
                reference's cold sync in the same run (goal ≥ 4 × faster; the reference's `da sync` takes one
                --table, so its cold sync is measured that way)
  no-change     `da sync` of every table (10,000+) with nothing changed, median of 10   goal ≤ 100 ms
  da --version  median of 20, next to spawning `true`                                     goal ≤ 20 ms
  reference     with REFERENCE_DIR set (a checkout of keboola/agnes-the-ai-analyst), after our server has stopped:
                `bench_reference.measure_reference` on the same data (see REFERENCE_SMALL_TABLES) for cold sync,
                manifest requests/s with 32 connections and p99 with 1, idle RSS, start to healthy and its rebuild,
                printed next to ours; without it those lines say "reference not measured"

Ends with a summary: one line per goal with the figure, its limit or reference, the goal and whether it is met.

Usage: bench.py <bin-dir> <work-dir>   (the Makefile passes both; REFERENCE_DIR from the environment).
The server's log goes to <work-dir>/server.log (BENCH_LOG_LEVEL, default warning). The reference's virtualenv and
data directories are kept in <work-dir>-reference.
Needs wrk, curl and a venv with duckdb==1.5.5.
"""
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import duckdb

BIN, WORK = sys.argv[1], os.path.abspath(sys.argv[2])
DATA = os.path.join(WORK, "data")
SECRET = "bench-secret-0123456789-0123456789-0123456789"
SMALL_TABLES = 10_000
# The reference is measured on the same data, all 10,000 small tables: on this machine that takes about 3.5 minutes
# (laying out its data directory 36 s, its orchestrator rebuild 87 s for 10,012 tables, its manifest 0.17 s an answer,
# ~2.5 s under 32 connections, within wrk's 30 s timeout). REFERENCE_SMALL_TABLES=<n> in the environment measures it
# on the same data with only the first n small tables instead, should that grow too slow.
REFERENCE_SMALL_TABLES = int(os.environ["REFERENCE_SMALL_TABLES"]) if os.environ.get("REFERENCE_SMALL_TABLES") else None
ELEVEN = ["campaigns", "customers", "order_items", "orders", "payments", "products", "support_tickets", "web_leads",
          "web_sessions", "events_1m", "wide_100mb"]
GROUP_BY = ("SELECT customer, count(*) AS n, sum(amount) AS total FROM {} GROUP BY customer ORDER BY total DESC "
            "LIMIT 20")
NOT_MEASURED = "reference not measured"


def log(message):
    print(message, flush=True)


# ---- HTTP clients ----

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, token=None, body=None, headers=None):
    """One request with http.client (for setup, not timed)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = "Bearer " + token
    if body is not None and not isinstance(body, (bytes, bytearray)):
        body = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    connection.request(method, path, body=body, headers=all_headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def read_response(sock, received=b""):
    """Reads one HTTP/1.1 response from `sock` (Content-Length, chunked or until close); returns (status, body)."""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before the response's head: {received[:200]!r}")
        received += chunk
    head, body = received.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ", 2)[1])
    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    if length:
        length = int(length.group(1))
        while len(body) < length:
            chunk = sock.recv(max(65536, length - len(body)))
            if not chunk:
                raise ConnectionError("connection closed inside the response's body")
            body += chunk
        return status, body
    chunked = re.search(rb"(?i)\r\ntransfer-encoding: *chunked", head)
    while not (chunked and body.endswith(b"0\r\n\r\n")):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, dechunk(body) if chunked else body


def dechunk(body):
    out, position = [], 0
    while True:
        end = body.index(b"\r\n", position)
        size = int(body[position:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(body[end + 2:end + 2 + size])
        position = end + 2 + size + 2


def http_once(port, method, path, token=None, payload=None, timeout=10):
    """(status, body) of one request on a new connection, at socket level (used while polling a starting server)."""
    body = json.dumps(payload).encode() if payload is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    if payload is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        return read_response(sock)


def probe(port, path):
    """The status of GET `path`, or None while nothing listens."""
    try:
        return http_once(port, "GET", path)[0]
    except OSError:
        return None


class KeepAliveClient:
    """A minimal keep-alive client for POST /api/query, so that the client's own work (http.client parses headers
    with the email package: ~0.2 ms) is not counted against the server, as wrk's is not for the manifest."""

    def __init__(self, port, token, timeout=300):
        self.port, self.token, self.timeout = port, token, timeout
        self.sock = None

    def query(self, sql):
        """(status, body, seconds from sending to the whole answer)."""
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body = json.dumps({"sql": sql}).encode()
        message = (f"POST /api/query HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {self.token}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        started = time.perf_counter()
        try:
            self.sock.sendall(message)
            status, answer = read_response(self.sock)
        except OSError:
            self.close()
            raise
        return status, answer, time.perf_counter() - started

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def wrk(url, token, connections=32, seconds=8):
    """(p50 ms, p99 ms, requests/s) of GET `url` under wrk; fails on any non-2xx answer or socket error."""
    command = ["wrk", "-t1" if connections == 1 else "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-H", f"Authorization: Bearer {token}", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    problems = re.search(r"Non-2xx or 3xx responses:.*|Socket errors:.*", output)
    if problems:
        raise RuntimeError(f"wrk -c{connections} {url}: {problems.group(0)}")

    def latency(label):
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return latency("50"), latency("99"), rate


# ---- the data ----

def write_extract(directory, metas):
    """Writes `directory`/extract.duckdb (the extract contract): `_meta` rows and a view per table.

    metas: [(table, rows, size, parquet path)]."""
    tmp = os.path.join(directory, "extract.duckdb.tmp")
    if os.path.exists(tmp):
        os.remove(tmp)
    ext = duckdb.connect(tmp)
    ext.execute("CREATE TABLE _meta (table_name VARCHAR NOT NULL, description VARCHAR, rows BIGINT, size_bytes BIGINT, "
                "extracted_at TIMESTAMP, query_mode VARCHAR DEFAULT 'local')")
    ext.execute("BEGIN")
    ext.executemany("INSERT INTO _meta VALUES (?, NULL, ?, ?, now(), 'local')",
                    [[table, rows, size] for table, rows, size, _ in metas])
    for table, _, _, path in metas:
        ext.execute(f"CREATE VIEW \"{table}\" AS SELECT * FROM read_parquet('{path}')")
    ext.execute("COMMIT")
    ext.close()
    os.replace(tmp, os.path.join(directory, "extract.duckdb"))


def write_bench_source(name, tables, rows=None):
    """Writes the parquet files and extract contract of source `name`: tables = {table: SQL producing its rows};
    rows = {table: row count} where known (else counted). One DuckDB connection for every file."""
    directory = os.path.join(DATA, "extracts", name)
    os.makedirs(os.path.join(directory, "data"), exist_ok=True)
    con = duckdb.connect()
    metas = []
    for table, sql in tables.items():
        path = os.path.join(directory, "data", table + ".parquet")
        con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
        count = (rows or {}).get(table)
        if count is None:
            count = con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
        metas.append((table, count, os.path.getsize(path), path))
    con.close()
    write_extract(directory, metas)


def write_sized_table(source, table, target_bytes):
    """A one-column table of md5 text whose (uncompressed) parquet file is within 0.5 % of `target_bytes`."""
    directory = os.path.join(DATA, "extracts", source)
    os.makedirs(os.path.join(directory, "data"), exist_ok=True)
    path = os.path.join(directory, "data", table + ".parquet")
    con = duckdb.connect()
    guess = max(1, target_bytes // 68)
    for _ in range(10):
        rows = guess
        con.execute(f"COPY (SELECT md5(range::VARCHAR) || md5((range + 7)::VARCHAR) AS text FROM range({rows})) "
                    f"TO '{path}' (FORMAT parquet, COMPRESSION uncompressed)")
        size = os.path.getsize(path)
        if abs(size - target_bytes) <= target_bytes * 0.005:
            break
        guess = max(1, round(rows * target_bytes / size))
    con.close()
    write_extract(directory, [(table, rows, size, path)])
    return size


def parquet_path(table):
    for source in sorted(os.listdir(os.path.join(DATA, "extracts"))):
        path = os.path.join(DATA, "extracts", source, "data", table + ".parquet")
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"no parquet file for {table} under {DATA}/extracts")


def generate_data():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(DATA)
    log("generating the sample dataset (size m)…")
    started = time.perf_counter()
    subprocess.run([os.path.join(BIN, "da-server"), "sample-data", "--data-dir", DATA, "--size", "m", "--seed", "42"],
                   check=True, stdout=subprocess.DEVNULL)
    log(f"  {time.perf_counter() - started:.1f} s")
    log(f"writing the 1M-row, ~100 MB and {SMALL_TABLES:,} small tables…")
    started = time.perf_counter()
    write_bench_source("bench", {
        "events_1m": "SELECT range AS id, range % 1000 AS customer, (range * 7919) % 100000 / 100.0 AS amount, "
                     "TIMESTAMP '2026-01-01' + INTERVAL (range) SECOND AS at FROM range(1000000)",
        "wide_100mb": "SELECT range AS id, md5(range::VARCHAR) || md5((range + 1)::VARCHAR) AS a, "
                      "md5((range * 3)::VARCHAR) AS b, hash(range) / 1e19 AS c FROM range(2100000)",
    })
    small = {f"t{i:04d}": 10 + i % 7 for i in range(SMALL_TABLES)}
    write_bench_source("many", {table: f"SELECT range AS id FROM range({rows})" for table, rows in small.items()},
                       rows=small)
    log(f"  {time.perf_counter() - started:.1f} s")


# ---- the server ----

def describe_memory(split):
    return f"{split[0]:.1f} MB = {split[1]:.1f} MB anonymous + {split[2]:.1f} MB mapped files"


def idle_floor():
    """Server.memory_split of a da-server on an empty data directory, 5 s after ready: what any idle da-server holds."""
    empty = os.path.join(WORK, "data-empty")
    shutil.rmtree(empty, ignore_errors=True)
    os.makedirs(empty)
    server = Server(empty, log="server-empty.log")
    try:
        server.spawn()
        server.wait_ready()
        time.sleep(5)
        return server.memory_split()
    finally:
        server.stop()


def proc_status_kb(pid, field):
    """A field of /proc/<pid>/status in kB (VmRSS, VmHWM), or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Server:
    """The release da-server on `data` (DATA); the same port at every start, stderr appended to WORK/<log>."""

    def __init__(self, data=DATA, log="server.log"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, JWT_SECRET_KEY=SECRET, DATA_DIR=data, PORT=str(self.port),
                        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "warning"))
        self.log_path = os.path.join(WORK, log)
        self.process = None
        self.spawned_at = None

    def spawn(self):
        with open(self.log_path, "ab") as log_file:
            self.spawned_at = time.perf_counter()
            self.process = subprocess.Popen([os.path.join(BIN, "da-server"), "serve"], env=self.env,
                                            stdout=subprocess.DEVNULL, stderr=log_file)

    def wait_ready(self, timeout=900):
        """Seconds from the spawn until /api/health/ready answered 200."""
        while time.perf_counter() - self.spawned_at < timeout:
            self.check_alive()
            if probe(self.port, "/api/health/ready") == 200:
                return time.perf_counter() - self.spawned_at
            time.sleep(0.05)
        raise RuntimeError(f"da-server was not ready within {timeout} s: {self.log_tail()}")

    def check_alive(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"da-server exited with {self.process.returncode}: {self.log_tail()}")

    def stop(self, sig=signal.SIGTERM):
        """Sends `sig` and waits for the exit; returns the seconds that took."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        started = time.perf_counter()
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.perf_counter() - started

    def wait_quiet(self, window=2.0, timeout=900):
        """Waits until the server used under 2 % of a core over `window` seconds (background work, such as profiling
        new tables, is done); returns the seconds waited."""
        started = time.perf_counter()
        ticks_per_second = os.sysconf("SC_CLK_TCK")

        def cpu_seconds():
            with open(f"/proc/{self.process.pid}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / ticks_per_second  # utime + stime

        while time.perf_counter() - started < timeout:
            self.check_alive()
            before = cpu_seconds()
            time.sleep(window)
            if cpu_seconds() - before < 0.02 * window:
                return time.perf_counter() - started
        raise RuntimeError(f"da-server was still busy after {timeout} s: {self.log_tail()}")

    def memory_mb(self, field="VmRSS"):
        return proc_status_kb(self.process.pid, field) / 1024

    def memory_split(self):
        """(VmRSS, RssAnon, RssFile) in MB: all resident pages, its own (anonymous) ones, the mapped files'."""
        return tuple(self.memory_mb(field) for field in ("VmRSS", "RssAnon", "RssFile"))

    def reset_peak(self):
        """Resets VmHWM to the current RSS (clear_refs 5); False where the kernel does not allow it."""
        try:
            with open(f"/proc/{self.process.pid}/clear_refs", "w") as file:
                file.write("5")
            return True
        except OSError:
            return False

    def log_tail(self):
        with open(self.log_path, "rb") as file:
            return file.read()[-2000:].decode(errors="replace")


def run_sync_job(server, token):
    """Triggers a sync of everything, waits for its job; returns its rebuild's duration in ms (`duration_ms`) and
    the seconds from the trigger until the job ended (queueing, extract, rebuild, publication, profiles)."""
    started = time.perf_counter()
    status, body = request(server.port, "POST", "/api/sync/trigger", token)
    assert status == 202, (status, body)
    job = json.loads(body)["job_id"]
    while True:
        status, body = request(server.port, "GET", f"/api/sync/jobs/{job}", token)
        state = json.loads(body)
        if state["status"] in ("succeeded", "partial", "failed"):
            break
        time.sleep(0.05)
    if state["status"] != "succeeded":
        raise RuntimeError(f"sync job {job} {state['status']}: {state.get('errors')}")
    return state["duration_ms"], time.perf_counter() - started


def manifest(server, token):
    status, body = request(server.port, "GET", "/api/sync/manifest", token)
    assert status == 200, (status, body[:500])
    return body


# ---- start-up ----

def measure_restart(server, token, how, small_table):
    """Stops the server with `how` (SIGTERM or SIGKILL), starts it again on the same data and polls every 10 ms.

    Returns the seconds from the spawn until /api/health/live and /api/health first answered 200 and until
    /api/health/ready did, and whether a query and a download were answered 200 before ready."""
    small_size = os.path.getsize(parquet_path(small_table))
    stop_s = server.stop(how)
    server.spawn()
    figures = {"stop_s": stop_s}

    def elapsed():
        return time.perf_counter() - server.spawned_at

    def still_starting():
        return probe(server.port, "/api/health/ready") == 503

    while not {"live", "health", "query", "download", "ready"} <= figures.keys():
        server.check_alive()
        if elapsed() > 300:
            raise RuntimeError(f"not ready 300 s after the restart: {server.log_tail()}")
        if "live" not in figures and probe(server.port, "/api/health/live") == 200:
            figures["live"] = elapsed()
        if "live" in figures and "health" not in figures:
            status, body = http_once(server.port, "GET", "/api/health")
            if status == 200:
                figures["health"] = elapsed()
                figures["health_status"] = json.loads(body).get("status")
        if "health" in figures and "query" not in figures:
            status, body = http_once(server.port, "POST", "/api/query", token,
                                     {"sql": "SELECT count(*) AS n FROM events_1m"}, timeout=60)
            figures["query"] = status if status != 200 or b"1000000" in body else f"{status}, wrong answer {body[:200]!r}"
            figures["query_before_ready"] = still_starting()
        if "health" in figures and "download" not in figures:
            status, body = http_once(server.port, "GET", f"/api/data/{small_table}/download", token, timeout=60)
            figures["download"] = status if status != 200 or len(body) == small_size else f"{status}, {len(body)} bytes"
            figures["download_before_ready"] = still_starting()
        if "ready" not in figures:
            if probe(server.port, "/api/health/ready") == 200:
                figures["ready"] = elapsed()
            else:
                time.sleep(0.01)
    return figures


def describe_restart(name, figures):
    def served(what):
        before = "before ready (the last epoch)" if figures[f"{what}_before_ready"] else "not before ready"
        return f"{what} {figures[what]} {before}"

    return (f"{name}: live {figures['live']:.3f} s, /api/health {figures['health']:.3f} s "
            f"(\"{figures['health_status']}\"), ready {figures['ready']:.2f} s; {served('query')}, "
            f"{served('download')}; the stop took {figures['stop_s']:.2f} s")


def served_while_starting(figures):
    return all(figures[what] == 200 and figures[f"{what}_before_ready"] for what in ("query", "download"))


# ---- memory under load ----

class RssSampler(threading.Thread):
    """The peak of a process's VmRSS, sampled every `interval` seconds until stop()."""

    def __init__(self, pid, interval=0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb, self.samples = 0, 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            rss = proc_status_kb(self.pid, "VmRSS")
            if rss is not None:
                self.peak_kb = max(self.peak_kb, rss)
                self.samples += 1
            self.done.wait(self.interval)

    def stop(self):
        self.done.set()
        self.join()


class QueryLoad:
    """`clients` threads, each with its own keep-alive connection, sending `sql` in a loop until stop()."""

    def __init__(self, port, token, sql, clients):
        self.port, self.token, self.sql = port, token, sql
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.ok, self.failed, self.errors = 0, 0, []
        self.threads = [threading.Thread(target=self.loop, daemon=True) for _ in range(clients)]
        for thread in self.threads:
            thread.start()

    def loop(self):
        client = KeepAliveClient(self.port, self.token)
        while not self.done.is_set():
            try:
                status, body, _ = client.query(self.sql)
                error = None if status == 200 else f"{status}: {body[:200]!r}"
            except OSError as exception:
                error = repr(exception)
            with self.lock:
                if error is None:
                    self.ok += 1
                else:
                    self.failed += 1
                    self.errors.append(error)
        client.close()

    def stop(self):
        self.done.set()
        for thread in self.threads:
            thread.join()


def concurrent_syncs(server, token, count):
    """Runs `count` cold `da sync` of the 11 tables at once, each with its own config and workspace directory.

    Returns (successes, failure descriptions, seconds until the last ended); removes the workspaces."""
    root = os.path.join(WORK, "load")
    table_args = [arg for table in ELEVEN for arg in ("--table", table)]
    runs = []
    started = time.perf_counter()
    for index in range(count):
        directory = os.path.join(root, str(index))
        os.makedirs(directory)
        env = dict(os.environ, DA_SERVER=server.base, DA_TOKEN=token, DA_CONFIG_DIR=os.path.join(directory, "config"),
                   DA_LOCAL_DIR=os.path.join(directory, "workspace"))
        with open(os.path.join(directory, "out.json"), "wb") as out, \
                open(os.path.join(directory, "err.txt"), "wb") as err:
            process = subprocess.Popen([os.path.join(BIN, "da"), "sync", "--json", "--no-upload"] + table_args,
                                       env=env, stdout=out, stderr=err)
        runs.append((process, directory))
    successes, failures = 0, []
    for process, directory in runs:
        code = process.wait()
        with open(os.path.join(directory, "out.json"), "rb") as out, open(os.path.join(directory, "err.txt"), "rb") as err:
            output, errors = out.read(), err.read()
        try:
            downloaded = len(json.loads(output)["downloaded"])
        except (ValueError, KeyError):
            downloaded = None
        if code == 0 and downloaded == len(ELEVEN):
            successes += 1
        else:
            failures.append(f"exit {code}, downloaded {downloaded}: {(output + errors)[-300:]!r}")
    elapsed = time.perf_counter() - started
    shutil.rmtree(root)
    return successes, failures, elapsed


def memory_under_load(server, token, syncs=50, clients=32):
    """Peak memory while `syncs` cold syncs and `clients` query loops run; see the module docstring."""
    reset = server.reset_peak()
    sampler = RssSampler(server.process.pid)
    sampler.start()
    load = QueryLoad(server.port, token, GROUP_BY.format("events_1m"), clients)
    successes, failures, seconds = concurrent_syncs(server, token, syncs)
    load.stop()
    sampler.stop()
    server.check_alive()
    return {"peak_rss_mb": sampler.peak_kb / 1024, "samples": sampler.samples, "hwm_mb": server.memory_mb("VmHWM"),
            "hwm_reset": reset, "syncs": syncs, "sync_successes": successes, "sync_failures": failures,
            "seconds": seconds, "clients": clients, "queries_ok": load.ok, "queries_failed": load.failed,
            "query_errors": load.errors[:3]}


# ---- query, download ----

def query_vs_duckdb(server, token):
    """Medians (api, api with a new text each time, raw DuckDB) in ms and the api's max, interleaved, 31 rounds.

    Interleaved (raw, API, raw, API, …) so that both see the same machine state. The second API series sends a new
    text every time (a comment with the round number), so the sandbox parses it afresh instead of reusing the parse
    of an earlier, identical statement."""
    parquet = parquet_path("events_1m")
    con = duckdb.connect()
    client = KeepAliveClient(server.port, token)
    raw, api, fresh = [], [], []

    def api_query(text):
        status, body, seconds = client.query(text)
        assert status == 200, (status, body[:500])
        return seconds

    for index in range(32):
        started = time.perf_counter()
        con.execute(GROUP_BY.format(f"read_parquet('{parquet}')")).fetchall()
        raw_time = time.perf_counter() - started
        api_time = api_query(GROUP_BY.format("events_1m"))
        fresh_time = api_query(f"/* round {index} */ " + GROUP_BY.format("events_1m"))
        if index > 0:  # the first round warms both up
            raw.append(raw_time)
            api.append(api_time)
            fresh.append(fresh_time)
    client.close()
    con.close()
    return {"api_ms": statistics.median(api) * 1000, "api_max_ms": max(api) * 1000,
            "fresh_ms": statistics.median(fresh) * 1000, "raw_ms": statistics.median(raw) * 1000}


def zero_copy_download(path, target):
    """Best time of 5 curl downloads of `path` from a minimal HTTP server that answers with sendfile(2)."""
    with SendfileServer({"/": path}) as static:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run(["curl", "-sf", "-o", target, f"http://127.0.0.1:{static.port}/"], check=True)
            times.append(time.perf_counter() - started)
            assert os.path.getsize(target) == os.path.getsize(path)
            os.remove(target)
    return min(times)


def receive_only(port, path, token):
    """Seconds to receive one response whole, discarding the bytes (no file written)."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
                           f"Connection: close\r\n\r\n".encode())
        buffer = memoryview(bytearray(1 << 20))
        while connection.recv_into(buffer):
            pass
    return time.perf_counter() - started


def download_vs_cp(server, token):
    """MB/s: curl from da-server into a file, cp, curl from a zero-copy server, da-server to a receive-only client."""
    big = parquet_path("wide_100mb")
    size = os.path.getsize(big)
    target = os.path.join(WORK, "copy.parquet")
    copies, downloads = [], []
    for _ in range(5):
        started = time.perf_counter()
        shutil.copyfile(big, target)
        copies.append(time.perf_counter() - started)
        os.remove(target)
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(["curl", "-sf", "-o", target, "-H", f"Authorization: Bearer {token}",
                        server.base + "/api/data/wide_100mb/download"], check=True)
        downloads.append(time.perf_counter() - started)
        assert os.path.getsize(target) == size
        os.remove(target)
    receive = min(receive_only(server.port, "/api/data/wide_100mb/download", token) for _ in range(5))
    return {"size": size, "cp": size / min(copies) / 1e6, "download": size / min(downloads) / 1e6,
            "zero_copy": size / zero_copy_download(big, target) / 1e6, "receive_only": size / receive / 1e6}


# ---- cold sync and its loopback limit ----

class SendfileServer:
    """A minimal HTTP/1.1 server for the files {path: file}: keep-alive, a thread per connection, bodies sent with
    os.sendfile (zero-copy from the page cache). `with` closes its listener."""

    def __init__(self, files):
        self.files = {path: (file, os.path.getsize(file)) for path, file in files.items()}
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(connection,), daemon=True).start()

    def serve(self, connection):
        with connection:
            pending = b""
            while True:
                while b"\r\n\r\n" not in pending:
                    chunk = connection.recv(4096)
                    if not chunk:
                        return
                    pending += chunk
                head, pending = pending.split(b"\r\n\r\n", 1)
                path, size = self.files[head.split(b" ", 2)[1].decode()]
                connection.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
                with open(path, "rb") as file:
                    offset = 0
                    while offset < size:
                        offset += os.sendfile(connection.fileno(), file.fileno(), offset, size - offset)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.listener.close()


def receive_and_hash(port, files, connections=4, write_dir=None):
    """Downloads every file of {url path: (size, sha256 hex)} over `connections` keep-alive connections (largest
    first, each connection taking the next file), hashing each as its bytes arrive (and, with `write_dir`, writing
    it to a new file there, as `da sync` does); returns the seconds taken."""
    queue = sorted(files, key=lambda path: files[path][0], reverse=True)
    lock = threading.Lock()
    failures = []

    def worker():
        buffer = bytearray(4 << 20)
        view = memoryview(buffer)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            while True:
                with lock:
                    if not queue:
                        return
                    path = queue.pop(0)
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
                received, head_end = 0, -1
                while head_end < 0:  # the head (and maybe the body's first bytes) into the buffer
                    n = sock.recv_into(view[received:])
                    if not n:
                        raise ConnectionError("closed before the head")
                    received += n
                    head_end = buffer.find(b"\r\n\r\n", 0, received)
                digest = hashlib.sha256(view[head_end + 4:received])
                out = None
                if write_dir is not None:
                    out = os.open(os.path.join(write_dir, path.strip("/")), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                    os.write(out, view[head_end + 4:received])
                remaining = files[path][0] - (received - head_end - 4)
                while remaining > 0:
                    n = sock.recv_into(view, min(len(buffer), remaining))
                    if not n:
                        raise ConnectionError("closed inside the body")
                    digest.update(view[:n])
                    if out is not None:
                        os.write(out, view[:n])
                    remaining -= n
                if out is not None:
                    os.close(out)
                if digest.hexdigest() != files[path][1]:
                    with lock:
                        failures.append(path)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures or queue:
        raise RuntimeError(f"the hashing client got wrong bytes for {failures} (left: {queue})")
    return elapsed


def receive_and_hash_limit(tables, extra, runs=3):
    """Best of `runs` of receive_and_hash on the tables' parquet files from a SendfileServer; the same also writing
    the files (into new files each run); the same also fetching and writing `extra` ({url path: file}: the other
    bodies a cold da sync receives, its manifest and asset bundles); and the parquet files' bytes."""
    paths = {f"/{table}": parquet_path(table) for table in tables}
    files, everything = {}, {}
    for url, path in {**paths, **extra}.items():
        with open(path, "rb") as file:
            everything[url] = (os.path.getsize(path), hashlib.file_digest(file, "sha256").hexdigest())
        if url in paths:
            files[url] = everything[url]
    written = os.path.join(WORK, "limit-files")

    def best_written(port, wanted):
        times = []
        for _ in range(runs):
            shutil.rmtree(written, ignore_errors=True)
            os.makedirs(written)
            times.append(receive_and_hash(port, wanted, write_dir=written))
        return min(times)

    with SendfileServer({**paths, **extra}) as static:
        best = min(receive_and_hash(static.port, files) for _ in range(runs))
        with_writes = best_written(static.port, files)
        with_everything = best_written(static.port, everything)
    shutil.rmtree(written, ignore_errors=True)
    return best, with_writes, with_everything, sum(size for size, _ in files.values())


def sync_bodies(server, token):
    """The manifest and the asset bundles (docs, profiles, rules) as a cold `da sync` receives them, saved to files:
    {url path: file}."""
    folder = os.path.join(WORK, "sync-bodies")
    os.makedirs(folder, exist_ok=True)
    saved = {}
    for name, path in [("manifest", "/api/sync/manifest"), ("docs", "/api/sync/assets/docs"),
                       ("profiles", "/api/sync/assets/profiles"), ("rules", "/api/memory/rules")]:
        status, body = request(server.port, "GET", path, token)
        assert status == 200, (path, status, body[:300])
        with open(os.path.join(folder, name), "wb") as file:
            file.write(body)
        saved["/" + name] = os.path.join(folder, name)
    return saved


def cli_env(server, token):
    return dict(os.environ, DA_SERVER=server.base, DA_TOKEN=token, DA_CONFIG_DIR=os.path.join(WORK, "da-config"),
                DA_LOCAL_DIR=os.path.join(WORK, "workspace"))


def da_sync(env, args=()):
    """(seconds, JSON report) of one `da sync --json --no-upload`."""
    started = time.perf_counter()
    out = subprocess.run([os.path.join(BIN, "da"), "sync", "--json", "--no-upload", *args], env=env,
                         capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - started, json.loads(out)


def cold_syncs(env, runs=3):
    """Best seconds of `runs` cold syncs of the 11 tables into an empty workspace, and the bytes downloaded."""
    table_args = [arg for table in ELEVEN for arg in ("--table", table)]
    times, downloaded = [], 0
    for _ in range(runs):
        shutil.rmtree(env["DA_LOCAL_DIR"], ignore_errors=True)
        seconds, report = da_sync(env, table_args)
        assert len(report["downloaded"]) == len(ELEVEN), report
        times.append(seconds)
        downloaded = report["bytes_downloaded"]
    return min(times), downloaded


def cold_syncs_on_eleven():
    """Best seconds of cold syncs of the 11 tables from a second server whose data holds only them: the data the
    reference's cold sync is measured on (see bench_reference)."""
    server = Server(subset_data_dir(os.path.join(WORK, "data-eleven"), 0), log="server-eleven.log")
    try:
        token = first_start(server, quiet=True)
        # The start-up job profiles the 11 tables (seconds of CPU): measured once it is done.
        deadline = time.perf_counter() + 600
        while json.loads(manifest(server, token))["assets"]["profiles"] is None:
            if time.perf_counter() > deadline:
                raise RuntimeError("the 11-table server did not finish profiling within 10 minutes")
            time.sleep(0.2)
        env = dict(cli_env(server, token), DA_CONFIG_DIR=os.path.join(WORK, "da-config-eleven"),
                   DA_LOCAL_DIR=os.path.join(WORK, "workspace-eleven"))
        return cold_syncs(env)[0]
    finally:
        server.stop()


def no_change_syncs(env, tables, runs=10):
    """Median ms of `runs` syncs of every table with nothing changed (after one sync that fetches everything)."""
    da_sync(env)
    times = []
    for _ in range(runs):
        seconds, report = da_sync(env)
        times.append(seconds)
    assert not report["downloaded"] and len(report["skipped"]) == tables, (len(report["skipped"]), tables)
    return statistics.median(times) * 1000


def median_spawn_ms(command, runs=20):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


# ---- the reference ----

def subset_data_dir(target, small_tables):
    """A data directory holding DATA's extracts (hard links) except that source `many` keeps only its first
    `small_tables` tables (its `_meta` rows; the reference's preparation reads only `_meta`)."""
    shutil.rmtree(target, ignore_errors=True)
    docs = os.path.join(DATA, "docs")
    if os.path.isdir(docs):
        shutil.copytree(docs, os.path.join(target, "docs"))
    for source in sorted(os.listdir(os.path.join(DATA, "extracts"))):
        origin = os.path.join(DATA, "extracts", source)
        if not os.path.isfile(os.path.join(origin, "extract.duckdb")):
            continue
        kept = {f"t{i:04d}" for i in range(small_tables)} if source == "many" else None
        os.makedirs(os.path.join(target, "extracts", source, "data"))
        for name in os.listdir(os.path.join(origin, "data")):
            if kept is None or name.removesuffix(".parquet") in kept:
                os.link(os.path.join(origin, "data", name), os.path.join(target, "extracts", source, "data", name))
        extract = os.path.join(target, "extracts", source, "extract.duckdb")
        shutil.copyfile(os.path.join(origin, "extract.duckdb"), extract)
        if kept is not None:
            con = duckdb.connect(extract)
            con.execute("DELETE FROM _meta WHERE NOT list_contains(?, table_name)", [sorted(kept)])
            con.close()
    return target


def measure_reference_side():
    """(figures, note): the reference's figures (bench_reference.measure_reference) or None, and what to print."""
    reference_dir = os.environ.get("REFERENCE_DIR")
    if not reference_dir:
        return None, f"{NOT_MEASURED} (REFERENCE_DIR is not set)"
    try:
        sys.dont_write_bytecode = True  # no scripts/__pycache__ in the checkout
        from bench_reference import measure_reference
        work = WORK + "-reference"  # kept between runs: the reference's virtualenv lives there
        data, note = DATA, f"on the same data ({SMALL_TABLES:,} small tables)"
        if REFERENCE_SMALL_TABLES is not None and REFERENCE_SMALL_TABLES < SMALL_TABLES:
            data = subset_data_dir(os.path.join(work, "input-data"), REFERENCE_SMALL_TABLES)
            note = (f"on the same data but only the first {REFERENCE_SMALL_TABLES:,} of the {SMALL_TABLES:,} small "
                    f"tables (its rebuild and manifest grow with the table count); the cold sync is of the same 11 "
                    f"tables")
        log(f"measuring the reference at {reference_dir} {note}…")
        started = time.perf_counter()
        figures = measure_reference(reference_dir, data, work, ELEVEN)
        log(f"  {time.perf_counter() - started:.0f} s")
        return figures, f"reference measured {note}: {figures['manifest_tables']:,} tables in its manifest"
    except Exception as error:  # noqa: BLE001 — any failure is reported and the bench goes on
        return None, f"{NOT_MEASURED}: {type(error).__name__}: {error}"


def add_reference_rows(summary, ours, reference):
    """The summary's lines next to the reference (`reference` None: "reference not measured")."""
    rows = [("manifest, 32 connections vs reference",
             f"{ours['manifest_rps']:.0f} req/s ({ours['tables']:,} tables, {ours['manifest_bytes'] / 1e6:.2f} MB)"),
            ("manifest p99, 1 connection vs reference", f"{ours['manifest_p99']:.2f} ms"),
            ("idle RSS vs reference", f"{ours['idle_mb']:.1f} MB"),
            ("start to healthy vs reference", f"{ours['health_s']:.3f} s (ready {ours['ready_s']:.2f} s)"),
            ("rebuild vs reference", f"{ours['rebuild_s']:.2f} s")]
    if reference is None:
        summary.add("da sync cold vs the reference", f"{ours['cold_eleven_s'] * 1000:.0f} ms", NOT_MEASURED,
                    "≥ 4× faster", None)
        for name, measured in rows:
            summary.add(name, measured, NOT_MEASURED, "–", None)
        return
    # Like for like: both from a server holding only the 11 tables (with 10,012 published, ours is cold_s).
    ratio = reference["cold_sync_s"] / ours["cold_eleven_s"]
    log(f"da sync, cold, from a server of the 11 tables: ours {ours['cold_eleven_s'] * 1000:.0f} ms vs reference "
        f"{reference['cold_sync_s'] * 1000:.0f} ms ({reference['cold_sync_bytes'] / 1e6:.0f} MB) = {ratio:.1f}× faster"
        f"   goal ≥ 4×   (ours with {ours['tables']:,} tables published: {ours['cold_s'] * 1000:.0f} ms = "
        f"{reference['cold_sync_s'] / ours['cold_s']:.1f}×)")
    summary.add("da sync cold vs the reference", f"{ours['cold_eleven_s'] * 1000:.0f} ms = {ratio:.1f}× faster",
                f"reference {reference['cold_sync_s'] * 1000:.0f} ms (same 11-table server)", "≥ 4× faster",
                ratio >= 4)
    tables = f"reference, {reference['manifest_tables']:,} tables"
    theirs = [f"{tables}: {reference['manifest_rps_32']:.1f} req/s ({reference['manifest_bytes'] / 1e6:.2f} MB)",
              f"{tables}: {reference['manifest_p99_ms_1']:.2f} ms",
              f"{tables}: {reference['idle_rss_mb']:.1f} MB (process tree)",
              f"{tables}: {reference['start_to_healthy_s']:.2f} s (its rebuild runs before, separately)",
              f"{tables}: {reference['rebuild_s']:.1f} s (orchestrator subprocess)"]
    for (name, measured), limit in zip(rows, theirs):
        summary.add(name, measured, limit, "–", None)


# ---- output ----

class Summary:
    """The goals, printed as a block at the end: name, measured, limit or reference, goal, met."""

    def __init__(self):
        self.rows = []

    def add(self, name, measured, limit, goal, met):
        self.rows.append((name, measured, limit, goal, "–" if met is None else "yes" if met else "no"))

    def print(self):
        log("")
        log("summary")
        widths = [max(len(row[i]) for row in self.rows) for i in range(4)]
        for row in self.rows:
            log("  " + "  |  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths)) + f"  |  met: {row[4]}")


def yes_no(value):
    return "yes" if value else "no"


# ---- the phases of a run: each measures, prints its figures, adds its goals to the summary and keeps in `ours`
# what later phases and the reference's comparison need ----

def first_start(server, quiet=False):
    """Starts the server on the new data (no published epoch: it rebuilds before it listens); the admin's token."""
    server.spawn()
    first_ready = server.wait_ready()
    status, body = request(server.port, "POST", "/auth/bootstrap",
                           body={"email": "bench@example.com", "password": "bench-password-123"})
    assert status == 200, (status, body[:500])
    if not quiet:
        log(f"first start (no published epoch): ready after {first_ready:.1f} s")
    return json.loads(body)["access_token"]


def rebuild_phase(server, token, summary, ours):
    """Writes the manifest-sized static table, then times three sync jobs (which publish it)."""
    manifest_before = len(manifest(server, token))
    ours["static_size"] = write_sized_table("static", "static_page", manifest_before)
    ours["manifest_before"] = manifest_before
    started = time.perf_counter()
    jobs = [run_sync_job(server, token) for _ in range(3)]
    # A job's profile step gives way to queued jobs; the new tables' profiles are made between jobs, after them.
    # The figures after this phase are measured on a quiet server.
    server.wait_quiet()
    profiled_s = time.perf_counter() - started
    body = manifest(server, token)
    tables = ours["tables"] = len(json.loads(body)["tables"])
    ours["manifest_bytes"] = len(body)
    rebuild_ms = min(duration for duration, _ in jobs)
    ours["rebuild_s"] = rebuild_ms / 1000
    log(f"tables published: {tables:,}; the first sync job ended {jobs[0][1]:.1f} s after its trigger, while the "
        f"start-up job was profiling every new table (it gives way to a queued job); the server was quiet "
        f"(profiles done) {profiled_s:.0f} s after that trigger")
    ours["first_job_s"] = jobs[0][1]
    ours["profiled_s"] = profiled_s
    log(f"rebuild ({tables:,} tables): {rebuild_ms} ms (best of {[duration for duration, _ in jobs]}; trigger to "
        f"job end of the 2nd and 3rd: {jobs[1][1]:.1f} s, {jobs[2][1]:.1f} s)   goal ≤ 10 s")
    summary.add(f"rebuild, {tables:,} tables", f"{rebuild_ms / 1000:.2f} s", "–", "≤ 10 s", rebuild_ms <= 10_000)
    summary.add("first sync job while 10,000 new tables are profiled", f"{jobs[0][1]:.1f} s trigger to end",
                f"profiles done {profiled_s:.0f} s after its trigger", "–", None)


def startup_phase(server, token, summary, ours):
    """Restarts after SIGTERM, then after SIGKILL; VmRSS 5 s after each is ready (the second is the idle figure)."""
    for name, how in (("SIGTERM", signal.SIGTERM), ("kill -9", signal.SIGKILL)):
        log(f"restarting after {name}…")
        figures = measure_restart(server, token, how, "t0000")
        ready_at = server.spawned_at + figures["ready"]
        time.sleep(max(0.0, 5 - (time.perf_counter() - ready_at)))
        figures["memory"] = server.memory_split()
        log("  " + describe_restart(f"start after {name}", figures) + f"; VmRSS 5 s after ready "
            f"{describe_memory(figures['memory'])}")
        summary.add(f"start-up after {name}: live, health", f"{figures['live']:.3f} s, {figures['health']:.3f} s",
                    "–", "≤ 1 s", max(figures["live"], figures["health"]) <= 1)
        summary.add(f"start-up after {name}: ready ({ours['tables']:,} tables rebuilt)", f"{figures['ready']:.2f} s",
                    "–", "≤ 10 s", figures["ready"] <= 10)
        summary.add(f"start-up after {name}: served while starting",
                    f"query {figures['query']}, download {figures['download']}, before ready: "
                    f"{yes_no(figures['query_before_ready'])}/{yes_no(figures['download_before_ready'])}",
                    "–", "200 before ready", served_while_starting(figures))
        if name == "SIGTERM":
            ours["health_s"], ours["ready_s"] = figures["health"], figures["ready"]
    ours["idle_mb"] = figures["memory"][0]
    floor = idle_floor()
    log(f"  the floor, a da-server on an empty data directory 5 s after ready: {describe_memory(floor)}")
    summary.add("idle RSS, 5 s after ready", describe_memory(figures["memory"]),
                f"empty data: {describe_memory(floor)}", "≤ 50 MB", ours["idle_mb"] <= 50)


def memory_phase(server, token, summary, ours):
    """Peak memory under 50 syncs and 32 query loops, then VmRSS after 60 s idle."""
    log("memory under load: 50 cold syncs of 11 tables and 32 query loops at once…")
    load = memory_under_load(server, token)
    log(f"  {load['syncs']} syncs in {load['seconds']:.1f} s: {load['sync_successes']} downloaded all 11 tables; "
        f"{load['clients']} query clients: {load['queries_ok']} answered, {load['queries_failed']} failed")
    for failure in load["sync_failures"][:3] + load["query_errors"]:
        log(f"    {failure}")
    hwm_note = "" if load["hwm_reset"] else " (could not reset VmHWM: it includes the start-up)"
    log(f"  peak VmRSS {load['peak_rss_mb']:.0f} MB ({load['samples']} samples, every 50 ms), "
        f"VmHWM {load['hwm_mb']:.0f} MB{hwm_note}   goal ≤ 1024 MB")
    peak_mb = max(load["peak_rss_mb"], load["hwm_mb"])
    summary.add("peak RSS, 50 syncs + 32 query loops", f"{peak_mb:.0f} MB (VmHWM {load['hwm_mb']:.0f}, "
                f"sampled {load['peak_rss_mb']:.0f})", "–", "≤ 1024 MB", peak_mb <= 1024)
    summary.add("under load: syncs ok, queries failed",
                f"{load['sync_successes']}/{load['syncs']} syncs, {load['queries_ok']} queries ok, "
                f"{load['queries_failed']} failed", "–", "all ok",
                load["sync_successes"] == load["syncs"] and load["queries_failed"] == 0)
    log("  60 s idle…")
    time.sleep(60)
    idle_mb, after_mb = ours["idle_mb"], server.memory_mb()
    log(f"  VmRSS after 60 s idle {after_mb:.1f} MB vs idle {idle_mb:.1f} MB = {after_mb / idle_mb:.2f}×   goal ≤ 1.2×")
    summary.add("RSS 60 s after the load", f"{after_mb:.1f} MB = {after_mb / idle_mb:.2f}× idle",
                f"idle {idle_mb:.1f} MB", "≤ 1.2× idle", after_mb <= 1.2 * idle_mb)


def manifest_phase(server, token, summary, ours):
    """The manifest under wrk next to the static response of the same size (and /login, the smallest page)."""
    log("manifest and static responses under wrk…")
    m50, m99, _ = wrk(server.base + "/api/sync/manifest", token, connections=1)
    _, m99_32, mrate = wrk(server.base + "/api/sync/manifest", token)
    s50, s99, _ = wrk(server.base + "/api/data/static_page/download", token, connections=1)
    _, s99_32, srate = wrk(server.base + "/api/data/static_page/download", token)
    _, _, lrate = wrk(server.base + "/login", token)
    ours["manifest_p99"], ours["manifest_rps"] = m99, mrate
    size, static_size = ours["manifest_bytes"], ours["static_size"]
    log(f"  the static response: table static_page, a parquet file of {static_size:,} bytes written to match the "
        f"manifest's {ours['manifest_before']:,} bytes measured before it was added (now {size:,} bytes, "
        f"{(static_size / size - 1) * 100:+.2f} %), sent by GET /api/data/static_page/download")
    log(f"  manifest, 1 connection:   p50 {m50:.2f} ms, p99 {m99:.2f} ms   goal p99 ≤ 5 ms   "
        f"(static p50 {s50:.2f} ms, p99 {s99:.2f} ms)")
    log(f"  manifest, 32 connections: {mrate:.0f} req/s, p99 {m99_32:.1f} ms vs static {srate:.0f} req/s, "
        f"p99 {s99_32:.1f} ms = {mrate / srate:.2f}×   goal ≥ 0.5×   (smallest page, /login: {lrate:.0f} req/s)")
    summary.add(f"manifest p99, 1 connection ({size / 1e6:.2f} MB)", f"{m99:.2f} ms", f"static {s99:.2f} ms",
                "≤ 5 ms", m99 <= 5)
    summary.add("manifest, 32 connections", f"{mrate:.0f} req/s = {mrate / srate:.2f}×",
                f"static same size {srate:.0f} req/s", "≥ 0.5× static", mrate >= 0.5 * srate)


def query_phase(server, token, summary, ours):
    query = query_vs_duckdb(server, token)
    goal = query["raw_ms"] * 1.2 + 1
    log(f"query (GROUP BY over 1M):   api median {query['api_ms']:.1f} ms (max {query['api_max_ms']:.1f}) vs raw "
        f"DuckDB {query['raw_ms']:.1f} ms = {query['api_ms'] / query['raw_ms']:.2f}×   goal ≤ 1.2× raw + 1 ms = "
        f"{goal:.1f} ms")
    log(f"query, new text each time:  api median {query['fresh_ms']:.1f} ms = "
        f"{query['fresh_ms'] / query['raw_ms']:.2f}× raw   (the sandbox parses every statement)")
    summary.add("query, GROUP BY over 1M rows", f"{query['api_ms']:.1f} ms", f"raw DuckDB {query['raw_ms']:.1f} ms",
                f"≤ 1.2× + 1 ms = {goal:.1f} ms", query["api_ms"] <= goal)


def download_phase(server, token, summary, ours):
    dl = download_vs_cp(server, token)
    log(f"download ({dl['size'] / 1e6:.0f} MB): {dl['download']:.0f} MB/s vs cp {dl['cp']:.0f} MB/s = "
        f"{dl['download'] / dl['cp']:.2f}×   goal ≥ 0.8×")
    log(f"  loopback limits: zero-copy sendfile server to the same curl {dl['zero_copy']:.0f} MB/s = "
        f"{dl['zero_copy'] / dl['cp']:.2f}× cp; da-server to a receive-only client {dl['receive_only']:.0f} MB/s")
    summary.add(f"download {dl['size'] / 1e6:.0f} MB into a file", f"{dl['download']:.0f} MB/s",
                f"cp {dl['cp']:.0f} MB/s, zero-copy curl {dl['zero_copy']:.0f} MB/s", "≥ 0.8× cp",
                dl["download"] >= 0.8 * dl["cp"])


def cli_phase(server, token, summary, ours):
    """Cold sync next to its loopback limit, no-change sync, `da --version`."""
    env = cli_env(server, token)
    cold_s, cold_bytes = cold_syncs(env)
    bodies = sync_bodies(server, token)
    limit_s, written_s, everything_s, limit_bytes = receive_and_hash_limit(ELEVEN, bodies)
    bodies_bytes = sum(os.path.getsize(path) for path in bodies.values())
    version_ms = median_spawn_ms([os.path.join(BIN, "da"), "--version"])
    # What no da sync can go below here: the same client fetching everything the sync receives and writing it
    # all, plus starting the da process (its --version).
    floor_s = everything_s + version_ms / 1000
    ours["cold_s"] = cold_s
    log(f"da sync, cold (11 tables, {cold_bytes / 1e6:.0f} MB): {cold_s * 1000:.0f} ms vs receiving and hashing "
        f"the same {limit_bytes / 1e6:.0f} MB over loopback (sendfile server, 4 connections) "
        f"{limit_s * 1000:.0f} ms = {cold_s / limit_s:.2f}×   goal ≤ 1.5×   (also writing the files: "
        f"{written_s * 1000:.0f} ms = {cold_s / written_s:.2f}×)")
    log(f"   the floor: the same client also fetching and writing the manifest and asset bundles "
        f"({bodies_bytes / 1e6:.1f} MB more) {everything_s * 1000:.0f} ms, plus starting da ({version_ms:.1f} ms) = "
        f"{floor_s * 1000:.0f} ms = {floor_s / limit_s:.2f}× the limit; da sync is {cold_s / floor_s:.2f}× the floor")
    summary.add("da sync cold, 11 tables", f"{cold_s * 1000:.0f} ms = {cold_s / limit_s:.2f}× limit",
                f"receive + SHA-256 {limit_s * 1000:.0f} ms (floor with writes, manifest, assets, start "
                f"{floor_s * 1000:.0f} ms = {floor_s / limit_s:.2f}×)", "≤ 1.5× limit", cold_s <= 1.5 * limit_s)
    ours["cold_eleven_s"] = cold_syncs_on_eleven()
    log(f"da sync, cold, from a server of only those 11 tables (as the reference's is measured): "
        f"{ours['cold_eleven_s'] * 1000:.0f} ms")
    nochange_ms = no_change_syncs(env, ours["tables"])
    log(f"da sync, no change ({ours['tables']:,} tables): median {nochange_ms:.1f} ms   goal ≤ 100 ms")
    summary.add(f"da sync, no change, {ours['tables']:,} tables", f"{nochange_ms:.1f} ms", "–", "≤ 100 ms",
                nochange_ms <= 100)
    true_ms = median_spawn_ms(["true"])
    log(f"da --version: median {version_ms:.1f} ms   goal ≤ 20 ms   (spawning `true`: {true_ms:.1f} ms)")
    summary.add("da --version", f"{version_ms:.1f} ms", f"spawning true {true_ms:.1f} ms", "≤ 20 ms",
                version_ms <= 20)


def main():
    run_started = time.perf_counter()
    generate_data()
    summary, ours = Summary(), {}
    server = Server()
    try:
        token = first_start(server)
        for phase in (rebuild_phase, startup_phase, memory_phase, manifest_phase, query_phase, download_phase,
                      cli_phase):
            phase(server, token, summary, ours)
    finally:
        server.stop()
    ours_s = time.perf_counter() - run_started

    # The reference, with our server stopped.
    reference, note = measure_reference_side()
    log(note)
    add_reference_rows(summary, ours, reference)
    summary.print()
    log(f"\nbench took {(time.perf_counter() - run_started) / 60:.1f} min ({ours_s / 60:.1f} min without the "
        f"reference)")


if __name__ == "__main__":
    main()
