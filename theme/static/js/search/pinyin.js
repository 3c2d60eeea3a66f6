// Forgiving the pinyin keyboard, as kuaixun/core/search/forgive.py does (a test compares):
// a query no article holds as typed is read again — as pinyin (renkoupucha), as initials
// (pcq) or with a homophone put right (平成区 → 平城区) — over the site's own words, the
// lines of y/<n>.gz. Pure: the index is reached through `tools` ({lines(keys), verbatim(run),
// hanOnly: core.js's HAN_ONLY}), which index.js gives.
// It imports nothing: the site ships it as a file of its own, which index.js imports only
// for a query not found as typed (a verbatim query's code is the lighter for it).

const LATIN = /^[a-z]+$/;
// How far a slip is forgiven (forgive.py LIMITS, which a test compares): the longest run
// corrected, corrections and readings tried, readings kept, a character's readings and
// options, a word's cost in a reading.
export const LIMITS = {
  read: 12,
  tries: 4,
  readings: 2,
  kept: 12,
  pinyinTries: 12,
  characters: 6,
  wordCost: 100,
};
const LONGEST_SYLLABLE = 6;
/** The longest word of the y lines (pinyin.py MAX_WORD; tests/test_search_pinyin.py holds
 * them equal): a constant here, so the entry every query reads stays as it was. */
const MAX_WORD = 5;
const words = (text) => text.split(" ").filter(Boolean);

/** A base-64 digit's value (codec.DIGITS: 0–9, A–Z, a–z, "-", "_"), from its code. */
const digitValue = (c) => (c < 46 ? 62 : c < 58 ? c - 48 : c < 91 ? c - 55 : c < 96 ? 63 : c - 61);

/** A syllable's followers (pinyin.py followers_field): bits over the syllables sorted
 * (`order`), six a digit, lowest first. */
function followers(field = "", order) {
  const found = new Set();
  [...field].forEach((digit, k) => {
    const v = digitValue(digit.charCodeAt(0));
    for (let b = 0; b < 6; b++) if ((v >> b) & 1) found.add(order[6 * k + b]);
  });
  return found;
}

/** The syllables of the "~" line's fields, each an initial and its finals ("b:a ai an"):
 * pinyin.py inventory_line. */
function inventory(fields = []) {
  const found = new Set();
  for (const field of fields) {
    const at = field.indexOf(":");
    for (const final of words(field.slice(at + 1))) found.add(field.slice(0, at) + final);
  }
  return found;
}

/** y lines → Map key → the fields after it. */
export function parseLines(text) {
  const found = new Map();
  for (const line of text.split("\n")) {
    const [key, ...fields] = line.split("\t");
    if (line) found.set(key, fields);
  }
  return found;
}

/** A line's triples: [word, the syllables after the key's, weight]. */
function entries(fields = []) {
  const out = [];
  for (let i = 0; i + 2 < fields.length; i += 3) {
    out.push([fields[i], words(fields[i + 1]), Number(fields[i + 2])]);
  }
  return out;
}

/** Tuples compared as Python compares them (left to right). */
function compare(a, b) {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  return 0;
}

const pairKeys = (readings) =>
  readings.slice(1).flatMap((next, i) => readings[i].flatMap((a) => next.map((b) => `${a} ${b}`)));

/** Latin runs joined; at each letter, where the site's syllables starting there end. */
function lettersOf(runs, inventory) {
  const text = runs.join("");
  const cuts = [];
  let at = 0;
  for (const run of runs) cuts.push((at += run.length));
  const ends = [...text].map((_, i) => {
    const found = [];
    for (let j = i + 1; j <= Math.min(text.length, i + LONGEST_SYLLABLE); j++) {
      if (inventory.has(text.slice(i, j)) && !cuts.some((c) => i < c && c < j)) found.push(j);
    }
    return found;
  });
  // Only the syllables on some reading of all the letters: the others cost files.
  const forward = new Set([0]);
  const backward = new Set([text.length]);
  ends.forEach((js, i) => forward.has(i) && js.forEach((j) => forward.add(j)));
  for (let i = text.length - 1; i >= 0; i--) if (ends[i].some((j) => backward.has(j))) backward.add(i);
  const kept = ends.map((js, i) => js.filter((j) => forward.has(i) && backward.has(j)));
  return { text, ends: kept };
}

function syllableAt({ text, ends }, i, syllable) {
  const j = i + syllable.length;
  return (ends[i] ?? []).includes(j) && text.slice(i, j) === syllable ? j : null;
}

/** The y keys converting needs: each syllable and each pair of adjacent ones. */
function letterKeys({ text, ends }) {
  const keys = [];
  ends.forEach((js, i) => {
    for (const j of js) {
      keys.push(text.slice(i, j));
      for (const k of ends[j] ?? []) keys.push(`${text.slice(i, j)} ${text.slice(j, k)}`);
    }
  });
  return [...new Set(keys)];
}

/** The fewest syllables the letters read as; null when they are no pinyin. */
function syllableCount({ text, ends }) {
  const fewest = [...ends.map(() => null), 0];
  for (let i = text.length - 1; i >= 0; i--) {
    const found = ends[i].map((j) => fewest[j]).filter((f) => f !== null);
    fewest[i] = found.length ? Math.min(...found) + 1 : null;
  }
  return text.length ? fewest[0] : null;
}

/** [end, Han, weight] of each reading at letter i: a syllable's commonest characters, the
 * words starting with two syllables there (the last cut short where the letters end). */
function options(letters, i, lines) {
  const { text, ends } = letters;
  const found = [];
  for (const j of ends[i]) {
    const a = text.slice(i, j);
    // A syllable's line starts with its followers (pinyin.py followers_field).
    for (const [char, , w] of entries(lines.get(a)?.slice(1)).slice(0, LIMITS.characters)) {
      found.push([j, char, w]);
    }
    for (const k of ends[j] ?? []) {
      for (const [word, rest, w] of entries(lines.get(`${a} ${text.slice(j, k)}`))) {
        const chars = [...word];
        let [at, read] = [k, 2];
        while (read < chars.length && at < text.length) {
          const end = syllableAt(letters, at, rest[read - 2]);
          if (end === null) break;
          [at, read] = [end, read + 1];
        }
        if (read === chars.length || at === text.length) {
          found.push([at, chars.slice(0, read).join(""), w]);
        }
      }
    }
  }
  return found;
}

/** The Han readings of the letters, best first (LIMITS.kept of them): each word costs
 * LIMITS.wordCost less its weight, the cheapest reading first, then by text. */
export function conversions(letters, lines) {
  const n = letters.text.length;
  const best = [...letters.ends.map(() => []), [[0, ""]]];
  for (let i = n - 1; i >= 0; i--) {
    const found = [];
    for (const [end, text, w] of options(letters, i, lines)) {
      for (const [cost, rest] of best[end]) found.push([cost + LIMITS.wordCost - w, text + rest]);
    }
    found.sort(compare);
    const kept = new Map();
    for (const [cost, text] of found) {
      if (!kept.has(text)) kept.set(text, cost);
      if (kept.size === LIMITS.kept) break;
    }
    best[i] = [...kept].map(([text, cost]) => [cost, text]);
  }
  return best[0].map(([, text]) => text);
}

const readingsOf = (chars, lines) =>
  chars.map((ch) => words(lines.get(ch)?.[0] ?? "").slice(0, LIMITS.readings));

/**
 * `run` with a word of the site in place of a stretch that sounds the same, best first:
 * fewest characters changed, heaviest word, leftmost. When some character pairs occur in
 * no article (`suspects`, their positions), the stretch must cover one of them.
 */
export function corrections(run, lines, suspects) {
  const chars = [...run];
  const readings = readingsOf(chars, lines);
  const found = [];
  for (let i = 0; i + 1 < chars.length; i++) {
    for (const key of pairKeys(readings.slice(i, i + 2))) {
      for (const [word, rest, w] of entries(lines.get(key))) {
        const letters = [...word];
        const end = i + letters.length;
        if (end > chars.length || rest.some((s, k) => !readings[i + 2 + k].includes(s))) continue;
        const changed = letters.filter((x, k) => x !== chars[i + k]).length;
        const covers = !suspects.length || suspects.some((p) => i <= p && p < end - 1);
        const text = [...chars.slice(0, i), ...letters, ...chars.slice(end)].join("");
        if (changed && covers) found.push([changed, -w, i, word, text]);
      }
    }
  }
  return [...new Set(found.sort(compare).map((f) => f[4]))];
}

/** The stretch of `chars` a correction can touch: all, or when some pairs occur in no
 * article, what a word of the site (≤ MAX_WORD characters) covering one may span; the
 * others' lines are not read, and `corrections` finds the same (forgive.py `reach`). */
function reach(chars, suspects) {
  if (!suspects.length) return chars;
  const from = Math.max(0, Math.min(...suspects) - (MAX_WORD - 2));
  return chars.slice(from, Math.max(...suspects) + MAX_WORD);
}

/** The best correction of a Han run no article holds, which one does (or null). */
async function fix(run, tools) {
  const chars = [...run];
  const suspects = [];
  for (let i = 0; i + 1 < chars.length; i++) {
    if (!(await tools.verbatim(chars[i] + chars[i + 1]))) suspects.push(i);
  }
  const stretch = reach(chars, suspects);
  const lines = await tools.lines([...new Set(stretch)]);
  for (const [k, v] of await tools.lines([...new Set(pairKeys(readingsOf(stretch, lines)))])) {
    lines.set(k, v);
  }
  const found = corrections(run, lines, suspects).slice(0, LIMITS.tries);
  for (const candidate of found) if (await tools.verbatim(candidate)) return candidate;
  return null;
}

/** Latin runs as pinyin (the first Han reading some article holds, else the best one
 * corrected), or one run as initials (the heaviest word). */
async function readLatin(runs, tools) {
  const syllables = inventory((await tools.lines(["~"])).get("~"));
  const letters = lettersOf(runs, syllables);
  const count = syllableCount(letters);
  if (count === null || count < 2 || count > LIMITS.read) {
    return (await suggest(runs, tools))[0] ?? null;
  }
  const keys = letterKeys(letters);
  // The syllables' lines first: their followers say which pairs have a line to read.
  const lines = await tools.lines(keys.filter((k) => !k.includes(" ")));
  const order = [...syllables].sort();
  const after = new Map([...lines].map(([k, fields]) => [k, followers(fields[0], order)]));
  const pairs = keys.filter((k) => {
    const [a, b] = k.split(" ");
    return b !== undefined && after.get(a)?.has(b);
  });
  for (const [k, v] of await tools.lines(pairs)) lines.set(k, v);
  const readings = conversions(letters, lines);
  for (const han of readings.slice(0, LIMITS.pinyinTries)) if (await tools.verbatim(han)) return han;
  return readings.length ? ((await fix(readings[0], tools)) ?? readings[0]) : null;
}

/** The site's words whose initials are the one Latin run typed (pcq → 平城区), heaviest first. */
export async function suggest(runs, tools) {
  if (runs.length !== 1 || !LATIN.test(runs[0]) || runs[0].length < 3) return [];
  const key = `=${runs[0]}`;
  return entries((await tools.lines([key])).get(key)).map(([word]) => word);
}

/** The query read again, or null: found as typed (`foundAsTyped`), or nothing else found. */
export async function reading(runs, foundAsTyped, tools) {
  if (!runs.length || foundAsTyped) return null;
  if (runs.every((run) => LATIN.test(run))) return readLatin(runs, tools);
  const fixed = [];
  for (const run of runs) {
    const n = [...run].length;
    const wrong = tools.hanOnly.test(run) && n >= 2 && n <= LIMITS.read;
    fixed.push(wrong && !(await tools.verbatim(run)) ? ((await fix(run, tools)) ?? run) : run);
  }
  return fixed.some((run, i) => run !== runs[i]) ? fixed.join(" ") : null;
}

/** Hits of the query as typed and as read again: an article's scores summed. */
export function merge(first, second) {
  const merged = new Map(first.map((h) => [h.doc, { ...h, whole: false }]));
  for (const h of second) {
    const m = merged.get(h.doc);
    const held = m ? [...m.held, ...h.held] : h.held; // the parts either matched
    merged.set(h.doc, m ? { ...m, score: m.score + h.score, whole: h.whole, held } : { ...h });
  }
  const hits = [...merged.values()];
  for (const h of hits) h.rounded = Math.floor(h.score * 1e6 + 0.5);
  return hits.sort((a, b) => b.rounded - a.rounded || b.doc - a.doc);
}
