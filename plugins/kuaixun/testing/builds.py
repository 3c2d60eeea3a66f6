"""Real builds for tests: the same strict build `invoke html` runs, in a fresh process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from kuaixun.core.search.tail import wait_for_saved

ROOT = Path(__file__).resolve().parents[3]  # the repository (the package is installed editable)


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
    kill_at: str = "",
    waiter_report: Path | None = None,
    indexing: str = "runs",
    wait_for_cache: bool = True,
    **overrides,
) -> Build:
    """Build like `invoke html` does, in a fresh process, into `output`. With
    `waiter_report`, the build's waiter writes that report (kuaixun.testing.waiter_probe;
    `indexing`: "runs" or "killed"). `wait_for_cache`: return only once nothing the build
    left behind holds the search cache (`wait_for_saved`)."""
    overrides["OUTPUT_PATH"] = str(output)
    overrides.setdefault("CACHE_PATH", str(output.parent / "pelican-cache"))
    overrides.setdefault("SEARCH_CACHE_PATH", str(output.parent / "search-cache"))
    overrides.setdefault("PHOTOS_CACHE_PATH", str(output.parent / "photos-cache"))
    if content is not None:
        overrides["PATH"] = str(content)
    command = [sys.executable, "-m", "kuaixun.tools.build", str(ROOT / settings)]
    if kill_at:  # a build killed with SIGKILL at a point of kuaixun.testing.killer
        command[2:3] = ["kuaixun.testing.killer", kill_at]
    if waiter_report is not None:
        command[2:3] = ["kuaixun.testing.waiter_probe", str(waiter_report), indexing]
    proc = subprocess.run(
        [*command, json.dumps(overrides)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )
    # The build ends once the index is published; what the next build reads may still be
    # being saved (core/search/tail.save_detached). Tests read that cache too.
    if wait_for_cache:
        wait_for_saved(Path(overrides["SEARCH_CACHE_PATH"]))
    return Build(proc.returncode, proc.stdout, proc.stderr, output)


def copy_content(dest: Path, source: Path = ROOT / "content") -> Path:
    """A writable copy of a content folder, for tests that add broken files to it."""
    shutil.copytree(source, dest)
    return dest


def built_files(site: Path, pattern: str, at_least: int = 1) -> list[Path]:
    """The files of a built site that match a glob, sorted; fails when fewer than `at_least`
    match, so a test looping over them cannot pass by checking nothing (a URL pattern that
    changed, an empty build)."""
    found = sorted(site.glob(pattern))
    assert len(found) >= at_least, f"{site}: {len(found)} files match {pattern}, want {at_least}+"
    return found
