"""The real site under a strict Content-Security-Policy (the one docs/security.md gives
self-hosters): every page of a real build, and the search page's queries, in Chromium with
no CSP violation reported — no inline script or style anywhere, search still finds."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'"
)
# Runs before any script of the page (playwright injects it, the page does not carry it):
# collects what the browser reports when it blocks something.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


class _CspHandler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def serve_with_csp():
    """serve_with_csp(folder) -> base URL of a threaded server sending the CSP header."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_CspHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="module")
def csp_tab(browser):
    """A tab that records CSP violations (events and console) and dialogs, page by page."""
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    tab = context.new_page()
    reports: list[str] = []
    tab.on("console", lambda m: reports.append(m.text) if "Content Security" in m.text else 0)
    tab.on("dialog", lambda dialog: (reports.append(f"dialog {dialog.message}"), dialog.dismiss()))
    yield tab, reports
    context.close()


def violations(tab, reports: list[str]) -> list[str]:
    return reports + tab.evaluate("window.__cspViolations")


def page_addresses(site: Path) -> list[str]:
    """Every HTML page of a built site, as the path a reader requests."""
    paths = [page.relative_to(site).as_posix() for page in site.rglob("*.html")]
    return sorted(path.removesuffix("index.html") for path in paths)


def test_every_page_loads_without_a_csp_violation(csp_tab, real_site, serve_with_csp):
    tab, reports = csp_tab
    base = serve_with_csp(real_site)
    addresses = page_addresses(real_site)
    # Every kind of page is among them (articles, listings, issues, print view, 404, search).
    for expected in ("", "archives/", "lanmu/", "tag/", "reporter/", "issues/47/print/", "about/"):
        assert expected in addresses
    assert {"404.html", "search.html"} <= set(addresses)
    found = {}
    for address in addresses:
        reports.clear()
        tab.goto(f"{base}/{address}", wait_until="networkidle")
        if violations(tab, reports):
            found[address] = violations(tab, reports)
    assert not found, found


@pytest.mark.parametrize("query", ["普查", "市容", "老人摔倒"])
def test_search_finds_under_the_csp(csp_tab, real_site, serve_with_csp, query):
    tab, reports = csp_tab
    reports.clear()
    tab.goto(f"{serve_with_csp(real_site)}/search.html?q={quote(query)}")
    tab.wait_for_selector("#search-results li mark")
    assert tab.locator("#search-results li").count() >= 1
    assert not violations(tab, reports)


def test_a_hostile_query_under_the_csp_is_text(csp_tab, real_site, serve_with_csp):
    tab, reports = csp_tab
    reports.clear()
    query = '<img src=x onerror=alert(1)>"普查'
    tab.goto(f"{serve_with_csp(real_site)}/search.html?q={quote(query)}")
    tab.wait_for_function("document.querySelector('#search-status').textContent.trim() !== ''")
    assert tab.input_value("#search-query") == query
    assert tab.locator("#search img, #search [onerror]").count() == 0
    assert not violations(tab, reports)


def test_the_listener_reports_inline_script_and_style(csp_tab, tmp_path, serve_with_csp):
    """The same tab and server on a page that breaks the policy: both are reported."""
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>坏</title>'
        '<p style="color:red">红</p><script>document.title = "ran"</script>',
        encoding="utf-8",
    )
    tab, reports = csp_tab
    reports.clear()
    tab.goto(f"{serve_with_csp(tmp_path)}/bad.html", wait_until="networkidle")
    found = violations(tab, reports)
    assert tab.title() == "坏"
    assert any("script-src" in v for v in found), found
    assert any("style-src" in v for v in found), found
