"""`invoke check` (make check): the content check alone, without a build — every problem of
every file at once as `path:line: 问题 — 改法`, non-zero exit. Its rules are tested here on
small files; the same rules run inside every build (tests/test_strict_build.py)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from pelican.settings import read_settings

from kuaixun.core.problems import Problem
from kuaixun.rules import RULES, Changes, check_changes, check_site, files, registry
from kuaixun.rules.metadata import date_problem
from kuaixun.rules.registry import CheckMemory
from kuaixun.testing.builds import ROOT, copy_content

FIXTURES = Path(__file__).parent / "fixtures" / "broken"
HEADER = "Title: 标题\nDate: 2020-11-20\nCategory: 社区动态\n"


def invoke_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "invoke", "check", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def site(tmp_path: Path, files: dict[str, str | bytes]) -> dict:
    """Settings for a content folder holding just `files` (paths under articles/ or pages/)."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(tmp_path)})


def problems_of(tmp_path: Path, files: dict[str, str | bytes]) -> list[Problem]:
    return check_site(site(tmp_path, files))


# --- the command ---------------------------------------------------------------------------


def test_check_passes_on_the_real_content():
    result = invoke_check()
    assert result.returncode == 0, result.stderr
    assert "内容检查通过" in result.stdout


def test_check_reports_every_broken_file_at_once(tmp_path):
    content = copy_content(tmp_path / "content")
    for kind in ("articles", "pages"):
        for fixture in (FIXTURES / kind).glob("*.md"):
            (content / kind / fixture.name).write_bytes(fixture.read_bytes())
    gbk = "Title: 国标\nDate: 2020-11-20\nCategory: 社区动态\n\n国标编码的正文。\n"
    (content / "articles" / "gbk.md").write_bytes(gbk.encode("gbk"))

    result = invoke_check("--path", str(content))

    assert result.returncode == 1
    named = {line.split(":")[0].rsplit("/", 1)[-1] for line in result.stderr.splitlines()[:-1]}
    # Every fixture the content check can see without a build (links-to-gbk* need Pelican's
    # URLs; the build test covers them). The pages at the archive's and the issues' addresses
    # were the build's alone until the check learnt the site's own addresses.
    expected = {p.name for p in (FIXTURES / "articles").glob("*.md")} | {"gbk.md"}
    expected |= {p.name for p in (FIXTURES / "pages").glob("*.md")}
    expected -= {"links-to-gbk.md", "links-to-gbk-again.md", "slug-one.md"}
    assert named == expected
    assert "内容检查发现" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr


def test_check_problem_lines_have_path_line_message_and_fix(tmp_path):
    content = copy_content(tmp_path / "content")
    (content / "articles" / "bad.md").write_text(
        "Title: 坏\nDate: 2020-11-31\nCategory: 社区动态\n\n正文\n"
    )
    result = invoke_check("--path", str(content))
    first = result.stderr.splitlines()[0]
    assert first == (
        f"{content / 'articles' / 'bad.md'}:2: "
        '日期 "2020-11-31" 不存在 (Date is not a real date) — '
        "请写成 2020-11-30 这样的格式 (use YYYY-MM-DD [HH:MM])"
    )


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2020-11-31", ["不存在", "2020-11-30"]),
        ("2020/13/01", ["不存在", "2020-12-01"]),
        ("2020年11月31日", ["不存在", "2020-11-30"]),
        ("2021-02-29", ["不存在", "2021-02-28"]),
        ("2020年11月27日", ["格式不对", "2020-11-27"]),
        ("2020/11/27", ["格式不对", "2020-11-27"]),
        ("2020-11-27 25:00", ["时间不存在"]),
        ("上周五", ["看不懂", "YYYY-MM-DD"]),
        # A year of five digits: the fix said "请写成 0000-01-01".
        ("10000-01-01", ["看不懂", "2020-11-27"]),
    ],
)
def test_bad_date_is_named_with_the_expected_format(value, words):
    message, fix = date_problem(value)
    assert all(w in message + fix for w in words)
    assert "0000-" not in fix
    assert "YYYY-MM-DD" in fix


@pytest.mark.parametrize(
    "value", ["2020-11-27", "2020-11-27 09:30", "2020-2-29", "2020-11-27T09:30:05"]
)
def test_real_dates_pass(value):
    assert date_problem(value) is None


def test_a_date_far_ahead_is_named_and_a_draft_may_wait(tmp_path):
    """2062 typed for 2026 put the article at the top of the home page, its 栏目 and the
    feeds until 2062, and the check passed it. An issue prepared a few days early passes;
    a draft may wait for any day."""
    ahead, soon = date.today() + timedelta(days=400), date.today() + timedelta(days=3)
    files = {
        "articles/typo.md": f"Title: 年份打错\nDate: {ahead} 09:00\nCategory: 社区动态\n\n正文\n",
        "articles/edited.md": HEADER + f"Modified: {ahead}\n\n改过\n",
        "articles/soon.md": f"Title: 下期\nDate: {soon}\nCategory: 社区动态\n\n正文\n",
        "articles/later.md": HEADER.replace("2020-11-20", str(ahead)) + "Status: draft\n\n草稿\n",
    }
    problems = sorted(problems_of(tmp_path, files), key=lambda p: p.path)
    assert [(Path(p.path).name, p.line) for p in problems] == [("edited.md", 4), ("typo.md", 2)]
    assert all(str(ahead) in p.message and "Status: draft" in p.fix for p in problems)


# --- the other rules, one file each ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Date: 2020-11-20\nCategory: 社区动态\n\n正文\n", 1, ["没有标题"]),
        ("Title: 无日期\nCategory: 社区动态\n\n正文\n", 1, ["没有日期", "Date:"]),
        ("Title: 无栏目\nDate: 2020-11-20\n\n正文\n", 1, ["没有栏目", "社区动态"]),
        (HEADER.replace("社区动态", "社区动太") + "\n正文\n", 3, ["社区动太", "是不是 社区动态"]),
        (HEADER + "Tilte: 错\n\n正文\n", 4, ['"Tilte"', "Title"]),
        (HEADER + "Title: 又一个\n\n正文\n", 4, ["写了两次"]),
        (HEADER + "Status: publish\n\n正文\n", 4, ["publish", "draft"]),
        (HEADER + "Tags：社区\n\n正文\n", 4, ["中文冒号", "Tags: 社区"]),
        (HEADER + "Subtitle 副题\n\n正文\n", 4, ["Key: value"]),
        # Chinese text without a colon right after the header is the text's first line.
        (HEADER + "这一行不是信息行\n\n正文\n", 4, ["少了一个空行", "第 4 行前面"]),
        (HEADER + "\n", 4, ["正文是空的"]),
        (HEADER + "\n<!-- 只有注释 -->\n", 5, ["正文是空的"]),
        (HEADER + "\n正文\n\n[坏]({filename}no.md)\n", 7, ["{filename}no.md", "不存在"]),
        # An image is the photos plugin's: its own message, not the link rule's.
        (HEADER + "\n正文\n\n![社区地图]({static}/images/no.png)\n", 7, ["找不到照片文件 no.png"]),
        (HEADER + "\n正文 [坏](./no-such.pdf)\n", 5, ["no-such.pdf", "不存在"]),
        (HEADER + "\n正文 [源文件](other.md)\n", 5, ["{filename}other.md"]),
        (HEADER + "\n正文 [政府网](www.gov.cn)\n", 5, ["https://www.gov.cn"]),
        (HEADER + "\n正文 [民政部](mca.gov.cn/)\n", 5, ["https://mca.gov.cn/"]),
        (HEADER + '\n<a href="{filename}gone.md">坏</a>\n', 5, ["gone.md", "不存在"]),
        (HEADER + "\n正文 [坏]({fliename}other.md)\n", 5, ["{fliename}", "{filename}"]),
        (HEADER + "\n正文 [草稿]({filename}draft.md)\n", 5, ["草稿", "Status: draft"]),
        (HEADER + "Summary: 见[旧文]({filename}gone.md)\n\n正文\n", 4, ["gone.md", "不存在"]),
        # A fence never closed is text to Markdown, so what follows it is a link
        # (Hypothesis found the check taking it for code while Pelican followed the link).
        (HEADER + "\n```\n[坏]({filename}no.md)\n", 6, ["{filename}no.md", "不存在"]),
        (HEADER + "\n```\n[外]({static}../../../etc/passwd)\n", 6, ["content/ 以外"]),
        # A template made for a listing crashed Pelican while writing ("a bug in the site").
        (HEADER + "Template: index\n\n正文\n", 4, ['模板 "index"', "不是给文章用的"]),
        (HEADER + "Template: issue_print\n\n正文\n", 4, ["issue_print", "Template:"]),
        # A link or heading without words: a screen reader says "link" (axe: link-name).
        (HEADER + "\n正文[](https://example.com/a)。\n", 5, ["没有文字", "example.com/a"]),
        (HEADER + '\n正文\n\n<a href="https://example.com/b"> </a>\n', 7, ["没有文字"]),
        (HEADER + "\n## \n\n正文\n", 5, ["小标题是空的", "##"]),
        # Markdown the source patterns did not read: Pelican rewrote (and copied) the link.
        (HEADER + "\n[甲 [乙] 丙]({static}../../../etc/passwd)\n", 5, ["content/ 以外"]),
        (HEADER + "\n\\\\[甲]({static}../../../etc/passwd)\n", 5, ["content/ 以外"]),
        (HEADER + "\n[甲][r]\n\n[r]:\n    {static}../../../etc/passwd\n", 8, ["content/ 以外"]),
        (
            HEADER + '\n<a title="x"\nhref="{static}../../../etc/passwd">甲</a>\n',
            6,
            ["content/ 以外"],
        ),
        # A fence closes only with the same fence (``` does not close ````).
        (HEADER + "\n````\n正文\n```\n[坏]({filename}no.md)\n", 8, ["no.md", "不存在"]),
        # A title of zero-width spaces is no title; a bidi override reorders what follows.
        ("Title: \u200b\u200b\nDate: 2020-11-20\nCategory: 社区动态\n\n正文\n", 1, ["没有标题"]),
        # Letters that show as nothing: Hangul fillers, the blank Braille pattern.
        ("Title: \u3164\u115f\nDate: 2020-11-20\nCategory: 社区动态\n\n正文\n", 1, ["没有标题"]),
        ("Title: \u2800\u2800\nDate: 2020-11-20\nCategory: 社区动态\n\n正文\n", 1, ["没有标题"]),
        (HEADER + "\n&nbsp;&#x3000;&#8203;\n", 5, ["正文是空的"]),
        (HEADER + "\n请拨打 \u202e0110 报警\n", 5, ["U+202E", "控制字符"]),
        # Lang: en wrote the article to ying-wen-…-en.html; Translation: true took it off
        # every listing (and Pelican stopped with "All items … are translations").
        (HEADER + "Lang: en\n\n正文\n", 4, ['Lang "en"', "删掉 Lang:"]),
        (HEADER + "Translation: true\n\n正文\n", 4, ["Translation:", "首页"]),
        # A Slug is one part of a URL: "you kong ge" made hrefs with spaces; 300 characters
        # crashed the build (File name too long).
        (HEADER + "Slug: you kong ge\n\n正文\n", 4, ["只能用字母", "Slug: you-kong-ge"]),
        (HEADER + "Slug: 有空格\n\n正文\n", 4, ["Slug: you-kong-ge"]),
        (HEADER + f"Slug: {'x' * 300}\n\n正文\n", 4, ["太长", "300"]),
        (HEADER + f"Save_as: a/{'y' * 256}.html\n\n正文\n", 4, ["Save_as"]),
        # URL: alone pointed every listing, the feed and the sitemap at another article's
        # address; an address is the date and the Slug.
        (HEADER + "URL: 2020/11/bie-ren/\n\n正文\n", 4, ["URL:", "Slug:"]),
        # Text readers never see, which the feeds and the search carry (hidden= is refused).
        (HEADER + '\n正文\n\n<p class="print-only">纸上</p>\n', 7, ["print-only"]),
        (HEADER + "\n正文\n\n致电 139。\n{: .visually-hidden }\n", 8, ["visually-hidden"]),
        (HEADER + "\n正文\n\n<div popover>藏</div>\n", 7, ["popover"]),
        (HEADER + "\n正文\n\n<dialog open>盖住</dialog>\n", 7, ["<dialog>"]),
        (HEADER + "\n正文\n\n<video>看不见</video>\n", 7, ["播放器"]),
        (HEADER + '\n正文\n\n<p><span bgcolor="white">白</span></p>\n', 7, ["bgcolor"]),
        # lxml stops building the tree at 255 levels: what followed passed every rule.
        (
            HEADER
            + "\n正文\n\n"
            + "<p>"
            + "<span>" * 260
            + "居民"
            + "</span>" * 260
            + '<meta http-equiv="refresh" content="0;url=https://example.org/">'
            + "</p>"
            + "\n",
            7,
            ["超过 100 层"],
        ),
        # Direction characters as character references reach the page as the characters.
        (HEADER + "\n拨打 &#x202E;0110 咨询\n", 5, ["U+202E"]),
        (HEADER + "\n拨打 \u2068\u200f0110 1234\u2069 咨询\n", 5, ["U+200F", "U+2068"]),
        # References HTML calls invalid, which html.unescape drops and browsers keep: the
        # first stopped the feeds' writer naming no file, the next made the feeds ill-formed.
        (HEADER + "\n正文&#x1;中间\n", 5, ["U+0001"]),
        (HEADER + "\n正文&#xFFFF;中间\n", 5, ["U+FFFF"]),
        (HEADER + "\n正文&#11;与&#xFDD0;\n", 5, ["U+000B", "U+FDD0"]),
        (HEADER + "\n[附件]({static}other.md)\n", 5, ["原样发布"]),
        # Markup a browser hides as a comment, which the source, the feeds and search carry.
        (HEADER + "\n正文\n\n<?秘密 13911111111 ?>\n", 7, ["<?…>"]),
        (HEADER + "\n正文\n\n<![CDATA[ 秘密 13922222222 ]]>\n", 7, ["CDATA"]),
        (HEADER + "\n正文\n\n<!DOCTYPE html>\n", 7, ["DOCTYPE"]),
        (HEADER + '\n[报名](https://a.example/){: ping="https://t.example/" }\n', 5, ["ping="]),
        # A tag, 栏目 or reporter no published article has: an address no page has, or
        # ({category}..) a build stopped naming no file.
        (HEADER + "\n[更多]({tag}不存在的标签)\n", 5, ["不存在的标签", "没有文章用过"]),
        (HEADER + "\n[更多]({category}..)\n", 5, ["栏目", "没有文章用过"]),
        (HEADER + "\n[更多]({author}无名氏)\n", 5, ["记者", "无名氏"]),
        ("\ufeff\ufeff" + HEADER + "\n正文\n", 1, ["两个 BOM"]),
        (HEADER + '\n拨打 <span dir="auto">&#x200F;0110</span>\n', 5, ["U+200F"]),
        # Reverse tabnabbing: the opened site replaces the bulletin's tab.
        (
            HEADER + '\n[报名](https://a.example/){: target="_blank" }\n',
            5,
            ["target="],
        ),
        (HEADER + "\n<ruby>居民<rp>藏起来的字</rp><rt>jū</rt></ruby>\n", 5, ["<rp>"]),
        (HEADER + "\n<small><small><small>小到看不见</small></small></small>\n", 5, ["三层"]),
        # A raw id a heading's anchor also takes (## 注意 is #zhu-yi).
        (HEADER + '\n<p id="zhu-yi">第一段</p>\n\n## 注意\n', 5, ["两次"]),
        (HEADER + "Modified: 2020-01-01\n\n正文\n", 4, ["早于"]),
        (HEADER + "\n正文\n\n<<<<<<< HEAD\n旧\n=======\n新\n>>>>>>> b\n", 7, ["7–11", "<<<<<<<"]),
    ],
)
def test_each_rule_names_its_line_and_fix(tmp_path, text, line, words):
    files = {
        "articles/x.md": text,
        "articles/other.md": HEADER + "\n另一篇\n",
        "articles/draft.md": HEADER + "Status: draft\n\n草稿\n",
    }
    problems = [p for p in problems_of(tmp_path, files) if p.path.endswith("/x.md")]
    assert len(problems) == 1, problems
    assert problems[0].line == line
    assert all(w in f"{problems[0].message} — {problems[0].fix}" for w in words), problems[0]


@pytest.mark.parametrize(
    "body",
    [
        "[外链](https://example.org/a.html)",
        "[锚点](#di-er-jie)\n\n## 第二节",
        "[另一篇]({filename}other.md)",
        "[另一篇]({filename}/articles/other.md#xia)",
        "[栏目]({category}社区动态)",
        "[关于](../../about/)",
        "`[不是链接]({filename}no.md)`",
        "```\n[代码里]({filename}no.md)\n```",
        "[邮件](mailto:bianji@example.org)",
        # What the importer writes for text that looks like a link: text, not a link.
        '\\[x\\](\\{filename\\}/../../tasks.py) 和 &lt;a href="{filename}no.md"&gt;',
        "表格 | 甲 | 乙 |，以及 {花括号} 里的字",
        '<a href="#top">回到顶部</a> 和 <a href="https://e.com" title="区政府"></a>',
    ],
)
def test_good_links_pass(tmp_path, body):
    files = {
        "articles/x.md": HEADER + "\n正文\n\n" + body + "\n",
        "articles/other.md": HEADER + "\n另一篇\n\n## 下\n",
    }
    assert problems_of(tmp_path, files) == []


def test_gbk_file_is_named_gbk_with_iconv_fix(tmp_path):
    files = {"articles/gbk.md": (HEADER + "\n国标编码的正文。\n").encode("gbk")}
    [problem] = problems_of(tmp_path, files)
    assert problem.line == 1
    assert "GBK" in problem.message
    assert "iconv -f gbk -t utf-8" in problem.fix


def test_utf16_file_is_named(tmp_path):
    files = {"articles/u16.md": (HEADER + "\n正文\n").encode("utf-16")}
    [problem] = problems_of(tmp_path, files)
    assert "UTF-16" in problem.message


def test_utf8_with_bom_is_fine(tmp_path):
    assert (
        problems_of(tmp_path, {"articles/bom.md": ("\ufeff" + HEADER + "\n正文\n").encode()}) == []
    )


def test_empty_draft_is_fine(tmp_path):
    assert problems_of(tmp_path, {"articles/d.md": HEADER + "Status: draft\n\n"}) == []


def test_pages_need_a_title_but_no_date_or_category(tmp_path):
    problems = problems_of(
        tmp_path, {"pages/p.md": "Slug: p\n\n页面正文\n", "pages/q.md": "Title: 好\n\n正文\n"}
    )
    assert [(Path(p.path).name, p.line) for p in problems] == [("p.md", 1)]
    assert "没有标题" in problems[0].message


def test_duplicate_explicit_slug_names_both_files(tmp_path):
    files = {
        "articles/a.md": HEADER + "Slug: same\n\n甲\n",
        "articles/b.md": HEADER + "Slug: same\n\n乙\n",
    }
    [problem] = problems_of(tmp_path, files)
    assert problem.path.endswith("/b.md") and problem.line == 4
    assert "a.md:4" in problem.message


def test_a_rule_is_a_function_added_to_a_list_of_rules(tmp_path):
    """How the issues engineer adds `Issue:` checks: a function over each parsed file."""

    def issue_is_a_number(file, site):
        header = file.get("issue")
        if header and not header.value.strip().isdigit():
            yield Problem(file.shown, header.line, "期号不是数字", "写成 Issue: 47")

    rules = replace(RULES, per_file=(*RULES.per_file, issue_is_a_number))
    settings = site(tmp_path, {"articles/x.md": HEADER + "Issue: 四十七\n\n正文\n"})
    problems = check_site(settings, rules=rules)
    assert (4, "期号不是数字") in [(p.line, p.message) for p in problems]
    assert issue_is_a_number not in RULES.per_file, "the shared list is untouched"


def test_only_limits_the_report_but_sees_the_whole_site(tmp_path):
    settings = site(
        tmp_path,
        {
            "articles/a.md": HEADER + "Slug: same\n\n甲\n",
            "articles/b.md": HEADER + "Slug: same\n\n乙\n",
            "articles/c.md": HEADER.replace("2020-11-20", "2020-11-31") + "\n丙\n",
        },
    )
    problems = check_site(settings, only=[tmp_path / "articles" / "b.md"])
    assert [Path(p.path).name for p in problems] == ["b.md"]


# --- the check of the changes alone (the preview) --------------------------------------------


def test_a_check_of_changes_judges_every_rule_on_the_saved_file_only(tmp_path):
    settings = site(
        tmp_path,
        {
            "articles/old.md": HEADER + "Date: 2020-11-31\n\n正文。\n",  # one date too many
            "articles/saved.md": HEADER.replace("标题", "新标题") + "Status: 草稿\n\n正文。\n",
        },
    )
    saved = tmp_path.resolve() / "articles" / "saved.md"
    problems, _ = check_changes(settings, Changes(frozenset({saved})))
    assert {p.path for p in problems} == {str(saved)}
    assert any("Status" in p.message for p in problems)


def test_a_check_of_changes_follows_links_into_files_not_saved(tmp_path):
    """Deleting or hiding an article breaks the links of others, which were not saved."""
    settings = site(
        tmp_path,
        {
            "articles/linking.md": HEADER + "\n见[另一篇]({filename}gone.md)。\n",
            "articles/other.md": HEADER.replace("标题", "另一篇") + "\n正文。\n",
        },
    )
    other = tmp_path.resolve() / "articles" / "other.md"
    problems, _ = check_changes(settings, Changes(frozenset({other})))
    assert [(Path(p.path).name, p.line) for p in problems] == [("linking.md", 5)]


def test_a_check_of_changes_reads_and_judges_again_only_what_changed(tmp_path, monkeypatch):
    photo = b"\xff\xd8\xff"
    settings = site(tmp_path, {"articles/a.md": HEADER + "\n正文。\n", "images/a.jpg": photo})
    memory = CheckMemory()
    assert check_changes(settings, Changes(None, memory)) == ([], [])
    read = []
    monkeypatch.setattr(registry, "read_file", lambda *args: read.append(args) or None)
    monkeypatch.setattr(files, "type_problem", lambda path: read.append(path) or None)
    assert check_changes(settings, Changes(frozenset(), memory)) == ([], [])
    assert read == []
    (tmp_path / "images" / "a.jpg").write_bytes(b"<svg/>")
    check_changes(settings, Changes(None, memory))
    assert read == [tmp_path.resolve() / "images" / "a.jpg"]


@pytest.mark.parametrize(
    "lines",
    [
        "Lang: zh-CN\n\n正文\n",
        "Lang: zh-cn\n\n正文\n",
        "Translation: false\n\n正文\n",
        "Slug: gui-fan_2.0\n\n正文\n",
        # A phone number copied from a contact list (inews has one): harmless marks.
        "\n电话 \u202a182 3373 3100\u202c\n",
    ],
)
def test_the_sites_own_language_and_plain_slugs_pass(tmp_path, lines):
    files = {"articles/x.md": HEADER + lines}
    assert problems_of(tmp_path, files) == []


# --- the search's user dictionary (content/search/userdict.txt) -----------------------------


@pytest.mark.parametrize(
    ("lines", "line", "words"),
    [
        # A line the search left out in silence: a comma for the space, a word for the count,
        # one field too many, a minus sign.
        ("# 说明\n平城区，2000\n", 2, ["平城区，2000", "平城区 2000 ns"]),
        ("东街街道 abc ns\n", 1, ["东街街道 abc ns"]),
        ("新词 1000 ns 多余\n", 1, ["多余"]),
        ("平城区 -5 ns\n", 1, ["-5"]),
        # jieba-rs took no frequency past 2**64: the search's process stopped (OverflowError).
        ("平城区 99999999999999999999999999 ns\n", 1, ["10000000"]),
        (f"平城区 {'0' * 5000}1\n", 1, ["10000000"]),
    ],
)
def test_a_dictionary_line_the_search_cannot_take_is_named(tmp_path, lines, line, words):
    files = {"articles/x.md": HEADER + "\n正文\n", "search/userdict.txt": lines}
    [problem] = problems_of(tmp_path, files)
    assert problem.path.endswith("search/userdict.txt") and problem.line == line
    assert all(w in f"{problem.message} — {problem.fix}" for w in words), problem


def test_the_dictionary_in_gbk_is_named_with_the_fix(tmp_path):
    data = "# 词典\n平城区 2000 ns\n".encode("gbk")
    files = {"articles/x.md": HEADER + "\n正文\n", "search/userdict.txt": data}
    [problem] = problems_of(tmp_path, files)
    assert problem.line == 1 and "GBK" in problem.message and "iconv" in problem.fix


def test_the_real_dictionary_and_its_forms_pass(tmp_path):
    lines = "\ufeff平城区 2000 ns\n邱东芳\n新冠 500\nCOVID-19\n\n# 说明\n　崇仁社区　800　ns\n"
    files = {"articles/x.md": HEADER + "\n正文\n", "search/userdict.txt": lines}
    assert problems_of(tmp_path, files) == []
    real = (ROOT / "content" / "search" / "userdict.txt").read_text(encoding="utf-8")
    assert problems_of(tmp_path, {"search/userdict.txt": real}) == []


def test_a_conflict_in_the_header_is_named(tmp_path):
    text = "<<<<<<< HEAD\n" + HEADER + "=======\n" + HEADER + ">>>>>>> b\n\n正文\n"
    problems = problems_of(tmp_path, {"articles/x.md": text})
    assert any(p.line == 1 and "第 1–9 行是没解决的合并冲突" in p.message for p in problems)


def test_conflict_markers_in_code_are_text(tmp_path):
    body = "git 合并时会留下这样的标记：\n\n```\n<<<<<<< HEAD\n旧\n=======\n新\n>>>>>>> b\n```\n"
    assert problems_of(tmp_path, {"articles/x.md": HEADER + "\n" + body}) == []


def test_a_page_may_name_a_page_template_only(tmp_path):
    files = {
        "pages/a.md": "Title: 关于\nTemplate: page\n\n正文\n",
        "pages/b.md": "Title: 关于二\nTemplate: archives\n\n正文\n",
        "articles/x.md": HEADER + "Template: article\n\n正文\n",
    }
    problems = problems_of(tmp_path, files)
    assert [(Path(p.path).name, p.line) for p in problems] == [("b.md", 2)]
    assert "不是给页面用的" in problems[0].message
