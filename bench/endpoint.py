"""Benchmark: our SPARQL endpoint vs ``oxigraph serve`` vs raw in-process pyoxigraph.

One run, same data (the curated graph, built with ``build_store``), same queries, same load
generator (``wrk`` from Debian), loopback only, bounded in time. Prints requests/s and p50/p99
latency per query and concurrency, the ratios ours/oxigraph with the result cache off and on,
and their geometric means per concurrency.

    .venv/bin/python bench/endpoint.py [--duration 5] [--concurrency 1,4,16] \
        [--oxigraph PATH] [--queries ask,describe,...] [--query-workers N] \
        [--under-load] [--under-load-only]

``--under-load`` adds a second table: the measurement at ``--load-concurrency`` (4) again, while
``--idle`` (200) idle keep-alive connections and ``--readers`` (8) slow readers of a large answer
are held open against every server (ours: ``/downloads/kigraph.nq``; oxigraph: ``GET /store``,
the same quads as N-Quads). The same load for each; closed connections are reopened.

Ours runs as ``kigraph serve`` does (``python -m server.serving``: Granian, one web process, query
worker pool) with ``KIGRAPH_CLIENT_QUERIES=0``: all of wrk's connections come from one loopback
address, and the per-address limit (default 2) would answer most of them ``429``. Its access log
is off, as ``oxigraph serve`` writes none per request; ``--access-log`` measures it on.

Needs ``wrk`` (apt-get install wrk) and the ``oxigraph`` command (PyPI package ``oxigraph``;
in .venv/bin, or ``--oxigraph PATH``).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import select
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
#: result cache of "ours+cache" (bytes)
CACHE_BYTES = 64_000_000


def default_oxigraph() -> str:
    venv = Path(sys.executable).parent / "oxigraph"
    return shutil.which("oxigraph") or (str(venv) if venv.exists() else "/tmp/oxvenv/bin/oxigraph")


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
    """``python -m server.serving`` (what ``kigraph serve`` runs) on ``store_dir``, once it
    answers; ``settings``: KIGRAPH_* by lower-case name, e.g. ``query_workers=4``. Its own
    process group (Granian's web process, the query workers' forkserver), ended by :func:`stop`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIGRAPH_")}
    env.update(KIGRAPH_STORE=str(store_dir), KIGRAPH_ROOT=str(REPO), KIGRAPH_PORT=str(port))
    env.update({f"KIGRAPH_{name.upper()}": str(value) for name, value in settings.items()})
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.serving"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_up(f"http://127.0.0.1:{port}/healthz", proc)
    return proc


def start_ceiling(port: int, threads: int) -> subprocess.Popen:
    """bench/ceiling_app.py under Granian as ``server.serving`` runs ours (WSGI, 1 process)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "wsgi", "--http", "1", "--workers", "1"]
        + ["--blocking-threads", str(threads), "--port", str(port), "--no-log"]
        + ["--factory", "ceiling_app:create_app"],
        cwd=Path(__file__).resolve().parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_up(f"http://127.0.0.1:{port}/sparql", proc)
    return proc


def start_oxigraph(binary: str, location: Path, port: int) -> subprocess.Popen:
    """``oxigraph serve-read-only`` with the union as default graph, once it answers."""
    proc = subprocess.Popen(
        [binary, "serve-read-only", "--location", str(location)]
        + ["--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_up(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", proc, poll=0.02)
    return proc


_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url: str, concurrency: int, duration: float) -> tuple[float, float, float, str]:
    """requests/s, p50 ms, p99 ms, and what went wrong ("" if nothing: socket errors, wrk's
    2 s timeouts, non-2xx answers)."""
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
    errors = []
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        for kind, n in zip(("connect", "read", "write", "timeout"), m.groups(), strict=True):
            if int(n):
                errors.append(f"{n} {kind}")
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors.append(f"{m.group(1)} non-2xx")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p: str) -> float:
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * _UNIT[m.group(2)] if m else float("nan")

    return rps, pct("50"), pct("99"), ", ".join(errors)


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

    from server.build import build_store

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
    """SIGTERM to each server's process group (started by us), then SIGKILL what is left."""

    def signal_group(proc: subprocess.Popen, sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    for proc in procs:
        signal_group(proc, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        signal_group(proc, signal.SIGKILL)  # stragglers of the group (the forkserver)


def geomean(values: list[float]) -> float:
    if not values:
        return float("nan")
    if min(values) <= 0:
        return 0.0
    return math.exp(sum(math.log(v) for v in values) / len(values))


# --- load held open against a server ---------------------------------------------------------


class HeldLoad:
    """``idle`` keep-alive connections (one request answered, then silence, like a browser
    after a page) and ``readers`` clients that read a large answer slowly (``rate`` bytes/s
    each, a small receive buffer), held against ``127.0.0.1:port`` until :meth:`close`.
    A connection the server closes is reopened, a finished download started again; both are
    counted (``reopened``, ``downloads``)."""

    def __init__(
        self,
        port: int,
        idle_path: str,
        reader_path: str,
        *,
        idle: int = 200,
        readers: int = 8,
        reader_accept: str = "*/*",
        rate: int = 64 * 1024,
    ) -> None:
        self.port = port
        self.idle_path = idle_path
        self.reader_path = reader_path
        self.reader_accept = reader_accept
        self.rate = rate
        self.reopened = 0
        self.downloads = 0
        self.read_bytes = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._idle: list[socket.socket] = [self._open_idle() for _ in range(idle)]
        self._threads = [threading.Thread(target=self._keep_idle, daemon=True)]
        self._threads += [
            threading.Thread(target=self._read_slowly, daemon=True) for _ in range(readers)
        ]
        for thread in self._threads:
            thread.start()

    def _open_idle(self) -> socket.socket:
        """A connection that has had one answer and stays open (keep-alive)."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock.sendall(
            f"GET {self.idle_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n".encode()
        )
        _read_one_response(sock)
        return sock

    def _keep_idle(self) -> None:
        while not self._stop.wait(0.2):
            readable, _, _ = select.select(self._idle, [], [], 0)
            for sock in readable:  # the server closed it (or sent something unasked)
                index = self._idle.index(sock)
                sock.close()
                try:
                    self._idle[index] = self._open_idle()
                    self.reopened += 1
                except OSError as error:
                    self.errors.append(f"idle: {error}")

    def _read_slowly(self) -> None:
        chunk = 4096
        pause = chunk / self.rate
        while not self._stop.is_set():
            try:
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
                sock.settimeout(120)
                sock.connect(("127.0.0.1", self.port))
                sock.sendall(
                    f"GET {self.reader_path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Accept: {self.reader_accept}\r\nConnection: close\r\n\r\n".encode()
                )
                while not self._stop.is_set():
                    data = sock.recv(chunk)
                    if not data:
                        self.downloads += 1
                        break
                    self.read_bytes += len(data)
                    time.sleep(pause)
                sock.close()
            except OSError as error:
                self.errors.append(f"reader: {error}")
                time.sleep(0.5)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)
        for sock in self._idle:
            sock.close()

    def summary(self) -> str:
        return (
            f"{len(self._idle)} idle connections (reopened {self.reopened} times), "
            f"{len(self._threads) - 1} slow readers ({self.read_bytes / 1e6:.1f} MB read, "
            f"{self.downloads} downloads finished), {len(self.errors)} errors"
            + (f" (first: {self.errors[0]})" if self.errors else "")
        )


def _read_one_response(sock: socket.socket) -> None:
    """Read one HTTP/1.1 response with ``Content-Length`` or chunked body off ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            raise OSError("closed before the answer")
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    if length:
        need = int(length.group(1))
        while len(body) < need:
            more = sock.recv(65536)
            if not more:
                raise OSError("closed inside the answer")
            body += more
        return
    while not body.endswith(b"0\r\n\r\n"):  # chunked (small answers only)
        more = sock.recv(65536)
        if not more:
            raise OSError("closed inside the answer")
        body += more


# --- the run ---------------------------------------------------------------------------------


def header(with_raw: bool) -> None:
    cols = ["query", "c", "ours r/s", "p50", "p99", "+cache r/s", "p50", "p99"]
    cols += ["oxigraph r/s", "p50", "p99"] + (["raw r/s"] if with_raw else [])
    cols += ["ours/ox", "cache/ox", "errors"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols), flush=True)


def measure(
    servers: dict[str, str],
    names: list[str],
    levels: list[int],
    duration: float,
    raw_store=None,
) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
    """One table; returns the ratios (cache off, cache on) per concurrency. A server that
    answered nothing in a cell gives a ratio of 0 there (its geometric mean is then 0)."""
    header(raw_store is not None)
    ratios: dict[int, list[float]] = {c: [] for c in levels}
    cached_ratios: dict[int, list[float]] = {c: [] for c in levels}
    OXIGRAPH_RATES.clear()
    for name in names:
        query = QUERIES[name]
        qs = "?" + urllib.parse.urlencode({"query": query})
        for c in levels:
            ours = wrk(servers["ours"] + qs, c, duration)
            cached = wrk(servers["ours+cache"] + qs, c, duration)
            oxi = wrk(servers["oxigraph"] + qs, c, duration)
            cells = [
                name, str(c),
                f"{ours[0]:.0f}", f"{ours[1]:.2f}", f"{ours[2]:.2f}",
                f"{cached[0]:.0f}", f"{cached[1]:.2f}", f"{cached[2]:.2f}",
                f"{oxi[0]:.0f}", f"{oxi[1]:.2f}", f"{oxi[2]:.2f}",
            ]  # fmt: skip
            if raw_store is not None:
                cells.append(f"{raw(raw_store, query, c, min(duration, 3))[0]:.0f}")
            cells += [f"{ours[0] / oxi[0]:.2f}", f"{cached[0] / oxi[0]:.2f}"]  # oxi > 0 always
            errors = [f"{who}: {r[3]}" for who, r in (("ours", ours), ("cache", cached),
                                                      ("ox", oxi)) if r[3]]  # fmt: skip
            cells.append("; ".join(errors) or "-")
            OXIGRAPH_RATES.setdefault(c, []).append(oxi[0])
            ratios[c].append(ours[0] / oxi[0])
            cached_ratios[c].append(cached[0] / oxi[0])
            print("| " + " | ".join(cells) + " |", flush=True)
    return ratios, cached_ratios


#: oxigraph's requests/s per concurrency, one per query, from the last :func:`measure`
OXIGRAPH_RATES: dict[int, list[float]] = {}


def measure_ceiling(url: str, levels: list[int], duration: float) -> None:
    """The bare Flask + Granian app's requests/s at each concurrency, and the geometric mean
    ratio to oxigraph it would give if every query were answered that fast."""
    for c in levels:
        rate = wrk(url + "?query=ASK%7B%7D", c, duration)[0]
        ratios = [rate / ox_rate for ox_rate in OXIGRAPH_RATES.get(c, [])]
        print(
            f"ceiling (bare Flask on Granian, 1 web process) c={c}: {rate:.0f} r/s; "
            f"geometric mean ceiling/oxigraph {geomean(ratios):.2f} over the same queries",
            flush=True,
        )


def print_geomeans(label: str, ratios: dict, cached: dict) -> None:
    for c in ratios:
        print(
            f"geometric mean{label} c={c}: ours/oxigraph {geomean(ratios[c]):.2f} (cache off), "
            f"ours+cache/oxigraph {geomean(cached[c]):.2f} (cache on)",
            flush=True,
        )


def warm_up(servers: dict[str, str], names: list[str]) -> None:
    """Every query once per server, then 1 s of ``ASK`` at c=8: our query workers start with
    the first query and each imports its modules on its first task."""
    for url in servers.values():
        for name in names:
            qs = "?" + urllib.parse.urlencode({"query": QUERIES[name]})
            request = urllib.request.Request(url + qs, headers={"Accept": "*/*"})
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
        wrk(url + "?" + urllib.parse.urlencode({"query": "ASK {}"}), 8, 1)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--oxigraph", default=default_oxigraph())
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument(
        "--triples",
        type=int,
        default=0,
        help="add a synthetic graph of about this many triples (bench/scale.py's generator)",
    )
    parser.add_argument(
        "--query-workers",
        type=int,
        default=None,
        help="KIGRAPH_QUERY_WORKERS (default: the server's, twice the cores)",
    )
    parser.add_argument("--web-threads", type=int, default=None, help="KIGRAPH_WEB_THREADS")
    parser.add_argument(
        "--under-load", action="store_true", help="add the table under held connections"
    )
    parser.add_argument(
        "--under-load-only", action="store_true", help="only the table under held connections"
    )
    parser.add_argument("--load-concurrency", type=int, default=4)
    parser.add_argument("--idle", type=int, default=200, help="idle keep-alive connections")
    parser.add_argument("--readers", type=int, default=8, help="slow readers of a large answer")
    parser.add_argument("--no-raw", action="store_true", help="skip in-process pyoxigraph")
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="ours with its per-request access log (KIGRAPH_ACCESS_LOG=1, the default of "
        "kigraph serve); off by default here, as oxigraph serve logs no requests",
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="also measure a bare Flask app under Granian (bench/ceiling_app.py): the most any "
        "endpoint through Flask in one web process can answer",
    )
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    names = args.queries.split(",")

    import pyoxigraph as ox

    from server.settings import Settings

    settings = {"client_queries": 0, "access_log": int(args.access_log)}
    if args.query_workers is not None:
        settings["query_workers"] = args.query_workers
    if args.web_threads is not None:
        settings["web_threads"] = args.web_threads
    defaults = Settings()
    workers = settings.get("query_workers", defaults.query_workers)
    threads = settings.get("web_threads", defaults.web_threads)

    tmp = Path(tempfile.mkdtemp(prefix="kigraph-bench-"))
    procs: list[subprocess.Popen] = []
    try:
        extra = []
        if args.triples:
            from scale import generate

            extra = [tmp / "synthetic.nq"]
            generate(extra[0], args.triples)
        store_dir, ox_dir = build_both(tmp, args.oxigraph, extra)

        servers, ports = {}, {}
        for label, cache in (("ours", 0), ("ours+cache", CACHE_BYTES)):
            port = free_port()
            procs.append(start_ours(store_dir, port, result_cache_bytes=cache, **settings))
            servers[label], ports[label] = f"http://127.0.0.1:{port}/sparql", port
        port = free_port()
        procs.append(start_oxigraph(args.oxigraph, ox_dir, port))
        servers["oxigraph"], ports["oxigraph"] = f"http://127.0.0.1:{port}/query", port
        raw_store = None if args.no_raw else ox.Store.read_only(str(store_dir.resolve()))
        warm_up(servers, names)

        print(
            f"# {len(ox.Store.read_only(str(store_dir.resolve())))} quads; wrk {args.duration:g}s "
            f"per cell, keep-alive, Accept: */*; ours: Granian, 1 web process x {threads} "
            f"threads, {workers} query workers, KIGRAPH_CLIENT_QUERIES=0 (wrk's connections all "
            f"come from 127.0.0.1), access log {'on' if args.access_log else 'off'}, "
            f"result cache off (ours) / {CACHE_BYTES // 10**6} MB "
            f"(ours+cache); oxigraph: {args.oxigraph} serve-read-only; {os.cpu_count()} cores, "
            f"wrk on the same cores; load average {load_average()}",
            flush=True,
        )
        if not args.under_load_only:
            ratios, cached = measure(servers, names, levels, args.duration, raw_store)
            print_geomeans("", ratios, cached)
            if args.ceiling:
                port = free_port()
                procs.append(start_ceiling(port, threads))
                measure_ceiling(f"http://127.0.0.1:{port}/sparql", levels, args.duration)
            print(f"# load average after: {load_average()}", flush=True)
        if args.under_load or args.under_load_only:
            for label in ("ours", "ours+cache"):  # dumps are written on the first request
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{ports[label]}/downloads/kigraph.nq", timeout=120
                ) as response:
                    response.read()
            ask = "?" + urllib.parse.urlencode({"query": "ASK {}"})
            loads = {
                label: HeldLoad(
                    ports[label],
                    "/sparql" + ask,
                    "/downloads/kigraph.nq",
                    idle=args.idle,
                    readers=args.readers,
                )
                for label in ("ours", "ours+cache")
            }
            loads["oxigraph"] = HeldLoad(
                ports["oxigraph"],
                "/query" + ask,
                "/store",
                idle=args.idle,
                readers=args.readers,
                reader_accept="application/n-quads",
            )
            try:
                time.sleep(1)
                print(
                    f"\n# under load: c={args.load_concurrency} while {args.idle} idle keep-alive "
                    f"connections and {args.readers} slow readers (64 KiB/s each; ours "
                    "/downloads/kigraph.nq, oxigraph GET /store as N-Quads) are held against "
                    f"each server; load average {load_average()}",
                    flush=True,
                )
                ratios, cached = measure(
                    servers, names, [args.load_concurrency], args.duration, None
                )
                print_geomeans(" under load", ratios, cached)
            finally:
                for label, load in loads.items():
                    load.close()
                    print(f"# held against {label}: {load.summary()}")
            print(f"# load average after: {load_average()}", flush=True)
    finally:
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
