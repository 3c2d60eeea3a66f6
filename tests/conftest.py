"""Shared fixtures: real builds (in a subprocess, as users run them), a static server, Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from kuaixun.testing.builds import ROOT, Build, copy_content, run_build  # noqa: F401 (fixtures' API)
from kuaixun.testing.servers import static_servers
from kuaixun.tools.chromium import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    """The real content/ built once per test process with the development settings."""
    out = tmp_path_factory.mktemp("real") / "output"
    build = run_build(out)
    assert build.returncode == 0, build.stderr
    return out


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
