"""The search page in Chromium: typing, results with <mark>, history, filters, keyboard,
hostile input, a strict Content-Security-Policy and hosting under a sub-path."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import copy_content, run_build

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HOSTILE_TITLE = '<img src=x onerror="window.__xss=1"> 社区<b>安全</b>讲座 & 演练'


class _Handler(http.server.SimpleHTTPRequestHandler):
    headers_to_send: dict[str, str] = {}

    def end_headers(self):
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def start_server():
    servers = []

    def start(folder: Path, headers: dict[str, str] | None = None, port: int = 0) -> str:
        handler_class = type("Handler", (_Handler,), {"headers_to_send": headers or {}})
        handler = functools.partial(handler_class, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


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
    assert len(manifests) == 1  # the preloaded manifest is the one the module uses


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


def test_search_works_under_a_strict_content_security_policy(page, real_site, start_server):
    base = start_server(real_site, {"Content-Security-Policy": CSP})
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    page.goto(f"{base}/search.html?q={quote('市容')}")
    page.wait_for_selector("#search-results li mark")
    assert page.evaluate("document.querySelector('#search').classList.contains('search-ready')")
    assert not violations


def test_search_works_under_a_sub_path(page, tmp_path, start_server):
    root = tmp_path / "root"
    root.mkdir()
    base = start_server(root)
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
    assert "<script" not in article
