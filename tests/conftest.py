"""Shared fixtures: real builds (in a subprocess, as users run them), a static server, Chromium."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

from bulletin.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


@dataclass
class Build:
    returncode: int
    stdout: str
    stderr: str
    output: Path

    @property
    def problems(self) -> list[str]:
        lines = self.stderr.splitlines()
        return [line for line in lines if ": " in line and not line.startswith("构建失败")]


def run_build(
    output: Path,
    content: Path | None = None,
    settings: str = "pelicanconf.py",
    env: dict | None = None,
    **overrides,
) -> Build:
    """Build like `invoke html` does, in a fresh process, into `output`."""
    overrides["OUTPUT_PATH"] = str(output)
    overrides.setdefault("CACHE_PATH", str(output.parent / "pelican-cache"))
    overrides.setdefault("SEARCH_CACHE_PATH", str(output.parent / "search-cache"))
    overrides.setdefault("PHOTOS_CACHE_PATH", str(output.parent / "photos-cache"))
    if content is not None:
        overrides["PATH"] = str(content)
    proc = subprocess.run(
        [sys.executable, "-m", "bulletin.build", str(ROOT / settings), json.dumps(overrides)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "plugins"), **(env or {})},
        timeout=600,
    )
    return Build(proc.returncode, proc.stdout, proc.stderr, output)


def copy_content(dest: Path, source: Path = ROOT / "content") -> Path:
    """A writable copy of a content folder, for tests that add broken files to it."""
    shutil.copytree(source, dest)
    return dest


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    """The real content/ built once per test process with the development settings."""
    out = tmp_path_factory.mktemp("real") / "output"
    build = run_build(out)
    assert build.returncode == 0, build.stderr
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def static_servers(handler_class=None):
    """A generator for fixtures: yields start(folder) -> base URL of a threaded static server
    on 127.0.0.1 (handler_class may add headers), and shuts every server down afterwards."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(handler_class or _QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def serve():
    """serve(folder) -> base URL of a static server on 127.0.0.1 for that folder."""
    yield from static_servers()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by playwright (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install chromium (the .ci/run script does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
