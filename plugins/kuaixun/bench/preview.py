"""make livereload at the archive's size: from a save to the browser showing it.

The preview runs as an editor starts it (`invoke livereload`) on the benchmark's site. Once its
first build is written (search export included: an editor saves into a settled preview; its
search cache is a copy of the bench's build with search, as an editor's is warm), three
saves are timed, each until Chromium shows it: a sentence appended to an article, on that
article's page; a new article, on the home page; the same article deleted, gone from the home
page. The headline is the slowest of the three.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from kuaixun.bench import sites
from kuaixun.testing.builds import ROOT

START_SECONDS = 900  # the first build, a cold one (and its search export)
SAVE_SECONDS = 600


def livereload_figures(work: Path, article: sites.Article, browser) -> dict:
    from pelican.settings import read_settings

    category = read_settings(str(sites.SETTINGS))["CATEGORIES"][0]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = work / "livereload" / "output"
    _seed_search_cache(work)
    command = [sys.executable, "-m", "invoke", "--search-root", str(ROOT), "livereload"]
    command += ["--port", str(port), "--content", str(work / "content"), "--output", str(target)]
    preview = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        page = browser.new_context().new_page()
        if not _started(page, f"{base}/{article.url}", preview) or not _settled(base):
            return {"seconds": None, "error": "the preview did not start"}
        figures = _three_saves(base, page, browser, work / "content", article, category)
        page.context.close()
        return {
            "seconds": max(
                figures["edit_s"], figures["new_article_s"], figures["deleted_article_s"]
            ),
            **figures,
        }
    finally:
        preview.terminate()
        preview.wait(timeout=60)


def _seed_search_cache(work: Path) -> None:
    """Start the preview as an editor does who has built the site before: with the search
    cache of the bench's build with search (copied, as the preview updates its own in place).
    The first build is not timed; this only spares the run a second cold search export."""
    import shutil

    built, preview = work / "search" / "search-cache", work / "livereload" / "search-cache"
    shutil.rmtree(preview, ignore_errors=True)
    if built.is_dir():
        shutil.copytree(built, preview)


def _three_saves(base: str, page, browser, content: Path, article, category: str) -> dict:
    marker = f"（预览计时 {time.time_ns()}）"

    def append() -> None:
        with article.path.open("a", encoding="utf-8") as stream:
            stream.write(f"\n{marker}\n")

    # The page as reloaded: a body that says it (or, complete, no longer says it).
    shown = "t => document.body && document.body.textContent.includes(t)"
    gone = "t => document.readyState === 'complete' && !document.body.textContent.includes(t)"
    figures: dict = {"load_averages": []}
    figures["edit_s"] = _timed(page, append, shown, marker)
    figures["load_averages"].append(_load())
    _settled(base)

    home = browser.new_context().new_page()
    home.goto(f"{base}/")
    home.wait_for_function("() => window.kuaixunPreview !== undefined")
    title = f"预览计时新文章{time.time_ns()}"
    new = content / "articles" / "bench-preview.md"
    text = f"Title: {title}\nDate: 2026-01-01 10:00\nCategory: {category}\n\n计时用的新文章。\n"
    figures["new_article_s"] = _timed(home, lambda: new.write_text(text, "utf-8"), shown, title)
    figures["load_averages"].append(_load())
    _settled(base)
    figures["deleted_article_s"] = _timed(home, new.unlink, gone, title)
    figures["load_averages"].append(_load())
    home.context.close()
    return figures


def _timed(page, save: Callable[[], object], shown: str, arg: str) -> float:
    """From the save to the page showing it (the preview reloads the page by itself)."""
    page.wait_for_function("() => window.kuaixunPreview !== undefined")
    started = time.perf_counter()
    save()
    page.wait_for_function(shown, arg=arg, timeout=SAVE_SECONDS * 1000)
    return round(time.perf_counter() - started, 2)


def _started(page, url: str, preview: subprocess.Popen) -> bool:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and preview.poll() is None:
        try:
            page.goto(url, timeout=5000)
            return True
        except Exception:
            time.sleep(1)
    return False


def _settled(base: str) -> bool:
    """Until the preview's writer has written every page and the search export."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/_preview/status.json", timeout=60) as response:
            if not json.load(response)["writing"]:
                return True
        time.sleep(0.5)
    return False


def _load() -> float:
    return round(os.getloadavg()[0], 2)
