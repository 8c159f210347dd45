"""Load test: ``wrk`` at concurrency 32 over the saved queries and resource pages of a live
``kigraph serve``; then the same while one client keeps sending a query that hits the timeout.

    .venv/bin/python bench/loadtest.py [--seconds 60] [--connections 32] [--store var/store] \
        [--query-workers N]

The server runs with ``KIGRAPH_CLIENT_QUERIES=0``: wrk and the timeout client all come from one
loopback address, which the per-address limit (default 2) would otherwise answer with ``429``.

Prints, for each run: requests, errors (socket errors + non-2xx/3xx), requests/s, p50, p99, and
the ratio of the second run's p99 to the first. Needs ``wrk`` (Debian: ``apt-get install wrk``).
Not a unit test: the figures go to bench/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Accept"] = "%s"})
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"requests\\": %%d, \\"connect\\": %%d, \\"read\\": %%d, " ..
    "\\"write\\": %%d, \\"timeout\\": %%d, \\"status\\": %%d, \\"p50\\": %%d, \\"p99\\": %%d, " ..
    "\\"seconds\\": %%f}\\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status, latency:percentile(50),
    latency:percentile(99), summary.duration / 1e6))
end
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(store: Path, port: int, timeout: float, workers: int | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIGRAPH_")}
    env.update(
        KIGRAPH_STORE=str(store),
        KIGRAPH_ROOT=str(REPO),
        KIGRAPH_PORT=str(port),
        KIGRAPH_QUERY_TIMEOUT=str(timeout),
        KIGRAPH_CLIENT_QUERIES="0",
    )
    if workers is not None:
        env["KIGRAPH_QUERY_WORKERS"] = str(workers)
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
        start_new_session=True,
    )
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return proc
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def paths(base: str) -> list[str]:
    with urllib.request.urlopen(base + "/queries", timeout=10) as r:
        listing = json.load(r)["queries"]
    out = []
    for q in listing:
        params = {p["name"]: p["example"] for p in q["parameters"] if p.get("example") is not None}
        if all(p["name"] in params for p in q["parameters"] if p["required"]):
            out.append(f"/queries/{q['name']}?" + urllib.parse.urlencode(params))
    for doc in ("org/dfki", "org/nvidia", "initiative/blue-lion", "org/bmbf", "initiative/dfki"):
        out.append(f"/doc/{doc}.ttl")
    return out


def wrk(base: str, targets: list[str], seconds: int, connections: int) -> dict:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    script.write(LUA % (", ".join(json.dumps(t) for t in targets), "*/*"))
    script.close()
    done = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name]
        + [base],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    os.unlink(script.name)
    line = next(x for x in done.stdout.splitlines() if x.startswith("JSON "))
    stats = json.loads(line[5:])
    stats["errors"] = sum(stats[k] for k in ("connect", "read", "write", "timeout", "status"))
    stats["rps"] = stats["requests"] / stats["seconds"]
    return stats


def slow_client(base: str, stop: threading.Event, counts: dict) -> None:
    url = base + "/sparql?" + urllib.parse.urlencode({"query": CROSS_JOIN})
    while not stop.is_set():
        try:
            urllib.request.urlopen(url, timeout=30).read()
            counts["200"] = counts.get("200", 0) + 1
        except urllib.error.HTTPError as error:
            counts[str(error.code)] = counts.get(str(error.code), 0) + 1
        except OSError:
            counts["error"] = counts.get("error", 0) + 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--query-workers",
        type=int,
        default=None,
        help="KIGRAPH_QUERY_WORKERS (default: the server's, twice the cores)",
    )
    parser.add_argument("--timeout", type=float, default=2.0, help="KIGRAPH_QUERY_TIMEOUT")
    parser.add_argument("--store", type=Path, default=REPO / "var" / "store")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing (apt-get install wrk)")
    port = _port()
    proc = serve(args.store, port, args.timeout, args.query_workers)
    base = f"http://127.0.0.1:{port}"
    try:
        targets = paths(base)
        sys.path.insert(0, str(REPO))
        from server.settings import Settings

        workers = args.query_workers or Settings().query_workers
        print(
            f"{len(targets)} paths, {args.connections} connections, {args.seconds} s each; "
            f"Granian, {Settings().web_threads} web threads, {workers} query workers, "
            f"KIGRAPH_QUERY_TIMEOUT={args.timeout:g}, KIGRAPH_CLIENT_QUERIES=0 (one loopback "
            "address for all clients)"
        )
        print("load before:", os.getloadavg())
        first = wrk(base, targets, args.seconds, args.connections)
        print("run 1 (plain):", json.dumps(first))
        stop, counts = threading.Event(), {}
        spoiler = threading.Thread(target=slow_client, args=(base, stop, counts))
        spoiler.start()
        second = wrk(base, targets, args.seconds, args.connections)
        stop.set()
        spoiler.join(60)
        print("run 2 (with a client sending timeouts):", json.dumps(second))
        print("timeout client answers:", json.dumps(counts))
        print(f"p99 ratio run2/run1: {second['p99'] / max(1, first['p99']):.2f}")
        print("load after:", os.getloadavg())
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    ok = first["errors"] == 0 and second["errors"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
