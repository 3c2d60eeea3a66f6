"""朗读 (read-aloud.js) in Chromium on a real build. Headless Chromium has no voices, so the
page's speechSynthesis is observed: an init script installs a stand-in with one zh-CN voice
that records every call and starts each utterance in turn, as a browser does."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html

from kuaixun.testing.builds import built_files

ARTICLE = "平城区第二届政府向社会力量购买服务项目全面落地"
# speechSynthesis as a browser with a Mandarin voice offers it, recording what the page asks:
# speak() queues the utterance and the queue plays one at a time (start event, then end
# after a moment) unless paused; cancel() empties it.
FAKE_SPEECH = """
(() => {
  const calls = [];
  const queue = [];
  let paused = false, speaking = null;
  const next = () => {
    if (speaking || paused || !queue.length) return;
    speaking = queue.shift();
    speaking.dispatchEvent(new Event('start'));
    setTimeout(() => {
      if (paused) return;
      const done = speaking; speaking = null;
      done.dispatchEvent(new Event('end'));
      next();
    }, window.__utteranceMs || 30);
  };
  const synth = new EventTarget();
  Object.assign(synth, {
    getVoices: () => [{lang: 'zh-CN', name: '普通话（测试）', localService: true, default: true}],
    speak(u) { calls.push(['speak', u.text, u.lang]); queue.push(u); next(); },
    pause() { calls.push(['pause']); paused = true; },
    resume() { calls.push(['resume']); paused = false; speaking = null; next(); },
    cancel() { calls.push(['cancel']); queue.length = 0; speaking = null; },
  });
  Object.defineProperty(window, 'speechSynthesis', {value: synth, configurable: true});
  window.__speech = calls;
})();
"""
NO_SPEECH = "delete window.speechSynthesis; delete window.SpeechSynthesisUtterance;"
NO_CHINESE_VOICE = FAKE_SPEECH.replace("lang: 'zh-CN'", "lang: 'en-US'")


def article(site: Path) -> tuple[str, list[str]]:
    """The article's address and the texts a listener should hear, in order."""
    for page in built_files(site, "[0-9]*/[0-9]*/*/index.html"):
        tree = html.parse(str(page))
        if tree.xpath("string(//h1)").strip() == ARTICLE:
            parts = tree.xpath(
                "//h1 | //p[@class='article-subtitle'] | //div[@class='article-body']//p"
            )
            texts = [" ".join(part.text_content().split()) for part in parts]
            return page.parent.relative_to(site).as_posix() + "/", texts
    raise AssertionError(f"no article titled {ARTICLE}")


@pytest.fixture
def tab_with(browser):
    contexts = []

    def open_tab(init_script: str):
        context = browser.new_context()
        context.add_init_script(init_script)
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


def calls(tab) -> list[list]:
    return tab.evaluate("window.__speech")


def test_reads_title_subtitle_then_body_in_order_in_mandarin(tab_with, real_site, serve):
    path, texts = article(real_site)
    assert len(texts) >= 4 and texts[1] == "政府买服务 居民享幸福"
    tab = tab_with(FAKE_SPEECH)
    tab.goto(f"{serve(real_site)}/{path}")
    tab.get_by_role("button", name="朗读全文").click()
    spoken = [call for call in calls(tab) if call[0] == "speak"]
    assert [call[1] for call in spoken] == texts
    assert {call[2] for call in spoken} == {"zh-CN"}


def test_the_paragraph_being_read_is_highlighted(tab_with, real_site, serve):
    path, texts = article(real_site)
    tab = tab_with(FAKE_SPEECH)
    tab.goto(f"{serve(real_site)}/{path}")
    tab.evaluate(
        """() => { window.__highlighted = [];
             new MutationObserver(records => { for (const r of records)
               if (r.target.classList.contains('reading'))
                 window.__highlighted.push(r.target.textContent);
             }).observe(document.body, {attributes: true, subtree: true,
                                        attributeFilter: ['class']}); }"""
    )
    tab.get_by_role("button", name="朗读全文").click()
    tab.wait_for_function("() => document.querySelector('.read-aloud').dataset.state === 'idle'")
    seen = tab.evaluate("window.__highlighted")
    assert [" ".join(text.split()) for text in seen] == texts
    assert tab.locator(".reading").count() == 0  # the highlight goes when the reading ends


def test_pause_resume_and_stop_call_the_api(tab_with, real_site, serve):
    path, _ = article(real_site)
    tab = tab_with("window.__utteranceMs = 60000;" + FAKE_SPEECH)  # still on the title
    tab.goto(f"{serve(real_site)}/{path}")
    stop = tab.get_by_role("button", name="停止")
    assert stop.is_disabled()
    tab.get_by_role("button", name="朗读全文").click()
    tab.get_by_role("button", name="暂停").click()
    assert tab.locator(".read-aloud").get_attribute("data-state") == "paused"
    tab.get_by_role("button", name="继续").click()
    assert tab.locator(".read-aloud").get_attribute("data-state") == "playing"
    stop.click()
    assert [call[0] for call in calls(tab) if call[0] != "speak"] == [
        "cancel",  # a new reading first silences anything still playing
        "pause",
        "resume",
        "cancel",
    ]
    assert tab.locator(".read-aloud").get_attribute("data-state") == "idle"
    assert tab.locator(".reading").count() == 0


def test_buttons_are_reachable_and_usable_from_the_keyboard(tab_with, real_site, serve):
    path, texts = article(real_site)
    tab = tab_with(FAKE_SPEECH)
    tab.goto(f"{serve(real_site)}/{path}")
    tab.focus(".read-aloud-play")
    tab.keyboard.press("Enter")
    assert [call[1] for call in calls(tab) if call[0] == "speak"][0] == texts[0]


@pytest.mark.parametrize(
    "init_script", [NO_SPEECH, NO_CHINESE_VOICE], ids=["no-api", "no-chinese-voice"]
)
def test_no_read_aloud_without_speech_or_a_chinese_voice(tab_with, real_site, serve, init_script):
    path, _ = article(real_site)
    tab = tab_with(init_script)
    tab.goto(f"{serve(real_site)}/{path}")
    tab.wait_for_load_state("load")
    assert tab.locator(".read-aloud button").first.is_hidden()
    assert tab.get_by_role("button", name="朗读全文").count() == 0


def test_only_article_pages_offer_read_aloud(real_site):
    pages = built_files(real_site, "**/*.html", 20)
    for page in pages:
        is_article = page.relative_to(real_site).match("[0-9]*/[0-9]*/*/index.html")
        offers = bool(html.parse(str(page)).xpath("//div[@class='read-aloud']"))
        assert offers == is_article, page


AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_toolbar_and_highlight_pass_axe_and_are_large_in_elder_mode(
    browser, real_site, serve, scheme, elder
):
    path, _ = article(real_site)
    mode = "localStorage.setItem('kuaixun-elder', 'on');" if elder else ""
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)  # axe is inline
    context.add_init_script("window.__utteranceMs = 60000;" + mode + FAKE_SPEECH)
    tab = context.new_page()
    try:
        tab.goto(f"{serve(real_site)}/{path}")
        tab.get_by_role("button", name="朗读全文").click()
        tab.locator(".article-title.reading").wait_for()
        sizes = tab.locator(".read-aloud button").evaluate_all(
            "els => els.map(e => Math.min(e.offsetWidth, e.offsetHeight))"
        )
        assert min(sizes) >= (60 if elder else 44), sizes
        tab.add_script_tag(path=str(AXE))
        violations = tab.evaluate(
            """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
                 .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"""
        )
        assert not violations, violations
    finally:
        context.close()
