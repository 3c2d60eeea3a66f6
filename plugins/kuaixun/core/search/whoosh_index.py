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
import struct
import sys
import time
from array import array
from collections import Counter, defaultdict
from hashlib import md5
from itertools import chain
from operator import sub
from pathlib import Path

from whoosh import fields, index
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.filedb.filetables import md5_hash
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte

WHOOSH_SORT_MB = 128
# The scored fields, in the order the export's documents give their lengths
# (index.SCORED_FIELDS, which this light process does not import: it imports jieba).
SCORED = ("title", "tags", "body")
# In the folder of a new index's parts (`write_part`): each document's path, hash and
# scored fields' lengths, in the export's article order.
PARTS_DOCUMENTS = "documents.pickle"
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
    its analyser, its sort pool, its per-posting look-up of the document's field length and
    its per-posting calls into the codec (most of its time: docs/search.md, "Cold build")."""
    postings, others, lengths = _write_documents(writer, documents)
    scored = {}
    for name, terms in postings.items():
        by_bytes = sorted((t.encode("utf-8"), pairs) for t, pairs in terms.items())
        scored[name] = [_in_pieces(posted_terms(_posted(by_bytes, lengths[name]), True))]
    _write_fields(writer, scored, others, len(documents))


def _posted(by_bytes: list[tuple[bytes, array]], lengths: bytearray):
    """`posted_terms` of a field's terms in byte order, each with its documents and counts
    one after the other (`lengths`: each document's length byte in the field)."""
    for tbytes, pairs in by_bytes:
        docs = pairs[0::2]
        yield tbytes, docs, pairs[1::2], bytes(map(lengths.__getitem__, docs))


def write_from_parts(folder: Path, parts: Path) -> None:
    """A new index in `folder` written from the parts the export's range forks made of the
    cut (`write_part`, in `parts`, removed here) and the documents' paths, hashes and field
    lengths (`PARTS_DOCUMENTS`): the same bytes as `write_segment` of the records' documents
    in the export's article order (tested), without inverting the cut a second time
    (docs/search.md, "Cold build", twenty-first look)."""
    documents = pickle.loads((parts / PARTS_DOCUMENTS).read_bytes())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ix = index.create_in(str(folder), schema())
    writer = ix.writer(limitmb=WHOOSH_SORT_MB, codec=W3Codec(compression=0), compound=False)
    schema_, stored = writer.schema, writer.perdocwriter
    others: dict[str, list] = defaultdict(list)
    for d, (path, content_hash, lengths) in enumerate(documents):
        values = {"path": path, "hash": content_hash, **dict(zip(SCORED, lengths, strict=True))}
        stored.start_doc(d)
        for name in sorted(values):
            field, value = schema_[name], values[name]
            if field.scorable:
                stored.add_field(name, field, None, value)
            else:
                others[name].extend((tbytes, d, w, v) for tbytes, _, w, v in field.index(value))
                stored.add_field(name, field, value if field.stored else None, 0)
        stored.finish_doc()
    stored.close()
    ranges = sorted(int(p.name.split(".")[1]) for p in parts.glob(f"{SCORED[0]}.*"))
    scored = {name: [_read_part(parts, name, r) for r in ranges] for name in SCORED}
    _write_fields(writer, scored, others, len(documents))
    shutil.rmtree(parts)


def write_part(parts: Path, r: int, name: str, postings) -> None:
    """Range r's share of field `name`'s terms, as `write_from_parts` lays them out: their
    posting blocks and rows (`posted_terms` of `postings`: each term's bytes, documents,
    counts and their documents' length bytes, the terms in byte order)."""
    with (parts / f"{name}.{r}").open("wb") as sink:
        for piece in _in_pieces(posted_terms(postings, values=True)):
            pickle.dump(piece, sink, protocol=pickle.HIGHEST_PROTOCOL)


def _read_part(parts: Path, name: str, r: int):
    """The pieces `write_part` wrote, one at a time."""
    with (parts / f"{name}.{r}").open("rb") as source:
        while True:
            try:
                yield pickle.load(source)
            except EOFError:
                return


def _in_pieces(posted):
    """`posted_terms`' terms in pieces of about a megabyte: the terms' posting blocks run
    together, and each term's bytes, posting bytes' length and packed info."""
    blocks, rows = bytearray(), []
    for tbytes, data, info in posted:
        blocks += data
        rows.append((tbytes, len(data), info))
        if len(blocks) > FLUSH_BYTES:  # (the body's postings are ≈ 50 MB at 7,183 articles)
            yield bytes(blocks), rows
            blocks, rows = bytearray(), []
    yield bytes(blocks), rows


def _write_fields(writer, scored: dict, others: dict, count: int) -> None:
    """Every field's terms (`scored`: per scored field, its pieces from `_in_pieces`, in
    byte order; `others`: the unscored fields' postings), then the segment closed."""
    schema, terms = writer.schema, writer.fieldwriter
    for name in sorted(scored.keys() | others.keys()):
        terms.start_field(name, schema[name])
        if name in scored:
            for pieces in scored[name]:
                _lay_terms(terms, pieces)
        else:  # no lengths, and its Existence format posts no value
            unscored = _unscored(others[name])
            _lay_terms(terms, _in_pieces(posted_terms(unscored, values=False)))
        terms.finish_field()
    terms.close()
    writer.docnum = count
    writer._close_segment()
    writer._commit_toc([writer.get_segment()])
    writer._finish()


def _write_documents(writer, documents: list[dict]):
    """Stored fields and lengths, document by document; returns per scored field each term's
    documents and frequencies (one array, each document followed by its count) and each
    document's length byte (Whoosh's one-byte approximation of its length, 0 for none), and
    the other fields' postings."""
    schema, stored = writer.schema, writer.perdocwriter
    postings: dict[str, dict[str, array]] = defaultdict(dict)
    others: dict[str, list] = defaultdict(list)
    lengths: dict[str, bytearray] = defaultdict(bytearray)
    for d, doc in enumerate(documents):
        stored.start_doc(d)
        for name in sorted(doc):
            field, value = schema[name], doc[name]
            length = 0
            if field.scorable:
                terms = WHOOSH_TOKEN.findall(value)
                length = len(terms)
                field_postings = postings[name]
                for term, count in Counter(terms).items():
                    # A term's documents and counts, one after the other.
                    if (posted := field_postings.get(term)) is None:
                        posted = field_postings[term] = array("I")
                    posted.append(d)
                    posted.append(count)
                lengths[name].append(length_to_byte(length))
            else:
                others[name].extend((tbytes, d, w, v) for tbytes, _, w, v in field.index(value))
            stored.add_field(name, field, value if field.stored else None, length)
        stored.finish_doc()
    stored.close()
    return postings, others, lengths


def _unscored(postings: list[tuple[bytes, int, float, bytes]]):
    """An unscored field's postings (term, document, weight, value) as `posted_terms` takes
    them: by term, each term's documents with a count of 1 and a length byte of 0 (its
    Existence format posts no value and a weight of 1)."""
    by_term: dict[bytes, array] = {}
    for tbytes, d, weight, vbytes in sorted(postings):
        if weight != 1 or vbytes:
            raise ValueError(f"an unscored posting with a weight or a value: {tbytes!r}")
        by_term.setdefault(tbytes, array("I")).append(d)
    return [(t, docs, array("I", [1]) * len(docs), bytes(len(docs))) for t, docs in by_term.items()]


class _Extremes:
    """What a term's info keeps of its blocks (`W3TermInfo.add_block`): the shortest
    document's length byte (None: only empty ones), the longest's, the largest weight.
    Length bytes order as the lengths they stand for, so comparing them is comparing those."""

    __slots__ = ("shortest", "longest", "weight")

    def __init__(self) -> None:
        self.shortest: int | None = None
        self.longest = 0
        self.weight = 0


def posted_terms(postings, values: bool):
    """Each term's posting blocks and packed info, as Whoosh's W3 field writer makes them
    (`start_term`, `add` for each posting, `finish_term`), from each term's bytes, documents,
    counts and those documents' length bytes (`values`: whether the field's format posts the
    counts): the term's bytes, its blocks (after Whoosh's header) and its info as
    `W3TermInfo.to_bytes` packs it, without the object and without the blocks' offset and
    length, which `_lay_terms` adds where it writes them. Whoosh asks the posting file for
    its position and calls five methods for every posting; at 7,183 articles (214,385 terms,
    2.49 million postings) that was most of the index's time (docs/search.md, "Cold
    build")."""
    for tbytes, docs, counts, sizes in postings:
        data = bytearray(WHOOSH3_HEADER_MAGIC)
        seen = _Extremes()
        for first in range(0, len(docs), POSTINGS_BLOCK):
            block = _posting_block(docs, counts, sizes, first, seen, values)
            sign = -1 if first + POSTINGS_BLOCK >= len(docs) else 1
            data += pack_int(sign * len(block)) + block
        info = TERM_INFO.pack(
            False,
            float(sum(counts)),
            len(docs),
            seen.shortest or 0,
            seen.longest,
            float(seen.weight),
            docs[0],
            docs[-1],
        )
        yield tbytes, data, info


def _lay_terms(terms, pieces) -> None:
    """One field's terms (`_in_pieces` of `posted_terms`, in byte order) written as Whoosh's
    W3 field writer writes them: each piece's posting blocks, and each term's row of the
    terms' table (`OrderedHashWriter.add`'s lengths, key and value, its hash and position),
    the value its info and its blocks' offset and length; the row's hash is Whoosh's
    `md5_hash` (the MD5's last four bytes)."""
    codec = terms._codec
    if (codec._blocklimit, codec._compression, codec._inlinelimit) != (POSTINGS_BLOCK, 0, 1):
        raise ValueError("write_segment writes W3Codec(compression=0)'s blocks only")
    table, posts, field = terms._tindex, terms._postfile, pack_ushort(terms._fieldid)
    if table.hashfn is not md5_hash:
        raise ValueError("write_segment writes tables hashed by md5_hash only")
    buckets, rows, last = table.buckets, table.index, table.lastkey
    for blocks, infos in pieces:
        start, tabled, table_at = posts.tell(), bytearray(), table.dbfile.tell()
        posts.write(blocks)
        for tbytes, length, info in infos:
            value = info + pack_long(start) + pack_int(length)
            start += length
            key = field + tbytes
            if key <= last:
                raise ValueError(f"Keys must increase: {last!r}..{key!r}")
            at = table_at + len(tabled)
            rows.append(at)
            tabled += KEY_VALUE_LENGTHS.pack(len(key), len(value)) + key + value
            h = int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:])
            buckets[h & 255].append((h, at))
            last = key
        table.dbfile.write(tabled)
    table.lastkey = last


# Whoosh's W3 codec: postings in blocks of at most 128 (its `blocklimit`); a row of its
# terms' table starts with its key's and value's lengths (filetables.HashWriter.add); a
# term's info as `W3TermInfo` packs it (then its postings' offset and length).
POSTINGS_BLOCK = 128
KEY_VALUE_LENGTHS = struct.Struct("!ii")
TERM_INFO = W3TermInfo._struct
FLUSH_BYTES = 1 << 20


def _posting_block(
    docs: array, counts: array, sizes: bytes, first: int, seen: _Extremes, values: bool
) -> bytes:
    """A block of a term's postings from `first` on, its info and data pickled as Whoosh's
    `W3PostingsWriter._write_block` pickles them (uncompressed), the block's extremes added
    to the term's `seen` as `W3TermInfo.add_block` adds them."""
    if len(docs) <= POSTINGS_BLOCK:  # (most terms: one block, no slices)
        ids, weights, lengths = docs, counts, sizes
    else:
        end = first + POSTINGS_BLOCK
        ids, weights, lengths = docs[first:end], counts[first:end], sizes[first:end]
    gaps = tuple(map(sub, ids, chain((0,), ids)))
    top = max(weights)
    # Whoosh's `_mini_weights`: None when all are 1, the weight when all are one weight.
    mini: float | tuple[float, ...] | None = None
    if top != 1:
        mini = float(top) if min(weights) == top else tuple(map(float, weights))
    posted = array("I", weights)
    if BIG_ENDIAN_UINT:
        posted.byteswap()
    data = pickle.dumps((gaps, mini, posted.tobytes() if values else None), 2)
    # Whoosh leaves a length of 0 out of the shortest (an unscored field's are all 0).
    longest = max(lengths)
    shortest = min(lengths.replace(b"\0", b""), default=None)
    if shortest is not None and (seen.shortest is None or shortest < seen.shortest):
        seen.shortest = shortest
    seen.longest = max(seen.longest, longest)
    seen.weight = max(seen.weight, top)
    head = (len(ids), ids[-1], float(top), 0, shortest or 0, longest)
    return pickle.dumps(head, 2) + data


# Frequency values are `pack_uint`'s, big-endian 4-byte counts: an array's bytes, swapped
# on a little-endian machine.
BIG_ENDIAN_UINT = pack_uint(1) != array("I", [1]).tobytes()
assert array("I").itemsize == len(pack_uint(1))


def main(argv: list[str]) -> int:
    """Update the index in argv[0] from the documents pickled to stdin, or write it anew
    from the parts in the folder after `--parts`; print what it did."""
    started = time.perf_counter()
    if argv[1:2] == ["--parts"]:
        write_from_parts(Path(argv[0]), Path(argv[2]))
        done = "created"
    else:
        documents = pickle.load(sys.stdin.buffer)
        done = update_whoosh(Path(argv[0]), documents)
    print(json.dumps({"whoosh": done, "seconds": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
