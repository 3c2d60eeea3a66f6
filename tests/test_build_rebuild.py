"""A rebuild with warm caches writes the site a cold build writes: byte for byte.

The caches (Pelican's reader cache, the cjk plugin's and the content rules' memos, the search
and photo caches) make a rebuild after a one-article edit cheap; a stale listing, feed, tag
page, issue page or search entry would be a wrong site. Each case starts from the sample site
(seed content plus the inews sample) as its first build left it (built once for the module and
put back where it was built: `warm`), changes it as an editor would, rebuilds with the caches
that build left, and compares every file of output/ with a build of the same content from
empty caches.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kuaixun.core.search.export.entry import entry_of
from kuaixun.testing.builds import copy_content, run_build
from kuaixun.testing.killer import AHEAD_KILLED, LINKED_ARTICLE
from kuaixun.testing.search_sites import import_sample, unpacked

pytestmark = pytest.mark.xdist_group("rebuild")

SEED = "articles/2020/11/guifan-shirong-zhixu.md"
NEW = "articles/2020/12/xin-wenzhang.md"
NEW_ARTICLE = """Title: 新建南路街道开展冬季消防安全检查
Date: 2020-12-02 09:00
Category: 社区动态
Authors: 韩冬
Tags: 消防安全, 新建南路街道

本报讯（记者 韩冬）12月初，新建南路街道组织社区网格员对辖区沿街商铺开展冬季消防安全检查。

检查中，工作人员逐一查看灭火器配备和安全通道畅通情况，对发现的问题当场提出整改意见。
"""
# pelican-sitemap stamps a page without a date of its own (the home page, a page) with the
# time of the build: the one difference between two builds of the same content.
SITEMAP_HOME = re.compile(r"<loc>[^<]*/</loc>\s*<lastmod>([^<]+)</lastmod>")


def edit_seed_article(content: Path) -> None:
    """A new title, a new first sentence (the summary) and a tag swapped: the article, its
    listings, issue, tags and feeds change."""
    path = content / SEED
    text = path.read_text(encoding="utf-8")
    text = text.replace("规范市容秩序 提升辖区颜值", "规范市容秩序 辖区更整洁")
    text = text.replace("为营造秩序良好、干净整洁的城市环境", "为营造整洁有序的城市环境")
    text = text.replace("Tags: 市容整治,", "Tags: 环境整治,")
    path.write_text(text + "\n（本报编辑部补记：本文已于今日更新。）\n", encoding="utf-8")


def rewrite_the_first_sentence(content: Path) -> None:
    """An imported article's body begins anew: its summary changes (on its page, on the
    listing pages that show it and in their feeds), its title, date and 栏目 do not."""
    path = imported_articles(content)[len(imported_articles(content)) // 3]
    head, body = path.read_text(encoding="utf-8").split("\n\n", 1)
    path.write_text(f"{head}\n\n（本报讯）更新后的第一句。{body}", encoding="utf-8")


def add_article(content: Path) -> None:
    """The newest article, with a new tag and a new reporter: every page of a listing shifts."""
    path = content / NEW
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(NEW_ARTICLE, encoding="utf-8")


def remove_article(content: Path) -> None:
    """An archived article in the middle of the listings, gone with its page."""
    imported = imported_articles(content)
    imported[len(imported) // 2].unlink()


def move_to_another_category(content: Path) -> None:
    """The article leaves its 栏目: both 栏目 pages and feeds, and the neighbours it had and
    gets in each, change."""
    path = content / SEED
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Category: 城市管理", "Category: 社区动态"), encoding="utf-8")


def move_back_in_time(content: Path) -> None:
    """An imported article dated years earlier: its URL (the date is in it) changes, it moves
    to other pages of every listing it is in, and its old and new neighbours change."""
    path = imported_articles(content)[-1]
    text = path.read_text(encoding="utf-8")
    dated = re.sub(r"^Date: .*$", "Date: 2016-03-01 08:00", text, count=1, flags=re.M)
    assert dated != text
    path.write_text(dated, encoding="utf-8")


def retitle_the_issue(content: Path) -> None:
    """A new title for issue 47: every article of the issue names it ("刊于 …")."""
    path = content / "issues" / "47.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Title: 第47期", "Title: 第47期 冬季特刊"), encoding="utf-8")


def leave_the_issue(content: Path) -> None:
    """An article taken out of issue 47 (its Issue: line and its place in the issue's order)."""
    article = content / "articles" / "2020" / "11" / "yongxin-dianming.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("Issue: 47\n", ""), encoding="utf-8")
    issue = content / "issues" / "47.md"
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text.replace(" yongxin-dianming,", ""), encoding="utf-8")


def add_an_older_article_whose_title_reads_alike(content: Path) -> None:
    """An article dated a year before the seed, its title a homophone of the seed's: the
    earlier one keeps the plain slug (core/cjk/slugs.py), so the seed article's URL changes,
    though its file did not; its page, neighbours, listings and issue link it there."""
    path = content / "articles" / "2019" / "11" / "xin-wenzhang.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = NEW_ARTICLE.replace("新建南路街道开展冬季消防安全检查", "规范市荣秩序 提升辖区颜值")
    path.write_text(text.replace("Date: 2020-12-02", "Date: 2019-11-27"), encoding="utf-8")


def imported_articles(content: Path) -> list[Path]:
    return sorted((content / "articles" / "inews").rglob("*.md"))


def build(folder: Path, content: Path) -> Path:
    result = run_build(folder / "output", content)
    assert result.returncode == 0, result.stderr
    return folder / "output"


def site_files(output: Path) -> dict[str, bytes]:
    """Every file of output/ but the packed search index, which a rebuild extends with an
    overlay instead of writing a new base: it is compared by what it holds (search_index),
    and so is its entry in the search page."""
    files = {}
    for path in sorted(output.rglob("*")):
        name = path.relative_to(output).as_posix()
        if path.is_file() and not name.startswith("search/"):
            files[name] = path.read_bytes()
    files["sitemap.xml"] = without_build_time(files["sitemap.xml"])
    files["search.html"] = entry_of(files["search.html"])[0]
    return files


def site_folders(output: Path) -> set[str]:
    """Every folder of output/ but those inside search/ (see site_files)."""
    names = {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_dir()}
    return {name for name in names if not name.startswith("search/")}


def without_build_time(sitemap: bytes) -> bytes:
    text = sitemap.decode("utf-8")
    stamp = SITEMAP_HOME.search(text)
    assert stamp, "the sitemap lists no home page"
    return text.replace(f"<lastmod>{stamp[1]}</lastmod>", "<lastmod>BUILD</lastmod>").encode()


def search_index(output: Path) -> tuple[dict, dict[str, str]]:
    manifest = json.loads((output / "search" / "manifest.json").read_text(encoding="utf-8"))
    # The page holds the entry the export published, whichever build wrote it.
    assert json.loads(entry_of((output / "search.html").read_bytes())[1]) == manifest
    for where in ("base", "pack"):
        manifest.pop(where)
    return manifest, unpacked(output / "search")


@pytest.fixture(scope="module")
def sample_content(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("rebuild-sample")
    content = copy_content(folder / "content")
    import_sample(content / "articles" / "inews")
    return content


@pytest.fixture(scope="module")
def built_sample(sample_content, tmp_path_factory) -> tuple[Path, Path, dict]:
    """The sample site built once: its content and its build folder (output and every cache
    the build left) at the place they were built, a copy of both, and the copy's pages'
    sizes and times. Most tests here start from that site: each used to build it first (17
    builds of the same content, the longest part of the suite)."""
    stage = tmp_path_factory.mktemp("rebuild-stage")
    copy_content(stage / "content", sample_content)
    build(stage / "site", stage / "content")
    pristine = tmp_path_factory.mktemp("rebuild-pristine") / "stage"
    copy_site(stage, pristine)
    return stage, pristine, page_stamps(pristine / "site" / "output")


@pytest.fixture
def warm(built_sample) -> tuple[Path, Path]:
    """(content, build folder) of the sample site just after its first build, put back where
    it was built (the caches name the content's and the output's paths): the state the test
    would have had after building it itself."""
    stage, pristine, stamps = built_sample
    # The pages are shared with the copy (below): a build that wrote into one in place
    # would have changed the site every later test starts from.
    assert page_stamps(pristine / "site" / "output") == stamps, "a build wrote a page in place"
    shutil.rmtree(stage)
    copy_site(pristine, stage)
    return stage / "content", stage / "site"


def copy_site(source: Path, target: Path) -> None:
    """`cp -a` (times, links kept) of the content and the caches; the output's files linked,
    not copied: a rebuild reuses a page only where it finds the very file it wrote (its
    inode, size and time: hooks/pages.py). A build never writes into a page it finds
    (`warm` checks the copy's pages after every test)."""
    target.mkdir()
    for part in source.iterdir():
        if part.name != "site":
            subprocess.run(["cp", "-a", str(part), str(target)], check=True)
    (target / "site").mkdir()
    for part in (source / "site").iterdir():
        flags = "-al" if part.name == "output" else "-a"
        subprocess.run(["cp", flags, str(part), str(target / "site")], check=True)


def page_stamps(output: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(output)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in output.rglob("*")
        if p.is_file()
    }


@pytest.mark.parametrize(
    "change",
    [
        edit_seed_article,
        rewrite_the_first_sentence,
        add_article,
        remove_article,
        move_to_another_category,
        move_back_in_time,
        retitle_the_issue,
        leave_the_issue,
        add_an_older_article_whose_title_reads_alike,
    ],
)
def test_a_rebuild_after_a_change_writes_what_a_cold_build_writes(change, warm, tmp_path):
    content, site = warm
    change(content)
    rebuilt = build(site, content)
    cold = build(tmp_path / "cold", content)

    assert_same_site(rebuilt, cold)


def assert_same_site(warm: Path, cold: Path) -> None:
    warm_files, cold_files = site_files(warm), site_files(cold)
    assert sorted(warm_files) == sorted(cold_files)
    stale = [name for name, data in cold_files.items() if warm_files[name] != data]
    assert not stale, f"the rebuild left {len(stale)} files stale: {stale[:10]}"
    assert site_folders(warm) == site_folders(cold)
    assert search_index(warm) == search_index(cold)


def test_a_rebuild_in_the_folders_kept_from_an_older_site_writes_what_a_cold_build_writes(
    warm, tmp_path
):
    """From the third build on, the staging folder starts from the folders of the site before
    the last one (tools/build.py): an article gone or moved leaves no folder behind, and
    what is written there is what a cold build writes."""
    content, site = warm
    build(site, content)
    assert (site / ".output.folders").is_dir()
    remove_article(content)
    move_back_in_time(content)
    rebuilt = build(site, content)
    cold = build(tmp_path / "cold", content)
    assert_same_site(rebuilt, cold)


def test_a_rebuild_links_a_page_into_a_folder_the_older_site_had_not(warm, tmp_path):
    """An article added in the last build has no folder among those kept from the site
    before it (tools/build.py): its page, unchanged, is linked into a folder made for it."""
    content, site = warm
    add_article(content)
    output = build(site, content)
    title = "<title>新建南路街道开展冬季消防安全检查 - "
    page = next(p for p in output.glob("20*/*/*/index.html") if title in p.read_text("utf-8"))
    folder = page.parent.relative_to(output)
    assert not (site / ".output.folders" / folder).exists()
    inode = page.stat().st_ino
    rewrite_the_first_sentence(content)
    rebuilt = build(site, content)
    assert page.stat().st_ino == inode
    assert_same_site(rebuilt, build(tmp_path / "cold", content))


def test_a_rebuild_reports_the_problem_an_edit_made(warm):
    """The content rules' verdicts are remembered per file: an edited file is judged again."""
    content, site = warm
    path = content / SEED
    path.write_text(
        path.read_text(encoding="utf-8").replace("2020-11-27", "2020-11-31"), encoding="utf-8"
    )
    result = run_build(site / "output", content)
    assert result.returncode != 0
    assert f"{Path(SEED).name}:2:" in result.stderr


def test_a_rebuild_reports_what_pelican_must_not_read_in_an_edited_file(warm):
    """The check before Pelican reads remembers its verdicts per file too (tools/build.py):
    a control character pasted into an article that passed is found before Pelican reads."""
    content, site = warm
    path = content / SEED
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[12] += "\x0c"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run_build(site / "output", content)
    assert result.returncode != 0
    assert f"{Path(SEED).name}:13:" in result.stderr


def test_a_rebuilds_content_check_runs_beside_pelican_and_is_done_again_if_it_dies(tmp_path):
    """A rebuild after an edit of Markdown alone checks the content in a process of its own
    while Pelican reads (strict.check_ahead); killed, its build checks itself and still
    reports the edit's problem. A first build checks every file itself."""
    content = copy_content(tmp_path / "content")
    output = tmp_path / "site" / "output"
    first = run_build(output, content, kill_at="content-check-ahead")
    assert first.returncode == 0, first.stderr
    killed = list((tmp_path / "site").glob(f"pelican-cache/*/{AHEAD_KILLED}"))
    assert not killed  # no clean check to compare with: every file checked in the build
    path = content / SEED
    path.write_text(
        path.read_text(encoding="utf-8").replace("2020-11-27", "2020-11-31"), encoding="utf-8"
    )
    result = run_build(output, content, kill_at="content-check-ahead")
    assert list((tmp_path / "site").glob(f"pelican-cache/*/{AHEAD_KILLED}"))
    assert result.returncode != 0
    assert f"{Path(SEED).name}:2:" in result.stderr


def test_a_link_made_while_pelican_reads_after_the_check_ahead_fails_the_rebuild(tmp_path):
    """The check ahead walks the content folder as Pelican starts reading; a symbolic link
    made after that walk is still refused before anything is written, as the check in the
    build's own process refused it."""
    content = copy_content(tmp_path / "content")
    output = tmp_path / "site" / "output"
    build(tmp_path / "site", content)
    with (content / SEED).open("a", encoding="utf-8") as seed:
        seed.write("\n（本报编辑部补记：本文已于今日更新。）\n")
    before = {p.name: p.read_bytes() for p in output.rglob("*.html")}
    result = run_build(output, content, kill_at="link-after-check-ahead")
    assert (content / LINKED_ARTICLE).is_symlink()  # made by the check ahead, after its walk
    assert result.returncode != 0
    assert f"{Path(LINKED_ARTICLE).name}" in result.stderr and "符号链接" in result.stderr
    assert {p.name: p.read_bytes() for p in output.rglob("*.html")} == before


def test_a_rebuild_renders_again_only_the_article_pages_an_edit_changed(warm):
    """Article pages whose inputs are unchanged are the previous build's files (linked, so
    the same inode); the edited article's page and its neighbours' are written anew."""
    content, site = warm
    output = site / "output"
    pages = {p: p.stat().st_ino for p in output.glob("20*/*/*/index.html")}
    assert len(pages) > 50, "the sample site's article pages"
    source = imported_articles(content)[len(pages) // 3]  # in no issue
    title = re.search(r"^Title: (.*)$", source.read_text(encoding="utf-8"), re.M)[1]
    edited = next(p for p in pages if f"<title>{title} - " in p.read_text(encoding="utf-8"))
    with source.open("a", encoding="utf-8") as article:  # the body only
        article.write("\n（本报编辑部补记：本文已于今日更新。）\n")
    build(site, content)
    assert edited.stat().st_ino != pages[edited]
    kept = [p for p, inode in pages.items() if p.stat().st_ino == inode]
    # The edited article and its neighbours (older and newer, in its 栏目 and in the site).
    assert len(kept) >= len(pages) - 5, f"{len(pages) - len(kept)} article pages rendered again"


def test_a_rebuild_renders_again_only_the_listing_pages_an_edit_changed(warm):
    """Pages of the home page's, a 栏目's, a tag's or a reporter's listing are keyed one by
    one: after an edit to one article's body, the pages that do not show it are the previous
    build's files."""
    content, site = warm
    output = site / "output"
    listings = ("page/*/index.html", "lanmu/*/page/*/index.html", "tag/*/index.html")
    pages = {p: p.stat().st_ino for pattern in listings for p in output.glob(pattern)}
    assert len(pages) > 10, "the sample site's listing pages"
    source = imported_articles(content)[len(imported_articles(content)) // 3]
    with source.open("a", encoding="utf-8") as article:  # the body only: not the summary
        article.write("\n（本报编辑部补记：本文已于今日更新。）\n")
    build(site, content)
    kept = [p for p, inode in pages.items() if p.stat().st_ino == inode]
    # The edited article is on one page of each listing it is in.
    assert len(kept) >= len(pages) - 6, f"{len(pages) - len(kept)} listing pages rendered again"
    assert len(kept) < len(pages), "the pages showing the edited article are written anew"


# Pages Pelican writes unpaginated with every article (hooks/pages.py unpaginated_key).
UNPAGINATED = (
    "archives/index.html",
    "lanmu/index.html",
    "tag/index.html",
    "reporter/index.html",
    "404.html",
    "robots.txt",
)


def test_a_rebuild_links_the_archive_and_the_lists_when_no_article_they_show_changed(
    warm,
):
    """归档, the lists of 栏目, tags and reporters, 404 and robots.txt get every article
    whole: after an edit to one article's body (not its title, date or 栏目) they are the
    previous build's files."""
    content, site = warm
    output = site / "output"
    pages = {name: (output / name).stat().st_ino for name in UNPAGINATED}
    source = imported_articles(content)[len(imported_articles(content)) // 3]
    with source.open("a", encoding="utf-8") as article:
        article.write("\n（本报编辑部补记：本文已于今日更新。）\n")
    build(site, content)
    renewed = [name for name, inode in pages.items() if (output / name).stat().st_ino != inode]
    assert not renewed, f"rendered again: {renewed}"


def test_a_rebuild_links_the_archive_and_the_lists_when_an_edit_changes_a_summary_alone(
    warm,
):
    """Pelican keeps an article's summary in its metadata too: a new first sentence changes
    that summary, which 归档 and the lists do not show."""
    content, site = warm
    output = site / "output"
    pages = {name: (output / name).stat().st_ino for name in UNPAGINATED}
    rewrite_the_first_sentence(content)
    build(site, content)
    renewed = [name for name, inode in pages.items() if (output / name).stat().st_ino != inode]
    assert not renewed, f"rendered again: {renewed}"


def test_a_rebuild_renders_the_archive_again_when_an_article_is_retitled(warm):
    content, site = warm
    output = site / "output"
    before = (output / "archives" / "index.html").stat().st_ino
    edit_seed_article(content)
    build(site, content)
    archive = output / "archives" / "index.html"
    assert archive.stat().st_ino != before
    assert "规范市容秩序 辖区更整洁" in archive.read_text(encoding="utf-8")


# The content check of a rebuild is told what changed since the last clean check
# (hooks/bulletin/strict.py): these problems are in files the edit did not touch.
LINKED = "articles/2020/12/lianjie.md"
LINKING_ARTICLE = """Title: 社区通知汇总
Date: 2020-12-01 09:00
Category: 社区动态
Authors: 韩冬

本报讯 相关通知见[冬季消防安全检查]({filename}/articles/2020/12/xin-wenzhang.md)。
"""


def test_a_rebuild_reports_the_link_a_removed_article_breaks_in_one_not_edited(tmp_path):
    content = copy_content(tmp_path / "content")
    add_article(content)
    (content / LINKED).write_text(LINKING_ARTICLE, encoding="utf-8")
    build(tmp_path / "site", content)
    (content / NEW).unlink()
    result = run_build(tmp_path / "site" / "output", content)
    assert result.returncode != 0
    assert f"{Path(LINKED).name}:6:" in result.stderr


def test_a_rebuild_reports_a_photo_gone_from_an_article_not_edited(tmp_path):
    content = copy_content(tmp_path / "content")
    build(tmp_path / "site", content)
    (content / "articles" / "2020" / "11" / "pufa-gonggaolan.jpg").unlink()
    with (content / SEED).open("a", encoding="utf-8") as article:  # another article edited
        article.write("\n（本报编辑部补记：本文已于今日更新。）\n")
    result = run_build(tmp_path / "site" / "output", content)
    assert result.returncode != 0
    assert "pufa-xuanchuan.md:11:" in result.stderr


def test_a_rebuild_reports_a_problem_until_it_is_fixed(tmp_path):
    """A build that failed leaves no clean check behind: the next, after an edit to another
    article, reports the problem again."""
    content = copy_content(tmp_path / "content")
    build(tmp_path / "site", content)
    article = content / "articles" / "2020" / "11" / "pufa-xuanchuan.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(re.sub(r"!\[[^\]]+\]\(pufa", "![](pufa", text), encoding="utf-8")
    assert run_build(tmp_path / "site" / "output", content).returncode != 0
    with (content / SEED).open("a", encoding="utf-8") as seed:
        seed.write("\n（本报编辑部补记：本文已于今日更新。）\n")
    result = run_build(tmp_path / "site" / "output", content)
    assert result.returncode != 0
    assert "pufa-xuanchuan.md:11:" in result.stderr
    article.write_text(text, encoding="utf-8")
    build(tmp_path / "site", content)
