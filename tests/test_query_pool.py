"""The query workers on their own: what a client gets when a worker times out, dies or cannot
start, and that the pool goes on serving afterwards (the live attack tests cover the rest)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from server.errors import QueryTimeout, QueryWorkerFailed
from server.query_pool import Limits, QueryPool

EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture
def pool(built_store: Path, tmp_path: Path):
    started = QueryPool(built_store, 2, Limits(timeout=1.5, memory_bytes=2048 << 20), tmp_path)
    yield started
    started.stop()


def test_a_query_past_its_deadline_is_stopped_and_its_worker_replaced(pool) -> None:
    began = time.monotonic()
    with pytest.raises(QueryTimeout) as info:
        pool.rows(EXPLOSIVE, {})
    assert 1.4 < time.monotonic() - began < 5
    assert "KIGRAPH_QUERY_TIMEOUT" in str(info.value)
    for _ in range(4):  # both workers (the replacement among them) answer
        assert pool.rows("ASK {}", {}) == ("results", b'{"head":{},"boolean":true}')


def test_workers_that_cannot_start_answer_at_once(tmp_path: Path) -> None:
    broken = QueryPool(tmp_path / "no-store", 2, Limits(30, 2048 << 20), tmp_path / "spool")
    try:
        began = time.monotonic()
        with pytest.raises(QueryWorkerFailed) as info:
            broken.rows("ASK {}", {})
        assert time.monotonic() - began < 10  # not the 30 s deadline, not forever
        assert info.value.status == 503
    finally:
        broken.stop()


def test_errors_of_the_query_keep_their_details(pool) -> None:
    from server.errors import QuerySyntaxError

    with pytest.raises(QuerySyntaxError) as info:
        pool.rows("SELECT * WHERE { ?s ?p }", {})
    assert info.value.line == 1 and info.value.column


@pytest.mark.slow  # runs queries for several seconds
def test_a_worker_survives_many_queries_that_were_lowered(built_store: Path, tmp_path) -> None:
    """Each query past ``yield_after`` gets a fresh query thread; the old ones must end, or their stacks
    fill the worker's address space ("can't start new thread")."""
    limits = Limits(timeout=30, memory_bytes=1200 << 20, yield_after=0.05)
    one = QueryPool(built_store, 1, limits, tmp_path)
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?c ?e ?f . ?f ?g ?h }"  # ~0.4 s
    try:
        for _ in range(6):  # more than the ~2 spare stacks of 256 MiB the limit leaves room for
            kind, body = one.rows(slow, {})
            assert kind == "results", body
    finally:
        one.stop()


def test_a_worker_that_cannot_start_its_query_thread_answers_503(built_store: Path, tmp_path):
    """The query thread's stack must fit under the worker's RLIMIT_AS; when it does not (too
    little of the limit is free), the client gets 503 naming the cause, not a 500."""
    limits = Limits(timeout=5, memory_bytes=2048 << 20, stack_bytes=4096 << 20)
    starved = QueryPool(built_store, 1, limits, tmp_path)
    try:
        with pytest.raises(QueryWorkerFailed, match="could not start the thread") as failed:
            starved.rows("ASK {}", {})
        assert failed.value.status == 503
    finally:
        starved.stop()
