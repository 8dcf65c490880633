#!/usr/bin/env python3
"""Measures the Python reference (keboola/agnes-the-ai-analyst) on the bench's data, for `scripts/bench.py`.

What is measured (the same figures the bench takes of `da-server` and `da`):

  start_to_healthy_s   seconds from spawning the reference's server until `GET /api/health` first answers 200
  idle_rss_mb          resident memory of the server's process tree (VmRSS of the process and its children,
                       from /proc) 5 s after it became healthy, before any other request
  manifest_p50_ms_1,   `GET /api/sync/manifest` (every table of the data directory) under
  manifest_p99_ms_1    `wrk -t1 -c1 --latency`, with an admin's token
  manifest_rps_32,     the same under `wrk -t2 -c32`; wrk's timeout is raised from 2 s to 30 s, as the
  manifest_p99_ms_32   reference's answers then take about 2 s; any non-2xx answer or socket error fails the run
  cold_sync_s          best of 3 runs of the reference's `da sync --json` into an empty workspace (and an empty
                       CLI state directory), timed around the subprocess; `cold_sync_bytes` is the parquet that
                       landed in the workspace, checked byte for byte against the source files
  rebuild_s            the reference's orchestrator rebuild of the whole data directory (a subprocess, like its
                       docker-compose `extract` service runs it), for information

How the reference is installed: a virtualenv at <work_dir>/reference-venv, made with this interpreter's `venv`
module, into which pip installs the reference's requirements.txt, as its Dockerfile and CLAUDE.md do. Its
pyproject.toml also declares the `da` entry point (`cli.main:app`), but at the measured commit hatchling cannot
build it ("Unable to determine which files to ship inside the wheel": no package is named after the project), so
`pip install -e` fails; the CLI is run as `python -m cli.main` from the checkout instead, which is the same
`typer` app. Two packages are added (EXTRA_PACKAGES): duckdb pinned to the version the bench itself uses (the
reference asks for `duckdb>=0.9.0`), so that both servers run the same DuckDB and the extract files written for
the reference are read by the version that wrote them; and authlib, which the measured commit dropped from its
requirements although its server still imports it at start-up. The venv is reused while the reference's
commit, requirements.txt, the extra packages and the Python version are unchanged (a JSON stamp in the venv
records them).

How its data directory is prepared: from `data_dir/extracts/<source>/` the parquet files are hard-linked (copied
if linking fails) into a directory of our own, and each `extract.duckdb` is written anew with the same `_meta`
rows and views over the linked files' absolute paths, which is what the reference's own extractors write. The
bench's `sample` extract has views with relative paths (`read_parquet('data/x.parquet')`), which DuckDB
resolves against the working directory, and the reference's orchestrator binds every view when it creates its
master views, so an extract copied as it is would drop that source from the manifest. `docs/` is copied (the
manifest's `docs` asset hash is the newest mtime under it). Our own `state/` and `analytics/` are not copied:
the reference makes its own system database (`state/system.duckdb`) and `analytics/server.duckdb` with its
orchestrator (`SyncOrchestrator().rebuild()`, run before the server starts since the server and the rebuild
cannot both open the system database). `data_dir` is never written to.

How it is started: `python -m uvicorn app.main:app --host 127.0.0.1 --port <free port> --log-level warning`
from the checkout (its Dockerfile's command; `warning` keeps the per-request access log off, as the bench runs
`da-server` with LOG_LEVEL=warning), with DATA_DIR and JWT_SECRET_KEY set. The first user is made with the
reference's `POST /auth/bootstrap` (it creates the first admin and answers with its token, only while there are
no users); the CLI gets DA_SERVER, DA_TOKEN, DA_CONFIG_DIR and DA_LOCAL_DIR.

The reference's `da sync` takes one `--table` or syncs every table of the manifest, so the cold sync is measured
against a second start of the server whose data directory holds only the requested tables: one `da sync`
downloads exactly those (the bench's `da sync` gets them from a manifest of every table instead). The manifest,
start-up and memory figures are taken on the full data directory.

Usage: bench_reference.py <reference_dir> <data_dir> <work_dir> table [table …]   (prints the figures as JSON)
"""
import ast
import filecmp
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

# Installed with the reference's requirements.txt:
EXTRA_PACKAGES = [
    # The version of the bench venv and of da-server's DuckDB (the reference asks for duckdb>=0.9.0).
    "duckdb==1.5.5",
    # The measured commit dropped authlib from requirements.txt ("remove … authlib … (9 unused deps)"), but
    # app/main.py still imports app/auth/providers/google.py, which imports authlib at module level: without it
    # the server does not start ("No module named 'authlib'").
    "authlib",
]
SECRET = "reference-bench-secret-0123456789-0123456789-0123456789"
ADMIN_EMAIL = "bench@example.com"
HEALTH_TIMEOUT_S = 180
STOP_TIMEOUT_S = 20


def log(message):
    print(f"reference: {message}", flush=True)


# ---- the virtualenv ----

def reference_commit(reference_dir):
    result = subprocess.run(["git", "-C", reference_dir, "rev-parse", "HEAD"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{reference_dir} is not a git checkout of the reference: {result.stderr.strip()}")
    return result.stdout.strip()


def ensure_venv(reference_dir, venv, commit):
    """Creates the reference's virtualenv at `venv`, or reuses it if its stamp matches; returns its python."""
    python = os.path.join(venv, "bin", "python")
    requirements = os.path.join(reference_dir, "requirements.txt")
    with open(requirements, "rb") as file:
        stamp = {"commit": commit, "requirements_sha256": hashlib.sha256(file.read()).hexdigest(),
                 "extra_packages": EXTRA_PACKAGES, "python": sys.version.split()[0]}
    stamp_path = os.path.join(venv, "bench-reference.json")
    try:
        with open(stamp_path) as file:
            if json.load(file) == stamp and os.path.exists(python):
                log(f"reusing the virtualenv at {venv}")
                return python
    except (OSError, ValueError):
        pass
    shutil.rmtree(venv, ignore_errors=True)
    log(f"creating the virtualenv at {venv}")
    # From inside another venv, `venv` builds on the base interpreter, so the reference's venv stands alone.
    run_checked([sys.executable, "-m", "venv", venv], "creating the reference's virtualenv")
    log(f"installing {requirements} and {', '.join(EXTRA_PACKAGES)} (about a minute)")
    started = time.perf_counter()
    run_checked([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                 "-r", requirements] + EXTRA_PACKAGES, "installing the reference's requirements")
    log(f"  installed in {time.perf_counter() - started:.1f} s")
    with open(stamp_path, "w") as file:
        json.dump(stamp, file)
    return python


def run_checked(command, what, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-2000:]
        raise RuntimeError(f"{what} failed (exit {result.returncode}): {output}")
    return result.stdout


# ---- the data directory ----

# Run by the reference's python (its DuckDB): reads each source's `_meta` from data_dir (read-only), links the
# parquet files of the kept tables into the target and writes the target's extract.duckdb. Prints JSON:
# {table: [source, parquet path in data_dir]} for every table written.
CONVERT_EXTRACTS = r"""
import json, os, shutil, sys
import duckdb

args = json.load(sys.stdin)
source_root = os.path.join(args["data_dir"], "extracts")
target_root = os.path.join(args["target"], "extracts")
keep = set(args["tables"]) if args["tables"] is not None else None
written = {}
for source in sorted(os.listdir(source_root)):
    extract = os.path.join(source_root, source, "extract.duckdb")
    if not os.path.isfile(extract):
        continue
    con = duckdb.connect(extract, read_only=True)
    rows = con.execute("SELECT table_name, description, rows, size_bytes, extracted_at, query_mode FROM _meta "
                       "ORDER BY table_name").fetchall()
    con.close()
    rows = [row for row in rows if keep is None or row[0] in keep]
    if not rows:
        continue
    data = os.path.join(target_root, source, "data")
    os.makedirs(data)
    tmp = os.path.join(target_root, source, "extract.duckdb.tmp")
    out = duckdb.connect(tmp)
    out.execute("CREATE TABLE _meta (table_name VARCHAR NOT NULL, description VARCHAR, rows BIGINT, "
                "size_bytes BIGINT, extracted_at TIMESTAMP, query_mode VARCHAR DEFAULT 'local')")
    for row in rows:
        table, query_mode = row[0], row[5]
        if query_mode != "local":
            raise SystemExit(f"{source}.{table}: query_mode {query_mode!r} (only local tables can be served)")
        original = os.path.join(source_root, source, "data", table + ".parquet")
        linked = os.path.join(data, table + ".parquet")
        try:
            os.link(original, linked)
        except OSError:
            shutil.copy2(original, linked)
        out.execute("INSERT INTO _meta VALUES (?, ?, ?, ?, ?, ?)", list(row))
        quoted = linked.replace("'", "''")
        out.execute(f'CREATE VIEW "{table}" AS SELECT * FROM read_parquet(\'{quoted}\')')
        written[table] = [source, original]
    out.close()
    os.replace(tmp, os.path.join(target_root, source, "extract.duckdb"))
print(json.dumps(written))
"""


def prepare_data(python, data_dir, target, tables=None):
    """Lays out the reference's data directory at `target` from `data_dir` (all tables, or only `tables`).

    Returns {table: parquet path in data_dir}."""
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(os.path.join(target, "extracts"))
    docs = os.path.join(data_dir, "docs")
    if os.path.isdir(docs):
        shutil.copytree(docs, os.path.join(target, "docs"))
    output = run_checked([python, "-c", CONVERT_EXTRACTS], "preparing the reference's data directory",
                         input=json.dumps({"data_dir": data_dir, "target": target, "tables": tables}))
    written = {table: path for table, (_, path) in json.loads(output).items()}
    if tables is not None and set(tables) - set(written):
        raise RuntimeError(f"tables not in {data_dir}/extracts/*/_meta: {sorted(set(tables) - set(written))}")
    return written


def rebuild(python, reference_dir, data, expected_tables):
    """Runs the reference's orchestrator rebuild on `data`; checks that every table got its view."""
    output = run_checked([python, "-c", "from src.orchestrator import SyncOrchestrator; "
                                        "print(SyncOrchestrator().rebuild())"],
                         "the reference's orchestrator rebuild", cwd=reference_dir, env=reference_env(data))
    views = ast.literal_eval(output.strip().splitlines()[-1])
    count = sum(len(tables) for tables in views.values())
    if count != expected_tables:
        raise RuntimeError(f"the reference's rebuild made views for {count} tables, expected {expected_tables} "
                           f"(it logs and skips a source it cannot attach): {output[-1000:]}")


def reference_env(data):
    return dict(os.environ, DATA_DIR=data, JWT_SECRET_KEY=SECRET, PYTHONUNBUFFERED="1")


# ---- the server ----

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, token=None, body=None, timeout=60):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Authorization": "Bearer " + token} if token else {}
    if body is not None:
        body = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class ReferenceServer:
    """The reference's uvicorn server on `data`; `with` stops it (SIGTERM, then SIGKILL)."""

    def __init__(self, python, reference_dir, data, log_path):
        self.port = free_port()
        self.log_path = log_path
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_file = open(log_path, "wb")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [python, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning"],
            cwd=reference_dir, env=reference_env(data), stdout=self.log_file, stderr=subprocess.STDOUT)

    def wait_healthy(self):
        """Seconds from the spawn until /api/health answered 200."""
        while time.perf_counter() - self.started < HEALTH_TIMEOUT_S:
            if self.process.poll() is not None:
                raise RuntimeError(f"the reference's server exited with {self.process.returncode}: {self.log_tail()}")
            try:
                if request(self.port, "GET", "/api/health", timeout=5)[0] == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"the reference's server was not healthy within {HEALTH_TIMEOUT_S} s: {self.log_tail()}")

    def bootstrap_admin(self):
        """The first admin's token, from the reference's bootstrap route."""
        status, body = request(self.port, "POST", "/auth/bootstrap", body={"email": ADMIN_EMAIL, "name": "Bench"})
        if status != 200:
            raise RuntimeError(f"POST /auth/bootstrap answered {status}: {body[:500]!r}")
        return json.loads(body)["access_token"]

    def rss_mb(self):
        """VmRSS of the server process and all its descendants, in MB."""
        return sum(vm_rss_kb(pid) for pid in [self.process.pid] + descendants(self.process.pid)) / 1024

    def log_tail(self):
        self.log_file.flush()
        with open(self.log_path, "rb") as file:
            return file.read()[-2000:].decode(errors="replace")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def descendants(pid):
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as file:
                    # The command name (2nd field) may hold spaces; the parent's id follows its closing ')'.
                    parents[int(entry)] = int(file.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def vm_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# ---- the measurements ----

def ensure_wrk():
    if shutil.which("wrk"):
        return
    log("wrk is missing: apt-get install -y wrk")
    if os.geteuid() != 0 or subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True).returncode != 0:
        raise RuntimeError("wrk is not installed and `apt-get install -y wrk` failed")


def wrk(url, token, connections, seconds):
    """(p50 ms, p99 ms, requests/s) of `url` under wrk; fails if any answer was not 2xx/3xx."""
    # --timeout: under 32 connections the reference answers the manifest in about 2 s, wrk's default timeout.
    command = ["wrk", "-t1" if connections == 1 else "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "30s", "-H", f"Authorization: Bearer {token}", url]
    output = run_checked(command, "wrk")
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if errors:
        raise RuntimeError(f"{errors.group(1)} answers of {url} under wrk -c{connections} were not 2xx/3xx")
    socket_errors = re.search(r"Socket errors:.*", output)
    if socket_errors:
        raise RuntimeError(f"wrk -c{connections} on {url}: {socket_errors.group(0)}")

    def latency(label):
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if not match:
            raise RuntimeError(f"no {label}% latency in wrk's output: {output}")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return latency("50"), latency("99"), rate


def cold_syncs(python, reference_dir, server, token, sources, work_dir, runs=3):
    """Times `runs` cold `da sync` runs; returns (best seconds, all seconds, bytes that landed)."""
    workspace = os.path.join(work_dir, "reference-workspace")
    config = os.path.join(work_dir, "reference-da-config")
    env = dict(os.environ, DA_SERVER=server.base, DA_TOKEN=token, DA_CONFIG_DIR=config, DA_LOCAL_DIR=workspace)
    times, landed = [], 0
    for run in range(runs):
        shutil.rmtree(workspace, ignore_errors=True)
        shutil.rmtree(config, ignore_errors=True)  # the CLI's sync_state.json: without it every table is new
        os.makedirs(workspace)
        started = time.perf_counter()
        result = subprocess.run([python, "-m", "cli.main", "sync", "--json"], cwd=reference_dir, env=env,
                                capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"the reference's da sync failed (exit {result.returncode}): "
                               f"{(result.stdout + result.stderr)[-2000:]}")
        report = parse_sync_report(result.stdout)
        if report["errors"] or sorted(report["downloaded"]) != sorted(sources):
            raise RuntimeError(f"the reference's da sync downloaded {sorted(report['downloaded'])}, "
                               f"errors {report['errors']}; expected {sorted(sources)}")
        landed = check_landed(os.path.join(workspace, "server", "parquet"), sources)
        times.append(elapsed)
        log(f"  cold da sync {run + 1}/{runs}: {elapsed:.3f} s, {landed / 1e6:.1f} MB")
    return min(times), times, landed


def parse_sync_report(stdout):
    """The JSON report of `da sync --json` (rich's progress display may print lines before it)."""
    start = stdout.find("{")
    if start < 0:
        raise RuntimeError(f"no JSON report in the reference's da sync output: {stdout[-1000:]}")
    return json.JSONDecoder().raw_decode(stdout[start:])[0]


def check_landed(parquet_dir, sources):
    """Checks that the workspace holds exactly the source parquet files, byte for byte; returns their bytes."""
    files = sorted(name for name in os.listdir(parquet_dir) if name.endswith(".parquet"))
    if files != sorted(table + ".parquet" for table in sources):
        raise RuntimeError(f"the workspace holds {files}, expected the parquet files of {sorted(sources)}")
    total = 0
    for table, original in sources.items():
        landed = os.path.join(parquet_dir, table + ".parquet")
        if os.path.getsize(landed) != os.path.getsize(original):
            raise RuntimeError(f"{table}: {os.path.getsize(landed)} bytes landed, the source has "
                               f"{os.path.getsize(original)}")
        if not filecmp.cmp(landed, original, shallow=False):
            raise RuntimeError(f"{table}: the downloaded parquet differs from {original}")
        total += os.path.getsize(landed)
    return total


def measure_reference(reference_dir: str, data_dir: str, work_dir: str, tables: list[str],
                      manifest_seconds: int = 8) -> dict:
    """Installs, starts and measures the reference on `data_dir`; see the module's docstring for the figures."""
    reference_dir, data_dir, work_dir = (os.path.abspath(p) for p in (reference_dir, data_dir, work_dir))
    if not tables:
        raise ValueError("no tables to sync")
    os.makedirs(work_dir, exist_ok=True)
    ensure_wrk()
    steps = {}

    def step(name, started):
        steps[name] = round(time.perf_counter() - started, 3)

    commit = reference_commit(reference_dir)
    started = time.perf_counter()
    python = ensure_venv(reference_dir, os.path.join(work_dir, "reference-venv"), commit)
    step("venv", started)

    # Full data: start-up, memory and the manifest.
    full = os.path.join(work_dir, "reference-data")
    log(f"preparing {full} from {data_dir}")
    started = time.perf_counter()
    all_tables = prepare_data(python, data_dir, full)
    step("prepare_full_data", started)
    started = time.perf_counter()
    rebuild(python, reference_dir, full, len(all_tables))
    step("rebuild", started)
    log(f"  {len(all_tables)} tables, orchestrator rebuild {steps['rebuild']:.1f} s")
    result = {"reference_commit": commit, "manifest_tables": len(all_tables), "rebuild_s": steps["rebuild"]}

    with ReferenceServer(python, reference_dir, full, os.path.join(work_dir, "reference-server.log")) as server:
        result["start_to_healthy_s"] = round(server.wait_healthy(), 3)
        healthy_at = time.perf_counter()
        log(f"server healthy after {result['start_to_healthy_s']:.2f} s on port {server.port}")
        time.sleep(max(0.0, 5 - (time.perf_counter() - healthy_at)))
        result["idle_rss_mb"] = round(server.rss_mb(), 1)
        log(f"  idle RSS {result['idle_rss_mb']:.1f} MB")
        token = server.bootstrap_admin()
        status, body = request(server.port, "GET", "/api/sync/manifest", token)
        if status != 200:
            raise RuntimeError(f"GET /api/sync/manifest answered {status}: {body[:500]!r}")
        listed = len(json.loads(body)["tables"])
        if listed != len(all_tables):
            raise RuntimeError(f"the reference's manifest lists {listed} tables, expected {len(all_tables)}")
        result["manifest_bytes"] = len(body)
        log(f"wrk on the manifest ({listed} tables, {len(body) / 1000:.0f} KB), {manifest_seconds} s each")
        started = time.perf_counter()
        url = server.base + "/api/sync/manifest"
        p50, p99, _ = wrk(url, token, 1, manifest_seconds)
        result["manifest_p50_ms_1"], result["manifest_p99_ms_1"] = p50, p99
        _, p99_32, rate = wrk(url, token, 32, manifest_seconds)
        result["manifest_rps_32"], result["manifest_p99_ms_32"] = rate, p99_32
        step("manifest_wrk", started)
        log(f"  1 connection p50 {p50:.2f} ms, p99 {p99:.2f} ms; 32 connections {rate:.0f} req/s, "
            f"p99 {p99_32:.1f} ms")

    # Only the requested tables: the reference's `da sync` syncs the whole manifest in one run.
    subset = os.path.join(work_dir, "reference-data-sync")
    log(f"cold da sync of {len(tables)} tables (server on {subset})")
    started = time.perf_counter()
    sources = prepare_data(python, data_dir, subset, list(tables))
    rebuild(python, reference_dir, subset, len(sources))
    with ReferenceServer(python, reference_dir, subset, os.path.join(work_dir, "reference-server-sync.log")) as server:
        server.wait_healthy()
        token = server.bootstrap_admin()
        step("prepare_sync_server", started)
        started = time.perf_counter()
        best, runs, landed = cold_syncs(python, reference_dir, server, token, sources, work_dir)
        step("cold_syncs", started)
    result.update(cold_sync_s=round(best, 3), cold_sync_runs_s=[round(t, 3) for t in runs], cold_sync_bytes=landed,
                  cold_sync_tables=len(sources), steps_s=steps)
    return result


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__.rsplit("Usage: ", 1)[1])
    figures = measure_reference(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
    print(json.dumps(figures, indent=2))
