// Parses each script the site ships at the language level of the browser floor
// (docs/browsers.md): ES2020 modules, less `export * as name from` (Safari 14.1) and regular
// expression lookbehind (Safari 16.4), which Safari 14.0 refuses to parse.
// Usage: node tests/js/check_syntax.mjs FILE… ; prints {file: problem or null} as JSON.
import { readFileSync } from "node:fs";
import { parse } from "acorn";

const LEVEL = { ecmaVersion: 2020, sourceType: "module", locations: true };

/** Each node of the tree, depth first. */
function* nodes(node) {
  if (!node || typeof node.type !== "string") return;
  yield node;
  for (const value of Object.values(node)) {
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child === "object") yield* nodes(child);
    }
  }
}

function beyondTheFloor(node) {
  if (node.type === "ExportAllDeclaration" && node.exported) return "export * as name (Safari 14.1)";
  if (node.regex && /\(\?<[=!]/.test(node.regex.pattern)) return "regex lookbehind (Safari 16.4)";
  return null;
}

function problemOf(file) {
  let tree;
  try {
    tree = parse(readFileSync(file, "utf8"), LEVEL);
  } catch (error) {
    return `${error.message} (ES2020)`;
  }
  for (const node of nodes(tree)) {
    const problem = beyondTheFloor(node);
    if (problem) return `${problem} at line ${node.loc.start.line}`;
  }
  return null;
}

const report = {};
for (const file of process.argv.slice(2)) report[file] = problemOf(file);
process.stdout.write(JSON.stringify(report));
