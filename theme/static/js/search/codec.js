// The exported index's file formats, decoded (kuaixun/core/search/export.py writes them):
// base-64 varints, article lists, postings, days, vocabulary buckets and their names.
// Pure functions, no DOM, no network.

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
export const DIGIT_VALUE = Object.fromEntries([...DIGITS].map((c, i) => [c, i]));

/**
 * Text that is not what its format says: a file replaced or garbled on its way (a host, a
 * proxy, a cache holding another version's bytes at the same place). The decoders stop on
 * it rather than read on past the end: a varint or a bit code that never ends looped for
 * ever there, and the reader's tab hung with 正在搜索… (2026-12-04).
 */
export const GARBLED = "index data garbled";

const garbled = () => {
  throw new Error(GARBLED);
};

/** A base-64 varint reader over an encoded string (5 bits a character, the sixth: more). */
function reader(text) {
  let at = 0;
  return {
    more: () => at < text.length,
    next() {
      let value = 0;
      let shift = 1;
      for (;;) {
        const digit = DIGIT_VALUE[text[at++]] ?? garbled();
        value += (digit & 31) * shift;
        if (digit < 32) return value;
        shift *= 32;
      }
    },
  };
}

/**
 * A reader of bits spelled 6 to a digit, from bit `at`: n bits, a Rice code of parameter k,
 * an Exp-Golomb code of order 0 (export/codec.py short_run, long_list).
 */
function bitReader(text, at) {
  const bit = () => ((DIGIT_VALUE[text[(at / 6) | 0]] ?? garbled()) >> (5 - (at++ % 6))) & 1;
  const read = (n) => {
    let v = 0;
    while (n-- > 0) v = v * 2 + bit();
    return v;
  };
  return {
    read,
    rice(k) {
      let q = 0;
      while (bit()) q++;
      return q * 2 ** k + read(k);
    },
    golomb() {
      let z = 0;
      while (!bit()) z++;
      return 2 ** z + read(z) - 1;
    },
  };
}

/**
 * An article list: gaps between article numbers, a bitmap after "*", or after "!" their
 * count − 1 (Exp-Golomb), a Rice parameter (5 bits) and the gaps' Rice codes.
 */
export function decodeDocs(text) {
  const docs = [];
  let previous = -1;
  if (text[0] === "!") {
    const bits = bitReader(text, 6);
    let n = bits.golomb() + 1;
    const k = bits.read(5);
    while (n--) docs.push((previous += bits.rice(k) + 1));
    return docs;
  }
  if (text.startsWith("*")) {
    for (let c = 1; c < text.length; c++) {
      const bits = DIGIT_VALUE[text[c]];
      for (let k = 0; k < 6; k++) if (bits & (1 << k)) docs.push((c - 1) * 6 + k);
    }
    return docs;
  }
  const r = reader(text);
  while (r.more()) docs.push((previous += r.next() + 1));
  return docs;
}

// Whoosh stores a field length as one byte; this is its table (whoosh.util.numeric).
export const WHOOSH_LENGTHS = Array.from({ length: 256 }, (_, n) =>
  Math.round((1.033 ** n - 1) * 27),
);

// export/codec.py LENGTH_CODES: per scored field, the usual length byte and the Rice
// parameter of a posting's difference from it.
export const LENGTH_CODES = [
  [14, 2],
  [8, 0],
  [113, 5],
];

/**
 * Postings of one term: per scored field, [article, term frequency, field length] triples,
 * in bits spelled 6 to a digit, the empty fields before the first that is not left out. A
 * field with a "." names its articles by their places in `pairDocs`, the article list of
 * the term's first two characters (nothing before the ".": all of them), then gives the
 * values alone; any other gives the count − 1, a Rice parameter and each article's gap
 * before its values (export/codec.py `postings`). A posting's values: the zigzag of its
 * length byte's difference from the field's usual one (Rice, LENGTH_CODES), then tf − 1
 * (Exp-Golomb).
 */
export function decodePostings(text, pairDocs = []) {
  const parts = text.split("|");
  while (parts.length < LENGTH_CODES.length) parts.unshift(""); // the empty first fields
  return parts.map((part, field) => {
    if (!part) return [];
    const dot = part.indexOf(".");
    const bits = bitReader(dot < 0 ? part : part.slice(dot + 1), 0);
    const [centre, k] = LENGTH_CODES[field] ?? garbled();
    const entry = (doc) => {
      const zigzag = bits.rice(k);
      const tf = bits.golomb() + 1;
      const lengthByte = centre + (zigzag % 2 ? -(zigzag + 1) / 2 : zigzag / 2);
      return [doc, tf, WHOOSH_LENGTHS[lengthByte] ?? garbled()];
    };
    if (dot >= 0) {
      const articles =
        dot === 0 ? pairDocs : decodeDocs(part.slice(0, dot)).map((k) => pairDocs[k]);
      return articles.map(entry);
    }
    const entries = [];
    let previous = -1;
    for (let n = bits.golomb() + 1, kGap = bits.read(5); n > 0; n--) {
      entries.push(entry((previous += bits.rice(kGap) + 1)));
    }
    return entries;
  });
}

/** days.gz: each article's day (days since 1970-01-01), delta-coded in article order. */
export function decodeDays(text) {
  const days = [];
  const r = reader(text);
  let day = 0;
  while (r.more()) days.push((day += r.next()));
  return days;
}

/** lanmu.gz: each article's 栏目, one digit per article indexing the manifest's list. */
export function decodeLanmu(text, categories) {
  return [...text].map((c) => categories[DIGIT_VALUE[c]]);
}

/** 32-bit FNV-1a over code points: the bucket of a vocabulary key (as export.py). */
export function bucketOf(key, buckets) {
  let h = 0x811c9dc5;
  for (const ch of key) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
  return h % buckets;
}

/** A list's tag in a whole bucket's slot, 3 digits (export/pack.py list_tag): of a pair's
 * article list (suffix null) or of the postings of the pair's term with `suffix`. */
export function listTag(pair, suffix) {
  const v = bucketOf(suffix === null ? pair : `${pair + suffix}\n`, 2 ** 32) >>> 14;
  return DIGITS[v >> 12] + DIGITS[(v >> 6) & 63] + DIGITS[v & 63];
}

/** A pair of two basic CJK characters as a number below 2 ** 29, or -1. */
function pairValue(key) {
  const high = key.charCodeAt(0) - 0x4e00;
  const low = key.charCodeAt(1) - 0x4e00;
  return key.length === 2 && high >= 0 && high < 0x5200 && low >= 0 && low < 0x5200
    ? high * 0x5200 + low
    : -1;
}

/**
 * A pair's value mixed (multiplied by odd numbers, xor-shifted by 15 bits, modulo 2 ** 29),
 * or mixed back with the inverse multipliers (export/codec.py pair_mix, pair_unmix).
 */
function pairMix(value, back) {
  for (const c of back ? [0x16ed309b, 0x0c2bfe9d] : [0x2c9277b5, 0x1b873593]) {
    if (back) value ^= value >>> 15;
    value = Math.imul(value, c) & 0x1fffffff;
    if (!back) value ^= value >>> 15;
  }
  return value;
}

/** The vocabulary bucket of a key: a basic CJK pair's by its value mixed (codec.bucket_of). */
export function vocabularyBucket(key, buckets) {
  const value = pairValue(key);
  return value < 0 ? bucketOf(key, buckets) : pairMix(value) % buckets;
}

/**
 * One vocabulary bucket file → Map key → {docs, first, terms}: the articles holding the key,
 * the frequency of a pair's first character as a term, and terms by suffix → {frequency,
 * postings} (a frequency the line leaves out: its postings' tf added up). `firsts` (the
 * entry's, when any): characters whose frequency changed since the base the bucket may
 * come from was written, with their frequency now (export/pack.py); it stands for what a
 * pair line says. (A character's own line says nothing there, and its term says the same
 * frequency.) A first line that starts with a tab holds the bucket's short pair lines run
 * together (`shortLines`).
 */
export function parseBucket(text, firsts, bucket, buckets) {
  const entries = new Map();
  const lines = text.split("\n");
  if (lines[0].startsWith("\t")) lines.splice(0, 1, ...shortLines(lines[0], bucket, buckets));
  for (const line of lines) {
    if (!line) continue;
    const [key, docs, first, ...rest] = Array.isArray(line)
      ? line
      : spelledFields(line, bucket, buckets);
    const terms = new Map();
    for (let i = 0; i + 2 < rest.length; i += 3) {
      // A term's frequency left out is the sum of its postings' tf (export/codec.py added).
      const [suffix, told, postings] = rest.slice(i, i + 3);
      const pairDocs = () => ([...key].length === 2 && docs ? decodeDocs(docs) : []);
      const added = () =>
        decodePostings(postings, pairDocs()).reduce(
          (sum, field) => field.reduce((s, [, tf]) => s + tf, sum),
          0,
        );
      terms.set(suffix, { frequency: told ? reader(told).next() : added(), postings });
    }
    const now = firsts?.[[...key][0]];
    entries.set(key, { docs, first: now ?? (first ? reader(first).next() : 0), terms });
  }
  return entries;
}

/**
 * A vocabulary line's fields, its key spelled out. A pair of two basic CJK characters is
 * published as the quotient of its value mixed by the bucket count (at least 3 digits) run
 * into the first character's frequency (a varint, 0 for none) and the pair's article list;
 * its bucket `bucket` of `buckets` gives the rest. A key spelled out is one or two
 * characters, at most four UTF-16 units (export/codec.py keyed_line).
 */
export function spelledFields(line, bucket, buckets) {
  const fields = line.split("\t");
  const head = fields[0];
  if (head.length < 5) return fields;
  const width = Math.max(3, Math.ceil((29 - Math.log2(buckets)) / 6));
  let value = 0;
  let end = width;
  for (let k = 0; k < width; k++) value = value * 64 + DIGIT_VALUE[head[k]];
  while (DIGIT_VALUE[head[end++]] > 31);
  const first = head.slice(width, end);
  const key = pairKey(value, bucket, buckets);
  return [key, head.slice(end), first === "0" ? "" : first, ...fields.slice(1)];
}

/** The pair whose value mixed has this quotient by `buckets` and remainder `bucket`. */
function pairKey(quotient, bucket, buckets) {
  const value = pairMix(quotient * buckets + bucket, true);
  return String.fromCharCode(0x4e00 + Math.floor(value / 0x5200), 0x4e00 + (value % 0x5200));
}

/**
 * A bucket's first line of short pairs, after its tab, as the fields of their lines: bits
 * spelled 6 to a digit, the pairs' count − 1 (Exp-Golomb), the bit length of their lists'
 * largest article and the quotients' Rice parameter (5 bits each); per pair, by quotient,
 * the quotient's gap (Rice), the frequency's varint digits (0: none), the list's length − 1
 * (Exp-Golomb) and its gaps (Rice) (export/codec.py short_run).
 */
function shortLines(line, bucket, buckets) {
  const { read, rice, golomb } = bitReader(line, 6);
  const varint = (n) => {
    let s = "";
    for (; n > 31; n = Math.floor(n / 32)) s += DIGITS[32 + (n % 32)];
    return s + DIGITS[n];
  };
  const found = [];
  let count = golomb() + 1;
  const top = read(5);
  const kq = read(5);
  let quotient = -1;
  while (count--) {
    quotient += rice(kq) + 1;
    let first = "";
    let d;
    do first += DIGITS[(d = read(6))];
    while (d > 31);
    let n = golomb() + 1;
    const k = Math.max(0, top - n.toString(2).length);
    let docs = "";
    while (n--) docs += varint(rice(k));
    found.push([pairKey(quotient, bucket, buckets), docs, first === "0" ? "" : first]);
  }
  return found;
}

/** The vocabulary the loaded buckets know: term → frequency, for cutting the query. */
export function termFrequencies(entries) {
  const frequency = new Map();
  for (const [key, entry] of entries) {
    if (entry.first) frequency.set([...key][0], entry.first);
    for (const [suffix, term] of entry.terms) frequency.set(key + suffix, term.frequency);
  }
  return frequency;
}

/** A term's line in its bucket: the key is its first two characters, the rest the suffix. */
export function entryOfTerm(entries, term) {
  const chars = [...term];
  return entries.get(chars.slice(0, 2).join(""))?.terms.get(chars.slice(2).join(""));
}

/** t/<k>.gz: traditional → simplified pairs, two characters each, into the map t2s. */
export function addT2sPairs(t2s, pairs) {
  const chars = [...pairs];
  for (let i = 0; i + 1 < chars.length; i += 2) t2s.set(chars[i], chars[i + 1]);
}

/** A blob's reference, "@" + varints: file (0 the overlay, k + 1 the base's pack k),
 * offset, length (export/pack.py). */
export function decodeRef(code) {
  const r = reader(code.slice(1));
  return { file: r.next(), offset: r.next(), length: r.next() };
}

/** The overridden items of one array: item number → its position in the overlay. */
export function decodeOverridden(gaps) {
  const positions = new Map();
  const r = reader(gaps);
  let previous = -1;
  while (r.more()) positions.set((previous += r.next() + 1), positions.size);
  return positions;
}

/** The window item `i` of an array is read from: in the overlay when overridden, else
 * computed (export/pack.py: cells of `cell` bytes, windows of `window`). */
export function slotOf([cell, count, first, start, , window, perFile], positions, i) {
  if (!(i < count)) return null;
  const position = positions.get(i);
  if (position !== undefined) return { file: 0, offset: start + position * cell, length: window };
  const file = first + Math.floor(i / perFile) + 1;
  return { file, offset: (i % perFile) * cell, length: window };
}

/** A window's item: every cell opens with a pointer to where the item starts among the
 * cells' other bytes; there, its length, then its text, gzip member or "@" and a reference.
 * A pointer and a length take one byte in a window of at most 256 bytes, else two
 * (export/pack.py `width`). */
export function slotPayload(bytes, cell) {
  const w = bytes.length > 256 ? 2 : 1;
  const number = (b, at) => (((w - 1) * b[at]) << 8) | b[at + w - 1];
  const data = new Uint8Array(bytes.length);
  let n = 0;
  for (let at = 0; at < bytes.length; at += cell) {
    const part = bytes.subarray(at + w, at + cell);
    data.set(part, n);
    n += part.length;
  }
  const start = number(bytes, 0);
  const payload = data.subarray(start + w, start + w + number(data, start));
  return payload[0] === 0x40 ? new TextDecoder().decode(payload) : payload;
}


// export/codec.py SHORT_CHARACTERS: in text compressed under 78 9C, a control byte stands
// for the character at its place here (SHORT_BYTES: not tab, newline or carriage return,
// whose places hold a space).
const SHORT = " ，的。、一人是在  了不 有中为大”“行上年和时到个发生这以公";

/** Compressed text's short characters spelled out (export/codec.py `inflated_text`). */
export const unshort = (text) =>
  text.replace(/[\x01-\x08\v\f\x0e-\x1f]/g, (c) => SHORT[c.charCodeAt(0)]);

/** An item stored as text (export/codec.py `dense`): UTF-8, where a byte 0x80 + (n − 1) at
 * a character's start opens a run of n base-64 digits packed 6 bits each. */
export function readDense(bytes) {
  let out = "";
  let plain = 0;
  let at = 0;
  const flush = (end) => {
    if (end > plain) out += new TextDecoder().decode(bytes.subarray(plain, end));
  };
  while (at < bytes.length) {
    const b = bytes[at];
    if (b < 0x80 || b >= 0xc0) {
      at += b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      continue;
    }
    flush(at);
    const count = b - 0x7f;
    let bits = 0;
    let value = 0;
    let read = at + 1;
    for (let k = 0; k < count; k++) {
      while (bits < 6) {
        value = ((value << 8) | bytes[read++]) & 0xffff;
        bits += 8;
      }
      bits -= 6;
      out += DIGITS[(value >> bits) & 63];
    }
    at = plain = at + 1 + Math.ceil((6 * count) / 8);
  }
  flush(at);
  return out;
}
