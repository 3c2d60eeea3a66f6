"""Rebuilds reuse work: only articles whose text (or whose dictionary words) changed are cut
again, and the Whoosh index of record is updated in place, keyed by source path."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest

from kuaixun.core.search.export import STATE, export
from kuaixun.core.search.export.codec import (
    FILES,
    LogicalExport,
    StoredLater,
    save_export,
    stored,
)
from kuaixun.core.search.index import RecordCache, cut
from kuaixun.core.search.segment import Segmenter
from kuaixun.testing.builds import ROOT, copy_content, run_build
from kuaixun.testing.search_sites import (
    cache_of,
    exported_files,
    fragments,
    logical_files,
    node_search,
    python_search,
    unpacked,
)

ARTICLE = "articles/2020/11/shequ-jiaozheng-peixun.md"
MARKET = "articles/2020/11/guifan-shirong-zhixu.md"


def report(output: Path) -> dict:
    return json.loads((cache_of(output) / "last-build.json").read_text(encoding="utf-8"))


def assert_same_as_a_full_export(output: Path, tmp: Path) -> None:
    """The cached export, updated in place, equals a fresh export of the same records byte
    for byte; and the published index (a base and an overlay of what changed) reads back as
    exactly those files."""
    cache = RecordCache(cache_of(output))
    export(cache.records, tmp / "full", cache.words)
    assert exported_files(cache_of(output) / "export") == exported_files(tmp / "full")
    assert unpacked(output / "search") == logical_files(tmp / "full")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("incremental")
    content = copy_content(folder / "content")
    userdict = folder / "userdict.txt"
    shutil.copy(ROOT / "content" / "search" / "userdict.txt", userdict)
    output = folder / "output"

    def build():
        result = run_build(output, content, SEARCH_USER_DICT=str(userdict))
        assert result.returncode == 0, result.stderr
        return report(output)

    return content, userdict, output, build


def article_count(content: Path) -> int:
    return len(list((content / "articles").rglob("*.md")))


def test_first_build_cuts_every_article_and_the_second_none(site):
    content, _, _, build = site
    first = build()
    assert len(first["segmented"]) == article_count(content) and first["whoosh"] == "created"
    second = build()
    assert second["segmented"] == [] and second["reused"] == article_count(content)
    assert first["exported"] and not second["exported"]  # the cached export is linked in


def test_a_whole_export_frees_the_cut_only_once_saved_and_after_pelicans_pages(tmp_path):
    """A whole export drops the records' terms and grams once spilled for its forks
    (export/full.py `drop_cuts`): the record cache was saved before, with every cut whole,
    and the export's forks waited for Pelican to be done with its pages."""
    output = tmp_path / "output"
    built = run_build(output, copy_content(tmp_path / "content"))
    assert built.returncode == 0, built.stderr
    said = report(output)
    assert said["export"] == "written" and "waited for the pages" in said["seconds"]
    cache = RecordCache(cache_of(output))
    segmenter = Segmenter(cache.dictionary)
    assert cache.words == segmenter.words
    for path, record in cache.records.items():
        assert record.grams and record == cut(record.article, segmenter), path


def test_an_unchanged_rebuild_still_ships_the_whole_index(site):
    _, _, output, build = site
    build()
    assert node_search(output, ["社区矫正"])[0]["docs"]


def test_editing_one_article_cuts_only_that_article(site, tmp_path):
    content, _, output, build = site
    build()
    path = content / ARTICLE
    path.write_text(
        path.read_text(encoding="utf-8") + "\n培训还安排了情景模拟演练环节。\n", encoding="utf-8"
    )
    after = build()
    assert after["segmented"] == [ARTICLE]
    assert after["reused"] == article_count(content) - 1
    assert after["export"].startswith("updated")  # only the files it touches
    # Saved after the index was published, by a process the build did not wait for.
    assert json.loads((cache_of(output) / "last-save.json").read_text())["seconds"] > 0
    assert_same_as_a_full_export(output, tmp_path)
    whoosh = python_search(output, ["情景模拟"])[0]
    browser = node_search(output, ["情景模拟"])[0]
    assert len(whoosh["docs"]) == len(browser["docs"]) == 1 and whoosh["docs"] == browser["docs"]


def test_a_rebuild_whose_saving_of_the_caches_was_killed_is_published_and_the_next_whole(
    site, tmp_path
):
    """The index is published before the caches the next build reads are saved; a saving
    killed midway costs the next build a whole export, never a wrong update."""
    content, userdict, output, build = site
    build()
    path = content / ARTICLE
    path.write_text(path.read_text(encoding="utf-8") + "\n学员还参观了安置帮教基地。\n", "utf-8")
    killed = run_build(output, content, kill_at="saving", SEARCH_USER_DICT=str(userdict))
    assert killed.returncode == 0, killed.stderr
    assert report(output)["export"].startswith("updated")
    assert len(node_search(output, ["安置帮教基地"])[0]["docs"]) == 1
    assert not (cache_of(output) / "last-save.json").exists()  # the saving never ended
    path.write_text(path.read_text(encoding="utf-8") + "\n基地共有三名社工。\n", "utf-8")
    after = build()
    assert after["segmented"] == [ARTICLE] and after["export"] == "written"
    assert_same_as_a_full_export(output, tmp_path)


def test_a_new_dictionary_word_cuts_only_the_articles_containing_it(site, tmp_path):
    content, userdict, output, build = site
    build()
    userdict.write_text(userdict.read_text(encoding="utf-8") + "振兴街菜市场 1000 ns\n")
    after = build()
    assert after["segmented"] == [MARKET]
    assert after["export"].startswith("updated")  # the article cut otherwise is patched
    assert_same_as_a_full_export(output, tmp_path)
    assert "振兴街菜市场" in node_search(output, ["振兴街菜市场"])[0]["parts"]


def test_words_that_step_the_dictionarys_total_cut_every_article_again(site, tmp_path):
    """jieba scores a cut by its words' shares of the dictionary's total: words heavy enough
    to move it a step (segment.added_total) change the cut of texts that do not hold them.
    jieba-rs's total only grew, and four words at 10,000,000 that no article holds left
    cached cuts a cold build would not make (seven buckets of the index differed)."""
    content, userdict, output, build = site
    build()
    before = userdict.read_text(encoding="utf-8")
    userdict.write_text(before + "鑫犇淼焱 10000000\n犇鑫焱淼 10000000\n", encoding="utf-8")
    try:
        after = build()
        assert len(after["segmented"]) == article_count(content)
        cache = RecordCache(cache_of(output))
        segmenter = Segmenter(cache.dictionary)
        for path, record in cache.records.items():
            assert record == cut(record.article, segmenter), path
        assert_same_as_a_full_export(output, tmp_path)
    finally:
        userdict.write_text(before, encoding="utf-8")


def test_a_new_article_is_cut_alone_and_a_removed_one_leaves_the_index(site, tmp_path):
    content, _, output, build = site
    build()
    new = content / "articles" / "2020" / "11" / "xiaofang-yanlian.md"
    new.write_text(
        "Title: 社区举行消防演练\nDate: 2020-11-28 10:00\nCategory: 社区动态\n"
        "Authors: 孙露\nTags: 消防\n\n本报讯 居民在灭火器使用示范中学会了扑救初期火灾。\n",
        encoding="utf-8",
    )
    added = build()
    assert added["segmented"] == ["articles/2020/11/xiaofang-yanlian.md"]
    assert added["export"].startswith("updated")  # the newest article is numbered last
    assert_same_as_a_full_export(output, tmp_path / "added")
    assert len(node_search(output, ["灭火器"])[0]["docs"]) == 1
    new.unlink()
    after = build()
    assert after["removed"] == 1 and after["segmented"] == []
    assert after["export"].startswith("updated")
    assert_same_as_a_full_export(output, tmp_path / "removed")
    assert python_search(output, ["灭火器"])[0]["docs"] == []
    assert node_search(output, ["灭火器"])[0]["docs"] == []


def test_a_failing_search_index_fails_the_build(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the search cache should go")
    build = run_build(tmp_path / "output", SEARCH_CACHE_PATH=str(blocked))
    assert build.returncode != 0
    assert "搜索索引生成失败" in build.stderr
    assert not (tmp_path / "output").exists()  # output/ is only replaced by a good build


def test_a_new_date_keeps_the_cut_but_moves_the_result(site):
    content, _, output, build = site
    build()
    path = content / ARTICLE
    text = path.read_text(encoding="utf-8")
    # A month earlier, still within 31 days of its issue (47, 2020-11-27): a legal move.
    path.write_text(text.replace("Date: 2020-11-26", "Date: 2020-10-30"), encoding="utf-8")
    after = build()
    assert after["segmented"] == [] and after["exported"]
    answer = node_search(output, ["社区矫正"])[0]
    assert fragments(output)[answer["docs"][0]]["u"].startswith("2020/10/")


def test_an_export_state_from_older_code_is_ignored_not_fatal(site, tmp_path):
    """CI restores cache/ from an older commit: its saved state must cost a full export,
    never a failed build (a bare pickled state lacking today's fields once crashed it)."""
    import pickle

    from kuaixun.core.search.export import ExportState

    content, _, output, build = site
    build()
    outdated = object.__new__(ExportState)  # as an older commit pickled it: fields missing
    outdated.__dict__.update(settings="", base="", paths=[])
    (cache_of(output) / "export" / STATE).write_bytes(pickle.dumps(outdated))
    path = content / ARTICLE
    path.write_text(path.read_text(encoding="utf-8") + "\n又一次更新。\n", encoding="utf-8")
    after = build()
    assert after["export"] == "written"
    assert_same_as_a_full_export(output, tmp_path)


def test_a_rebuild_loads_the_caches_while_pelican_reads_the_articles(site, tmp_path):
    """The indexing process starts with Pelican and loads the records, the export and the
    published base before the articles come (hooks/search.py `preload`); the update made
    from them is the one a full export makes."""
    content, _, output, build = site
    build()
    path = content / ARTICLE
    path.write_text(path.read_text(encoding="utf-8") + "\n演练结束后进行了点评。\n", "utf-8")
    after = build()
    assert after["seconds"]["loaded ahead"] > 0
    assert after["segmented"] == [ARTICLE] and after["export"].startswith("updated")
    assert_same_as_a_full_export(output, tmp_path)


def test_pelican_killed_before_handing_over_the_articles_leaves_the_cache_free(site, tmp_path):
    """The indexing process started with Pelican waits for the articles holding the search
    cache's lock: Pelican's process killed before it sends them ends it (the pipe closes
    empty), so the next build takes the lock and updates the index."""
    content, userdict, output, build = site
    build()
    path = content / ARTICLE
    path.write_text(path.read_text(encoding="utf-8") + "\n学员们表示收获很大。\n", "utf-8")
    killed = run_build(output, content, kill_at="articles-read", SEARCH_USER_DICT=str(userdict))
    assert killed.returncode != 0  # run_build returned: the cache's lock was let go
    after = build()
    assert after["segmented"] == [ARTICLE] and after["export"].startswith("updated")
    assert_same_as_a_full_export(output, tmp_path)
    assert len(node_search(output, ["收获很大"])[0]["docs"]) == 1


def test_the_article_senders_death_fails_the_build_and_leaves_the_site(site, tmp_path):
    """The fork that hands the articles to the preloaded indexing process killed before it
    sends them: the indexing process reads a pipe that ends early, and the build fails with
    output/ as it was, never publishing the last build's index as this one's."""
    content, userdict, output, build = site
    build()
    before = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}
    path = content / ARTICLE
    path.write_text(path.read_text(encoding="utf-8") + "\n学员们表示收获很大。\n", "utf-8")
    killed = run_build(output, content, kill_at="articles-sending", SEARCH_USER_DICT=str(userdict))
    assert killed.returncode != 0
    assert "搜索索引没有收到文章" in killed.stderr
    assert {p: p.read_bytes() for p in output.rglob("*") if p.is_file()} == before
    after = build()
    assert after["segmented"] == [ARTICLE] and after["export"].startswith("updated")
    assert len(node_search(output, ["收获很大"])[0]["docs"]) == 1


def test_a_failed_rebuild_ends_its_preloaded_indexing_process(site):
    """A rebuild whose Pelican run fails (a key written twice: the strict check stops it
    before `finalized`) lets the indexing process started with Pelican end: the build
    returns its problems instead of hanging at exit while that process waits for articles."""
    content, userdict, output, build = site
    build()
    bad = content / "articles" / "twice.md"
    bad.write_text("Title: 标题\nDate: 2020-11-21\nCategory: 社区动态\nTitle: \n\n正文\n", "utf-8")
    failed = run_build(output, content, SEARCH_USER_DICT=str(userdict))
    assert failed.returncode == 1 and "twice.md" in failed.stderr
    bad.unlink()
    build()  # the cache's lock is free: the next build runs


def test_an_updates_files_are_stored_when_first_read_and_all_when_saved(tmp_path):
    """An update keeps the files it writes as texts (codec.StoredLater): each is stored as
    `stored` stores it when its bytes are first read, and the cache saved holds them all."""
    buckets = 4
    texts = {"f/0.json": '{"t":"标题"}', "x/0-0.gz": "正文", "v/1.gz": "社区\t\t\t\t1\t"}
    files = StoredLater({"days.gz": stored("days.gz", "0")}, buckets)
    for name, text in texts.items():
        files.put_text(name, text)
    assert all(name in files for name in texts) and files.text("x/0-0.gz") == "正文"
    assert files["x/0-0.gz"] == stored("x/0-0.gz", "正文")
    assert files.text("x/0-0.gz") is None  # stored now
    files.drop("f/0.json")
    assert "f/0.json" not in files
    save_export(tmp_path, LogicalExport({"base": "b/"}, files, {}))
    saved = pickle.loads((tmp_path / FILES).read_bytes())
    assert saved == {
        "days.gz": stored("days.gz", "0"),
        "v/1.gz": stored("v/1.gz", texts["v/1.gz"], buckets),
        "x/0-0.gz": stored("x/0-0.gz", "正文"),
    }
