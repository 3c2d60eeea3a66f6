// The search page's entry, the one script it loads. The modules under search/ are split by
// layer: core.js (the rules: normalize, cut, score, excerpt) and codec.js (file formats),
// both pure; index.js loads the files; page.js is the page's DOM. The site ships this file
// with them joined into it (kuaixun.core.bundle), so the page makes one request for its
// code, not one per module. createIndex is exported for the benchmark, which imports this.
import { startSearchPage } from "./search/page.js";

export { createIndex } from "./search/index.js";

const root = document.getElementById("search");
if (root) startSearchPage(root);
