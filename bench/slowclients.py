"""Slow clients: how long does a fresh client's ``ASK {}`` wait while N connections send half a
request and stall (slowloris), N sit idle after one answer (kept-alive browsers), or 8 clients
read a large download slowly?

    .venv/bin/python bench/slowclients.py [--clients 0,16,64,128,256] [--readers 8] [--repeat 10]

For each kind and number of held connections: start ``kigraph serve`` (``python -m
server.serving``, default settings: Granian, 32 web threads, twice the cores query workers,
``KIGRAPH_CLIENT_QUERIES=2``) on the curated graph, warm it up (``--warmup`` ASK requests, so
that the query workers have started), open the held connections, wait 0.3 s, then time
``--repeat`` fresh ``ASK {}`` requests, one after another, each on a new connection (connect to
last byte). Prints the median and the worst wait. Kinds:

- ``slow``: N connections that sent half a request head and stall;
- ``idle``: N connections that got one answer (``/healthz``) and stay open, silent;
- ``readers``: ``--readers`` clients reading ``/downloads/kigraph.nq`` (2 MB) at 64 KiB/s each
  with an 8 KiB receive buffer (one row, N = the readers);
- ``all``: N slow + N idle + the readers at once.

Not a unit test: the figures go to bench/reliability.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from endpoint import REPO, HeldLoad, free_port, start_ours, stop  # noqa: E402

HALF_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: "


def stalled_connections(port: int, count: int, kind: str) -> list[socket.socket]:
    connections = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        if kind == "slow":
            sock.sendall(HALF_REQUEST)
        else:  # idle: one whole request, its answer read, then nothing (a browser after a page)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            response = http.client.HTTPResponse(sock)
            response.begin()
            response.read()
        connections.append(sock)
    return connections


def timed_request(port: int) -> float:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/sparql?query=ASK%7B%7D", headers={"Accept": "*/*"})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"status {response.status}")
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="0,16,64,128,256")
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--kinds", default="slow,idle,readers,all")
    parser.add_argument("--store", type=Path, default=None, help="a built store (else built)")
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]

    from server.settings import Settings

    defaults = Settings()
    with tempfile.TemporaryDirectory(prefix="kigraph-slow-") as tmp:
        store = args.store
        if store is None:
            from server.build import build_store

            store = Path(tmp) / "store"
            build_store(REPO, store)
        print(
            f"# Granian, {defaults.web_threads} web threads, {defaults.query_workers} query "
            f"workers, KIGRAPH_CLIENT_QUERIES={defaults.client_queries} (defaults); "
            f"{args.repeat} fresh ASK requests per cell, in a row, after {args.warmup} warm-up "
            f"requests; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        print("| kind | held connections | median wait | worst wait |")
        print("|---|---:|---:|---:|", flush=True)
        for kind in args.kinds.split(","):
            for count in [args.readers] if kind == "readers" else counts:
                if kind == "all" and count == 0:
                    continue
                port = free_port()
                proc = start_ours(store, port)
                held, readers = [], None
                try:
                    for _ in range(args.warmup):
                        timed_request(port)
                    with urllib.request.urlopen(  # the dumps exist before the readers start
                        f"http://127.0.0.1:{port}/downloads/kigraph.nq", timeout=120
                    ) as response:
                        response.read()
                    if kind in ("slow", "all"):
                        held += stalled_connections(port, count, "slow")
                    if kind in ("idle", "all"):
                        held += stalled_connections(port, count, "idle")
                    if kind in ("readers", "all"):
                        readers = HeldLoad(
                            port, "/healthz", "/downloads/kigraph.nq", idle=0, readers=args.readers
                        )
                    time.sleep(0.3)
                    waits = [timed_request(port) for _ in range(args.repeat)]
                finally:
                    if readers is not None:
                        readers.close()
                    for sock in held:
                        sock.close()
                    stop([proc])
                label = {
                    "readers": f"{count} readers",
                    "all": f"{count} + {count} + {args.readers} readers",
                }.get(kind, str(count))
                print(
                    f"| {kind} | {label} | {statistics.median(waits) * 1e3:.1f} ms "
                    f"| {max(waits) * 1e3:.1f} ms |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
