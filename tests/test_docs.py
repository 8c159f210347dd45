"""Every command the README and docs/ show works as written.

Each line of a ```sh block in README.md and docs/*.md is run in the order the documents give
it: ``kigraph`` commands in a scratch directory that looks like a checkout after the quick start
(``.venv``, ``var/store``, and the files the examples name, such as ``my.rq``), ``curl`` against
a live server, ``kigraph serve`` until it answers ``/healthz``, ``export`` lines as the
environment of the block's later lines. Only what cannot be the same on a test machine is
rewritten, each in :data:`REWRITES` (the port, the remote store's address, the fuzz run's
length); ``curl`` gets ``-fsS`` so that an HTTP error fails. The two quick-start commands are
what CI itself runs (``.ci/run``; ``tests/test_readme.py``), so they are not run again here, and
a documented ``pytest`` selection is collected, not run (the suite cannot run itself).
"""

from __future__ import annotations

import gzip
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import _free_port

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
QUICK_START = ("python3 -m venv .venv",)

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Command:
    document: str
    line: int
    text: str
    #: ``export NAME=VALUE`` lines earlier in the same block
    exports: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.document}:{self.line}"


def documented_commands() -> list[Command]:
    commands = []
    for path in DOCUMENTS:
        lines = path.read_text(encoding="utf-8").splitlines()
        in_block, exports, pending, start = False, [], "", 0
        for number, line in enumerate(lines, start=1):
            if line.startswith("```"):
                in_block = line.strip() == "```sh" and not in_block
                exports = []
                continue
            if not in_block or not line.strip() or line.lstrip().startswith("#"):
                continue
            start = start or number
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            text, pending = (pending + line).strip(), ""
            text = re.sub(r"\s+#\s.*$", "", text)  # a trailing comment
            where = path.relative_to(REPO).as_posix()
            if text.startswith("export "):
                exports.append(text)
            elif not text.startswith(QUICK_START):
                commands.append(Command(where, start, text, tuple(exports)))
            start = 0
    return commands


COMMANDS = documented_commands()


def test_the_documents_show_commands() -> None:
    """A parser that finds nothing would make every test below vanish."""
    shown = {c.document for c in COMMANDS}
    assert {"README.md", "docs/cli.md", "docs/http-api.md", "docs/deployment.md"} <= shown
    assert sum("kigraph serve" in c.text for c in COMMANDS) >= 3


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, built_store: Path) -> Path:
    """A checkout after the quick start: the venv, a built store, and the user's files the
    examples name."""
    work = tmp_path_factory.mktemp("docs")
    (work / ".venv").symlink_to(Path(sys.executable).parent.parent)
    shutil.copytree(built_store.parent, work / "var", symlinks=True)
    (work / "my.rq").write_text("SELECT ?s WHERE { ?s a kg:Cooperation }\n")
    (work / "my-graph.ttl").write_text("<http://example.org/a> <http://example.org/p> 1 .\n")
    (work / "other.nq").write_text(
        '<http://example.org/b> <http://example.org/p> "2" <http://example.org/g> .\n'
    )
    with gzip.open(work / "big-dump.nt.gz", "wt") as dump:
        dump.write('<http://example.org/c> <http://example.org/p> "3" .\n')
    return work


@pytest.fixture(scope="module")
def rewrites(live_server: str, oxigraph_servers) -> dict[str, str]:
    """What differs on a test machine: where things listen, and how long the fuzz run is."""
    return {
        "http://127.0.0.1:8000": live_server,
        "sparql+http://db:7878/query": oxigraph_servers.start(),
        "KIGRAPH_FUZZ_EXAMPLES=10000": "KIGRAPH_FUZZ_EXAMPLES=5",
    }


@pytest.mark.parametrize("command", COMMANDS, ids=[c.id for c in COMMANDS])
def test_documented_command_works(
    command: Command, workdir: Path, rewrites: dict[str, str]
) -> None:
    script = "\n".join((*command.exports, command.text))
    for documented, here in rewrites.items():
        script = script.replace(documented, here)
    script = re.sub(r"(^|\n)curl ", r"\1curl -fsS ", script)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIGRAPH_")}
    env["KIGRAPH_STORE"] = str(workdir / "var" / "store")
    env["KIGRAPH_ROOT"] = str(REPO)
    if "kigraph serve" in script:
        _serve(script, workdir, env)
        return
    cwd = workdir
    if ".venv/bin/pytest" in script:
        # the test suite cannot run itself: its selection is collected (it must find tests),
        # in the checkout; CI runs the suite itself
        script, cwd = script.replace(".venv/bin/pytest", ".venv/bin/pytest --collect-only -q"), REPO
    result = subprocess.run(
        ["bash", "-c", "set -e -o pipefail\n" + script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{command.id}: {command.text}\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr


def _serve(script: str, workdir: Path, env: dict[str, str]) -> None:
    """Start a documented ``kigraph serve``, wait until it answers, stop it as systemd would."""
    port = str(_free_port())
    script = script.replace("--port 8000", "--port " + port)
    env["KIGRAPH_PORT"] = port
    proc = subprocess.Popen(
        ["bash", "-c", script],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read().decode() if proc.poll() is not None else ""
                    pytest.fail(f"{shlex.quote(script)} did not start:\n{output[-3000:]}")
                time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = proc.stdout.read().decode()
    assert f"http://127.0.0.1:{port}/" in output, output[-2000:]
    assert "Traceback" not in output
