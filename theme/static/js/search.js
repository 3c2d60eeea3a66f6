// The search page's entry, the one script it loads. The modules under search/ are split by
// layer: core.js (the rules: normalize, cut, score, excerpt) and codec.js (file formats),
// both pure; index.js loads the files; page.js is the page's DOM. search.html preloads
// every one of them (modulepreload), so the browser fetches them in one round, not one
// import after another. createIndex is exported for the benchmark, which imports this.
import { startSearchPage } from "./search/page.js";

export { createIndex } from "./search/index.js";

const root = document.getElementById("search");
if (root) startSearchPage(root);
