"""Attack class: queries that want unbounded memory.

A sorted cross join of the whole store and a string doubled 25 times (33 GB from 1 kB) are
answered with a problem document — ``507 query-out-of-memory``, or ``503 query-timeout`` if
the deadline comes first — never with ``200`` and junk, never with an empty reply. While they
run, the server's processes together (the Granian main process and all its descendants: the
web process, the forkserver, the query workers) stay below what the limits allow: one
``KIGRAPH_QUERY_MEMORY_MB`` per query worker, plus the web process. Afterwards the workers
have been replaced and answer again.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import _serve

MEMORY_MB = 1200
WORKERS = 2
#: what the processes beside the query workers may hold (web process, forkserver, Granian's
#: main process, the resource tracker) — measured ~250 MiB; generous
OTHERS_MB = 600

CROSS_JOIN = "SELECT * {?a ?b ?c . ?d ?e ?f} ORDER BY ?c LIMIT 1"
DOUBLINGS = "".join(f"BIND(CONCAT(?x{i},?x{i}) AS ?x{i + 1}) " for i in range(25))
DOUBLING = (
    'SELECT (STRLEN(?x25) AS ?n) WHERE { BIND("' + "a" * 1000 + '" AS ?x0) ' + DOUBLINGS + "}"
)
ATTACKS = {"cross-join-order-by": CROSS_JOIN, "concat-doubling": DOUBLING}


@pytest.fixture(scope="module")
def server(built_store: Path):
    yield from _serve(
        built_store,
        KIGRAPH_QUERY_WORKERS=str(WORKERS),
        KIGRAPH_QUERY_TIMEOUT="8",
        KIGRAPH_QUERY_MEMORY_MB=str(MEMORY_MB),
        KIGRAPH_CLIENT_QUERIES="0",
    )


def _get(base: str, query: str, timeout: float = 60):
    url = base + "/sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def _main_pid(base: str) -> int:
    """The Granian main process: the parent of the web process that answers /healthz."""
    with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
        web = json.load(response)["pid"]
    with open(f"/proc/{web}/stat") as handle:
        return int(handle.read().rsplit(")", 1)[1].split()[1])


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    found, i = [pid], 0
    while i < len(found):
        try:
            for task in os.listdir(f"/proc/{found[i]}/task"):
                with open(f"/proc/{found[i]}/task/{task}/children") as handle:
                    found += [int(p) for p in handle.read().split()]
        except OSError:
            pass
        i += 1
    return found


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class PeakRss:
    """Samples the RSS of a process tree every 10 ms: the peak of the sum, and each
    process's own peak."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.total = 0.0
        self.each: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            sizes = {pid: _rss_mib(pid) for pid in _tree(self.root)}
            self.total = max(self.total, sum(sizes.values()))
            for pid, size in sizes.items():
                self.each[pid] = max(self.each.get(pid, 0.0), size)
            time.sleep(0.01)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


def _assert_problem(status: int, ctype: str | None, body: bytes) -> dict:
    assert body, f"an empty reply with status {status}"
    assert status in (503, 507), (status, body[:300])
    assert ctype and ctype.startswith("application/problem+json"), ctype
    problem = json.loads(body)
    assert problem["status"] == status
    slug = problem["type"].rsplit("/", 1)[1]
    assert slug == {507: "query-out-of-memory", 503: "query-timeout"}[status], problem
    return problem


def _assert_bounded(peak: PeakRss, web: int) -> None:
    bound = WORKERS * MEMORY_MB + OTHERS_MB
    assert peak.total < bound, f"the server's processes held {peak.total:.0f} MiB (> {bound})"
    for pid, size in peak.each.items():
        assert size <= MEMORY_MB, f"process {pid} held {size:.0f} MiB, over the query limit"
    held = peak.each.get(web, 0.0)
    assert held < OTHERS_MB, f"the web process held {held:.0f} MiB"


def _web_pid(base: str) -> int:
    with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
        return json.load(response)["pid"]


def _still_answers(base: str) -> None:
    # a text of its own: the answer must come from a query worker, not the result cache
    status, _, body = _get(base, f"ASK {{}} # {time.monotonic_ns()}")
    assert status == 200 and json.loads(body)["boolean"] is True, (status, body[:300])
    status, _, body = _get(base, "ASK {}")
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize("name", list(ATTACKS))
def test_a_memory_bomb_gets_a_problem_and_the_memory_stays_bounded(server, name):
    main, web = _main_pid(server), _web_pid(server)
    with PeakRss(main) as peak:
        status, ctype, body = _get(server, ATTACKS[name])
    _assert_problem(status, ctype, body)
    _assert_bounded(peak, web)
    _still_answers(server)


def test_memory_bombs_at_once_stay_bounded(server):
    """Both bombs twice, all at once (four queries on two workers): each gets its problem
    document; together they never hold more than the workers may."""
    main, web = _main_pid(server), _web_pid(server)
    answers: list = []

    def attack(query: str) -> None:
        answers.append(_get(server, query))

    threads = [
        threading.Thread(target=attack, args=(f"{text} # {i}",))
        for i, text in enumerate([CROSS_JOIN, DOUBLING] * 2)
    ]
    with PeakRss(main) as peak:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert len(answers) == 4
    for status, ctype, body in answers:
        _assert_problem(status, ctype, body)
    _assert_bounded(peak, web)
    _still_answers(server)
