"""Ranking, shared word for word with the browser (theme/static/js/search/core.js `score`).

score = (BM25F + PHRASE · Σ len(run) over the query's runs found verbatim)
        · coverage² · (1 + RECENCY · HALF_LIFE / (HALF_LIFE + age in days))

BM25F is Whoosh's (idf = ln(N / (df + 1)) + 1, per-field BM25 summed with field boosts),
computed here by Whoosh itself through `BulletinBM25F`, a WeightingModel whose statistics
are the live collection's, which the exporter ships to the browser. Coverage is the share
of the query's terms the article matches (soft AND). A run is "verbatim" in an article
when every character pair of it occurs there. Recency is a rational function so that
Python and JavaScript compute it bit for bit alike; scores are compared rounded to 1e-6,
ties go to the newer article.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from whoosh import index, scoring
from whoosh.query import Term

from kuaixun.core.search.forgive import Tools, parse_lines, reading
from kuaixun.core.search.index import SCORED_FIELDS, Record
from kuaixun.core.search.pinyin import pinyin_lines
from kuaixun.core.search.query import Query, parse

BOOSTS = {"title": 3.0, "tags": 2.0, "body": 1.0}
K1 = 1.2
B = 0.75
# Per character of a query run found verbatim: exact passages and titles come first.
PHRASE = 6.0
RECENCY = 0.2
HALF_LIFE = 365


@dataclass
class Collection:
    """Statistics of the published articles, in the order the browser numbers them."""

    paths: list[str]
    days: list[int]
    df: dict[str, Counter] = field(default_factory=dict)
    avgfl: dict[str, float] = field(default_factory=dict)
    frequency: Counter = field(default_factory=Counter)

    @cached_property
    def latest_day(self) -> int:
        return max(self.days, default=0)

    @cached_property
    def total(self) -> int:
        return sum(self.frequency.values())

    @cached_property
    def longest(self) -> int:
        return max((len(t) for t in self.frequency), default=1)

    def idf(self, fieldname: str, term: str) -> float:
        return math.log(len(self.paths) / (self.df[fieldname][term] + 1)) + 1

    def docid(self) -> dict[str, int]:
        return {path: i for i, path in enumerate(self.paths)}


def collection(records: dict[str, Record]) -> Collection:
    ordered = sorted(records.values(), key=lambda r: (r.day, r.article.path))
    coll = Collection([r.article.path for r in ordered], [r.day for r in ordered])
    for name in SCORED_FIELDS:
        coll.df[name] = Counter()
        total_length = 0
        for record in ordered:
            terms = record.term_list(name)
            coll.df[name].update(set(terms))
            coll.frequency.update(terms)
            total_length += len(terms)
        coll.avgfl[name] = (total_length / len(ordered) if ordered else 0) or 1
    return coll


def bm25(idf: float, tf: float, fl: float, avgfl: float) -> float:
    return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))


class BulletinBM25F(scoring.WeightingModel):
    """Whoosh's BM25F with field boosts, over the live collection's statistics."""

    def __init__(self, coll: Collection):
        self.coll = coll

    def scorer(self, searcher, fieldname, text, qf=1):
        term = text.decode("utf-8") if isinstance(text, bytes) else text
        return _FieldScorer(searcher, fieldname, text, self.coll, term)


class _FieldScorer(scoring.WeightLengthScorer):
    def __init__(self, searcher, fieldname, text, coll: Collection, term: str):
        self.boost = BOOSTS[fieldname]
        self.idf = coll.idf(fieldname, term)
        self.avgfl = coll.avgfl[fieldname]
        self.setup(searcher, fieldname, text)

    def _score(self, weight, length):
        return self.boost * bm25(self.idf, weight, length, self.avgfl)


def final_score(base: float, verbatim_chars: int, matched: int, parts: int, age: int) -> float:
    coverage = matched / parts
    recency = 1 + RECENCY * HALF_LIFE / (HALF_LIFE + age)
    return (base + PHRASE * verbatim_chars) * coverage * coverage * recency


def sort_key(score: float, docid: int) -> tuple[int, int]:
    return (-math.floor(score * 1e6 + 0.5), -docid)


def run_grams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


@dataclass
class Hit:
    path: str
    docid: int
    score: float


def rank(
    query: Query, coll: Collection, searcher, docid_of: dict[int, int], gram_docs
) -> list[Hit]:
    """Every article matching any part of `query`, best first (the whole list, not a page).

    `docid_of` maps Whoosh's document numbers to the browser's article numbers; `gram_docs`
    gives the articles holding a character or character pair (from the cached records).
    """
    if not query.parts:
        return []
    base: dict[int, float] = defaultdict(float)
    matched: dict[int, set[int]] = defaultdict(set)
    for p, term in enumerate(query.parts):
        for name in SCORED_FIELDS:
            for hit in searcher.search(Term(name, term), limit=None):
                d = docid_of[hit.docnum]
                base[d] += hit.score
                matched[d].add(p)
    verbatim: dict[int, int] = defaultdict(int)
    verbatim_runs: dict[int, set[int]] = defaultdict(set)
    for r, run in enumerate(query.runs):
        docs: set[int] | None = None
        for gram in run_grams(run):
            found = gram_docs.get(gram, set())
            docs = found if docs is None else docs & found
        for d in docs or ():
            verbatim[d] += len(run)
            verbatim_runs[d].add(r)
    latest = coll.latest_day
    hits = []
    for d in base.keys() | verbatim.keys():
        parts = matched[d] | {
            p for p, runs in enumerate(query.part_runs) if verbatim_runs[d] & set(runs)
        }
        age = latest - coll.days[d]
        score = final_score(base[d], verbatim[d], len(parts), len(query.parts), age)
        hits.append(Hit(coll.paths[d], d, score))
    hits.sort(key=lambda h: sort_key(h.score, h.docid))
    return hits


def merge(first: list[Hit], second: list[Hit]) -> list[Hit]:
    """Hits of the query as typed and as read again: an article's scores summed."""
    merged = {h.docid: Hit(h.path, h.docid, h.score) for h in first}
    for h in second:
        if h.docid in merged:
            merged[h.docid].score += h.score
        else:
            merged[h.docid] = Hit(h.path, h.docid, h.score)
    return sorted(merged.values(), key=lambda h: sort_key(h.score, h.docid))


@dataclass
class Answer:
    """A query's hits, and how it was read again when no article holds it as typed (the
    pinyin's Han text, or a homophone put right: 您是不是要找)."""

    query: Query
    hits: list[Hit]
    reading: str | None = None


class SearchIndex:
    """The Whoosh index of record with the cached records: answers queries in Python."""

    def __init__(self, cache_folder: Path):
        from kuaixun.core.search.index import RecordCache

        self.records = RecordCache(cache_folder).records
        self.coll = collection(self.records)
        self.whoosh = index.open_dir(str(cache_folder / "whoosh"))
        docid = self.coll.docid()
        self.gram_docs: dict[str, set[int]] = defaultdict(set)
        for path, record in self.records.items():
            for gram in record.gram_list():
                self.gram_docs[gram].add(docid[path])
        with self.whoosh.searcher() as searcher:
            reader = searcher.reader()
            self.docid_of = {
                n: docid[reader.stored_fields(n)["path"]] for n in reader.all_doc_ids()
            }

    def search(self, text: str) -> tuple[Query, list[Hit]]:
        """The query as typed, and every article it matches, best first."""
        coll = self.coll
        query = parse(text, coll.frequency, coll.total, coll.longest)
        with self.whoosh.searcher(weighting=BulletinBM25F(coll)) as searcher:
            return query, rank(query, coll, searcher, self.docid_of, self.gram_docs)

    def answer(self, text: str) -> Answer:
        """The search of the terminal and the browser: as typed, and read again (as pinyin,
        initials or with a homophone put right) when no article holds it as typed."""
        query, hits = self.search(text)
        read = reading(list(query.runs), self.holds(*query.runs), self.tools)
        if read is None:
            return Answer(query, hits)
        return Answer(query, merge(hits, self.search(read)[1]), read)

    def holds(self, *runs: str) -> bool:
        """Whether some article holds every one of `runs` verbatim."""
        docs: set[int] | None = None
        for gram in (g for run in runs for g in run_grams(run)):
            found = self.gram_docs.get(gram, set())
            docs = found if docs is None else docs & found
        return bool(docs)

    @cached_property
    def tools(self) -> Tools:
        lines = parse_lines("\n".join(pinyin_lines(self.coll.frequency)))
        return Tools(lambda keys: {k: lines[k] for k in keys if k in lines}, self.holds)
