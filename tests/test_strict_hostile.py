"""The fourth hostile-editor round (docs/security.md): what `make check` and the build let
through before, each tried on a real check of a small site and, where the build judged
differently from the check, on a real build. Each is now a problem with its file, line and
fix, in the check and so in every build."""

from __future__ import annotations

from pathlib import Path

import pytest
from pelican.settings import read_settings

from kuaixun.rules import check_site
from kuaixun.testing.builds import ROOT, copy_content, run_build

HEAD = "Title: {title}\nDate: 2020-11-21\nCategory: 社区动态\n"


def article(title: str, extra: str = "", body: str = "正文一句话。") -> str:
    return HEAD.format(title=title) + extra + "\n" + body + "\n"


def site(root: Path, files: dict[str, str]) -> Path:
    """A content folder holding just `files` (paths under content/)."""
    content = root / "content"
    for name, text in files.items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content


def checked(content: Path) -> list[str]:
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(content)})
    return [str(p) for p in check_site(settings)]


def named(problems: list[str], file: str, line: int | None, *words: str) -> bool:
    where = f"/{file}:{line}: " if line else f"/{file}: "
    return any(where in p and all(w in p for w in words) for p in problems)


# --- 1. a link to an anchor the target's page does not have -------------------------------

TARGET = article(
    "社区议事会召开",
    body="本报讯（记者 孙露）议事会召开。\n\n## 会议议程\n\n议程。\n\n"
    '## 居民提问 {: #ti-wen }\n\n提问。\n\n<p id="fu-lu">附录</p>',
)


def anchors_site(root: Path) -> Path:
    links = (
        "见[议程]({filename}target.md#hui-yi-yi-cheng)、[提问]({filename}target.md#ti-wen)、"
        "[附录]({filename}target.md#fu-lu)、[本文](#xia-wen)和[跳到正文](#main)。\n\n"
        "[坏的]({filename}target.md#hui-yi-yi-chen)\n\n"
        "[中文锚点]({filename}target.md#会议议程)\n\n"
        "[本页坏的](#mei-you)\n\n"
        "## 下文\n\n下文。"
    )
    return site(
        root,
        {
            "articles/target.md": TARGET,
            "articles/links.md": article("链接到小标题", body=links),
        },
    )


def test_a_link_to_a_missing_anchor_is_named_with_the_anchors_there_are(tmp_path):
    problems = checked(anchors_site(tmp_path))
    assert named(
        problems, "links.md", 7, '"{filename}target.md#hui-yi-yi-chen"', "hui-yi-yi-cheng"
    ), problems
    # A Chinese heading's anchor is its pinyin: the fix says which.
    assert named(problems, "links.md", 9, "#会议议程", "#hui-yi-yi-cheng"), problems
    assert named(problems, "links.md", 11, '"#mei-you"', "xia-wen"), problems
    # The closest anchor first.
    [fix] = [p.split(" — ", 1)[1] for p in problems if 'hui-yi-yi-chen"' in p]
    assert fix.index("hui-yi-yi-cheng") < fix.index("ti-wen"), fix
    assert len(problems) == 3, problems


def test_the_build_refuses_a_link_to_a_missing_anchor(tmp_path):
    """Before, the build published it and only `make verify` (the built site) named it."""
    content = anchors_site(tmp_path)
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 1, build.stderr
    assert named(build.problems, "links.md", 7, "hui-yi-yi-chen"), build.stderr
    assert named(build.problems, "links.md", 11, "#mei-you"), build.stderr


def test_anchors_the_page_has_pass(tmp_path):
    body = (
        "[注释](#fn:1)、[顶部](#top)、[正文](#main)和[小标题](#zhu-yi)[^1]。\n\n"
        "## 注意\n\n## 注意\n\n[第二个](#zhu-yi_1)\n\n[^1]: 注释。"
    )
    content = site(tmp_path, {"articles/a.md": article("锚点", body=body)})
    assert checked(content) == []


# --- 2. pages that share an address: the build refused them, `make check` did not ----------


def test_pages_sharing_an_address_are_named_by_the_check_as_by_the_build(tmp_path):
    content = copy_content(tmp_path / "content")
    pages = {
        "a.md": "Title: 联系我们\n\n电话。\n",
        "b.md": "Title: 联系我们\n\n地址。\n",  # the same title: the same pinyin slug
        "tags.md": "Title: 标签说明\nSlug: tag\n\n说明。\n",  # the list of tags' address
        "search.md": "Title: 搜索帮助\nSlug: search\n\n帮助。\n",  # the search export's folder
        "feed.md": "Title: 订阅\nSlug: robots.txt\n\n订阅。\n",  # a folder named as a file
        "archives.md": "Title: 归档说明\nSlug: archives\n\n说明。\n",
    }
    for name, text in pages.items():
        (content / "pages" / name).write_text(text, encoding="utf-8")
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 1, build.stderr
    refused = sorted(p for p in build.problems if "/pages/" in p)
    assert [p.split(":")[0].rsplit("/", 1)[1] for p in refused] == [
        "archives.md", "b.md", "feed.md", "search.md", "tags.md"
    ], refused  # fmt: skip
    assert sorted(p for p in checked(content) if "/pages/" in p) == refused


# --- 3. reporters written with a separator the list does not know ----------------------------


@pytest.mark.parametrize(
    ("authors", "separator"),
    [
        ("孙露/段雨萌", "/"),
        ("孙露／段雨萌", "／"),
        ("孙露 段雨萌", "空格"),
        ("孙露\u3000段雨萌", "空格"),
        ("孙露|段雨萌", "|"),
        ("孙露、段雨萌/邱东芳", "/"),
    ],
)
def test_reporters_run_together_by_another_separator_are_named(tmp_path, authors, separator):
    """On main the build made one reporter of 孙露/段雨萌, with a page of its own."""
    text = article("两位记者", f"Authors: {authors}\n")
    problems = checked(site(tmp_path, {"articles/a.md": text}))
    assert named(problems, "a.md", 4, separator, "、"), problems


@pytest.mark.parametrize(
    "authors",
    ["孙露、段雨萌", "孙露，段雨萌；邱东芳", "John Smith, 孙露", "买买提·艾力", "王 强、段雨萌"],
)
def test_reporters_names_as_they_are_written_pass(tmp_path, authors):
    text = article("记者", f"Authors: {authors}\n")
    assert checked(site(tmp_path, {"articles/a.md": text})) == []


# --- 4. thousands of tags on one article -----------------------------------------------------


def test_more_than_20_tags_on_one_article_are_named_with_the_count(tmp_path):
    """On main 3,000 tags built 3,000 tag pages (27 MB for one article)."""
    tags = "，".join(f"标签{i}" for i in range(3000))
    files = {
        "articles/many.md": article("很多标签", f"Tags: {tags}\n"),
        "articles/twenty.md": article(
            "二十个标签", "Tags: " + "、".join(f"词{i}" for i in range(20)) + "\n"
        ),
    }
    problems = checked(site(tmp_path, files))
    assert named(problems, "many.md", 4, "3000", "20"), problems
    assert len(problems) == 1, problems


# --- found attacking as a hostile editor ------------------------------------------------------


def test_a_download_saved_under_another_name_is_refused(tmp_path):
    """On main this built: a reader's browser saved the published text file as 通知.bat, a
    file Windows runs when it is opened."""
    content = copy_content(tmp_path / "content")
    (content / "images").mkdir(exist_ok=True)
    (content / "images" / "tongzhi.txt").write_text(
        "@echo off\r\ndel /q %USERPROFILE%\\Documents\r\n"
    )
    link = '<a href="{static}/images/tongzhi.txt" download="通知.bat">下载通知</a>'
    text = article("下载", body="正文。\n\n" + link)
    (content / "articles" / "download.md").write_text(text, encoding="utf-8")
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 1, build.stderr
    assert named(build.problems, "download.md", 7, "download=", "自己的名字"), build.stderr


@pytest.mark.parametrize("slug", [".yincang", ".well-known", "~ping", "-a", "_b"])
def test_a_slug_that_does_not_start_with_a_letter_or_digit_is_named(tmp_path, slug):
    """On main `Slug: .yincang` built the article into a hidden folder, 2020/11/.yincang/,
    which some hosts and copies leave out; `.well-known` is the folder hosts keep for their
    own files."""
    files = {"articles/a.md": article("隐藏的文件夹", f"Slug: {slug}\n")}
    problems = checked(site(tmp_path, files))
    assert named(problems, "a.md", 4, slug, "字母或数字开头"), problems
    assert len(problems) == 1, problems


def test_a_slug_of_letters_digits_and_inner_dots_passes(tmp_path):
    files = {"articles/a.md": article("版本", "Slug: v1.2-fa-bu\n")}
    assert checked(site(tmp_path, files)) == []


def test_tag_and_reporter_links_know_the_names_of_lists_written_with_chinese_separators(
    tmp_path,
):
    """The links rule split Tags and Authors only at "," and ";", so on main a {tag} link to
    a tag written `Tags: 重阳节，敬老` was named as a tag no article has: an editor's right
    link refused."""
    files = {
        "articles/a.md": article(
            "重阳节活动", "Tags: 重阳节，敬老、志愿服务\nAuthors: 孙露、段雨萌\n"
        ),
        "articles/b.md": article(
            "另一篇",
            body="正文。\n\n见[敬老]({tag}敬老)、[服务]({tag}志愿服务)和[记者]({author}段雨萌)。",
        ),
    }
    assert checked(site(tmp_path, files)) == []
    files["articles/b.md"] += "\n[没有]({tag}敬老院)\n"
    problems = checked(site(tmp_path, files))
    assert named(problems, "b.md", 9, "敬老院", "没有文章用过"), problems
    assert len(problems) == 1, problems
