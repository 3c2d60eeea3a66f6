"""Search: the browser module (run by node) against Whoosh, recall, seeds and bad input."""

from __future__ import annotations

import gzip
import json
import random
import re
import subprocess
from collections import Counter

import pytest

from kuaixun.core.search.export import CHUNK
from kuaixun.core.search.export.codec import CHUNK_BATCHES
from kuaixun.core.search.export.entry import entry_of, with_entry
from kuaixun.core.search.export.pack import Published, compact
from kuaixun.hooks.scripts import minified
from kuaixun.testing.search_sites import (
    INFLATE_FALLBACK,
    PINYIN_LAYER,
    SCRIPTS,
    SEARCH_ENTRY,
    SUGGESTIONS,
    assert_same_ranking,
    fragments,
    node_search,
    python_search,
    sample_site_fixture,  # noqa: F401  (the sample_site fixture)
    search_modules,
    verbatim_slices,
)
from kuaixun.tools.bundle import bundle

SEED_QUERIES = {
    "人口普查": "用心“点名”",
    "社区矫正": "社区矫正业务培训",
    "太极拳": "购买服务项目",
    "老人摔倒": "小举动暖人心",
    "市容": "规范市容秩序",
}
LONG_QUERY = "社区" * 500  # 1,000 characters
BAD_QUERIES = ["", "   ", "，。！？……", "!!!", "😀", "😀人口普查", "COVID-19疫情", "120急救"]
BAD_QUERIES.append(LONG_QUERY)


def top_title(output, answer) -> str:
    return fragments(output)[answer["docs"][0]]["t"] if answer["docs"] else ""


@pytest.mark.parametrize("query, title", SEED_QUERIES.items())
def test_seed_query_ranks_its_article_first(real_site, query, title):
    browser, whoosh = node_search(real_site, [query])[0], python_search(real_site, [query])[0]
    assert title in top_title(real_site, browser)
    assert browser["docs"][:10] == whoosh["docs"][:10]


def test_reporter_name_stays_whole_and_finds_the_reporters_articles(real_site):
    answer = node_search(real_site, ["孙露"])[0]
    assert answer["parts"] == ["孙露"]  # the user dictionary keeps the name whole
    assert "孙露" in fragments(real_site)[answer["docs"][0]]["x"]


def parity_queries(output, count: int, seed: int) -> list[str]:
    """Seed queries, titles, passages, single characters and common words of the site."""
    rng = random.Random(seed)
    articles = fragments(output)
    queries = [*SEED_QUERIES, "孙露", "社区", "发展", "工作", "的", "中国经济", *BAD_QUERIES]
    for a in rng.sample(articles, min(count, len(articles))):
        text = a["x"]
        start = rng.randrange(max(1, len(text) - 14))
        queries += [a["t"], text[start : start + rng.randint(2, 14)], rng.choice(text)]
    return queries


# Parity, stated exactly: the browser module (run by node over the exported files) against
# kuaixun.core.search.rank.SearchIndex, the Python port of the same formula, whose BM25F part
# Whoosh computes over its own postings (BulletinBM25F) and whose phrase, coverage and recency
# parts are the port's. Equal answers prove the export and the JavaScript carry Whoosh's
# statistics faithfully; they do not compare against Whoosh's stock BM25F ranking.
def test_browser_equals_the_python_ranker_over_whoosh_postings_on_the_real_content(real_site):
    queries = parity_queries(real_site, 6, seed=1)
    assert_same_ranking(node_search(real_site, queries), python_search(real_site, queries))


def test_browser_equals_the_python_ranker_over_whoosh_postings_on_the_inews_sample(sample_site):
    queries = parity_queries(sample_site, 60, seed=2)
    assert_same_ranking(node_search(sample_site, queries), python_search(sample_site, queries))


def test_every_verbatim_slice_and_title_finds_its_article(sample_site):
    slices = verbatim_slices(sample_site, 500, seed=3)
    answers = node_search(sample_site, [q for q, _ in slices])
    missing = [(q, d) for (q, d), a in zip(slices, answers, strict=True) if d not in a["docs"]]
    assert not missing


def test_titles_rank_their_article_in_the_top_three(sample_site):
    articles = fragments(sample_site)
    titles = [a["t"] for a in articles]
    answers = node_search(sample_site, titles)
    ranks = [a["docs"].index(d) if d in a["docs"] else 99 for d, a in enumerate(answers)]
    assert sum(r < 3 for r in ranks) / len(ranks) >= 0.97


@pytest.mark.parametrize("char", ["露", "矫", "拳"])
def test_a_single_han_character_finds_the_articles_containing_it(real_site, char):
    answer = node_search(real_site, [char])[0]
    articles = fragments(real_site)
    holding = {d for d, a in enumerate(articles) if char in a["x"] or char in a["t"]}
    assert set(answer["docs"]) == holding and holding


@pytest.mark.parametrize(
    "query, title",
    [("社區矯正", "社区矫正业务培训"), ("人口普查員", "用心“点名”"), ("規範市容", "规范市容秩序")],
)
def test_traditional_query_finds_the_simplified_article(real_site, query, title):
    answer = node_search(real_site, [query])[0]
    assert title in top_title(real_site, answer)
    assert answer["fetched"].count("manifest.json") == 1
    assert any(name.startswith("t/") for name in answer["fetched"])  # the t2s map, on need


def test_simplified_query_does_not_fetch_the_traditional_map(real_site):
    answer = node_search(real_site, ["社区矫正"])[0]
    assert not any(name.startswith("t/") for name in answer["fetched"])


def test_full_width_digits_match_half_width(real_site):
    full, half = node_search(real_site, ["１２０", "120"])
    assert full["docs"] == half["docs"] and full["docs"]
    assert "小举动暖人心" in top_title(real_site, full)


@pytest.mark.parametrize("query", ["", "   ", "，。！？……", "!!!", "😀"])
def test_queries_without_words_find_nothing_quietly(real_site, query):
    browser, whoosh = node_search(real_site, [query])[0], python_search(real_site, [query])[0]
    assert browser["docs"] == whoosh["docs"] == []
    assert browser["fetched"] == ["manifest.json"]


def test_emoji_around_words_is_ignored(real_site):
    with_emoji, plain = node_search(real_site, ["😀人口普查🎉", "人口普查"])
    assert with_emoji["docs"] == plain["docs"] and with_emoji["parts"] == ["人口普查"]


def test_mixed_chinese_and_latin_queries(real_site):
    covid, emergency = node_search(real_site, ["COVID-19疫情", "120急救"])
    assert covid["parts"][:2] == ["covid", "19"] and "疫情" in "".join(covid["parts"])
    assert "小举动暖人心" in top_title(real_site, emergency)  # it asks to call 120


def test_a_1000_character_query_is_cut_to_the_first_100_characters(real_site):
    browser = node_search(real_site, [LONG_QUERY])[0]
    whoosh = python_search(real_site, [LONG_QUERY])[0]
    assert sum(len(r) for r in browser["runs"]) == 100
    assert browser["parts"] == ["社区"] and browser["docs"][:10] == whoosh["docs"][:10]


def test_snippets_mark_the_query_in_the_text(real_site):
    answer = node_search(real_site, ["社区矫正"], snippets=True)[0]
    assert answer["snippets"][0]["marked"] and set(answer["snippets"][0]["marked"]) == {"社区矫正"}


# Scripts of every page, not of search: the 长辈版 switch and read-aloud (docs/theme.md).
PAGE_SCRIPTS = [SCRIPTS / "elder.js", SCRIPTS / "read-aloud.js"]


def test_the_search_modules_are_every_script_the_theme_ships_but_the_inflate_library():
    shipped = sorted(SCRIPTS.rglob("*.js"))
    # So the size below counts every search script a modern browser loads; a new script
    # must be named here as the site's (PAGE_SCRIPTS) or be reached from search.js.
    expected = [*search_modules(), PINYIN_LAYER, SUGGESTIONS, INFLATE_FALLBACK, *PAGE_SCRIPTS]
    assert sorted(expected) == shipped


# The budget for the search code and its entry, the pinyin layer and the list of
# initials included.
BUDGET = 15 * 1024


@pytest.mark.parametrize(
    "layers", [["search.js"], ["search.js", "search/pinyin.js", "search/suggest.js"]]
)
def test_search_code_and_manifest_fit_in_their_budget(real_site, layers):
    # The page's one search script (its modules joined, minified: kuaixun.hooks.scripts),
    # gzipped, plus the entry; and with them the pinyin layer, which a query not found as
    # typed imports, and the list under the box, which three letters typed import (with the
    # pinyin layer). The budget is a modern browser's: the inflate library (vendor/fflate.js,
    # ≈ 22 KB gzip) is imported only where DecompressionStream is missing, and a modern
    # browser never requests it (test_search_resilience.py); docs/browsers.md gives its cost.
    code = [(real_site / "theme" / "js" / name).read_bytes() for name in layers]
    manifest = (real_site / "search" / "manifest.json").read_bytes()
    gzipped = sum(len(gzip.compress(data, 9)) for data in [*code, manifest])
    assert gzipped <= BUDGET, gzipped


def test_the_site_ships_the_search_modules_joined_and_minified(real_site):
    shipped = real_site / "theme" / "js" / "search.js"
    assert shipped.read_text(encoding="utf-8") == bundle(SEARCH_ENTRY)
    # The modules joined into it are not shipped apart; the pinyin layer and the list of
    # initials (minified) and the inflate library, which search.js imports only when
    # needed, are.
    apart = [PINYIN_LAYER, SUGGESTIONS]
    layers = [real_site / "theme" / "js" / s.relative_to(SCRIPTS) for s in apart]
    assert sorted(layers[0].parent.iterdir()) == layers
    for layer, source in zip(layers, apart, strict=True):
        assert layer.read_text(encoding="utf-8") == minified(source.read_text(encoding="utf-8"))
    assert (real_site / "theme" / "js" / INFLATE_FALLBACK.relative_to(SCRIPTS)).is_file()
    joined = sum(len(m.read_bytes()) for m in search_modules())
    assert len(shipped.read_bytes()) < joined
    published = Published(real_site / "search")
    days = published.range(published.pack["items"]["days.gz"])
    assert days == compact(published.item("days.gz"))  # zlib, or plain text when shorter


def test_the_search_page_preloads_its_script_and_holds_the_entry(real_site):
    html = (real_site / "search.html").read_text(encoding="utf-8")
    preloaded = re.findall(r'<link rel="modulepreload" href="[^"]*?/theme/js/([^"]+)">', html)
    assert preloaded == ["search.js"]
    assert "manifest.json" not in html  # neither preloaded nor fetched: the page holds it
    assert re.search(r'<script type="module" src="[^"]*?/theme/js/search\.js">', html)
    _, entry = entry_of(html.encode())
    published = (real_site / "search" / "manifest.json").read_text(encoding="utf-8")
    assert json.loads(entry) == json.loads(published)


@pytest.mark.parametrize("text", ["</script><script>alert(1)</script>", "<!-- 注释", "a<b"])
def test_the_entry_in_the_page_cannot_end_its_data_block(text):
    page = b'<p><script type="application/json" id="search-entry"></script></p>'
    entry = json.dumps({"suggest": [text]}, ensure_ascii=False).encode()
    filled = with_entry(page, entry)
    assert filled.count(b"<") == page.count(b"<")
    assert json.loads(entry_of(filled)[1]) == {"suggest": [text]}
    assert entry_of(filled)[0] == page


def core_js(expression: str):
    """The value of a JavaScript expression over core.js's exports (`core`), run by node."""
    core = (SCRIPTS / "search" / "core.js").as_uri()
    script = f'import * as core from "{core}";\nconsole.log(JSON.stringify({expression}));'
    proc = subprocess.run(
        ["node", "--no-warnings", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_snippet_window_never_cuts_a_match_in_two():
    # Ten characters hold the first match and the 社 of the second: the window reaches
    # to the end of the second rather than mark 社 alone.
    text = "社区矫正" + "乙" * 5 + "社区矫正" + "丙" * 20
    segments = core_js(f'core.excerpt("{text}", ["社区矫正"], 10)')
    assert [s["text"] for s in segments if s["mark"]] == ["社区矫正", "社区矫正"]


@pytest.mark.parametrize(
    "text, kept",
    [
        ("近日全市社区", "近日全市"),
        ("近日全市社", "近日全市"),
        ("近日全市社区矫正", "近日全市社区矫正"),
    ],
)
def test_a_text_cut_before_its_end_leaves_out_a_word_the_cut_split(text, kept):
    assert core_js(f'core.withoutCutWord("{text}", ["社区矫正", "全市"])') == kept


@pytest.mark.parametrize("where", ["second batch", "rest"])
def test_a_passage_deep_in_a_long_article_gets_its_snippet(sample_site, where):
    articles = fragments(sample_site)
    d, article = next((d, a) for d, a in enumerate(articles) if a["n"] >= 7)
    start = 3 * CHUNK + 100 if where == "second batch" else len(article["x"]) - 300
    passage = article["x"][start : start + 12]
    answer = node_search(sample_site, [passage], snippets=True)[0]
    assert answer["docs"][0] == d
    assert max(answer["runs"], key=len) in answer["snippets"][0]["marked"]
    chunks = [name for name in answer["fetched"] if name.startswith(f"x/{d}-")]
    # Fetched in batches of chunks (the rest of the first with the next 2, the next 2, then
    # all the others, one range each), up to the batch holding the chunk where the passage
    # ends; the start of the first chunk came with the head.
    assert chunks == chunk_batches(d, (start + 12 - 1) // CHUNK, article["n"])
    assert len(chunks) == (2 if where == "second batch" else 3)


def test_a_snippet_looks_only_for_the_words_its_article_holds():
    query = "{runs: ['县', '闯红灯'], parts: ['县', '闯红灯']}"
    text = "本县交通" + "乙" * 50  # 县 alone: no 闯红灯 anywhere
    holds = f"(hit) => core.holdsQuery({query}, hit)('{text}')"
    assert core_js(f"({holds})({{held: ['县']}})") is True
    # Held, a part of two or more characters outweighs a single one; the query's own long
    # parts are what a hit that says nothing of what it holds looks for.
    assert core_js(f"({holds})({{held: ['县', '闯红灯']}})") is False
    assert core_js(f"({holds})({{}})") is False


def test_a_hit_without_a_word_of_the_query_is_not_read_to_its_end_for_it(sample_site):
    """A hit that holds one word of the query and not another: its snippet stops at the
    word it holds, in its head here, and reads none of its text (the rule before read a
    long article to its end looking for the word it lacks)."""
    han = re.compile(r"[\u4e00-\u9fff]+")
    articles = fragments(sample_site)
    found_in = Counter(c for a in articles for c in set(a["t"] + a["x"]))

    def rare_early(a: dict) -> list[str]:  # in its head, in three articles at most
        return [c for c in a["x"][:100] if han.fullmatch(c) and found_in[c] <= 3]

    d, article, rare = next(
        (d, a, rare_early(a))
        for d, a in enumerate(articles)
        if a["n"] >= 4 and rare_early(a) and rare_early(a)[0] not in a["t"]
    )
    other = next(a["t"] for a in articles if han.fullmatch(a["t"]) and 3 <= len(a["t"]) <= 8)
    assert other not in article["t"] + article["x"]
    answer = node_search(sample_site, [f"{rare[0]} {other}"], snippets=10)[0]
    assert d in answer["docs"][:10] and rare[0] in answer["parts"]
    assert [name for name in answer["fetched"] if name.startswith(f"x/{d}-")] == []


def chunk_batches(d: int, needed: int, n: int) -> list[str]:
    """The names of the ranges that read chunks 0…needed of article d's n chunks."""
    names, k, b = [], 0, 0
    while k <= needed:
        last = n - 1 if b == len(CHUNK_BATCHES) else min(k + CHUNK_BATCHES[b] - (b > 0), n - 1)
        names.append(f"x/{d}-{k}…{last}.gz" if last > k else f"x/{d}-{k}.gz")
        k, b = last + 1, b + 1
    return names


def test_a_title_query_needs_no_text_beyond_what_its_head_brings(sample_site):
    articles = fragments(sample_site)
    d, article = next((d, a) for d, a in enumerate(articles) if a["n"] >= 4)
    answer = node_search(sample_site, [article["t"]], snippets=True)[0]
    assert answer["docs"][0] == d
    assert f"f/{d}.json" in answer["fetched"]
    assert [name for name in answer["fetched"] if name.startswith(f"x/{d}-")] == []


def test_function_words_are_not_scored_unless_alone(real_site):
    alone, among = node_search(real_site, ["的", "社区的矫正"])
    assert alone["parts"] == ["的"] and alone["docs"]
    assert "的" not in among["parts"] and among["runs"] == ["社区的矫正"]
    whoosh = python_search(real_site, ["社区的矫正"])[0]
    assert whoosh["parts"] == among["parts"] and whoosh["docs"][:10] == among["docs"][:10]
