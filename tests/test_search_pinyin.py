"""The pinyin layer (docs/search.md): homophone slips, pinyin and initials, read over the site's
own words; a query found as typed keeps exactly today's results."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass

import pytest
from pypinyin import Style, lazy_pinyin

from kuaixun.bench import disk, report, typos
from kuaixun.core.search import forgive, pinyin
from kuaixun.core.search.export import codec
from kuaixun.core.search.export.codec import numbered, stored
from kuaixun.core.search.export.full import term_frequency
from kuaixun.core.search.export.pack import Published
from kuaixun.core.search.export.pinyin_layer import patch_pinyin_files, pinyin_files
from kuaixun.core.search.forgive import Letters, conversions, parse_lines
from kuaixun.core.search.index import RecordCache
from kuaixun.core.search.pinyin import (
    MAX_WORD,
    SYLLABLES_KEY,
    han_words,
    inventory,
    pinyin_lines,
    toneless,
    weight,
    word_keys,
)
from kuaixun.core.search.rank import SearchIndex
from kuaixun.testing.builds import ROOT
from kuaixun.testing.search_sites import (
    assert_same_ranking,
    cache_of,
    fragments,
    node_json,
    node_search,
    python_search,
    sample_site_fixture,  # noqa: F401  (the sample_site fixture)
    verbatim_slices,
)


@pytest.fixture(scope="module")
def sample_index(sample_site):
    return SearchIndex(cache_of(sample_site))


def titles_of(index: SearchIndex, hits, top: int = 3) -> list[str]:
    return [index.records[h.path].article.title for h in hits[:top]]


@pytest.mark.parametrize(
    "word, syllables",
    [("银行", ("yin", "hang")), ("绿色", ("lv", "se")), ("平城区", ("ping", "cheng", "qu"))],
)
def test_words_are_read_toneless_in_context_with_v_for_u_umlaut(word, syllables):
    assert toneless(word) == syllables


def test_words_are_read_as_pypinyin_reads_them_whole(sample_index):
    """toneless reads most words character by character from a cache: every word of the
    sample site (and a few that mix phrases and single characters) reads as pypinyin's own
    lazy_pinyin of the whole word."""

    def whole(word):
        syllables = lazy_pinyin(word, style=Style.NORMAL, errors=lambda _: "")
        if len(syllables) != len(word) or not all(s.isascii() and s.isalpha() for s in syllables):
            return None
        return tuple(syllables)

    words = {t for r in sample_index.records.values() for t in r.terms["body"].split()}
    words = han_words(dict.fromkeys(words, 1)) + ["重庆银行", "长大的人", "行长说", "乐乐", "〇"]
    assert len(words) > 5000
    assert [toneless(w) for w in words] == [whole(w) for w in words]


@pytest.mark.parametrize("count, expected", [(1, 0), (2, 4), (3, 6), (4, 8), (5, 9), (8, 12)])
def test_weights_are_quarter_octaves_of_the_frequency(count, expected):
    assert weight(count) == expected


def test_the_lines_hold_readings_words_by_pinyin_and_initials():
    lines = parse_lines("\n".join(pinyin_lines({"平城区": 5, "平城": 3, "城": 2, "银行": 2})))
    assert lines["城"] == ["cheng"]
    assert lines["ping cheng"] == ["平城区", "qu", "9", "平城", "", "6"]
    assert lines["=pcq"] == ["平城区", "", "9"]
    assert lines["~"] == ["ch:eng", "h:ang", "p:ing", "q:u", "y:in"]


@pytest.mark.parametrize(
    "runs, count",
    [(["renkoupucha"], 4), (["ren", "kou", "pu", "cha"], 4), (["xian"], 1), (["pcq"], None)],
)
def test_latin_letters_read_as_the_fewest_syllables_never_across_a_space(runs, count):
    inventory = {"ren", "kou", "pu", "cha", "xi", "an", "xian", "nk"}
    assert Letters.of(runs, inventory).count() == count


def test_pinyin_is_read_over_every_split_of_the_letters():
    lines = parse_lines("\n".join(pinyin_lines({"清远": 3, "一": 9, "男子": 4, "原因": 5})))
    letters = Letters.of(["qingyuanyinanzi"], inventory(lines["~"]))
    assert "清远一男子" in conversions(letters, lines)


def test_a_lone_syllable_may_be_any_of_its_commonest_characters():
    # 救 is rarer than 就 and 酒量 is one word, yet 男子为救两 is among the readings tried.
    frequency = {"男子": 9, "为": 9, "就": 20, "救": 3, "两": 5, "酒量": 4, "酒": 2, "量": 2}
    lines = parse_lines("\n".join(pinyin_lines(frequency)))
    letters = Letters.of(["nanziweijiuliang"], inventory(lines["~"]))
    assert "男子为救两" in conversions(letters, lines)[: forgive.PINYIN_TRIES]


def test_pinyin_cut_short_in_a_word_converts_to_the_start_of_the_word():
    lines = parse_lines("\n".join(pinyin_lines({"人口普查": 4, "人": 9, "口": 3, "普": 2})))
    letters = Letters.of(["renkoupu"], inventory(lines["~"]))
    assert conversions(letters, lines)[0] == "人口普"


@pytest.mark.parametrize(
    "query, reading, title",
    [
        ("平成区", "平城区", "平城区第二届政府"),
        ("社区矫整", "社区矫正", "社区矫正业务培训"),
        ("renkoupucha", "人口普查", "用心“点名”"),
        ("ren kou pu cha", "人口普查", "用心“点名”"),
        ("rkpc", "人口普查", "用心“点名”"),
        ("pcq", "平城区", "平城区第二届政府"),
    ],
)
def test_a_slip_or_pinyin_is_read_again_and_finds_its_article(sample_index, query, reading, title):
    answer = sample_index.answer(query)
    assert answer.reading == reading
    assert any(title in t for t in titles_of(sample_index, answer.hits))


def test_a_homophone_slip_in_a_word_is_put_right(sample_index):
    assert sample_index.answer("国务园").reading == "国务院"


def test_verbatim_queries_keep_exactly_todays_top_ten(sample_site, sample_index):
    queries = [q for q, _ in verbatim_slices(sample_site, 300, seed=5)]
    for q in queries:
        query, hits = sample_index.search(q)
        answer = sample_index.answer(q)
        assert answer.reading is None, q
        assert [(h.docid, h.score) for h in answer.hits[:10]] == [
            (h.docid, h.score) for h in hits[:10]
        ], q


def test_the_pinyin_files_are_in_the_export_and_named_in_the_manifest(sample_site):
    published = Published(sample_site / "search")
    counts = [published.count(family) for family in "yrs"]
    assert counts == published.entry["pinyinBuckets"]
    text = "\n".join(published.slot("y", n) for n in range(published.count("y")))
    line = next(line for line in text.split("\n") if line.startswith("ping cheng\t"))
    assert "\t平城区\tqu\t" in line
    short = "\n".join(published.slot("r", n) for n in range(published.count("r")))
    assert any(line.startswith("城\tcheng") for line in short.split("\n"))
    syllables = parse_lines("\n".join(published.slot("s", n) for n in range(published.count("s"))))
    assert {"ping", "cheng", "qu"} <= inventory(syllables[SYLLABLES_KEY])
    assert "城" in syllables["cheng"][1::3]
    # A syllable's followers are exactly the second syllables of its two-syllable keys.
    order = sorted(inventory(syllables[SYLLABLES_KEY]))
    pairs = [key.split(" ") for key in parse_lines(text) if " " in key]
    for syllable in order:
        after = {b for a, b in pairs if a == syllable}
        assert pinyin.followers(syllables[syllable][0], order) == after, syllable
    assert "cheng" in pinyin.followers(syllables["ping"][0], order)
    assert not any(key.isascii() for key in parse_lines(short))


def test_the_bench_weighs_the_pinyin_layer_by_its_families_bytes(sample_site):
    """Issue 16's index growth (`make bench`, report.py `pinyin_index_growth`): the disk
    tally puts every byte of the published index in a family, and the pinyin layer's
    families hold bytes of their own."""
    figures = disk.published_figures(sample_site / "search")
    families = figures["families"]
    tallied = sum(sum(kinds.values()) for kinds in families.values())
    assert tallied == figures["bytes"] - figures["entry"]
    assert families.get("unreferenced", {}).get("data", 0) == 0
    layer = sum(sum(families[f].values()) for f in disk.PINYIN_FAMILIES)
    assert 0 < layer < figures["bytes"] / 2
    index = {"bytes": figures["bytes"], "pinyin_layer_bytes": layer}
    growth = report.headline({"site_articles": 1, "ours_index": index})["pinyin_index_growth"]
    assert growth == layer / (figures["bytes"] - layer)


def test_the_syllables_line_says_each_syllable_once_by_its_initial():
    """The inventory is written by initial ("b:a ai an") and read back whole, syllables
    without an initial (a, er) or without a final after one (m, n, ng) too."""
    syllables = {"a", "ai", "ba", "bai", "er", "m", "n", "ng", "hng", "zhi", "zi", "shuang"}
    line = pinyin.inventory_line(syllables)
    assert inventory(line.split("\t")) == syllables
    assert "zh:i" in line.split("\t") and "b:a ai" in line.split("\t")


def test_every_title_still_finds_its_article(sample_site, sample_index):
    for d, article in enumerate(fragments(sample_site)):
        assert d in [h.docid for h in sample_index.answer(article["t"]).hits]


@dataclass(frozen=True)
class Text:
    title: str
    text: str


def sample_slips(output):
    """The bench's three kinds of slips, drawn from the sample's own articles."""
    articles = [Text(a["t"], a["x"]) for a in fragments(output)]
    return typos.draw(articles, articles)


def test_browser_reads_slips_pinyin_and_initials_as_python_does(sample_site):
    queries = [s.query for s in sample_slips(sample_site)]
    queries += ["rkpc", "pcq", "xuexi", "ren kou pu cha", "shequ 矫整", "zzzqqq", "a"]
    browser, whoosh = node_search(sample_site, queries), python_search(sample_site, queries)
    assert_same_ranking(browser, whoosh)
    assert sum(b["reading"] is not None for b in browser) > len(queries) / 2


@pytest.fixture(scope="module")
def vocabulary(sample_site) -> Counter:
    """The sample site's terms and their frequencies, as the export counts them."""
    records = numbered(RecordCache(cache_of(sample_site)).records)
    return term_frequency(records)[0]


def new_reading(vocabulary: Counter) -> tuple[str, str]:
    """A word whose characters bring a syllable the site's words never use."""
    inventory = {s for w in han_words(vocabulary) for s in toneless(w) or ()}
    word = next(
        w for w in ["拽住", "谬误", "虐待", "揣测", "嫩芽"] if not set(toneless(w)) <= inventory
    )
    return word, next(s for s in toneless(word) if s not in inventory)


def last_of_its_lines(vocabulary: Counter) -> str:
    """A word alone on its two-syllable and initials lines, with a reading of a character
    no other word uses: removing it removes lines."""
    layer = pinyin_files(vocabulary, {})
    keys = Counter(k for w, s in layer.syllables.items() if s for k in word_keys(w, s))
    return next(
        w
        for w, s in layer.syllables.items()
        if s
        and len(w) == 3
        and all(keys[k] == 1 for k in word_keys(w, s))
        and any(layer.readings[c][y] == vocabulary[w] for c, y in zip(w, s, strict=True))
    )


def edited(vocabulary: Counter, edit: str) -> tuple[Counter, list[str]]:
    """The vocabulary after an edit of one kind, and the terms it changed."""
    words = han_words(vocabulary)
    if edit == "a new word":
        changes = {"灭火器材": 3, "火器": 2}
    elif edit == "the last use of a word removed":
        changes = {last_of_its_lines(vocabulary): 0}
    elif edit == "a weight moved a quarter-octave":
        word = next(w for w in words if len(w) == 2 and vocabulary[w] == 7 and toneless(w))
        changes = {word: 8}  # weight 11 → 12
    elif edit == "a reading never seen before":
        changes = {new_reading(vocabulary)[0]: 2}
    else:  # "nothing in the pinyin layer": a Latin term and a word too long to be typed
        changes = {"covid": vocabulary["covid"] + 1, "中华人民共和国国务院": 1}
    after = Counter(vocabulary)
    after.update({t: n - vocabulary[t] for t, n in changes.items()})
    return +after, list(changes)


EDITS = [
    "a new word",
    "the last use of a word removed",
    "a weight moved a quarter-octave",
    "a reading never seen before",
    "nothing in the pinyin layer",
]


def as_dicts(readings: dict[str, Counter]) -> dict[str, dict]:
    return {char: dict(counts) for char, counts in readings.items()}  # a count of 0 differs


@pytest.mark.parametrize("edit", EDITS)
def test_a_patched_pinyin_layer_equals_one_made_whole(vocabulary, edit):
    """The buckets an update rewrites from the words an edit changed, laid over the files
    before, are the files a full export writes, byte for byte; so is what the state keeps."""
    after, changed = edited(vocabulary, edit)
    before = pinyin_files(vocabulary, {})
    cached = {name: stored(name, text) for name, text in before.files.items()}
    state = dataclasses.replace(before, files={})
    patched = patch_pinyin_files(state, changed, vocabulary, after, cached)
    whole = pinyin_files(after, {})
    assert patched.buckets == before.buckets  # patched, not made whole again
    assert {**before.files, **patched.files} == whole.files
    assert (patched.sizes, patched.syllables) == (whole.sizes, whole.syllables)
    assert as_dicts(patched.readings) == as_dicts(whole.readings)
    if edit == "nothing in the pinyin layer":
        assert patched.files == {}
    else:
        # A few buckets; a syllable new to the site moves the others' places, so every
        # syllable's followers field (s/) is written again then.
        few = [name for name in patched.files if not name.startswith("s/")]
        if edit != "a reading never seen before":
            assert len(patched.files) - len(few) <= 8  # the edited words' syllables
        assert 0 < len(few) <= 16 < len(before.files) / 10


def test_a_reading_never_seen_before_joins_the_syllables_line(vocabulary):
    after, changed = edited(vocabulary, "a reading never seen before")
    before = pinyin_files(vocabulary, {})
    cached = {name: stored(name, text) for name, text in before.files.items()}
    patched = patch_pinyin_files(
        dataclasses.replace(before, files={}), changed, vocabulary, after, cached
    )
    syllables = inventory(parse_lines("\n".join(patched.files.values()))[SYLLABLES_KEY])
    assert new_reading(vocabulary)[1] in syllables


def test_a_patch_that_needs_another_bucket_count_makes_the_layer_whole():
    before = Counter({"平城区": 5, "平城": 3})
    after = before + Counter({"人口普查": 4, "银行": 2, "清远": 3, "男子": 4, "原因": 5})
    layer = pinyin_files(before, {})
    cached = {name: stored(name, text) for name, text in layer.files.items()}
    patched = patch_pinyin_files(
        dataclasses.replace(layer, files={}), list(after - before), before, after, cached
    )
    whole = pinyin_files(after, {})
    assert patched.buckets == whole.buckets != layer.buckets
    assert patched.files == whole.files


# A long run with one slip at its end: the pairs 平成 and 成区 occur in no article, so a
# correction must cover them, and the lines of 今天召开全 (more than MAX_WORD − 2 characters
# before the first) cannot serve one.
LONG_SLIP = "今天召开全体会议平成区"
LONG_TEXT = "今天召开全体会议平城区"
LONG_WORDS = {"今天": 9, "召开": 8, "全体": 6, "会议": 9, "平城区": 5, "平城": 3, "成功": 4}
FAR_KEYS = {"今", "天", "召", "开", "全", "jin tian", "zhao kai", "kai quan"}


def test_a_slip_reads_only_the_lines_a_correction_covering_it_can_use_in_python():
    lines = parse_lines("\n".join(pinyin_lines(LONG_WORDS)))
    asked: list[str] = []

    def read(keys):
        asked.extend(keys)
        return {k: lines[k] for k in keys if k in lines}

    tools = forgive.Tools(lines=read, verbatim=lambda run: run in LONG_TEXT)
    assert forgive.reading([LONG_SLIP], False, tools) == LONG_TEXT
    assert "平" in asked and "ping cheng" in asked
    assert not FAR_KEYS & set(asked)


def test_a_slip_reads_only_the_lines_a_correction_covering_it_can_use_in_the_browser():
    """pinyin.js asks its tools for the same keys as forgive.py: a slip's y and r windows
    are its dearest reads after the ten heads (docs/search.md, the pinyin layer)."""
    lines = parse_lines("\n".join(pinyin_lines(LONG_WORDS)))
    script = """
      import { readFileSync } from "node:fs";
      import { reading } from "./theme/static/js/search/pinyin.js";
      const { lines, text, run } = JSON.parse(readFileSync(0, "utf8"));
      const asked = [];
      const tools = {
        hanOnly: /^[\\u4e00-\\u9fff]+$/,
        async lines(keys) {
          asked.push(...keys);
          return new Map(keys.filter((k) => k in lines).map((k) => [k, lines[k]]));
        },
        async verbatim(r) { return text.includes(r); },
      };
      const read = await reading([run], false, tools);
      process.stdout.write(JSON.stringify([read, asked]));
    """
    data = {"lines": lines, "text": LONG_TEXT, "run": LONG_SLIP}
    read, asked = node_json(script, data)
    assert read == LONG_TEXT
    assert "平" in asked and "ping cheng" in asked
    assert not FAR_KEYS & set(asked)


def test_the_pinyin_windows_are_sized_for_the_one_line_a_key_reads(sample_site):
    """A key reads one window of its family and uses one line of it: r/ buckets of about
    SHORT_TARGET characters, s/ of about SYLLABLE_TARGET, y/ of about PINYIN_TARGET, not the
    vocabulary's 256."""
    published = Published(sample_site / "search")
    chars = {
        family: sum(len(published.slot(family, n)) for n in range(published.count(family)))
        for family in "yrs"
    }
    assert chars["r"] / published.count("r") <= codec.SHORT_TARGET <= 16
    assert chars["s"] / published.count("s") <= codec.SYLLABLE_TARGET <= 32
    assert chars["y"] / published.count("y") <= codec.PINYIN_TARGET <= 128


def test_the_browser_knows_the_longest_word_of_the_lines_as_python_does():
    """pinyin.js keeps pinyin.py's MAX_WORD as a constant (`reach`), not in the entry."""
    script = (ROOT / "theme/static/js/search/pinyin.js").read_text(encoding="utf-8")
    assert re.search(r"^const MAX_WORD = (\d+);$", script, re.MULTILINE)[1] == str(MAX_WORD)


def test_pinyin_js_forgives_within_forgive_pys_limits():
    """pinyin.js keeps forgive.py's LIMITS as its own constant, not in the entry every
    search reads (the search code's budget paid for the text's history with them)."""
    script = """
      import { LIMITS } from "./theme/static/js/search/pinyin.js";
      process.stdout.write(JSON.stringify(LIMITS));
    """
    assert node_json(script, None) == forgive.LIMITS
