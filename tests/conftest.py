"""Shared fixtures: the fixture repositories under tests/fixtures/ copied to a temp dir, the
built store, and the in-process app on both backends (issue 9).

``app``/``client`` are parametrised over the backend: ``embedded`` (the on-disk store) and
``remote`` (``KIGRAPH_BACKEND=sparql+http://…``, :class:`server.remote.RemoteStore`, against a
real ``oxigraph serve --union-default-graph`` started here with the curated graph pushed into
it), so every test that takes them runs twice: ``test_x[embedded]``, ``test_x[remote]``.
``KIGRAPH_TEST_BACKEND`` points the remote runs at a store you started instead (docs/backends.md,
"Backends").
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
#: the backends the in-process suite runs on (the ids of the parametrised tests)
BACKENDS = ("embedded", "remote")


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


PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response, status: int, parameter: str | None = None) -> dict:
    """An RFC 9457 problem document with ``status`` (naming ``parameter`` when given), never a
    traceback; returns the document."""
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == "application/problem+json"
    doc = json.loads(response.data)
    assert PROBLEM_KEYS <= set(doc)
    assert doc["status"] == status
    assert doc["type"].startswith("https://w3id.org/kigraph/problems/")
    assert "Traceback" not in response.get_data(as_text=True)
    if parameter is not None:
        assert f"'{parameter}'" in doc["detail"], doc
    return doc


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
    from server.build import build_store

    store_dir = tmp_path_factory.mktemp("built") / "var" / "store"
    build_store(REPO, store_dir)
    return store_dir


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the remote backend: real `oxigraph serve` processes -------------------------------------


def _oxigraph() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


class OxigraphServers:
    """Starts ``oxigraph serve --union-default-graph`` on free loopback ports; stops them all
    at the end of the session."""

    def __init__(self, tmp: pytest.TempPathFactory) -> None:
        self.tmp = tmp
        self.running: list[tuple[subprocess.Popen, object]] = []

    def start(self) -> str:
        """A fresh, empty store; its ``sparql+http://…/query`` backend setting."""
        binary = _oxigraph()
        if binary is None:
            pytest.skip("the `oxigraph` command is not installed (pip install oxigraph)")
        port = _free_port()
        location = self.tmp.mktemp("oxigraph")
        log = open(location.parent / f"oxigraph-{port}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [
                binary,
                "serve",
                "--location",
                str(location / "db"),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
                "--timeout-s",
                "20",
            ],
            stdout=log,
            stderr=log,
        )
        self.running.append((proc, log))
        url = f"http://127.0.0.1:{port}/query"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise RuntimeError(f"oxigraph serve did not start; see {log.name}") from None
                time.sleep(0.1)
        return "sparql+" + url

    def stop(self) -> None:
        for proc, log in self.running:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


@pytest.fixture(scope="session")
def oxigraph_servers(tmp_path_factory: pytest.TempPathFactory):
    servers = OxigraphServers(tmp_path_factory)
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def backend_url(oxigraph_servers: OxigraphServers) -> str:
    """``sparql+http://…/query`` of the remote store for the session: $KIGRAPH_TEST_BACKEND
    (e.g. a Virtuoso you started), else a fresh ``oxigraph serve`` (skipped if it is not
    installed). The curated graph is pushed into it by :func:`remote_store`."""
    return os.environ.get("KIGRAPH_TEST_BACKEND") or oxigraph_servers.start()


@pytest.fixture(scope="session")
def embedded_store(built_store: Path):
    """The built store, opened (a :class:`server.store.GraphStore`)."""
    from server.store import GraphStore

    return GraphStore.open(built_store)


@pytest.fixture(scope="session")
def remote_store(backend_url: str, embedded_store):
    """The remote store with the curated graph pushed into it (``kigraph load --push``)."""
    from server.remote import RemoteStore

    store = RemoteStore(backend_url, timeout=30)
    store.push(embedded_store)
    return store


@pytest.fixture(scope="session")
def scratch_backend(oxigraph_servers: OxigraphServers):
    """A second ``oxigraph serve`` for tests that write or bring their own data:
    ``scratch_backend(source)`` empties it, pushes ``source`` (a GraphStore) and returns its
    backend setting. Always an Oxigraph of ours — never $KIGRAPH_TEST_BACKEND, which it would
    wipe."""
    from server.remote import RemoteStore

    url: list[str] = []

    def fresh(source) -> str:
        if not url:
            url.append(oxigraph_servers.start())
        store = RemoteStore(url[0], timeout=30)
        store.update("DROP ALL")
        store.push(source)
        return url[0]

    return fresh


# --- the app on both backends ---------------------------------------------------------------


def backend_settings(backend: str, built_store: Path, backend_url: str | None = None, **overrides):
    """Settings of the real repository on ``backend`` (``embedded`` or ``remote``)."""
    from server.settings import load_settings

    # links point to the public root; the Flask test client is "http://localhost/"
    values = {"store": built_store, "root": REPO, "public_url": "http://localhost/", **overrides}
    if backend == "remote":
        values["backend"] = backend_url
    return load_settings(values, environ={})


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``embedded`` or ``remote``: the backend the test's ``app``/``client`` run on."""
    return request.param


@pytest.fixture
def make_app(backend: str, built_store: Path, request: pytest.FixtureRequest):
    """``make_app(**settings)``: ``create_app`` on this test's backend with some settings
    changed (``row_cap=3`` …); a remote app opens its store from the setting, as in production."""
    from server.app import create_app

    def make(**overrides):
        if backend == "embedded":
            return create_app(backend_settings("embedded", built_store, **overrides))
        request.getfixturevalue("remote_store")  # the curated graph is there
        url = request.getfixturevalue("backend_url")
        return create_app(backend_settings("remote", built_store, url, **overrides))

    return make


@pytest.fixture(scope="session")
def embedded_app(built_store: Path):
    """The real Flask app (``create_app``) on the real store, read-only, default settings."""
    from server.app import create_app

    return create_app(backend_settings("embedded", built_store))


@pytest.fixture(scope="session")
def remote_app(built_store: Path, backend_url: str, remote_store):
    """The real Flask app with ``KIGRAPH_BACKEND`` set to the remote store, default settings."""
    from server.app import create_app

    return create_app(backend_settings("remote", built_store, backend_url))


@pytest.fixture
def app(backend: str, request: pytest.FixtureRequest):
    """The real Flask app on this test's backend (one per backend for the session)."""
    return request.getfixturevalue(f"{backend}_app")


@pytest.fixture
def client(app):
    """A Flask test client of :func:`app`."""
    return app.test_client()


@pytest.fixture
def update_client(backend, built_store, tmp_path, request):
    """An app that takes updates with the token: on a copy of the store, or on a scratch
    ``oxigraph serve`` with the curated graph pushed (never the shared remote store)."""
    from server.app import create_app
    from server.settings import load_settings

    copy = tmp_path / "store"
    if backend == "remote":
        url = request.getfixturevalue("scratch_backend")(request.getfixturevalue("embedded_store"))
        values = {"store": copy, "backend": url}
    else:
        shutil.copytree(built_store.resolve(), copy)
        values = {"store": copy}
    settings = load_settings({**values, "update_token": "s3cret-token"}, environ={})
    return create_app(settings).test_client()


# --- a live server ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(built_store: Path):
    """``kigraph serve`` (Granian) in a subprocess on a free loopback port (2 query workers,
    2 s query timeout); yields its base URL, e.g. ``http://127.0.0.1:40123``."""
    yield from _serve(built_store, KIGRAPH_QUERY_WORKERS="2", KIGRAPH_QUERY_TIMEOUT="2")


@pytest.fixture
def fresh_live_server(built_store: Path):
    """A live server of its own (for tests that load it heavily or change its store)."""
    yield from _serve(built_store, KIGRAPH_QUERY_WORKERS="2", KIGRAPH_QUERY_TIMEOUT="2")


@pytest.fixture(scope="session")
def rate_limited_server(built_store: Path):
    """A live server with a rate limit of 2 requests/s per client; yields
    ``(base URL, access log path)``."""
    log_paths: list[Path] = []
    yield from (
        (base, log_paths[0])
        for base in _serve(built_store, log_paths=log_paths, KIGRAPH_RATE_LIMIT="2/second")
    )


def _serve(built_store: Path, *, warm: bool = True, log_paths: list | None = None, **settings: str):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIGRAPH_")}
    env.update(KIGRAPH_STORE=str(built_store), KIGRAPH_ROOT=str(REPO), KIGRAPH_PORT=str(port))
    env.update(settings)
    log = open(built_store.parent / f"live-server-{port}.log", "wb")  # noqa: SIM115
    if log_paths is not None:
        log_paths.append(Path(log.name))
    # a session of its own: its process group is the server's master, web and query workers,
    # so the teardown can check that none of them outlives the test
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.serving"],
        env=env,
        stdout=log,
        stderr=log,
        cwd=REPO,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if not warm:  # the port is open: the master listens (workers may still start)
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
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
    _assert_group_gone(proc.pid, log.name)


def _assert_group_gone(pgid: int, log_name: str, grace: float = 10.0) -> None:
    """Fail if any process of the server's group is still alive ``grace`` s after its master
    ended (killing them, so that one leak does not starve the rest of the run)."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)  # signal 0: is anyone left in the group?
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(pgid, signal.SIGKILL)
    raise AssertionError(f"server processes outlived their master by {grace} s; see {log_name}")


# --- test tiers ---------------------------------------------------------------------------------

#: modules that start servers, browsers or many processes: the full suite (CI) runs them and
#: the remote-backend repetitions; ``pytest -m "not slow"`` (development) leaves them out
SLOW_MODULES = {
    "test_attack_crash",
    "test_attack_generations",
    "test_attack_http",
    "test_attack_memory",
    "test_attack_poisoning",
    "test_attack_shutdown",
    "test_attack_slow_clients",
    "test_attack_ssrf",
    "test_faults",
    "test_fuzz",
    "test_http_live",
    "test_schemathesis",
    "test_ui_browser",
}
LIVE_FIXTURES = {"live_server", "fresh_live_server", "rate_limited_server"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts servers, browsers or long runs (CI only)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        live = LIVE_FIXTURES & set(getattr(item, "fixturenames", ()))
        # the remote backend repeats every in-process test against oxigraph serve
        remote = "remote" in getattr(getattr(item, "callspec", None), "params", {}).values()
        if module in SLOW_MODULES or live or remote:
            item.add_marker(pytest.mark.slow)
