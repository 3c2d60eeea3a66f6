// Forgiving the pinyin keyboard, as kuaixun/core/search/forgive.py does (a test compares):
// a query no article holds as typed is read again — as pinyin (renkoupucha), as initials
// (pcq) or with a homophone put right (平成区 → 平城区) — over the site's own words, the
// lines of y/<n>.gz. Pure: the index is reached through `tools` ({lines(keys), verbatim(run),
// limits}: the manifest's `forgive`), which index.js gives.
import { HAN_ONLY } from "./core.js";

const LATIN = /^[a-z]+$/;
const LONGEST_SYLLABLE = 6;
const words = (text) => text.split(" ").filter(Boolean);

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

/** Letters as the fewest syllables (the longest first on a tie); null if they are not. */
export function splitLatin(run, syllables) {
  const n = run.length;
  const best = new Array(n + 1).fill(null);
  const step = new Array(n + 1).fill(0);
  best[n] = 0;
  for (let i = n - 1; i >= 0; i--) {
    for (let size = Math.min(LONGEST_SYLLABLE, n - i); size > 0; size--) {
      const rest = best[i + size];
      const known = rest !== null && syllables.has(run.slice(i, i + size));
      if (known && (best[i] === null || rest + 1 < best[i])) [best[i], step[i]] = [rest + 1, size];
    }
  }
  if (best[0] === null) return null;
  const out = [];
  for (let i = 0; i < n; i += step[i]) out.push(run.slice(i, i + step[i]));
  return out;
}

const pairKeys = (readings) =>
  readings.slice(1).flatMap((next, i) => readings[i].flatMap((a) => next.map((b) => `${a} ${b}`)));

/**
 * The Han text of `syllables` in the fewest of the site's words (the heaviest on a tie);
 * the last word may be cut short. null when a syllable has no character.
 */
export function convert(syllables, lines) {
  const n = syllables.length;
  const best = new Array(n + 1).fill(null);
  const choice = [];
  best[n] = [0, 0];
  for (let i = n - 1; i >= 0; i--) {
    const options = entries(lines.get(syllables[i])).slice(0, 1).map(([c, , w]) => [i + 1, c, w]);
    const pair = i + 1 < n ? lines.get(`${syllables[i]} ${syllables[i + 1]}`) : [];
    for (const [word, rest, w] of entries(pair)) {
      const full = [syllables[i], syllables[i + 1], ...rest];
      const end = Math.min(n, i + full.length);
      if (syllables.slice(i, end).join(" ") === full.slice(0, end - i).join(" ")) {
        options.push([end, [...word].slice(0, end - i).join(""), w]);
      }
    }
    for (const [end, text, w] of options) {
      const score = best[end] && [best[end][0] + 1, best[end][1] - w];
      if (score && (best[i] === null || compare(score, best[i]) < 0)) {
        best[i] = score;
        choice[i] = [end, text];
      }
    }
  }
  if (best[0] === null) return null;
  let out = "";
  for (let i = 0; i < n; i = choice[i][0]) out += choice[i][1];
  return out;
}

const readingsOf = (chars, lines, limits) =>
  chars.map((ch) => words(lines.get(ch)?.[0] ?? "").slice(0, limits.readings));

/**
 * `run` with a word of the site in place of a stretch that sounds the same, best first:
 * fewest characters changed, heaviest word, leftmost. When some character pairs occur in
 * no article (`suspects`, their positions), the stretch must cover one of them.
 */
export function corrections(run, lines, suspects, limits) {
  const chars = [...run];
  const readings = readingsOf(chars, lines, limits);
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

/** The best correction of a Han run no article holds, which one does (or null). */
async function fix(run, tools) {
  const chars = [...run];
  const lines = await tools.lines([...new Set(chars)]);
  for (const [k, v] of await tools.lines([...new Set(pairKeys(readingsOf(chars, lines, tools.limits)))])) {
    lines.set(k, v);
  }
  const suspects = [];
  for (let i = 0; i + 1 < chars.length; i++) {
    if (!(await tools.verbatim(chars[i] + chars[i + 1]))) suspects.push(i);
  }
  const found = corrections(run, lines, suspects, tools.limits).slice(0, tools.limits.tries);
  for (const candidate of found) if (await tools.verbatim(candidate)) return candidate;
  return null;
}

/** Latin runs as pinyin (their Han text), or one run as initials (the heaviest word). */
async function readLatin(runs, tools) {
  const inventory = new Set(words((await tools.lines(["~"])).get("~")?.[0] ?? ""));
  const split = runs.map((run) => splitLatin(run, inventory));
  const syllables = split.flatMap((part) => part ?? []);
  if (split.every((part) => part) && syllables.length >= 2 && syllables.length <= tools.limits.read) {
    const keys = [...syllables, ...pairKeys(syllables.map((s) => [s]))];
    let han = convert(syllables, await tools.lines(keys));
    if (han && !(await tools.verbatim(han))) han = (await fix(han, tools)) ?? han;
    return han;
  }
  return (await suggest(runs, tools))[0] ?? null;
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
    const wrong = HAN_ONLY.test(run) && n >= 2 && n <= tools.limits.read;
    fixed.push(wrong && !(await tools.verbatim(run)) ? ((await fix(run, tools)) ?? run) : run);
  }
  return fixed.some((run, i) => run !== runs[i]) ? fixed.join(" ") : null;
}

/** Hits of the query as typed and as read again: an article's scores summed. */
export function merge(first, second) {
  const merged = new Map(first.map((h) => [h.doc, { ...h, whole: false }]));
  for (const h of second) {
    const m = merged.get(h.doc);
    merged.set(h.doc, m ? { ...m, score: m.score + h.score, whole: h.whole } : { ...h });
  }
  const hits = [...merged.values()];
  for (const h of hits) h.rounded = Math.floor(h.score * 1e6 + 0.5);
  return hits.sort((a, b) => b.rounded - a.rounded || b.doc - a.doc);
}
