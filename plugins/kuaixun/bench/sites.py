"""Bench sites: a copy of content/ with N corpus articles, built bare and with search, timed.

Builds run one at a time in a child process exactly as `invoke html` runs them
(`python -m bulletin.build`), so wall time and the child's peak memory are what a user sees.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from kuaixun.tools.importer import (
    ImportedArticle,
    ImportResult,
    import_records,
    read_lines,
    write_articles,
)

ROOT = Path(__file__).resolve().parents[3]  # the repository (an editable install)
SETTINGS = ROOT / "pelicanconf.py"
CORPUS = ROOT.parent / "shared" / "corpus" / "inews.jsonl.gz"
# The sentence appended to one article to measure a rebuild with warm caches.
EDIT = "\n（本报编辑部补记：本文已于今日更新。）\n"


@dataclass(frozen=True)
class Article:
    """An imported article as the benchmark sees it: where it lives and what it says."""

    url: str
    path: Path
    title: str
    text: str


@dataclass(frozen=True)
class Timing:
    seconds: float
    cpu_seconds: float
    load_average: float
    peak_rss_bytes: int
    returncode: int
    stderr: str
    # The largest sum of memory over the command and all its child processes at one moment
    # (proportional set size, so pages a forked indexer shares with its parent count once;
    # sampled every 0.1 s from /proc, and never below the largest single process): a build
    # that indexes in a second process holds both at once, which peak_rss_bytes hides.
    peak_rss_sum_bytes: int = 0


def derived_corpus(content: Path, target: Path) -> Path:
    """No corpus file: the site's own articles as JSON lines (title and body text)."""
    from lxml import html
    from pelican.readers import MarkdownReader
    from pelican.settings import read_settings

    reader = MarkdownReader(read_settings(str(SETTINGS)))
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as sink:
        for number, path in enumerate(sorted((content / "articles").rglob("*.md"))):
            body, meta = reader.read(str(path))
            paragraphs = [
                p.text_content() for p in html.fragments_fromstring(body) if not isinstance(p, str)
            ]
            record = {
                "id": f"content-{number}",
                "title": str(meta["title"]),
                "text": "\n".join(paragraphs),
            }
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    return target


def import_corpus(records: Path, categories: list[str]) -> tuple[int, ImportResult]:
    """(records read, the import) for the whole corpus: slugs are unique over all of it, so
    the smaller site's articles are exactly the first of the larger's."""
    return sum(1 for _ in read_lines(records)), import_records(records, categories)


def prepare_content(imported: list[ImportedArticle], folder: Path) -> list[Article]:
    """A copy of content/ (its own articles and issues included) plus `imported`."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "content", folder)
    dest = folder / "articles" / "imported"
    write_articles(imported, dest)
    return [article_of(a, dest) for a in imported]


def article_of(imported: ImportedArticle, dest: Path) -> Article:
    head, body = imported.markdown.split("\n\n", 1)
    meta = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
    return Article(
        url=imported.relpath.removesuffix(".md") + "/",
        path=dest / imported.relpath,
        title=meta["Title"],
        # The importer escapes Markdown; the benchmark needs the text a reader sees.
        text=_unescape(body),
    )


def _unescape(markdown: str) -> str:
    import html
    import re

    text = re.sub(r"\\(.)", r"\1", markdown)
    return html.unescape(text).strip()


def build(
    content: Path,
    work: Path,
    *,
    search: bool,
    fresh: bool,
    settings: dict | None = None,
    sample_memory: bool = True,
) -> Timing:
    """One build of `content` into work/output with caches in work/; timed in a child process.
    `settings` overrides pelicanconf.py further (the site's own settings otherwise);
    `sample_memory`: see `timed`."""
    if fresh:
        # .output.folders: the empty folders a build keeps for the next (tools/build.py)
        for name in ("output", ".output.folders", "pelican-cache", "search-cache"):
            discard(work / name)
    work.mkdir(parents=True, exist_ok=True)
    from pelican.settings import read_settings

    plugins = read_settings(str(SETTINGS))["PLUGINS"]
    overrides = {
        "PATH": str(content),
        "OUTPUT_PATH": str(work / "output"),
        "CACHE_PATH": str(work / "pelican-cache"),
        "SEARCH_CACHE_PATH": str(work / "search-cache"),
        "PLUGINS": plugins if search else [p for p in plugins if p != "kuaixun.hooks.search"],
        **(settings or {}),
    }
    command = [sys.executable, "-m", "kuaixun.tools.build", str(SETTINGS), json.dumps(overrides)]
    return timed(command, cwd=ROOT, sample_memory=sample_memory)


# Where `discard` moves a fresh build's old folders, beside its work folder.
TRASH = ".trash"


def discard(path: Path) -> None:
    """Move `path` out of the way, into the trash folder beside it, for `empty_trash` to
    delete when nothing is timed. Deleted just before a cold build, the last build's
    ≈ 10,000 files made the kernel (ext4) pass over their inodes, freed seconds before, as
    the new build created its own: Pelican's writing took 9.7–12.8 s instead of 6.3–6.9 s
    at 7,183 articles, in either build, by chance of what was freed when (docs/search.md,
    "Cold build", thirteenth look)."""
    if path.exists():
        trash = path.parent / TRASH
        trash.mkdir(exist_ok=True)
        path.rename(trash / f"{path.name}.{time.time_ns()}")


def empty_trash(root: Path) -> None:
    """Delete what `discard` moved aside under `root`, down to its work folders' folders
    (the bench's WORK/<articles>/<build>)."""
    for trash in [*root.glob(TRASH), *root.glob(f"*/{TRASH}"), *root.glob(f"*/*/{TRASH}")]:
        shutil.rmtree(trash, ignore_errors=True)


def _tree_pss(root: int) -> int:
    """Proportional memory of process `root` and all its descendants, now (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    total = 0
    for pid in tree:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        found = next((line for line in rollup.splitlines() if line.startswith("Pss:")), "")
        total += int(found.split()[1]) * 1024 if found else 0
    return total


class _MemorySampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.peak = max(self.peak, _tree_pss(self.pid))


def timed(
    command: list[str], cwd: Path, env: dict | None = None, sample_memory: bool = True
) -> Timing:
    """Run a command: wall and CPU seconds (its processes, user + system), the 1-minute load
    average when it started (other work on the machine), and its largest resident memory.
    Without `sample_memory` nothing reads /proc while it runs, and the summed peak is only
    the largest process's: the sampler takes CPU of its own, which a build using both cores
    pays in wall time (a cold build with search: 53.1 against 48.4 s) and a build leaving a
    core idle does not."""
    errors = cwd / ".bench-stderr"
    with open(os.devnull, "wb") as quiet, open(errors, "w+b") as stderr:
        load = os.getloadavg()[0]
        start = time.perf_counter()
        child = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=quiet, stderr=stderr
        )
        sampler = _MemorySampler(child.pid)
        if sample_memory:
            sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        if sample_memory:
            sampler.done.set()
            sampler.join()
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        text = stderr.read().decode("utf-8", "replace")
    errors.unlink()
    cpu = usage.ru_utime + usage.ru_stime
    largest = usage.ru_maxrss * 1024
    return Timing(seconds, cpu, load, largest, child.returncode, text, max(sampler.peak, largest))


def edit_one_article(article: Article) -> None:
    with article.path.open("a", encoding="utf-8") as stream:
        stream.write(EDIT)


def folder_size(folder: Path) -> tuple[int, int]:
    """(files, bytes) under a folder."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def profile_build(content: Path, work: Path, top: int = 15) -> list[dict]:
    """A fresh build with search under cProfile: where the time of our plugins goes
    (functions under plugins/, by cumulative seconds)."""
    import pstats

    for name in ("output", "pelican-cache", "search-cache"):
        shutil.rmtree(work / name, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    stats_file = work / "build.prof"
    overrides = {
        "PATH": str(content),
        "OUTPUT_PATH": str(work / "output"),
        "CACHE_PATH": str(work / "pelican-cache"),
        "SEARCH_CACHE_PATH": str(work / "search-cache"),
    }
    command = [sys.executable, "-m", "cProfile", "-o", str(stats_file), "-m", "kuaixun.tools.build"]
    timed(
        [*command, str(SETTINGS), json.dumps(overrides)],
        cwd=ROOT,
    )
    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]  # no public API
    rows = []
    for (filename, line, function), (_, calls, _, cumulative, _) in stats.items():
        ours = "/plugins/" in filename and "/plugins/bulletin/build.py" not in filename
        if ours or function == "run" and "pelican/__init__" in filename:
            where = (
                filename.split("/plugins/")[-1]
                if "/plugins/" in filename
                else "pelican/__init__.py"
            )
            rows.append(
                {
                    "function": f"{where}:{line} {function}",
                    "calls": calls,
                    "seconds": round(cumulative, 2),
                }
            )
    return sorted(rows, key=lambda r: -r["seconds"])[:top]
