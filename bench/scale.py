"""Cost curve: KI-Graph at 100 k, 1 M (, 10 M) triples — embedded Oxigraph vs ``oxigraph serve``.

For each size, in one run:

1. ``generate`` writes a deterministic N-Quads graph shaped like ours (fixed seed): organisations
   (types, labels de/en, places, sameAs), initiatives (subclass types, labels de/en, 2–6 role
   links through the real kg: role properties, target groups, technologies, funding start),
   grants (``kg:fundedInitiative``, ``schema:funder``, ``schema:amount`` → value/currency) in
   ``…/graph/synthetic``, and reified provenance statements (``rdf:subject/predicate/object``,
   ``kg:assertedIn``, ``prov:wasDerivedFrom``) for a third of the role links in
   ``…/graph/provenance`` — next to the real curated graph (ontology, saved queries' examples).
2. **embedded**: ``server.build.build(REPO, dir, add=[file])`` (= ``kigraph load --add``) in a
   child process: load seconds, triples/s, peak RSS; store size on disk; start-up (a child that
   opens the store, ``create_app`` and answers ``/`` — the first request reads the vocabulary).
3. **remote**: the built store exported as N-Quads, ``oxigraph load`` into its own directory
   (seconds, size), ``oxigraph serve-read-only --union-default-graph`` started (start-up = spawn
   until the first answer), then ``create_app(store=RemoteStore(…))``.
4. Latency: each saved query with its example parameters (``/queries/<name>?format=json``) and
   resource pages (HTML) through the Flask test client of both apps, result cache off,
   ``--repeat`` times after one warm-up; p50 and p99 (with few samples p99 is the maximum).

Usage::

    .venv/bin/python bench/scale.py                       # 100k and 1M
    .venv/bin/python bench/scale.py --sizes 100000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from endpoint import free_port, start_oxigraph  # noqa: E402

ID = "https://w3id.org/kigraph/id/"
KG = "https://w3id.org/kigraph/ontology#"
G = "https://w3id.org/kigraph/graph/synthetic"
PROV_G = "https://w3id.org/kigraph/graph/provenance"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
TYPE = f"<{RDF}type>"
SCHEMA = "http://schema.org/"
ROLES = ["partner", "funder", "initiator", "leadOrganisation", "supporter", "memberOrganisation"]
ORG_TYPES = ["Company", "ResearchInstitute", "GovernmentBody", "Association", "ComputingCentre"]
INIT_TYPES = ["Cooperation", "Project", "FundingProgramme"]
WORDS = [
    "Künstliche",
    "Intelligenz",
    "Zentrum",
    "Netzwerk",
    "Plattform",
    "Daten",
    "Lernen",
    "Robotik",
    "Cloud",
    "Campus",
    "Forschung",
    "Industrie",
    "Mittelstand",
    "Gesundheit",
]
PAGES = ["/doc/org/dfki", "/doc/initiative/dfki", "/doc/org/o1", "/doc/initiative/i1"]


def generate(path: Path, triples: int, seed: int = 42) -> int:
    """Write about ``triples`` N-Quads lines; returns the exact number written."""
    rng = random.Random(seed)
    n_orgs = max(50, triples // 150)
    written = 0
    with open(path, "w", encoding="utf-8") as out:

        def emit(s: str, p: str, o: str, g: str = G) -> None:
            nonlocal written
            out.write(f"{s} {p} {o} <{g}> .\n")
            written += 1

        def label(subject: str, text: str) -> None:
            emit(subject, LABEL, f'"{text}"@de')
            emit(subject, LABEL, f'"{text} (en)"@en')

        for o in range(n_orgs):
            org = f"<{ID}org/o{o}>"
            emit(org, TYPE, f"<{KG}{rng.choice(ORG_TYPES)}>")
            label(org, f"Organisation {o} {rng.choice(WORDS)}")
            emit(org, f"<{KG}location>", f"<{ID}place/p{rng.randrange(400)}>")
            if o % 4 == 0:
                emit(org, f"<{SCHEMA}sameAs>", f"<http://www.wikidata.org/entity/Q{o + 1}>")
        i = 0
        while written < triples:
            init = f"<{ID}initiative/i{i}>"
            emit(init, TYPE, f"<{KG}{rng.choice(INIT_TYPES)}>")
            label(init, " ".join(rng.sample(WORDS, 3)) + f" {i}")
            for _ in range(rng.randint(2, 6)):
                role, org = rng.choice(ROLES), f"<{ID}org/o{rng.randrange(n_orgs)}>"
                emit(init, f"<{KG}{role}>", org)
                if rng.random() < 0.33:
                    st = f"<{ID}statement/s{i}-{written}>"
                    emit(st, TYPE, f"<{RDF}Statement>", PROV_G)
                    emit(st, f"<{RDF}subject>", init, PROV_G)
                    emit(st, f"<{RDF}predicate>", f"<{KG}{role}>", PROV_G)
                    emit(st, f"<{RDF}object>", org, PROV_G)
                    emit(st, f"<{KG}assertedIn>", f"<{G}>", PROV_G)
                    source = f"<{ID}source/s{i % 50}>"
                    emit(st, "<http://www.w3.org/ns/prov#wasDerivedFrom>", source, PROV_G)
            emit(init, f"<{KG}targetGroup>", f"<{ID}target-group/t{rng.randrange(30)}>")
            emit(init, f"<{KG}usesTechnology>", f"<{ID}technology/t{rng.randrange(200)}>")
            emit(
                init,
                f"<{KG}fundedSince>",
                f'"{rng.randint(2015, 2025)}-01-01"^^<http://www.w3.org/2001/XMLSchema#date>',
            )
            if rng.random() < 0.5:
                grant, money = f"<{ID}grant/g{i}>", f"<{ID}money/m{i}>"
                emit(grant, f"<{KG}fundedInitiative>", init)
                emit(grant, f"<{SCHEMA}funder>", f"<{ID}org/o{rng.randrange(n_orgs)}>")
                emit(grant, f"<{SCHEMA}amount>", money)
                emit(
                    money,
                    f"<{SCHEMA}value>",
                    f'"{rng.randint(1, 500) * 100_000}"^^<http://www.w3.org/2001/XMLSchema#decimal>',
                )
                emit(money, f"<{SCHEMA}currency>", '"EUR"')
            i += 1
    return written


# --- children (one measurement per process) ----------------------------------------------------


def child_build(file: Path, store_dir: Path) -> None:
    from server.build import build

    started = time.perf_counter()
    result = build(REPO, store_dir, add=[file])
    print(
        json.dumps(
            {
                "seconds": result.added[0].seconds,
                "total": time.perf_counter() - started,
                "triples": result.added[0].triples,
                "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def child_start(store_dir: Path) -> None:
    started = time.perf_counter()
    from server.app import create_app
    from server.settings import load_settings

    app = create_app(load_settings({"store": store_dir, "root": REPO}, environ={}))
    response = app.test_client().get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200, response.status_code
    print(json.dumps({"seconds": time.perf_counter() - started}))


def _child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the run ------------------------------------------------------------------------------------


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def latencies(client, paths: list[str], repeat: int, headers: dict) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for path in paths:
        response = client.get(path, headers=headers)  # warm-up (and check)
        assert response.status_code == 200, (path, response.status_code, response.data[:300])
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            client.get(path, headers=headers)
            samples.append(time.perf_counter() - t0)
        out[path] = samples
    return out


def run_size(size: int, repeat: int, oxigraph: str, work: Path) -> dict:
    from urllib.parse import urlencode

    from server.app import create_app
    from server.queries import example_args, load_queries
    from server.remote import RemoteStore
    from server.settings import load_settings
    from server.store import GraphStore

    file = work / f"synthetic-{size}.nq"
    written = generate(file, size)
    store_dir = work / f"var-{size}" / "store"
    build = _child("build", str(file), str(store_dir))
    start = statistics.median(_child("start", str(store_dir))["seconds"] for _ in range(3))
    row: dict = {
        "size": size,
        "written": written,
        "load_s": build["seconds"],
        "load_total_s": build["total"],
        "rate": written / build["seconds"],
        "peak_mib": build["peak_kib"] / 1024,
        "disk_mib": du(Path(store_dir).resolve()) / 2**20,
        "start_s": start,
    }
    embedded = GraphStore.open(store_dir)
    row["triples"] = len(embedded)
    dump = work / f"dump-{size}.nq"
    with open(dump, "wb") as out:
        embedded.serialize("nq", out=out)
    ox_dir = work / f"ox-{size}"
    t0 = time.perf_counter()
    subprocess.run(
        [oxigraph, "load", "--location", str(ox_dir), "--file", str(dump)],
        check=True,
        capture_output=True,
    )
    row["ox_load_s"] = time.perf_counter() - t0
    row["ox_disk_mib"] = du(ox_dir) / 2**20
    port = free_port()
    t0 = time.perf_counter()
    proc = start_oxigraph(oxigraph, ox_dir, port)
    url = f"http://127.0.0.1:{port}/query"
    row["ox_start_s"] = time.perf_counter() - t0
    try:
        queries = load_queries(REPO)
        paths = [
            f"/queries/{name}?"
            + urlencode({**{k: v[0] for k, v in example_args(q).items()}, "format": "json"})
            for name, q in sorted(queries.items())
        ]
        settings = load_settings(
            {"store": store_dir, "root": REPO, "result_cache_bytes": 0, "query_timeout": 120.0},
            environ={},
        )
        apps = {
            "embedded": create_app(settings, store=embedded),
            "remote": create_app(
                load_settings(
                    {
                        "store": store_dir,
                        "root": REPO,
                        "result_cache_bytes": 0,
                        "query_timeout": 120.0,
                        "backend": "sparql+" + url,
                    },
                    environ={},
                ),
                store=RemoteStore("sparql+" + url, timeout=120),
            ),
        }
        row["latency"] = {}
        for name, app in apps.items():
            client = app.test_client()
            lat = latencies(client, paths, repeat, {"Accept": "application/sparql-results+json"})
            lat.update(latencies(client, PAGES, repeat, {"Accept": "text/html"}))
            row["latency"][name] = {
                path: (percentile(s, 0.5), percentile(s, 0.99)) for path, s in lat.items()
            }
    finally:
        proc.terminate()
        proc.wait(10)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--oxigraph",
        default=str(Path(sys.executable).parent / "oxigraph")
        if (Path(sys.executable).parent / "oxigraph").exists()
        else shutil.which("oxigraph") or "oxigraph",
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "build":
            child_build(Path(rest[0]), Path(rest[1]))
        else:
            child_start(Path(rest[0]))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="kigraph-scale-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"size {size:,} …", file=sys.stderr, flush=True)
            rows.append(run_size(size, args.repeat, args.oxigraph, Path(tmp)))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    report(rows, args.repeat)


def report(rows: list[dict], repeat: int) -> None:
    print("Load and start-up (load = `kigraph load --add`; oxigraph = `oxigraph load`):\n")
    print(
        "| triples | load | triples/s | peak RSS | disk | start-up "
        "| oxigraph load | oxigraph disk | oxigraph start-up |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['triples']:,} | {r['load_s']:.1f} s | {r['rate']:,.0f} "
            f"| {r['peak_mib']:.0f} MiB "
            f"| {r['disk_mib']:.0f} MiB | {r['start_s']:.2f} s | {r['ox_load_s']:.1f} s "
            f"| {r['ox_disk_mib']:.0f} MiB | {r['ox_start_s']:.2f} s |"
        )
    print(f"\nLatency p50 / p99 in ms ({repeat} runs after a warm-up; embedded | remote):\n")
    sizes = [r["triples"] for r in rows]
    print("| request | " + " | ".join(f"{s:,} embedded | {s:,} remote" for s in sizes) + " |")
    print("| --- |" + " ---: |" * (2 * len(rows)))
    for path in rows[0]["latency"]["embedded"]:
        cells = []
        for r in rows:
            for backend in ("embedded", "remote"):
                p50, p99 = r["latency"][backend][path]
                cells.append(f"{p50 * 1000:.0f} / {p99 * 1000:.0f}")
        short = path.split("?")[0]
        print(f"| `{short}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
