// Loading the index: the manifest, then only the vocabulary buckets, postings and
// fragments a query needs, each file fetched once and kept. What is in the files is
// decoded by codec.js and ranked by core.js; the network is `fetchText`, which the node
// runner (tests/js/run_queries.mjs) replaces with reading the exported files from disk.
import {
  addT2sPairs,
  bucketOf,
  decodeDays,
  decodeDocs,
  decodeLanmu,
  decodePostings,
  entryOfTerm,
  parseBucket,
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

/**
 * The index at `base` (the URL of the search folder, ending in "/"). `fetchText(url,
 * {fresh})` returns a promise of the file's text; every file is fetched once, and a file
 * that failed is fetched again when asked for again (a retry).
 */
export function createIndex(base, fetchText = defaultFetch) {
  let ix = stateOf(base, fetchText);
  return {
    manifest: () => manifestOf(ix),
    search: (text) => forgivingSearch(ix, text),
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
    /**
     * After a failure: reads manifest.json again past every cache. True when a deploy
     * replaced the index (the manifest names another folder, or none had arrived): the
     * index then starts over from the new manifest. A search still running keeps the old.
     */
    async renew() {
      const next = stateOf(base, fetchText);
      const m = await manifestOf(next, true);
      if (ix.manifest?.base === m.base) return false;
      ix = next;
      return true;
    },
  };
}

function stateOf(base, fetchText) {
  const files = new Map();
  return {
    load(name, fresh = false) {
      if (!files.has(name)) {
        const loading = fetchText(base + name, { fresh });
        files.set(name, loading);
        loading.catch(() => files.get(name) === loading && files.delete(name));
      }
      return files.get(name);
    },
    manifest: null,
    days: null,
    entries: new Map(), // vocabulary key → its line, from every bucket loaded so far
    t2s: new Map(), // traditional → simplified pairs learnt so far
  };
}

async function manifestOf(ix, fresh = false) {
  if (!ix.manifest) ix.manifest = JSON.parse(await ix.load("manifest.json", fresh));
  return ix.manifest;
}

/** A file of the index's hashed folder (the manifest names it). */
const inside = (ix, m, name) => ix.load(m.base + name);

/** A long list sits in its own file, named by its content ("@" + name). */
const resolve = (ix, m, text) =>
  text.startsWith("@") ? inside(ix, m, `p/${text.slice(1)}.gz`) : text;

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
  await Promise.all([
    singlesLoaded,
    ...query.parts.map(async (term) => {
      if (singles.includes(term)) await singlesLoaded;
      const entry = entryOfTerm(ix.entries, term);
      if (entry) postings.set(term, decodePostings(await resolve(ix, m, entry.postings)));
    }),
    ...query.runs.flatMap(runGrams).map(async (gram) => {
      const entry = ix.entries.get(gram);
      docs.set(gram, entry?.docs ? decodeDocs(await resolve(ix, m, entry.docs)) : []);
    }),
  ]);
  return { postings: (t) => postings.get(t) ?? null, docs: (g) => docs.get(g) ?? [] };
}

// ------------------------------------------------------------ the pinyin layer (pinyin.js)

/**
 * The search a reader gets: the query as typed and, when no article holds it as typed, as
 * pinyin.js reads it again (`reading`: its text and query, for 您是不是要找), hits merged.
 */
async function forgivingSearch(ix, text) {
  const first = await search(ix, text);
  const tools = pinyinTools(ix, first.manifest);
  const read = await reading(first.query.runs, first.hits.some((h) => h.whole), tools);
  if (!read) return first;
  const second = await search(ix, read);
  const hits = merge(first.hits, second.hits);
  return { ...first, hits, reading: { text: read, query: second.query } };
}

/** What pinyin.js needs of the index: y lines by key, whether some article holds a run. */
function pinyinTools(ix, m) {
  return {
    limits: m.forgive,
    async lines(keys) {
      const files = [...new Set(keys.map((k) => bucketOf(k, m.pinyinBuckets)))];
      const loaded = new Map();
      for (const text of await Promise.all(files.map((n) => inside(ix, m, `y/${n}.gz`)))) {
        for (const [k, v] of parseLines(text)) if (keys.includes(k)) loaded.set(k, v);
      }
      return loaded;
    },
    async verbatim(run) {
      await loadKeys(ix, m, neededKeys([run]));
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
  let loaded = "";
  for (let k = 0; k < head.n; k++) {
    loaded += await inside(ix, m, `x/${doc}-${k}.gz`);
    if (enough(loaded) || enough(head.t)) break;
  }
  return loaded;
}

/**
 * The browser's fetch, given up after FETCH_TIMEOUT_MS; `fresh` goes past the HTTP cache
 * (the manifest after a failure: a deploy may have replaced it).
 */
async function defaultFetch(url, { fresh = false } = {}) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
  try {
    const options = { signal: abort.signal, cache: fresh ? "reload" : "default" };
    const response = await fetch(url, options);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return await textOf(new Uint8Array(await response.arrayBuffer()));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A file's text: .gz files are stored compressed (unless a host already inflated them).
 * Browsers without DecompressionStream (Safari before 16.4, Firefox before 113) load a
 * small inflate library, then and only then; docs/browsers.md says which and why.
 */
export async function textOf(bytes) {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return new TextDecoder().decode(bytes);
  if (typeof DecompressionStream !== "function") {
    const { gunzipSync } = await import("../vendor/fflate.js");
    return new TextDecoder().decode(gunzipSync(bytes));
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}
