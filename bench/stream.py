"""Large answers: time to first byte, transfer rate and peak memory — ours vs `oxigraph serve`.

    .venv/bin/python bench/stream.py [--rows 200000,1000000] [--oxigraph PATH]

For each row count, one request per server for ``SELECT * { ?s ?p ?o . ?a ?b ?c } LIMIT n`` on
the curated graph (a cross product: as many rows as asked, generated while they are sent), as
SPARQL JSON and as CSV, read to the end by a plain socket client: time to the first body byte,
total time, MB/s, and afterwards the largest resident set (VmHWM) of the web process and of the
query workers. A query worker serialises the whole answer, and one over 1 MiB leaves it as a file
that the web process sends (``server/query_pool.py``): expect a worker as large as the answer and
a first byte only after the whole answer was written. Not a unit test: the figures go to
bench/README.md.
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
from endpoint import (  # noqa: E402
    build_both,
    default_oxigraph,
    free_port,
    start_ours,
    start_oxigraph,
    stop,
)

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


def _parents() -> dict[int, int]:
    out = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                out[int(pid)] = int(handle.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
    return out


def _hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss_mib(main_pid: int) -> tuple[float, float]:
    """``(web process, largest query worker)`` peak RSS (VmHWM) in MiB: Granian's main process
    → the web process (its child) → the forkserver → the query workers."""
    parents = _parents()
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    web = children.get(main_pid, [])
    web_peak = max((_hwm_kib(pid) for pid in web), default=0)
    below, todo = [], [c for pid in web for c in children.get(pid, [])]
    while todo:
        pid = todo.pop()
        below.append(pid)
        todo += children.get(pid, [])
    return web_peak / 1024, max((_hwm_kib(pid) for pid in below), default=0) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="200000,1000000")
    parser.add_argument("--oxigraph", default=default_oxigraph())
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="kigraph-stream-"))
    procs: list[subprocess.Popen] = []
    try:
        store_dir, ox_dir = build_both(tmp, args.oxigraph)
        ours_port, ox_port = free_port(), free_port()
        ours = start_ours(store_dir, ours_port, query_workers=2, query_timeout=600)
        procs.append(ours)
        procs.append(start_oxigraph(args.oxigraph, ox_dir, ox_port))
        fetch(ours_port, "/sparql", "ASK {}", "*/*")  # the query workers start
        web, worker = peak_rss_mib(ours.pid)
        print(f"peak RSS before: web process {web:.0f} MiB, query workers {worker:.0f} MiB")
        print(
            "| rows | format | MB | ours first byte | ours total | ours MB/s "
            "| oxigraph first byte | oxigraph total | oxigraph MB/s | ours/oxigraph MB/s "
            "| peak RSS web / largest worker |"
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
                    "| {:.0f} / {:.0f} MiB |".format(*peak_rss_mib(ours.pid)),
                    flush=True,
                )
    finally:
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
