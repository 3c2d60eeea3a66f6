"""An issue's printable edition (issues/N/print/) as an A4 PDF, printed by Chromium itself.

Chromium's own print-to-PDF honours edition.css (@page size A4, columns, break rules), so
the PDF is exactly what an editor gets with Ctrl+P in the browser. No server is needed:
the built pages link relatively, so a file:// URL loads the page and its stylesheet.

The edition prints the site's address (网络版 https://…/issues/48/) for readers to type in:
it must be the production address, never the preview's 127.0.0.1 (`edition_address`).
"""

from __future__ import annotations

import ipaddress
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from kuaixun.core.issues import DEFAULT_SETTINGS
from kuaixun.tools.chromium import CHROMIUM, CHROMIUM_ARGS

CHROMIUM_FLAGS = (*CHROMIUM_ARGS, "--no-pdf-header-footer")


class PrintError(Exception):
    """Printing failed; the message says why in Chinese and English."""


def edition_address(siteurl: str | None, placeholder: str = "") -> str:
    """The production address to print, from SITEURL (the environment, else publishconf.py);
    PrintError for none, the placeholder, or an address only this computer can open."""
    url = (siteurl or "").strip().rstrip("/")
    how = (
        "运行 SITEURL=https://网站地址 make pdf ISSUE=期号，或在 publishconf.py 里把 "
        "PLACEHOLDER_SITEURL 改成网站的地址 (set SITEURL to the published address)"
    )
    if not url or url == placeholder.rstrip("/"):
        raise PrintError(f"不知道网站发布在哪个地址，打印版上的网址会是错的 — {how}")
    if _is_local(urlsplit(url).hostname or ""):
        raise PrintError(
            f"{url} 是本机的预览地址，读者打不开，不能印在快讯上 (a local address) — {how}"
        )
    return url


def _is_local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost") or not host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


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
