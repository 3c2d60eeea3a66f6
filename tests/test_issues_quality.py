"""The issue pages are valid HTML (vnu: 0 errors) and accessible (axe-core: 0 violations),
in light and dark colour schemes. vnu runs through the theme's helpers in test_site_quality."""

from __future__ import annotations

import pytest
from test_site_quality import AXE, run_vnu, vnu_problems

from kuaixun.core.issues import latest_issue_number
from kuaixun.testing.builds import ROOT


def issue_pages() -> list[str]:
    number = latest_issue_number(ROOT / "content" / "issues")
    return ["issues/", f"issues/{number}/", f"issues/{number}/print/", ""]


def test_issue_pages_are_valid_html(real_site):
    files = [real_site / url / "index.html" for url in issue_pages()]
    assert all(f.is_file() for f in files)
    assert vnu_problems(run_vnu(files), real_site) == []


def test_edition_stylesheet_is_valid_css():
    messages = run_vnu([ROOT / "theme" / "static" / "css" / "edition.css"], "--css")
    assert vnu_problems(messages, ROOT) == []


@pytest.fixture(scope="module")
def tab(browser, real_site, serve):
    """One tab for all pages: loading axe once per tab is the slow part."""
    # axe's injected inline script must pass the pages' CSP meta: it judges, it is not the page.
    context = browser.new_context(bypass_csp=True)
    yield context.new_page(), serve(real_site)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("url", issue_pages())
def test_issue_pages_have_no_axe_violations(tab, url, scheme):
    page, base = tab
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{base}/{url}")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run()).violations")
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
