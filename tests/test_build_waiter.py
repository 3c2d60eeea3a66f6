"""A one-shot build (`python -m kuaixun.tools.build`, `invoke html`) ends in a small process:
once Pelican has written the pages, the build's process becomes the waiter
(tools/finish_build.py), which waits for the search index, publishes it and exchanges the
folders, holding the build lock, and fails the build as the build in one process does.
Real builds; kuaixun.testing.waiter_probe reports what the waiter was."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from test_build_atomic import edit_an_article, export_is_whole, scratch, tree_digest

from kuaixun.testing.builds import ROOT, copy_content, run_build

# Modules the waiter must not import: Pelican's, and the search's (jieba, pypinyin,
# Whoosh, the export: ≈ 120 MB of what the waiter is there to free).
HEAVY = ("pelican", "jinja2", "markdown", "jieba", "rjieba", "pypinyin", "whoosh")
HEAVY_OURS = ("kuaixun.core.search.export", "kuaixun.hooks", "kuaixun.tools.build")


@pytest.fixture
def content(tmp_path):
    return copy_content(tmp_path / "content")


def test_the_builds_process_becomes_the_waiter_while_the_index_is_made(tmp_path, content):
    report = tmp_path / "waiter.json"
    built = run_build(tmp_path / "output", content=content, waiter_report=report)
    assert built.returncode == 0, built.stderr
    said = json.loads(report.read_text())
    assert said["pid"] == said["build_pid"], "the same process, in a new image"
    assert said["indexing_parent"] == said["pid"], "the indexing process is still its child"
    assert export_is_whole(built.output)
    assert scratch(built.output) == [".output.lock"]


def test_the_indexing_process_is_forked_before_pelican_reads_the_articles(tmp_path, content):
    """A cold build's indexing process and a rebuild's are forked as Pelican starts
    (hooks/search.py `preload`): they hold none of the articles Pelican reads afterwards,
    which a fork made once they were read keeps alive while the waiter waits."""
    report = tmp_path / "waiter.json"
    indexing = report.with_name("waiter.json.indexing")
    for build in ("cold", "rebuild"):
        built = run_build(tmp_path / "output", content=content, waiter_report=report)
        assert built.returncode == 0, built.stderr
        assert json.loads(indexing.read_text()) == {"started": "with Pelican", "articles": 0}, build
        indexing.unlink()


def test_the_waiter_imports_neither_pelican_nor_the_search(tmp_path, content):
    report = tmp_path / "waiter.json"
    built = run_build(tmp_path / "output", content=content, waiter_report=report)
    assert built.returncode == 0, built.stderr
    modules = json.loads(report.read_text())["modules"]
    assert not [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY_OURS)]


def test_the_build_lock_is_held_while_the_waiter_exchanges_the_folders(tmp_path, content):
    report = tmp_path / "waiter.json"
    built = run_build(tmp_path / "output", content=content, waiter_report=report)
    assert built.returncode == 0, built.stderr
    assert json.loads(report.read_text())["locked_at_swap"] is True


def test_an_indexing_process_killed_while_the_waiter_waits_fails_the_build(tmp_path, content):
    first = run_build(tmp_path / "output", content=content)
    assert first.returncode == 0, first.stderr
    before = tree_digest(first.output)
    edit_an_article(content, "社区食堂开业，老人午餐八元一份。")
    report = tmp_path / "waiter.json"
    killed = run_build(first.output, content=content, waiter_report=report, indexing="killed")
    assert killed.returncode == 1, killed.stderr
    assert "搜索索引生成失败：索引进程被信号 9 终止" in killed.stderr
    assert killed.stderr.rstrip().endswith("(Build failed: 1 problem(s); output/ left unchanged.)")
    said = json.loads(report.read_text())
    assert said["pid"] == said["build_pid"]
    assert tree_digest(first.output) == before
    assert scratch(first.output) == [".output.lock"], "the staging folder's folders are kept"
    again = run_build(first.output, content=content)
    assert again.returncode == 0, again.stderr
    assert export_is_whole(first.output) and tree_digest(first.output) != before


SERVE = """
import sys
from pathlib import Path
from invoke import Context
import tasks

work, content = Path(sys.argv[1]), sys.argv[2]
real_build = tasks._build

def build(settings, overrides=None, last=False):
    overrides = {**(overrides or {}), "OUTPUT_PATH": str(work / "output"), "PATH": content,
                 "CACHE_PATH": str(work / "pelican-cache"),
                 "SEARCH_CACHE_PATH": str(work / "search-cache"),
                 "PHOTOS_CACHE_PATH": str(work / "photos-cache")}
    real_build(settings, overrides, last)

def serve_forever(root, host="", port=0):
    (work / "served").write_text("served", encoding="utf-8")

tasks._build, tasks._serve_forever = build, serve_forever
tasks.serve(Context())
"""


def test_make_serve_serves_after_its_build(tmp_path, content):
    """`make serve` builds and then serves: its build must not end the process in the
    waiter's image, as `make html`'s does (tasks.py `_build`, `last`)."""
    done = subprocess.run(
        [sys.executable, "-c", SERVE, str(tmp_path), str(content)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "output" / "index.html").is_file()
    assert (tmp_path / "served").is_file(), "the build ended the process: nothing served"


def test_the_cutter_loaded_ahead_is_handed_to_the_cut_and_not_kept():
    """jieba-rs's dictionary (≈ 58 MB) goes with the cut (hooks/search.py `_take_cutter`):
    the indexing process keeps no reference to it through the export."""
    from kuaixun.hooks.search import _take_cutter

    loaded = SimpleNamespace(cutter=object())
    cutter = loaded.cutter
    assert _take_cutter(loaded) is cutter and loaded.cutter is None
    assert _take_cutter(None) is None
