"""Load benchmark: ``kigraph load --add`` against raw ``pyoxigraph.Store.bulk_load``.

Generates a synthetic graph shaped like KI-Graph (initiatives, organisations, roles, grants with
amounts, places, labels in German and English) as N-Triples with a fixed seed, at 100 k and 1 M
triples, then for each size, in one run, loads the same file

- raw:     ``pyoxigraph.Store(fresh_dir).bulk_load(path=FILE, to_graph=G)`` — the engine's limit;
- kigraph: ``server.store.build(REPO, fresh_dir, add=[FILE])`` — exactly what
  ``kigraph load --add FILE`` runs (the add step streams the file through a hashing reader into
  the same bulk loader); its add-step time is compared, and its total (with validation, the
  curated graphs and the dataset description) is shown too.

Each load runs in its own child process so that peak memory (``ru_maxrss``, which sees Rust's
allocations too) belongs to that load alone. Usage::

    .venv/bin/python bench/load.py            # 100k and 1M
    .venv/bin/python bench/load.py --sizes 100000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/kigraph/id/"
KG = "https://w3id.org/kigraph/ontology#"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
ROLES = ["partner", "funder", "initiator", "leadOrganisation", "supporter", "memberOrganisation"]
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


def generate(path: Path, triples: int, seed: int = 42) -> int:
    """Write about ``triples`` N-Triples lines; returns the exact number written."""
    rng = random.Random(seed)
    n_orgs = max(50, triples // 200)
    written = 0
    with open(path, "w", encoding="utf-8") as out:

        def emit(s: str, p: str, o: str) -> None:
            nonlocal written
            out.write(f"{s} {p} {o} .\n")
            written += 1

        def label(subject: str, text: str) -> None:
            emit(subject, RDFS_LABEL, f'"{text}"@de')
            emit(subject, RDFS_LABEL, f'"{text} (en)"@en')

        for o in range(n_orgs):
            org = f"<{ID}org/o{o}>"
            emit(org, RDF_TYPE, f"<{KG}{rng.choice(['Company', 'ResearchInstitute', 'Ministry'])}>")
            label(org, f"Organisation {o} {rng.choice(WORDS)}")
            emit(org, f"<{KG}location>", f"<{ID}place/p{rng.randrange(400)}>")
        i = 0
        while written < triples:
            init = f"<{ID}initiative/i{i}>"
            emit(init, RDF_TYPE, f"<{KG}Initiative>")
            label(init, " ".join(rng.sample(WORDS, 3)) + f" {i}")
            for _ in range(rng.randint(2, 6)):
                emit(init, f"<{KG}{rng.choice(ROLES)}>", f"<{ID}org/o{rng.randrange(n_orgs)}>")
            emit(
                init,
                f"<{KG}startYear>",
                f'"{rng.randint(2015, 2025)}"^^<http://www.w3.org/2001/XMLSchema#gYear>',
            )
            if rng.random() < 0.5:
                grant = f"<{ID}grant/g{i}>"
                emit(grant, RDF_TYPE, f"<{KG}Grant>")
                emit(grant, f"<{KG}fundedInitiative>", init)
                emit(grant, f"<{KG}funder>", f"<{ID}org/o{rng.randrange(n_orgs)}>")
                amount = rng.randint(1, 500) * 100_000
                emit(
                    grant,
                    "<http://schema.org/value>",
                    f'"{amount}"^^<http://www.w3.org/2001/XMLSchema#decimal>',
                )
            i += 1
    return written


def child(mode: str, file: Path, directory: Path) -> None:
    """Run one load in this (child) process and print a JSON line."""
    started = time.perf_counter()
    if mode == "raw":
        import pyoxigraph as ox

        store = ox.Store(str(directory / "store"))
        t0 = time.perf_counter()
        store.bulk_load(
            path=str(file),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=ox.NamedNode("https://w3id.org/kigraph/graph/added/x"),
        )
        seconds = time.perf_counter() - t0
        triples = len(store)
    else:
        from server.store import build

        result = build(REPO, directory / "var" / "store", add=[file])
        seconds = result.added[0].seconds
        triples = result.added[0].triples
    total = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps({"seconds": seconds, "total": total, "triples": triples, "peak_kib": peak_kib})
    )


def run(mode: str, file: Path, work: Path) -> dict:
    directory = Path(tempfile.mkdtemp(dir=work, prefix=f"{mode}-"))
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, str(file), str(directory)],
            check=True,
            capture_output=True,
            text=True,
            cwd=REPO,
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2, help="runs per loader (best is kept)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, file, directory = args.child
        child(mode, Path(file), Path(directory))
        return
    import pyoxigraph

    print(f"pyoxigraph {pyoxigraph.__version__}, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="kigraph-bench-") as tmp:
        work = Path(tmp)
        for size in args.sizes:
            file = work / f"synthetic-{size}.nt"
            written = generate(file, size)
            mb = file.stat().st_size / 1e6
            best: dict[str, dict] = {}
            for _ in range(args.repeat):
                for mode in ("raw", "kigraph"):  # interleaved
                    r = run(mode, file, work)
                    if mode not in best or r["seconds"] < best[mode]["seconds"]:
                        best[mode] = r
            raw, kg = best["raw"], best["kigraph"]
            rate_raw = raw["triples"] / raw["seconds"]
            rate_kg = kg["triples"] / kg["seconds"]
            print(f"\n{written:,} triples, {mb:.0f} MB N-Triples (best of {args.repeat})")
            print(
                f"  raw bulk_load      {rate_raw:>12,.0f} triples/s  {raw['seconds']:6.2f} s  "
                f"peak {raw['peak_kib'] / 1024:6.0f} MiB"
            )
            print(
                f"  kigraph load --add {rate_kg:>12,.0f} triples/s  {kg['seconds']:6.2f} s  "
                f"peak {kg['peak_kib'] / 1024:6.0f} MiB  (whole load incl. validation: "
                f"{kg['total']:.1f} s)"
            )
            print(f"  ratio kigraph/raw  {rate_kg / rate_raw:.2f}x")


if __name__ == "__main__":
    main()
