"""Issues (期): the seed articles form one issue; its pages, links and the build errors."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import html

from kuaixun.core.cjk.slugs import pinyin_slug
from kuaixun.core.issues import (
    ArticleRef,
    latest_issue_number,
    order_articles,
    parse_issue_number,
    read_issue,
    split_lead_paragraph,
)
from kuaixun.testing.builds import ROOT, copy_content, run_build

SEED_ISSUE = ROOT / "content" / "issues" / "47.md"
SEED_ARTICLES = sorted((ROOT / "content" / "articles" / "2020" / "11").glob("*.md"))


def page(output: Path, url: str):
    return html.parse(str(output / url / "index.html")).getroot()


def hrefs(tree, xpath: str = "//a") -> list[str]:
    return [a.get("href") for a in tree.xpath(xpath)]


def resolves_to(href: str, page_url: str, target_url: str) -> bool:
    """Does a relative href on page_url point at target_url (both site-relative folders)?"""
    from posixpath import join, normpath

    return normpath(join("/" + page_url, href)) == normpath("/" + target_url)


def seed_issue():
    issue, problems = read_issue(SEED_ISSUE.read_text(encoding="utf-8"), str(SEED_ISSUE))
    assert not problems
    return issue


# --- the seed issue on the real site ------------------------------------------------------


def test_every_seed_article_names_the_same_defined_issue():
    numbers = set()
    for path in SEED_ARTICLES:
        lines = [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("Issue:")
        ]
        assert len(lines) == 1, path
        numbers.add(parse_issue_number(lines[0].partition(":")[2]))
    assert numbers == {seed_issue().number}


def test_issue_table_of_contents_lists_the_articles_in_the_editors_order(real_site):
    issue = seed_issue()
    folder = ROOT / "content" / "articles" / "2020" / "11"
    titles_in_order = [title_of(folder / f"{stem}.md") for stem in issue.order]
    toc = page(real_site, f"issues/{issue.number}")
    titles = [a.text_content() for a in toc.xpath("//ol[@class='issue-toc']//h3/a")]
    assert titles == titles_in_order
    assert len(titles) == len(SEED_ARTICLES)


def title_of(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[0].partition(":")[2].strip()


def test_table_of_contents_shows_summary_byline_and_subtitle(real_site):
    toc = page(real_site, f"issues/{seed_issue().number}")
    entries = toc.xpath("//ol[@class='issue-toc']/li")
    assert entries
    for entry in entries:
        assert entry.xpath(".//p[@class='summary']")[0].text_content().strip()
        assert "记者" in entry.xpath(".//p[@class='byline']")[0].text_content()
    subtitles = [s.text_content() for s in toc.xpath("//p[@class='subtitle']")]
    assert "政府买服务 居民享幸福" in subtitles


def test_issue_page_shows_the_editors_note(real_site):
    toc = page(real_site, f"issues/{seed_issue().number}")
    note = toc.xpath("//section[@class='issue-lead']")[0].text_content()
    assert "编者按" in note and "欢迎居民朋友来稿" in note


def test_home_page_links_the_latest_issue_its_print_view_and_the_archive(real_site):
    number = seed_issue().number
    home = page(real_site, "")
    links = hrefs(home, "//section[@class='latest-issue']//a")
    for target in (f"issues/{number}/", f"issues/{number}/print/", "issues/"):
        assert any(resolves_to(h, "", target) for h in links), (target, links)
        assert (real_site / target / "index.html").is_file()


def test_every_seed_article_page_links_the_issue_it_appeared_in(real_site):
    number = seed_issue().number
    pages = sorted(real_site.glob("2020/11/*/index.html"))
    assert len(pages) == len(SEED_ARTICLES)
    for article in pages:
        url = article.parent.relative_to(real_site).as_posix() + "/"
        links = hrefs(html.parse(str(article)).getroot(), "//*[@class='article-issue']/a")
        assert [resolves_to(h, url, f"issues/{number}/") for h in links] == [True], url


def test_archive_lists_the_issue_and_links_its_table_of_contents(real_site):
    archive = page(real_site, "issues")
    number = seed_issue().number
    assert any(resolves_to(h, "issues/", f"issues/{number}/") for h in hrefs(archive))
    assert f"第{number}期" in archive.xpath("//main")[0].text_content()


def test_print_view_is_a_bulletin_sheet_without_site_navigation(real_site):
    issue = seed_issue()
    sheet = page(real_site, f"issues/{issue.number}/print")
    masthead = sheet.xpath("//header[@class='masthead']")[0].text_content()
    assert "社区快讯" in masthead and issue.title in masthead and "2020年11月27日" in masthead
    assert not sheet.xpath("//nav | //form | //script | //style | //*[@style]")
    stylesheets = hrefs(sheet, "//link[@rel='stylesheet']")
    assert [Path(h).name for h in stylesheets] == ["edition.css"]
    assert (real_site / "issues" / str(issue.number) / "print" / stylesheets[0]).resolve().is_file()
    headlines = [h.text_content() for h in sheet.xpath("//article//h2")]
    assert len(headlines) == len(SEED_ARTICLES)


def test_each_headline_shares_an_unbreakable_block_with_its_first_paragraph(real_site):
    sheet = page(real_site, f"issues/{seed_issue().number}/print")
    css = (ROOT / "theme/static/css/edition.css").read_text(encoding="utf-8")
    assert "size: A4" in css and "column-count" in css
    for article in sheet.xpath("//article[@class='edition-article']"):
        opening = article.xpath("./div[@class='edition-opening']")[0]
        assert opening.xpath("./h2") and opening.xpath("./p[not(@class)]"), html.tostring(opening)


# --- more than one issue: order, previous/next, latest -----------------------------------


@pytest.fixture(scope="module")
def two_issues(tmp_path_factory) -> Path:
    """The real content plus 第48期 with one new article."""
    base = tmp_path_factory.mktemp("two-issues")
    content = copy_content(base / "content")
    (content / "issues" / "48.md").write_text(
        "Number: 48\nDate: 2020-12-04\n\n下一期的编者按。\n", encoding="utf-8"
    )
    (content / "articles" / "2020" / "12").mkdir(parents=True)
    (content / "articles" / "2020" / "12" / "dongzhi.md").write_text(
        "Title: 冬至包饺子 邻里一家亲\nDate: 2020-12-04 09:00\nCategory: 社区动态\n"
        "Authors: 孙露\nIssue: 第48期\n\n本报讯（记者 孙露）社区居民一起包饺子。\n",
        encoding="utf-8",
    )
    build = run_build(base / "output", content=content)
    assert build.returncode == 0, build.stderr
    return base / "output"


def test_archive_lists_issues_newest_first(two_issues):
    archive = page(two_issues, "issues")
    titles = [a.text_content() for a in archive.xpath("//ol[@class='issue-archive']/li/h2/a")]
    assert titles == ["第48期", "第47期"]


def test_issues_link_to_their_previous_and_next_issue(two_issues):
    older, newer = page(two_issues, "issues/47"), page(two_issues, "issues/48")
    assert [
        resolves_to(h, "issues/47/", "issues/48/") for h in hrefs(older, "//a[@rel='next']")
    ] == [True]
    assert [
        resolves_to(h, "issues/48/", "issues/47/") for h in hrefs(newer, "//a[@rel='prev']")
    ] == [True]
    assert not older.xpath("//a[@rel='prev']") and not newer.xpath("//a[@rel='next']")


def test_home_page_shows_the_newest_issue(two_issues):
    links = hrefs(page(two_issues, ""), "//section[@class='latest-issue']//a")
    assert any(resolves_to(h, "", "issues/48/") for h in links)
    assert not any(resolves_to(h, "", "issues/47/") for h in links)


# --- the editors' order ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "expected", "unknown"),
    [
        ([], ["a", "b", "c"], []),
        (["c", "a"], ["c", "a", "b"], []),
        (["b", "nope"], ["b", "a", "c"], ["nope"]),
        (["slug-of-c"], ["c", "a", "b"], []),
    ],
)
def test_order_lists_named_articles_first_then_the_rest_by_date(order, expected, unknown):
    members = [
        (
            ArticleRef(f"{name}.md", 6, "47", (name, f"slug-of-{name}"), datetime(2020, 11, day)),
            name,
        )
        for day, name in ((3, "c"), (1, "a"), (2, "b"))
    ]
    members.sort(key=lambda m: m[1] == "b")
    ordered, missing = order_articles(order, members)
    assert ordered == expected
    assert missing == unknown


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("47", 47),
        ("４７", 47),
        ("第47期", 47),
        (" 47 ", 47),
        ("四十七", None),
        ("0", None),
        ("47a", None),
    ],
)
def test_issue_numbers_are_read_as_editors_write_them(written, number):
    assert parse_issue_number(written) == number


# --- errors: every problem at once, each with its fix -------------------------------------


ARTICLE = "Title: {title}\nDate: 2020-11-27\nCategory: 社区动态\nIssue: {issue}\n{more}\n正文。\n"
BROKEN_FILES = {
    "articles/2020/11/undefined.md": ARTICLE.format(title="未定义的期", issue="48", more=""),
    "articles/2020/11/not-a-number.md": ARTICLE.format(
        title="期号不是数字", issue="四十七", more=""
    ),
    "articles/2020/11/draft-undefined.md": ARTICLE.format(
        title="草稿也要查", issue="50", more="Status: draft\n"
    ),
    "issues/47-copy.md": "Number: 47\nDate: 2020-11-28\n",
    "issues/49.md": "Number: 49\nDate: 2020-11-31\nEditor: 王\n",
    "issues/nodate.md": "Number: 51\nTitle: 没有日期\n",
    # Copied from the last issue, renamed, its Number left: issue 53 had no page, and
    # nothing named this file.
    "issues/52.md": "Number: 53\nDate: 2020-11-27\n\n编者按。\n",
    # Being prepared: a draft names it, so it is no problem (published with its first article).
    "issues/54.md": "Number: 54\nDate: 2020-11-27\n\n下一期的编者按。\n",
    "articles/2020/11/draft-54.md": ARTICLE.format(
        title="下一期的草稿", issue="54", more="Status: draft\n"
    ),
}
EXPECTED_PROBLEMS = [
    ("articles/2020/11/undefined.md:4:", "第48期还没有定义", "content/issues/48.md"),
    ("articles/2020/11/not-a-number.md:4:", "不是数字", "Issue: 47"),
    ("articles/2020/11/draft-undefined.md:4:", "第50期还没有定义", "已有的期：47"),
    ("issues/47-copy.md:1:", "期号 47 重复", "每一期只写一个文件"),
    ("issues/49.md:2:", '日期 "2020-11-31" 不是有效日期', "2020-11-27"),
    ("issues/49.md:3:", "unknown key in an issue file", "Number、Date、Title、Order"),
    ("issues/nodate.md:1:", "期文件缺少 Date", "Date: 2020-11-27"),
    ("issues/52.md:1:", "文件名 52.md 和期号 Number: 53 不一致", "改名为 53.md"),
    ("issues/52.md:1:", "第53期还没有文章", "Issue: 53"),
]


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory):
    base = tmp_path_factory.mktemp("broken-issues")
    content = copy_content(base / "content")
    for name, text in BROKEN_FILES.items():
        (content / name).write_text(text, encoding="utf-8")
    return run_build(base / "output", content=content)


def test_broken_issues_fail_the_build_and_leave_no_output(broken_build):
    assert broken_build.returncode != 0
    assert not broken_build.output.exists()
    assert "Traceback" not in broken_build.stderr


@pytest.mark.parametrize(
    ("where", "message", "fix"), EXPECTED_PROBLEMS, ids=[p[0] for p in EXPECTED_PROBLEMS]
)
def test_each_issue_problem_is_reported_with_its_fix(broken_build, where, message, fix):
    matching = [line for line in broken_build.problems if where in line and message in line]
    assert len(matching) == 1, broken_build.stderr
    assert fix in matching[0].partition(" — ")[2], matching[0]


def test_an_issue_being_prepared_with_a_draft_is_no_problem(broken_build):
    about = [p for p in broken_build.problems if "第54期" in p or "54.md" in p.partition(":")[0]]
    assert not about, broken_build.stderr
    assert len(broken_build.problems) == len(EXPECTED_PROBLEMS), broken_build.stderr


def test_order_naming_an_article_outside_the_issue_is_an_error(tmp_path):
    content = copy_content(tmp_path / "content")
    issue = content / "issues" / "47.md"
    issue.write_text(
        issue.read_text(encoding="utf-8").replace("Order: ", "Order: wu-ci-wen-zhang, "),
        encoding="utf-8",
    )
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode != 0
    [problem] = [line for line in build.problems if "wu-ci-wen-zhang" in line]
    assert (
        f"issues/47.md:{seed_issue().lines['order']}:" in problem
        and "pingchengqu-goumai-fuwu" in problem.partition(" — ")[2]
    )


# --- invoke new --------------------------------------------------------------------------


def test_invoke_new_writes_a_draft_in_the_latest_issue(tmp_path):
    content = copy_content(tmp_path / "content")
    today = datetime.now(ZoneInfo("Asia/Shanghai"))
    (content / "issues" / "48.md").write_text(
        f"Number: 48\nDate: {today:%Y-%m-%d}\n", encoding="utf-8"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "invoke",
            "new",
            "居民议事会开到家门口",
            "--authors",
            "孙露",
            "--content",
            str(content),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    [path] = (content / "articles").glob(f"*/*/{pinyin_slug('居民议事会开到家门口')}.md")
    text = path.read_text(encoding="utf-8")
    assert latest_issue_number(content / "issues") == 48
    for line in (
        "Title: 居民议事会开到家门口",
        "Authors: 孙露",
        "Issue: 48",
        "Status: draft",
        "Category: 社区动态",
    ):
        assert line in text.splitlines()
    year, month = path.parent.parent.name, path.parent.name
    assert f"Date: {year}-{month}-" in text


def test_invoke_new_files_under_no_issue_when_the_latest_is_more_than_a_month_old(tmp_path):
    content = copy_content(tmp_path / "content")  # issue 47: 2020-11-27
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "new", "新稿件", "--content", str(content)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "最新的第47期是 2020-11-27 出版的，离今天超过 31 天，所以没有写 Issue:" in result.stdout
    [path] = (content / "articles").rglob(f"{pinyin_slug('新稿件')}.md")
    assert not any(line.startswith("Issue:") for line in path.read_text().splitlines())


def test_a_new_draft_previews_on_the_home_page_and_in_its_issue_marked_as_draft(tmp_path):
    content = copy_content(tmp_path / "content")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "invoke",
            "new",
            "新稿件",
            "--issue",
            "47",
            "--content",
            str(content),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    build = run_build(tmp_path / "output", content=content, SHOW_DRAFTS=True)
    assert build.returncode == 0, build.stderr
    toc = page(tmp_path / "output", "issues/47")
    drafts = toc.xpath("//h3[a[text()='新稿件']]/span[@class='draft-badge']")
    assert [d.text for d in drafts] == ["草稿"]
    home = page(tmp_path / "output", "")
    badges = home.xpath("//main//*[a[text()='新稿件']]/span[@class='draft-badge']")
    assert [b.text for b in badges] == ["草稿"]
    published = run_build(tmp_path / "published", content=content)
    assert published.returncode == 0, published.stderr
    assert "新稿件" not in (tmp_path / "published/issues/47/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("html", "lead"),
    [
        ("<p>导语</p><p>第二段</p>", "<p>导语</p>"),
        ('<p class="x">导语 <b>b</b></p>余下', '<p class="x">导语 <b>b</b></p>'),
        # A body that opens with code was split at a quote's first </p>, leaving its second
        # paragraph outside the quote in the printed edition.
        ("<pre><code>x</code></pre>\n<blockquote><p>一</p><p>二</p></blockquote>", ""),
        ("<p>导语<pre>x</pre>", ""),
    ],
)
def test_the_lead_paragraph_is_a_whole_first_paragraph(html, lead):
    first, rest = split_lead_paragraph(html)
    assert (first, first + rest) == (lead, html)
