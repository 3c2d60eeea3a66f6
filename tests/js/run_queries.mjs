// Runs the browser's search in node over an exported index on disk, as the page would:
// the pure rules of search/core.js behind the same loader (search/index.js, which reads
// the files through the fetchText given here), for the Python tests to compare with Whoosh.
// Usage: node tests/js/run_queries.mjs OUTPUT/search/ [--snippets[=N]] < queries.json
// Prints, per query: runs, parts, how it was read again (or null), every hit's article number in rank order, the top ten
// scores, the items fetched, the requests made (one per file per round: the ranges of one
// round in one file go together, as search/index.js asks them) with the names of what each
// asked for, and with --snippets the
// marked text of the top N (3), whose heads and text chunks then count among the fetched.
import { open, readFile } from "node:fs/promises";
import { excerpt } from "../../theme/static/js/search/core.js";
import { createIndex } from "../../theme/static/js/search/index.js";

const [base, flag = ""] = process.argv.slice(2);
const snippetCount = flag.startsWith("--snippets") ? Number(flag.split("=")[1] ?? 3) : 0;
let input = "";
for await (const chunk of process.stdin) input += chunk;

/** A byte range of a pack, as a server honouring Range sends it. */
async function readRange(path, [first, last]) {
  const file = await open(path);
  try {
    const bytes = new Uint8Array(last - first + 1);
    const { bytesRead } = await file.read(bytes, 0, bytes.length, first);
    return bytes.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

const out = [];
for (const q of JSON.parse(input)) {
  // A fresh index per query: each search is a cold search, its fetches counted alone.
  const fetched = [];
  const bytesRead = [];
  const requests = [];
  const asked = [];
  const index = createIndex(base, (url, { ranges, names, name }) => {
    requests.push(url.slice(base.length));
    asked.push(ranges ? names : [name]);
    if (!ranges) {
      fetched.push(name);
      bytesRead.push(0);
      return readFile(url).then((b) => new Uint8Array(b));
    }
    fetched.push(...names);
    bytesRead.push(...ranges.map(([first, last]) => last - first + 1));
    return Promise.all(ranges.map((r) => readRange(url, r)));
  });
  const { query, hits, t2s, reading } = await index.search(q);
  const result = {
    q,
    runs: query.runs,
    parts: query.parts,
    reading: reading?.text ?? null,
    docs: hits.map((h) => h.doc),
    scores: hits.slice(0, 10).map((h) => h.score),
    fetched,
    bytesRead,
    requests,
    asked,
  };
  if (snippetCount) {
    result.snippets = [];
    for (const h of hits.slice(0, snippetCount)) {
      const a = await index.article(h.doc);
      // A query read again (pinyin, a homophone put right) is marked as read, as the page does.
      const shown = reading?.query ?? query;
      const needles = [...query.runs, ...query.parts, ...shown.runs, ...shown.parts];
      const text = await index.text(h.doc, shown, h, t2s, a);
      const marked = excerpt(text, needles, 120, t2s).filter((s) => s.mark);
      result.snippets.push({ url: a.u, marked: marked.map((s) => s.text) });
    }
  }
  out.push(result);
}
process.stdout.write(JSON.stringify(out));
