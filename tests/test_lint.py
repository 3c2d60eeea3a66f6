"""The code style the team agreed on (style.md): ruff check (complexity included) and ruff
format hold everywhere; mypy finds no type error in the package."""

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


def test_mypy_finds_no_type_error_in_the_package():
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-color-output"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no issues found" in run.stdout


def test_no_file_holds_a_merge_conflicts_markers():
    """A merge resolved by hand leaves no "<<<<<<< " or ">>>>>>> " line behind (one sat in
    docs/architecture.md for days): every file git tracks is read, whatever its kind."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    found = []
    for name in filter(None, files):
        path = ROOT / name.decode()
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_bytes().splitlines(), 1):
            if line.startswith((b"<<<<<<< ", b">>>>>>> ")):
                found.append(f"{name.decode()}:{number}")
    assert found == []
