"""The built site as judges see it: the Nu HTML Checker, axe-core in Chromium, links, feeds,
the sitemap, language and Open Graph tags. All on real builds of content/.

Each failure names the page and the problem, so a red test says what to fix.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from lxml import etree, html
from pelican.settings import read_settings

from kuaixun.core.frontmatter import read_front_matter
from kuaixun.testing.builds import ROOT, built_files, copy_content, run_build
from kuaixun.tools.linkcheck import (
    BrokenLink,
    broken_links,
    references_in_css,
    references_in_html,
)

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SETTINGS = read_settings(str(ROOT / "pelicanconf.py"))
ORIGIN = SETTINGS["SITE_ORIGIN"]
ARTICLE_PAGES = "[0-9][0-9][0-9][0-9]/[0-9][0-9]/*/index.html"
PAGE_WEIGHT_LIMIT = 20 * 1024  # article page, HTML + CSS + JS, gzip (design.md)
WEB_FONTS = {".woff", ".woff2", ".ttf", ".otf", ".eot"}

# Words an English theme would leave on the page: navigation, labels, dates.
ENGLISH_UI_WORDS = [
    "Home", "Next", "Previous", "Prev", "Newer", "Older", "Posted", "Read more",
    "Continue reading", "Tags", "Tag", "Category", "Categories", "Archives", "Archive",
    "Author", "Authors", "By", "Search", "Page", "Published", "Menu", "Skip", "Comments",
    "Share", "Subscribe", "Feed", "Powered", "Monday", "Tuesday", "Wednesday", "Thursday",
    "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "June", "July",
    "August", "September", "October", "November", "December", "Jan", "Feb", "Mar", "Apr",
    "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
]  # fmt: skip
# Han characters count as word characters, so \b would miss "首页Next": bound by Latin letters.
ENGLISH_UI = re.compile(r"(?<![a-z])(" + "|".join(ENGLISH_UI_WORDS) + r")(?![a-z])", re.IGNORECASE)
# Attributes whose text a reader hears or sees.
UI_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "value", "content")


def html_pages(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def parse(page: Path):
    return html.fromstring(page.read_bytes())


def relative(output: Path, page: Path) -> str:
    return page.relative_to(output).as_posix()


def url_of(output: Path, page: Path) -> str:
    """The absolute URL a page is published at (folders stand for their index.html)."""
    path = relative(output, page)
    path = path.removesuffix("index.html")
    return f"{ORIGIN}/{path}"


def content_articles() -> dict[str, str]:
    """Title → source file of every published article, read from the Markdown front matter."""
    articles = {}
    for source in (ROOT / "content" / "articles").rglob("*.md"):
        front = read_front_matter(source.read_text(encoding="utf-8"))
        if (front.value("status") or "published") == "published":
            articles[front.value("title")] = source.name
    return articles


# --- The Nu HTML Checker ----------------------------------------------------------------


def run_vnu(files: list[Path], *options: str) -> list[dict]:
    """All vnu messages for `files`, checked in one JVM run."""
    if shutil.which("java") is None or not VNU.exists():
        pytest.fail(f"The Nu HTML Checker needs java and {VNU} (npm ci installs vnu-jar)")
    # Without a UTF-8 locale vnu skips files with Chinese names, reporting them only as info.
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    command = ["java", "-jar", str(VNU), "--format", "json", *options, *map(str, files)]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    return json.loads(proc.stderr or proc.stdout)["messages"]


def vnu_problems(messages: list[dict], root: Path) -> list[str]:
    """Errors, plus any file vnu could not read (which --errors-only would hide as info)."""
    problems = []
    for message in messages:
        unread = message["type"] == "info" and "not found" in message.get("message", "").lower()
        if message["type"] in ("error", "non-document-error") or unread:
            path = unquote(urlsplit(message.get("url", "")).path).removeprefix(f"{root}/")
            where = f"{path}:{message.get('lastLine', '?')}"
            problems.append(f"{where}: {message['message']} [{message.get('extract', '')}]")
    return problems


CANARY = '<!DOCTYPE html><html lang="zh-CN"><head><title>样</title></head><body><p><div></p>'


def test_vnu_reports_no_errors_on_any_page(real_site, tmp_path):
    pages = html_pages(real_site)
    # A known-bad page under a Chinese name proves vnu read the files and reports errors.
    canary = tmp_path / "坏页面.html"
    canary.write_text(CANARY, encoding="utf-8")
    messages = run_vnu([*pages, canary])
    canary_reported = [m for m in messages if m.get("url", "").endswith(canary.name)]
    assert any(m["type"] == "error" for m in canary_reported), f"vnu checked nothing: {messages}"
    problems = vnu_problems([m for m in messages if m not in canary_reported], real_site)
    assert len(pages) > 30, "the real site should have dozens of pages"
    assert not problems, f"vnu found errors in {len(pages)} pages:\n" + "\n".join(problems)


def test_vnu_reports_no_errors_in_the_stylesheets(real_site):
    sheets = sorted(real_site.rglob("*.css"))
    assert sheets, "no CSS in the output"
    problems = vnu_problems(run_vnu(sheets, "--css"), real_site)
    assert not problems, "vnu found CSS errors:\n" + "\n".join(problems)


TRICKY_ARTICLE = """Title: “双引号”与"直引号" & 符号
Subtitle: 副题里也有"引号"
Date: 2020-11-28 10:00
Category: 社区动态
Authors: 孙露
Tags: 带"引号"的标签, 社区服务
Summary: 摘要里有"引号"、& 符号和 <尖括号>。

本报讯（记者 孙露）正文第一段。
"""


def test_quotes_and_ampersands_from_editors_stay_valid_html(tmp_path):
    content = copy_content(tmp_path / "content")
    (content / "articles" / "2020" / "11" / "tricky.md").write_text(
        TRICKY_ARTICLE, encoding="utf-8"
    )
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    pages = [
        p
        for p in (tmp_path / "output").glob(ARTICLE_PAGES)
        if "直引号" in parse(p).findtext(".//h1")
    ]
    assert len(pages) == 1
    # Every page: the title, tag and summary also appear in listings, feeds links and neighbours.
    problems = vnu_problems(run_vnu(html_pages(tmp_path / "output")), tmp_path / "output")
    assert not problems, "\n".join(problems)
    og = {m.get("property"): m.get("content") for m in parse(pages[0]).xpath("//meta[@property]")}
    assert og["og:title"] == '“双引号”与"直引号" & 符号'
    assert '带"引号"的标签' in [
        m.get("content") for m in parse(pages[0]).xpath("//meta[@property='article:tag']")
    ]


# --- axe-core in Chromium -----------------------------------------------------------------


@pytest.fixture(scope="module")
def site_tab(browser, real_site, serve):
    """One Chromium tab over the real site, reused for every axe run."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: npm ci installs axe-core")
    # axe judges the page, it is not part of it: its injected inline script must pass the
    # pages' own CSP meta (script-src 'self').
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    tab = context.new_page()
    yield tab, serve(real_site)
    context.close()


def first_article(output: Path) -> str:
    return relative(output, sorted(output.glob(ARTICLE_PAGES))[0]).removesuffix("index.html")


def first_category(output: Path) -> str:
    return relative(output, sorted(output.glob("lanmu/*/index.html"))[0]).removesuffix("index.html")


AXE_PAGES = {
    "home": lambda out: "",
    "article": first_article,
    "category": first_category,
    "archive": lambda out: "archives/",
    "categories": lambda out: "lanmu/",
    "reporters": lambda out: "reporter/",
    "tags": lambda out: "tag/",
    "about": lambda out: "about/",
    "404": lambda out: "404.html",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("which", AXE_PAGES)
def test_axe_finds_no_violations(site_tab, real_site, which, scheme):
    tab, base = site_tab
    tab.emulate_media(color_scheme=scheme)
    path = AXE_PAGES[which](real_site)
    tab.goto(f"{base}/{path}")
    tab.add_script_tag(path=str(AXE))
    violations = tab.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map(v => `${v.id} (${v.impact}): ${v.help}\\n    ` +
                       v.nodes.map(n => n.target.join(' ')).join('\\n    '))"""
    )
    assert not violations, f"axe on /{path} ({scheme}):\n" + "\n".join(violations)


# --- Links ---------------------------------------------------------------------------------


def test_every_internal_link_resolves(real_site):
    broken, checked = broken_links(real_site, ORIGIN)
    assert checked > 500, f"only {checked} links found: is the checker reading the pages?"
    assert not broken, f"{len(broken)} broken of {checked} links:\n" + "\n".join(map(str, broken))


@pytest.fixture(scope="module")
def subpath_site(tmp_path_factory):
    """The production build for a project page: https://example.org/bulletin/."""
    out = tmp_path_factory.mktemp("subpath") / "output"
    build = run_build(
        out, settings="publishconf.py", env={"SITEURL": "https://example.org/bulletin"}
    )
    assert build.returncode == 0, build.stderr
    return out


def test_links_resolve_under_a_sub_path_in_production(subpath_site):
    broken, checked = broken_links(subpath_site, "https://example.org/bulletin")
    assert checked > 500
    assert not broken, "\n".join(map(str, broken))


def test_link_checker_reports_missing_files_folders_and_anchors(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<p id="here">x</p>', encoding="utf-8")
    (tmp_path / "empty").mkdir()
    (tmp_path / "s.css").write_text("b{background:url(gone.png)}", encoding="utf-8")
    (tmp_path / "index.html").write_text(
        '<a href="a/#here">ok</a><a href="a/#gone">bad anchor</a><a href="empty/">no index</a>'
        '<img src="missing.png" alt=""><img srcset="a/index.html 1x, nope.png 2x" alt="">'
        '<a href="https://elsewhere.example/">external</a><a href="http://127.0.0.1:8000/a/">own</a>'
        '<a href="/a/">root</a><link rel="stylesheet" href="s.css">',
        encoding="utf-8",
    )
    broken, checked = broken_links(tmp_path, "http://127.0.0.1:8000")
    assert checked == 11
    assert sorted(b.link for b in broken) == [
        "a/#gone",
        "empty/",
        "gone.png",
        "missing.png",
        "nope.png",
    ]
    assert all(isinstance(b, BrokenLink) and b.reason for b in broken)


def test_link_checker_finds_every_kind_of_reference():
    page = (
        '<link href="c.css"><script src="s.js"></script><img src="i.png" srcset="i1.png 1x,'
        ' i2.png 2x" alt=""><form action="search.html"></form><p style="background:url(\'p.png\')">'
        "</p><style>@import 'x.css';</style>"
    )
    assert sorted(references_in_html(page)) == sorted(
        ["c.css", "s.js", "i.png", "i1.png", "i2.png", "search.html", "p.png", "x.css"]
    )
    assert references_in_css('a{b:url("q.svg")} @import "r.css";') == ["q.svg", "r.css"]


# --- Feeds and the sitemap -----------------------------------------------------------------


def feeds(output: Path) -> list[Path]:
    return sorted((output / "feeds").rglob("*.xml"))


def test_every_feed_is_well_formed(real_site):
    found = feeds(real_site)
    assert len(found) >= 2, "expected the all-articles feed and one per 栏目"
    for feed_file in found:
        feed = feedparser.parse(feed_file.read_bytes())
        assert feed.bozo == 0, f"{relative(real_site, feed_file)}: {feed.get('bozo_exception')}"
        assert feed.entries, f"{relative(real_site, feed_file)} has no entries"
        assert feed.feed.get("language", "").lower() == "zh-cn", f"{feed_file.name}: no xml:lang"


def test_all_feed_holds_every_published_article_with_absolute_links(real_site):
    feed = feedparser.parse((real_site / SETTINGS["FEED_ALL_ATOM"]).read_bytes())
    assert {entry.title for entry in feed.entries} == set(content_articles())
    for entry in feed.entries:
        assert entry.link.startswith(ORIGIN + "/"), (
            f"{entry.title}: link {entry.link} is not absolute"
        )
        target = real_site / entry.link.removeprefix(ORIGIN + "/") / "index.html"
        assert target.is_file(), f"{entry.title}: {entry.link} is not in the output"
        assert entry.get("published_parsed") or entry.get("updated_parsed"), entry.title


def test_each_category_feed_lists_exactly_its_category(real_site):
    for category_page in built_files(real_site, "lanmu/*/index.html"):
        slug = category_page.parent.name
        feed_file = real_site / SETTINGS["CATEGORY_FEED_ATOM"].format(slug=slug)
        feed = feedparser.parse(feed_file.read_bytes())
        listed = {a.get("href") for a in parse(category_page).xpath("//h2[@class='entry-title']/a")}
        assert len(feed.entries) == len(listed), f"{slug}: feed and 栏目 page disagree"


def test_pages_announce_their_feeds(real_site):
    article = parse(real_site / first_article(real_site) / "index.html")
    feeds_linked = article.xpath("//link[@rel='alternate'][@type='application/atom+xml']/@href")
    assert len(feeds_linked) == 2, "an article page links the all-feed and its 栏目's feed"


def test_sitemap_lists_every_article_and_only_real_pages(real_site):
    tree = etree.parse(str(real_site / "sitemap.xml"))
    locs = tree.xpath(
        "//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    )
    for article in built_files(real_site, ARTICLE_PAGES):
        assert url_of(real_site, article) in locs, f"{relative(real_site, article)} not in sitemap"
    for loc in locs:
        assert loc.startswith(ORIGIN + "/"), loc
        path = loc.removeprefix(ORIGIN + "/")
        target = (
            real_site / path / "index.html"
            if path == "" or path.endswith("/")
            else real_site / path
        )
        assert target.is_file(), f"sitemap lists {loc}, which is not in the output"
    for page in html_pages(real_site):
        if is_noindex(parse(page)):
            name = relative(real_site, page)
            assert url_of(real_site, page) not in locs, f"noindex page {name} in the sitemap"


def test_robots_txt_points_to_the_sitemap(real_site):
    robots = (real_site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {ORIGIN}/sitemap.xml" in robots.splitlines()
    assert (real_site / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00", "not an ICO file"


# --- Language, metadata, page weight --------------------------------------------------------


def test_every_page_is_marked_zh_cn(real_site):
    wrong = [
        relative(real_site, p) for p in html_pages(real_site) if parse(p).get("lang") != "zh-CN"
    ]
    assert not wrong, f"pages without <html lang='zh-CN'>: {wrong}"


def ui_text(page: Path) -> str:
    """What the theme shows or reads out, without the editors' article text."""
    tree = parse(page)
    for element in tree.xpath(
        "//script|//style|//*[contains(concat(' ', @class, ' '), ' article-body ')]"
    ):
        element.drop_tree()
    attributes = [v for name in UI_ATTRIBUTES for v in tree.xpath(f"//*[not(self::meta)]/@{name}")]
    return " ".join([tree.text_content(), *attributes])


def test_no_english_ui_strings(real_site):
    found = {}
    for page in html_pages(real_site):
        words = sorted({m.group(0) for m in ENGLISH_UI.finditer(ui_text(page))})
        if words:
            found[relative(real_site, page)] = words
    assert not found, f"English UI words on the pages: {found}"


def test_english_ui_check_catches_a_theme_leftover(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(
        '<html><body><nav aria-label="x"><a>首页</a><a>Next »</a></nav>'
        '<div class="article-body">Home is not UI here</div>'
        '<input placeholder="Search"></body></html>',
        encoding="utf-8",
    )
    assert sorted({m.group(0) for m in ENGLISH_UI.finditer(ui_text(page))}) == ["Next", "Search"]


def is_noindex(tree) -> bool:
    """Pages kept out of search engines (404, the search page): no canonical, no sitemap."""
    return "noindex" in tree.xpath("string(//meta[@name='robots']/@content)")


def is_print_edition(name: str) -> bool:
    """The issue's print view (issues/N/print/) is laid out for paper, not shared or indexed."""
    return re.fullmatch(r"issues/\d+/print/index\.html", name) is not None


def test_canonical_and_open_graph_on_every_page(real_site):
    for page in html_pages(real_site):
        name = relative(real_site, page)
        if is_print_edition(name):
            continue
        tree = parse(page)
        og = {m.get("property"): m.get("content") for m in tree.xpath("//meta[@property]")}
        assert og.get("og:locale") == "zh_CN", name
        assert og.get("og:site_name") == SETTINGS["SITENAME"], name
        assert og.get("og:title", "").strip(), f"{name}: empty og:title"
        assert og.get("og:description", "").strip(), f"{name}: empty og:description"
        canonical = tree.xpath("//link[@rel='canonical']/@href")
        if is_noindex(tree):
            assert not canonical, f"{name} is noindex but names a canonical address"
            continue
        assert canonical == [url_of(real_site, page)], f"{name}: canonical {canonical}"
        assert og.get("og:url") == canonical[0], name


def test_article_open_graph_describes_the_article(real_site):
    for article in built_files(real_site, ARTICLE_PAGES):
        tree = parse(article)
        og = {m.get("property"): m.get("content") for m in tree.xpath("//meta[@property]")}
        title = tree.xpath("string(//h1)").strip()
        assert og["og:type"] == "article"
        assert og["og:title"] == title
        assert og["og:description"] in tree.xpath("string(//meta[@name='description']/@content)")


# The scripts a page may load, all files (the CSP allows no inline script): elder.js on every
# page, in <head> and not deferred (it applies 长辈版 before the first paint); read-aloud.js on
# articles; search.js on the search page. An article reads without any of them.
SCRIPTS_ON_EVERY_PAGE = ["elder.js"]
SCRIPTS_BY_PAGE = {"search.html": ["search.js"], "article": ["read-aloud.js"]}


def scripts_allowed(name: str) -> list[str]:
    kind = "article" if re.fullmatch(r"\d{4}/\d{2}/[^/]+/index\.html", name) else name
    return SCRIPTS_ON_EVERY_PAGE + SCRIPTS_BY_PAGE.get(kind, [])


def test_no_inline_script_or_style_and_only_the_known_scripts(real_site):
    for page in html_pages(real_site):
        name = relative(real_site, page)
        tree = parse(page)
        inline = tree.xpath("//*[@style]|//style") + [
            e for e in tree.iter() if any(a.startswith("on") for a in e.attrib)
        ]
        assert not inline, f"{name}: inline style or handler breaks the strict CSP"
        # A JSON data block is never run (the search page's words and its entry, on that
        # page only).
        data = tree.xpath("//script[@type='application/json']")
        blocks = ["search-texts", "search-entry"] if name == "search.html" else []
        assert [d.get("id") for d in data] == blocks
        assert all(not d.get("src") and d.getparent().tag == "body" for d in data), name
        scripts = tree.xpath("//script[not(@type='application/json')]")
        assert all(s.get("src") for s in scripts), f"{name}: inline script breaks the CSP"
        if name.startswith("issues/") and name.endswith("/print/index.html"):
            assert not scripts, f"{name}: the print edition needs no JavaScript"
            continue
        loaded = [s.get("src").rsplit("/", 1)[-1] for s in scripts]
        assert sorted(loaded) == sorted(scripts_allowed(name)), f"{name} loads {loaded}"
        # elder.js blocks on purpose (the mode before the first paint), last in <head> so
        # nothing it precedes waits for it; every other script in <head> is deferred.
        *rest, elder = tree.xpath("//head/script")
        assert elder.get("src").endswith("/elder.js"), name
        assert elder.get("defer") is None and elder.get("async") is None, name
        assert elder.getnext() is None, f"{name}: elder.js is not the last element of <head>"
        assert all(script.get("defer") is not None for script in rest), name


def page_weight(page: Path) -> dict[str, int]:
    """Gzipped bytes of a page and of each stylesheet and script it loads (photos excluded);
    modules it preloads count once each, as the script that names the same file."""
    tree = parse(page)
    files = {page.name: page}
    refs = "//link[@rel='stylesheet' or @rel='modulepreload']/@href|//script/@src"
    for ref in tree.xpath(refs):
        files[ref] = (page.parent / urlsplit(ref).path).resolve()
    return {name: len(gzip.compress(path.read_bytes())) for name, path in files.items()}


def test_every_article_page_weighs_at_most_20_kb_gzipped(real_site):
    too_heavy = []
    for article in built_files(real_site, ARTICLE_PAGES):
        weight = page_weight(article)
        if sum(weight.values()) > PAGE_WEIGHT_LIMIT:
            parts = ", ".join(f"{name} {size:,} B" for name, size in weight.items())
            too_heavy.append(
                f"{relative(real_site, article)}: {sum(weight.values()):,} B ({parts})"
            )
    limit = f"over {PAGE_WEIGHT_LIMIT:,} B gzipped (HTML + CSS + JS)"
    assert not too_heavy, limit + ":\n" + "\n".join(too_heavy)


def test_page_weight_counts_the_page_its_stylesheets_and_scripts(real_site):
    weight = page_weight(real_site / "search.html")
    assert "search.html" in weight
    assert any(name.endswith(".css") for name in weight), weight
    assert any(name.endswith(".js") for name in weight), weight


def test_no_web_fonts(real_site):
    """System fonts only: a CJK web font costs megabytes (design.md: no web fonts)."""
    fonts = [relative(real_site, f) for f in real_site.rglob("*") if f.suffix in WEB_FONTS]
    faces = [
        relative(real_site, sheet)
        for sheet in built_files(real_site, "**/*.css")
        if "@font-face" in sheet.read_text(encoding="utf-8")
    ]
    assert not fonts and not faces, f"font files {fonts}; @font-face in {faces}"
