"""Load benchmark: ``kigraph load --add`` against raw ``pyoxigraph.Store.bulk_load``.

Generates a synthetic graph shaped like KI-Graph with bench/scale.py's generator (N-Quads, fixed
seed: organisations, initiatives, roles, grants, places, labels in German and English, reified
provenance), at 100 k and 1 M triples, then for each size, in one run, loads the same file

- raw:     ``pyoxigraph.Store(fresh_dir).bulk_load(path=FILE)`` — the engine's limit;
- kigraph: ``server.build.build(REPO, fresh_dir, add=[FILE])`` — exactly what
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
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from scale import generate  # noqa: E402 — the one generator of graphs shaped like ours


def child(mode: str, file: Path, directory: Path) -> None:
    """Run one load in this (child) process and print a JSON line."""
    started = time.perf_counter()
    if mode == "raw":
        import pyoxigraph as ox

        store = ox.Store(str(directory / "store"))
        t0 = time.perf_counter()
        store.bulk_load(path=str(file), format=ox.RdfFormat.N_QUADS)
        seconds = time.perf_counter() - t0
        triples = len(store)
    else:
        from server.build import build

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
            file = work / f"synthetic-{size}.nq"
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
            print(f"\n{written:,} triples, {mb:.0f} MB N-Quads (best of {args.repeat})")
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
