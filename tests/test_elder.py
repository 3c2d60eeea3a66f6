"""长辈版, the age-friendly mode of 《互联网网站适老化通用设计规范》 (docs/age-friendly.md), in
Chromium on a real build: the switch on every page, the sizes and spacing the standard asks
for once it is on, axe in both modes and colour schemes, the choice kept across pages and
reloads with no layout shift, and a site that reads the same without JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html

from kuaixun.testing.builds import ROOT, built_files

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
KEY = "kuaixun-elder"  # elder.js keeps the choice under this localStorage key
ARTICLE = "平城区第二届政府向社会力量购买服务项目全面落地"  # has a subtitle and several paragraphs
# Sums the layout shifts of the page from its first paint on (registered before any page code).
RECORD_SHIFTS = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if (!entry.hadRecentInput) window.__shifts.push(entry.value);
}).observe({type: 'layout-shift', buffered: true});
window.__elderAt = null;
new MutationObserver(() => {
  if (window.__elderAt === null && document.documentElement.classList.contains('elder'))
    window.__elderAt = performance.now();
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['class']});
"""
# The header's main controls, which the standard wants 60 × 60 px in the age-friendly mode.
MAIN_CONTROLS = (
    ".site-name a, .site-nav a, #elder-toggle, .site-search input, .site-search button,"
    " .read-aloud:not([hidden]) button"
)


def article_path(site: Path) -> str:
    for page in built_files(site, "[0-9]*/[0-9]*/*/index.html"):
        if html.parse(str(page)).xpath("string(//h1)").strip() == ARTICLE:
            return page.parent.relative_to(site).as_posix() + "/"
    raise AssertionError(f"no article titled {ARTICLE}")


@pytest.fixture(scope="module")
def pages(real_site) -> dict[str, str]:
    return {
        "home": "",
        "article": article_path(real_site),
        "archive": "archives/",
        "categories": "lanmu/",
        "tags": "tag/",
        "issues": "issues/",
        "about": "about/",
        "search": "search.html",
        "404": "404.html",
    }


@pytest.fixture(scope="module")
def context(browser):
    """Bypasses the CSP only so that axe, an inline script, can be injected."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.add_init_script(RECORD_SHIFTS)
    yield context
    context.close()


@pytest.fixture
def tab(context):
    page = context.new_page()
    yield page
    page.close()


def open_in_mode(tab, url: str, elder: bool) -> None:
    """Open `url` as a reader who chose (or not) 长辈版 on an earlier visit."""
    tab.goto(url)
    tab.evaluate(
        f"on => on ? localStorage.setItem('{KEY}', 'on') : localStorage.removeItem('{KEY}')",
        elder,
    )
    tab.reload()


def body_metrics(tab) -> dict:
    return tab.evaluate(
        """() => {
          const [first, second] = document.querySelectorAll('.article-body > p');
          const style = getComputedStyle(first);
          return {font: parseFloat(style.fontSize), line: parseFloat(style.lineHeight),
                  gap: second.getBoundingClientRect().top - first.getBoundingClientRect().bottom};
        }"""
    )


# --- The switch --------------------------------------------------------------------------


def test_every_page_has_the_switch_hidden_until_javascript_shows_it(real_site):
    pages = [p for p in built_files(real_site, "**/*.html", 20) if "/print/" not in p.as_posix()]
    for page in pages:
        [button] = html.parse(str(page)).xpath("//header//button[@id='elder-toggle']")
        assert button.text_content() == "长辈版", page
        assert button.get("type") == "button" and button.get("aria-pressed") == "false", page
        assert button.get("hidden") is not None, page


def test_switch_turns_the_mode_on_and_off_and_remembers_it(tab, real_site, serve, pages):
    base = serve(real_site)
    open_in_mode(tab, f"{base}/{pages['article']}", elder=False)
    normal = body_metrics(tab)["font"]
    button = tab.get_by_role("button", name="长辈版")
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    assert tab.evaluate("document.documentElement.classList.contains('elder')")
    assert button.get_attribute("aria-pressed") == "true"
    assert tab.evaluate(f"localStorage.getItem('{KEY}')") == "on"
    assert body_metrics(tab)["font"] >= 24 > normal
    button.click()
    assert button.get_attribute("aria-pressed") == "false"
    assert tab.evaluate(f"localStorage.getItem('{KEY}')") is None
    assert body_metrics(tab)["font"] == normal


def test_switch_works_from_the_keyboard(tab, real_site, serve):
    open_in_mode(tab, f"{serve(real_site)}/", elder=False)
    tab.focus("#elder-toggle")
    tab.keyboard.press("Enter")
    assert tab.get_attribute("#elder-toggle", "aria-pressed") == "true"
    tab.keyboard.press("Space")
    assert tab.get_attribute("#elder-toggle", "aria-pressed") == "false"


# --- What the standard asks once it is on -------------------------------------------------


def test_article_text_is_24_px_with_wide_lines_and_paragraph_spacing(tab, real_site, serve, pages):
    open_in_mode(tab, f"{serve(real_site)}/{pages['article']}", elder=True)
    metrics = body_metrics(tab)
    assert metrics["font"] >= 24
    assert metrics["line"] >= 1.3 * metrics["font"]
    assert metrics["gap"] >= 1.3 * metrics["line"], metrics


@pytest.mark.parametrize("which", ["home", "article", "search", "404"])
def test_main_controls_are_at_least_60_px(tab, real_site, serve, pages, which):
    open_in_mode(tab, f"{serve(real_site)}/{pages[which]}", elder=True)
    sizes = tab.locator(MAIN_CONTROLS).evaluate_all(
        """els => els.map(e => { const r = e.getBoundingClientRect();
                                 return [e.textContent.trim() || e.name, r.width, r.height]; })"""
    )
    assert len(sizes) >= 10
    small = [size for size in sizes if min(size[1:]) < 60]
    assert not small, small


def test_listing_is_one_column(tab, real_site, serve):
    open_in_mode(tab, f"{serve(real_site)}/", elder=True)
    columns = tab.locator(".with-aside").evaluate("e => getComputedStyle(e).gridTemplateColumns")
    assert len(columns.split()) == 1, columns


@pytest.mark.parametrize("which", ["home", "article", "archive", "categories", "tags", "search"])
def test_no_sideways_scrolling_at_320_px(tab, real_site, serve, pages, which):
    tab.set_viewport_size({"width": 320, "height": 640})
    open_in_mode(tab, f"{serve(real_site)}/{pages[which]}", elder=True)
    assert tab.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
@pytest.mark.parametrize("which", ["home", "article", "categories", "search"])
def test_axe_finds_no_violations(tab, real_site, serve, pages, which, elder, scheme):
    tab.emulate_media(color_scheme=scheme)
    open_in_mode(tab, f"{serve(real_site)}/{pages[which]}", elder=elder)
    assert tab.evaluate("document.documentElement.classList.contains('elder')") == elder
    tab.add_script_tag(path=str(AXE))
    violations = tab.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map(v => `${v.id} (${v.impact}): ${v.help}\\n    ` +
                       v.nodes.map(n => n.target.join(' ')).join('\\n    '))"""
    )
    assert not violations, f"axe on /{pages[which]} ({scheme}):\n" + "\n".join(violations)


# --- Kept across pages and visits, before the first paint --------------------------------


def settled_shift(tab) -> float:
    tab.wait_for_load_state("load")
    tab.wait_for_timeout(300)
    return sum(tab.evaluate("window.__shifts"))


def test_mode_holds_after_navigating_and_reloading_without_layout_shift(
    tab, real_site, serve, pages
):
    open_in_mode(tab, f"{serve(real_site)}/", elder=False)
    tab.get_by_role("button", name="长辈版").click()
    tab.click(f"a[href$='{pages['article']}']")
    tab.wait_for_url(f"**/{pages['article']}")
    for step in ("navigated", "reloaded"):
        assert tab.evaluate("document.documentElement.classList.contains('elder')"), step
        assert tab.get_attribute("#elder-toggle", "aria-pressed") == "true", step
        assert body_metrics(tab)["font"] >= 24, step
        assert settled_shift(tab) == 0, step
        # The class was on <html> before the browser painted anything.
        elder_at, first_paint = tab.evaluate(
            """() => [window.__elderAt, performance.getEntriesByName('first-paint')[0].startTime]"""
        )
        assert elder_at is not None and elder_at <= first_paint, step
        tab.reload()


def test_standard_mode_shifts_nothing_either(tab, real_site, serve, pages):
    open_in_mode(tab, f"{serve(real_site)}/{pages['article']}", elder=False)
    assert settled_shift(tab) == 0


# --- Without JavaScript; on paper --------------------------------------------------------


def test_without_javascript_there_is_no_switch_and_the_article_reads(browser, real_site, serve):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto(f"{serve(real_site)}/{article_path(real_site)}")
        assert tab.locator("#elder-toggle").is_hidden()
        assert tab.locator(".read-aloud").is_hidden()
        assert tab.locator(".article-body p").first.is_visible()
        assert tab.locator(".article-body p").count() >= 3
        font = tab.locator(".article-body p").first.evaluate(
            "p => parseFloat(getComputedStyle(p).fontSize)"
        )
        assert font >= 18
    finally:
        context.close()


def test_print_is_the_same_in_both_modes(tab, real_site, serve, pages):
    printed = {}
    for elder in (False, True):
        open_in_mode(tab, f"{serve(real_site)}/{pages['article']}", elder=elder)
        tab.emulate_media(media="print")
        assert tab.locator("#elder-toggle").is_hidden()
        printed[elder] = tab.evaluate(
            """() => [...document.querySelectorAll('body, h1, .article-body p')].map(e => {
                 const s = getComputedStyle(e);
                 return [s.fontSize, s.lineHeight, s.color, s.backgroundColor, s.marginTop]; })"""
        )
        tab.emulate_media(media="screen")
    assert printed[True] == printed[False]
