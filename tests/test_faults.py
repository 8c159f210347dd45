"""Faults: ``kill -9`` of a serving process mid-load, a disk that fills up during ``kigraph load``.

(``kill -9`` of ``kigraph load`` itself, a missing, corrupt or locked store are covered in
``test_cli.py`` and ``test_store.py``.)
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from server.store import GraphStore

REPO = Path(__file__).resolve().parent.parent
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(store: Path, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIGRAPH_")}
    env.update(KIGRAPH_STORE=str(store), KIGRAPH_ROOT=str(REPO), KIGRAPH_PORT=str(port))
    env.update(KIGRAPH_WORKERS="2", KIGRAPH_QUERY_TIMEOUT="5")
    with log.open("ab") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", "serve"],
            env=env,
            stdout=sink,
            stderr=sink,
            cwd=REPO,
            start_new_session=True,  # its own process group: kill -9 takes master and workers
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError(log.read_text()[-2000:])


def _state(port: int) -> tuple[str, str]:
    base = f"http://127.0.0.1:{port}"
    with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
        version = json.load(r)["data_version"]
    url = base + "/sparql?" + urllib.parse.urlencode({"query": COUNT})
    with urllib.request.urlopen(url, timeout=5) as r:
        count = json.load(r)["results"]["bindings"][0]["n"]["value"]
    return version, count


def test_kill_9_mid_load_then_restart_serves_the_same_data(built_store, tmp_path) -> None:
    var = tmp_path / "var"
    shutil.copytree(built_store.parent, var, symlinks=True)
    store, port, log = var / built_store.name, _port(), tmp_path / "serve.log"
    proc = _serve(store, port, log)
    before = _state(port)
    stop = threading.Event()
    errors: list[BaseException] = []

    def hammer() -> None:  # keep requests in flight while the server dies
        url = f"http://127.0.0.1:{port}/queries/cooperations"
        for _ in range(10_000):
            if stop.is_set():
                return
            try:
                urllib.request.urlopen(url, timeout=5).read()
            except OSError as error:
                errors.append(error)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    stop.set()
    for t in threads:
        t.join(10)
    proc = _serve(store, port, log)  # same port, same store
    try:
        assert _state(port) == before
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _limit_file_size() -> None:  # in the child: files may not grow past 256 KiB
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))


def test_disk_full_during_load_fails_cleanly_and_keeps_the_old_store(built_store, tmp_path):
    """A full disk, simulated by RLIMIT_FSIZE (no tmpfs needed): the load fails with a clear
    message, no traceback, and the old store still opens with the same content."""
    var = tmp_path / "var"
    shutil.copytree(built_store.parent, var, symlinks=True)
    store = var / built_store.name
    old = GraphStore.open(store)
    version, size = old.data_version, len(old)
    del old
    done = subprocess.run(
        [sys.executable, "-m", "server", "load", "--root", str(REPO), "--store", str(store)]
        + ["--no-progress"],
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=_limit_file_size,
        env={k: v for k, v in os.environ.items() if not k.startswith("KIGRAPH_")},
    )
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert "the load failed" in done.stderr and "is unchanged" in done.stderr, done.stderr
    again = GraphStore.open(store)
    assert (again.data_version, len(again)) == (version, size)
    leftovers = [p.name for p in var.iterdir() if ".tmp-" in p.name]
    assert leftovers == []
