"""Attack class (operations): ``kigraph load`` under a serving, queried server.

A live server on a copy of the built store's var dir. Loads swap in new generations while a
client keeps asking: every answer comes from the old or from the new generation, never a mix
or an error; once a load has finished, answers come from the new one. An old generation is
deleted by a later load only once the server no longer holds its lease
(:func:`server.generations.remove_if_unused`, called by ``build._clean``, which always keeps
the new generation and the one it replaced). A load that fails leaves the previous store
serving.

Each load adds a one-triple file of its own (``--add``), so that each generation has a
data version of its own and a marker that a query can see.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import _serve

REPO = Path(__file__).resolve().parent.parent
MARKER = "SELECT ?v WHERE { GRAPH ?g { <http://example.org/m> <http://example.org/marker> ?v } }"


@pytest.fixture(scope="module")
def var(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    var = tmp_path_factory.mktemp("generations") / "var"
    shutil.copytree(built_store.parent, var, symlinks=True)
    return var


@pytest.fixture(scope="module")
def server(var: Path, built_store: Path):
    yield from _serve(var / built_store.name, KIGRAPH_QUERY_WORKERS="2", KIGRAPH_QUERY_TIMEOUT="10")


def _load(store: Path, n: int | None, root: Path = REPO) -> subprocess.CompletedProcess[str]:
    """``kigraph load`` into ``store``; with ``n``, adding a file with marker ``n``."""
    args = [sys.executable, "-m", "server", "load", "--root", str(root), "--store", str(store)]
    if n is not None:
        extra = store.parent.parent / f"marker-{n}.nt"
        extra.write_text(f'<http://example.org/m> <http://example.org/marker> "{n}" .\n')
        args += ["--add", str(extra), "--no-progress"]
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=180,
        env={k: v for k, v in os.environ.items() if not k.startswith("KIGRAPH_")},
    )


def _loaded(store: Path, n: int) -> Path:
    done = _load(store, n)
    assert done.returncode == 0, done.stdout + done.stderr
    return Path(os.path.realpath(store))


def _healthz(base: str) -> dict:
    with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
        return json.load(response)


def _marker(base: str) -> tuple[int, str | None, str | None]:
    """``(status, marker or None, ETag)`` of the marker query."""
    url = base + "/sparql?" + urllib.parse.urlencode({"query": MARKER})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            rows = json.load(response)["results"]["bindings"]
            values = [row["v"]["value"] for row in rows]
            assert len(values) <= 1, values  # never two generations' markers at once
            return response.status, (values[0] if values else None), response.headers["ETag"]
    except urllib.error.HTTPError as error:
        return error.code, None, None


def _leased(generation: Path) -> bool:
    """Whether someone (the server) holds a lease on ``generation``."""
    lease = generation.parent / f".{generation.name}.lease"
    if not lease.exists():
        return False
    with open(lease, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _eventually(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


class Asker:
    """Two threads asking while a load runs: one the marker query, one /healthz."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.markers: list[tuple[float, int, str | None, str | None]] = []
        self.stores: list[tuple[float, str | None]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._ask_marker, daemon=True),
            threading.Thread(target=self._ask_health, daemon=True),
        ]

    def _ask_marker(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.markers.append((started, *_marker(self.base)))
            except Exception as error:  # noqa: BLE001 — reported by the test
                self.errors.append(repr(error))

    def _ask_health(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.stores.append((started, _healthz(self.base)["store"]))
            except Exception as error:  # noqa: BLE001
                self.errors.append(repr(error))

    def __enter__(self) -> Asker:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)


def _after_switch(values: list, old, new) -> None:
    """Each value is ``old`` or ``new``, and once ``new`` came, ``old`` never again."""
    assert set(values) <= {old, new}, set(values) - {old, new}
    if new in values:
        assert old not in values[values.index(new) :], "an old answer after a new one"


def test_a_load_while_querying_switches_cleanly(server, var, built_store):
    store = var / built_store.name
    old = Path(os.path.realpath(store))
    assert _healthz(server)["store"] == old.name
    assert _marker(server)[1] is None
    with Asker(server) as asker:
        time.sleep(0.5)
        new = _loaded(store, 1)
        loaded_at = time.monotonic()
        time.sleep(1.5)
    assert not asker.errors, asker.errors[:3]
    assert new != old and new.is_dir()
    assert all(status == 200 for _, status, _, _ in asker.markers)
    markers = [marker for _, _, marker, _ in asker.markers]
    assert None in markers and "1" in markers, "the client did not ask across the switch"
    _after_switch(markers, None, "1")
    _after_switch([name for _, name in asker.stores], old.name, new.name)
    _after_switch([etag for _, _, _, etag in asker.markers if etag], *_two(asker.markers))
    late = [marker for started, _, marker, _ in asker.markers if started > loaded_at]
    assert late and set(late) == {"1"}, late
    assert {name for started, name in asker.stores if started > loaded_at} == {new.name}
    # the server has given the old generation back; the load kept it (the one replaced)
    assert _eventually(lambda: not _leased(old)), f"{old.name} is still leased"
    assert old.is_dir()
    assert _leased(new)


def _two(markers: list) -> tuple[str | None, str | None]:
    """The first and the last ETag seen (the old and the new generation's)."""
    etags = [etag for _, _, _, etag in markers if etag]
    return etags[0], etags[-1]


def test_old_generations_go_only_once_unleased(server, var, built_store):
    store = var / built_store.name
    first = Path(os.path.realpath(store))  # served now (marker 1, from the test above)
    assert _marker(server)[1] == "1" and _healthz(server)["store"] == first.name
    originals = [g for g in var.glob(f"{built_store.name}-*") if g != first]

    # a load while nobody asks: the server still leases `first`; the load keeps it
    second = _loaded(store, 2)
    assert first.is_dir() and _leased(first)
    for original in originals:  # older and unleased: deleted
        assert not original.exists(), f"{original.name} was kept"

    # another load, still nobody asks: `first` is neither new nor the replaced one, but
    # the server has not switched yet and holds its lease — it must stay
    third = _loaded(store, 3)
    assert first.is_dir(), "a generation in use was deleted"
    assert _leased(first)
    assert second.is_dir() and not _leased(second)

    # the next request switches straight to `third`; `first` is given back
    assert _marker(server)[1] == "3" and _healthz(server)["store"] == third.name
    assert _eventually(lambda: not _leased(first)), f"{first.name} is still leased"

    # the next load deletes every generation but the new one and the one it replaced
    fourth = _loaded(store, 4)
    assert not first.exists() and not second.exists()
    assert third.is_dir() and fourth.is_dir()
    assert _marker(server)[1] == "4"


def test_a_failed_load_keeps_the_store_serving(server, var, built_store, tmp_path):
    store = var / built_store.name
    before = Path(os.path.realpath(store))
    marker = _marker(server)[1]
    root = tmp_path / "repo"
    for part in ("ontology", "data", "queries"):
        shutil.copytree(REPO / part, root / part)
    broken = sorted((root / "data").glob("*.ttl"))[0]
    broken.write_text(broken.read_text() + "\nthis is not turtle at all <<<\n")
    done = _load(store, None, root=root)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert Path(os.path.realpath(store)) == before
    assert _healthz(server)["store"] == before.name
    assert _marker(server)[:2] == (200, marker)
    assert not [p.name for p in var.iterdir() if ".tmp-" in p.name]
