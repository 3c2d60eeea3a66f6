"""An editor's first week (issue 15), on real builds and real `make check` runs: Chinese list
punctuation in Authors/Tags, a repeated title, and what `make new` leaves to fill in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html

from kuaixun.core.cjk.slugs import pinyin_slug
from kuaixun.core.search.index import RecordCache
from kuaixun.testing.builds import ROOT, copy_content, run_build
from kuaixun.testing.search_sites import cache_of, node_search

LISTS = """Title: 崇仁社区重阳节敬老活动
Date: 2020-11-26 10:00
Category: 社区动态
Authors: 孙露、段雨萌
Tags: 重阳节，敬老；崇仁社区
Issue: 47

本报讯（记者 孙露、段雨萌）崇仁社区举办重阳节敬老活动，八十多位老人参加。

## 志愿者上门服务

社区志愿者为行动不便的老人送去慰问品。
"""
SAME_TITLE = """Title: 居民议事会开到家门口
Date: 2020-11-25 {time}
Category: 社区动态

本报讯（记者 孙露）东街街道的居民议事会{where}。
"""


def invoke(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, Path, str]:
    """(content, output, build stderr) of the seed content plus the articles above."""
    folder = tmp_path_factory.mktemp("editors")
    content = copy_content(folder / "content")
    month = content / "articles" / "2020" / "11"
    (month / "chongyang.md").write_text(LISTS, encoding="utf-8")
    (month / "yishihui.md").write_text(SAME_TITLE.format(time="09:00", where="开到家门口"))
    (month / "yishihui-zai-ci.md").write_text(SAME_TITLE.format(time="15:00", where="又开了一次"))
    build = run_build(folder / "output", content)
    assert build.returncode == 0, build.stderr
    return content, folder / "output", build.stderr


def names_on(page: Path, xpath: str) -> list[str]:
    return [a.text_content().strip() for a in html.parse(str(page)).xpath(xpath)]


# --- 1. lists ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["孙露", "段雨萌"])
def test_each_reporter_of_a_chinese_list_gets_a_page_listing_the_article(site, name):
    page = site[1] / "reporter" / pinyin_slug(name) / "index.html"
    assert "崇仁社区重阳节敬老活动" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["重阳节", "敬老", "崇仁社区"])
def test_each_tag_of_a_chinese_list_gets_a_page_listing_the_article(site, name):
    page = site[1] / "tag" / pinyin_slug(name) / "index.html"
    assert "崇仁社区重阳节敬老活动" in page.read_text(encoding="utf-8")


def test_no_reporter_or_tag_is_named_after_a_whole_list(site):
    output = site[1]
    reporters = " ".join(names_on(output / "reporter" / "index.html", "//main//a"))
    tags = " ".join(names_on(output / "tag" / "index.html", "//main//a"))
    assert all(name in reporters for name in ("孙露", "段雨萌"))
    assert all(name in tags for name in ("重阳节", "敬老", "崇仁社区"))
    assert "孙露、段雨萌" not in reporters and "重阳节，敬老" not in tags


def test_the_feed_names_each_reporter_apart(site):
    feed = (site[1] / "feeds" / "all.atom.xml").read_text(encoding="utf-8")
    [entry] = [e for e in feed.split("<entry>") if "<title>崇仁社区重阳节敬老活动</title>" in e]
    # Pelican's Atom entries name the first reporter only: a name, never the whole list.
    assert "<name>孙露</name>" in entry and "<name>孙露、段雨萌</name>" not in entry
    assert '<category term="敬老"/>' in entry and '<category term="崇仁社区"/>' in entry
    assert "重阳节，敬老" not in feed


def test_search_vocabulary_holds_each_name_not_the_list(site):
    words = RecordCache(cache_of(site[1])).dictionary
    assert {"段雨萌", "崇仁社区", "重阳节"} <= set(words)
    assert not [w for w in words if "、" in w or "，" in w or "；" in w]
    [answer] = node_search(site[1], ["崇仁社区"])
    assert answer["parts"] == ["崇仁社区"]


def test_make_new_writes_a_chinese_list_of_reporters_with_dunhao(tmp_path):
    content = copy_content(tmp_path / "content")
    made = invoke("new", "敬老活动", "--authors", "孙露，段雨萌", "--content", str(content))
    assert made.returncode == 0, made.stderr
    [path] = (content / "articles").rglob(f"{pinyin_slug('敬老活动')}.md")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert (
        "Authors: 孙露、段雨萌" in lines and "本报讯（记者 孙露、段雨萌）正文从这里开始。" in lines
    )


# --- 4. one title twice ------------------------------------------------------------------


def test_the_second_article_with_one_title_gets_a_readable_numbered_url(site):
    slug = pinyin_slug("居民议事会开到家门口")
    first = site[1] / "2020" / "11" / slug / "index.html"
    second = site[1] / "2020" / "11" / f"{slug}-2" / "index.html"
    assert "开到家门口。" in first.read_text(encoding="utf-8")
    assert "又开了一次" in second.read_text(encoding="utf-8")


def test_the_build_tells_the_editor_about_two_articles_with_one_title(site):
    content, _, stderr = site
    later = content / "articles" / "2020" / "11" / "yishihui-zai-ci.md"
    [notice] = [line for line in stderr.splitlines() if "two articles with one title" in line]
    assert notice.startswith(f"提醒 (notice): {later}:1: 标题和 ")
    assert "yishihui.md 相同" in notice and "-2" in notice


def test_make_check_tells_about_one_title_twice_and_still_passes(site):
    checked = invoke("check", "--path", str(site[0]))
    assert checked.returncode == 0, checked.stderr
    assert "yishihui-zai-ci.md:1: 标题和" in checked.stdout
    assert "内容检查通过" in checked.stdout


# --- 3. what make new leaves to fill in ---------------------------------------------------

ARTICLE = "Title: 敬老活动\nDate: {date}\nCategory: 社区动态\nIssue: 47\n\n{body}\n"
CASES = {
    "placeholder": (
        ARTICLE.format(date="2020-11-26", body="本报讯（记者 孙露）正文从这里开始。"),
        6,
        "正文还是模板里的“正文从这里开始。”",
    ),
    "empty byline": (
        ARTICLE.format(date="2020-11-26", body="本报讯（记者 ）崇仁社区举办敬老活动。"),
        6,
        "记者名是空的",
    ),
    "date far from its issue": (
        ARTICLE.format(date="2023-05-04", body="本报讯（记者 孙露）崇仁社区举办敬老活动。"),
        4,
        "文章日期 2023-05-04 和第47期的出版日期 2020-11-27 相差 888 天",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_make_check_and_the_build_refuse_what_was_left_unfinished(tmp_path, case):
    text, line, message = CASES[case]
    content = copy_content(tmp_path / "content")
    article = content / "articles" / "2020" / "11" / "jinglao.md"
    article.write_text(text, encoding="utf-8")
    checked = invoke("check", "--path", str(content))
    assert checked.returncode == 1
    assert f"jinglao.md:{line}: {message}" in checked.stderr
    build = run_build(tmp_path / "output", content)
    assert build.returncode == 1
    assert any(f"jinglao.md:{line}: {message}" in problem for problem in build.problems)


def test_a_skeleton_published_unchanged_is_refused_twice_over(tmp_path):
    content = copy_content(tmp_path / "content")
    assert invoke("new", "敬老活动", "--content", str(content)).returncode == 0
    [path] = (content / "articles").rglob(f"{pinyin_slug('敬老活动')}.md")
    text = path.read_text(encoding="utf-8")
    assert invoke("check", "--path", str(content)).returncode == 0  # a draft may be a skeleton
    path.write_text(text.replace("Status: draft\n", ""), encoding="utf-8")
    checked = invoke("check", "--path", str(content))
    assert checked.returncode == 1
    assert "正文还是模板里的" in checked.stderr and "记者名是空的" in checked.stderr


# --- 5. a salutation right after the header -------------------------------------------------


def test_a_salutation_right_after_the_header_gets_the_blank_line_advice(tmp_path):
    content = copy_content(tmp_path / "content")
    notice = "Title: 停水通知\nDate: 2020-11-26\nCategory: 通知公告\n各位居民：\n明天停水。\n"
    (content / "articles" / "2020" / "11" / "tingshui.md").write_text(notice, encoding="utf-8")
    checked = invoke("check", "--path", str(content))
    [problem] = [line for line in checked.stderr.splitlines() if "tingshui.md" in line]
    assert "tingshui.md:4: 正文和开头的信息行之间少了一个空行" in problem
    assert "在第 4 行前面加一个空行" in problem


# --- 5. print subheads ----------------------------------------------------------------------


def test_print_subheads_are_smaller_than_headlines(site, page):
    page.goto((site[1] / "issues" / "47" / "print" / "index.html").as_uri())
    page.emulate_media(media="print")
    size = "e => parseFloat(getComputedStyle(e).fontSize)"
    headlines = page.locator(".edition-article h2.headline").evaluate_all(f"l => l.map({size})")
    [subhead] = page.locator(".edition-article h2:not(.headline)").evaluate_all(
        f"l => l.map({size})"
    )
    body = page.locator(".edition-article p:not(.byline, .subtitle)").first.evaluate(size)
    assert len(headlines) >= 7 and body < subhead < min(headlines)


def test_make_new_takes_the_title_as_typed_and_runs_none_of_it(tmp_path):
    """make new TITLE='…' was pasted into the recipe's shell line: make read the $ of
    价格$HOME as a variable, the shell dropped the quotes, and a backquote ran a command."""
    import shutil

    project = tmp_path / "project"
    for folder in ("content", "theme"):
        shutil.copytree(ROOT / folder, project / folder)
    for name in ("Makefile", "tasks.py", "pelicanconf.py"):
        shutil.copy2(ROOT / name, project / name)
    (project / ".venv").symlink_to(ROOT / ".venv")
    (project / "plugins").symlink_to(ROOT / "plugins")
    before = set((project / "content").rglob("*.md"))
    title = '价格$HOME和"引号"`touch ran-a`$(touch ran-b)'
    # -o: never reinstall the shared .venv from a test, whatever the stamp's age.
    command = ["make", "-o", ".venv/.runtime-installed", "new", f"TITLE={title}"]
    made = subprocess.run(command, cwd=project, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert not list(project.glob("ran-*"))
    [draft] = set((project / "content").rglob("*.md")) - before
    assert f"Title: {title}\n" in draft.read_text(encoding="utf-8")
