"""Searches in Debian's Chromium: one cold search per query, and recall in a warm page.

A cold search is a fresh browser context opening the search page with ?q=…: it fetches the
page, the search code, the index files and the fragments of the first results. Bytes are
counted at the server (see server.py). Latency is the page's own clock from navigation start
to the last DOM change that rendered the results, so no polling delay enters the figure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from kuaixun.bench.server import CountingServer, Sent
from kuaixun.tools.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 (used by the bench)

# Site chrome a search page shares with every page: not part of what a search costs.
CHROME_SUFFIXES = (".css", ".ico", ".png", ".jpg", ".svg", ".woff", ".woff2")
QUIET_SECONDS = 0.4
TIMEOUT_SECONDS = 20

WATCH_DOM = """
window.__lastChange = 0;
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
"""


@dataclass(frozen=True)
class ColdSearch:
    query: str
    latency_ms: float
    search_bytes: int
    first_view_bytes: int
    total_bytes: int
    requests: int
    # The same requests without the site chrome every page shares (CSS, icons), counted as
    # bytes are: what the search itself asks for (code, entry, index, results).
    search_requests: int
    timed_out: bool


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def search_bytes(sent: list[Sent]) -> int:
    return sum(s.bytes for s in sent if not s.path.split("?")[0].endswith(CHROME_SUFFIXES))


def cold_search(browser, server: CountingServer, page_url: str, query: str) -> ColdSearch:
    """Open page_url?q=query in a fresh context and wait until network and DOM are quiet:
    the results a reader first sees. Then scroll to the end of the page and wait again, so
    a page that loads snippets as results come into view has loaded all ten."""
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(WATCH_DOM)
    server.ledger.take()
    separator = "&" if "?" in page_url else "?"
    page.goto(f"{page_url}{separator}q={quote(query)}", wait_until="load")
    rendered, timed_out = _until_quiet(page, server)
    first_view = server.ledger.take()
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    _, late = _until_quiet(page, server)
    sent = first_view + server.ledger.take()
    context.close()
    return ColdSearch(
        query=query,
        latency_ms=rendered,
        search_bytes=search_bytes(sent),
        first_view_bytes=search_bytes(first_view),
        total_bytes=sum(s.bytes for s in sent),
        requests=len(sent),
        search_requests=sum(not s.path.split("?")[0].endswith(CHROME_SUFFIXES) for s in sent),
        timed_out=timed_out or late,
    )


def _until_quiet(page, server: CountingServer) -> tuple[float, bool]:
    """Wait until neither the DOM nor the server moved for QUIET_SECONDS.
    (the page's time of its last DOM change, whether the wait timed out)."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    seen, seen_at = page.evaluate("window.__lastChange"), time.monotonic()
    while True:
        time.sleep(0.1)
        change = page.evaluate("window.__lastChange")
        now = time.monotonic()
        if change != seen:
            seen, seen_at = change, now
        busy = server.ledger.in_flight > 0  # a paced response still on its way
        if not busy and now - max(seen_at, server.ledger.last_request) >= QUIET_SECONDS:
            return seen, False
        if now > deadline:
            return seen, True


PAGEFIND_SEARCH = """
async (queries) => {
  const out = [];
  for (const q of queries) out.push(await benchIds(q));
  return out;
}
"""


def pagefind_ranks(
    browser, server: CountingServer, items: list[tuple[str, str]], url_of_id: dict[str, str]
) -> list[list[str]]:
    """For each (query, target URL): the URLs Pagefind returns, best first (all of them)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/__bench/pagefind.html", wait_until="load")
    page.wait_for_function("window.benchReady === true")
    ranked = page.evaluate(
        PAGEFIND_SEARCH,
        [query for query, _ in items],
    )
    context.close()
    return [[url_of_id.get(i, i) for i in ids] for ids in ranked]


def pagefind_urls(bundle: Path) -> dict[str, str]:
    """Pagefind result id → page URL, read from the fragment files of the bundle."""
    import gzip
    import json

    urls = {}
    for fragment in (bundle / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd")
        urls[fragment.stem] = json.loads(data)["url"]
    return urls


OURS_SEARCH = """
async (queries) => {
  const root = document.getElementById("search");
  const module = await import(document.querySelector("script[type=module]").src);
  const index = module.createIndex(new URL(root.dataset.index, document.baseURI).href);
  const out = [];
  for (const q of queries) out.push((await index.search(q)).hits.map((h) => h.doc));
  return out;
}
"""


def ours_ranks(
    browser, server: CountingServer, items: list[tuple[str, str]], url_of_doc: dict
) -> list[list[str]]:
    """For each (query, target URL): the URLs our search module returns, best first (all)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/search.html", wait_until="load")
    ranked = page.evaluate(OURS_SEARCH, [query for query, _ in items])
    context.close()
    return [[url_of_doc.get(d, str(d)) for d in docs] for docs in ranked]


def ours_urls(index: Path) -> dict[int, str]:
    """Our result doc number → article URL, read from the published heads (export/pack.py)."""
    from kuaixun.core.search.export.pack import Published

    published = Published(index)
    return {d: published.head(d)["u"] for d in range(published.count("f"))}
