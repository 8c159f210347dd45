"""Shared fixtures: the fixture repositories under tests/fixtures/ copied to a temp dir."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture
def clean_repo(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/clean (a tiny ontology, shapes, data, one query)."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "clean", root)
    return root


@pytest.fixture
def kigraph():
    """The ``kigraph`` command as a function: ``kigraph("validate", "--root", dir)``."""
    return run_kigraph


def run_kigraph(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess (``python -m server``)."""
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real repository built once into ``<tmp>/var/store`` (read it; copy it to change it)."""
    from server.store import build_store

    store_dir = tmp_path_factory.mktemp("built") / "var" / "store"
    build_store(REPO, store_dir)
    return store_dir


# --- HTTP fixtures (issue 4): the real app on the real store, and a live server --------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def app(built_store: Path):
    """The real Flask app (``create_app``) on the real store, read-only, default settings."""
    from server.app import create_app
    from server.settings import load_settings

    return create_app(load_settings({"store": built_store, "root": REPO}, environ={}))


@pytest.fixture
def client(app):
    """A Flask test client of :func:`app`."""
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(built_store: Path):
    """``run_server`` in a subprocess on a free loopback port (2 workers, 2 s query timeout);
    yields its base URL, e.g. ``http://127.0.0.1:40123``."""
    import os
    import time
    import urllib.request

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIGRAPH_")}
    env.update(
        KIGRAPH_STORE=str(built_store),
        KIGRAPH_ROOT=str(REPO),
        KIGRAPH_PORT=str(port),
        KIGRAPH_WORKERS="2",
        KIGRAPH_QUERY_TIMEOUT="2",
    )
    log = open(built_store.parent / f"live-server-{port}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.serving"], env=env, stdout=log, stderr=log, cwd=REPO
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"live server did not start; see {log.name}")
        time.sleep(0.1)
    yield base
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()
