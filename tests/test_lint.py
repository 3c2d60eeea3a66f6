"""The code style the team agreed on (style.md): ruff check and ruff format hold everywhere."""

import subprocess
import sys

from kuaixun.testing.builds import ROOT


def test_ruff_check_is_clean():
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_format_is_clean():
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
