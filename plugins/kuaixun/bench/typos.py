"""The pinyin keyboard's slips, drawn from the corpus itself (issue 16), written to typos.txt.

Three groups, from the first 1,000 articles (so both site sizes can answer every query):
  homophone   a 6–10 character phrase of a title with one character replaced by a common
              character of the same toneless pinyin, a string no article holds → its article
  short_word  a frequent 3–4 character word of those articles with one such slip → the word
  pinyin      the toneless pinyin of a title's first five (Han) characters, which only that
              article holds → its article
A "common" character is one of the COMMON most frequent of the corpus; the slip is drawn
among the HOMOPHONES most frequent of them that sound like the character in its context.
Seeded, so `python -m kuaixun.bench.typos [CORPUS]` writes the same file again.
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from kuaixun.bench import samples

TYPOS = Path(__file__).with_name("typos.txt")
SEED = 20261201
ARTICLES = 1000
COMMON = 3000
HOMOPHONES = 5
COUNTS = {"homophone": 150, "short_word": 100, "pinyin": 150}
HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Slip:
    """A query, and what it must find: an article's title, or the word meant."""

    kind: str
    query: str
    target: str


def toneless(text: str) -> list[str]:
    return lazy_pinyin(text, style=Style.NORMAL)


class Sounds:
    """The corpus's common characters by their toneless pinyin, most frequent first."""

    def __init__(self, texts: list[str]):
        counts = Counter(ch for text in texts for run in HAN_RUN.findall(text) for ch in run)
        self.by_sound: dict[str, list[str]] = {}
        for ch, _ in counts.most_common(COMMON):
            self.by_sound.setdefault(toneless(ch)[0], []).append(ch)

    def slip(self, text: str, rng: random.Random) -> str | None:
        """`text` with one character swapped for a common one that sounds the same in it."""
        readings = toneless(text)
        places = [i for i, ch in enumerate(text) if self.others(ch, readings[i])]
        if not places:
            return None
        i = rng.choice(places)
        return text[:i] + rng.choice(self.others(text[i], readings[i])) + text[i + 1 :]

    def others(self, ch: str, reading: str) -> list[str]:
        return [c for c in self.by_sound.get(reading, [])[:HOMOPHONES] if c != ch]


def homophones(articles, corpus: str, sounds: Sounds, rng: random.Random) -> Iterator[Slip]:
    for article in rng.sample(articles, len(articles)):
        runs = [r for r in HAN_RUN.findall(article.title) if len(r) >= 6]
        if not runs:
            continue
        run = rng.choice(runs)
        size = rng.randint(6, min(10, len(run)))
        start = rng.randrange(len(run) - size + 1)
        typo = sounds.slip(run[start : start + size], rng)
        if typo and typo not in corpus:
            yield Slip("homophone", typo, article.title)


def short_words(articles, corpus: str, sounds: Sounds, rng: random.Random) -> Iterator[Slip]:
    import rjieba

    cutter = rjieba.Jieba()
    counts = Counter(
        w
        for a in articles
        for run in HAN_RUN.findall(a.title + "\n" + a.text)
        for w in cutter.cut(run)
        if 3 <= len(w) <= 4
    )
    frequent = sorted(w for w, _ in counts.most_common(400))
    for word in rng.sample(frequent, len(frequent)):
        typo = sounds.slip(word, rng)
        if typo and typo not in corpus:
            yield Slip("short_word", typo, word)


def pinyin(articles, corpus: str, rng: random.Random) -> Iterator[Slip]:
    for article in rng.sample(articles, len(articles)):
        start = article.title[:5]
        if len(start) == 5 and HAN_RUN.fullmatch(start) and corpus.count(start) == 1:
            yield Slip("pinyin", "".join(toneless(start)), article.title)


def draw(articles, everything) -> list[Slip]:
    """The slips of `articles` (title, text): none occurs verbatim in `everything`."""
    rng = random.Random(SEED)
    unique = Counter(a.title for a in everything)
    chosen = [a for a in articles[:ARTICLES] if unique[a.title] == 1]
    corpus = "\0".join(a.title + "\0" + a.text for a in everything)
    sounds = Sounds([a.title + a.text for a in everything])
    groups = {
        "homophone": homophones(chosen, corpus, sounds, rng),
        "short_word": short_words(chosen, corpus, sounds, rng),
        "pinyin": pinyin(chosen, corpus, rng),
    }
    slips: list[Slip] = []
    for kind, found in groups.items():
        seen: set[str] = set()
        for slip in found:
            if slip.query not in seen:
                seen.add(slip.query)
                slips.append(slip)
            if len(seen) == COUNTS[kind]:
                break
    return slips


def write(slips: list[Slip], path: Path = TYPOS) -> None:
    lines = [
        "# The pinyin keyboard's slips (issue 16), drawn from the corpus by kuaixun/bench/typos.py",
        "# (python -m kuaixun.bench.typos writes this file again). One query a line, a tab, then",
        "# what it must find: the title of its article, or for short_word the word meant.",
    ]
    for kind in COUNTS:
        lines += ["", f"## {kind}"]
        lines += [f"{s.query}\t{s.target}" for s in slips if s.kind == kind]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read(path: Path = TYPOS) -> list[Slip]:
    kind, slips = "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            kind = line[3:].strip()
        elif line.strip() and not line.startswith("# "):
            query, target = line.split("\t")
            slips.append(Slip(kind, query, target))
    return slips


def probes(slips: list[Slip], articles) -> list[samples.Probe]:
    """The slips whose target is an article of this site, as probes with its URL."""
    url_of = {a.title: a.url for a in articles}
    return [
        samples.Probe(s.kind, s.query, url_of[s.target])
        for s in slips
        if s.kind != "short_word" and s.target in url_of
    ]


def main(corpus: Path) -> None:
    from pelican.settings import read_settings

    from kuaixun.bench import sites

    categories = read_settings(str(sites.SETTINGS))["CATEGORIES"]
    _, imported = sites.import_corpus(corpus, categories)
    articles = [sites.article_of(a, Path()) for a in imported.articles]
    slips = draw(articles, articles)
    write(slips)
    print(f"{TYPOS.name}: {Counter(s.kind for s in slips)}")


if __name__ == "__main__":
    from kuaixun.bench.sites import CORPUS

    main(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)


# The page's own search module, as chromium.ours_ranks uses it, answering with the reading
# too (您是不是要找): a short word is fixed when the word meant is offered or in a top title.
OURS_READINGS = """
async (queries) => {
  const root = document.getElementById("search");
  const module = await import(document.querySelector("script[type=module]").src);
  const index = module.createIndex(new URL(root.dataset.index, document.baseURI).href);
  const out = [];
  for (const q of queries) {
    const found = await index.search(q);
    const heads = await Promise.all(found.hits.slice(0, 3).map((h) => index.article(h.doc)));
    out.push({ reading: found.reading?.text ?? null, titles: heads.map((a) => a.t) });
  }
  return out;
}
"""


def short_words_fixed(browser, server_url: str, slips: list[Slip]) -> dict:
    """The share of short-word slips whose word meant is offered (您是不是要找) or stands in
    one of the top three results' titles, in the search page of the site at `server_url`."""
    words = [s for s in slips if s.kind == "short_word"]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server_url}/search.html", wait_until="load")
    answers = page.evaluate(OURS_READINGS, [s.query for s in words])
    context.close()
    fixed = [
        s.target == a["reading"] or any(s.target in t for t in a["titles"])
        for s, a in zip(words, answers, strict=True)
    ]
    found = zip(words, answers, fixed, strict=True)
    misses = [f"{s.query} → {a['reading']}" for s, a, ok in found if not ok]
    return {"queries": len(words), "fixed": sum(fixed) / len(words), "misses": misses[:10]}


def top3_figures(probes: list[samples.Probe], ranked: list[list[str]]) -> dict:
    """Per kind of slip: the share with its article in the top three, and the first misses
    (`ranked`: each probe's result URLs, normalised as run.result_url does)."""
    figures: dict = {}
    for kind in ("homophone", "pinyin"):
        pairs = [(p, urls) for p, urls in zip(probes, ranked, strict=True) if p.kind == kind]
        if pairs:
            hits = [p.target in urls[:3] for p, urls in pairs]
            figures[kind] = {
                "queries": len(pairs),
                "top3": sum(hits) / len(pairs),
                "misses": [p.query for (p, _), hit in zip(pairs, hits, strict=True) if not hit][
                    :10
                ],
            }
    return figures
