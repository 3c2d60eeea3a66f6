"""The real site under its Content-Security-Policy (CONTENT_SECURITY_POLICY in pelicanconf.py):
every page carries it as <meta http-equiv> (GitHub Pages sends no headers), the meta alone
refuses an inline script, and every page of a real build and the search page's queries run
in Chromium under the policy as a header with no violation reported — no inline script or
style anywhere, search still finds."""

from __future__ import annotations

import functools
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from lxml import html
from pelican.settings import read_settings

ROOT = Path(__file__).resolve().parent.parent
CSP = read_settings(str(ROOT / "pelicanconf.py"))["CONTENT_SECURITY_POLICY"]
INJECTED = '<script>window.__injectedRan = true; document.title = "ran"</script>'
# Runs before any script of the page (playwright injects it, the page does not carry it):
# collects what the browser reports when it blocks something.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture(scope="module")
def serve_with_csp(serve):
    """serve_with_csp(folder) -> base URL of a threaded server sending the CSP header."""
    return functools.partial(serve, headers={"Content-Security-Policy": CSP})


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
    # An arrow function: playwright eval()s a bare expression on every poll, which the CSP
    # (no 'unsafe-eval') refuses once the first check fails; a function is eval()ed once.
    tab.wait_for_function("() => document.querySelector('#search-status').textContent !== ''")
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


# --- The policy as <meta http-equiv>: what enforces it where no header can be sent --------


def csp_metas(page: Path) -> list:
    return html.parse(str(page)).xpath(
        "//meta[translate(@http-equiv, 'CONTENT-SECURITY-POLICY', 'content-security-policy')"
        " = 'content-security-policy']"
    )


def test_every_html_page_carries_exactly_the_policy_from_settings(real_site):
    pages = sorted(real_site.rglob("*.html"))
    assert {"404.html", "search.html", "issues/47/print/index.html", "index.html"} <= {
        page.relative_to(real_site).as_posix() for page in pages
    }
    wrong = {}
    for page in pages:
        metas = csp_metas(page)
        if [meta.get("content") for meta in metas] != [CSP]:
            wrong[page.relative_to(real_site).as_posix()] = [m.get("content") for m in metas]
            continue
        # A meta policy covers only what comes after it: nothing that loads may precede it.
        head = metas[0].getparent()
        before = [el.tag for el in head[: head.index(metas[0])] if isinstance(el.tag, str)]
        if head.tag != "head" or set(before) - {"meta"}:
            wrong[page.relative_to(real_site).as_posix()] = f"after {before} in <{head.tag}>"
    assert not wrong, wrong
    assert "frame-ancestors" not in CSP  # ignored in a meta policy: the header example has it


def inject_inline_script(page: Path, keep_meta: bool) -> None:
    """Put an inline script into a built page's HTML file, as a tampered or buggy page would."""
    text = page.read_text(encoding="utf-8")
    if not keep_meta:
        meta = '<meta http-equiv="Content-Security-Policy"'
        start = text.index(meta)
        text = text[:start] + text[text.index(">", start) + 1 :]
    page.write_text(text.replace("</body>", INJECTED + "</body>", 1), encoding="utf-8")


@pytest.mark.parametrize("keep_meta", [True, False], ids=["with-meta", "meta-removed"])
def test_the_meta_alone_refuses_an_inline_script(csp_tab, real_site, tmp_path, serve, keep_meta):
    """Served WITHOUT the header: with the meta Chromium refuses the injected script and
    reports it; the same page with the meta taken out runs it (the injection is real)."""
    site = shutil.copytree(real_site, tmp_path / "site")
    article = sorted(site.glob("20[0-9][0-9]/[01][0-9]/*/index.html"))[0]
    inject_inline_script(article, keep_meta)
    address = f"{serve(site)}/{article.parent.relative_to(site).as_posix()}/"
    with urllib.request.urlopen(address) as response:
        assert response.headers.get("Content-Security-Policy") is None
        assert INJECTED in response.read().decode("utf-8")
    tab, reports = csp_tab
    reports.clear()
    tab.goto(address, wait_until="networkidle")
    ran = tab.evaluate("window.__injectedRan === true")
    found = violations(tab, reports)
    if keep_meta:
        assert not ran and tab.title() != "ran"
        assert any("script-src" in v for v in found), found
    else:
        assert ran and tab.title() == "ran"
        assert not found, found
