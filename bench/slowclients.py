"""Slow clients: how long does a normal request wait while N connections send half a request
and stall (slowloris) or sit idle after one request (kept-alive browsers)? For each way of
holding connections (``KIGRAPH_CONNECTIONS``).

    .venv/bin/python bench/slowclients.py [--clients 0,4,16,64] [--workers 4] [--repeat 5]

For each mode and number of stalled clients: start ``kigraph serve`` on the curated graph,
open the stalled connections, wait 0.3 s (the workers pick them up), then time ``--repeat``
fresh ``ASK {}`` requests, one after another, each on a new connection. Prints the median and
the worst wait. Not a unit test: the figures go to SECURITY.md and bench/reliability.md.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from endpoint import REPO, free_port, start_ours, stop  # noqa: E402

HALF_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: "


def stalled_connections(port: int, count: int, kind: str) -> list[socket.socket]:
    connections = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        if kind == "slow":
            sock.sendall(HALF_REQUEST)
        else:  # idle: one whole request, then nothing (a browser after a page)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
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
    parser.add_argument("--clients", default="0,4,16,64")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--modes", default="direct,router", help="KIGRAPH_CONNECTIONS values")
    parser.add_argument("--kinds", default="slow,idle")
    parser.add_argument("--store", type=Path, default=None, help="a built store (else built)")
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]

    with tempfile.TemporaryDirectory(prefix="kigraph-slow-") as tmp:
        store = args.store
        if store is None:
            from server.store import build_store

            store = Path(tmp) / "store"
            build_store(REPO, store)
        print(f"# {args.workers} workers; {args.repeat} fresh ASK requests per cell, in a row")
        print("| connections | stalled clients | kind | median wait | worst wait |")
        print("|---|---:|---|---:|---:|")
        for mode in args.modes.split(","):
            for kind in args.kinds.split(","):
                for count in counts:
                    port = free_port()
                    proc = start_ours(store, port, workers=args.workers, connections=mode)
                    held = []
                    try:
                        held = stalled_connections(port, count, kind)
                        time.sleep(0.3)
                        waits = [timed_request(port) for _ in range(args.repeat)]
                    finally:
                        for sock in held:
                            sock.close()
                        stop([proc])
                    print(
                        f"| {mode} | {count} | {kind} | {statistics.median(waits) * 1e3:.0f} ms "
                        f"| {max(waits) * 1e3:.0f} ms |",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
