"""The production site hosted under a sub-path, as GitHub Pages hosts a project site, in Chromium.

The site is built with publishconf.py for http://127.0.0.1:PORT/bulletin and served by the
server of `make preview`, which answers only under /bulletin/. A reader follows real links
from the home page to an article, a 栏目 page and the feeds, and searches from the header;
every request the browser makes is logged, and none may leave /bulletin/ or come back 404.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from kuaixun.testing.builds import run_build
from kuaixun.tools.deploy import subpath_server

SUBPATH = "/bulletin/"
# One worker builds the module's site once, instead of each worker building its own.
pytestmark = pytest.mark.xdist_group("deploy-subpath")


@dataclass
class HostedSite:
    url: str  # http://127.0.0.1:PORT/bulletin, no trailing slash, as SITEURL
    output: Path


@pytest.fixture(scope="module")
def hosted(tmp_path_factory) -> HostedSite:
    output = tmp_path_factory.mktemp("subpath") / "output"
    # Port first (the address goes into every link), then the build, then serving.
    server = subpath_server(output, SUBPATH, port=0, quiet=True)
    siteurl = f"http://127.0.0.1:{server.server_port}{SUBPATH.rstrip('/')}"
    build = run_build(output, settings="publishconf.py", env={"SITEURL": siteurl})
    if build.returncode != 0:
        server.server_close()
        pytest.fail(build.stderr)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield HostedSite(siteurl, output)
    server.shutdown()
    server.server_close()


@dataclass
class NetworkLog:
    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def failed(self, request) -> None:
        """A request that failed. Not one the browser cancelled because the page it belonged to
        was left (an image still loading when the reader moves on: net::ERR_ABORTED); a
        missing file is a 404 response, logged as such."""
        if request.failure != "net::ERR_ABORTED":
            self.failures.append(f"failed {request.url} ({request.failure})")

    def outside(self, siteurl: str) -> list[str]:
        web = [url for url in self.requests if url.startswith(("http:", "https:"))]
        return [url for url in web if not url.startswith(siteurl + "/")]


@pytest.fixture
def reader(browser):
    """A fresh browser tab with every request and every failed response logged."""
    context = browser.new_context()
    page = context.new_page()
    log = NetworkLog()
    page.on("request", lambda request: log.requests.append(request.url))
    page.on("requestfailed", lambda request: log.failed(request))
    page.on(
        "response",
        lambda response: (
            log.failures.append(f"{response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    yield page, log
    context.close()


def assert_stayed_on_the_site(log: NetworkLog, hosted: HostedSite) -> None:
    assert log.requests
    assert log.outside(hosted.url) == []
    assert log.failures == []


def open_page(page, url: str):
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    return response


def test_the_server_answers_only_under_the_sub_path(hosted):
    origin = hosted.url.removesuffix(SUBPATH.rstrip("/"))
    with urllib.request.urlopen(hosted.url + "/") as response:
        assert response.status == 200
    for outside in ("/", "/index.html", "/feeds/all.atom.xml"):
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(origin + outside)
        assert error.value.code == 404, outside


def test_the_bare_sub_path_redirects_to_the_home_page(hosted):
    with urllib.request.urlopen(hosted.url) as response:
        assert response.url == hosted.url + "/"
        assert response.status == 200


def test_a_missing_page_inside_gets_the_sites_own_404_page(hosted):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(hosted.url + "/2020/11/no-such-article/")
    assert error.value.code == 404
    assert error.value.read() == (hosted.output / "404.html").read_bytes()


def test_the_home_page_loads_with_its_stylesheet(hosted, reader):
    page, log = reader
    open_page(page, hosted.url + "/")
    assert "社区快讯" in page.title()
    assert any(url.endswith(".css") for url in log.requests)
    assert_stayed_on_the_site(log, hosted)


def article_links(page, hosted: HostedSite):
    return page.locator(f'main a[href^="{hosted.url}/20"]')


def test_an_article_opens_from_the_home_page(hosted, reader):
    page, log = reader
    open_page(page, hosted.url + "/")
    link = article_links(page, hosted).first
    title = link.inner_text().strip()
    with page.expect_navigation():
        link.click()

    assert re.fullmatch(rf"{re.escape(hosted.url)}/20\d\d/\d\d/[^/]+/", page.url)
    assert title in page.locator("h1").first.inner_text()
    assert_stayed_on_the_site(log, hosted)


def test_a_category_page_opens_from_an_article(hosted, reader):
    page, log = reader
    open_page(page, hosted.url + "/")
    article = article_links(page, hosted).first.get_attribute("href")
    open_page(page, article)
    category = page.locator(f'main a[href^="{hosted.url}/lanmu/"]').first
    name = category.inner_text().strip()
    with page.expect_navigation():
        category.click()

    assert page.url.startswith(f"{hosted.url}/lanmu/")
    assert name in page.locator("h1").first.inner_text()
    assert page.locator(f'main a[href="{article}"]').count() >= 1
    assert_stayed_on_the_site(log, hosted)


def test_the_feeds_a_page_announces_load_with_addresses_under_the_sub_path(hosted, reader):
    page, log = reader
    open_page(page, hosted.url + "/")
    feeds = page.eval_on_selector_all(
        'link[rel="alternate"][type="application/atom+xml"]', "links => links.map(l => l.href)"
    )
    assert feeds

    entry_links = []
    for feed_url in feeds:
        feed = feedparser.parse(open_page(page, feed_url).body())
        assert feed.bozo == 0, feed_url
        assert feed.entries, feed_url
        assert feed.feed.link.startswith(hosted.url + "/")
        entry_links += [entry.link for entry in feed.entries]
    assert all(link.startswith(hosted.url + "/") for link in entry_links), entry_links
    open_page(page, entry_links[0])
    assert_stayed_on_the_site(log, hosted)


def test_a_link_that_leaves_the_sub_path_would_be_caught(hosted, reader):
    """The checks above can fail: a root-relative link, fine on a root server, is a 404 here."""
    page, log = reader
    open_page(page, hosted.url + "/")
    path = urlsplit(article_links(page, hosted).first.get_attribute("href")).path
    origin = hosted.url.removesuffix(SUBPATH.rstrip("/"))
    page.goto(origin + path.removeprefix(SUBPATH.rstrip("/")))  # what `/{{ article.url }}` gives
    assert log.outside(hosted.url)
    assert any(failure.startswith("404 ") for failure in log.failures)


def test_a_search_from_the_header_finds_an_article_under_the_sub_path(hosted, reader):
    page, log = reader
    open_page(page, hosted.url + "/")
    link = article_links(page, hosted).first
    title, article = link.inner_text().strip(), link.get_attribute("href")
    page.fill("#site-search", title)
    with page.expect_navigation():
        page.press("#site-search", "Enter")
    assert page.url.startswith(f"{hosted.url}/search.html?q=")

    results = page.locator("#search-results li h2 a")
    results.first.wait_for()
    assert article in [results.nth(i).get_attribute("href") for i in range(min(3, results.count()))]
    assert any(url.startswith(f"{hosted.url}/search/") for url in log.requests), "no index fetched"
    with page.expect_navigation():
        page.locator(f'#search-results a[href="{article}"]').click()
    assert page.url == article
    assert_stayed_on_the_site(log, hosted)
