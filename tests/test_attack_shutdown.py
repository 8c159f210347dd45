"""Attack class (operations): shutdown with work in flight. SIGTERM to the server's process
group — or to its main process only — while a query runs: every process of the group (Granian's
main process, the web process, the forkserver, the query workers, the resource tracker) is
gone within 15 s, nothing keeps the store's lease, and the port is free again.

The servers of one round run side by side (each on a port of its own, all on one copy of the
store) to keep the module's time down: a shutdown currently takes Granian's full grace period.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import _free_port

REPO = Path(__file__).resolve().parent.parent
GONE_WITHIN = 15.0
EXPLOSIVE = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
)


@pytest.fixture(scope="module")
def store(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the built store's var dir for every server of this module."""
    var = tmp_path_factory.mktemp("shutdown") / "var"
    shutil.copytree(built_store.parent, var, symlinks=True)
    return var / built_store.name


class Server:
    """``kigraph serve`` in a session (process group) of its own."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = store.parent / f"shutdown-{self.port}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIGRAPH_")}
        env.update(
            KIGRAPH_STORE=str(store),
            KIGRAPH_ROOT=str(REPO),
            KIGRAPH_PORT=str(self.port),
            KIGRAPH_QUERY_WORKERS="2",
            KIGRAPH_QUERY_TIMEOUT="8",
        )
        with self.log.open("ab") as sink:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", "serve"],
                env=env,
                stdout=sink,
                stderr=sink,
                cwd=REPO,
                start_new_session=True,
            )
        self.pgid = self.proc.pid
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def get(self, path: str, timeout: float = 30) -> int:
        try:
            with urllib.request.urlopen(self.base + path, timeout=timeout) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def group(self) -> list[int]:
        """Live (not zombie) processes of the server's process group."""
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.pgid and fields[0] not in ("Z", "X"):
                found.append(int(pid))
        return found

    def kill(self) -> None:
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)


def _busy(server: Server) -> threading.Thread:
    """A few requests, then a long query left running (its answer does not matter)."""
    for path in ("/healthz", "/doc/org/dfki", "/queries/cooperations", "/sparql?query=ASK%7B%7D"):
        assert server.get(path) == 200, path
    query = "/sparql?" + urllib.parse.urlencode({"query": EXPLOSIVE})

    def run() -> None:
        try:
            server.get(query, timeout=30)
        except OSError:
            pass  # the server went away under it: expected

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    time.sleep(0.7)  # the query is in a worker now
    return thread


def _round(store: Path, whole_group: bool) -> dict:
    """Start, load, SIGTERM; what happened."""
    server = Server(store)
    try:
        query = _busy(server)
        before = server.group()
        started = time.monotonic()
        if whole_group:
            os.killpg(server.pgid, signal.SIGTERM)
        else:
            server.proc.send_signal(signal.SIGTERM)
        left = before
        while left and time.monotonic() - started < GONE_WITHIN + 5:
            time.sleep(0.1)
            server.proc.poll()  # reap the main process: our child
            left = server.group()
        gone_after = time.monotonic() - started
        query.join(30)
        return {
            "port": server.port,
            "processes": len(before),
            "left": left,
            "gone_after": gone_after,
            "exit": server.proc.poll(),
        }
    finally:
        if server.group():
            server.kill()


def _assert_clean_end(store: Path, outcomes: list[dict]) -> None:
    for outcome in outcomes:
        assert outcome["processes"] >= 4, f"fewer processes than expected: {outcome}"
        assert not outcome["left"], f"processes outlived the shutdown: {outcome}"
        assert outcome["gone_after"] < GONE_WITHIN, f"the shutdown took too long: {outcome}"
        with socket.socket() as sock:  # nothing listens on the port any more
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is fine
            sock.bind(("127.0.0.1", outcome["port"]))
    generation = Path(os.path.realpath(store))
    with open(generation.parent / f".{generation.name}.lease", "a+b") as lease:
        fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody holds the store any more


def test_sigterm_to_the_group_ends_every_process(store):
    """Ten servers, each busy with a running query, get SIGTERM to their whole group."""
    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(lambda _: _round(store, whole_group=True), range(10)))
    _assert_clean_end(store, outcomes)


def test_sigterm_to_the_main_process_ends_every_process(store):
    """Three servers get SIGTERM to their main process only (what `kill PID` and most
    supervisors send)."""
    with ThreadPoolExecutor(3) as pool:
        outcomes = list(pool.map(lambda _: _round(store, whole_group=False), range(3)))
    _assert_clean_end(store, outcomes)
    assert all(outcome["exit"] == 0 for outcome in outcomes), outcomes


def test_an_idle_server_stops_promptly(store):
    """Nothing in flight (the query pool started by one query, then idle): SIGTERM ends the
    server well within Granian's grace period, without its web process having to be
    killed."""
    server = Server(store)
    try:
        assert server.get("/sparql?query=ASK%7B%7D") == 200
        time.sleep(0.5)
        started = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        while server.group() and time.monotonic() - started < GONE_WITHIN:
            time.sleep(0.1)
            server.proc.poll()
        took = time.monotonic() - started
    finally:
        if server.group():
            server.kill()
    log = server.log.read_text(errors="replace")
    assert "refused to gracefully stop" not in log, log[-1500:]
    assert took < 5.0, f"an idle server took {took:.1f} s to stop"
