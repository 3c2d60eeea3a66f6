"""The Whoosh index of record: its schema, and bringing it in line with the records'
documents (a new index written in one go by `write_segment`, byte for byte what Whoosh's
own writer makes; an existing one updated with `update_document` keyed by the source path).

The build runs it as `python -m kuaixun.core.search.whoosh_index FOLDER`, the documents
pickled to its standard input and a JSON report on its standard output: a process that
imports Whoosh alone, holds no copy of the indexing process's pages and no jieba or
pypinyin (docs/search.md, "Cold build", sixth pass).
"""

from __future__ import annotations

import json
import pickle
import re
import shutil
import sys
import time
from array import array
from collections import Counter, defaultdict
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from whoosh import fields, index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

WHOOSH_SORT_MB = 128
# How Whoosh's KEYWORD fields split a value (its SpaceSeparatedTokenizer).
WHOOSH_TOKEN = re.compile(r"[^ \t\r\n]+")


# The Whoosh schema: scored fields hold space-joined terms (our cut, not Whoosh's analyser).
def schema() -> fields.Schema:
    return fields.Schema(
        path=fields.ID(unique=True, stored=True),
        hash=fields.ID(stored=True),
        title=fields.KEYWORD(scorable=True, lowercase=False),
        tags=fields.KEYWORD(scorable=True, lowercase=False),
        body=fields.KEYWORD(scorable=True, lowercase=False),
    )


def whoosh_is_new(folder: Path) -> bool:
    """Whether `update_whoosh` will write the index in `folder` anew (none yet, or one
    written with another schema)."""
    if not index.exists_in(str(folder)):
        return True
    return index.open_dir(str(folder)).schema.names() != schema().names()


def update_whoosh(folder: Path, documents: list[dict]) -> str:
    """Bring the Whoosh index in `folder` in line with `documents` (`index.whoosh_document`
    of each record, in the records' order), touching only changes; "created" or "updated"."""
    if whoosh_is_new(folder):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        ix = index.create_in(str(folder), schema())
        indexed, done = {}, "created"
    else:
        ix = index.open_dir(str(folder))
        with ix.searcher() as searcher:
            indexed = {d["path"]: d["hash"] for d in searcher.all_stored_fields()}
        done = "updated"
    stale = [doc for doc in documents if indexed.get(doc["path"]) != doc["hash"]]
    gone = indexed.keys() - {doc["path"] for doc in documents}
    if not stale and not gone:
        return done
    # Measured at 1,000 articles (docs/search.md): uncompressed posting blocks and no
    # compound file 4.1 s → 3.2 s CPU; the same postings, so the same scores. Whoosh's own
    # 128 MB sort buffer, not 512, for updates (a new index does not use it).
    writer = ix.writer(limitmb=WHOOSH_SORT_MB, codec=W3Codec(compression=0), compound=False)
    if done == "created":
        write_segment(writer, stale)
        return done
    for path in gone:
        writer.delete_by_term("path", path)
    for doc in stale:
        writer.update_document(**doc)
    writer.commit()
    return done


def write_segment(writer, documents: list[dict]) -> None:
    """A new index's one segment, written straight from the records' terms: what Whoosh's
    `add_document` and `commit` write for the same documents, byte for byte (tested), without
    its analyser, its sort pool and its per-posting look-up of the document's field length
    (most of its time: docs/search.md, "Cold build")."""
    postings, others, lengths = _write_documents(writer, documents)
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
    writer.docnum = len(documents)
    writer._close_segment()
    writer._commit_toc([writer.get_segment()])
    writer._finish()


def _write_documents(writer, documents: list[dict]):
    """Stored fields and lengths, document by document; returns per scored field each term's
    documents and frequencies and each document's length as the length column gives it back
    (one byte, so approximate; 0 when not stored), and the other fields' postings."""
    schema, stored = writer.schema, writer.perdocwriter
    postings: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: (array("I"), array("I"))))
    others: dict[str, list] = defaultdict(list)
    lengths: dict[str, array] = defaultdict(lambda: array("I"))
    for d, doc in enumerate(documents):
        stored.start_doc(d)
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
            stored.add_field(name, field, value if field.stored else None, length)
        stored.finish_doc()
    stored.close()
    return postings, others, lengths


def _write_terms(terms, postings: dict, lengths: array) -> None:
    """One scored field's terms in byte order, as Whoosh's Frequency format posts them."""
    for tbytes, (docs, counts) in sorted((t.encode("utf-8"), p) for t, p in postings.items()):
        terms.start_term(tbytes)
        for d, count in zip(docs, counts, strict=True):
            terms.add(d, float(count), pack_uint(count), lengths[d])
        terms.finish_term()


def main(argv: list[str]) -> int:
    """Update the index in argv[0] from the documents pickled to stdin; print what it did."""
    started = time.perf_counter()
    documents = pickle.load(sys.stdin.buffer)
    done = update_whoosh(Path(argv[0]), documents)
    print(json.dumps({"whoosh": done, "seconds": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
