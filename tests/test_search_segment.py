"""Normalisation and cutting: one rule at build and query time, and rjieba ≡ jieba."""

from __future__ import annotations

import gzip
import json
import re
import subprocess

import jieba
import pytest

from kuaixun.core.cjk.text import HAN_RANGES
from kuaixun.core.search.normalize import T2S_FILE, generate_t2s_map, normalize, word_runs
from kuaixun.core.search.segment import (
    HAN_PIECE,
    PIECE,
    Segmenter,
    grams,
    read_user_dictionary,
)
from kuaixun.testing.builds import ROOT
from kuaixun.testing.search_sites import SAMPLE

USERDICT = ROOT / "content" / "search" / "userdict.txt"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("１２０急救", "120急救"),
        ("ＣＯＶＩＤ－１９", "covid-19"),
        ("社區矯正", "社区矫正"),
        ("臺灣體育", "台湾体育"),
        ("人口普查", "人口普查"),
    ],
)
def test_normalize_folds_width_case_and_traditional_characters(text, expected):
    assert normalize(text) == expected


def test_the_committed_t2s_map_is_what_opencc_gives():
    committed = dict(pair for pair in T2S_FILE.read_text(encoding="utf-8").split())
    assert committed == generate_t2s_map()


def test_the_browser_module_uses_the_cjk_plugins_han_ranges():
    module = (ROOT / "theme" / "static" / "js" / "search" / "core.js").read_text(encoding="utf-8")
    declared = "".join(
        re.search(r"const HAN =\s*((?:\"[^\"]*\"\s*\+?\s*)+);", module)[1].split('"')[1::2]
    )
    ranges = re.findall(r"\\\\u\{([0-9a-f]+)\}(?:-\\\\u\{([0-9a-f]+)\})?", declared)
    as_chars = [(chr(int(a, 16)), chr(int(b or a, 16))) for a, b in ranges]
    assert as_chars == list(HAN_RANGES)


def test_the_browser_uses_whooshs_field_length_table():
    from whoosh.util.numeric import byte_to_length

    module = "./theme/static/js/search/codec.js"
    script = f"const m = await import('{module}'); console.log(JSON.stringify(m.WHOOSH_LENGTHS))"
    proc = subprocess.run(
        ["node", "--no-warnings", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert json.loads(proc.stdout) == [byte_to_length(b) for b in range(256)]


def test_user_dictionary_comments_are_not_words():
    words = read_user_dictionary(USERDICT)
    assert {"平城区", "毅源力", "孙露", "新建南路街道"} <= words.keys()
    assert not any(w.startswith("#") for w in words)


def sample_texts() -> list[str]:
    lines = gzip.decompress(SAMPLE.read_bytes()).decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    seeds = [p.read_text(encoding="utf-8") for p in (ROOT / "content").rglob("*.md")]
    return [normalize(f"{r['title']}\n{r['text']}") for r in records] + [
        normalize(s) for s in seeds
    ]


def site_dictionary() -> dict[str, int | None]:
    words = {normalize(w): f for w, f in read_user_dictionary(USERDICT).items()}
    tags = ["政府购买服务", "社区服务", "市容整治", "普法宣传", "民法典", "社区工作者", "社区矫正"]
    return {**{t: None for t in tags}, **words}


def test_rjieba_cuts_exactly_like_jieba_with_our_dictionaries():
    reference = Segmenter(site_dictionary(), engine="jieba")
    fast = Segmenter(site_dictionary(), engine="rjieba")
    assert fast.words == reference.words
    for text in sample_texts():
        assert fast.terms(text) == reference.terms(text)


# What a text's terms and grams are, spelled run by run and piece by piece: the definitions
# `Segmenter.terms` and `grams` compute faster over the whole text.
def terms_run_by_run(segmenter: Segmenter, text: str) -> list[str]:
    terms: list[str] = []
    for run in word_runs(text):
        for piece in PIECE.findall(run):
            if HAN_PIECE.fullmatch(piece):
                terms.extend(t for t in segmenter._cut(piece) if t.strip())
            else:
                terms.append(piece)
    return terms


def grams_run_by_run(text: str) -> set[str]:
    found: set[str] = set()
    for run in word_runs(text):
        found.update(run)
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


EDGE_TEXTS = [
    "",
    "\n",
    "甲",
    "a",
    "甲乙",
    "甲 乙",
    "1甲2乙3",
    "covid19疫苗",
    "甲乙丙。\n\n丁\t戊",
    "x\ny",
]


def test_terms_and_grams_are_the_run_by_run_definitions():
    segmenter = Segmenter(site_dictionary())
    for text in [*EDGE_TEXTS, *sample_texts()]:
        assert segmenter.terms(text) == terms_run_by_run(segmenter, text), text[:40]
        assert grams(text) == grams_run_by_run(text), text[:40]


def test_our_dictionary_never_reaches_jiebas_global_tokenizer():
    Segmenter(site_dictionary(), engine="jieba")
    assert "毅源力" not in jieba.dt.FREQ


def test_user_dictionary_keeps_local_names_whole():
    terms = Segmenter(site_dictionary()).terms(normalize("大同市毅源力社会组织发展中心和记者孙露"))
    assert "毅源力" in terms and "孙露" in terms
