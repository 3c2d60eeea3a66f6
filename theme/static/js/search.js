// Site search in the browser: the one JavaScript module of the site (search page only).
//
// Three layers, kept apart so node can test the first two against Python:
//   pure functions  normalize, queryRuns, cut, parse, score, excerpt — no DOM, no network;
//   loader          createIndex: fetches the manifest, then only the vocabulary buckets,
//                   postings and fragments a query needs, each once;
//   view            startSearchPage: the search page's DOM (text nodes only, never innerHTML).
// Each pure function mirrors one in plugins/search/ (normalize.py, query.py, rank.py); the
// parity test holds them to the same answers. Code points, not UTF-16 units, are counted
// everywhere, as Python does.

// Han characters, the same ranges as HAN_RANGES in plugins/cjk/text.py (a test compares).
const HAN =
  "\\u{2e80}-\\u{2eff}\\u{2f00}-\\u{2fdf}\\u{3007}\\u{3400}-\\u{4dbf}\\u{4e00}-\\u{9fff}" +
  "\\u{f900}-\\u{faff}\\u{20000}-\\u{2a6df}\\u{2a700}-\\u{2ee5f}\\u{2f800}-\\u{2fa1f}" +
  "\\u{30000}-\\u{323af}";
const WORD_RUN = new RegExp(`[${HAN}0-9a-z]+`, "gu");
const PIECE = new RegExp(`[${HAN}]+|[0-9a-z]+`, "gu");
const HAN_ONLY = new RegExp(`^[${HAN}]+$`, "u");
const HAN_CHAR = new RegExp(`[${HAN}]`, "u");
const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
const DIGIT_VALUE = Object.fromEntries([...DIGITS].map((c, i) => [c, i]));

// ---------------------------------------------------------------- pure functions

/** NFKC, lower case, traditional → simplified per character (t2s: Map of known pairs). */
export function normalize(text, t2s = new Map()) {
  const folded = text.normalize("NFKC").toLowerCase();
  let out = "";
  for (const ch of folded) out += t2s.get(ch) ?? ch;
  return out;
}

export function wordRuns(text) {
  return text.match(WORD_RUN) ?? [];
}

/** Distinct word runs of a normalised query, at most maxChars code points in all. */
export function queryRuns(normalized, maxChars) {
  const runs = [];
  let budget = maxChars;
  for (const whole of wordRuns(normalized)) {
    const run = [...whole].slice(0, Math.max(budget, 0)).join("");
    budget -= [...run].length;
    if (run && !runs.includes(run)) runs.push(run);
    if (budget <= 0) break;
  }
  return runs;
}

/** jieba's route over the site's vocabulary (frequency: Map term → count); see query.py. */
export function cut(text, frequency, logTotal) {
  const chars = [...text];
  const n = chars.length;
  let longest = 1;
  for (const term of frequency.keys()) longest = Math.max(longest, [...term].length);
  const best = new Array(n + 1).fill(0);
  const end = new Array(n + 1).fill(n);
  for (let i = n - 1; i >= 0; i--) {
    let bestScore = null;
    let bestEnd = i + 1;
    let word = "";
    for (let j = i + 1; j <= Math.min(n, i + longest); j++) {
      word += chars[j - 1];
      const freq = frequency.get(word) ?? 0;
      if (j > i + 1 && !freq) continue;
      const score = Math.log(freq || 1) - logTotal + best[j];
      if (bestScore === null || score >= bestScore) {
        bestScore = score;
        bestEnd = j;
      }
    }
    best[i] = bestScore;
    end[i] = bestEnd;
  }
  const terms = [];
  for (let i = 0; i < n; i = end[i]) terms.push(chars.slice(i, end[i]).join(""));
  return terms;
}

/**
 * The query's runs, its distinct terms (parts) and, per part, the runs it came from.
 * Stop terms (single characters, from the manifest) are dropped unless nothing else is left.
 */
export function parse(normalized, frequency, total, maxChars, stop = "") {
  const runs = queryRuns(normalized, maxChars);
  const logTotal = Math.log(total || 1);
  const parts = [];
  const partRuns = [];
  runs.forEach((run, r) => {
    for (const piece of run.match(PIECE) ?? []) {
      const terms = HAN_ONLY.test(piece) ? cut(piece, frequency, logTotal) : [piece];
      for (const term of terms) {
        let p = parts.indexOf(term);
        if (p < 0) {
          p = parts.push(term) - 1;
          partRuns.push([]);
        }
        if (!partRuns[p].includes(r)) partRuns[p].push(r);
      }
    }
  });
  const isStop = (term) => [...term].length === 1 && stop.includes(term);
  let keep = parts.map((_, p) => p).filter((p) => !isStop(parts[p]));
  if (!keep.length) keep = parts.map((_, p) => p);
  return { runs, parts: keep.map((p) => parts[p]), partRuns: keep.map((p) => partRuns[p]) };
}

/** The characters (one-character runs) or character pairs a run must contain verbatim. */
export function runGrams(run) {
  const chars = [...run];
  if (chars.length === 1) return [run];
  return chars.slice(1).map((ch, i) => chars[i] + ch);
}

/**
 * The vocabulary keys a query needs first: its grams (the pairs of each run, which also
 * give the terms starting there and their first character's frequency), each run's last
 * character (no pair starts there), and the key of each Latin or digit term.
 */
export function neededKeys(runs) {
  const keys = new Set();
  for (const run of runs) {
    for (const gram of runGrams(run)) keys.add(gram);
    keys.add([...run].at(-1));
    for (const piece of run.match(PIECE) ?? []) {
      if (!HAN_ONLY.test(piece)) keys.add([...piece].slice(0, 2).join(""));
    }
  }
  return [...keys];
}

/** Characters whose own key is needed because the pair starting at them is unknown. */
export function charactersWithoutPair(runs, hasKey) {
  const missing = new Set();
  for (const run of runs) {
    const chars = [...run];
    chars.slice(0, -1).forEach((ch, i) => {
      if (!hasKey(ch + chars[i + 1]) && !hasKey(ch)) missing.add(ch);
    });
  }
  return [...missing];
}

/** A base-64 varint reader over an encoded string. */
function reader(text) {
  let at = 0;
  return {
    more: () => at < text.length,
    next() {
      let value = 0;
      let shift = 1;
      for (;;) {
        const digit = DIGIT_VALUE[text[at++]];
        value += (digit & 31) * shift;
        if (digit < 32) return value;
        shift *= 32;
      }
    },
  };
}

/** An article list: gaps between article numbers, or a bitmap after "*". */
export function decodeDocs(text) {
  const docs = [];
  if (text.startsWith("*")) {
    for (let c = 1; c < text.length; c++) {
      const bits = DIGIT_VALUE[text[c]];
      for (let k = 0; k < 6; k++) if (bits & (1 << k)) docs.push((c - 1) * 6 + k);
    }
    return docs;
  }
  const r = reader(text);
  let previous = -1;
  while (r.more()) docs.push((previous += r.next() + 1));
  return docs;
}

// Whoosh stores a field length as one byte; this is its table (whoosh.util.numeric).
export const WHOOSH_LENGTHS = Array.from({ length: 256 }, (_, n) =>
  Math.round((1.033 ** n - 1) * 27),
);

/** Postings of one term: per scored field, [article, term frequency, field length] triples. */
export function decodePostings(text) {
  return text.split("|").map((part) => {
    const r = reader(part);
    const entries = [];
    let previous = -1;
    while (r.more()) {
      previous += r.next() + 1;
      const packed = r.next();
      const tf = (packed & 3) === 3 ? 4 + r.next() : (packed & 3) + 1;
      entries.push([previous, tf, WHOOSH_LENGTHS[packed >> 2]]);
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

/** Whoosh's BM25 for one field (same operations, same order as whoosh.scoring.bm25). */
function bm25(idf, tf, fl, avgfl, K1, B) {
  return idf * ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * fl) / avgfl)));
}

/**
 * Every article matching any part of the query, best first; see plugins/search/rank.py.
 * lists.postings(term) → decoded postings or null; lists.docs(gram) → article numbers.
 */
export function score(query, lists, days, m) {
  const { runs, parts, partRuns } = query;
  if (!parts.length) return [];
  const base = new Map();
  const matched = new Map();
  parts.forEach((term, p) => {
    const perField = lists.postings(term);
    if (!perField) return;
    perField.forEach((entries, f) => {
      const idf = Math.log(m.docs / (entries.length + 1)) + 1;
      for (const [d, tf, fl] of entries) {
        const s = m.boosts[f] * bm25(idf, tf, fl, m.avgfl[f], m.k1, m.b);
        base.set(d, (base.get(d) ?? 0) + s);
        if (!matched.has(d)) matched.set(d, new Set());
        matched.get(d).add(p);
      }
    });
  });
  const verbatim = new Map();
  const verbatimRuns = new Map();
  runs.forEach((run, r) => {
    let docs = null;
    for (const gram of runGrams(run)) {
      const found = new Set(lists.docs(gram));
      docs = docs === null ? found : new Set([...docs].filter((d) => found.has(d)));
    }
    for (const d of docs) {
      verbatim.set(d, (verbatim.get(d) ?? 0) + [...run].length);
      if (!verbatimRuns.has(d)) verbatimRuns.set(d, new Set());
      verbatimRuns.get(d).add(r);
    }
  });
  const hits = [];
  for (const d of new Set([...base.keys(), ...verbatim.keys()])) {
    const own = new Set(matched.get(d) ?? []);
    const inRuns = verbatimRuns.get(d) ?? new Set();
    partRuns.forEach((rs, p) => {
      if (rs.some((r) => inRuns.has(r))) own.add(p);
    });
    const coverage = own.size / parts.length;
    const recency = 1 + (m.recency * m.halfLife) / (m.halfLife + (m.latest - days[d]));
    const value =
      ((base.get(d) ?? 0) + m.phrase * (verbatim.get(d) ?? 0)) * coverage * coverage * recency;
    const whole = inRuns.size === runs.length; // every run of the query found verbatim
    hits.push({ doc: d, score: value, rounded: Math.floor(value * 1e6 + 0.5), whole });
  }
  hits.sort((a, b) => b.rounded - a.rounded || b.doc - a.doc);
  return hits;
}

/**
 * The densest window of `width` characters of `text` around the query's matches, as
 * segments [{text, mark}] (mark: a match). A character matched by a longer needle weighs
 * more, so a whole passage outweighs scattered single characters. t2s folds the text as
 * the query was folded.
 */
export function excerpt(text, needles, width = 120, t2s = new Map()) {
  const original = [...text];
  let folded = "";
  const origin = [];
  original.forEach((ch, i) => {
    for (const unit of normalize(ch, t2s)) {
      folded += unit;
      origin.push(i);
    }
  });
  const foldedChars = [...folded];
  const weight = new Array(original.length).fill(0);
  const sorted = [...new Set(needles)].filter(Boolean).sort((a, b) => b.length - a.length);
  for (const needle of sorted) {
    const len = [...needle].length;
    for (let at = folded.indexOf(needle); at >= 0; at = folded.indexOf(needle, at + 1)) {
      const start = [...folded.slice(0, at)].length;
      for (let k = start; k < start + len && k < foldedChars.length; k++) {
        weight[origin[k]] = Math.max(weight[origin[k]], len * len);
      }
    }
  }
  const marks = weight.map((w) => w > 0);
  let bestStart = 0;
  let bestCount = -1;
  let count = 0;
  for (let i = 0; i < original.length; i++) {
    count += weight[i];
    if (i >= width) count -= weight[i - width];
    if (i >= Math.min(width, original.length) - 1 && count > bestCount) {
      bestCount = count;
      bestStart = Math.max(0, i - width + 1);
    }
  }
  // Start a little before the first match in the window, at most a sentence back.
  const firstMark = marks.indexOf(true, bestStart);
  if (firstMark > bestStart + width / 4) bestStart = firstMark - Math.floor(width / 4);
  const stop = Math.min(original.length, bestStart + width);
  const segments = [];
  if (bestStart > 0) segments.push({ text: "…", mark: false });
  for (let i = bestStart; i < stop; i++) {
    const last = segments[segments.length - 1];
    if (last && last.mark === marks[i] && last.text !== "…") last.text += original[i];
    else segments.push({ text: original[i], mark: marks[i] });
  }
  if (stop < original.length) segments.push({ text: "…", mark: false });
  return segments;
}

/** Terms to suggest when nothing matched: the known pieces of the query, then top tags. */
export function suggestions(runs, hasKey, fallback) {
  const found = [];
  for (const run of runs) {
    const chars = [...run];
    let start = 0;
    for (let i = 1; i <= chars.length; i++) {
      if (i === chars.length || !hasKey(chars[i - 1] + chars[i])) {
        const piece = chars.slice(start, i).join("");
        if (piece.length > 1 || hasKey(piece)) found.push(piece);
        start = i;
      }
    }
  }
  return [...new Set([...found.filter((p) => p.length > 1), ...fallback])].slice(0, 6);
}

/** 32-bit FNV-1a over code points: the bucket of a vocabulary key (as export.py). */
export function bucketOf(key, buckets) {
  let h = 0x811c9dc5;
  for (const ch of key) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
  return h % buckets;
}

/**
 * One vocabulary bucket file → Map key → {docs, first, terms}: the articles holding the key,
 * the frequency of a pair's first character as a term, and terms by suffix → {frequency,
 * postings}.
 */
export function parseBucket(text) {
  const entries = new Map();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const [key, docs, first, ...rest] = line.split("\t");
    const terms = new Map();
    for (let i = 0; i + 2 < rest.length; i += 3) {
      terms.set(rest[i], { frequency: reader(rest[i + 1]).next(), postings: rest[i + 2] });
    }
    entries.set(key, { docs, first: first ? reader(first).next() : 0, terms });
  }
  return entries;
}

// ---------------------------------------------------------------- loader

/**
 * The index at `base` (the URL of the search folder, ending in "/"). `fetchText(url)`
 * returns a promise of the file's text; every file is fetched once.
 */
export function createIndex(base, fetchText = defaultFetch) {
  const files = new Map();
  const load = (name) => {
    if (!files.has(name)) files.set(name, fetchText(base + name));
    return files.get(name);
  };
  const t2s = new Map();
  const state = { manifest: null, days: null, entries: new Map() };

  async function manifest() {
    if (!state.manifest) state.manifest = JSON.parse(await load("manifest.json"));
    return state.manifest;
  }

  const inside = (m, name) => load(m.base + name);

  async function loadKeys(keys) {
    const m = await manifest();
    const wanted = [...new Set(keys.map((k) => bucketOf(k, m.buckets)))];
    const texts = await Promise.all(wanted.map((b) => inside(m, `v/${b}.gz`)));
    for (const text of texts) for (const [k, v] of parseBucket(text)) state.entries.set(k, v);
  }

  // Everything a query needs to be cut: its keys, then the characters no known pair
  // starts with (to learn their frequency as a term, or that no article has them).
  async function loadQueryKeys(runs) {
    await loadKeys(neededKeys(runs));
    await loadKeys(charactersWithoutPair(runs, (k) => state.entries.has(k)));
  }

  // Some article has the character when its own key, or a pair starting with it, is known.
  const known = (ch, runs) =>
    state.entries.has(ch) ||
    runs.some((run) => {
      const chars = [...run];
      return chars.some((c, i) => c === ch && state.entries.has(c + (chars[i + 1] ?? "")));
    });

  // A character no article contains may be a traditional one: fetch its t2s pairs.
  async function foldUnknown(runs) {
    const m = await manifest();
    const unknown = [...new Set([...runs.join("")])].filter(
      (ch) => HAN_CHAR.test(ch) && !known(ch, runs) && !t2s.has(ch),
    );
    const shards = [...new Set(unknown.map((ch) => ch.codePointAt(0) % m.t2sBuckets))];
    const loaded = await Promise.all(shards.map((k) => inside(m, `t/${k}.gz`)));
    for (const pairs of loaded) {
      const chars = [...pairs];
      for (let i = 0; i + 1 < chars.length; i += 2) t2s.set(chars[i], chars[i + 1]);
    }
    return unknown.some((ch) => t2s.has(ch));
  }

  async function resolve(text) {
    const m = await manifest();
    // A long list sits in its own file, named by its content ("@" + name).
    return text.startsWith("@") ? inside(m, `p/${text.slice(1)}.gz`) : text;
  }

  function entryOfTerm(term) {
    const chars = [...term];
    const key = chars.slice(0, 2).join("");
    return state.entries.get(key)?.terms.get(chars.slice(2).join(""));
  }

  async function search(text) {
    const m = await manifest();
    let normalized = normalize(text, t2s);
    if (!queryRuns(normalized, m.maxQuery).length) {
      const query = { runs: [], parts: [], partRuns: [] };
      return { query, hits: [], days: state.days, manifest: m, hasKey: () => false, t2s };
    }
    const daysPromise = state.days ?? inside(m, "days.gz").then(decodeDays);
    await loadQueryKeys(queryRuns(normalized, m.maxQuery));
    if (await foldUnknown(queryRuns(normalized, m.maxQuery))) {
      normalized = normalize(text, t2s);
      await loadQueryKeys(queryRuns(normalized, m.maxQuery));
    }
    const frequency = new Map();
    for (const [key, entry] of state.entries) {
      if (entry.first) frequency.set([...key][0], entry.first);
      for (const [suffix, term] of entry.terms) frequency.set(key + suffix, term.frequency);
    }
    const query = parse(normalized, frequency, m.total, m.maxQuery, m.stop);
    // A one-character term's postings sit in its own key's bucket: fetch those chosen,
    // while the other terms' postings and the pairs' lists are already on their way.
    const singles = query.parts.filter((t) => [...t].length === 1 && !state.entries.has(t));
    const singlesLoaded = loadKeys(singles);
    const postings = new Map();
    const docs = new Map();
    await Promise.all([
      singlesLoaded,
      ...query.parts.map(async (term) => {
        if (singles.includes(term)) await singlesLoaded;
        const entry = entryOfTerm(term);
        if (entry) postings.set(term, decodePostings(await resolve(entry.postings)));
      }),
      ...query.runs.flatMap(runGrams).map(async (gram) => {
        const entry = state.entries.get(gram);
        docs.set(gram, entry?.docs ? decodeDocs(await resolve(entry.docs)) : []);
      }),
    ]);
    state.days = await daysPromise;
    const lists = { postings: (t) => postings.get(t) ?? null, docs: (g) => docs.get(g) ?? [] };
    const hits = score(query, lists, state.days, m);
    const hasKey = (k) => state.entries.has(k);
    return { query, hits, days: state.days, manifest: m, hasKey, t2s };
  }

  /** Each article's 栏目 name, fetched only when a reader filters by 栏目. */
  async function lanmu() {
    const m = await manifest();
    const text = await inside(m, "lanmu.gz");
    return [...text].map((c) => m.categories[DIGIT_VALUE[c]]);
  }

  /** A result's title, URL, date and 栏目. */
  async function article(doc) {
    const m = await manifest();
    return JSON.parse(await inside(m, `f/${doc}.json`));
  }

  /**
   * Enough of a result's text for its snippet, chunk after chunk. For a hit holding the
   * whole query verbatim, until every run is in it (a title holding them all will do with
   * the first chunk); for any other hit, until some term of two or more characters is.
   */
  async function text(doc, query, whole = false, t2s = new Map()) {
    const m = await manifest();
    const head = await article(doc);
    const long = query.parts.filter((p) => [...p].length > 1);
    const wanted = whole ? query.runs : long.length ? long : query.parts;
    const has = (s) => {
      const folded = normalize(s, t2s);
      const found = (w) => folded.includes(w);
      return whole ? wanted.every(found) : wanted.some(found);
    };
    let loaded = "";
    for (let k = 0; k < head.n; k++) {
      loaded += await inside(m, `x/${doc}-${k}.gz`);
      if (has(loaded) || has(head.t)) break;
    }
    return loaded;
  }

  return { manifest, search, lanmu, article, text };
}

async function defaultFetch(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return textOf(new Uint8Array(await response.arrayBuffer()));
}

/** A file's text: .gz files are stored compressed (unless a host already inflated them). */
export async function textOf(bytes) {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return new TextDecoder().decode(bytes);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

// ---------------------------------------------------------------- view

const PAGE_SIZE = 10;

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function markedText(tag, segments, attributes = {}) {
  const node = element(tag, attributes);
  for (const s of segments) node.append(s.mark ? element("mark", {}, s.text) : s.text);
  return node;
}

function chineseDate(iso) {
  const [y, mo, d] = iso.split("-").map(Number);
  return `${y}年${mo}月${d}日`;
}

function yearOf(day) {
  return new Date(day * 86400000).getUTCFullYear();
}

/** Wires the search page: form, filters, results, history and keyboard. */
export function startSearchPage(root) {
  const form = root.querySelector("form");
  const box = root.querySelector("input[name=q]");
  const category = root.querySelector("select[name=lanmu]");
  const year = root.querySelector("select[name=year]");
  const status = root.querySelector("#search-status");
  const list = root.querySelector("#search-results");
  const more = root.querySelector("#search-more");
  const site = new URL(root.dataset.site, document.baseURI);
  const index = createIndex(new URL(root.dataset.index, document.baseURI).href);
  // Snippet text is fetched when a result comes near the screen, not for all ten at once.
  const snippets =
    typeof IntersectionObserver === "function"
      ? new IntersectionObserver(
          (seen) => {
            for (const entry of seen.filter((e) => e.isIntersecting)) {
              snippets.unobserve(entry.target);
              entry.target.fillSnippet();
            }
          },
          { rootMargin: "100px" },
        )
      : { observe: (node) => node.fillSnippet(), unobserve() {} };
  let shown = 0;
  let current = null;
  let generation = 0;

  const params = () => new URLSearchParams(location.search);

  function fillSelect(select, values, chosen, label) {
    select.replaceChildren(element("option", { value: "" }, label));
    for (const [value, count] of values) {
      const text = count === null ? String(value) : `${value}（${count}）`;
      const option = element("option", { value: String(value) }, text);
      if (String(value) === chosen) option.selected = true;
      select.append(option);
    }
  }

  function counted(hits, keyOf) {
    const counts = new Map();
    for (const h of hits) counts.set(keyOf(h.doc), (counts.get(keyOf(h.doc)) ?? 0) + 1);
    return [...counts];
  }

  function resultItem(hit, a, query, t2s) {
    const { doc, whole } = hit;
    const needles = [...query.runs, ...query.parts];
    const title = markedText("span", excerpt(a.t, needles, 1000, t2s));
    const link = element("a", { href: new URL(a.u, site).href }, title);
    const date = element("time", { datetime: a.d }, chineseDate(a.d));
    const meta = element("p", { class: "search-meta" }, date, ` · ${a.c}`);
    const snippet = element("p", { class: "search-snippet" });
    const item = element("li", {}, element("h2", {}, link), meta, snippet);
    item.fillSnippet = async () => {
      const text = await index.text(doc, query, whole, t2s);
      const attributes = { class: "search-snippet" };
      snippet.replaceWith(markedText("p", excerpt(text, needles, 120, t2s), attributes));
    };
    return item;
  }

  async function appendPage() {
    const { hits, result } = current;
    const page = hits.slice(shown, shown + PAGE_SIZE);
    shown += page.length;
    const heads = await Promise.all(page.map((h) => index.article(h.doc)));
    heads.forEach((a, i) => {
      const item = resultItem(page[i], a, result.query, result.t2s);
      list.append(item);
      snippets.observe(item);
    });
    more.hidden = shown >= hits.length;
  }

  function showNothingFound(q, result) {
    const ideas = suggestions(result.query.runs, result.hasKey, result.manifest.suggest ?? []);
    status.replaceChildren(`没有找到与“${q}”相关的文章。`);
    if (!ideas.length) return;
    status.append("试试：");
    ideas.forEach((idea, i) => {
      const url = new URL(location.href);
      url.search = new URLSearchParams({ q: idea }).toString();
      status.append(i ? "、" : "", element("a", { href: url.href }, idea));
    });
  }

  async function run() {
    const q = params().get("q") ?? "";
    const chosenCategory = params().get("lanmu") ?? "";
    const chosenYear = params().get("year") ?? "";
    const mine = ++generation;
    box.value = q;
    list.replaceChildren();
    more.hidden = true;
    shown = 0;
    if (!q.trim()) {
      status.textContent = "请输入要搜索的词语。";
      return;
    }
    status.textContent = "正在搜索…";
    const result = await index.search(q);
    const lanmuOf = chosenCategory ? await index.lanmu() : null;
    if (mine !== generation) return;
    const { days, manifest } = result;
    const yearOfDoc = (d) => yearOf(days[d]);
    const categories = manifest.categories.map((c) => [c, null]);
    fillSelect(category, categories, chosenCategory, "全部栏目");
    const years = counted(result.hits, yearOfDoc).sort((a, b) => b[0] - a[0]);
    fillSelect(year, years, chosenYear, "全部年份");
    const hits = result.hits.filter(
      (h) =>
        (!lanmuOf || lanmuOf[h.doc] === chosenCategory) &&
        (!chosenYear || String(yearOfDoc(h.doc)) === chosenYear),
    );
    current = { hits, result };
    if (!hits.length) {
      showNothingFound(q, result);
      return;
    }
    status.textContent = `找到 ${hits.length} 篇文章`;
    await appendPage();
  }

  function navigate(next) {
    const url = new URL(location.href);
    url.search = new URLSearchParams(Object.entries(next).filter(([, v]) => v)).toString();
    history.pushState(null, "", url.href);
    run();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate({ q: box.value.trim() });
  });
  for (const select of [category, year]) {
    select.addEventListener("change", () =>
      navigate({ q: params().get("q"), lanmu: category.value, year: year.value }),
    );
  }
  more.addEventListener("click", () => appendPage());
  window.addEventListener("popstate", run);
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing) {
      event.preventDefault();
      box.focus();
      box.select();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const links = [...list.querySelectorAll("h2 a")];
    const at = links.indexOf(document.activeElement);
    if (event.target === box && event.key === "ArrowDown" && links.length) {
      event.preventDefault();
      links[0].focus();
    } else if (at >= 0) {
      event.preventDefault();
      const next = at + (event.key === "ArrowDown" ? 1 : -1);
      (next < 0 ? box : links[Math.min(next, links.length - 1)]).focus();
    }
  });
  root.classList.add("search-ready");
  run();
}

if (typeof document !== "undefined") {
  const root = document.getElementById("search");
  if (root) startSearchPage(root);
}
