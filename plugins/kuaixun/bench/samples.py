"""The queries the benchmark asks: the written query set, and samples drawn from the articles.

Samples come from a seeded random generator over the site's own articles, so every run at
the same size asks the same questions.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from kuaixun.bench.sites import Article

QUERIES = Path(__file__).with_name("queries.txt")
SEED = 20261129
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


@dataclass(frozen=True)
class Probe:
    """A query with the article it must find."""

    kind: str
    query: str
    target: str


def query_set(path: Path = QUERIES) -> list[tuple[str, str]]:
    """(kind, query) from queries.txt: '## kind' opens a group; '# ' lines are comments."""
    kind, queries = "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            kind = line[3:].strip()
        elif line.strip() and not line.startswith("# "):
            queries.append((kind, line.strip()))
    return queries


def verbatim_slices(articles: list[Article], count: int, seed: int = SEED) -> list[Probe]:
    """Random runs of 2–8 consecutive Han characters, each from a random article's text."""
    rng = random.Random(seed)
    probes: list[Probe] = []
    while len(probes) < count:
        article = rng.choice(articles)
        runs = HAN_RUN.findall(article.text)
        if not runs:
            continue
        run = rng.choice(runs)
        length = rng.randint(2, min(8, len(run)))
        start = rng.randrange(len(run) - length + 1)
        probes.append(Probe("slice", run[start : start + length], article.url))
    return probes


def known_items(
    articles: list[Article], titles: int, passages: int, seed: int = SEED
) -> list[Probe]:
    """Titles no other article shares; 8–14 character passages found in one article only."""
    rng = random.Random(seed + 1)
    corpus = "\0".join(a.title + "\0" + a.text for a in articles)
    title_counts: dict[str, int] = {}
    for article in articles:
        title_counts[article.title] = title_counts.get(article.title, 0) + 1
    unique = [a for a in articles if title_counts[a.title] == 1 and len(HAN.findall(a.title)) >= 2]
    probes = [Probe("title", a.title, a.url) for a in rng.sample(unique, min(titles, len(unique)))]
    found = 0
    while found < passages:
        article = rng.choice(articles)
        passage = _passage(article.text, rng)
        if passage and corpus.count(passage) == 1:
            probes.append(Probe("passage", passage, article.url))
            found += 1
    return probes


def _passage(text: str, rng: random.Random) -> str | None:
    """8–14 characters of one paragraph, starting and ending on a Han character."""
    paragraphs = [p for p in text.split("\n\n") if len(p) >= 8]
    if not paragraphs:
        return None
    paragraph = rng.choice(paragraphs)
    length = rng.randint(8, min(14, len(paragraph)))
    start = rng.randrange(len(paragraph) - length + 1)
    passage = paragraph[start : start + length]
    return passage if HAN.match(passage[0]) and HAN.match(passage[-1]) else None
