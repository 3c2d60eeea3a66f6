"""The index of record: article records (segmentation cached by content hash) and Whoosh.

A record holds an article's terms per field and its grams. Records live in a cache file
under SEARCH_CACHE_PATH between builds; an article is cut again only when its text changed
or when a dictionary word that occurs in it was added, removed or re-weighted. The Whoosh
index beside it is updated with `update_document` keyed by the article's source path (a new
index is written in one go by `write_segment`, byte for byte what Whoosh would write). It
holds the scored fields; the grams stay in the records (in Whoosh they made indexing six
times slower: 353 s instead of 62 s for 7,183 articles, measured, docs/search.md).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import shutil
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from whoosh import fields, index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from kuaixun.core.search.normalize import normalize
from kuaixun.core.search.segment import Segmenter, grams

# Bump when cutting or record layout changes: every cached record is then cut again.
RECORD_VERSION = 2
SCORED_FIELDS = ("title", "tags", "body")
EPOCH = date(1970, 1, 1)
WHOOSH_SORT_MB = 128
# How Whoosh's KEYWORD fields split a value (its SpaceSeparatedTokenizer).
WHOOSH_TOKEN = re.compile(r"[^ \t\r\n]+")


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
        if self.loaded is not None and self.stamp() == self.loaded:
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


def changed_words(old: dict[str, int], new: dict[str, int]) -> set[str]:
    return {w for w in old.keys() | new.keys() if old.get(w) != new.get(w)}


def refresh_records(
    articles: list[Article], dictionary: dict[str, int | None], cache: RecordCache
) -> tuple[dict[str, Record], BuildReport]:
    """Records for `articles`, reusing every cached cut the changes cannot have touched."""
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
        segmenter = Segmenter(dictionary)
        touched = changed_words(cache.words, segmenter.words)
        for path, record in list(records.items()):
            if touched and any(word in _all_text(record.article) for word in touched):
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


# The Whoosh schema: scored fields hold space-joined terms (our cut, not Whoosh's analyser).
def schema() -> fields.Schema:
    return fields.Schema(
        path=fields.ID(unique=True, stored=True),
        hash=fields.ID(stored=True),
        title=fields.KEYWORD(scorable=True, lowercase=False),
        tags=fields.KEYWORD(scorable=True, lowercase=False),
        body=fields.KEYWORD(scorable=True, lowercase=False),
    )


def whoosh_document(record: Record) -> dict:
    doc = {name: record.terms[name] for name in SCORED_FIELDS}
    doc.update(path=record.article.path, hash=record.hash)
    return doc


def update_whoosh(folder: Path, records: dict[str, Record], report: BuildReport) -> None:
    """Bring the Whoosh index in `folder` in line with `records`, touching only changes."""
    ix = index.open_dir(str(folder)) if index.exists_in(str(folder)) else None
    if ix is not None and ix.schema.names() == schema().names():
        with ix.searcher() as searcher:
            indexed = {d["path"]: d["hash"] for d in searcher.all_stored_fields()}
    else:  # no index yet, or one written with another schema
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        ix = index.create_in(str(folder), schema())
        indexed = {}
        report.whoosh = "created"
    stale = [r for p, r in records.items() if indexed.get(p) != r.hash]
    gone = indexed.keys() - records.keys()
    if not stale and not gone:
        return
    # Measured at 1,000 articles (docs/search.md): uncompressed posting blocks and no
    # compound file 4.1 s → 3.2 s CPU; the same postings, so the same scores. Whoosh's own
    # 128 MB sort buffer, not 512, for updates (a new index does not use it).
    writer = ix.writer(limitmb=WHOOSH_SORT_MB, codec=W3Codec(compression=0), compound=False)
    if report.whoosh == "created":
        write_segment(writer, stale)
        return
    for path in gone:
        writer.delete_by_term("path", path)
    # A new index holds nothing to replace: add_document skips update_document's lookups.
    add = writer.add_document if report.whoosh == "created" else writer.update_document
    for record in stale:
        add(**whoosh_document(record))
    writer.commit()


def write_segment(writer, records: list[Record]) -> None:
    """A new index's one segment, written straight from the records' terms: what Whoosh's
    `add_document` and `commit` write for the same documents, byte for byte (tested), without
    its analyser, its sort pool and its per-posting look-up of the document's field length
    (most of its time: docs/search.md, "Cold build")."""
    postings, others, lengths = _write_documents(writer, records)
    schema, terms = writer.schema, writer.fieldwriter
    for name in sorted(postings.keys() | others.keys()):
        terms.start_field(name, schema[name])
        if name in postings:
            _write_terms(terms, postings[name], lengths[name])
        else:
            for tbytes, group in groupby(sorted(others[name]), key=itemgetter(0)):
                terms.start_term(tbytes)
                for _, d, weight, vbytes in group:
                    terms.add(d, weight, vbytes or b"", 0)
                terms.finish_term()
        terms.finish_field()
    terms.close()
    writer.docnum = len(records)
    writer._close_segment()
    writer._commit_toc([writer.get_segment()])
    writer._finish()


def _write_documents(writer, records: list[Record]):
    """Stored fields and lengths, document by document; returns per scored field each term's
    documents and frequencies and each document's length as the length column gives it back
    (one byte, so approximate; 0 when not stored), and the other fields' postings."""
    schema, documents = writer.schema, writer.perdocwriter
    postings: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: (array("I"), array("I"))))
    others: dict[str, list] = defaultdict(list)
    lengths: dict[str, array] = defaultdict(lambda: array("I"))
    for d, record in enumerate(records):
        doc = whoosh_document(record)
        documents.start_doc(d)
        for name in sorted(doc):
            field, value = schema[name], doc[name]
            length = 0
            if field.scorable:
                terms = WHOOSH_TOKEN.findall(value)
                length = len(terms)
                for term, count in Counter(terms).items():
                    docs, counts = postings[name][term]
                    docs.append(d)
                    counts.append(count)
                lengths[name].append(byte_to_length(length_to_byte(length)) if length else 0)
            else:
                others[name].extend((tbytes, d, w, v) for tbytes, _, w, v in field.index(value))
            documents.add_field(name, field, value if field.stored else None, length)
        documents.finish_doc()
    documents.close()
    return postings, others, lengths


def _write_terms(terms, postings: dict, lengths: array) -> None:
    """One scored field's terms in byte order, as Whoosh's Frequency format posts them."""
    for tbytes, (docs, counts) in sorted((t.encode("utf-8"), p) for t, p in postings.items()):
        terms.start_term(tbytes)
        for d, count in zip(docs, counts, strict=True):
            terms.add(d, float(count), pack_uint(count), lengths[d])
        terms.finish_term()
