"""Reading a query: normalise, split into word runs, cut runs into terms with the site's
own vocabulary (jieba's dynamic programming over a DAG of known terms, maximum total log
frequency). theme/static/js/search/core.js does exactly the same in the browser; a test
runs both over the same queries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from kuaixun.core.search.normalize import normalize, word_runs
from kuaixun.core.search.segment import HAN_PIECE, PIECE

# Longer queries are cut to this many characters of word runs: a title or a passage fits.
MAX_QUERY_CHARS = 100
# Function words are not scored as terms unless the query has nothing else: they are in
# nearly every article, so their postings are the biggest a query could fetch while
# their weight is the smallest. They still count inside runs found verbatim.
STOP_TERMS = frozenset("的了是在和与及等也就都而之于对把被这那着过或其并将为以从向地得们个")


@dataclass(frozen=True)
class Query:
    runs: tuple[str, ...]  # distinct word runs: each must occur verbatim for the phrase bonus
    parts: tuple[str, ...]  # distinct terms, in query order: soft AND counts these
    part_runs: tuple[tuple[int, ...], ...]  # for each part, the runs it was cut from


def query_runs(text: str) -> list[str]:
    """Distinct word runs of the normalised query, at most MAX_QUERY_CHARS characters."""
    runs: list[str] = []
    budget = MAX_QUERY_CHARS
    for run in word_runs(normalize(text)):
        run = run[:budget]
        budget -= len(run)
        if run and run not in runs:
            runs.append(run)
        if budget <= 0:
            break
    return runs


def cut(text: str, frequency: Mapping[str, int], log_total: float, longest: int) -> list[str]:
    """jieba's route: the split of `text` into known terms with the greatest Σ log P(term).

    Every single character may stand alone (frequency 1 when unknown); on equal scores the
    longer first word wins, as in jieba's max over (score, end) tuples.
    """
    n = len(text)
    best = [0.0] * (n + 1)
    end = [n] * (n + 1)
    for i in range(n - 1, -1, -1):
        best_score, best_end = -math.inf, i + 1  # the single character always qualifies
        for j in range(i + 1, min(n, i + longest) + 1):
            freq = frequency.get(text[i:j], 0)
            if j > i + 1 and not freq:
                continue
            score = math.log(freq or 1) - log_total + best[j]
            if score >= best_score:
                best_score, best_end = score, j
        best[i], end[i] = best_score, best_end
    terms, i = [], 0
    while i < n:
        terms.append(text[i : end[i]])
        i = end[i]
    return terms


def parse(text: str, frequency: Mapping[str, int], total: int, longest: int) -> Query:
    runs = query_runs(text)
    log_total = math.log(total or 1)
    parts: list[str] = []
    part_runs: list[list[int]] = []
    for r, run in enumerate(runs):
        for piece in PIECE.findall(run):
            is_han = HAN_PIECE.fullmatch(piece)
            for term in cut(piece, frequency, log_total, longest) if is_han else [piece]:
                if term not in parts:
                    parts.append(term)
                    part_runs.append([])
                part_runs[parts.index(term)].append(r)
    keep = [p for p, term in enumerate(parts) if term not in STOP_TERMS] or range(len(parts))
    return Query(
        tuple(runs),
        tuple(parts[p] for p in keep),
        tuple(tuple(sorted(set(part_runs[p]))) for p in keep),
    )
