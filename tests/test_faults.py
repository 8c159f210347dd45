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

import pytest

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
    env.update(KIGRAPH_QUERY_WORKERS="2", KIGRAPH_QUERY_TIMEOUT="5")
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


def _load(store: Path, extra: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "server", "load", "--root", str(REPO), "--store", str(store)]
        + ["--add", str(extra), "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("KIGRAPH_")},
    )


def _content(store: Path) -> tuple[str, int, tuple[str, ...]]:
    opened = GraphStore.open(store)
    try:
        return opened.data_version, len(opened), tuple(sorted(opened.graphs()))
    finally:
        del opened


def test_loads_killed_at_random_points_leave_the_old_or_the_new_store(built_store, tmp_path):
    """Ten ``kigraph load`` runs, each ``kill -9``-ed at a random moment between start-up and
    the end of a normal run: afterwards the store is exactly the old one or exactly the new
    one — never a mix, never unopenable — and the next load succeeds."""
    import random

    extra = tmp_path / "extra.nt"
    with extra.open("w") as out:
        for i in range(20_000):
            out.write(f'<http://example.org/s{i}> <http://example.org/p> "value {i}" .\n')
    pristine = tmp_path / "pristine"
    shutil.copytree(built_store.parent, pristine, symlinks=True)
    old = _content(pristine / built_store.name)

    reference = tmp_path / "reference"  # an uninterrupted run: what "new" looks like
    shutil.copytree(pristine, reference, symlinks=True)
    started = time.monotonic()
    assert _load(reference / built_store.name, extra).wait(120) == 0
    duration = time.monotonic() - started
    new = _content(reference / built_store.name)
    assert new != old

    rng = random.Random(20261129)
    outcomes = []
    for trial in range(10):
        var = tmp_path / f"trial-{trial}"
        shutil.copytree(pristine, var, symlinks=True)
        store = var / built_store.name
        load = _load(store, extra)
        time.sleep(rng.uniform(0.0, duration))
        load.kill()
        load.wait(30)
        state = _content(store)
        assert state in (old, new), f"trial {trial}: a store that is neither old nor new"
        outcomes.append("new" if state == new else "old")
        if trial < 9:
            shutil.rmtree(var)
    again = _load(store, extra)  # after the last kill: the next load cleans up and completes
    assert again.wait(120) == 0, "the load after the kill failed"
    assert _content(store) == new
    assert not [p.name for p in var.iterdir() if ".tmp-" in p.name]
    print("outcomes of the killed loads:", outcomes)


def _unprivileged() -> list[str]:
    """A command prefix running the child as a user who may read the store but not write it:
    as root, ``setpriv`` to 'nobody' (root may write anywhere); otherwise the modes suffice."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv (util-linux) to drop privileges")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_read_only_store_is_read_and_a_load_into_it_fails_cleanly(built_store):
    """Serving needs only read access; a load into a directory it cannot write to stops with
    one clear line and leaves the store as it was."""
    import tempfile

    var = Path(tempfile.mkdtemp(prefix="kigraph-ro-"))  # /tmp/…: reachable for 'nobody'
    try:
        shutil.copytree(built_store.parent, var / "var", symlinks=True)
        store = var / "var" / built_store.name
        for path in [var, *var.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o555 if path.is_dir() else 0o444)
        before = _content(store)
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIGRAPH_")}
        command = [*_unprivileged(), sys.executable, "-m", "server"]
        info = subprocess.run(
            [*command, "info", "--store", str(store)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=REPO,
        )
        assert info.returncode == 0, info.stderr
        assert before[0] in info.stdout  # the data version
        load = subprocess.run(
            [*command, "load", "--root", str(REPO), "--store", str(store), "--no-progress"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=REPO,
        )
        assert load.returncode != 0
        assert "Traceback" not in load.stderr, load.stderr[-3000:]
        message = load.stderr.strip().splitlines()[-1]
        assert str(store.parent) in message and "Permission denied" in message, message
        assert _content(store) == before
    finally:
        for path in [var, *var.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(var)


def test_graceful_shutdown_ends_every_process_cleanly(built_store, tmp_path) -> None:
    """SIGTERM to the server: the workers finish and exit without crashing (RocksDB's threads
    once made every worker segfault on its way out), and the server exits 0."""
    var = tmp_path / "var"
    shutil.copytree(built_store.parent, var, symlinks=True)
    port, log = _port(), tmp_path / "serve.log"
    proc = _serve(var / built_store.name, port, log)
    for path in ("/doc/org/dfki", "/queries/cooperations", "/sparql?query=ASK%7B%7D"):
        urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).read()
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    text = log.read_text(errors="replace")
    assert "Segmentation Fault" not in text, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
