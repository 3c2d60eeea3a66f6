"""Search in Chromium when the browser is older, the network fails or a deploy replaces the
index (docs/browsers.md): the same results without the post-floor APIs, and every failure
ends in a message with a retry and the archive, never an endless 正在搜索…."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from kuaixun.core.frontmatter import read_front_matter
from kuaixun.core.search.export.pack import Published
from kuaixun.testing.builds import ROOT, copy_content, run_build
from kuaixun.testing.search_sites import pack_urls
from kuaixun.tools.static_server import FolderHandler

# What a browser on the floor (iOS 14, Firefox ESR 102, Chrome 80) lacks, removed before
# the page's scripts run (docs/browsers.md lists them).
OLD_BROWSER = """
for (const name of ["DecompressionStream", "CompressionStream", "structuredClone"]) {
  delete globalThis[name];
}
delete Array.prototype.at;
delete String.prototype.at;
delete String.prototype.replaceAll;
delete Element.prototype.replaceChildren;
delete Document.prototype.replaceChildren;
delete DocumentFragment.prototype.replaceChildren;
delete Object.hasOwn;
delete AbortSignal.timeout;
"""
QUERIES = ["社区矫正", "人口普查", "市容", "社区", "老人摔倒", "社區矯正"]
INFLATE_LIBRARY = "/theme/js/vendor/fflate.js"
FETCH_TIMEOUT_MS = 12000  # search/index.js
RECHECK_MS = 60000  # search/index.js

# Predicates are functions, not expressions: the page's CSP refuses eval.
SEARCH_DONE = """() => { const t = document.querySelector('#search-status').textContent;
    return t.length > 0 && !t.includes('正在'); }"""
FAILED = "() => document.querySelector('#search-status').textContent.includes('搜索没有完成')"


# The count shows before the first page of results (their heads) has arrived.
RESULTS_SHOWN = """() => { const t = document.querySelector('#search-status').textContent;
    return !t.includes('找到') || document.querySelector('#search-results li') !== null; }"""


def shown(tab) -> dict:
    """The status line and the first ten results' addresses, once the search is done."""
    tab.wait_for_function(SEARCH_DONE)
    tab.wait_for_function(RESULTS_SHOWN)
    links = tab.locator("#search-results li h2 a")
    return {
        "status": tab.inner_text("#search-status"),
        "urls": links.evaluate_all("a => a.slice(0, 10).map(x => x.href)"),
    }


@pytest.fixture
def old_browser(browser):
    context = browser.new_context()
    context.add_init_script(OLD_BROWSER)
    yield context.new_page()
    context.close()


def test_without_post_floor_apis_search_shows_the_same_top_ten(page, old_browser, real_site, serve):
    base = serve(real_site)
    inflate = []
    old_browser.on("request", lambda r: inflate.append(r.url) if "fflate" in r.url else 0)
    for query in QUERIES:
        page.goto(f"{base}/search.html?q={quote(query)}")
        old_browser.goto(f"{base}/search.html?q={quote(query)}")
        assert old_browser.evaluate("typeof DecompressionStream") == "undefined"
        modern = shown(page)
        assert modern["urls"], query
        assert shown(old_browser) == modern, query
        old_browser.wait_for_selector(".search-snippet mark")  # the text chunks inflate too
    assert inflate == [f"{base}{INFLATE_LIBRARY}"] * len(QUERIES)  # once a page


def test_a_modern_browser_never_fetches_the_inflate_library(page, real_site, serve):
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{serve(real_site)}/search.html?q={quote('社区')}")
    page.wait_for_selector(".search-snippet mark")
    page.wait_for_load_state("networkidle")
    assert any("/search/" in url and url.endswith(".bin") for url in requested)
    assert not [url for url in requested if "vendor" in url]


def assert_failure_shown(tab) -> None:
    tab.wait_for_function(FAILED)
    assert "正在" not in tab.inner_text("#search-status")
    assert tab.locator("#search-status button", has_text="重试").is_visible()
    archive = tab.locator("#search-status a", has_text="归档")
    assert archive.get_attribute("href").endswith("/archives/")


def test_with_the_network_down_a_message_offers_retry_and_the_archive(page, real_site, serve):
    base = serve(real_site)
    index_files = f"{base}/search/**"
    page.route(index_files, lambda route: route.abort("internetdisconnected"))
    page.goto(f"{base}/search.html?q={quote('人口普查')}")
    assert_failure_shown(page)
    page.unroute(index_files)
    page.click("#search-status button")
    page.wait_for_selector("#search-results li")
    assert "用心“点名”" in page.locator("#search-results li h2").first.inner_text()


def answer_404(route):
    route.fulfill(status=404, body="Not Found")


def answer_truncated(route):
    response = route.fetch()
    route.fulfill(response=response, body=response.body()[: len(response.body()) // 2])


def answer_parts_short(route):
    """A multipart answer whose last part stops early, its closing boundary intact."""
    response = route.fetch()
    body = response.body()
    kind = response.headers["content-type"]
    assert kind.startswith("multipart/byteranges"), kind
    closing = body.rindex(b"\r\n--")
    route.fulfill(response=response, body=body[: closing - 10] + body[closing:])


def answer_parts_malformed(route):
    """A multipart answer whose parts lost their Content-Range."""
    response = route.fetch()
    route.fulfill(response=response, body=response.body().replace(b"Content-Range", b"X-Range"))


def answer_part_missing(route):
    """A multipart answer whose last part holds other bytes than those asked (its
    Content-Range names a range past the file's end): the range asked is missing. Other
    answers pass as they are."""
    response = route.fetch()
    body = response.body()
    if not response.headers["content-type"].startswith("multipart/byteranges"):
        route.fulfill(response=response)
        return
    last = list(re.finditer(rb"Content-Range: bytes (\d+)-(\d+)/(\d+)", body, re.I))[-1]
    first, end, size = map(int, last.groups())
    elsewhere = f"Content-Range: bytes {size}-{size + end - first}/{size}".encode()
    route.fulfill(response=response, body=body[: last.start()] + elsewhere + body[last.end() :])


def answer_first_part_only(route):
    """A multipart answer that holds only its first part, as if the host answered only the
    first range asked (in a multipart body); an answer to one range passes as it is."""
    response = route.fetch()
    body = response.body()
    if not response.headers["content-type"].startswith("multipart/byteranges"):
        route.fulfill(response=response)
        return
    boundary = body[2 : body.index(b"\r\n", 2)]
    second = body.index(b"\r\n" + boundary, 2)
    route.fulfill(response=response, body=body[:second] + b"\r\n" + boundary + b"--\r\n")


@pytest.mark.parametrize(
    "files, answer",
    [
        ("v", answer_404),
        ("days.gz", answer_truncated),
        ("f", answer_404),
        ("days.gz", answer_parts_short),
        ("days.gz", answer_parts_malformed),
        ("days.gz", answer_part_missing),
    ],
    ids=[
        "bucket 404",
        "truncated pack",
        "result head 404",
        "multipart part short",
        "multipart without ranges",
        "multipart missing parts",
    ],
)
def test_a_missing_or_broken_index_file_ends_in_a_message(page, real_site, serve, files, answer):
    page.route(pack_urls(real_site, files), answer)
    page.goto(f"{serve(real_site)}/search.html?q={quote('市容')}")
    assert_failure_shown(page)


def test_a_multipart_answer_holding_its_first_part_alone_is_read_range_by_range(
    page, real_site, serve
):
    """Read as a host that answers the first range alone: the other ranges asked one by
    one, the same results. (Until 2026-12-04 this case stood among the failures above, and
    showed its message only because the route hung the single ranges: 24 s, two timeouts.)"""
    base = serve(real_site)
    page.route(pack_urls(real_site, "days.gz"), answer_first_part_only)
    page.goto(f"{base}/search.html?q={quote('市容')}")
    found = shown_paths(page)
    tab = page.context.new_page()
    tab.goto(f"{base}/search.html?q={quote('市容')}")
    assert found == shown_paths(tab)
    tab.close()
    assert found["urls"]


class FirstRangeOnly(FolderHandler):
    """A host that answers the first of several ranges alone (as Cloudflare and S3 do)."""

    def send_head(self):
        if "," in self.headers.get("Range", ""):
            first = self.headers["Range"].split(",")[0]
            del self.headers["Range"]
            self.headers["Range"] = first
        return super().send_head()


class OneRangeOnly(FolderHandler):
    """A host that answers one range, and several with the whole file (tornado, which
    serves `make livereload`)."""

    def send_head(self):
        if "," in self.headers.get("Range", ""):
            del self.headers["Range"]
        return super().send_head()


class IgnoresRanges(FolderHandler):
    """A host that ignores Range: every file whole, with 200."""

    def send_head(self):
        del self.headers["Range"]
        return super().send_head()


def shown_paths(tab) -> dict:
    """shown() with the results' paths: the same results from any server."""
    found = shown(tab)
    return {**found, "urls": [urlsplit(url).path for url in found["urls"]]}


@pytest.mark.parametrize("host", [FirstRangeOnly, OneRangeOnly, IgnoresRanges])
def test_a_host_that_does_less_with_ranges_gives_the_same_results(page, real_site, serve, host):
    """The first answer says what the host does: after one range alone, or the whole file
    for several, the others are asked one by one; after a whole file for one range, every
    range is cut out of it and the file is kept."""
    asked = []
    page.on("request", lambda r: asked.append((r.url, r.headers.get("range"))))
    page.goto(f"{serve(real_site, handler=host)}/search.html?q={quote('社区')}")
    found = shown_paths(page)
    page.wait_for_selector(".search-snippet")
    page.wait_for_load_state("networkidle")
    packs = [(url, span) for url, span in asked if url.endswith(".bin")]
    several = [url for url, span in packs if span and "," in span]
    if host is IgnoresRanges:
        # The first file twice: for several ranges (the body dropped), then for one.
        assert len(packs) == len({url for url, _ in packs}) + 1, "each file whole, once"
    else:
        assert len(several) == 1, "after the first answer, ranges go one by one"
    tab = page.context.new_page()
    tab.goto(f"{serve(real_site)}/search.html?q={quote('社区')}")
    assert found == shown_paths(tab)  # as from a host that answers every range
    tab.close()
    assert len(found["urls"]) >= 3


def test_a_hung_request_ends_in_a_message_after_the_timeout(page, real_site, serve):
    held = []
    page.clock.install()  # setTimeout under the test's control: no 12 s wait
    page.route(pack_urls(real_site, "days.gz"), lambda route: held.append(route))
    page.goto(f"{serve(real_site)}/search.html?q={quote('市容')}")
    page.wait_for_function("() => document.querySelector('#search-status').textContent")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the pack holding days.gz was never requested"
    page.wait_for_timeout(200)
    assert "正在搜索" in page.inner_text("#search-status")
    page.clock.fast_forward(FETCH_TIMEOUT_MS + 1000)
    assert_failure_shown(page)


def test_the_fetch_timeout_here_is_the_pages():
    index_js = Path(__file__).parent.parent / "theme" / "static" / "js" / "search" / "index.js"
    source = index_js.read_text(encoding="utf-8")
    assert re.search(rf"FETCH_TIMEOUT_MS = {FETCH_TIMEOUT_MS};", source)
    assert re.search(rf"RECHECK_MS = {RECHECK_MS};", source)


# --- A deploy while a reader has the search page open ------------------------------------

NEW_WORDS = "银杏书屋"
EDITED = Path("articles") / "2020" / "11" / "pufa-xuanchuan.md"


def page_open_on_a_build(page, tmp_path, serve) -> tuple[Path, Path]:
    """A copy of content/ built and served as tmp_path/site, its search page open with
    results: the reader before a deploy. Returns the content and the served folder."""
    content = copy_content(tmp_path / "content")
    assert run_build(tmp_path / "build-1", content).returncode == 0
    served = tmp_path / "site"
    (tmp_path / "build-1").rename(served)
    page.goto(f"{serve(served)}/search.html?q={quote('社区')}")
    page.wait_for_selector("#search-results li")
    return content, served


@pytest.mark.parametrize("deploy", ["overlay", "new base"])
def test_a_page_loaded_before_a_deploy_answers_after_it(page, tmp_path, serve, deploy):
    """A deploy after an edit either adds an overlay on the base the open page reads (the
    page looks at the entry again after a minute) or replaces the base (the page's next
    read fails and it starts over from the new entry at once)."""
    page.clock.install()  # the page's clock: a minute passes below without waiting for it
    content, served = page_open_on_a_build(page, tmp_path, serve)
    old_base = (served / "search" / "manifest.json").read_text(encoding="utf-8")

    article = content / EDITED
    text = article.read_text(encoding="utf-8")
    article.write_text(text + f"\n社区新开的{NEW_WORDS}每天上午向老人开放。\n", encoding="utf-8")
    # The same caches give an overlay on the same base; fresh ones a new base.
    fresh = tmp_path / ("build-2" if deploy == "overlay" else "fresh/build-2")
    build = run_build(fresh, content)
    assert build.returncode == 0, build.stderr
    served.rename(tmp_path / "build-1")  # the deploy
    fresh.rename(served)
    entry = json.loads((served / "search" / "manifest.json").read_text(encoding="utf-8"))
    assert entry["base"] != json.loads(old_base)["base"]
    kept_base = entry["base"].split("/")[0] == json.loads(old_base)["base"].split("/")[0]
    assert kept_base == (deploy == "overlay")
    if deploy == "overlay":
        page.clock.fast_forward(RECHECK_MS + 1000)  # the reader comes back to the open page
    page.fill("#search-query", NEW_WORDS)
    page.press("#search-query", "Enter")
    page.wait_for_function(SEARCH_DONE)
    title = read_front_matter(text).value("title")
    assert page.locator("#search-results li h2").first.inner_text() == title
    assert page.inner_text("#search-status") == "找到 1 篇文章"


def test_the_formats_the_code_reads_are_the_exports():
    """index.js refuses an entry of another format (a page open across a deploy that changed
    it): its FORMAT must be what this build writes, or every page would refuse its own."""
    from kuaixun.core.search.export import codec, pack

    source = (ROOT / "theme" / "static" / "js" / "search" / "index.js").read_text("utf-8")
    found = re.search(r'const FORMAT = "(\d+) (\d+)";', source)
    assert found, "index.js declares FORMAT"
    assert (int(found[1]), int(found[2])) == (codec.FORMAT, pack.PACK_FORMAT)


def test_a_page_open_across_a_deploy_of_another_format_loads_again_on_retry(page, tmp_path, serve):
    """The deploy replaced the base and its format (what a newer release publishes: here the
    new build's entry says a format this page's code does not read). The open page's read
    fails, it looks at the entry, and instead of misreading the new files it says so; its
    retry button loads the page again, which then answers."""
    content, served = page_open_on_a_build(page, tmp_path, serve)

    article = content / EDITED
    article.write_text(article.read_text("utf-8") + f"\n{NEW_WORDS}。\n", encoding="utf-8")
    assert run_build(tmp_path / "fresh" / "build-2", content).returncode == 0
    served.rename(tmp_path / "build-1")  # the deploy
    (tmp_path / "fresh" / "build-2").rename(served)
    manifest = served / "search" / "manifest.json"
    entry = json.loads(manifest.read_text(encoding="utf-8"))
    entry["pack"]["format"] += "0"  # a format this code does not read
    manifest.write_text(json.dumps(entry), encoding="utf-8")

    page.fill("#search-query", NEW_WORDS)
    page.press("#search-query", "Enter")
    page.wait_for_function(
        "() => document.querySelector('#search-status').textContent.includes('网站已更新')"
    )
    assert page.locator("#search-status button", has_text="重试").is_visible()
    assert not page.locator("#search-results li").count()
    with page.expect_navigation():
        page.click("#search-status button")
    page.wait_for_selector("#search-results li")  # the page's own entry: its format


# The page's words came out of search.js into search.html's #search-texts (2026-12-05): a
# reader's cached page from before such a deploy (max-age=600) runs the new script.
TEXTS_BLOCK = re.compile(r'<script type="application/json" id="search-texts">.*?</script>', re.S)
NO_STORAGE = """Object.defineProperty(window, "sessionStorage", {
  get() { throw new DOMException("denied", "SecurityError"); } });"""


@pytest.mark.parametrize("cache", ["lets go", "holds on", "no sessionStorage"])
def test_a_cached_page_older_than_its_script_loads_again_or_says_so(
    browser, real_site, serve, cache
):
    """The old page (no #search-texts) with the new script: the page loads itself again and
    answers; if the reload brings the old page back (a cache holding on to it) or the page
    cannot remember that it reloaded (no sessionStorage), it says to come back later, with no
    loop of reloads and never an empty or endless status line."""
    context = browser.new_context()
    if cache == "no sessionStorage":
        context.add_init_script(NO_STORAGE)
    tab = context.new_page()
    served = []

    def search_page(route):
        answer = route.fetch()
        page_text = answer.text()
        assert TEXTS_BLOCK.search(page_text), "the built page holds its words"
        old = not served or cache != "lets go"
        served.append(old)
        route.fulfill(response=answer, body=TEXTS_BLOCK.sub("", page_text) if old else page_text)

    tab.route("**/search.html*", search_page)
    tab.goto(f"{serve(real_site)}/search.html?q={quote('人口普查')}")
    if cache == "lets go":
        tab.wait_for_selector("#search-results li")
        assert "用心“点名”" in tab.locator("#search-results li h2").first.inner_text()
        assert served == [True, False]
    else:
        tab.wait_for_function(
            "() => document.querySelector('#search-status').textContent.includes('请稍后刷新本页')"
        )
        tab.wait_for_timeout(1500)  # time for a reload that must not come
        assert served == ([True, True] if cache == "holds on" else [True])
        assert not tab.locator("#search-results li").count()
    context.close()


# --- A hostile or broken host: bytes that are not what the entry says -------------------

# Each decoder of codec.js given text its format never writes: cut short, or digits that
# say "more" to the end. Until 2026-12-04 each of these looped for ever (past the end a
# digit reads as nothing and a varint or a bit code never ended): the page hung.
GARBLED_TEXTS = {
    "decodeRef": ["@", "@zz"],
    "decodeDocs": ["!", "!AAAA", "zz"],
    "decodePostings": ["1", "12|z"],
    "decodeDays": ["z", "0toString"],
    "decodeOverridden": ["z"],
    "parseBucket": ["\tAAAA", "\t"],
}
DECODE_IN_NODE = """
import { readFileSync } from "node:fs";
import * as codec from "./theme/static/js/search/codec.js";
const cases = JSON.parse(readFileSync(0, "utf8"));
const outcome = ([name, text]) => {
  try {
    codec[name](text, null, 0, 64);
    return "read";
  } catch (error) {
    return error.message;
  }
};
process.stdout.write(JSON.stringify(cases.map(outcome)));
"""


def test_every_decoder_stops_on_garbled_text():
    cases = [[name, text] for name, texts in GARBLED_TEXTS.items() for text in texts]
    proc = subprocess.run(
        ["node", "--input-type=module", "-e", DECODE_IN_NODE],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=10,  # a decoder that loops never answers
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["index data garbled"] * len(cases)


@pytest.fixture(scope="module")
def garbled_site(real_site, tmp_path_factory) -> Path:
    """The real build with the bytes of days.gz in its pack turned into varint digits that
    never end (`z`: 61, "more"), each byte in its place: what a host or cache serving other
    bytes at the entry's offsets gives."""
    site = shutil.copytree(real_site, tmp_path_factory.mktemp("garbled") / "output")
    published = Published(site / "search")
    file, offset, length = published.pack["items"]["days.gz"]
    with published.path(file).open("r+b") as pack:
        pack.seek(offset)
        pack.write(b"z" * length)
    return site


def test_a_garbled_index_file_ends_in_a_message_not_a_hung_page(page, garbled_site, serve):
    page.goto(f"{serve(garbled_site)}/search.html?q={quote('市容')}")
    # A hung page answers nothing: the wait times out here, long before FETCH_TIMEOUT_MS.
    page.wait_for_function(FAILED, timeout=5000)
    assert_failure_shown(page)
