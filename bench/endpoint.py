"""Benchmark: our SPARQL endpoint vs ``oxigraph serve`` vs raw in-process pyoxigraph.

One run, same data (the curated graph, built with ``build_store``), same queries, same load
generator (``wrk`` from Debian), loopback only, bounded in time. Prints requests/s and p50/p99
latency per query and concurrency, the ratios ours/oxigraph, and their geometric means.

    .venv/bin/python bench/endpoint.py [--duration 5] [--concurrency 1,4,16] \
        [--oxigraph PATH] [--queries ask,describe,...]

Needs ``wrk`` (apt-get install wrk) and the ``oxigraph`` command (PyPI package ``oxigraph``,
e.g. in its own venv: ``python3 -m venv /tmp/ox && /tmp/ox/bin/pip install oxigraph``).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

P = "PREFIX kg: <https://w3id.org/kigraph/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
QUERIES = {
    "ask": "ASK {}",
    "describe": "DESCRIBE <https://w3id.org/kigraph/id/org/dfki>",
    "join1": P + "SELECT ?i ?il ?o ?ol WHERE { ?i kg:involves ?o . ?i rdfs:label ?il . "
    "?o rdfs:label ?ol }",
    "join2": P + "SELECT ?a ?b ?t WHERE { ?a kg:involvedIn ?i . ?b kg:involvedIn ?i . "
    "?a kg:usesTechnology ?t . FILTER(?a != ?b) } LIMIT 200",
    "agg_types": "SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY DESC(?n)",
    "agg_props": "SELECT ?p (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) "
    "WHERE { ?s ?p ?o } GROUP BY ?p",
    "regex": P + 'SELECT ?s ?l WHERE { ?s rdfs:label ?l . FILTER(REGEX(?l, "^KI|lern", "i")) }',
    "construct": P + "CONSTRUCT { ?i kg:involves ?o . ?o rdfs:label ?l } WHERE { "
    "?i kg:involves ?o . ?o rdfs:label ?l }",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen, seconds: float = 60, poll: float = 0.1) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.args}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(poll)
    raise RuntimeError(f"{url} did not come up")


def start_ours(store_dir: Path, port: int, **settings) -> subprocess.Popen:
    """``python -m server.serving`` on ``store_dir`` (``settings``: KIGRAPH_* by lower-case
    name, e.g. ``workers=2``), once it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIGRAPH_")}
    env.update(KIGRAPH_STORE=str(store_dir), KIGRAPH_ROOT=str(REPO), KIGRAPH_PORT=str(port))
    env.update({f"KIGRAPH_{name.upper()}": str(value) for name, value in settings.items()})
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.serving"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_up(f"http://127.0.0.1:{port}/healthz", proc)
    return proc


def start_oxigraph(binary: str, location: Path, port: int) -> subprocess.Popen:
    """``oxigraph serve-read-only`` with the union as default graph, once it answers."""
    proc = subprocess.Popen(
        [binary, "serve-read-only", "--location", str(location)]
        + ["--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_up(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", proc, poll=0.02)
    return proc


_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url: str, concurrency: int, duration: float) -> tuple[float, float, float]:
    """requests/s, p50 ms, p99 ms (non-2xx answers are an error)."""
    out = subprocess.run(
        [
            "wrk",
            "--latency",
            "-t",
            str(min(concurrency, 2)),
            "-c",
            str(concurrency),
            "-d",
            f"{max(1, round(duration))}s",
            "-H",
            "Accept: */*",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers from {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p: str) -> float:
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * _UNIT[m.group(2)]

    return rps, pct("50"), pct("99")


def raw(store, query: str, concurrency: int, duration: float) -> tuple[float, float, float]:
    """In-process pyoxigraph: query + serialise (JSON / Turtle) in ``concurrency`` threads."""
    import pyoxigraph as ox

    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def loop():
        mine = []
        while time.monotonic() < stop:
            t = time.perf_counter()
            result = store.query(query, use_default_graph_as_union=True)
            if isinstance(result, ox.QueryTriples):
                result.serialize(format=ox.RdfFormat.TURTLE)
            else:
                result.serialize(format=ox.QueryResultsFormat.JSON)
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    latencies.sort()
    n = len(latencies)
    return n / duration, latencies[n // 2] * 1e3, latencies[min(n - 1, int(n * 0.99))] * 1e3


def build_both(tmp: Path, oxigraph: str, extra: list[Path] = ()) -> tuple[Path, Path]:
    """The curated graph (plus ``extra`` files) as our store and, from its dump, as a store of
    the ``oxigraph`` binary: ``(our store, oxigraph's location)`` under ``tmp``."""
    import pyoxigraph as ox

    from server.store import build_store

    store_dir = tmp / "store"
    build_store(REPO, store_dir, add=list(extra))
    dump = tmp / "all.nq"
    ox.Store.read_only(str(store_dir.resolve())).dump(str(dump), format=ox.RdfFormat.N_QUADS)
    subprocess.run(
        [oxigraph, "load", "--location", str(tmp / "ox"), "--file", str(dump)],
        check=True,
        capture_output=True,
    )
    return store_dir, tmp / "ox"


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument(
        "--oxigraph", default=shutil.which("oxigraph") or "/tmp/oxvenv/bin/oxigraph"
    )
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument(
        "--triples",
        type=int,
        default=0,
        help="add a synthetic graph of about this many triples (bench/scale.py's generator)",
    )
    parser.add_argument(
        "--workers", type=int, default=max(2, 2 * (os.cpu_count() or 1)), help="as kigraph serve"
    )
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    names = args.queries.split(",")

    import pyoxigraph as ox

    tmp = Path(tempfile.mkdtemp(prefix="kigraph-bench-"))
    procs: list[subprocess.Popen] = []
    try:
        extra = []
        if args.triples:
            from scale import generate

            extra = [tmp / "synthetic.nq"]
            generate(extra[0], args.triples)
        store_dir, ox_dir = build_both(tmp, args.oxigraph, extra)

        servers = {}
        for label, cache in (("ours", "0"), ("ours+cache", "64000000")):
            port = free_port()
            procs.append(
                start_ours(store_dir, port, workers=args.workers, result_cache_bytes=cache)
            )
            servers[label] = f"http://127.0.0.1:{port}/sparql"
        port = free_port()
        procs.append(start_oxigraph(args.oxigraph, ox_dir, port))
        servers["oxigraph"] = f"http://127.0.0.1:{port}/query"
        raw_store = ox.Store.read_only(str(store_dir.resolve()))

        print(
            f"# {len(raw_store)} quads; wrk {args.duration:g}s per cell; "
            f"ours: {args.workers} uWSGI workers; oxigraph {args.oxigraph}"
        )
        header = (
            "query",
            "c",
            "ours r/s",
            "p50",
            "p99",
            "+cache r/s",
            "oxigraph r/s",
            "p50",
            "p99",
            "raw r/s",
            "ours/ox",
            "cache/ox",
        )
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        ratios: dict[int, list[float]] = {c: [] for c in levels}
        cached_ratios: dict[int, list[float]] = {c: [] for c in levels}
        for name in names:
            query = QUERIES[name]
            qs = "?" + urllib.parse.urlencode({"query": query})
            for c in levels:
                ours = wrk(servers["ours"] + qs, c, args.duration)
                cached = wrk(servers["ours+cache"] + qs, c, args.duration)
                oxi = wrk(servers["oxigraph"] + qs, c, args.duration)
                rw = raw(raw_store, query, c, min(args.duration, 3))
                ratios[c].append(ours[0] / oxi[0])
                cached_ratios[c].append(cached[0] / oxi[0])
                print(
                    f"| {name} | {c} | {ours[0]:.0f} | {ours[1]:.2f} | {ours[2]:.2f} | "
                    f"{cached[0]:.0f} | {oxi[0]:.0f} | {oxi[1]:.2f} | {oxi[2]:.2f} | "
                    f"{rw[0]:.0f} | {ours[0] / oxi[0]:.2f} | {cached[0] / oxi[0]:.2f} |",
                    flush=True,
                )
        for c in levels:
            print(
                f"geometric mean c={c}: ours/oxigraph {geomean(ratios[c]):.2f}, "
                f"ours+cache/oxigraph {geomean(cached_ratios[c]):.2f}"
            )
    finally:
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
