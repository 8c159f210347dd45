"""Large answers: time to first byte, transfer rate and worker memory — ours vs `oxigraph serve`.

    .venv/bin/python bench/stream.py [--rows 200000,1000000] [--oxigraph PATH]

For each row count, one request per server for ``SELECT * { ?s ?p ?o . ?a ?b ?c } LIMIT n`` on
the curated graph (a cross product: as many rows as asked, generated while they are sent), as
SPARQL JSON and as CSV, read to the end by a plain socket client: time to the first body byte,
total time, MB/s, and the largest resident set (VmHWM) of our worker processes afterwards. A
server that built the answer in memory before sending it would show a first byte only at the end
and a worker as large as the answer. Not a unit test: the figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from endpoint import build_both, free_port, start_ours, start_oxigraph, stop  # noqa: E402

QUERY = "SELECT * WHERE {{ ?s ?p ?o . ?a ?b ?c }} LIMIT {rows}"
FORMATS = {"json": "application/sparql-results+json", "csv": "text/csv"}


def fetch(port: int, path: str, query: str, accept: str) -> tuple[float, float, int]:
    """(seconds to the first body byte, seconds to the end, body bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request(
        "GET", path + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept}
    )
    response = connection.getresponse()
    assert response.status == 200, response.status
    first = response.read(1)
    ttfb = time.perf_counter() - started
    size = len(first)
    while chunk := response.read(1 << 16):
        size += len(chunk)
    total = time.perf_counter() - started
    connection.close()
    return ttfb, total, size


def peak_rss_mib(master_pid: int) -> float:
    """The largest VmHWM among the server's processes (our workers), in MiB."""
    peak = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            if parent != master_pid:
                continue
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="200000,1000000")
    parser.add_argument(
        "--oxigraph", default=shutil.which("oxigraph") or "/tmp/oxvenv/bin/oxigraph"
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="kigraph-stream-"))
    procs: list[subprocess.Popen] = []
    try:
        store_dir, ox_dir = build_both(tmp, args.oxigraph)
        ours_port, ox_port = free_port(), free_port()
        ours = start_ours(store_dir, ours_port, workers=2, query_timeout=600)
        procs.append(ours)
        procs.append(start_oxigraph(args.oxigraph, ox_dir, ox_port))
        baseline = peak_rss_mib(ours.pid)
        print(f"our workers' peak RSS before: {baseline:.0f} MiB")
        print(
            "| rows | format | MB | ours first byte | ours total | ours MB/s "
            "| oxigraph first byte | oxigraph total | oxigraph MB/s | ours/oxigraph MB/s "
            "| our workers' peak RSS |"
        )
        print("|" + "---|" * 11)
        for rows in (int(r) for r in args.rows.split(",")):
            query = QUERY.format(rows=rows)
            for name, accept in FORMATS.items():
                o_first, o_total, o_size = fetch(ours_port, "/sparql", query, accept)
                x_first, x_total, x_size = fetch(ox_port, "/query", query, accept)
                mb = o_size / 1e6
                ours_rate, ox_rate = mb / o_total, x_size / 1e6 / x_total
                print(
                    f"| {rows:,} | {name} | {mb:.0f} | {o_first * 1000:.0f} ms | {o_total:.2f} s "
                    f"| {ours_rate:.0f} | {x_first * 1000:.0f} ms | {x_total:.2f} s "
                    f"| {ox_rate:.0f} | {ours_rate / ox_rate:.2f} "
                    f"| {peak_rss_mib(ours.pid):.0f} MiB |",
                    flush=True,
                )
    finally:
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
