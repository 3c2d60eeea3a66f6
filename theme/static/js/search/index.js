// Loading the index: the manifest (the entry, which the page usually holds), then only the vocabulary buckets, postings
// and fragments a query needs, each read once by its byte range in a pack and kept
// (export/pack.py lays them out). What is in them is decoded by codec.js and ranked by
// core.js; the network is `fetchBytes`, which the node runner (tests/js/run_queries.mjs)
// replaces with reading the packs from disk.
import {
  addT2sPairs,
  bucketOf,
  listTag,
  vocabularyBucket,
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
  unshort,
} from "./codec.js";
import {
  charactersWithoutPair,
  HAN_ONLY,
  holdsQuery,
  neededKeys,
  normalize,
  parse,
  queryRuns,
  runGrams,
  score,
  unknownCharacters,
  withoutCutWord,
} from "./core.js";

/**
 * The formats this code reads: the export's (codec.FORMAT) and the pack's (PACK_FORMAT), as
 * the entry's pack names them; tests/test_search_resilience.py holds them equal to the Python. A page open across a
 * deploy that changed either keeps its old code, which would misread the new files: a
 * search then fails with OUTDATED, and the page offers to load itself again.
 */
const FORMAT = "20 24";
export const OUTDATED = new Error("outdated");

/** How long one file may take before the search gives up on it (a hung request). */
export const FETCH_TIMEOUT_MS = 12000;
/** How old the entry may be before a search looks at it again (a deploy may have come). */
export const RECHECK_MS = 60000;

/**
 * The index at `base` (the URL of the search folder, ending in "/"). `fetchBytes(url,
 * {fresh, ranges, names})` returns a promise of the bytes of `url` or, given `ranges`
 * ([first, last] each), of a list of their bytes in that order (`names`: the logical items
 * they hold, for the runner's count). The ranges asked of one file in one round (before the
 * page's next task) go as one request; each range is fetched once, and one that failed is
 * fetched again when asked for again (a retry). `entry`: the manifest as the page holds it
 * (search.html's data block), or null to fetch manifest.json.
 */
export function createIndex(base, fetchBytes = networkFetch(), entry = null) {
  let ix = stateOf(base, fetchBytes);
  ix.manifest = entry;
  let checked = Date.now();
  /**
   * Reads manifest.json again past every cache. True when a deploy replaced the index (the
   * entry names another base or overlay, or none had arrived): the index then starts over
   * from the new entry. A search still running keeps the old.
   */
  async function renew() {
    checked = Date.now();
    const next = stateOf(base, fetchBytes);
    const m = await manifestOf(next, true); // OUTDATED: the page must load again
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
      // OUTDATED is left to the read that fails (the old files gone) or answers (still there).
      if (ix.manifest && Date.now() - checked > RECHECK_MS) await renew().catch(() => false);
      return forgivingSearch(ix, text);
    },
    /** The site's words whose initials were typed (pcq → 平城区), for the suggestion list. */
    suggest: async (text) => {
      const m = await manifestOf(ix);
      const runs = queryRuns(normalize(text, ix.t2s), m.maxQuery);
      const { suggest, parseLines } = await pinyinLayer();
      return suggest(runs, pinyinTools(ix, m, parseLines));
    },
    /** Each article's 栏目 name, fetched only when a reader filters by 栏目. */
    lanmu: () => lanmu(ix),
    /** A result's head: title (t), URL (u), date (d), 栏目 (c), number of text chunks (n),
     * the text's start (s), where the rest is (x) and its first member's history (h). */
    article: (doc) => article(ix, doc),
    /**
     * Enough of a result's text for its snippet, chunk after chunk (see holdsQuery), or of
     * its first `batches` members: (doc, query, hit, t2s, head, batches), `hit` as search
     * gave it (its `whole` and `held`), `head` as `article` gave it.
     */
    text: (...asked) => snippetText(ix, ...asked),
    /** After a failure: see renew above. */
    renew,
  };
}

function stateOf(base, fetchBytes) {
  const files = new Map();
  const waiting = new Map(); // file → the ranges asked of it this round, not yet sent
  const flush = () => {
    for (const [path, asks] of waiting) send(base + path, asks, fetchBytes);
    waiting.clear();
  };
  return {
    load(path, { fresh = false, range, name = path } = {}) {
      const key = range ? `${path}#${range}` : path;
      if (!files.has(key)) {
        const loading = range
          ? new Promise((resolve, reject) => {
              if (!waiting.size) setTimeout(flush, 0);
              if (!waiting.has(path)) waiting.set(path, []);
              waiting.get(path).push({ range, name, resolve, reject });
            })
          : fetchBytes(base + path, { fresh, name });
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

/** Bytes between two ranges of a request below which they are asked as one: a multipart
 * part's own lines (boundary, Content-Type, Content-Range) take about this many. */
const PART_GAP = 96;

/**
 * One request for the ranges asked of a file in one round: sorted, those closer than
 * PART_GAP joined into one span, and each ask given its bytes out of its span.
 */
function send(url, asks, fetchBytes) {
  const spans = [];
  for (const ask of [...asks].sort((a, b) => a.range[0] - b.range[0])) {
    const last = spans[spans.length - 1];
    if (last && ask.range[0] <= last.range[1] + PART_GAP) {
      last.range[1] = Math.max(last.range[1], ask.range[1]);
      last.asks.push(ask);
    } else spans.push({ range: [...ask.range], asks: [ask] });
  }
  const ranges = spans.map((span) => span.range);
  const names = asks.map((ask) => ask.name);
  fetchBytes(url, { ranges, names }).then(
    (parts) =>
      spans.forEach(({ range: [first], asks: within }, k) => {
        for (const { range, resolve } of within) {
          resolve(parts[k].subarray(range[0] - first, range[1] - first + 1));
        }
      }),
    (error) => asks.forEach((ask) => ask.reject(error)),
  );
}
async function manifestOf(ix, fresh = false) {
  if (!ix.manifest) {
    const bytes = await ix.load("manifest.json", { fresh });
    ix.manifest = JSON.parse(new TextDecoder().decode(bytes));
  }
  const m = ix.manifest;
  if (m.pack.format !== FORMAT) throw OUTDATED;
  return m;
}

/** The bytes of a reference: in the overlay (file 0) or one of the base's packs. */
function range(ix, m, { file, offset, length }, name) {
  const [base, overlay] = m.base.split("/");
  const path = file === 0 ? `o/${overlay}.bin` : `${base}/${file - 1}.bin`;
  return ix.load(path, { range: [offset, offset + length - 1], name });
}

/** A blob's text: "@" + its reference (a spilled list, a bucket too big for its slot);
 * `past` as textOf takes it. */
const blob = async (ix, m, code, name = code, past) =>
  textOf(await range(ix, m, decodeRef(code), name), past);

/**
 * An item of the export by its logical name (export/codec.py): `v/<b>.gz`, `f/<d>.json`,
 * `t/<k>.gz` sit in slots of fixed size, days.gz and lanmu.gz where the entry says.
 */
async function inside(ix, m, name, whole = false, past) {
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
  // A bucket that is a blob, asked for `whole`: its slot as it is (loadKeys reads it).
  if (typeof payload === "string") return whole ? payload : blob(ix, m, payload, name, past);
  return payload.length ? textOf(payload, past) : "";
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

/**
 * The buckets of `keys`, then (with `runs`, the query's) in one round the blobs of those
 * too big for their slots with the lists out of line that the runs need, from the buckets
 * read and the lists a blob's slot names (export/pack.py whole_slot): not a round later.
 */
async function loadKeys(ix, m, keys, runs = []) {
  const wanted = [...new Set(keys.map((k) => vocabularyBucket(k, m.buckets)))];
  const slots = await Promise.all(wanted.map((b) => inside(ix, m, `v/${b}.gz`, true)));
  const known = new Map(); // a list's tag (listTag) → the list or its reference
  const texts = slots.map((slot, k) => {
    const parsed = (text) => parseBucket(text, m.pack.firsts, wanted[k], m.buckets);
    if (slot[0] === "@") {
      const [code, ...moved] = slot.split("\t");
      for (const list of moved) known.set(list.slice(0, 3), "@" + list.slice(3));
      return () => blob(ix, m, code, `v/${wanted[k]}.gz`).then(parsed);
    }
    const entries = parsed(slot);
    for (const [pair, { docs, terms }] of entries) {
      known.set(listTag(pair, null), docs);
      for (const [suffix, term] of terms) known.set(listTag(pair, suffix), term.postings);
    }
    return () => entries;
  });
  for (const code of neededLists(runs, known)) blob(ix, m, code).catch(() => {});
  for (const entries of await Promise.all(texts.map((text) => text()))) {
    for (const [key, v] of entries) ix.entries.set(key, v);
  }
}

/**
 * The references of the lists out of line the runs will read that `known` names (by
 * listTag): every pair's article list, and the postings of the terms a longest-first cut
 * of each run takes (公安局's, not 公安's; the cut itself, `parse`, needs the vocabulary
 * they come with).
 */
function neededLists(runs, known) {
  const codes = [];
  const add = (list) => list?.[0] === "@" && codes.push(list);
  for (const run of runs) {
    const chars = [...run];
    let cut = 0; // the characters before it are in a term taken
    for (let i = 0; i + 1 < chars.length; i++) {
      const pair = chars[i] + chars[i + 1];
      add(known.get(listTag(pair, null)));
      for (let j = chars.length; i >= cut && j > i + 1; j--) {
        const postings = known.get(listTag(pair, chars.slice(i + 2, j).join("")));
        if (postings) {
          add(postings);
          cut = j;
          break;
        }
      }
    }
  }
  return codes;
}

/**
 * The buckets the query needs to be cut: its keys, then the characters no known pair
 * starts with. A character no article holds may be a traditional one: fetch its t2s
 * pairs, fold the query again and load what the folded query needs. Returns the query,
 * normalised.
 */
async function loadQuery(ix, m, text) {
  const loadRuns = async (runs) => {
    await loadKeys(ix, m, neededKeys(runs), runs);
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
 * pinyin.js, a file of its own (kuaixun.hooks.scripts ships it apart from search.js),
 * imported the first time a query needs it: one not found as typed, or initials typed in
 * the box. A query found as typed never asks for its bytes; the browser keeps the module.
 */
const pinyinLayer = () => import("./pinyin.js");

/**
 * The search a reader gets: the query as typed and, when no article holds it as typed, as
 * pinyin.js reads it again (`reading`: its text and query, for 您是不是要找), hits merged.
 */
async function forgivingSearch(ix, text) {
  const m = await manifestOf(ix);
  const runs = queryRuns(normalize(text, ix.t2s), m.maxQuery);
  // Letters are found as typed only as words of the site: at scale every pair of letters
  // occurs somewhere (rank.py's found_as_typed alike). Letters the site has as no word are
  // read as pinyin first, and searched as typed only when they read as nothing: what they
  // match as typed is pairs of letters met by chance, so that search would be thrown away.
  const latin = runs.length > 0 && runs.every((r) => /^[a-z]+$/.test(r));
  if (latin) {
    await loadKeys(ix, m, runs.map((r) => r.slice(0, 2)));
    if (!runs.every((r) => entryOfTerm(ix.entries, r))) {
      const { reading, parseLines } = await pinyinLayer();
      const read = await reading(runs, false, pinyinTools(ix, m, parseLines));
      if (!read) return search(ix, text);
      const second = await search(ix, read);
      const query = parse(normalize(text, ix.t2s), new Map(), m.total, m.maxQuery, m.stop);
      return { ...second, query, reading: { text: read, query: second.query } };
    }
  }
  const first = await search(ix, text);
  // Found as typed, or nothing to read again: pinyin.js would answer null (`reading`).
  if (!first.query.runs.length || first.hits.some((h) => h.whole)) return first;
  const { reading, merge, parseLines } = await pinyinLayer();
  const read = await reading(first.query.runs, false, pinyinTools(ix, m, parseLines));
  if (!read) return first;
  const second = await search(ix, read);
  const hits = merge(latin ? [] : first.hits, second.hits);
  return { ...first, hits, reading: { text: read, query: second.query } };
}

/** What pinyin.js needs of the index: y lines by key, whether some article holds a run. */
function pinyinTools(ix, m, parseLines) {
  return {
    hanOnly: HAN_ONLY,
    async lines(keys) {
      // The short lines sit apart: a character's readings in r/, the syllables (the
      // inventory "~", a syllable's characters) in s/ (export/pinyin_layer.py family).
      const fileOf = (k) => {
        const short = !k.includes(" ") && !k.startsWith("=");
        const f = short ? (/^[\x00-\x7f]*$/.test(k) ? 2 : 1) : 0;
        return `${"yrs"[f]}/${bucketOf(k, m.pinyinBuckets[f])}.gz`;
      };
      const files = [...new Set(keys.map(fileOf))];
      const loaded = new Map();
      for (const text of await Promise.all(files.map((name) => inside(ix, m, name)))) {
        for (const [k, v] of parseLines(text)) if (keys.includes(k)) loaded.set(k, v);
      }
      return loaded;
    },
    async verbatim(run) {
      // Its pairs' buckets alone: a run's last character (neededKeys) says nothing here.
      await loadKeys(ix, m, runGrams(run));
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

/**
 * A result's head (export/pack.py head_text): where the rest of the text is, title, URL,
 * 栏目 (its place in the entry's list, or its name), chunks, the text's start, and the date
 * only where the days list does not say it; a URL under its date's year and month comes
 * without them, as [the rest]. What the head
 * inflated to after its references (up to the first "]") is the history of the text's first
 * member (h; export/pack.py head_history).
 */
async function article(ix, doc) {
  const m = await manifestOf(ix);
  const days = ix.days ?? inside(ix, m, "days.gz").then(decodeDays); // read by the search
  const past = [new Uint8Array()];
  const [text] = await Promise.all([inside(ix, m, `f/${doc}.json`, false, past), days]);
  ix.days = await days;
  const [x, t, url, c, n, s, date] = JSON.parse(text);
  const d = date ?? new Date(ix.days[doc] * 86400000).toISOString().slice(0, 10);
  const u = typeof url === "string" ? url : `${d.slice(0, 4)}/${d.slice(5, 7)}/${url[0]}`;
  const h = past[0].subarray(past[0].indexOf(93) + 1);
  return { t, u, d, c: m.categories[c] ?? c, n, s, x, h };
}

async function snippetText(ix, doc, query, hit, t2s, head, batches = 1e9) {
  const m = await manifestOf(ix);
  const enough = holdsQuery(query, hit, t2s);
  // The head brings the start of the text (export/pack.py HEAD_CHARS); the rest follows
  // in members, each read in one range: the rest of the first chunk with the next
  // m.chunk[1] chunks, then m.chunk[2] chunks more, …, then all the others, so a match deep
  // in a long article costs a round trip or two more, not one per chunk. The text is the
  // same as chunk by chunk: it stops at the chunk (m.chunk[0] characters) that holds the
  // query. The first batch lies apart (with every article's first batch, export/pack.py),
  // the others one after another (from `next`).
  let [file, offset, ...lengths] = head.x;
  const next = lengths.splice(0, 2);
  const [size, ...sizes] = m.chunk;
  let loaded = head.s;
  let have = [...loaded].length;
  let unread = lengths.length; // members not read to their end: the text is cut
  const past = [head.h]; // what the head and the members read inflated to (textOf)
  for (let b = 0, from = 0; b < lengths.length && b < batches; b++) {
    if (enough(loaded) || enough(head.t)) break;
    const to = Math.min(b < sizes.length ? from + sizes[b] - (b ? 1 : 0) : Infinity, head.n - 1);
    const name = `x/${doc}-${from}${to > from ? `…${to}` : ""}.gz`;
    const bytes = await range(ix, m, { file, offset, length: lengths[b] }, name);
    const chars = [...(await textOf(bytes, past))];
    let at = 0;
    while (at < chars.length && !enough(loaded)) {
      const step = size - (have % size); // up to the end of the chunk the text reaches into
      loaded += chars.slice(at, at + step).join("");
      at += step;
      have += step;
    }
    unread -= at >= chars.length; // this member read to its end
    // The first member was read: the others follow `next`, one after another.
    [file, offset] = b ? [file, offset + lengths[b]] : next;
    from = to + 1;
  }
  return unread ? withoutCutWord(loaded, [...query.runs, ...query.parts], t2s) : loaded;
}

/**
 * The browser's fetch (one per index: it learns what the host does), each request given up
 * after FETCH_TIMEOUT_MS; `fresh` goes past the HTTP cache (the manifest after a failure:
 * a deploy may have replaced it). `ranges` go in one Range header; the host's answer
 * decides, by its status and type:
 *   206 multipart/byteranges: each range cut out of the part that holds it (nginx, Apache);
 *   206 one range: that range kept, the others asked one by one, now and from then on (a
 *     host that answers the first range only: Cloudflare, S3);
 *   200 to several ranges: the body dropped unread, the ranges asked one by one from then
 *     on (tornado under `make livereload` answers one range, not several);
 *   200 to one range: the whole file, every range cut out of it, and the file kept for the
 *     next rounds (a host that ignores Range).
 * A range that does not come back whole (a truncated or replaced file, a malformed part)
 * is a failure, like a 404.
 */
export function networkFetch() {
  // What the host was seen to do: several ranges in one answer, ranges at all, a 206.
  const host = { multipart: true, ranges: true, partial: false, whole: new Map() };
  async function fetchBytes(url, { fresh = false, ranges } = {}) {
    if (!ranges) return get(url, fresh).then(({ bytes }) => bytes);
    if (!host.ranges) return wholeFile(url).then((bytes) => ranges.map((r) => cut(bytes, r, url)));
    if (ranges.length > 1 && !host.multipart) {
      // One by one; the first alone until the host has answered one range with 206.
      const single = (r) => fetchBytes(url, { ranges: [r] }).then(([b]) => b);
      if (host.partial) return Promise.all(ranges.map(single));
      const first = await single(ranges[0]);
      return [first, ...(await Promise.all(ranges.slice(1).map(single)))];
    }
    const header = `bytes=${ranges.map(([a, b]) => `${a}-${b}`).join(",")}`;
    const several = ranges.length > 1;
    const { status, type, span, bytes } = await get(url, false, header, several);
    if (status !== 206 && several) {
      host.multipart = false;
      return fetchBytes(url, { ranges });
    }
    if (status !== 206) {
      host.ranges = false;
      host.whole.set(url, Promise.resolve(bytes));
      return ranges.map((r) => cut(bytes, r, url));
    }
    host.partial = true;
    const parts = type.startsWith("multipart/byteranges")
      ? byteranges(bytes, type, url)
      : [{ first: span?.[0] ?? ranges[0][0], bytes }];
    const found = ranges.map(([a, b]) => {
      const part = parts.find((p) => p.first <= a && b < p.first + p.bytes.length);
      return part && part.bytes.subarray(a - part.first, b - part.first + 1);
    });
    if (parts.length === 1 && ranges.length > 1 && found.includes(undefined)) {
      host.multipart = false; // one range answered: ask the others singly
      const rest = ranges.filter((_, k) => !found[k]);
      const more = await fetchBytes(url, { ranges: rest });
      return found.map((b) => b ?? more.shift());
    }
    if (found.includes(undefined)) throw new Error(`${url}: short`);
    return found;
  }
  function wholeFile(url) {
    if (!host.whole.has(url)) {
      const loading = get(url, false).then(({ bytes }) => bytes);
      host.whole.set(url, loading);
      loading.catch(() => host.whole.delete(url));
    }
    return host.whole.get(url);
  }
  return fetchBytes;
}

/** A request with an optional Range header: its status, type, Content-Range and bytes (none
 * when `partOnly` and the answer is the whole file: its body is not read). */
async function get(url, fresh, range, partOnly = false) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
  try {
    const headers = range ? { Range: range } : {};
    const options = { signal: abort.signal, cache: fresh ? "reload" : "default", headers };
    const response = await fetch(url, options);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    if (partOnly && response.status !== 206) {
      abort.abort();
      return { status: response.status };
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const type = response.headers.get("Content-Type") ?? "";
    const span = /bytes (\d+)-(\d+)\//.exec(response.headers.get("Content-Range") ?? "");
    return { status: response.status, type, span: span && [+span[1], +span[2]], bytes };
  } finally {
    clearTimeout(timer);
  }
}

/** A range of a whole file, or a failure when the file is shorter. */
function cut(bytes, [first, last], url) {
  if (bytes.length <= last) throw new Error(`${url}: short`);
  return bytes.subarray(first, last + 1);
}

/**
 * The parts of a multipart/byteranges body (RFC 9110 14.6), each by its Content-Range:
 * {first, bytes}. A part cut short or without a Content-Range is a failure.
 */
export function byteranges(bytes, type, url = "") {
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!boundary) throw new Error(`${url}: bad multipart`);
  const text = new TextDecoder("latin1").decode(bytes); // one character a byte
  const parts = [];
  let at = text.indexOf(`--${boundary}`);
  while (at >= 0) {
    at += boundary.length + 2;
    if (text.startsWith("--", at)) return parts; // the closing boundary
    const end = text.indexOf("\r\n\r\n", at);
    const range = /content-range:\s*bytes (\d+)-(\d+)\//i.exec(text.slice(at, end));
    if (end < 0 || !range) break;
    const [first, length] = [+range[1], range[2] - range[1] + 1];
    if (end + 4 + length > bytes.length) break;
    parts.push({ first, bytes: bytes.subarray(end + 4, end + 4 + length) });
    at = text.indexOf(`--${boundary}`, end + 4 + length);
  }
  throw new Error(`${url}: bad multipart`);
}

/**
 * A file's text: items are stored zlib-compressed (their first byte 0x78, which no plain
 * item starts with), or as plain text where that is shorter; compressed text is GB18030
 * with its commonest characters in a byte each (78 9C, `unshort`), GB18030 (78 DA) or, for
 * the few texts GB18030 cannot carry in every browser, UTF-8 (78 01; export/codec.py
 * `deflated`). An article's text member after its first may refer back into the bytes the
 * members before it inflated to (`past`, which gets this one's): a stored block of them
 * goes before the member's data (an empty one for any other item), and is cut off after.
 * Browsers without DecompressionStream (Safari before 16.4, Firefox before 113) load a
 * small inflate library, then and only then; docs/browsers.md says which and why.
 */
export async function textOf(bytes, past = [new Uint8Array()]) {
  if (bytes[0] !== 0x78) return readDense(bytes);
  const n = past[0].length;
  // zlib's header, a stored block of the history (its length, the length's complement),
  // then the member's deflate data and check.
  const input = new Uint8Array([
    ...[120, 1, 0, n & 255, n >> 8, ~n & 255, (~n >> 8) & 255],
    ...past[0],
    ...bytes.slice(2),
  ]);
  const data = new Uint8Array(
    typeof DecompressionStream === "function"
      ? await new Response(
          new Blob([input]).stream().pipeThrough(new DecompressionStream("deflate")),
        ).arrayBuffer()
      : (await import("../vendor/fflate.js")).unzlibSync(input),
  ).subarray(n);
  past[0] = new Uint8Array([...past[0], ...data]);
  const text = new TextDecoder(bytes[1] === 1 ? "utf-8" : "gb18030").decode(data);
  return bytes[1] === 0x9c ? unshort(text) : text;
}
