"""`make pdf` prints the production address on the edition, and refuses a local one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kuaixun.testing.builds import ROOT
from kuaixun.tools.edition_pdf import PrintError, edition_address

ADDRESS = "https://news.example.org/kuaixun"


def make_pdf(folder, siteurl: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SITEURL": siteurl}
    return subprocess.run(
        [sys.executable, "-m", "invoke", "pdf", "--issue", "47", "--folder", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_the_printed_edition_carries_the_production_address_and_no_local_one(tmp_path):
    made = make_pdf(tmp_path, ADDRESS + "/")
    assert made.returncode == 0, made.stderr
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "社区快讯第47期.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"{ADDRESS}/issues/47/" in "".join(text.split())
    assert "127.0.0.1" not in text and "localhost" not in text


@pytest.mark.parametrize("local", ["http://127.0.0.1:8000", "http://localhost:8000/bulletin"])
def test_make_pdf_refuses_to_print_a_local_address(tmp_path, local):
    made = make_pdf(tmp_path, local)
    assert made.returncode != 0
    assert "是本机的预览地址，读者打不开，不能印在快讯上" in made.stderr
    assert not list(tmp_path.glob("*.pdf"))


@pytest.mark.parametrize("unset", ["", "https://example.github.io/bulletin"])
def test_without_a_real_address_there_is_nothing_to_print(unset):
    with pytest.raises(PrintError, match="SITEURL="):
        edition_address(unset, "https://example.github.io/bulletin")
