"""The index of record: article records (segmentation cached by content hash) and Whoosh.

A record holds an article's terms per field and its grams. Records live in a cache file
under SEARCH_CACHE_PATH between builds; an article is cut again only when its text changed
or when a dictionary word that occurs in it was added, removed or re-weighted. The Whoosh
index beside it (whoosh_index.py) holds the scored fields; the grams stay in the records
(in Whoosh they made indexing six times slower: 353 s instead of 62 s for 7,183 articles,
measured, docs/search.md).
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from kuaixun.core.search.normalize import normalize
from kuaixun.core.search.segment import Segmenter, added_total, grams

# Bump when cutting or record layout changes: every cached record is then cut again.
RECORD_VERSION = 3
SCORED_FIELDS = ("title", "tags", "body")
EPOCH = date(1970, 1, 1)


@dataclass
class Article:
    """What search needs of one published article (gathered from Pelican)."""

    path: str
    url: str
    title: str
    subtitle: str
    text: str
    category: str
    authors: list[str]
    tags: list[str]
    date: date

    def field_texts(self) -> dict[str, str]:
        """Normalised text of each scored field."""
        return {
            "title": normalize(self.title),
            "tags": normalize("\n".join([*self.tags, self.category, *self.authors])),
            "body": normalize(f"{self.subtitle}\n{self.text}"),
        }

    @staticmethod
    def verbatim_text(texts: dict[str, str]) -> str:
        """The text whose every substring must be findable: title, subtitle and body."""
        return f"{texts['title']}\n{texts['body']}"

    def content_hash(self) -> str:
        parts = [RECORD_VERSION, self.title, self.subtitle, self.text, self.category]
        parts += [self.authors, self.tags]
        return hashlib.sha1(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


@dataclass
class Record:
    """An article with its cut: terms per scored field, and its grams.

    Both are kept as space-separated strings (no term or gram holds a space): a few big
    strings pickle and load many times faster than millions of small ones.
    """

    article: Article
    hash: str
    terms: dict[str, str]
    grams: str

    @property
    def day(self) -> int:
        # The export writes days as unsigned numbers: an earlier date (refused by the content
        # check, rules/metadata.py) must not crash the indexing process before it says so.
        return max((self.article.date - EPOCH).days, 0)

    def term_list(self, name: str) -> list[str]:
        return self.terms[name].split()

    def gram_list(self) -> list[str]:
        return self.grams.split()


def cut(article: Article, segmenter: Segmenter) -> Record:
    texts = article.field_texts()
    return Record(
        article=article,
        hash=article.content_hash(),
        terms={name: " ".join(segmenter.terms(text)) for name, text in texts.items()},
        grams=" ".join(sorted(grams(Article.verbatim_text(texts)))),
    )


@dataclass
class BuildReport:
    """How much work a build did: the tests count it, docs/search.md explains it."""

    segmented: list[str] = field(default_factory=list)
    reused: int = 0
    removed: int = 0
    whoosh: str = "updated"
    exported: bool = True
    # "reused", "updated (N files)" or "written": see export.refresh_export.
    export: str = ""
    # "overlay (…)" or "new base (…)": see export.pack.pack_export.
    packed: str = ""
    seconds: dict[str, float] = field(default_factory=dict)


class RecordCache:
    """Records of the last build, with the dictionary they were cut with."""

    def __init__(self, folder: Path):
        self.file = folder / "records.pickle"
        self.words: dict[str, int] = {}
        self.dictionary: dict[str, int | None] = {}
        self.records: dict[str, Record] = {}
        if self.file.exists():
            try:
                saved = pickle.loads(self.file.read_bytes())
                if saved.get("version") == RECORD_VERSION:
                    self.words, self.records = saved["words"], saved["records"]
                    self.dictionary = saved["dictionary"]
            except (pickle.UnpicklingError, EOFError, AttributeError, KeyError, TypeError):
                pass  # a damaged cache costs one full cut, never a failed build
        self.loaded = self.stamp() if self.records else None

    def stamp(self) -> tuple:
        """What the file holds, in short: a record's other fields follow from its hash."""
        articles = sorted(
            (p, r.hash, r.article.date, r.article.url) for p, r in self.records.items()
        )
        return self.words, self.dictionary, articles

    def save(self) -> None:
        """Write the records, unless the file already holds the same (a warm build: writing
        94 MB at 7,183 articles for nothing)."""
        stamp = self.stamp()
        if self.loaded is not None and stamp == self.loaded:
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "version": RECORD_VERSION,
            "words": self.words,
            "dictionary": self.dictionary,
            "records": self.records,
        }
        tmp = self.file.with_suffix(".tmp")
        # Pickled straight into the file: the 94 MB of bytes were +100 MB at the indexing
        # process's peak before the export (docs/search.md, "Cold build").
        with tmp.open("wb") as sink:
            pickle.dump(data, sink, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(self.file)
        self.loaded = stamp


def changed_words(old: dict[str, int], new: dict[str, int]) -> set[str]:
    return {w for w in old.keys() | new.keys() if old.get(w) != new.get(w)}


def refresh_records(
    articles: list[Article], dictionary: dict[str, int | None], cache: RecordCache, cutter=None
) -> tuple[dict[str, Record], BuildReport]:
    """Records for `articles`, reusing every cached cut the changes cannot have touched.
    `cutter`: for the Segmenter, if one is needed (`Segmenter`'s, made ahead)."""
    report = BuildReport()
    # The cut depends on the texts only; the date, URL and the rest are taken fresh, so an
    # article whose date or slug changed keeps its cut but not its old address.
    records = {
        a.path: replace(cache.records[a.path], article=a)
        for a in articles
        if a.path in cache.records and cache.records[a.path].hash == a.content_hash()
    }
    pending = [a for a in articles if a.path not in records]
    # jieba takes a second to load: skip it when nothing is to be cut.
    if pending or dictionary != cache.dictionary:
        segmenter = Segmenter(dictionary, cutter=cutter)
        touched = changed_words(cache.words, segmenter.words)
        # A step of the dictionary's total (segment.added_total) moves every text's cut.
        stepped = added_total(cache.words) != added_total(segmenter.words)
        for path, record in list(records.items()):
            if stepped or (touched and _mentions(_all_text(record.article), touched)):
                pending.append(record.article)
                del records[path]
        for article in pending:
            records[article.path] = cut(article, segmenter)
            report.segmented.append(article.path)
        cache.words = segmenter.words
        cache.dictionary = dict(dictionary)
    report.reused = len(records) - len(report.segmented)
    report.removed = len(cache.records.keys() - records.keys())
    cache.records = records
    return records, report


def _all_text(article: Article) -> str:
    return "\n".join(article.field_texts().values())


def _mentions(text: str, words: set[str]) -> bool:
    return any(word in text for word in words)


def whoosh_document(record: Record) -> dict:
    """What Whoosh indexes of a record (whoosh_index.py)."""
    doc = {name: record.terms[name] for name in SCORED_FIELDS}
    doc.update(path=record.article.path, hash=record.hash)
    return doc
