// Runs the browser's search module in node over an exported index on disk.
// Usage: node tests/js/run_queries.mjs OUTPUT/search/ < queries.json  → JSON results.
import { readFile } from "node:fs/promises";
import { createIndex, excerpt } from "../../theme/static/js/search.js";

const base = process.argv[2];
const read = async (stream) => {
  let text = "";
  for await (const chunk of stream) text += chunk;
  return text;
};
const queries = JSON.parse(await read(process.stdin));
const fetched = [];
const index = createIndex(base, (url) => {
  fetched.push(url);
  return readFile(url, "utf-8");
});
const out = [];
for (const q of queries) {
  const { query, hits, t2s } = await index.search(q);
  const top = [];
  for (const h of hits.slice(0, 10)) {
    const a = await index.article(h.doc);
    const needles = [...query.runs, ...query.parts];
    const marked = excerpt(a.x, needles, 120, t2s).filter((s) => s.mark).map((s) => s.text);
    top.push({ doc: h.doc, score: h.score, url: a.u, marked });
  }
  out.push({ q, runs: query.runs, parts: query.parts, count: hits.length, top });
}
process.stdout.write(JSON.stringify(out));
