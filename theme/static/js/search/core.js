// Search's rules as pure functions — text in, answers out; no DOM, no network — so node
// runs them against Python: normalize (normalize.py), the query's cut over the site's own
// vocabulary (query.py), score (rank.py), the excerpt and the suggestions. Code points,
// not UTF-16 units, are counted everywhere, as Python does.

// Han characters, the same ranges as HAN_RANGES in kuaixun/core/cjk/text.py (a test compares).
const HAN =
  "\\u{2e80}-\\u{2eff}\\u{2f00}-\\u{2fdf}\\u{3007}\\u{3400}-\\u{4dbf}\\u{4e00}-\\u{9fff}" +
  "\\u{f900}-\\u{faff}\\u{20000}-\\u{2a6df}\\u{2a700}-\\u{2ee5f}\\u{2f800}-\\u{2fa1f}" +
  "\\u{30000}-\\u{323af}";
const WORD_RUN = new RegExp(`[${HAN}0-9a-z]+`, "gu");
const PIECE = new RegExp(`[${HAN}]+|[0-9a-z]+`, "gu");
export const HAN_ONLY = new RegExp(`^[${HAN}]+$`, "u");
export const HAN_CHAR = new RegExp(`[${HAN}]`, "u");

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
    const chars = [...run];
    keys.add(chars[chars.length - 1]);
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

/** Han characters of the runs that no article holds (neither as a key nor starting a pair). */
export function unknownCharacters(runs, hasKey) {
  const known = (ch) =>
    hasKey(ch) ||
    runs.some((run) => {
      const chars = [...run];
      return chars.some((c, i) => c === ch && hasKey(c + (chars[i + 1] ?? "")));
    });
  return [...new Set([...runs.join("")])].filter((ch) => HAN_CHAR.test(ch) && !known(ch));
}

// ---------------------------------------------------------------- ranking (rank.py)

/** Whoosh's BM25 for one field (same operations, same order as whoosh.scoring.bm25). */
function bm25(idf, tf, fl, avgfl, K1, B) {
  return idf * ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * fl) / avgfl)));
}

/** Per article: the summed BM25F of the query's parts, and which parts it matched. */
function termScores(parts, lists, m) {
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
  return { base, matched };
}

/** Per article: the characters of the runs it holds verbatim, and which runs those are. */
function verbatimRuns(runs, lists) {
  const chars = new Map();
  const found = new Map();
  runs.forEach((run, r) => {
    let docs = null;
    for (const gram of runGrams(run)) {
      const holding = new Set(lists.docs(gram));
      docs = docs === null ? holding : new Set([...docs].filter((d) => holding.has(d)));
    }
    for (const d of docs) {
      chars.set(d, (chars.get(d) ?? 0) + [...run].length);
      if (!found.has(d)) found.set(d, new Set());
      found.get(d).add(r);
    }
  });
  return { chars, found };
}

/**
 * Every article matching any part of the query, best first; see kuaixun/core/search/rank.py.
 * lists.postings(term) → decoded postings or null; lists.docs(gram) → article numbers.
 */
export function score(query, lists, days, m) {
  const { runs, parts, partRuns } = query;
  if (!parts.length) return [];
  const { base, matched } = termScores(parts, lists, m);
  const verbatim = verbatimRuns(runs, lists);
  const hits = [];
  for (const d of new Set([...base.keys(), ...verbatim.chars.keys()])) {
    const own = new Set(matched.get(d) ?? []);
    const inRuns = verbatim.found.get(d) ?? new Set();
    partRuns.forEach((rs, p) => {
      if (rs.some((r) => inRuns.has(r))) own.add(p);
    });
    const coverage = own.size / parts.length;
    const recency = 1 + (m.recency * m.halfLife) / (m.halfLife + (m.latest - days[d]));
    const phrase = m.phrase * (verbatim.chars.get(d) ?? 0);
    const value = ((base.get(d) ?? 0) + phrase) * coverage * coverage * recency;
    const whole = inRuns.size === runs.length; // every run of the query found verbatim
    const held = [...own].map((p) => parts[p]); // the parts its snippet can show
    hits.push({ doc: d, score: value, rounded: Math.floor(value * 1e6 + 0.5), whole, held });
  }
  hits.sort((a, b) => b.rounded - a.rounded || b.doc - a.doc);
  return hits;
}

// ---------------------------------------------------------------- what the reader sees

/**
 * Each character's weight in `text`: the square of the longest needle covering it (0: no
 * match). The text is folded as the query was (t2s), mapping back to the original characters.
 */
function matchWeights(text, needles, t2s) {
  const original = [...text];
  let folded = "";
  const origin = [];
  original.forEach((ch, i) => {
    for (const unit of normalize(ch, t2s)) {
      folded += unit;
      origin.push(i);
    }
  });
  const foldedLength = [...folded].length;
  const weight = new Array(original.length).fill(0);
  const sorted = [...new Set(needles)].filter(Boolean).sort((a, b) => b.length - a.length);
  for (const needle of sorted) {
    const len = [...needle].length;
    for (let at = folded.indexOf(needle); at >= 0; at = folded.indexOf(needle, at + 1)) {
      const start = [...folded.slice(0, at)].length;
      for (let k = start; k < start + len && k < foldedLength; k++) {
        weight[origin[k]] = Math.max(weight[origin[k]], len * len);
      }
    }
  }
  return weight;
}

/** Where the window of `width` characters with the most weight starts. */
function densestWindow(weight, width) {
  let bestStart = 0;
  let bestCount = -1;
  let count = 0;
  for (let i = 0; i < weight.length; i++) {
    count += weight[i];
    if (i >= width) count -= weight[i - width];
    if (i >= Math.min(width, weight.length) - 1 && count > bestCount) {
      bestCount = count;
      bestStart = Math.max(0, i - width + 1);
    }
  }
  // Start a little before the first match in the window, at most a sentence back.
  const firstMark = weight.findIndex((w, i) => i >= bestStart && w > 0);
  if (firstMark > bestStart + width / 4) bestStart = firstMark - Math.floor(width / 4);
  return bestStart;
}

/**
 * The densest window of `width` characters of `text` around the query's matches (a few
 * more where a match crosses its ends), as segments [{text, mark}] (mark: a match). A character matched by a longer needle weighs
 * more, so a whole passage outweighs scattered single characters. t2s folds the text as
 * the query was folded.
 */
export function excerpt(text, needles, width = 120, t2s = new Map()) {
  const original = [...text];
  const weight = matchWeights(text, needles, t2s);
  let start = densestWindow(weight, width);
  let stop = Math.min(original.length, start + width);
  // Its ends move out to the ends of a match they would cut: no half word marked.
  while (start > 0 && weight[start - 1] > 0 && weight[start] > 0) start--;
  while (stop < original.length && weight[stop] > 0 && weight[stop - 1] > 0) stop++;
  const segments = [];
  if (start > 0) segments.push({ text: "…", mark: false });
  for (let i = start; i < stop; i++) {
    const mark = weight[i] > 0;
    const last = segments[segments.length - 1];
    if (last && last.mark === mark && last.text !== "…") last.text += original[i];
    else segments.push({ text: original[i], mark });
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

/**
 * A text cut before its article ends (a head's start, or the chunks up to a match) less
 * the first characters of a word the cut split: the 社 of 社区矫正 would be marked alone.
 */
export function withoutCutWord(text, words, t2s = new Map()) {
  const chars = [...text];
  let cut = 0;
  for (const word of words.map((w) => [...w])) {
    for (let k = Math.min(word.length - 1, chars.length); k > cut; k--) {
      if (normalize(chars.slice(-k).join(""), t2s) === word.slice(0, k).join("")) {
        cut = k;
        break;
      }
    }
  }
  return cut ? chars.slice(0, -cut).join("") : text;
}

/**
 * Whether a text holds enough of the query for a snippet of `hit` (score's: `whole`, and
 * `held`, the parts it matched): for a hit holding the whole query verbatim, every run (a
 * title holding them all will do); for any other hit, some term of two or more characters
 * that it holds (or any term it holds, when it holds none that long). A part the article
 * lacks is never looked for: its text would be read to the end for nothing.
 */
export function holdsQuery(query, { whole = false, held = [] } = {}, t2s = new Map()) {
  const parts = held.length ? held : query.parts;
  const long = parts.filter((p) => [...p].length > 1);
  const wanted = whole ? query.runs : long.length ? long : parts;
  return (text) => {
    const folded = normalize(text, t2s);
    const found = (w) => folded.includes(w);
    return whole ? wanted.every(found) : wanted.some(found);
  };
}
