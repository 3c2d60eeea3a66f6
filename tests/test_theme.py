"""What the theme shows a reader: the article page, listings, pagination, archive, 404, print
and small screens. Real builds of content/; browser behaviour in Chromium."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import html
from pelican.settings import read_settings

from kuaixun.testing.builds import ROOT, built_files, copy_content, run_build
from kuaixun.tools.linkcheck import broken_links

SETTINGS = read_settings(str(ROOT / "pelicanconf.py"))
ORIGIN = SETTINGS["SITE_ORIGIN"]
# The seed article with a subtitle and a single reporter (content/articles/2020/11/).
GOUMAI = "平城区第二届政府向社会力量购买服务项目全面落地"


def parse(path: Path):
    return html.fromstring(path.read_bytes())


def text(tree, xpath: str) -> str:
    return " ".join(" ".join(tree.xpath(xpath + "//text()")).split())


def article_page(site: Path, title: str) -> Path:
    for page in site.glob("[0-9]*/[0-9]*/*/index.html"):
        if text(parse(page), "//h1") == title:
            return page
    raise AssertionError(f"no article page titled {title}")


def article_path(site: Path, title: str) -> str:
    """The article's URL path from the site root, e.g. 2020/11/slug/."""
    return article_page(site, title).parent.relative_to(site).as_posix() + "/"


# --- The article page --------------------------------------------------------------------


def test_article_shows_title_subtitle_category_and_reporter(real_site):
    tree = parse(article_page(real_site, GOUMAI))
    assert text(tree, "//p[@class='article-subtitle']") == "政府买服务 居民享幸福"
    category = tree.xpath("//p[@class='article-category']/a")[0]
    assert (category.text, category.get("href")) == ("民生服务", "../../../lanmu/min-sheng-fu-wu/")
    reporter = tree.xpath("//span[@class='reporters']/a")[0]
    assert reporter.text == "邱东芳"
    assert (real_site / "reporter" / "qiu-dong-fang" / "index.html").is_file()


def test_article_date_is_chinese_in_a_time_element(real_site):
    tree = parse(article_page(real_site, GOUMAI))
    time = tree.xpath("//p[@class='article-meta']//time")[0]
    assert time.text == "2020年11月25日 星期三"
    assert time.get("datetime").startswith("2020-11-25T09:00:00+08:00")


def test_article_shows_reading_time_and_tags(real_site):
    tree = parse(article_page(real_site, GOUMAI))
    assert re.search(r"约 \d+ 分钟读完", text(tree, "//p[@class='article-meta']"))
    tags = [a.text for a in tree.xpath("//ul[@class='tag-list']//a")]
    assert tags == ["政府购买服务", "社区服务", "东街街道"]


def test_article_links_its_older_and_newer_neighbours(real_site):
    # 普法宣传忙不停 and 170余人参加… are both 法治建设, one day apart: they link each other
    # as the 栏目's neighbours rather than the site's.
    tree = parse(article_page(real_site, "普法宣传忙不停"))
    labels = [
        " ".join(li.text_content().split()) for li in tree.xpath("//nav[@class='article-nav']//li")
    ]
    assert any(label.startswith("本栏目") for label in labels), labels
    for link in tree.xpath("//nav[@class='article-nav']//a/@href"):
        assert (article_page(real_site, "普法宣传忙不停").parent / link / "index.html").exists()


def test_neighbours_follow_date_then_slug_and_stop_at_both_ends():
    from kuaixun.hooks.neighbors import link_neighbors

    class Article(SimpleNamespace):
        pass

    b = Article(date=datetime(2020, 11, 26), slug="b")
    a = Article(date=datetime(2020, 11, 26), slug="a")
    c = Article(date=datetime(2020, 11, 27), slug="c")
    link_neighbors([c, b, a], "site_")
    assert [x.site_older for x in (a, b, c)] == [None, a, b]
    assert [x.site_newer for x in (a, b, c)] == [b, c, None]


def test_every_article_page_has_at_least_one_neighbour(real_site):
    for page in built_files(real_site, "[0-9]*/[0-9]*/*/index.html"):
        assert parse(page).xpath("//a[@rel='prev' or @rel='next']"), page


# --- Listings, pagination, archive --------------------------------------------------------


def test_home_lists_every_article_with_summary_date_category_and_reporter(real_site):
    tree = parse(real_site / "index.html")
    entries = tree.xpath("//div[@class='entries']/article")
    assert len(entries) == 6
    for entry in entries:
        assert entry.xpath(".//h2/a/@href")
        assert entry.xpath(".//a[@class='entry-category']")
        assert re.fullmatch(
            r"\d{4}年\d{1,2}月\d{1,2}日 星期[一二三四五六日]", text(entry, ".//time")
        )
        assert text(entry, ".//p[@class='entry-summary']")
        assert text(entry, ".//p[@class='entry-byline']").startswith("记者 ")


@pytest.fixture(scope="module")
def paged_site(tmp_path_factory):
    """The real content with two articles a page, so every listing paginates."""
    out = tmp_path_factory.mktemp("paged") / "output"
    build = run_build(out, DEFAULT_PAGINATION=2)
    assert build.returncode == 0, build.stderr
    return out


def test_pagination_is_labelled_in_chinese_and_links_resolve(paged_site):
    first = parse(paged_site / "index.html")
    assert text(first, "//nav[@class='pagination']//a[@rel='next']") == "下一页"
    assert not first.xpath("//nav[@class='pagination']//a[@rel='prev']")
    assert "第 1 页，共 3 页" in text(first, "//nav[@class='pagination']")
    second = parse(paged_site / "page" / "2" / "index.html")
    assert text(second, "//a[@rel='prev']") == "上一页"
    assert text(second, "//a[@rel='next']") == "下一页"
    broken, _ = broken_links(paged_site, ORIGIN)
    assert not broken, "\n".join(map(str, broken))


def test_archive_groups_articles_by_year_and_month_in_chinese(real_site):
    tree = parse(real_site / "archives" / "index.html")
    assert [h.text for h in tree.xpath("//section[@class='archive-year']/h2")] == ["2020年"]
    assert text(tree, "//section[@class='archive-month']/h3").startswith("11月")
    days = [t.text for t in tree.xpath("//ul[contains(@class, 'archive-list')]//time")]
    assert len(days) == 6 and days[0] == "11月27日" and days[-1] == "11月25日"


def test_categories_follow_the_editors_order(real_site):
    listed = [
        a.text for a in parse(real_site / "lanmu" / "index.html").xpath("//ul[@class='cards']/li/a")
    ]
    assert listed == [name for name in SETTINGS["CATEGORIES"] if name in listed]
    assert len(listed) == len({page.parent for page in real_site.glob("lanmu/*/index.html")})


def test_navigation_marks_the_current_page_and_section(real_site):
    nav = "//nav[@class='site-nav']//a"
    current = parse(real_site / "lanmu" / "index.html").xpath(nav + "[@aria-current='page']")
    assert [a.text for a in current] == ["栏目"]
    category = parse(real_site / "lanmu" / "fa-zhi-jian-she" / "index.html")
    assert not category.xpath(nav + "[@aria-current]")
    assert [a.text for a in category.xpath(nav + "[@class='in-section']")] == ["栏目"]


@pytest.mark.parametrize(
    "path, heading",
    [
        ("lanmu/", "栏目"),
        ("tag/", "标签"),
        ("reporter/", "记者"),
        ("lanmu/fa-zhi-jian-she/", "法治建设"),
    ],
)
def test_index_pages_have_chinese_headings(real_site, path, heading):
    assert text(parse(real_site / path / "index.html"), "//h1") == heading


# --- In Chromium: 404 at any depth, small screens, print, keyboard --------------------------


@pytest.fixture(scope="module")
def tab(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def test_404_page_works_at_any_depth(tab, real_site, serve):
    base = serve(real_site)
    not_found = (real_site / "404.html").read_bytes()
    deep = f"{base}/no/such/page/here/"
    tab.route(
        deep, lambda route: route.fulfill(status=404, body=not_found, content_type="text/html")
    )
    tab.goto(deep)
    assert tab.locator("h1").inner_text() == "找不到这个页面"
    # The stylesheet loaded from the deep address: the masthead is in the theme's red.
    assert (
        tab.locator(".site-name a").evaluate("e => getComputedStyle(e).color") == "rgb(163, 22, 26)"
    )
    assert tab.locator("form[role=search] input[name=q]").count() == 2
    for href in tab.locator("main a").evaluate_all("links => links.map(a => a.href)"):
        assert tab.request.get(href).status == 200, href


@pytest.mark.parametrize("width", [320, 375, 768, 1280])
@pytest.mark.parametrize(
    "path",
    ["", GOUMAI, "archives/", "lanmu/", "tag/"],
    ids=["home", "article", "archive", "lanmu", "tags"],
)
def test_pages_fit_the_screen_without_sideways_scrolling(tab, real_site, serve, width, path):
    path = article_path(real_site, path) if path == GOUMAI else path
    tab.set_viewport_size({"width": width, "height": 800})
    tab.goto(f"{serve(real_site)}/{path}")
    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"/{path} is {overflow}px wider than a {width}px screen"


LONG_ADDRESS = "https://www.pingcheng.gov.cn/zwgk/tzgg/202011/t20201127_1234567.html"
LONG_TAG = "Community" + "Service" * 15
LONG_NAME = "Correspondent" * 5


def test_long_words_widen_no_page_on_a_phone(tab, serve, tmp_path):
    """Each of these made a page wider than a 360px phone, the text cut off at the right:
    a government address in an article's first paragraph (its summary) made the home page
    651px wide (its grid had no column below 60em, so the implicit one took the widest
    word); a code block with a 300-character line made its article 3,425px wide; a tag of
    one 110-letter word cut its pill off and widened the tags' page; a title of one long
    word in an article's neighbours' links widened that article (its grid's implicit column
    took the word). A reporter's name of one long word is on two pages more."""
    content = copy_content(tmp_path / "content")
    (content / "articles" / "long.md").write_text(
        "Title: PingchengDistrictCommunityServiceProjectGuidelinesForTheYear2021\n"
        f"Date: 2020-11-28 06:00\nCategory: 通知公告\nAuthors: {LONG_NAME}\n\n"
        f"本报讯 申报指南全文见 {LONG_ADDRESS} 。\n",
        encoding="utf-8",
    )
    (content / "articles" / "code.md").write_text(
        "Title: 长代码行\nDate: 2020-11-27 06:00\nCategory: 通知公告\nAuthors: 孙露\n"
        f"Tags: {LONG_TAG}\n\n本报讯（记者 孙露）配置如下。\n\n```\n{'x=1;' * 75}\n```\n",
        encoding="utf-8",
    )
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    tab.set_viewport_size({"width": 360, "height": 800})
    base = serve(tmp_path / "output")
    pages = {
        "": LONG_ADDRESS,
        article_path(tmp_path / "output", "长代码行"): "x=1;x=1;",
        "tag/": LONG_TAG,
        "reporter/": LONG_NAME,
        f"reporter/{LONG_NAME.lower()}/": LONG_NAME,
    }
    for path, shown in pages.items():
        tab.goto(f"{base}/{path}")
        assert shown in tab.content()
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"/{path} is {overflow}px wider than a 360px screen"


def test_article_text_keeps_a_comfortable_measure_on_desktop(tab, real_site, serve):
    tab.set_viewport_size({"width": 1600, "height": 900})
    tab.goto(f"{serve(real_site)}/{article_path(real_site, GOUMAI)}")
    chars_per_line = tab.locator(".article-body p").first.evaluate(
        "p => p.clientWidth / parseFloat(getComputedStyle(p).fontSize)"
    )
    line_height = tab.locator(".article-body p").first.evaluate(
        "p => parseFloat(getComputedStyle(p).lineHeight) / parseFloat(getComputedStyle(p).fontSize)"
    )
    assert 30 <= chars_per_line <= 42
    assert line_height >= 1.7
    font_size = tab.locator(".article-body p").first.evaluate(
        "p => parseFloat(getComputedStyle(p).fontSize)"
    )
    assert font_size >= 18


def test_print_hides_navigation_and_shows_link_addresses(tab, real_site, serve):
    tab.goto(f"{serve(real_site)}/{article_path(real_site, GOUMAI)}")
    tab.emulate_media(media="print")
    try:
        for selector in (".site-nav", ".site-search", ".article-nav", ".skip-link"):
            assert tab.locator(selector).first.is_hidden(), f"{selector} shows in print"
        assert tab.locator(".print-only").first.is_visible()
        body = tab.locator("body").evaluate("b => getComputedStyle(b).color")
        assert body == "rgb(0, 0, 0)"
        shown = tab.evaluate(
            """() => { const a = document.createElement('a'); a.href = 'https://example.org/x';
                       a.textContent = '链接'; document.querySelector('.article-body').append(a);
                       return getComputedStyle(a, '::after').content; }"""
        )
        assert "https://example.org/x" in shown
    finally:
        tab.emulate_media(media="screen")


def test_first_tab_reaches_the_skip_link_and_focus_is_visible(tab, real_site, serve):
    tab.set_viewport_size({"width": 1280, "height": 800})
    tab.goto(f"{serve(real_site)}/{article_path(real_site, GOUMAI)}")
    tab.keyboard.press("Tab")
    focused = tab.evaluate(
        "() => [document.activeElement.textContent, document.activeElement.getAttribute('href'),"
        " getComputedStyle(document.activeElement).outlineStyle]"
    )
    assert focused[:2] == ["跳到正文", "#main"]
    assert focused[2] != "none"
    assert tab.locator(".skip-link").is_visible()


def test_the_list_of_the_themes_ids_is_what_the_templates_write():
    """Headings and the content check keep editors off these ids (core/page_ids.py): the list
    must follow the templates, or a new id of the theme could be taken by an article."""
    from kuaixun.core.page_ids import EVERY_PAGE_IDS, THEME_IDS, is_theme_id

    written = set()
    for template in (ROOT / "theme" / "templates").rglob("*.html"):
        written |= set(re.findall(r'\bid="([^"{]+)"', template.read_text(encoding="utf-8")))
        for dynamic in re.findall(r'\bid="([^"]*\{\{[^"]*)"', template.read_text(encoding="utf-8")):
            example = re.sub(r"\{\{[^}]*\}\}", "2020", dynamic)
            assert is_theme_id(example), f"{template.name}: {dynamic} is not in core/page_ids.py"
    assert written == THEME_IDS
    base = (ROOT / "theme" / "templates" / "base.html").read_text(encoding="utf-8")
    assert set(re.findall(r'\bid="([^"]+)"', base)) == EVERY_PAGE_IDS
    assert not is_theme_id("year-of-the-ox") and not is_theme_id("mainland")
