"""The export's format: how numbers, article lists, postings, vocabulary lines, article heads
and the manifest are written as text (and read back), how files and the folder are named,
and the state an update keeps. full.py and incremental.py both write through it.

Layout (all but the manifest under one folder named by the hash of its whole content;
incremental.py rewrites only the files a few changed articles touch). These are *logical*
files: the cache keeps them all in one file (FILES, ~125,000 of them at 7,183 articles, where
a file each cost 559 MB of disk and a third of the export's time) and pack.py stores them as
the published index:
  manifest.json      settings of the ranking, sizes, the names below. Fetched first.
  <hash>/days.gz     per article: its day (delta-coded), for recency and the year filter.
  <hash>/lanmu.gz    per article: its 栏目, fetched only when a reader filters by 栏目.
  <hash>/v/<b>.gz    vocabulary buckets: one line per character or character pair (the
                     "key"): the articles holding it verbatim, the frequency of a pair's
                     first character as a term, then the terms starting with the key, each
                     with its frequency (to cut queries) and its postings.
  <hash>/p/<name>.gz a list too long to sit inline in a bucket line, fetched only if used;
                     named by its content, so an update leaves unchanged lists alone.
  <hash>/f/<id>.json one article's title, URL, date, 栏目 and number of text chunks.
  <hash>/x/<id>-<k>.gz its text in chunks, for the snippet: fetched when the result comes
                     into view, chunk after chunk until the query is found.
  <hash>/t/<k>.gz    traditional → simplified pairs, fetched only for an unknown character.
  <hash>/y/<n>.gz    the pinyin layer (search/pinyin.py): words by pinyin and by initials,
  <hash>/r/<n>.gz    a character's readings, and the syllables (the inventory, a syllable's
  <hash>/s/<n>.gz    characters), n = FNV-1a(key) mod pinyinBuckets[0, 1 or 2]; fetched
                     only for a query that is not found as typed, or typed in Latin letters.
Files named .gz are stored compressed (`deflated`: zlib over GB18030), as Pagefind stores its
own gzipped: the index takes a third of the disk, hosts send them as they are, and the
browser inflates them (DecompressionStream); the packer publishes the cached stream as it is.
Numbers are written as base-64 varints (5 bits a character, the 6th says "more"), lists of
articles as gaps or, when shorter, as a bitmap; a pair's terms name their articles by their
places in the pair's list (`postings`). The packer stores the digits
6 bits each (`dense`).
docs/search.md has the measurements behind these choices.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import itertools
import json
import operator
import pickle
import re
import string
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pypinyin

from kuaixun.core.search import forgive, pinyin, rank
from kuaixun.core.search.index import SCORED_FIELDS, Record
from kuaixun.core.search.query import MAX_QUERY_CHARS, STOP_TERMS

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
# A list longer than this (characters) goes to its own file, fetched only when needed.
INLINE_LIMIT = 96
# Vocabulary buckets are sized for about this many characters each before gzip: a query
# fetches one bucket per character and per character pair, so small buckets save bytes.
BUCKET_TARGET = 256
T2S_BUCKETS = 8
# The pinyin layer's characters' readings (r/<n>) sit in buckets of about this many
# characters, apart from the words by two syllables and by initials (y/<n>): a slip reads one
# line of each of its characters, and a window sized for the long lines cost it three times
# the bytes. With the syllables' lines apart (s/<n>), a character's line is ≈ 7 bytes and
# buckets of about 16 fit the 32-byte window as well as 8 did, in half the cells (8 when the
# syllables were here too, whose lines made larger buckets need 96-byte windows;
# docs/search.md).
SHORT_TARGET = 16
# The syllables' lines (s/<n>: the inventory, a syllable's followers and commonest
# characters) are ten times longer than a character's: in r/'s 32-byte windows nine in ten
# were blobs, a range more each (≈ 100 bytes of a multipart answer's part lines). In buckets
# of about 32 characters most hold one line and fit the family's own window of 112 bytes, as
# at 16, in 164 KB of cells instead of 229 (docs/search.md, "Syllables apart").
SYLLABLE_TARGET = 32
# The words by two syllables and by initials (y/<n>) sit in buckets of about this many
# characters: a slip reads one window for each key, and uses one line of it.
PINYIN_TARGET = 128
# Snippet text is cut into chunks of about this many characters.
CHUNK = 400
# The browser reads the chunks after an article's first in batches of these many (the first
# with the rest of the first chunk), then all the others, one range each; the packer stores
# each batch as one member (export/pack.py). A match past the first batch lies most often in
# the next two chunks: reading those first spares the rest of a long article (docs/search.md,
# "A snippet reads what its article holds"). Before, the others came at once after the
# first batch, and before that 4, 8, … at a time ("The first text batches at once").
CHUNK_BATCHES = (2, 2)


def _varint(value: int) -> str:
    out = []
    while value >= 32:
        out.append(DIGITS[32 + (value & 31)])
        value >>= 5
    out.append(DIGITS[value])
    return "".join(out)


_SMALL = [_varint(v) for v in range(4096)]


def varint(value: int) -> str:
    return _SMALL[value] if value < 4096 else _varint(value)


def gaps(docids: list[int]) -> str:
    """Sorted article numbers as gaps: first number, then (difference − 1) for the rest."""
    out, previous = [], -1
    for d in docids:
        out.append(varint(d - previous - 1))
        previous = d
    return "".join(out)


def bitmap(docids: list[int]) -> str:
    bits = [0] * (docids[-1] // 6 + 1)
    for d in docids:
        bits[d // 6] |= 1 << (d % 6)
    return "*" + "".join(DIGITS[b] for b in bits)


def doc_list(docids: list[int]) -> str:
    as_gaps = gaps(docids)
    return as_gaps if len(as_gaps) <= docids[-1] // 6 + 2 else bitmap(docids)


def postings(
    per_field: list[list[tuple[int, int, int]]], place: dict[int, int] | None = None
) -> str:
    """Per scored field, per article, in bits spelled 6 to a digit (`spelled_bits`): its
    values (`LENGTH_CODES`: Whoosh's length byte, then the term frequency).

    A term whose first two characters are its line's key (`place`: article → its place in
    the list of articles holding that pair, `places`) is found only in articles of that
    list, bar a tag: a field all of whose articles are in it names them by their places in
    the list (as an article list; nothing when it is the whole list) before a ".", then gives
    only the values. The gaps were a quarter of the postings' text (docs/search.md, "Bytes on
    disk"). Any other field gives the number of its articles − 1 (Exp-Golomb), a Rice
    parameter k (5 bits), then per article its gap (a gap − 1, as `gaps` writes) as a Rice
    code of parameter k and its values. A field with no article is empty, and the empty
    fields before the first that is not are left out: most terms are in the body alone
    ("." and its bits, not "||." and its bits; 0.33 MB at 7,183 articles)."""
    place = place or {}
    fields = [_field_postings(e, place, n) for n, e in enumerate(per_field)]
    while len(fields) > 1 and not fields[0]:
        fields.pop(0)
    return "|".join(fields)


def places(docs: list[int]) -> dict[int, int]:
    return {d: k for k, d in enumerate(docs)}


def _field_postings(entries: list[tuple[int, int, int]], place: dict[int, int], field: int) -> str:
    if not entries:
        return ""
    # A posting's values looked up (its length byte's code and tf's, for tf up to 16):
    # coding them one call at a time made the export's postings 2.4 times as slow.
    table, lengths = _VALUE_BITS[field], _LENGTH_BITS[field]
    values = [
        table[(lb << 4) + tf - 1] if tf <= 16 else lengths[lb] + _golomb(tf - 1)
        for _, tf, lb in entries
    ]
    if all(d in place for d, _, _ in entries):
        places = [place[d] for d, _, _ in entries]
        named = "" if len(places) == len(place) else doc_list(places)
        return named + "." + spelled_bits("".join(values))
    docs = [d for d, _, _ in entries]
    gap_list = list(map(operator.sub, docs, [0, *map(_NEXT, docs[:-1])]))
    k = _shortest_rice_parameter(gap_list)
    codes = _rice_values(k)
    bits = [_golomb(len(entries) - 1), format(k, "05b")]
    for gap, value in zip(gap_list, values, strict=True):
        bits += [codes[gap] if gap < len(codes) else _rice(gap, k), value]
    return spelled_bits("".join(bits))


# A list out of line (one whose gaps or bitmap take more than INLINE_LIMIT characters) is
# written, where shorter, as "!" and bits spelled 6 to a digit, as the short pairs' run
# spells its own (`short_run`, below): the count − 1 (Exp-Golomb), the Rice parameter k
# (5 bits), then each gap (a gap − 1, as `gaps` writes) as a Rice code of parameter k. A
# base-64 varint spends 6 bits on a gap below 32 and 12 below 1,024; a Rice code about
# log2 of the list's mean gap plus 2: the spilled article lists 2.62 → 2.25 MB published
# at 7,183 articles (docs/search.md, "Long article lists in bits"). Lists kept inline keep
# their digits, so a bucket's short pairs still run together.
RICE_MARK = "!"
# Rice codes by k (up to 12) of the numbers below 16 · 2**k, by the number: a long list
# (`long_list`) and a bucket's short pairs (`short_run`) are coded by look-up, in C.
_RICE_VALUES: dict[int, list[str]] = {}


def _rice_values(k: int) -> list[str]:
    """Rice codes of parameter k of the numbers below 16 · 2**k (k ≤ 12; none above)."""
    if k not in _RICE_VALUES:
        _RICE_VALUES[k] = [_rice(v, k) for v in range(16 << k)] if k <= 12 else []
    return _RICE_VALUES[k]


def rice_parameter(count: int, total: int) -> int:
    """The Rice parameter for `count` gaps that add up to `total`: the k for which the codes'
    expected length, total / 2**k + count · k (less half a bit a code for k > 0), is least.
    From the sum alone, not a pass over the gaps per candidate: 0.3 % longer than the best
    k at 7,183 articles, for a third of the coding's time."""
    return min(range(24), key=lambda k: total / (1 << k) + count * k - (count / 2 if k else 0))


_NEXT = (1).__add__  # an article number + 1, where the next one's gap is counted from


def long_list(docids: list[int], listed: str) -> str:
    """The text of an out-of-line article list: `listed` (its `doc_list`) or its Rice form
    (above), whichever is shorter."""
    count = len(docids)
    k = rice_parameter(count, docids[-1] + 1 - count)
    gaps = list(map(operator.sub, docids, [0, *map(_NEXT, docids[:-1])]))
    try:
        body = "".join(map(_rice_values(k).__getitem__, gaps))
    except IndexError:  # a gap past the table, or k past 12
        body = "".join(_rice(g, k) for g in gaps)
    bits = _golomb(count - 1) + format(k, "05b") + body
    return listed if 1 + -(-len(bits) // 6) >= len(listed) else RICE_MARK + spelled_bits(bits)


def spelled_bits(bits: str) -> str:
    """A string of bits as digits, 6 bits a digit, the last one's padded with 0s (base64
    packs them in C)."""
    digits = -(-len(bits) // 6)
    bits += "0" * (-len(bits) % 24)
    packed = int(bits, 2).to_bytes(len(bits) // 8, "big")
    return base64.urlsafe_b64encode(packed).decode()[:digits].translate(_FROM_B64)


def rice_list(text: str) -> list[int]:
    """The article numbers of a list `long_list` wrote in its Rice form (without the mark):
    the bits unpacked by base64 and the codes found by a regular expression, both in C (an
    update reads back the long lists of every line an edit touches)."""
    packed = base64.urlsafe_b64decode(text.translate(_TO_B64) + "A" * (-len(text) % 4))
    bits = format(int.from_bytes(packed, "big"), f"0{8 * len(packed)}b")
    zeros = bits.index("1")
    count, at = int(bits[zeros : 2 * zeros + 1], 2), 2 * zeros + 1
    k = int(bits[at : at + 5], 2)
    codes = re.compile(f"(1*)0([01]{{{k}}})").finditer(bits, at + 5)
    gap_list = [
        (len(q) << k) + int(r or "0", 2) + 1 for q, r in (m.groups() for m in _take(codes, count))
    ]
    return [d - 1 for d in itertools.accumulate(gap_list)]


def _take(iterator, count: int) -> list:
    return list(itertools.islice(iterator, count))


# Reading back what the functions above wrote, as the browser reads it.
_VALUE = {c: i for i, c in enumerate(DIGITS)}


def read_varints(text: str) -> list[int]:
    values, value, shift = [], 0, 1
    for ch in text:
        digit = _VALUE[ch]
        value += (digit & 31) * shift
        if digit < 32:
            values.append(value)
            value, shift = 0, 1
        else:
            shift *= 32
    return values


def decode_docs(text: str) -> list[int]:
    if text.startswith(RICE_MARK):
        return rice_list(text[1:])
    if text.startswith("*"):
        return [
            (c - 1) * 6 + k
            for c in range(1, len(text))
            for k in range(6)
            if _VALUE[text[c]] & (1 << k)
        ]
    docs, previous = [], -1
    for gap in read_varints(text):
        previous += gap + 1
        docs.append(previous)
    return docs


def decode_postings(text: str, docs: list[int] | None = None) -> list[list[tuple[int, int, int]]]:
    """`postings` read back; `docs`: the article list of the line's key, for a pair's terms."""
    parts = text.split("|")
    parts = [""] * (len(SCORED_FIELDS) - len(parts)) + parts
    return [_read_field(part, docs or [], n) for n, part in enumerate(parts)]


def _read_field(part: str, docs: list[int], field: int) -> list[tuple[int, int, int]]:
    if not part:
        return []
    named, dot, rest = part.partition(".")
    bits = _Bits(rest if dot else part)
    centre, k_length = LENGTH_CODES[SCORED_FIELDS[field]]

    def values() -> tuple[int, int]:
        zigzag = bits.rice(k_length)
        return bits.golomb() + 1, centre + ((zigzag >> 1) ^ -(zigzag & 1))

    if dot:
        articles = [docs[k] for k in (decode_docs(named) if named else range(len(docs)))]
        return [(d, *values()) for d in articles]
    count, k = bits.golomb() + 1, bits.read(5)
    entries, previous = [], -1
    for _ in range(count):
        previous += bits.rice(k) + 1
        entries.append((previous, *values()))
    return entries


# Plain items hold their base-64 digits 6 bits each, not 8 (`dense`): a run of 8 to 64
# digits is one byte 0x80 + (length − 1), which no UTF-8 character starts with, then the
# digits' 6-bit values packed into whole bytes. Other text stays UTF-8, so text without such
# runs reads as it is. The digits were 9.9 of the buckets' 16.9 MB (docs/search.md).
DENSE_RUN = re.compile(f"[{re.escape(DIGITS)}]{{8,}}")
DENSE_MAX = 64
_UTF8 = re.compile(
    rb"(?:[\x00-\x7f]|[\xc0-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf7][\x80-\xbf]{3})+"
)


# The digits as base64url spells the same 6-bit values: base64 packs and unpacks them in C.
_TO_B64 = str.maketrans(DIGITS, string.ascii_uppercase + string.ascii_lowercase + "0123456789-_")
_FROM_B64 = str.maketrans(string.ascii_uppercase + string.ascii_lowercase + "0123456789-_", DIGITS)


# The digits as standard base64 spells the same 6-bit values, for `binascii.a2b_base64`.
_TO_BASE64 = str.maketrans(DIGITS, string.ascii_uppercase + string.ascii_lowercase + "0123456789+/")


def dense(text: str) -> bytes:
    out, at = bytearray(), 0
    for match in DENSE_RUN.finditer(text):
        start, end = match.span()
        out += text[at:start].encode()
        # The run spelled in base64 once, then packed by C a part at a time (1.21 → 0.95 s
        # over every item at 7,183 articles: docs/search.md, "Cold build", thirteenth look).
        run, k = text[start:end].translate(_TO_BASE64), 0
        while len(run) - k >= 8:
            part = run[k : k + DENSE_MAX]
            k += len(part)
            out.append(0x7F + len(part))
            out += binascii.a2b_base64(part + "A" * (-len(part) % 4))[: -(-6 * len(part) // 8)]
        out += text[start + k : end].encode()
        at = end
    out += text[at:].encode()
    return bytes(out)


def read_dense(data: bytes) -> str:
    """The text `dense` wrote (or plain UTF-8)."""
    out, at = [], 0
    while at < len(data):
        if match := _UTF8.match(data, at):
            out.append(match.group().decode())
            at = match.end()
            continue
        count = data[at] - 0x7F
        packed = data[at + 1 : at + 1 + -(-6 * count // 8)]
        spelled = base64.urlsafe_b64encode(packed + bytes(-len(packed) % 3)).decode()
        out.append(spelled[:count].translate(_FROM_B64))
        at += 1 + len(packed)
    return "".join(out)


def fnv1a(key: str) -> int:
    """32-bit FNV-1a over code points: the browser computes the same bucket numbers."""
    h = 0x811C9DC5
    for ch in key:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h


def spill_name(text: str) -> str:
    """A spilled list's file is named by its content (48 bits of SHA-1 in base 64), so an
    unchanged list keeps its name across rebuilds and the same list is stored once."""
    value = int.from_bytes(hashlib.sha1(text.encode()).digest()[:6], "big")
    return "".join(DIGITS[(value >> shift) & 63] for shift in range(42, -1, -6))


class Writer:
    """Collects files in memory; the folder name is then the hash of all of them."""

    def __init__(self):
        self.files: dict[str, str] = {}

    def inline_or_file(self, text: str) -> str:
        if len(text) <= INLINE_LIMIT:
            return text
        return self.spill(text)

    def docs_inline_or_file(self, docids: list[int]) -> str:
        """An article list inline, or out of line in its shorter form (`long_list`)."""
        text = doc_list(docids)
        return text if len(text) <= INLINE_LIMIT else self.spill(long_list(docids, text))

    def spill(self, text: str) -> str:
        name = spill_name(text)
        self.files[f"p/{name}.gz"] = text
        return "@" + name


def file_hash(text: str) -> bytes:
    return hashlib.sha1(text.encode()).digest()


def folder_digest(hashes: dict[str, bytes]) -> str:
    """The hash of a whole export, from its files' names and content hashes (so an updated
    export gets its name without reading the files it did not change)."""
    h = hashlib.sha1()
    for name in sorted(hashes):
        h.update(name.encode() + b"\0" + hashes[name])
    return h.hexdigest()[:12]


def encode_line(key: str, docs, terms: dict, frequency: Counter, writer: Writer) -> str:
    """One vocabulary line. `docs`: the sorted articles holding the key (or empty);
    `terms`: suffix → postings per scored field, for the terms starting with the key."""
    fields = [key, writer.docs_inline_or_file(docs) if docs else ""]
    # A pair's line also carries the frequency of its first character as a term, so a
    # query is cut without fetching the bucket of every single character.
    first = frequency.get(key[0], 0) if len(key) == 2 else 0
    fields.append(varint(first) if first else "")
    place = places(docs) if len(key) == 2 and docs and terms else None
    listed = not fields[1].startswith("@")
    for suffix in sorted(terms):
        encoded = writer.inline_or_file(postings(terms[suffix], place))
        # A term's frequency is the sum of its postings' tf: left to the reader when they
        # are in the line, with the pair's list they may name their articles by (`added`).
        told = encoded.startswith("@") or (place is not None and not listed)
        fields += [suffix, varint(frequency[key + suffix]) if told else "", encoded]
    return "\t".join(fields)


def added(fields: list[str], k: int, docs: list[int] | None = None) -> int:
    """The frequency of the term whose suffix is fields[k] in a logical line split at its
    tabs: the sum of its postings' tf (the reader's, when its line leaves it out). `docs`:
    the line's article list, if decoded already."""
    if docs is None and len(fields[0]) == 2 and fields[1]:
        docs = decode_docs(fields[1])
    return sum(tf for field in decode_postings(fields[k + 2], docs) for _, tf, _ in field)


def tell_frequencies(fields: list[str], moving: int | None = None) -> None:
    """A logical line split at its tabs, with the frequencies it left out told (in place)
    that a list about to move out of it (field `moving`; None: any) takes from the reader:
    a term's, when its postings move; every pair term's, when the pair's list moves."""
    if moving is None or moving == 1:
        wanted = range(3, len(fields), 3)
        if moving == 1 and len(fields[0]) != 2:
            return  # (a character's terms name their articles by gaps, not by that list)
    else:
        wanted = range(moving - 2, moving - 1)
    docs = None
    for k in wanted:
        if not fields[k + 1]:
            if docs is None and len(fields[0]) == 2 and fields[1]:
                docs = decode_docs(fields[1])
            fields[k + 1] = varint(added(fields, k, docs))


def told_bucket(text: str) -> str:
    """A logical bucket, its lists inline, with every term's frequency told: buckets
    compared whatever lists moved where."""
    lines = [line.split("\t") for line in text.split("\n")] if text else []
    for fields in lines:
        tell_frequencies(fields)
    return "\n".join("\t".join(fields) for fields in lines)


# In the published index (pack.py) a pair line whose two characters both lie in the basic
# CJK block is written with its key as a few digits run straight into the first character's
# frequency (a varint, 0 for none) and the pair's article list: "KKKfdocs\tsuffix\t…" instead
# of "甲乙\tdocs\tf\tsuffix\t…". The six bytes of the key and the two tabs were 5.7 of the
# buckets' 16.4 MB at 7,183 articles, and the digits run on for `dense` to pack (docs/search.md,
# "Keys run into their lists"). A pair's bucket is the remainder of its value (high ·
# CJK_COUNT + low, below 2**29) mixed (`pair_mix`, a bijection of 29 bits), so its digits
# need only spell the quotient: 13 bits at 65,536 buckets, three digits (KEY_DIGITS at the
# least) where the whole value took five (docs/search.md, "A pair's key told by its
# bucket"). Any other line keeps its key spelled out and its tabs: a spelled key is one or two
# characters before a tab, so a reader tells the two forms apart by a tab among a line's
# first five characters (UTF-16 units in the browser: a character outside the BMP is two); a
# keyed line's key, frequency and list take at least five (a pair with no list of its own
# stays spelled).
CJK_FIRST, CJK_COUNT = 0x4E00, 0x5200  # U+4E00–U+9FFF
KEY_DIGITS = 3
PAIR_BITS = 29  # CJK_COUNT ** 2 < 2 ** 29
_PAIR_MASK = (1 << PAIR_BITS) - 1
# Odd multipliers, each followed by an xor-shift of 15 bits (its own inverse at 29 bits).
PAIR_MIX = (0x2C9277B5, 0x1B873593)
_PAIR_UNMIX = tuple(pow(c, -1, 1 << PAIR_BITS) for c in reversed(PAIR_MIX))


def pair_value(key: str) -> int | None:
    """A key of two basic CJK characters as a number below 2**29, or None."""
    if len(key) != 2:
        return None
    high, low = ord(key[0]) - CJK_FIRST, ord(key[1]) - CJK_FIRST
    return high * CJK_COUNT + low if 0 <= high < CJK_COUNT and 0 <= low < CJK_COUNT else None


def pair_mix(value: int) -> int:
    for c in PAIR_MIX:
        value = (value * c) & _PAIR_MASK
        value ^= value >> 15
    return value


def pair_unmix(value: int) -> int:
    for c in _PAIR_UNMIX:
        value ^= value >> 15
        value = (value * c) & _PAIR_MASK
    return value


def bucket_of(key: str, buckets: int) -> int:
    """The vocabulary bucket of a key: a basic CJK pair's by `pair_mix`, any other key's by
    FNV-1a (codec.js vocabularyBucket computes the same)."""
    return bucket_hash(key) % buckets


def bucket_hash(key: str) -> int:
    """A key's number below 2**32 whose remainder is its bucket (`bucket_of`): taken before
    the bucket count is known (the vocabulary's range forks, export/full.py)."""
    value = pair_value(key)
    return fnv1a(key) if value is None else pair_mix(value)


def key_digits(buckets: int) -> int:
    """How many digits spell a pair's quotient at this many buckets."""
    bits = PAIR_BITS - (buckets - 1).bit_length()
    return max(KEY_DIGITS, -(-bits // 6))


def keyed_line(line: str, buckets: int) -> str:
    """A logical vocabulary line in its published form (above), in a vocabulary of
    `buckets` buckets."""
    if len(line) < 3 or line[2] != "\t":
        return line
    value = pair_value(line[:2])
    docs_end = line.find("\t", 3)
    if value is None or docs_end == 3:
        return line
    first_end = line.find("\t", docs_end + 1)
    first = line[docs_end + 1 :] if first_end < 0 else line[docs_end + 1 : first_end]
    if first == "0":
        return line  # (encode_line writes no frequency 0: the keyed form reads it as none)
    quotient, width = pair_mix(value) // buckets, key_digits(buckets)
    spelled = "".join(DIGITS[(quotient >> (6 * k)) & 63] for k in range(width - 1, -1, -1))
    head = spelled + (first or "0") + line[3:docs_end]
    return head if first_end < 0 else head + line[first_end:]


def pair_key(quotient: int, bucket: int, buckets: int) -> str:
    """The pair whose mixed value has this quotient by `buckets` and remainder `bucket`."""
    value = pair_unmix(quotient * buckets + bucket)
    return chr(CJK_FIRST + value // CJK_COUNT) + chr(CJK_FIRST + value % CJK_COUNT)


def spelled_line(line: str, bucket: int, buckets: int) -> str:
    """`keyed_line` read back, from bucket number `bucket` of `buckets`: the logical line."""
    if "\t" in line[:5]:
        return line
    width, quotient = key_digits(buckets), 0
    for ch in line[:width]:
        quotient = quotient * 64 + _VALUE[ch]
    end = width
    while _VALUE[line[end]] >= 32:
        end += 1
    first = line[width : end + 1]
    docs, tab, rest = line[end + 1 :].partition("\t")
    key = pair_key(quotient, bucket, buckets)
    return "\t".join([key, docs, "" if first == "0" else first] + ([rest] if tab else []))


# Most pair lines are a key, the first character's frequency and a short article list of
# gaps, nothing more (500,353 of the 661,648 lines at 7,183 articles: most pairs are in one
# or two articles). Each was a run of digits of its own, a byte to open the packed run
# (`dense`) and a newline. In the published bucket they are run together into one line that
# opens it after a tab (no other line starts with one; docs/search.md, "Short pair lines run
# together"), as one string of bits spelled 6 to a digit, so `dense` packs the whole run
# (docs/search.md, "The short pairs' run in bits"): the number of pairs (an Exp-Golomb code
# of order 0 of the count − 1, `_golomb`), the bit length B of the largest article number
# any of their lists holds (5 bits) and the Rice parameter of the quotients' gaps (5 bits);
# then per pair, in the order of their quotients, the quotient's gap from the one before (a
# gap − 1, as `gaps` writes; Rice), the frequency as its varint's digits (0: none; 6 bits
# a digit), the list's length − 1 (Exp-Golomb) and its gaps, each a Rice code of parameter
# B − (the list's length).bit_length(): a list of few articles spread over B bits spends
# about B bits an article, where a base-64 varint spent 18 for any number past 1,023.
_GAPS = re.compile(f"(?:[{re.escape(DIGITS[32:])}]*[{re.escape(DIGITS[:32])}])+")


# A number `varint` spells in more than one digit never ends in the digit 0 (its last digit
# holds its highest bits): other spellings of the same numbers are not `gaps`'s.
_NOT_CANONICAL = re.compile(f"[{re.escape(DIGITS[32:])}]{re.escape(DIGITS[0])}")


def _short_pair(line: str, buckets: int) -> tuple[int, str, list[int]] | None:
    """(quotient, frequency digits, gaps) of a logical line the run can carry."""
    fields = line.split("\t")
    value = pair_value(fields[0])
    if len(fields) != 3 or value is None or fields[2] == "0":
        return None
    docs = fields[1]
    if not _GAPS.fullmatch(docs):
        return None  # (a bitmap, a list out of line, or none)
    if _NOT_CANONICAL.search(docs):
        return None  # (digits `gaps` never writes: a number's last digit 0 after others)
    values = read_varints(docs)
    if sum(values) + len(values) > 1 << 31:
        return None  # (an article past the run's 31 bits)
    return pair_mix(value) // buckets, fields[2] or "0", values


def _golomb(value: int, order: int = 0) -> str:
    """Exp-Golomb code of `order`: as many 0s as `value + 2**order` has bits past order + 1,
    then that number in binary."""
    w = value + (1 << order)
    return "0" * (w.bit_length() - order - 1) + format(w, "b")


def _rice(value: int, k: int) -> str:
    """Rice code of parameter k: the quotient by 2**k in unary (1s, then a 0), then the
    remainder in k bits."""
    return "1" * (value >> k) + "0" + (format(value & ((1 << k) - 1), f"0{k}b") if k else "")


def _shortest_rice_parameter(values: list[int]) -> int:
    """The k of 0…31 whose Rice codes of `values` are shortest (the smallest of equals).
    Their length, len(values) × (1 + k) + Σ (v >> k), grows from k to k + 1 by
    len(values) − Σ ⌈(v >> k) / 2⌉, which never falls as k grows: the first k past which it
    stops falling is the least (a scan of all 32 was most of coding a run). The search
    starts at the bit length of the mean and steps up or down from there: a pass or two
    over the values, not one for each k below the answer (≈ 10 for a bucket's quotients).
    A long list's parameter is estimated from its sum alone instead (`rice_parameter`)."""
    count = len(values)
    if not count:
        return 0

    def falls(k: int) -> bool:  # whether the codes of parameter k + 1 are shorter
        return sum(((v >> k) + 1) >> 1 for v in values) > count  # Σ ⌈(v >> k) / 2⌉

    k = max(0, min(31, (sum(values) // count).bit_length() - 1))
    if k < 31 and falls(k):
        k += 1
        while k < 31 and falls(k):
            k += 1
    else:
        while k > 0 and not falls(k - 1):
            k -= 1
    return k


def short_run(pairs: list[tuple[int, str, list[int]]]) -> str:
    """The run of a bucket's short pairs (`_short_pair`), sorted by quotient, in digits."""
    ends = [sum(g) + len(g) - 1 for _, _, g in pairs]
    top = max(ends).bit_length()
    quotient_gaps, previous = [], -1
    for quotient, _, _ in pairs:
        quotient_gaps.append(quotient - previous - 1)
        previous = quotient
    kq = _shortest_rice_parameter(quotient_gaps)
    bits = [_golomb(len(pairs) - 1), format(top, "05b"), format(kq, "05b")]
    # The codes looked up in tables, a list's gaps in C: most of a bucket's keying was
    # spelling them one by one (4.7 → 3.3 s for the 65,536 buckets at 7,183 articles, with
    # `_shortest_rice_parameter`'s search).
    quotient_codes = _rice_values(kq)
    for gap, (_, first, docs) in zip(quotient_gaps, pairs, strict=True):
        count = len(docs)
        bits += [
            quotient_codes[gap] if gap < len(quotient_codes) else _rice(gap, kq),
            "".join(map(_SIX_BITS.__getitem__, first)),
            _GOLOMBS[count - 1] if count <= len(_GOLOMBS) else _golomb(count - 1),
        ]
        k = max(0, top - count.bit_length())
        try:
            bits.append("".join(map(_rice_values(k).__getitem__, docs)))
        except IndexError:  # a gap past the table
            bits += [_rice(g, k) for g in docs]
    return spelled_bits("".join(bits))


# A digit's value in 6 bits; Exp-Golomb codes of order 0 of the small numbers.
_SIX_BITS = {ch: format(v, "06b") for ch, v in _VALUE.items()}
_GOLOMBS = [_golomb(v) for v in range(4096)]


# A posting's values (`postings`): Whoosh's length byte of the field, as a Rice code of
# the zigzag of its difference from the field's usual byte (2d for d ≥ 0, −2d − 1 below),
# then the term frequency − 1 as an Exp-Golomb code of order 0. (Centre, Rice parameter)
# per scored field: the pair that codes the 7,183 inews articles' postings shortest (every
# centre and k ≤ 7 tried: body (113, 5), 7.00 bits a posting's length byte, where the
# commonest byte, 143, with k = 6 took 7.66: 0.17 MB of the index; docs/search.md, "Postings
# in bits"). Fixed, not taken from the site: an update leaves every posting it does not
# touch as it was, and a site whose articles are shorter or longer pays a bit or two a
# posting. codec.js LENGTH_CODES holds the same.
LENGTH_CODES = {"title": (14, 2), "tags": (8, 0), "body": (113, 5)}
_LENGTH_BITS = [
    [_rice(2 * (b - centre) if b >= centre else 2 * (centre - b) - 1, k) for b in range(256)]
    for centre, k in (LENGTH_CODES[name] for name in SCORED_FIELDS)
]


_VALUE_BITS = [
    [lengths[b >> 4] + _GOLOMBS[b & 15] for b in range(256 << 4)] for lengths in _LENGTH_BITS
]


def keyed_bucket(text: str, buckets: int, memo: dict | None = None) -> str:
    """A logical bucket (of `buckets`) in its published form: its short pair lines run
    together in a first line (above), the other lines keyed (`keyed_line`). `memo`, a dict
    kept across the keyings of one bucket, keeps each line's reading (a short pair's, or
    the line keyed) and the run of each set of short lines: the packer keys a bucket again
    after every list it moves out (pack.fit_bucket), and the run, coded bit by bit in
    Python, was most of that work though moving a long list out leaves the short lines as
    they were."""
    if not text:
        return text
    memo = {} if memo is None else memo
    short, sources, lines = [], [], []
    for line in text.split("\n"):
        read = memo.get(line)
        if read is None:  # a short pair's reading, or the line keyed
            read = memo[line] = _short_pair(line, buckets) or keyed_line(line, buckets)
        if isinstance(read, str):
            lines.append(read)
        else:
            short.append(read)
            sources.append(line)
    if short:
        key = ("run", *sources)
        if key not in memo:
            memo[key] = short_run(sorted(short))
        lines.insert(0, "\t" + memo[key])
    return "\n".join(lines)


class _Bits:
    """A reader of the bits `short_run` spelled, 6 to a digit."""

    def __init__(self, digits: str):
        padded = digits.translate(_TO_B64) + "A" * (-len(digits) % 4)  # "A" is 0
        data = base64.urlsafe_b64decode(padded)
        self.bits = format(int.from_bytes(data, "big"), f"0{8 * len(data)}b")[: 6 * len(digits)]
        self.at = 0

    def read(self, count: int) -> int:
        self.at += count
        return int(self.bits[self.at - count : self.at] or "0", 2)

    def rice(self, k: int) -> int:
        end = self.bits.index("0", self.at)
        quotient, self.at = end - self.at, end + 1
        return (quotient << k) + self.read(k)

    def golomb(self) -> int:
        end = self.bits.index("1", self.at)
        zeros, self.at = end - self.at, end
        return self.read(zeros + 1) - 1


def _short_lines(run: str, bucket: int, buckets: int) -> list[str]:
    """The logical lines of a bucket's first line of short pairs (`keyed_bucket`)."""
    bits = _Bits(run)
    count, top, kq = bits.golomb() + 1, bits.read(5), bits.read(5)
    lines, quotient = [], -1
    for _ in range(count):
        quotient += bits.rice(kq) + 1
        first = []
        while True:
            first.append(DIGITS[bits.read(6)])
            if _VALUE[first[-1]] < 32:
                break
        length = bits.golomb() + 1
        k = max(0, top - length.bit_length())
        docs = "".join(varint(bits.rice(k)) for _ in range(length))
        key = pair_key(quotient, bucket, buckets)
        lines.append("\t".join([key, docs, "" if first == ["0"] else "".join(first)]))
    return lines


def spelled_bucket(text: str, bucket: int, buckets: int, memo: dict | None = None) -> str:
    """`keyed_bucket` read back, from bucket number `bucket` of `buckets`: the logical
    bucket, its lines in the order of their keys. Given a `memo` for keyed_bucket, keeps in
    it the run read, as the run of the short lines read from it: keying the bucket again
    while its short lines are these codes no run."""
    lines = text.split("\n") if text else []
    if not lines or not lines[0].startswith("\t"):
        return "\n".join(spelled_line(line, bucket, buckets) for line in lines)
    found = _short_lines(lines[0][1:], bucket, buckets)
    if memo is not None:
        memo[("run", *sorted(found, key=line_key))] = lines[0][1:]
    found += [spelled_line(line, bucket, buckets) for line in lines[1:]]
    return "\n".join(sorted(found, key=lambda line: line.split("\t", 1)[0]))


def bucket_count(size: int, target: int = BUCKET_TARGET) -> int:
    """Buckets of about `target` characters for `size` characters of lines."""
    count = 1
    while size / count > target:
        count *= 2
    return count


def line_key(line: str) -> str:
    return line.split("\t", 1)[0]


def spills_of(line: str) -> set[str]:
    """Names of the spilled lists a vocabulary line refers to."""
    fields = line.split("\t")
    wanted = [fields[1]] + fields[5::3]
    return {f[1:] for f in wanted if f.startswith("@")}


def numbered(records_by_path: dict[str, Record]) -> list[Record]:
    """The records in article-number order, as rank.collection numbers them: by day, then path."""
    return sorted(records_by_path.values(), key=lambda r: (r.day, r.article.path))


def days_file(days: list[int]) -> str:
    out, previous = [], 0
    for day in days:
        out.append(varint(day - previous))
        previous = day
    return "".join(out)


def read_days(text: str) -> list[int]:
    """days.gz read back: each article's day (`days_file`)."""
    return list(itertools.accumulate(read_varints(text)))


def fragment(record: Record, chunks: int) -> str:
    a = record.article
    data = {"t": a.title, "u": a.url, "d": a.date.isoformat(), "c": a.category, "n": chunks}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def snippet_chunks(record: Record) -> list[str]:
    a = record.article
    text = f"{a.subtitle}\n{a.text}".strip() if a.subtitle else a.text.strip()
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


def chunk_batches(chunks: int) -> list[range]:
    """The batches (chunk numbers) the chunks after the first are read in."""
    batches, start = [], 1
    for size in CHUNK_BATCHES:
        batches.append(range(start, min(start + size, chunks)))
        start += size
    batches.append(range(start, chunks))
    return [batch for batch in batches if batch]


def article_files(d: int, record: Record) -> dict[str, str]:
    """An article's result head and its snippet text chunks."""
    chunks = snippet_chunks(record)
    files = {f"f/{d}.json": fragment(record, len(chunks))}
    for k, chunk in enumerate(chunks):
        files[f"x/{d}-{k}.gz"] = chunk
    return files


def collection_files(records: list[Record], days: list[int]) -> dict[str, str]:
    """The per-article lists of the whole collection: days and 栏目."""
    categories = sorted({r.article.category for r in records})
    lanmu = "".join(DIGITS[categories.index(r.article.category)] for r in records)
    return {"days.gz": days_file(days), "lanmu.gz": lanmu}


def manifest(records: list[Record], days: list[int], state: ExportState) -> dict:
    n = len(records)
    tag_counts = Counter(t for r in records for t in r.article.tags)
    return {
        "base": state.base + "/",
        "docs": n,
        "buckets": state.buckets,
        "pinyinBuckets": state.pinyin_buckets,
        "t2sBuckets": T2S_BUCKETS,
        "boosts": [rank.BOOSTS[f] for f in SCORED_FIELDS],
        "avgfl": [(length / n if n else 0) or 1 for length in state.lengths],
        "k1": rank.K1,
        "b": rank.B,
        "phrase": rank.PHRASE,
        "recency": rank.RECENCY,
        "halfLife": rank.HALF_LIFE,
        "maxQuery": MAX_QUERY_CHARS,
        "chunk": [CHUNK, *CHUNK_BATCHES],
        "stop": "".join(sorted(STOP_TERMS)),
        "total": sum(state.frequency.values()),
        "latest": max(days, default=0),
        "categories": sorted({r.article.category for r in records}),
        # Offered when nothing matched: the most used tags.
        "suggest": [t for t, _ in tag_counts.most_common(6)],
    }


ZLIB_HEADER = b"\x78\xda"  # what level 9 writes: the text is GB18030
# The same with FLEVEL 0 (a hint no reader checks): the text is UTF-8.
UTF8_HEADER = b"\x78\x01"
# Compressed text is GB18030: it spells a Han character in 2 bytes where UTF-8 takes 3, and
# deflate keeps most of the difference (an article's text 17 % smaller). Every browser's
# TextDecoder reads it (the Encoding Standard), but GB18030-2005, -2022 and Python's codec
# disagree on these (a letter, vertical forms, a few radicals, the private use area): a
# text holding one stays UTF-8 (40 of 138,898 texts at 7,183 articles).
# tests/test_search_pack.py decodes every other character in Chromium.
GB_UNSAFE = re.compile("[\u1e3f\u9fb4-\u9fbb\ue000-\uf8ff\ufe10-\ufe19]")


# The same with FLEVEL 2: GB18030 in which the commonest characters of Chinese text
# (SHORT_CHARACTERS) are each one control byte (SHORT_BYTES: those no text holds; not tab,
# newline or carriage return). Deflate codes bytes, and a Han character's two bytes cost it
# ≈ 10 bits however common the character; one byte for each of these 28 (a fifth of a news
# text's characters) made the snippets' text 4.3 % smaller and the heads 3.4 % at 7,183
# articles, for 28 characters in the browser's code (docs/search.md, "Short characters").
SHORT_HEADER = b"\x78\x9c"
# An article's text member after its first may refer back into at most this many bytes of
# the members before it (`deflated`): deflate's window.
HISTORY_BYTES = 32768
SHORT_CHARACTERS = "，的。、一人是在了不有中为大”“行上年和时到个发生这以公"
SHORT_BYTES = bytes(b for b in range(1, 32) if b not in (9, 10, 13))
_SHORT_PAIRS = tuple(zip(SHORT_CHARACTERS, SHORT_BYTES.decode(), strict=True))
# A text that holds one of the bytes itself is stored as plain GB18030 (the content check
# refuses control characters; this keeps any other text whole).
_SHORT_UNSAFE = re.compile(f"[{re.escape(SHORT_BYTES.decode())}]")


def encoded(text: str) -> tuple[bytes, bytes]:
    """The zlib header `deflated` writes for the text, and the bytes it compresses (what the
    member inflates to): GB18030 with the short characters in a byte each, GB18030, or
    UTF-8."""
    if GB_UNSAFE.search(text):
        return UTF8_HEADER, text.encode("utf-8")
    if _SHORT_UNSAFE.search(text):
        return ZLIB_HEADER, text.encode("gb18030")
    for character, byte in _SHORT_PAIRS:  # (str.translate took five times as long)
        if character in text:
            text = text.replace(character, byte)
    return SHORT_HEADER, text.encode("gb18030")


def deflated(text: str, history: bytes = b"") -> bytes:
    """zlib's format (a 2-byte header, the deflate data, Adler-32) of the text in GB18030
    with its commonest characters in one byte each (`SHORT_HEADER`), or without them
    (`ZLIB_HEADER`) where the text holds such a byte, or in UTF-8 (`UTF8_HEADER`) where
    GB18030 cannot carry it for every browser: DecompressionStream("deflate") reads it
    wherever it reads gzip, and ignores the header's level.

    With a `history` (the bytes an article's text members before this one inflate to:
    `inflated_bytes`, at most HISTORY_BYTES), deflate data that may refer back into it, and
    the Adler-32 of the history and the text: the stream a zlib reader inflates when a
    stored block of the history is put before the data (index.js `textOf` puts one before
    every member, empty where there is no history, and cuts the history off after). An
    article's later text repeats its earlier text's names and phrases, which a member alone
    cannot refer to."""
    header, data = encoded(text)
    if not history:
        return header + zlib.compress(data, 9)[2:]
    assert len(history) <= HISTORY_BYTES, "a stored block and deflate's window hold 32 KB"
    raw = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=history)
    check = zlib.adler32(history + data).to_bytes(4, "big")
    return header + raw.compress(data) + raw.flush() + check


def inflated_bytes(data: bytes, history: bytes = b"") -> bytes:
    """What a member `deflated` wrote inflates to (before its characters are decoded)."""
    if not history:
        return zlib.decompress(data)
    raw = zlib.decompressobj(-15, zdict=history)
    text = raw.decompress(data[2:])
    if raw.unused_data != zlib.adler32(history + text).to_bytes(4, "big"):
        raise zlib.error("a text member's check does not match its history and text")
    return text


def inflated_text(data: bytes, history: bytes = b"") -> str:
    """The text `deflated` compressed (with the same `history`)."""
    header = data[:2]
    raw = inflated_bytes(data, history)
    text = raw.decode("utf-8" if header == UTF8_HEADER else "gb18030")
    if header == SHORT_HEADER:
        for character, byte in _SHORT_PAIRS:
            if byte in text:
                text = text.replace(byte, character)
    return text


def stored(name: str, text: str, buckets: int = 0) -> bytes:
    """A logical file's bytes as the cache keeps them: for .gz names the text `deflated`, as
    the packer publishes it, so the packer takes this stream as it is rather than
    compressing every item a second time (docs/search.md, "Cold build"); a vocabulary bucket
    (of `buckets`) with its pair keys run into their lists (`keyed_bucket`), as it is
    published."""
    if name.startswith("v/"):
        assert buckets, "a bucket's keys are spelled by the vocabulary's bucket count"
        text = keyed_bucket(text, buckets)
    return deflated(text) if name.endswith(".gz") else text.encode("utf-8")


def stored_text(name: str, data: bytes, buckets: int = 0) -> str:
    """A logical file's text from its `stored` bytes (a bucket's pair keys spelled out: the
    vocabulary's bucket count `buckets` says how)."""
    text = inflated_text(data) if name.endswith(".gz") else data.decode("utf-8")
    if not name.startswith("v/"):
        return text
    assert buckets, "a bucket's keys are spelled by the vocabulary's bucket count"
    return spelled_bucket(text, bucket_number(name), buckets)


def bucket_number(name: str) -> int:
    """The number of a vocabulary bucket from its name, v/<b>.gz."""
    return int(name[2:].split(".")[0])


@dataclass
class LogicalExport:
    """The logical export in memory: the manifest, each file's stored bytes by name (under
    the folder the manifest's "base" names) and the hashes of their texts."""

    manifest: dict
    files: dict[str, bytes]
    hashes: dict[str, bytes]


class StoredLater(dict):
    """A logical export's files by name, as `stored` bytes, some of them held as their
    texts until their bytes are asked for (then stored once, here). An update rewrites
    ≈ 2,300 buckets for one edited article, ≈ 2,250 of them only for a character's new
    frequency on their pair lines; the packer leaves those in the base (pack.with_firsts)
    and compares texts, so their keyed and deflated bytes (≈ 0.3 s CPU) are needed only by
    the cache saved after the index is published (`save_export`, in the detached saving)."""

    def __init__(self, files: dict[str, bytes], buckets: int):
        super().__init__(files)
        self.buckets = buckets
        self.texts: dict[str, str] = {}

    def put_text(self, name: str, text: str) -> None:
        """`name` is now `text`, stored when its bytes are first asked for."""
        super().pop(name, None)
        self.texts[name] = text

    def drop(self, name: str) -> None:
        super().pop(name, None)
        self.texts.pop(name, None)

    def text(self, name: str) -> str | None:
        """The text of a file not stored yet (None: it is stored, read its bytes)."""
        return self.texts.get(name)

    def __missing__(self, name: str) -> bytes:
        data = self[name] = stored(name, self.texts.pop(name), self.buckets)
        return data

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name) or name in self.texts

    def store_all(self) -> None:
        for name in list(self.texts):
            self[name]  # noqa: B018  # stored by __missing__


def save_export(folder: Path, logical: LogicalExport) -> None:
    """The logical export as two cache files: the manifest and every file in FILES."""
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(logical.files, StoredLater):
        logical.files.store_all()
    _dump_new(folder / FILES, dict(sorted(logical.files.items())))
    data = json.dumps(logical.manifest, ensure_ascii=False, separators=(",", ":"))
    _write_new(folder / "manifest.json", data.encode())


def load_export(folder: Path, hashes: dict[str, bytes]) -> LogicalExport:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return LogicalExport(manifest, pickle.loads((folder / FILES).read_bytes()), hashes)


def _dump_new(path: Path, value) -> None:
    """Pickle `value` into a new file, as `_write_new` writes: streamed, so the pickle (64 MB
    of files at 7,183 articles) is never held whole beside what it holds."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as sink:
        pickle.dump(value, sink, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def _write_new(path: Path, data: bytes) -> None:
    """Write a file as a new inode, never half-written."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


FINGERPRINT = "fingerprint.txt"
STATE = "state.pickle"
FILES = "files.pickle"

# Bump when the files' format changes, so a cached export is not reused.
FORMAT = 20  # 11: the manifest names its format (a page open across a deploy checks it);
# 12: a basic CJK pair's bucket by pair_mix, its key spelled as the quotient (keyed_line);
# 13: an article list out of line in bits where shorter (`long_list`); 14: the syllables'
# lines in a family of their own (s/), the inventory by initial, six characters a syllable;
# 15: a syllable's line starts with its followers (pinyin.followers_field); 16: the
# commonest characters in one byte each in compressed text (`SHORT_HEADER`); 17: postings
# in bits (`postings`, `LENGTH_CODES`); 18: the empty fields before a term's first left out;
# 19: a term's frequency left to the reader where its postings say it (`encode_line`);
# 20: the body's length bytes coded around 113 (k = 5), not 143 (k = 6)
# Bump when the cached files' form changes but not what is published (FORMAT): a cache kept
# by older code is then written anew, never updated. 2: buckets stored keyed (`stored`);
# 3: .gz files stored as the packer publishes them (`deflated`: zlib, GB18030), not gzip;
# 4: a bucket's short pair lines run together (`keyed_bucket`); 5: the state's pairs by
# first character as strings, not sets (`ExportState.pairs_by_first`); 6: a bucket's short
# pairs' run in bits (`short_run`); 7: compressed text with short characters (`deflated`).
CACHE_FORM = 7


def settings_fingerprint() -> str:
    """What every file of the export depends on besides the records: the format and the
    ranking constants."""
    h = hashlib.sha1(f"{FORMAT} {CACHE_FORM} {rank.K1} {rank.B} {rank.BOOSTS}".encode())
    h.update(f"{CHUNK} {CHUNK_BATCHES}".encode())  # the text's files, and the manifest
    h.update(f"{rank.PHRASE}".encode())
    h.update(f"{rank.RECENCY} {rank.HALF_LIFE} {MAX_QUERY_CHARS} {sorted(STOP_TERMS)}".encode())
    limits = (pinyin.MAX_WORD, pinyin.MIN_FREQUENCY, pinyin.RARE_WORD, pinyin.KEY_WORDS)
    h.update(f"{limits} {pinyin.KEY_CHARACTERS} {pinyin.INITIAL_WORDS} {forgive.LIMITS}".encode())
    h.update(f"pypinyin {pypinyin.__version__}".encode())  # the state keeps its readings
    return h.hexdigest()


def words_fingerprint(words: dict[str, int]) -> str:
    """The dictionary the records were cut with: the same text may be cut otherwise."""
    return hashlib.sha1(json.dumps(words, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def article_stamp(record: Record) -> tuple:
    """What an article's files depend on: its cut (by content hash), its date and URL."""
    return (record.hash, record.article.date, record.article.url)


def fingerprint(records_by_path: dict[str, Record], words: dict[str, int]) -> str:
    """What the export depends on: the settings above and every article's stamp."""
    h = hashlib.sha1((settings_fingerprint() + words_fingerprint(words)).encode())
    for path in sorted(records_by_path):
        h.update(f"{path}\0{article_stamp(records_by_path[path])}\0".encode())
    return h.hexdigest()


@dataclass
class ExportState:
    """What an incremental update needs of the export it changes (kept beside it)."""

    settings: str
    words: str
    base: str
    paths: list[str]
    stamps: dict[str, tuple]
    frequency: Counter
    lengths: list[int]
    hashes: dict[str, bytes]
    buckets: int
    bucket_sizes: list[int]
    # Spilled lists named in each bucket, and the two-character keys by first character
    # (a changed character frequency changes every pair line starting with it), as the
    # string of their second characters, sorted: 655,261 pairs at 7,183 articles pickled
    # as sets took 0.15 s to load and 0.21 s to dump every rebuild, as strings 0.005 s.
    bucket_spills: dict[int, set[str]]
    pairs_by_first: dict[str, str]
    chunks: list[int]
    # The pinyin layer (export/pinyin_layer.py): its bucket counts and characters of lines,
    # each word's syllables (pypinyin is slow enough to keep what it said: an update reads
    # only the new words) and each character's readings by count, from which an update
    # patches the lines of the words it changes.
    # y/ (words by syllables, by initials), r/ (characters' readings), s/ (syllables)
    pinyin_buckets: tuple[int, ...]
    pinyin_sizes: tuple[int, ...]
    pinyin: dict[str, tuple[str, ...] | None]
    pinyin_readings: dict[str, Counter]


def save_state(folder: Path, state: ExportState) -> None:
    _dump_new(folder / STATE, {"format": FORMAT, "fields": _state_fields(), "state": state})


def _state_fields() -> list[str]:
    return [f.name for f in dataclasses.fields(ExportState)]


def load_state(folder: Path) -> ExportState | None:
    """The saved state, or None when it is missing, damaged or written by other code (a
    cache restored in CI may come from an older commit): then the export is written whole."""
    try:
        saved = pickle.loads((folder / STATE).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ImportError):
        return None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        return None
    if saved.get("fields") != _state_fields() or not isinstance(saved.get("state"), ExportState):
        return None
    return saved["state"]
