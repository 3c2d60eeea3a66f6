"""Titles, subtitles and names are text: a hostile one reaches every page and feed as the
characters the editor typed, never as HTML. Real builds; Chromium for what a reader gets.

The hostile site is content/ plus one article (and one page) whose every text field carries
markup, quotes and ampersands, in issue 47 whose title carries markup too.
"""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from lxml import html
from test_site_quality import run_vnu, vnu_problems

from kuaixun.testing.builds import built_files, copy_content, run_build
from kuaixun.testing.search_sites import fragments

TITLE = '<img src=x onerror=alert(1)> & "引号" <b>粗</b>'
SUBTITLE = "<script>alert(2)</script> 副题 & <i>斜</i>"
REPORTER = "<img src=x onerror=alert(3)>"
REPORTER_2 = '王"五"&<b>粗</b>'
TAG = "<svg onload=alert(4)>"
TAG_2 = '"标签"&<b>粗</b>'
ISSUE_TITLE = '第47期 <img src=x onerror=alert(5)> & "期"'
PAGE_TITLE = "<img src=x onerror=alert(6)> 关于 & 联系"
# The body is Markdown: AT&T and <数字> are text there too, and the summary keeps them.
SUMMARY_TEXT = "社区里的 AT&T 服务点和 <数字> 便民窗口今天开张"

HOSTILE_ARTICLE = f"""Title: {TITLE}
Subtitle: {SUBTITLE}
Date: 2020-11-28 09:00
Category: 社区动态
Authors: {REPORTER}, {REPORTER_2}
Tags: {TAG}, {TAG_2}
Issue: 47

{SUMMARY_TEXT}，居民说“方便多了”。大家排队办理业务，秩序井然，工作人员耐心解答每一个问题。

第二段文字。
"""
HOSTILE_PAGE = f"""Title: {PAGE_TITLE}
Slug: hostile-page

页面正文。
"""
# Characters an escaped-twice page shows a reader instead of & < > ".
DOUBLE_ESCAPED = ("&amp;", "&lt;", "&gt;", "&quot;", "&#34;", "&#39;")


def hostile_content(folder: Path) -> Path:
    content = copy_content(folder)
    (content / "articles" / "2020" / "11" / "hostile.md").write_text(
        HOSTILE_ARTICLE, encoding="utf-8"
    )
    (content / "pages" / "hostile-page.md").write_text(HOSTILE_PAGE, encoding="utf-8")
    issue = content / "issues" / "47.md"
    text = issue.read_text(encoding="utf-8").replace("Title: 第47期", f"Title: {ISSUE_TITLE}")
    issue.write_text(text, encoding="utf-8")
    return content


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    build = run_build(tmp / "output", content=hostile_content(tmp / "content"))
    assert build.returncode == 0, build.stderr
    return build.output


def parse(page: Path):
    return html.fromstring(page.read_bytes())


def hostile_article(site: Path) -> str:
    """The hostile article's folder from the site root, found by the words of its <h1>
    (whether or not the markup in it was escaped)."""
    for page in site.glob("[0-9]*/[0-9]*/*/index.html"):
        if "引号" in parse(page).find(".//h1").text_content():
            return page.parent.relative_to(site).as_posix() + "/"
    raise AssertionError("no hostile article page")


def listing_of(site: Path, kind: str, name: str) -> str:
    """The folder of the tag or reporter page whose <h1> names `name`."""
    for page in site.glob(f"{kind}/*/index.html"):
        if name in parse(page).findtext(".//h1"):
            return page.parent.relative_to(site).as_posix() + "/"
    raise AssertionError(f"no {kind} page for {name}")


# What each kind of page must show as text, with the folder of that page.
def pages_and_texts(site: Path) -> dict[str, tuple[str, list[str]]]:
    article = hostile_article(site)
    return {
        "home": ("", [TITLE, SUBTITLE, REPORTER, ISSUE_TITLE, SUMMARY_TEXT]),
        "article": (article, [TITLE, SUBTITLE, REPORTER, REPORTER_2, TAG, TAG_2, ISSUE_TITLE]),
        "category": ("lanmu/she-qu-dong-tai/", [TITLE, SUBTITLE, REPORTER_2, SUMMARY_TEXT]),
        "tag": (listing_of(site, "tag", TAG), [TAG, TITLE, SUBTITLE]),
        "tag 2": (listing_of(site, "tag", TAG_2), [TAG_2, TITLE]),
        "reporter": (listing_of(site, "reporter", REPORTER), [REPORTER, TITLE]),
        "reporter 2": (listing_of(site, "reporter", REPORTER_2), [REPORTER_2, TITLE]),
        "reporters": ("reporter/", [REPORTER, REPORTER_2, TITLE]),
        "tags": ("tag/", [TAG, TAG_2]),
        "archives": ("archives/", [TITLE]),
        "issues": ("issues/", [ISSUE_TITLE, TITLE]),
        "issue": ("issues/47/", [ISSUE_TITLE, TITLE, SUBTITLE, REPORTER, SUMMARY_TEXT]),
        "print": ("issues/47/print/", [ISSUE_TITLE, TITLE, SUBTITLE, REPORTER_2]),
        "page": ("hostile-page/", [PAGE_TITLE]),
    }


PAGE_KINDS = [
    "home", "article", "category", "tag", "tag 2", "reporter", "reporter 2", "reporters",
    "tags", "archives", "issues", "issue", "print", "page",
]  # fmt: skip


# The one SVG the theme itself writes: the print edition's QR codes (kuaixun.core.qr, made
# from an article's address by segno, never from its text). Any other <svg> came from content.
SVG_NOT_OURS = "//body//svg[not(@class='qr' and parent::figure[@class='edition-qr'])]"


def visible_text(tree) -> str:
    body = tree.find(".//body")
    return " ".join(body.text_content().split())


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_hostile_text_is_shown_literally_and_makes_no_markup(hostile_site, kind):
    folder, texts = pages_and_texts(hostile_site)[kind]
    tree = parse(hostile_site / folder / "index.html")
    shown = visible_text(tree)
    for text in texts:
        assert text in shown, f"{kind} ({folder}): {text!r} is not shown as text"
    injected = tree.xpath(f"//body//*[@onerror or @onload] | //body//script | {SVG_NOT_OURS}")
    assert not injected, f"{kind} ({folder}): markup from content: {injected}"


def test_hostile_title_is_literal_in_the_tab_and_open_graph(hostile_site):
    tree = parse(hostile_site / hostile_article(hostile_site) / "index.html")
    assert tree.findtext(".//title") == f"{TITLE} - 社区快讯"
    og = {m.get("property"): m.get("content") for m in tree.xpath("//meta[@property]")}
    assert og["og:title"] == TITLE
    assert {TAG, TAG_2} <= {m.get("content") for m in tree.xpath("//meta[@property='article:tag']")}
    description = tree.xpath("string(//meta[@name='description']/@content)")
    assert description.startswith(SUMMARY_TEXT)


@pytest.fixture(scope="module")
def hostile_tab(browser, hostile_site, serve):
    """One Chromium tab over the hostile site that records every dialog a page opens."""
    # The pages' own CSP meta would block an inline handler too: bypass it, so what is judged
    # here is the escaping alone (tests/test_security_csp.py judges the policy).
    context = browser.new_context(bypass_csp=True)
    tab = context.new_page()
    dialogs: list[str] = []

    def dismiss(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", dismiss)
    yield tab, serve(hostile_site), dialogs
    context.close()


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_dialog_fires_and_chromium_shows_the_literal_text(hostile_tab, hostile_site, kind):
    tab, base, dialogs = hostile_tab
    folder, texts = pages_and_texts(hostile_site)[kind]
    dialogs.clear()
    tab.goto(f"{base}/{folder}", wait_until="load")
    shown = " ".join(tab.evaluate("document.body.innerText").split())
    assert not dialogs, f"{kind}: content ran script: {dialogs}"
    for text in texts:
        assert text in shown, f"{kind}: Chromium does not show {text!r}"
    found = "document.querySelectorAll('[onerror],[onload],svg:not(.edition-qr > svg.qr)')"
    assert tab.evaluate(f"{found}.length") == 0


def test_the_dialog_check_catches_titles_printed_as_html(tmp_path, browser, serve):
    """The same content built without autoescape (Pelican's default): the alert fires."""
    unescaped = {"trim_blocks": True, "lstrip_blocks": True, "extensions": []}
    build = run_build(
        tmp_path / "output", content=hostile_content(tmp_path / "content"),
        JINJA_ENVIRONMENT=unescaped,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    context = browser.new_context(bypass_csp=True)  # as hostile_tab: escaping alone
    tab = context.new_page()
    dialogs = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.goto(f"{serve(build.output)}/{hostile_article(build.output)}", wait_until="load")
    context.close()
    assert "1" in dialogs


def test_hostile_pages_are_valid_html(hostile_site):
    folders = {folder for folder, _ in pages_and_texts(hostile_site).values()}
    pages = [hostile_site / folder / "index.html" for folder in sorted(folders)]
    problems = vnu_problems(run_vnu(pages), hostile_site)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("feed", ["feeds/all.atom.xml", "feeds/lanmu/she-qu-dong-tai.atom.xml"])
def test_feeds_carry_the_literal_title_tags_and_reporters(hostile_site, feed):
    parsed = feedparser.parse(str(hostile_site / feed))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    entry = next((e for e in parsed.entries if e.title == TITLE), None)
    assert entry is not None, [e.title for e in parsed.entries]
    assert entry.title_detail.type == "text/plain"
    assert {TAG, TAG_2} <= {tag.term for tag in entry.tags}
    assert REPORTER in entry.author
    # The summary is HTML (type="html"): as a reader sees it, the text is the editor's.
    summary = html.fragment_fromstring(entry.summary, create_parent="div").text_content()
    assert summary.startswith(SUMMARY_TEXT)


def test_search_fragments_hold_the_literal_title(hostile_site):
    """The search page builds its results as DOM text from these (test_search_browser.py)."""
    heads = [a["t"] for a in fragments(hostile_site)]
    assert TITLE in heads


# --- no double escaping in the real site -------------------------------------------------


def shown_strings(tree) -> list[str]:
    """What a reader sees or hears: text, the tab title and text-bearing attributes."""
    strings = [" ".join(tree.find(".//body").text_content().split())]
    strings += tree.xpath("//title/text() | //meta/@content | //@alt | //@title | //@aria-label")
    return strings


def test_no_escaped_entities_are_visible_on_any_seed_page(real_site):
    for page in built_files(real_site, "**/*.html", at_least=20):
        tree = parse(page)
        for string in shown_strings(tree):
            leftover = [entity for entity in DOUBLE_ESCAPED if entity in string]
            name = page.relative_to(real_site)
            assert not leftover, f"{name}: a reader sees {leftover} in {string[:120]!r}"


def test_no_escaped_entities_are_visible_in_seed_feeds(real_site):
    for feed in sorted(real_site.glob("feeds/**/*.xml")):
        for entry in feedparser.parse(str(feed)).entries:
            summary = html.fragment_fromstring(entry.summary, create_parent="div").text_content()
            for string in (entry.title, summary):
                assert not [e for e in DOUBLE_ESCAPED if e in string], f"{feed.name}: {string}"


def test_the_entity_check_sees_a_double_escaped_page(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><title>a</title><p>AT&amp;amp;T</p>", encoding="utf-8")
    assert "&amp;" in shown_strings(parse(page))[0]
