// Loading the index: the manifest (the entry), then only the vocabulary buckets, postings
// and fragments a query needs, each read once by its byte range in a pack and kept
// (export/pack.py lays them out). What is in them is decoded by codec.js and ranked by
// core.js; the network is `fetchBytes`, which the node runner (tests/js/run_queries.mjs)
// replaces with reading the packs from disk.
import {
  addT2sPairs,
  bucketOf,
  compression,
  decodeDays,
  decodeDocs,
  decodeLanmu,
  decodeOverridden,
  decodePostings,
  decodeRef,
  entryOfTerm,
  parseBucket,
  readDense,
  slotOf,
  slotPayload,
  termFrequencies,
} from "./codec.js";
import {
  charactersWithoutPair,
  holdsQuery,
  neededKeys,
  normalize,
  parse,
  queryRuns,
  runGrams,
  score,
  unknownCharacters,
} from "./core.js";
import { merge, parseLines, reading, suggest } from "./pinyin.js";

/** How long one file may take before the search gives up on it (a hung request). */
export const FETCH_TIMEOUT_MS = 12000;
/** How old the entry may be before a search looks at it again (a deploy may have come). */
export const RECHECK_MS = 60000;

/**
 * The index at `base` (the URL of the search folder, ending in "/"). `fetchBytes(url,
 * {fresh, range, name})` returns a promise of the bytes of `url` (of `range`, [first,
 * last], when given; `name` is the logical item, for the runner's count); every range is
 * fetched once, and one that failed is fetched again when asked for again (a retry).
 */
export function createIndex(base, fetchBytes = defaultFetch) {
  let ix = stateOf(base, fetchBytes);
  let checked = Date.now();
  /**
   * Reads manifest.json again past every cache. True when a deploy replaced the index (the
   * entry names another base or overlay, or none had arrived): the index then starts over
   * from the new entry. A search still running keeps the old.
   */
  async function renew() {
    checked = Date.now();
    const next = stateOf(base, fetchBytes);
    const m = await manifestOf(next, true);
    if (ix.manifest?.base === m.base) return false;
    ix = next;
    return true;
  }
  return {
    manifest: () => manifestOf(ix),
    /**
     * A page open for a while looks at the entry again first (at most every RECHECK_MS): a
     * deploy's base usually stays, so the old entry would still answer, from the old index.
     */
    async search(text) {
      if (ix.manifest && Date.now() - checked > RECHECK_MS) await renew().catch(() => false);
      return forgivingSearch(ix, text);
    },
    /** The site's words whose initials were typed (pcq → 平城区), for the suggestion list. */
    suggest: async (text) => {
      const m = await manifestOf(ix);
      return suggest(queryRuns(normalize(text, ix.t2s), m.maxQuery), pinyinTools(ix, m));
    },
    /** Each article's 栏目 name, fetched only when a reader filters by 栏目. */
    lanmu: () => lanmu(ix),
    /** A result's head: title (t), URL (u), date (d), 栏目 (c), number of text chunks (n). */
    article: (doc) => article(ix, doc),
    /** Enough of a result's text for its snippet, chunk after chunk (see holdsQuery). */
    text: (doc, query, whole, t2s) => snippetText(ix, doc, query, whole, t2s),
    /** After a failure: see renew above. */
    renew,
  };
}

function stateOf(base, fetchBytes) {
  const files = new Map();
  return {
    load(path, { fresh = false, range, name = path } = {}) {
      const key = range ? `${path}#${range}` : path;
      if (!files.has(key)) {
        const loading = fetchBytes(base + path, { fresh, range, name });
        files.set(key, loading);
        loading.catch(() => files.get(key) === loading && files.delete(key));
      }
      return files.get(key);
    },
    manifest: null,
    overridden: new Map(), // array letter → its overridden items' overlay positions
    days: null,
    entries: new Map(), // vocabulary key → its line, from every bucket loaded so far
    t2s: new Map(), // traditional → simplified pairs learnt so far
  };
}

async function manifestOf(ix, fresh = false) {
  if (!ix.manifest) {
    const bytes = await ix.load("manifest.json", { fresh });
    ix.manifest = JSON.parse(new TextDecoder().decode(bytes));
  }
  return ix.manifest;
}

/** The bytes of a reference: in the overlay (file 0) or one of the base's packs. */
function range(ix, m, { file, offset, length }, name) {
  const [base, overlay] = m.base.split("/");
  const path = file === 0 ? `o/${overlay}.bin` : `${base}/${file - 1}.bin`;
  return ix.load(path, { range: [offset, offset + length - 1], name });
}

/** A blob's text: "@" + its reference (a spilled list, a bucket too big for its slot). */
const blob = async (ix, m, code, name = code) =>
  textOf(await range(ix, m, decodeRef(code), name));

/**
 * An item of the export by its logical name (export/codec.py): `v/<b>.gz`, `f/<d>.json`,
 * `t/<k>.gz` sit in slots of fixed size, days.gz and lanmu.gz where the entry says.
 */
async function inside(ix, m, name) {
  const item = m.pack.items[name];
  if (item) {
    const [file, offset, length] = item;
    return textOf(await range(ix, m, { file, offset, length }, name));
  }
  const [letter, number] = name.split(/[/.]/);
  const array = m.pack.arrays[letter];
  if (!ix.overridden.has(letter)) ix.overridden.set(letter, decodeOverridden(array[4]));
  const slot = slotOf(array, ix.overridden.get(letter), Number(number));
  if (!slot) return "";
  const payload = slotPayload(await range(ix, m, slot, name), array[0]);
  if (typeof payload === "string") return blob(ix, m, payload, name);
  return payload.length ? textOf(payload) : "";
}

/** A long list sits out of line: "@" + its reference. */
const resolve = (ix, m, text) => (text.startsWith("@") ? blob(ix, m, text) : text);

/** The query as cut, every hit best first, and what the view needs to show them. */
async function search(ix, text) {
  const m = await manifestOf(ix);
  const hasKey = (k) => ix.entries.has(k);
  const { t2s } = ix;
  const answer = (query, hits) => ({ query, hits, days: ix.days, manifest: m, hasKey, t2s });
  if (!queryRuns(normalize(text, ix.t2s), m.maxQuery).length) {
    return answer({ runs: [], parts: [], partRuns: [] }, []);
  }
  const daysPromise = ix.days ?? inside(ix, m, "days.gz").then(decodeDays);
  const normalized = await loadQuery(ix, m, text);
  const query = parse(normalized, termFrequencies(ix.entries), m.total, m.maxQuery, m.stop);
  const lists = await loadLists(ix, m, query);
  ix.days = await daysPromise;
  return answer(query, score(query, lists, ix.days, m));
}

async function loadKeys(ix, m, keys) {
  const wanted = [...new Set(keys.map((k) => bucketOf(k, m.buckets)))];
  const texts = await Promise.all(wanted.map((b) => inside(ix, m, `v/${b}.gz`)));
  for (const text of texts) for (const [k, v] of parseBucket(text)) ix.entries.set(k, v);
}

/**
 * The buckets the query needs to be cut: its keys, then the characters no known pair
 * starts with. A character no article holds may be a traditional one: fetch its t2s
 * pairs, fold the query again and load what the folded query needs. Returns the query,
 * normalised.
 */
async function loadQuery(ix, m, text) {
  const loadRuns = async (runs) => {
    await loadKeys(ix, m, neededKeys(runs));
    await loadKeys(ix, m, charactersWithoutPair(runs, (k) => ix.entries.has(k)));
  };
  let normalized = normalize(text, ix.t2s);
  await loadRuns(queryRuns(normalized, m.maxQuery));
  if (await foldUnknown(ix, m, queryRuns(normalized, m.maxQuery))) {
    normalized = normalize(text, ix.t2s);
    await loadRuns(queryRuns(normalized, m.maxQuery));
  }
  return normalized;
}

/** Fetches the t2s pairs of the characters no article holds; true when one of them folds. */
async function foldUnknown(ix, m, runs) {
  const unknown = unknownCharacters(runs, (k) => ix.entries.has(k)).filter(
    (ch) => !ix.t2s.has(ch),
  );
  const shards = [...new Set(unknown.map((ch) => ch.codePointAt(0) % m.t2sBuckets))];
  const loaded = await Promise.all(shards.map((k) => inside(ix, m, `t/${k}.gz`)));
  for (const pairs of loaded) addT2sPairs(ix.t2s, pairs);
  return unknown.some((ch) => ix.t2s.has(ch));
}

/** The postings of the query's parts and the article lists of its grams, for `score`. */
async function loadLists(ix, m, query) {
  // A one-character term's postings sit in its own key's bucket: fetch those chosen,
  // while the other terms' postings and the pairs' lists are already on their way.
  const singles = query.parts.filter((t) => [...t].length === 1 && !ix.entries.has(t));
  const singlesLoaded = loadKeys(ix, m, singles);
  const postings = new Map();
  const docs = new Map();
  // A term's postings name their articles by their places in its first pair's list, which
  // the query's grams fetch anyway (every term of two or more characters starts with one).
  const pending = new Map();
  const docsOf = (key) => {
    if (!pending.has(key)) {
      const entry = ix.entries.get(key);
      const text = entry?.docs ? Promise.resolve(resolve(ix, m, entry.docs)) : null;
      pending.set(key, text ? text.then(decodeDocs) : []);
    }
    return pending.get(key);
  };
  await Promise.all([
    singlesLoaded,
    ...query.parts.map(async (term) => {
      if (singles.includes(term)) await singlesLoaded;
      const entry = entryOfTerm(ix.entries, term);
      if (!entry) return;
      const chars = [...term];
      const [text, pairDocs] = await Promise.all([
        resolve(ix, m, entry.postings),
        chars.length > 1 ? docsOf(chars[0] + chars[1]) : [],
      ]);
      postings.set(term, decodePostings(text, pairDocs));
    }),
    ...query.runs.flatMap(runGrams).map(async (gram) => docs.set(gram, await docsOf(gram))),
  ]);
  return { postings: (t) => postings.get(t) ?? null, docs: (g) => docs.get(g) ?? [] };
}

// ------------------------------------------------------------ the pinyin layer (pinyin.js)

/**
 * The search a reader gets: the query as typed and, when no article holds it as typed, as
 * pinyin.js reads it again (`reading`: its text and query, for 您是不是要找), hits merged.
 */
async function forgivingSearch(ix, text) {
  const m = await manifestOf(ix);
  const tools = pinyinTools(ix, m);
  const runs = queryRuns(normalize(text, ix.t2s), m.maxQuery);
  // Letters are found as typed only as words of the site: at scale every pair of letters
  // occurs somewhere (rank.py's found_as_typed alike). Letters the site has as no word are
  // read as pinyin first, and searched as typed only when they read as nothing: what they
  // match as typed is pairs of letters met by chance, so that search would be thrown away.
  const latin = runs.length > 0 && runs.every((r) => /^[a-z]+$/.test(r));
  if (latin) {
    await loadKeys(ix, m, runs.map((r) => r.slice(0, 2)));
    if (!runs.every((r) => entryOfTerm(ix.entries, r))) {
      const read = await reading(runs, false, tools);
      if (!read) return search(ix, text);
      const second = await search(ix, read);
      const query = parse(normalize(text, ix.t2s), new Map(), m.total, m.maxQuery, m.stop);
      return { ...second, query, reading: { text: read, query: second.query } };
    }
  }
  const first = await search(ix, text);
  const asTyped = first.hits.some((h) => h.whole);
  const read = await reading(first.query.runs, asTyped, tools);
  if (!read) return first;
  const second = await search(ix, read);
  const hits = merge(latin ? [] : first.hits, second.hits);
  return { ...first, hits, reading: { text: read, query: second.query } };
}

/** What pinyin.js needs of the index: y lines by key, whether some article holds a run. */
function pinyinTools(ix, m) {
  return {
    limits: m.forgive,
    async lines(keys) {
      // The short lines (a character's readings, a syllable's characters) sit apart, in
      // r/ (export/codec.py pinyin_files).
      const fileOf = (k) => {
        const short = !k.includes(" ") && !k.startsWith("=");
        return `${short ? "r" : "y"}/${bucketOf(k, m.pinyinBuckets[short ? 1 : 0])}.gz`;
      };
      const files = [...new Set(keys.map(fileOf))];
      const loaded = new Map();
      for (const text of await Promise.all(files.map((name) => inside(ix, m, name)))) {
        for (const [k, v] of parseLines(text)) if (keys.includes(k)) loaded.set(k, v);
      }
      return loaded;
    },
    async verbatim(run) {
      await loadKeys(ix, m, neededKeys([run]));
      // A pair no article holds decides alone: the other pairs' lists are not fetched.
      if (!runGrams(run).every((g) => ix.entries.get(g)?.docs)) return false;
      const docs = async (g) => {
        const entry = ix.entries.get(g);
        return new Set(entry?.docs ? decodeDocs(await resolve(ix, m, entry.docs)) : []);
      };
      const lists = await Promise.all(runGrams(run).map(docs));
      return [...lists[0]].some((d) => lists.every((list) => list.has(d)));
    },
  };
}

async function lanmu(ix) {
  const m = await manifestOf(ix);
  return decodeLanmu(await inside(ix, m, "lanmu.gz"), m.categories);
}

async function article(ix, doc) {
  const m = await manifestOf(ix);
  return JSON.parse(await inside(ix, m, `f/${doc}.json`));
}

async function snippetText(ix, doc, query, whole = false, t2s = new Map()) {
  const m = await manifestOf(ix);
  const head = await article(ix, doc);
  const enough = holdsQuery(query, whole, t2s);
  // The first chunk came with the head; the others follow it in one run (export/pack.py),
  // m.chunk[1] chunks, then twice as many, … each batch one member read in one range: a
  // match deep in a long article costs a few round trips, not one per chunk. The text is
  // the same as chunk by chunk: it stops at the chunk that holds the query.
  const [file, first, ...lengths] = head.x;
  const [size, firstBatch] = m.chunk;
  let loaded = head.s;
  let offset = first;
  let k = 1;
  for (let batch = firstBatch, b = 0; k < head.n && !(enough(loaded) || enough(head.t)); b++) {
    const last = Math.min(k + batch, head.n) - 1;
    const name = `x/${doc}-${k}${last > k ? `…${last}` : ""}.gz`;
    const bytes = await range(ix, m, { file, offset, length: lengths[b] }, name);
    const chars = [...(await textOf(bytes))];
    for (let at = 0; at < chars.length && !enough(loaded); at += size) {
      loaded += chars.slice(at, at + size).join("");
    }
    offset += lengths[b];
    k += batch;
    batch *= 2;
  }
  return loaded;
}

/**
 * The browser's fetch, given up after FETCH_TIMEOUT_MS; `fresh` goes past the HTTP cache
 * (the manifest after a failure: a deploy may have replaced it). A `range` is asked for
 * with a Range header; a server that ignores it sends the whole file, which is cut here.
 * A range that comes back short (a truncated or replaced file) is a failure.
 */
async function defaultFetch(url, { fresh = false, range } = {}) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
  try {
    const headers = range ? { Range: `bytes=${range[0]}-${range[1]}` } : {};
    const options = { signal: abort.signal, cache: fresh ? "reload" : "default", headers };
    const response = await fetch(url, options);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    let bytes = new Uint8Array(await response.arrayBuffer());
    if (range && response.status !== 206) bytes = bytes.subarray(range[0], range[1] + 1);
    if (range && bytes.length !== range[1] - range[0] + 1) throw new Error(`${url}: short`);
    return bytes;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A file's text: items are stored zlib- or gzip-compressed, or as plain text where that is
 * shorter (compression(), codec.js). Browsers without DecompressionStream (Safari before
 * 16.4, Firefox before 113) load a small inflate library, then and only then;
 * docs/browsers.md says which and why.
 */
export async function textOf(bytes) {
  const format = compression(bytes);
  if (!format) return readDense(bytes);
  if (typeof DecompressionStream !== "function") {
    const { gunzipSync, unzlibSync } = await import("../vendor/fflate.js");
    return new TextDecoder().decode((format === "gzip" ? gunzipSync : unzlibSync)(bytes));
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format));
  return new Response(stream).text();
}
