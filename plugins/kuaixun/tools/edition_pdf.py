"""An issue's printable edition (issues/N/print/) as an A4 PDF, printed by Chromium itself.

Chromium's own print-to-PDF honours edition.css (@page size A4, columns, break rules), so
the PDF is exactly what an editor gets with Ctrl+P in the browser. No server is needed:
the built pages link relatively, so a file:// URL loads the page and its stylesheet.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from kuaixun.core.issues import DEFAULT_SETTINGS
from kuaixun.tools.chromium import CHROMIUM, CHROMIUM_ARGS

CHROMIUM_FLAGS = (*CHROMIUM_ARGS, "--no-pdf-header-footer")


class PrintError(Exception):
    """Printing failed; the message says why in Chinese and English."""


def edition_page(
    output: Path, number: int, save_as: str = DEFAULT_SETTINGS["ISSUE_PRINT_SAVE_AS"]
) -> Path:
    return output / save_as.format(number=number)


def print_to_pdf(page: Path, pdf: Path, chromium: str = CHROMIUM, timeout: int = 120) -> Path:
    """Print one built HTML page to `pdf` with Chromium; return the PDF's path."""
    if not page.is_file():
        raise PrintError(
            f"找不到打印版 {page} (no print view): 这一期没有定义或还没有文章 — "
            "检查 content/issues/ 和文章的 Issue: 行，再运行 make html"
        )
    if not Path(chromium).exists():
        raise PrintError(
            f"找不到 Chromium: {chromium} (Chromium missing) — apt-get install chromium"
        )
    pdf.parent.mkdir(parents=True, exist_ok=True)
    # A private profile folder, so a running browser of the editor's is never disturbed.
    with tempfile.TemporaryDirectory(prefix="bulletin-chromium-") as profile:
        result = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--print-to-pdf={pdf}",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if result.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        raise PrintError(
            f"Chromium 没有写出 PDF (Chromium wrote no PDF): {result.stderr.strip()[-500:]}"
        )
    return pdf
