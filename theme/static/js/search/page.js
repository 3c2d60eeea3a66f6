// The search page's view: form, 栏目 and year filters, results with their snippets, the
// pinyin suggestions under the box and 您是不是要找, history and keyboard; text nodes only, never innerHTML. Every query gets a generation:
// whatever an older query finds after a newer one started (results, snippets, status) is
// dropped, so the page only ever shows the latest query. A search that fails (network,
// timeout, a file missing or broken, a browser lacking something) says so in the status
// line, with a retry and the archive; one that failed because a deploy replaced the index
// searches the new index once by itself.
import { excerpt, holdsQuery, suggestions } from "./core.js";
import { OUTDATED, createIndex, networkFetch } from "./index.js";

const PAGE_SIZE = 10;
// Three letters or more may be the initials of a word of the site (pcq → 平城区).
const INITIALS = /^[a-z]{3,}$/i;

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/** Replaces a node's children (Element.replaceChildren: only from Chrome 86). */
function show(node, ...children) {
  node.textContent = "";
  node.append(...children);
}

function markedText(tag, segments, attributes = {}) {
  const node = element(tag, attributes);
  for (const s of segments) node.append(s.mark ? element("mark", {}, s.text) : s.text);
  return node;
}

/**
 * The page's words `key` (search.html's #search-texts), each {} filled in turn by one of
 * `values` (text or nodes): a list for append() and show().
 */
function say(view, key, ...values) {
  return view.texts[key].split("{}").flatMap((part, i) => (i ? [values[i - 1], part] : part));
}

function chineseDate(view, iso) {
  return say(view, "date", ...iso.split("-").map(Number)).join("");
}

function yearOf(day) {
  return new Date(day * 86400000).getUTCFullYear();
}

/** Each call starts a generation and returns `live()`: false once a newer one started. */
function generations() {
  let latest = 0;
  return () => {
    const mine = ++latest;
    return () => mine === latest;
  };
}

/** Fills a result's snippet when it comes near the screen, not all ten at once. */
function snippetLoader() {
  if (typeof IntersectionObserver !== "function") {
    return { watch: (node, fill) => fill(), forget() {} };
  }
  const fills = new WeakMap();
  const observer = new IntersectionObserver(
    (seen) => {
      for (const entry of seen.filter((e) => e.isIntersecting)) {
        observer.unobserve(entry.target);
        fills.get(entry.target)();
      }
    },
    { rootMargin: "100px" },
  );
  return {
    watch(node, fill) {
      fills.set(node, fill);
      observer.observe(node);
    },
    forget: () => observer.disconnect(),
  };
}

/** A data block's JSON (search.html), or null (no block, empty, unreadable). */
function dataBlock(id) {
  try {
    return JSON.parse(document.getElementById(id)?.textContent || "null");
  } catch {
    return null;
  }
}

/**
 * The index's entry as the build put it into the page (core/search/export/entry.py), or null
 * (a page written before the export): then it is fetched.
 */
function entryInPage() {
  const entry = dataBlock("search-entry");
  return entry?.pack ? entry : null;
}

/**
 * This page was written before its script (#search-texts missing: a page cached from before
 * a deploy, or a deploy half uploaded, with the script from after it). Loaded again it is the
 * new page; if it was loaded again for this a minute ago (a cache or a deploy still serving
 * the old page) or cannot remember doing so (sessionStorage refused: a reload might loop),
 * the status line asks the reader to load it again later. Its one sentence is the script's
 * own: the old page has no words for it.
 */
function stalePage(root) {
  let last = Infinity;
  try {
    const was = sessionStorage.getItem("search-reloaded");
    sessionStorage.setItem("search-reloaded", Date.now());
    last = was;
  } catch {}
  if (Date.now() - last > 60000) location.reload();
  else show(root.querySelector("#search-status"), "请稍后刷新本页。");
}

/** Wires the search page: form, filters, results, history and keyboard. */
export function startSearchPage(root) {
  const texts = dataBlock("search-texts");
  if (!texts) return stalePage(root);
  const view = {
    form: root.querySelector("form"),
    box: root.querySelector("input[name=q]"),
    category: root.querySelector("select[name=lanmu]"),
    year: root.querySelector("select[name=year]"),
    status: root.querySelector("#search-status"),
    list: root.querySelector("#search-results"),
    more: root.querySelector("#search-more"),
    site: new URL(root.dataset.site, document.baseURI),
    archives: new URL(root.dataset.archives, document.baseURI).href,
    index: createIndex(
      new URL(root.dataset.index, document.baseURI).href,
      networkFetch(),
      entryInPage(),
    ),
    texts,
    snippets: snippetLoader(),
    startGeneration: generations(),
    shown: null, // the latest query's hits on screen: {hits, result, count, live}
  };
  view.suggestions = suggestionList(view, root);
  listen(view);
  root.classList.add("search-ready");
  run(view);
}

function listen(view) {
  view.form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(view, { q: view.box.value.trim() });
  });
  for (const select of [view.category, view.year]) {
    select.addEventListener("change", () =>
      navigate(view, {
        q: new URLSearchParams(location.search).get("q"),
        lanmu: view.category.value,
        year: view.year.value,
      }),
    );
  }
  view.more.addEventListener("click", () => {
    const { shown } = view;
    if (shown) appendPage(view, shown).catch((error) => failed(view, shown.live, error));
  });
  window.addEventListener("popstate", () => run(view));
  document.addEventListener("keydown", (event) => onKey(view, event));
}

function navigate(view, next) {
  const url = new URL(location.href);
  url.search = new URLSearchParams(Object.entries(next).filter(([, v]) => v)).toString();
  history.pushState(null, "", url.href);
  run(view);
}

/**
 * Searches for the query in the address (q, lanmu, year) and shows the first page.
 * `afterDeploy`: this is the search again after a deploy replaced the index.
 */
async function run(view, afterDeploy = false) {
  const live = view.startGeneration();
  const params = new URLSearchParams(location.search);
  const q = params.get("q") ?? "";
  const chosen = { lanmu: params.get("lanmu") ?? "", year: params.get("year") ?? "" };
  view.box.value = q;
  view.suggestions.close();
  show(view.list);
  view.snippets.forget();
  view.more.hidden = true;
  view.shown = null;
  if (!q.trim()) {
    show(view.status, ...say(view, "empty"));
    return;
  }
  show(view.status, ...say(view, "searching"));
  try {
    await showFirstPage(view, live, q, chosen);
  } catch (error) {
    await failed(view, live, error, afterDeploy);
  }
}

async function showFirstPage(view, live, q, chosen) {
  const result = await view.index.search(q);
  const lanmuOf = chosen.lanmu ? await view.index.lanmu() : null;
  if (!live()) return;
  showFilters(view, result, chosen);
  // A filter its select cannot show (a 栏目 renamed since the link was made, a year none of
  // these hits has) is dropped, so the page filters by what it shows.
  const lanmu = view.category.value;
  const year = view.year.value;
  const hits = result.hits.filter(
    (h) =>
      (!lanmu || lanmuOf[h.doc] === lanmu) &&
      (!year || String(yearOf(result.days[h.doc])) === year),
  );
  view.shown = { hits, result, count: 0, live };
  if (!hits.length && result.hits.length) {
    const all = element("a", { href: queryUrl(q) }, ...say(view, "all", result.hits.length));
    show(view.status, ...say(view, "elsewhere", all));
    return;
  }
  if (!hits.length) {
    showNothingFound(view, q, result);
    return;
  }
  show(view.status, ...say(view, "found", hits.length));
  if (result.reading) {
    const text = result.reading.text;
    view.status.append(...say(view, "meant", element("a", { href: queryUrl(text) }, text)));
  }
  await appendPage(view, view.shown);
}

/** A filter's options: its first (all, as the template wrote it), then `values`. */
function fillSelect(view, select, values, chosen) {
  show(select, select.options[0]);
  for (const [value, count] of values) {
    const text = count === null ? [value] : say(view, "counted", value, count);
    const option = element("option", { value: String(value) }, ...text);
    if (String(value) === chosen) option.selected = true;
    select.append(option);
  }
}

/** Every 栏目; the years of the hits, newest first, each with its number of hits. */
function showFilters(view, result, chosen) {
  const categories = result.manifest.categories.map((c) => [c, null]);
  fillSelect(view, view.category, categories, chosen.lanmu);
  const counts = new Map();
  for (const h of result.hits) {
    const y = yearOf(result.days[h.doc]);
    counts.set(y, (counts.get(y) ?? 0) + 1);
  }
  const years = [...counts].sort((a, b) => b[0] - a[0]);
  fillSelect(view, view.year, years, chosen.year);
}

function showNothingFound(view, q, result) {
  const ideas = suggestions(result.query.runs, result.hasKey, result.manifest.suggest ?? []);
  show(view.status, ...say(view, "nothing", q));
  if (!ideas.length) return;
  view.status.append(...say(view, "ideas"));
  ideas.forEach((idea, i) => {
    const link = element("a", { href: queryUrl(idea) }, idea);
    view.status.append(...(i ? say(view, "and") : []), link);
  });
}

function queryUrl(q) {
  const url = new URL(location.href);
  url.search = new URLSearchParams({ q }).toString();
  return url.href;
}

/**
 * The list under the box (search/suggest.js), loaded when three letters are first typed: a
 * search opened by its address, or typed in Han characters, never needs its code.
 */
function suggestionList(view, root) {
  let list = null;
  view.box.addEventListener("input", () => {
    if (list || !INITIALS.test(view.box.value.trim())) return;
    list = import("./suggest.js")
      .then(({ suggestionList: make }) => {
        const made = make(view, root, { element, show, navigate, say, initials: INITIALS });
        made.suggest(); // the letters typed so far; every later input is its own
        return made;
      })
      .catch(() => (list = null)); // the next letters try again
  });
  return { close: () => list?.then((made) => made?.close()) };
}

/** The next PAGE_SIZE hits of `shown`, unless a newer query started meanwhile. */
async function appendPage(view, shown) {
  const page = shown.hits.slice(shown.count, shown.count + PAGE_SIZE);
  shown.count += page.length;
  const heads = await Promise.all(page.map((h) => view.index.article(h.doc)));
  if (!shown.live()) return;
  heads.forEach((head, i) => {
    const { item, fill, fromHead } = resultItem(view, shown, page[i], head);
    view.list.append(item);
    // A snippet its head holds costs no request: shown with its result, in this task,
    // below the screen too; the others wait until their result comes near the screen.
    if (fromHead) fill();
    else view.snippets.watch(item, fill);
  });
  view.more.hidden = shown.count >= shown.hits.length;
}

/**
 * One result: title with the query marked, date, 栏目, and its snippet to fill (`fromHead`:
 * its head holds enough of the query for it, so filling it reads nothing).
 */
function resultItem(view, shown, hit, head) {
  const { t2s, reading } = shown.result;
  // A query read again (pinyin, a homophone put right): the Han text it was read as is marked.
  const query = reading?.query ?? shown.result.query;
  const typed = shown.result.query;
  const needles = [...typed.runs, ...typed.parts, ...query.runs, ...query.parts];
  const title = markedText("span", excerpt(head.t, needles, 1000, t2s));
  const link = element("a", { href: new URL(head.u, view.site).href }, title);
  const date = element("time", { datetime: head.d }, chineseDate(view, head.d));
  const meta = element("p", { class: "search-meta" }, date, ` · ${head.c}`);
  const snippet = element("p", { class: "search-snippet" });
  const item = element("li", {}, element("h2", {}, link), meta, snippet);
  const fill = async () => {
    try {
      const text = await view.index.text(hit.doc, query, hit, t2s, head);
      if (!shown.live()) return;
      const attributes = { class: "search-snippet" };
      snippet.replaceWith(markedText("p", excerpt(text, needles, 120, t2s), attributes));
    } catch (error) {
      await failed(view, shown.live, error);
    }
  };
  const enough = holdsQuery(query, hit, t2s);
  const fromHead = head.x.length <= 4 || enough(head.s) || enough(head.t); // x: no more text
  // The first text batch of every result shown whose match lies past its head, read now:
  // the heads arrived together, so these go in one request, before the reader scrolls.
  if (!fromHead) view.index.text(hit.doc, query, hit, t2s, head, 1).catch(() => {});
  return { item, fill, fromHead };
}

/**
 * A search of generation `live` failed. When a deploy replaced the index since the page
 * loaded (its files are gone: 404), the query runs again, once, over the new index;
 * otherwise the status line says so, with a retry and the archive. A deploy that changed
 * the index's format (OUTDATED) asks for the page to be loaded again, with a button.
 */
async function failed(view, live, error, afterDeploy = false) {
  if (!live()) return;
  // renew(): true for a new index, false for the same, or what it failed with
  const renewed = afterDeploy ? error : await view.index.renew().catch((e) => e);
  if (!live()) return;
  if (renewed === true) {
    run(view, true);
    return;
  }
  const outdated = [error, renewed].includes(OUTDATED);
  console.error(error);
  view.more.hidden = true;
  // A deploy changed the index's format: this page's code cannot read it, a fresh page can.
  const retry = element("button", { type: "button", class: "search-retry" });
  retry.append(...say(view, "retry"));
  retry.addEventListener("click", () => (outdated ? location.reload() : run(view)));
  const archives = element("a", { href: view.archives }, ...say(view, "archives"));
  show(view.status, ...say(view, "failed", ...say(view, outdated ? "updated" : "broken")), retry);
  view.status.append(...say(view, "browse", archives));
}

/** "/" focuses the box; the arrow keys walk from the box through the results' links. */
function onKey(view, event) {
  const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
  if (event.key === "/" && !typing) {
    event.preventDefault();
    view.box.focus();
    view.box.select();
    return;
  }
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const links = [...view.list.querySelectorAll("h2 a")];
  const at = links.indexOf(document.activeElement);
  if (event.target === view.box && event.key === "ArrowDown" && links.length) {
    event.preventDefault();
    links[0].focus();
  } else if (at >= 0) {
    event.preventDefault();
    const next = at + (event.key === "ArrowDown" ? 1 : -1);
    (next < 0 ? view.box : links[Math.min(next, links.length - 1)]).focus();
  }
}
