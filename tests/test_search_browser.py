"""The search page in Chromium: typing, results with <mark>, history, filters, keyboard,
hostile input, a strict Content-Security-Policy and hosting under a sub-path; the pinyin
layer's suggestion list, 您是不是要找 and pinyin results."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from kuaixun.core.search.export.entry import entry_of
from kuaixun.core.search.export.pack import Published, text_members
from kuaixun.testing.builds import copy_content, run_build
from kuaixun.testing.search_sites import fragments, node_search, pack_urls

# Stricter than the site's own policy (pelicanconf, docs/security.md) where it can be; images
# from data: URLs as that policy allows them: every page's icon is one (hooks/icon.py).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HOSTILE_TITLE = '<img src=x onerror="window.__xss=1"> 社区<b>安全</b>讲座 & 演练'


def search_for(page, query: str) -> None:
    page.fill("#search-query", query)
    page.press("#search-query", "Enter")
    page.wait_for_selector("#search-results li")


def test_typing_a_query_shows_marked_results_and_back_returns_to_them(page, real_site, serve):
    base = serve(real_site)
    page.goto(f"{base}/search.html")
    search_for(page, "社区矫正")
    first = page.locator("#search-results li").first
    assert "社区矫正" in first.locator("mark").all_inner_texts()
    assert first.locator("h2 a").get_attribute("href").endswith("/")
    assert first.locator("time").inner_text().startswith("2020年")
    assert "法治建设" in first.inner_text()
    assert "找到" in page.inner_text("#search-status")
    assert "q=" in page.url
    first.locator("h2 a").click()
    page.wait_for_url("**/2020/11/**")
    page.go_back()
    page.wait_for_selector("#search-results li")
    assert page.input_value("#search-query") == "社区矫正"


def test_the_q_parameter_loads_results(page, real_site, serve):
    manifests = []
    page.on("request", lambda r: manifests.append(r.url) if "manifest.json" in r.url else 0)
    page.goto(f"{serve(real_site)}/search.html?q={quote('人口普查')}")
    page.wait_for_selector("#search-results li")
    assert "用心“点名”" in page.locator("#search-results li h2").first.inner_text()
    assert manifests == []  # the entry came in the page


def test_a_page_without_the_entry_fetches_it(page, real_site, serve):
    """The page as rendered, before the build put the entry in (the preview between its
    pages and its export): the search fetches manifest.json and answers."""
    manifests = []
    page.on("request", lambda r: manifests.append(r.url) if "manifest.json" in r.url else 0)
    bare, _ = entry_of((real_site / "search.html").read_bytes())
    page.route(
        re.compile(r"/search\.html"),
        lambda route: route.fulfill(body=bare, content_type="text/html; charset=utf-8"),
    )
    page.goto(f"{serve(real_site)}/search.html?q={quote('人口普查')}")
    page.wait_for_selector("#search-results li")
    assert "用心“点名”" in page.locator("#search-results li h2").first.inner_text()
    assert len(manifests) == 1


def hold_requests(page, pattern) -> tuple[list, dict]:
    """Requests matching `pattern` are held (not answered) while gate["hold"] is true; the
    held ones wait in the list until the test lets them go with route.continue_()."""
    held, gate = [], {"hold": True}
    page.route(pattern, lambda route: held.append(route) if gate["hold"] else route.continue_())
    return held, gate


def wait_until(page, condition, seconds: float = 10) -> bool:
    """Polls `condition()` while playwright dispatches the page's events (and routes)."""
    for _ in range(int(seconds * 20)):
        if condition():
            return True
        page.wait_for_timeout(50)
    return condition()


def test_the_search_code_is_one_request_and_the_entry_none(page, real_site, serve):
    """One request, one round trip for the code: the page's script is its modules joined
    (kuaixun.hooks.scripts); the entry is in the page, so nothing else of the search is
    asked before the code arrives; the only other script is every page's elder.js."""
    scripts = []
    page.on("request", lambda r: "/theme/js/" in r.url and scripts.append(r.url))
    held, gate = hold_requests(page, re.compile(r"/theme/js/search|/search/"))
    page.goto(f"{serve(real_site)}/search.html?q={quote('市容')}", wait_until="commit")

    def requested() -> set[str]:
        return {route.request.url.rsplit("/", 1)[1] for route in held}

    wait_until(page, lambda: requested() >= {"search.js"}, seconds=5)
    page.wait_for_timeout(300)  # an entry asked for at the same time, were there one
    assert requested() == {"search.js"}  # while it has not been answered
    gate["hold"] = False
    for route in held:
        route.continue_()
    page.wait_for_selector("#search-results li")
    assert sorted(url.split("/theme/js/")[1] for url in scripts) == ["elder.js", "search.js"]


@pytest.mark.parametrize(
    "query, layer",
    [("市容", []), ("renkoupucha", ["search/pinyin.js"]), ("平成区", ["search/pinyin.js"])],
)
def test_the_pinyin_code_is_asked_only_by_a_query_not_found_as_typed(
    page, real_site, serve, query, layer
):
    """pinyin.js is a file of its own (kuaixun.hooks.scripts), imported by search.js only
    when a query must be read again: a verbatim query never asks for its bytes, a pinyin or
    homophone query asks once and finds its article."""
    scripts = []
    page.on("request", lambda r: "/theme/js/" in r.url and scripts.append(r.url))
    page.goto(f"{serve(real_site)}/search.html?q={quote(query)}")
    page.wait_for_selector("#search-results li")
    assert sorted(url.split("/theme/js/")[1] for url in scripts) == [
        "elder.js",
        "search.js",
        *layer,
    ]


def test_a_round_of_a_search_is_one_request_a_file_with_all_its_ranges(page, real_site, serve):
    """The ranges one round needs of a file go in one Range header (search/index.js), which
    the server answers with one multipart body: the first round, held unanswered, is one
    request for the vocabulary buckets and the days; the result heads shown, one request."""
    asked = []
    page.on("request", lambda r: r.url.endswith(".bin") and asked.append(r))
    held, gate = hold_requests(page, re.compile(r"/search/.*\.bin$"))
    page.goto(f"{serve(real_site)}/search.html?q={quote('社区矫正')}")
    wait_until(page, lambda: held)
    page.wait_for_timeout(500)  # the first round's other requests, were there any
    assert len(held) == 1
    assert held[0].request.headers["range"].count(",") >= 2  # days and the buckets
    gate["hold"] = False
    for route in held:
        route.continue_()
    page.wait_for_selector("#search-results li")
    page.wait_for_load_state("networkidle")
    heads = [r.headers["range"] for r in asked if pack_urls(real_site, "f")(r.url)]
    assert len(heads) == 1
    assert heads[0].count(",") + 1 >= min(page.locator("#search-results li").count(), 10) // 2


def ranges_of(request) -> list[tuple[int, int]]:
    spans = request.headers["range"].removeprefix("bytes=").split(",")
    return [(int(a), int(b)) for a, b in (span.split("-") for span in spans)]


def test_the_first_text_batches_of_the_results_shown_are_one_request(phone, real_site, serve):
    """A result whose match lies past its head needs its first text batch for its snippet.
    Those of every result shown are asked as the heads arrive (search/page.js), from the
    file that holds every article's first batch (export/pack.py): one request in one round,
    results below the screen included, not one request each as the reader scrolls."""
    query = "居民"
    published = Published(real_site / "search")
    base = published.entry["base"].split("/")[0]
    docs = node_search(real_site, [query])[0]["docs"][:10]
    articles = fragments(real_site)
    past_head = [d for d in docs if query not in articles[d]["t"] + articles[d]["x"][:150]]
    assert len(past_head) >= 2, "the query has results whose match lies past the head"
    asked = []
    phone.on("request", lambda r: r.url.endswith(".bin") and asked.append(r))
    phone.goto(f"{serve(real_site)}/search.html?q={quote(query)}")
    phone.wait_for_selector("#search-results li")
    phone.wait_for_load_state("networkidle")
    below = phone.locator("#search-results li").last.evaluate(
        "li => li.getBoundingClientRect().top > innerHeight + 100"
    )
    assert below and phone.evaluate("scrollY") == 0, "a result lies below the screen, unseen"
    reading = {}
    for d in past_head:
        file, offset, length = text_members(published.head(d))[0]
        url = f"/search/{base}/{file - 1}.bin"
        reading[d] = {
            n
            for n, r in enumerate(asked)
            if r.url.endswith(url)
            and any(a <= offset and offset + length - 1 <= b for a, b in ranges_of(r))
        }
    assert all(reading.values()), "every first batch needed is read, unscrolled"
    assert len(set().union(*reading.values())) == 1


def test_snippets_their_heads_hold_show_with_their_results_unscrolled(phone, real_site, serve):
    """A snippet whose match lies in its result's head reads nothing more: it is shown with
    the results (search/page.js), below the screen too, not when its result comes into view
    (a rendering frame later at least, and the page's last change on a phone network). One
    whose match lies past the head still waits for its result to come near the screen."""
    query = "居民"
    docs = node_search(real_site, [query])[0]["docs"][:10]
    articles = fragments(real_site)
    in_head = [query in articles[d]["t"] + articles[d]["x"][:150] for d in docs]
    assert any(in_head) and not all(in_head), "the query's results have both kinds"
    phone.goto(f"{serve(real_site)}/search.html?q={quote(query)}")
    phone.wait_for_selector("#search-results li")
    phone.wait_for_load_state("networkidle")
    shown = phone.locator("#search-results li").evaluate_all(
        """items => items.map(li => [li.getBoundingClientRect().top > innerHeight + 100,
                                     li.querySelector('.search-snippet').textContent])"""
    )
    assert phone.evaluate("scrollY") == 0
    pairs = zip(in_head, shown, strict=True)
    below = [(held, text) for held, (unseen, text) in pairs if unseen]
    assert any(held for held, _ in below) and not all(held for held, _ in below)
    for held, text in below:
        assert (query in text) if held else text == "", (held, text)


# Each pair: a query whose result heads arrive late, then the query a reader asks next
# (another one, or the same one again).
SUPERSEDED = [("人口普查", "市容"), ("社区", "社区")]


@pytest.mark.parametrize("first, second", SUPERSEDED)
def test_a_slow_earlier_query_never_shows_after_a_newer_one(page, real_site, serve, first, second):
    # Result heads, the last step of a search.
    held, gate = hold_requests(page, pack_urls(real_site, "f"))
    page.goto(f"{serve(real_site)}/search.html?q={quote(first)}")
    assert wait_until(page, lambda: held), "the first query fetched no result head"
    gate["hold"] = False
    search = "#search-query"
    page.fill(search, second)
    page.press(search, "Enter")  # the submit starts the second query before this returns
    page.wait_for_function(
        "() => !document.querySelector('#search-status').textContent.includes('正在')"
    )
    for route in held:  # now the first query's heads arrive, after the second has its hits
        route.continue_()
    answer = node_search(real_site, [second])[0]
    urls = [fragments(real_site)[d]["u"] for d in answer["docs"][:10]]
    count = f"document.querySelectorAll('#search-results li').length >= {len(urls)}"
    page.wait_for_function(f"() => {count}")
    page.wait_for_load_state("networkidle")  # and the first query's heads have been answered
    shown = page.locator("#search-results li h2 a").evaluate_all("a => a.map(x => x.href)")
    assert [u.removeprefix(page.url.split("search.html")[0]) for u in shown] == urls
    assert page.inner_text("#search-status") == f"找到 {len(answer['docs'])} 篇文章"
    assert page.input_value(search) == second


def test_hostile_query_is_shown_as_text(page, real_site, serve):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    query = "<img src=x onerror=alert(1)>"
    page.goto(f"{serve(real_site)}/search.html?q={quote(query)}")
    # Predicates are arrow functions: playwright eval()s a bare expression on every poll,
    # which the pages' CSP meta (no 'unsafe-eval') refuses; a function is eval()ed once.
    page.wait_for_function("() => document.querySelector('#search-status').textContent.length > 5")
    page.wait_for_timeout(300)
    assert not dialogs
    assert page.locator("#search img").count() == 0
    assert page.input_value("#search-query") == query


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    content = copy_content(folder / "content")
    (content / "articles" / "2020" / "11" / "hostile.md").write_text(
        f"Title: {HOSTILE_TITLE}\nDate: 2020-11-28 10:00\nCategory: 社区动态\n"
        "Authors: 孙露\nTags: 安全\n\n本报讯 社区举办安全讲座和消防演练。\n",
        encoding="utf-8",
    )
    build = run_build(folder / "output", content)
    assert build.returncode == 0, build.stderr
    return folder / "output"


def test_an_article_title_with_markup_is_shown_as_text(page, hostile_site, serve):
    page.goto(f"{serve(hostile_site)}/search.html?q={quote('安全讲座')}")
    page.wait_for_selector("#search-results li")
    title = page.locator("#search-results li h2").first
    assert title.inner_text() == HOSTILE_TITLE
    assert page.locator("#search-results img, #search-results b").count() == 0
    assert page.evaluate("window.__xss") is None


def test_search_works_under_a_strict_content_security_policy(page, real_site, serve):
    base = serve(real_site, {"Content-Security-Policy": CSP})
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    page.goto(f"{base}/search.html?q={quote('市容')}")
    page.wait_for_selector("#search-results li mark")
    assert page.evaluate("document.querySelector('#search').classList.contains('search-ready')")
    assert not violations


def test_search_works_under_a_sub_path(page, tmp_path, serve):
    root = tmp_path / "root"
    root.mkdir()
    base = serve(root)
    build = run_build(root / "bulletin", SITEURL=f"{base}/bulletin", RELATIVE_URLS=False)
    assert build.returncode == 0, build.stderr
    page.goto(f"{base}/bulletin/search.html?q={quote('老人摔倒')}")
    page.wait_for_selector("#search-results li")
    link = page.locator("#search-results li h2 a").first
    assert link.get_attribute("href").startswith(f"{base}/bulletin/2020/11/")
    link.click()
    page.wait_for_load_state()
    assert "小举动暖人心" in page.title()


def test_filters_by_category_and_year_and_history_restores_them(page, real_site, serve):
    page.goto(f"{serve(real_site)}/search.html?q={quote('社区')}")
    page.wait_for_selector("#search-results li")
    everything = page.locator("#search-results li").count()
    page.select_option("#search-lanmu", value="法治建设")
    page.wait_for_url("**lanmu=**")
    page.wait_for_function(
        f"() => document.querySelectorAll('#search-results li').length < {everything}"
    )
    for item in page.locator("#search-results li .search-meta").all_inner_texts():
        assert "法治建设" in item
    years = page.locator("#search-year option").all_inner_texts()
    assert any(y.startswith("2020") for y in years)
    page.go_back()
    count = "document.querySelectorAll('#search-results li').length"
    page.wait_for_function(f"() => {count} == {everything}")


def test_a_filter_the_selects_cannot_show_is_dropped_and_an_empty_one_says_so(
    page, real_site, serve
):
    """A link made before a 栏目 was renamed, or with a year none of the hits has, showed
    没有找到 under selects that said 全部: the page filtered by what it did not show."""
    base, q = serve(real_site), quote("社区矫正")
    page.goto(f"{base}/search.html?q={q}")
    page.wait_for_selector("#search-results li")
    everything = page.locator("#search-results li").count()
    shown = " ".join(page.locator("#search-results li .search-meta").all_inner_texts())
    for stale in ("lanmu=" + quote("旧栏目"), "year=1999", "year=abc"):
        page.goto(f"{base}/search.html?q={q}&{stale}")
        page.wait_for_selector("#search-results li")
        assert page.locator("#search-results li").count() == everything, stale
        assert page.input_value("#search-lanmu") == page.input_value("#search-year") == ""
    # A 栏目 that holds none of the hits: said so, with a link to all of them.
    options = page.locator("#search-lanmu option").all_inner_texts()[1:]
    other = next(name for name in options if name not in shown)
    page.goto(f"{base}/search.html?q={q}&lanmu={quote(other)}")
    status = "document.querySelector('#search-status').textContent"
    page.wait_for_function(f"() => {status}.includes('所选栏目')")
    assert page.locator("#search-results li").count() == 0
    assert page.input_value("#search-lanmu") == other
    assert f"全部 {everything} 篇" in page.inner_text("#search-status")
    page.click("#search-status a")
    page.wait_for_selector("#search-results li")
    assert page.locator("#search-results li").count() == everything


def test_slash_focuses_the_box_and_arrows_walk_the_results(page, real_site, serve):
    page.goto(f"{serve(real_site)}/search.html?q={quote('社区')}")
    page.wait_for_selector("#search-results li")
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-query"
    page.keyboard.press("ArrowDown")
    first = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("ArrowDown")
    second = page.evaluate("document.activeElement.getAttribute('href')")
    assert first and second and first != second
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-query"


def test_nothing_found_says_so_and_suggests_terms(page, real_site, serve):
    page.goto(f"{serve(real_site)}/search.html?q={quote('龘靐')}")
    page.wait_for_function(
        "() => document.querySelector('#search-status').textContent.includes('没有找到')"
    )
    assert page.locator("#search-results li").count() == 0
    suggestions = page.locator("#search-status a")
    assert suggestions.count() > 0
    suggestions.first.click()
    page.wait_for_selector("#search-results li")


def test_without_javascript_the_page_says_search_needs_it(real_site):
    html = (real_site / "search.html").read_text(encoding="utf-8")
    noscript = html.split("<noscript>")[1].split("</noscript>")[0]
    assert "JavaScript" in noscript
    article = next((real_site / "2020" / "11").glob("*/index.html")).read_text(encoding="utf-8")
    assert "search.js" not in article and "modulepreload" not in article


# --- The page as readers see it: styles from theme/static/css/main.css --------------------

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
# Sum of the layout shifts since the page started loading (hadRecentInput excluded, as CLS).
# The observer hands over the buffered entries in a later task, and never calls back when
# there are none: take what it has after a frame and a short pause.
LAYOUT_SHIFT = """() => new Promise(done => {
    let total = 0;
    const observer = new PerformanceObserver(list => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
    });
    observer.observe({type: 'layout-shift', buffered: true});
    requestAnimationFrame(() => setTimeout(() => { observer.disconnect(); done(total); }, 200));
  })"""
# Predicates are functions, not expressions: an expression would be eval'd, which the
# page's CSP (script-src 'self') refuses.
SEARCH_DONE = """() => { const t = document.querySelector('#search-status').textContent;
    return t.length > 0 && !t.includes('正在'); }"""
# search.js fills a snippet when its result comes near the screen: wait for those.
SNIPPETS_ON_SCREEN_FILLED = """() => { const s = [...document.querySelectorAll('.search-snippet')]
      .filter(p => p.getBoundingClientRect().top < innerHeight);
    return s.length > 0 && s.every(p => p.textContent.length > 0); }"""


@pytest.fixture
def axe_tab(browser):
    """A tab whose context bypasses the page's CSP: axe is injected as an inline script, and
    it judges the page without being part of it. Never use it to test the page itself."""
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_with_results_and_marks_shown(axe_tab, real_site, serve, scheme):
    axe_tab.emulate_media(color_scheme=scheme)
    axe_tab.goto(f"{serve(real_site)}/search.html?q={quote('人口普查')}")
    axe_tab.wait_for_function(SNIPPETS_ON_SCREEN_FILLED)
    axe_tab.wait_for_selector(".search-snippet mark")
    axe_tab.add_script_tag(path=str(AXE))
    violations = axe_tab.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map(v => `${v.id} (${v.impact}): ${v.help}\\n    ` +
                       v.nodes.map(n => n.target.join(' ')).join('\\n    '))"""
    )
    assert not violations, f"axe on the search page ({scheme}):\n" + "\n".join(violations)


@pytest.mark.parametrize("query", ["人口普查", "社区", "龘靐", ""])
def test_results_status_and_snippets_appearing_shift_nothing(phone, real_site, serve, query):
    """The status line, the results list and each snippet keep their space before search.js
    fills them (Lighthouse measured 0.016 on the bare page before that)."""
    phone.goto(f"{serve(real_site)}/search.html?q={quote(query)}")
    phone.wait_for_function(SEARCH_DONE)
    if phone.locator("#search-results li").count():
        phone.wait_for_function(SNIPPETS_ON_SCREEN_FILLED)
    assert phone.evaluate(LAYOUT_SHIFT) < 0.001


def test_the_result_the_arrow_keys_reach_stands_out(page, real_site, serve):
    page.goto(f"{serve(real_site)}/search.html?q={quote('社区')}")
    page.wait_for_selector("#search-results li")
    page.focus("#search-query")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    backgrounds = page.locator("#search-results li").evaluate_all(
        "items => items.map(li => getComputedStyle(li).backgroundColor)"
    )
    assert backgrounds[1] != backgrounds[0] == backgrounds[2]
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring != "none"


@pytest.mark.parametrize("width", [320, 375])
def test_controls_are_large_tap_targets_and_the_page_fits_a_phone(browser, real_site, serve, width):
    context = browser.new_context(viewport={"width": width, "height": 700})
    tab = context.new_page()
    try:
        tab.goto(f"{serve(real_site)}/search.html?q={quote('龘靐')}")
        tab.wait_for_selector("#search-status a")
        targets = "#search input, #search button:not([hidden]), #search select, #search-status a"
        small = tab.locator(targets).evaluate_all(
            "els => els.map(e => [e.outerHTML.slice(0, 40), e.getBoundingClientRect().height])"
            "          .filter(([, h]) => h < 44)"
        )
        assert not small, small
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the search page is {overflow}px wider than the screen"
        tab.goto(f"{serve(real_site)}/search.html?q={quote('社区')}")
        tab.wait_for_selector("#search-results li")
        heights = tab.locator("#search-results h2 a").evaluate_all(
            "links => links.map(a => a.getBoundingClientRect().height)"
        )
        assert min(heights) >= 44, heights
    finally:
        context.close()


# ---------------------------------------------------------------- the pinyin layer


def type_initials(page, base: str, letters: str) -> None:
    page.goto(f"{base}/search.html")
    page.wait_for_selector("#search.search-ready")
    page.locator("#search-query").press_sequentially(letters)
    page.wait_for_selector("#search-suggestions li")


def test_initials_offer_words_that_the_arrow_keys_and_enter_search(page, real_site, serve):
    type_initials(page, serve(real_site), "pcq")
    box = page.locator("#search-query")
    assert box.get_attribute("aria-expanded") == "true"
    assert page.locator("#search-suggestions li").first.inner_text() == "平城区"
    assert "个词语可选" in page.inner_text("#search-hint")  # the live region speaks
    box.press("ArrowDown")
    first = page.locator("#search-suggestions li").first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    box.press("Enter")
    page.wait_for_selector("#search-results li")
    assert unquote(page.url).endswith("q=平城区")
    assert page.locator("#search-suggestions").is_hidden()
    assert "平城区" in page.locator("#search-results li h2").first.inner_text()


def test_escape_closes_the_suggestions_and_a_click_searches_one(page, real_site, serve):
    base = serve(real_site)
    type_initials(page, base, "pcq")
    page.press("#search-query", "Escape")
    assert page.locator("#search-suggestions").is_hidden()
    assert page.get_attribute("#search-query", "aria-expanded") == "false"
    type_initials(page, base, "pcq")
    page.locator("#search-suggestions li").first.click()
    page.wait_for_selector("#search-results li")
    assert unquote(page.url).endswith("q=平城区")


def test_a_homophone_slip_offers_the_word_meant_as_a_link(page, real_site, serve):
    page.goto(f"{serve(real_site)}/search.html?q={quote('平成区')}")
    page.wait_for_selector("#search-results li")
    status = page.locator("#search-status")
    assert "您是不是要找：平城区" in status.inner_text()
    status.get_by_role("link", name="平城区").click()
    page.wait_for_selector("#search-results li")
    assert unquote(page.url).endswith("q=平城区")
    assert "您是不是要找" not in page.inner_text("#search-status")


def test_pinyin_results_mark_the_han_text(page, real_site, serve):
    page.goto(f"{serve(real_site)}/search.html?q=renkoupucha")
    page.wait_for_function(SNIPPETS_ON_SCREEN_FILLED)
    first = page.locator("#search-results li").first
    assert "用心“点名”" in first.locator("h2").inner_text()
    assert "人口普查" in first.locator(".search-snippet mark").all_inner_texts()
    assert "您是不是要找：人口普查" in page.inner_text("#search-status")


def axe_violations(tab) -> list[str]:
    tab.add_script_tag(path=str(AXE))
    return tab.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map(v => `${v.id} (${v.impact}): ${v.help}\\n    ` +
                       v.nodes.map(n => n.target.join(' ')).join('\\n    '))"""
    )


def test_axe_finds_no_violations_with_suggestions_open_and_a_reading_shown(
    axe_tab, real_site, serve
):
    base = serve(real_site)
    axe_tab.goto(f"{base}/search.html?q={quote('平成区')}")
    axe_tab.wait_for_function(SNIPPETS_ON_SCREEN_FILLED)
    axe_tab.locator("#search-query").fill("")
    axe_tab.locator("#search-query").press_sequentially("pcq")
    axe_tab.wait_for_selector("#search-suggestions li")
    axe_tab.press("#search-query", "ArrowDown")
    assert not axe_violations(axe_tab)
