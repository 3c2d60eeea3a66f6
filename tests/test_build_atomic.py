"""A failed, interrupted or killed build leaves output/ byte for byte as it was, and the
next build cleans up after it; two builds at once take turns (issue 11, classes 3 and 4).
Real builds in a subprocess, killed with SIGKILL at several points."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from whoosh.index import open_dir as whoosh_open_dir

from kuaixun.core.search.export.codec import FINGERPRINT
from kuaixun.core.search.tail import HANDOFF, LOCK
from kuaixun.testing.builds import ROOT, copy_content, run_build
from kuaixun.testing.killer import WHOOSH_GO
from kuaixun.testing.search_sites import unpacked


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def export_is_whole(output: Path) -> bool:
    """The live search index: its entry names a base and an overlay that are there, and
    every item reads back (pack.Published reads them as the browser does)."""
    try:
        return bool(unpacked(output / "search")["days.gz"])
    except (OSError, KeyError, ValueError, EOFError, zlib.error):
        return False


def edit_an_article(content: Path, words: str) -> None:
    """A change the search export is updated for, in place if it could be."""
    path = sorted((content / "articles").rglob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8") + f"\n{words}\n", encoding="utf-8")


def scratch(output: Path) -> list[str]:
    """What lies beside output/ but the lock: nothing, or the folders a build keeps for the
    next one's staging folder (tools/build.py), holding no file."""
    beside = sorted(p.name for p in output.parent.iterdir() if p.name.startswith(".output."))
    kept = output.parent / ".output.folders"
    if kept.exists():
        assert not [p for p in kept.rglob("*") if not p.is_dir()], "a kept folder holds a file"
        beside.remove(kept.name)
    return beside


@pytest.fixture
def site(tmp_path):
    content = copy_content(tmp_path / "content")
    first = run_build(tmp_path / "output", content=content)
    assert first.returncode == 0, first.stderr
    return content, tmp_path / "output"


@pytest.mark.parametrize("point", ["search-written", "pages-written", "before-swap"])
@pytest.mark.parametrize("caches", ["warm", "cold"])
def test_a_killed_build_leaves_output_byte_identical(site, point, caches):
    """Killed at each point, with the search cache there (an update) or gone (a whole
    export, whose forks wait for Pelican's pages: the killer's `finish` says they are
    written before it waits, as `finish` does)."""
    content, output = site
    before = tree_digest(output)
    edit_an_article(content, "新增的一段文字：社区食堂开业，老人午餐八元一份。")
    if caches == "cold":
        shutil.rmtree(output.parent / "search-cache")
    killed = run_build(output, content=content, kill_at=point)
    assert killed.returncode == -9, killed.stderr
    assert tree_digest(output) == before
    assert export_is_whole(output)
    again = run_build(output, content=content)
    assert again.returncode == 0, again.stderr
    assert scratch(output) == [".output.lock"], "the next build removes what the killed one left"
    assert export_is_whole(output)
    assert tree_digest(output) != before


@pytest.mark.parametrize("point", ["tail-storing", "tail-packing"])
def test_a_cold_builds_tail_killed_fails_the_build_and_the_next_builds_it_whole(
    site, tmp_path, point
):
    """The cold build's tail (search/tail.py, a fresh interpreter) killed before it stores
    the export, or after it marked the export stored and while it writes the published
    index: the build fails and says so, output/ is as it was, and the next build publishes
    what a clean build of the same content does."""
    content, output = site
    before = tree_digest(output)
    edit_an_article(content, "社区食堂开业，老人午餐八元一份。")
    shutil.rmtree(output.parent / "search-cache")  # the export is written whole: the tail
    killed = run_build(output, content=content, kill_at=point)
    assert killed.returncode == 1, killed.stderr
    assert "搜索索引生成失败：索引进程被信号 9 终止" in killed.stderr
    cache = output.parent / "search-cache"
    assert not (cache / HANDOFF).exists(), "the tail started and took what it was handed"
    stored = (cache / "export" / FINGERPRINT).exists()
    assert stored == (point == "tail-packing"), "killed where the point says"
    assert not (cache / "published" / "manifest.json").exists()
    assert tree_digest(output) == before
    assert export_is_whole(output)
    again = run_build(output, content=content)
    assert again.returncode == 0, again.stderr
    assert scratch(output) == [".output.lock"]
    clean = run_build(tmp_path / "clean" / "output", content=content)
    assert clean.returncode == 0, clean.stderr
    rebuilt, fresh = tree_digest(output), tree_digest(clean.output)
    assert unpacked(output / "search") == unpacked(clean.output / "search")
    # sitemap.xml dates the pages without a date of their own by the build's time
    assert {k: v for k, v in rebuilt.items() if k != "sitemap.xml"} == {
        k: v for k, v in fresh.items() if k != "sitemap.xml"
    }


def test_whoosh_left_writing_by_a_killed_build_holds_the_search_cache_until_it_ends(site):
    """A cold build's tail killed while its Whoosh process (started before the tail) is
    still to write: Whoosh outlives the build, holding the search cache's lock, so the next
    build's indexing process waits for it rather than writing the same index beside it; once
    Whoosh is done, the next build publishes a whole index and Whoosh's holds every article."""
    content, output = site
    cache = output.parent / "search-cache"
    shutil.rmtree(cache)  # the export is written whole: the tail
    killed = run_build(
        output, content=content, kill_at="tail-storing-whoosh-waits", wait_for_cache=False
    )
    assert killed.returncode == 1, killed.stderr
    assert "索引进程被信号 9 终止" in killed.stderr
    lock = os.open(cache / LOCK, os.O_RDWR)
    try:
        with pytest.raises(BlockingIOError):  # Whoosh's process holds it, waiting
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        (cache / WHOOSH_GO).touch()
        again = run_build(output, content=content)  # waits for Whoosh, then builds
        assert again.returncode == 0, again.stderr
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody holds it now
    finally:
        os.close(lock)
        (cache / WHOOSH_GO).touch()  # (a failed check leaves no Whoosh waiting)
    assert export_is_whole(output)
    with whoosh_open_dir(cache / "whoosh").searcher() as searcher:
        assert searcher.doc_count() == len(list((content / "articles").rglob("*.md")))


def test_a_build_killed_after_the_exchange_leaves_the_new_site_whole(site):
    content, output = site
    before = tree_digest(output)
    edit_an_article(content, "食堂")
    killed = run_build(output, content=content, kill_at="after-exchange")
    assert killed.returncode == -9, killed.stderr
    assert tree_digest(output) != before and (output / "index.html").is_file()
    assert export_is_whole(output)
    assert run_build(output, content=content).returncode == 0
    assert scratch(output) == [".output.lock"]


def test_a_failed_build_after_an_export_update_leaves_search_working(site):
    content, output = site
    before = tree_digest(output)
    edit_an_article(content, "社区食堂")
    (content / "articles" / "bad.md").write_text("Title: 坏\nDate: 2020-13-45\n\n正文\n")
    failed = run_build(output, content=content)
    assert failed.returncode == 1
    assert tree_digest(output) == before
    assert export_is_whole(output)


def _build_process(output: Path, content: Path) -> subprocess.Popen:
    overrides = {
        "OUTPUT_PATH": str(output),
        "PATH": str(content),
        "CACHE_PATH": str(output.parent / "pelican-cache"),
        "SEARCH_CACHE_PATH": str(output.parent / "search-cache"),
        "PHOTOS_CACHE_PATH": str(output.parent / "photos-cache"),
    }
    command = [sys.executable, "-m", "kuaixun.tools.build", str(ROOT / "pelicanconf.py")]
    return subprocess.Popen(
        [*command, json.dumps(overrides)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_build_waits_for_the_first_and_says_so(tmp_path):
    content = copy_content(tmp_path / "content")
    output = tmp_path / "output"
    with (tmp_path / ".output.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a running build holds it
        waiting = _build_process(output, content)
        # Its first words are the notice (however slowly a loaded machine starts it); then
        # it must still be waiting, with nothing written.
        guard = threading.Timer(300, waiting.kill)
        guard.start()
        said = waiting.stderr.readline()
        guard.cancel()
        assert "另一个构建正在进行" in said and "another build" in said, said
        time.sleep(1)
        assert waiting.poll() is None, "the second build must wait"
        assert not output.exists()
    _, stderr = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, said + stderr


def test_two_builds_at_once_both_publish_the_whole_site(tmp_path):
    content = copy_content(tmp_path / "content")
    output = tmp_path / "output"
    reference = run_build(tmp_path / "reference" / "output", content=content)
    assert reference.returncode == 0
    builds = [_build_process(output, content) for _ in range(2)]
    for build in builds:
        _, stderr = build.communicate(timeout=300)
        assert build.returncode == 0, stderr
    want = set(tree_digest(tmp_path / "reference" / "output"))
    assert set(tree_digest(output)) == want
    assert not [p for p in os.listdir(tmp_path) if p.endswith((".building", ".old"))]
