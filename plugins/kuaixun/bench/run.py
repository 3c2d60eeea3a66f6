"""`invoke bench`: build the corpus sites and measure ours against bare Pelican and Pagefind.

One run, one size after another, builds strictly one at a time (the machine has two cores;
parallel builds would distort each other's timings). Writes docs/benchmarks.md and .json.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kuaixun.bench import browser as chromium
from kuaixun.bench import disk, samples, sites, typos
from kuaixun.bench.preview import livereload_figures
from kuaixun.bench.server import CountingServer, Link

ROOT = sites.ROOT
WORK = ROOT / "cache" / "bench"
DEFAULT_CORPUS = sites.CORPUS
PAGEFIND = "pagefind[extended]==1.5.2"
# Pagefind indexes article pages only (YYYY/MM/slug/), from the title through the body:
# the 栏目 link, byline/date line and tag footer are excluded, as our index keeps them apart.
PAGEFIND_ARGS = [
    "--glob",
    "[0-9][0-9][0-9][0-9]/[0-9][0-9]/*/index.html",
    "--root-selector",
    "article.article",
    "--exclude-selectors",
    ".article-category",
    "--exclude-selectors",
    ".article-meta",
    "--exclude-selectors",
    ".article-footer",
]
SLICES, TITLES, PASSAGES = 500, 200, 200
# Cold searches on the throttled link: every few queries of the set, both engines (minutes).
SLOW_QUERIES = 16
# Cold searches of homophone and pinyin slips (issue 16), ours: every few of them.
SLIP_COLD = 30


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_tools() -> None:
    """Pagefind extended into .venv and Debian's Chromium when missing (57 MB: no requirement)."""
    probe = subprocess.run(
        [sys.executable, "-c", "import pagefind_bin_extended"], capture_output=True
    )
    if probe.returncode:
        log(f"installing {PAGEFIND} into {sys.prefix}")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", PAGEFIND], check=True)
    if not Path(chromium.CHROMIUM).exists():
        log("installing Debian's chromium (apt-get)")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-cjk"], check=True
        )


def corpus_file(corpus: Path) -> tuple[Path, str]:
    if corpus.exists():  # named relative to the repository: the report is committed
        return corpus, os.path.relpath(corpus.resolve(), ROOT)
    derived = sites.derived_corpus(ROOT / "content", WORK / "derived-corpus.jsonl")
    shown = os.path.relpath(derived, ROOT)
    return derived, f"{os.path.relpath(corpus, ROOT)} is absent: derived from content/ ({shown})"


def machine() -> dict:
    import platform

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_bytes": memory, "os": platform.platform()}


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {"commit": _commit(), "python": sys.version.split()[0]}
    for name in (
        "pelican",
        "markdown",
        "jieba",
        "rjieba",
        "whoosh-reloaded",
        "pagefind",
        "playwright",
    ):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def _commit() -> str | None:
    """The code measured: HEAD, marked "+changes" when the tree differs from it.
    (A tree exported with `git archive` has no .git: BENCH_COMMIT names it.)"""
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    if head.returncode:
        return None
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return head.stdout.strip() + (" +changes" if status.stdout.strip() else "")


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered) + 0.5) - 1)]


def ours_ready(site: Path) -> bool:
    """Our search is measurable once the build exports a manifest and the page loads a module."""
    page = site / "search.html"
    return (
        (site / "search" / "manifest.json").exists()
        and page.exists()
        and ('type="module"' in page.read_text(encoding="utf-8"))
    )


def result_url(url: str) -> str:
    """A result's URL as the probes name their target."""
    return url.split("#")[0].lstrip("/").removesuffix("index.html")


def recall_figures(probes: list[samples.Probe], ranked: list[list[str]]) -> dict:
    """Verbatim recall (target anywhere), known-item top 3, zero results, per kind."""
    norm = result_url
    figures: dict = {}
    for kind in ("slice", "title", "passage"):
        pairs = [
            (p, [norm(u) for u in r]) for p, r in zip(probes, ranked, strict=True) if p.kind == kind
        ]
        if not pairs:
            continue
        found = sum(p.target in urls for p, urls in pairs)
        top3 = sum(p.target in urls[:3] for p, urls in pairs)
        empty = sum(not urls for _, urls in pairs)
        # A slice must be found at all; a known item must be in the top 3.
        depth = None if kind == "slice" else 3
        figures[kind] = {
            "queries": len(pairs),
            "found": found / len(pairs),
            "top3": top3 / len(pairs),
            "zero_results": empty / len(pairs),
            "misses": [p.query for p, urls in pairs if p.target not in urls[:depth]][:10],
        }
    return figures


def cold_figures(results: list[chromium.ColdSearch]) -> dict:
    latency = [r.latency_ms for r in results]
    search = [r.search_bytes for r in results]
    return {
        "queries": len(results),
        "latency_ms_median": median(latency),
        "latency_ms_p90": p90(latency),
        "bytes_median": median(search),
        "bytes_p90": p90(search),
        "first_view_bytes_median": median([r.first_view_bytes for r in results]),
        "total_bytes_median": median([r.total_bytes for r in results]),
        "requests_median": median([r.requests for r in results]),
        "search_requests_median": median([r.search_requests for r in results]),
        "timed_out": sum(r.timed_out for r in results),
        "by_query": [asdict(r) for r in results],
    }


def pelicans_own_writer() -> list[str]:
    """The site's plugins but search and hooks.pages: every page rendered by Pelican's writer."""
    from pelican.settings import read_settings

    plugins = read_settings(str(sites.SETTINGS))["PLUGINS"]
    return [p for p in plugins if p not in ("kuaixun.hooks.search", "kuaixun.hooks.pages")]


def measure_size(imported, size_label: str, query_set, browser) -> dict:
    count = len(imported) if size_label == "all" else min(int(size_label), len(imported))
    work = WORK / str(count)
    log(f"{count} articles: writing content")
    articles = sites.prepare_content(imported[:count], work / "content")
    figures: dict = {"articles": count, "site_articles": count + _own_articles()}

    # The pairs where the issues' targets are: the smaller site's ratio is for reading.
    figures.update(cold_builds(work, COLD_PAIRS if size_label == "all" else 1))
    log("bare build again, caches warm, nothing changed")
    figures["bare_warm"] = _timing(
        sites.build(work / "content", work / "bare", search=False, fresh=False)
    )
    _report_build(figures, "bare_warm")
    log("build with search again, caches warm, nothing changed")
    figures["search_warm"] = _timing(
        sites.build(work / "content", work / "search", search=True, fresh=False)
    )
    _report_build(figures, "search_warm")
    figures["site_files"], _ = sites.folder_size(work / "search" / "output")
    index_before = index_snapshot(work / "search" / "output" / "search")
    edited = articles[count // 2]
    sites.edit_one_article(edited)
    log(f"edit {edited.path.name}; rebuild with search, caches warm")
    figures["rebuild_search"] = _timing(
        sites.build(work / "content", work / "search", search=True, fresh=False)
    )
    _report_build(figures, "rebuild_search")
    figures["rebuild_search"]["phases"] = search_phases(work / "search")
    figures["index_after_edit"] = index_changes(
        index_before, index_snapshot(work / "search" / "output" / "search")
    )
    log("the content-only publishing path: make check, (the rebuild above), make verify")
    figures["content_only"] = content_only_path(work)
    log("rebuild bare, caches warm")
    figures["rebuild_bare"] = _timing(
        sites.build(work / "content", work / "bare", search=False, fresh=False)
    )
    _report_build(figures, "rebuild_bare")
    # What Pelican alone could do: its reader cache on (as pelicanconf.py has it), so a
    # rebuild re-reads only the edited file but still writes every page (Pelican's own
    # writer: without hooks.pages, which links the unchanged pages from the last build).
    log("bare rebuild with Pelican's content cache on (fill it, edit, rebuild)")
    cached = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True, "PLUGINS": pelicans_own_writer()}
    other = work / "bare-cached"
    _timing(sites.build(work / "content", other, search=False, fresh=True, settings=cached))
    sites.edit_one_article(articles[count // 2 + 1])
    figures["rebuild_bare_cached"] = _timing(
        sites.build(work / "content", other, search=False, fresh=False, settings=cached)
    )
    _report_build(figures, "rebuild_bare_cached")

    site = work / "search" / "output"
    ours = ours_ready(site)
    figures["ours_measured"] = ours
    log("Pagefind over the same built site")
    bundle = site / "pagefind"
    shutil.rmtree(bundle, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site),
        "--output-subdir",
        "pagefind",
        *PAGEFIND_ARGS,
    ]
    figures["pagefind_index"] = _timing(sites.timed(command, cwd=ROOT))
    files, size = sites.folder_size(bundle)
    figures["pagefind_index"].update(files=files, bytes=size)
    log(f"  {figures['pagefind_index']['seconds']:.1f} s, {size / 1e6:.1f} MB in {files} files")
    if ours:
        files, size = sites.folder_size(site / "search")
        figures["ours_index"] = {"files": files, "bytes": size}
        # Issue 16: what the pinyin layer adds, its families' bytes over the rest's.
        families = disk.published_figures(site / "search")["families"]
        layer = sum(sum(families.get(f, {}).values()) for f in disk.PINYIN_FAMILIES)
        figures["ours_index"]["pinyin_layer_bytes"] = layer

    probes = samples.verbatim_slices(articles, SLICES) + samples.known_items(
        articles, TITLES, PASSAGES
    )
    server = CountingServer(site, Path(__file__).parent)
    try:
        pages = {"pagefind": f"{server.url}/__bench/pagefind.html"}
        if ours:
            pages["ours"] = f"{server.url}/search.html"
        log(f"cold searches in Chromium: {len(query_set)} queries, {' and '.join(pages)}")
        for engine, results in cold_searches(browser, server, pages, query_set).items():
            figures[f"{engine}_cold"] = cold_figures(results)
        if size_label == "all":  # minutes of waiting: at the archive's size only
            slow_set = query_set[:: max(1, len(query_set) // SLOW_QUERIES)][:SLOW_QUERIES]
            log(f"cold searches on a phone network (150 ms, 1.6 Mbit/s): {len(slow_set)}")
            server.link = Link()
            for engine, results in cold_searches(browser, server, pages, slow_set).items():
                figures[f"{engine}_cold_slow4g"] = cold_figures(results)
            server.link = None
        figures.update(recall(browser, server, probes, bundle, site if ours else None))
        if size_label == "all":  # the figures are at the archive's size (7 minutes)
            figures.update(slip_figures(browser, server, articles, bundle, site if ours else None))
    finally:
        server.close()
    if size_label == "all":
        log("make livereload: from a save (an edit, a new article, a deletion) to the browser")
        figures["livereload"] = livereload_figures(work, articles[count // 3], browser)
    return figures


def recall(browser, server: CountingServer, probes, bundle: Path, site: Path | None) -> dict:
    """Verbatim slices and known items: where each engine ranks its article (no time taken,
    so the server answers untimed)."""
    items = [(p.query, p.target) for p in probes]
    with server.untimed():
        log(f"recall in Chromium: {len(probes)} probes, Pagefind")
        ranked = chromium.pagefind_ranks(browser, server, items, chromium.pagefind_urls(bundle))
        figures = {"pagefind_recall": recall_figures(probes, ranked)}
        if site is not None:
            log(f"recall in Chromium: {len(probes)} probes, ours")
            ranked = chromium.ours_ranks(
                browser, server, items, chromium.ours_urls(site / "search")
            )
            figures["ours_recall"] = recall_figures(probes, ranked)
    return figures


def slip_figures(browser, server: CountingServer, articles, bundle: Path, site: Path | None):
    """The pinyin keyboard's slips (typos.txt, issue 16) on both engines: homophone and
    pinyin queries → their article in the top 3; short words → the word meant shown (ours);
    cold searches of a few of them (bytes, requests)."""
    slips = typos.read()
    probes = typos.probes(slips, articles)
    items = [(p.query, p.target) for p in probes]
    with server.untimed():  # rankings: no time taken
        log(f"slips in Chromium: {len(probes)} homophone and pinyin queries, Pagefind")
        ranked = chromium.pagefind_ranks(browser, server, items, chromium.pagefind_urls(bundle))
        figures = {"pagefind_slips": typos.top3_figures(probes, _urls(ranked))}
        if site is None:
            return figures
        log(f"slips in Chromium: {len(probes)} homophone and pinyin queries, ours")
        ranked = chromium.ours_ranks(browser, server, items, chromium.ours_urls(site / "search"))
        figures["ours_slips"] = typos.top3_figures(probes, _urls(ranked))
        figures["ours_slips"]["short_word"] = typos.short_words_fixed(browser, server.url, slips)
    cold = [(p.kind, p.query) for p in probes[:: max(1, len(probes) // SLIP_COLD)]]
    log(f"cold searches in Chromium: {len(cold)} slips, ours")
    pages = {"ours": f"{server.url}/search.html"}
    figures["ours_cold_slips"] = cold_figures(cold_searches(browser, server, pages, cold)["ours"])
    return figures


def _urls(ranked: list[list[str]]) -> list[list[str]]:
    return [[result_url(u) for u in urls] for urls in ranked]


def content_only_path(work: Path) -> dict:
    """What CI runs for a push of content/ only, besides the strict build (the warm rebuild
    measured just before, with the development settings): the content check and the site
    check, each in its own process as make runs them."""
    invoke = [sys.executable, "-m", "invoke", "--search-root", str(ROOT)]
    check = sites.timed([*invoke, "check", "--path", str(work / "content")], cwd=ROOT)
    verify = sites.timed(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from kuaixun.tools.sitecheck import "
            "site_problems; sys.exit(bool(site_problems(Path(sys.argv[1]))[0]))",
            str(work / "search" / "output"),
        ],
        cwd=ROOT,
    )
    return {
        "check_s": round(check.seconds, 2),
        "verify_s": round(verify.seconds, 2),
        "returncodes": [check.returncode, verify.returncode],
    }


def index_snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file of a published index: its path under the folder → (SHA-1, size)."""
    import hashlib

    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha1(p.read_bytes()).hexdigest(),
            p.stat().st_size,
        )
        for p in folder.rglob("*")
        if p.is_file()
    }


def index_changes(before: dict, after: dict) -> dict:
    """What a deploy after the edit uploads: files whose name or bytes are new."""
    changed = [name for name, stamp in after.items() if before.get(name) != stamp]
    return {
        "files": len(after),
        "changed_files": len(changed),
        "changed_bytes": sum(after[name][1] for name in changed),
        "bytes": sum(size for _, size in after.values()),
    }


def search_phases(work: Path) -> dict | None:
    """What the search plugin says its last build did (cut, Whoosh, export seconds; how many
    articles it cut or reused), from the cache folder's last-build.json, when it writes one."""
    report = work / "search-cache" / "last-build.json"
    if not report.exists():
        return None
    data = json.loads(report.read_text(encoding="utf-8"))
    counts = {k: len(v) if isinstance(v, list) else v for k, v in data.items() if k != "seconds"}
    return {"seconds": data.get("seconds", {}), **counts}


def cold_searches(browser, server, pages: dict[str, str], query_set) -> dict[str, list]:
    """Each query on every engine in turn, the first engine alternating, so a change in the
    machine's load falls on both alike."""
    results: dict[str, list] = {engine: [] for engine in pages}
    engines = list(pages)
    for number, (_, query) in enumerate(query_set):
        order = engines if number % 2 == 0 else engines[::-1]
        for engine in order:
            results[engine].append(chromium.cold_search(browser, server, pages[engine], query))
    return results


def _report_build(figures: dict, name: str) -> None:
    _check_build(figures[name], name)
    _log_timing(figures[name])


def _check_build(timing: dict, name: str) -> None:
    if timing["returncode"]:
        raise SystemExit(f"build failed ({name}):\n{timing['stderr']}")


def _log_timing(timing: dict) -> None:
    log(
        f"  {timing['seconds']:.1f} s wall, {timing['cpu_seconds']:.1f} s CPU, "
        f"load {timing['load_average']:.1f}"
    )


def _own_articles() -> int:
    return len(list((ROOT / "content" / "articles").rglob("*.md")))


# Cold builds at the archive size are timed in this many pairs, bare then with search: the
# ratio of each pair, and the pair whose ratio is the median (docs/search.md, "Twenty-first
# look").
COLD_PAIRS = 3


def cold_builds(work: Path, pairs: int = COLD_PAIRS) -> dict:
    """The bare build and the build with search, every cache cold: each made once with its
    processes' memory sampled (the summed peak), then timed in `pairs` pairs with nothing
    reading /proc beside them, bare and with search one after the other, so that the
    sampler's CPU is not counted as a build's.

    One build of each, minutes apart, gave a ratio that moved by ± 10 % with what else the
    machine ran: on one machine in one hour, bare 26.9–33.5 s and with search 51.2–67.3 s.
    A pair's two builds see nearly the same machine; the figures are the pair whose ratio
    is the median, with every pair's seconds kept (`cold_pairs`)."""
    content = work / "content"
    sampled = {}
    for name, search in (("bare", False), ("search", True)):
        log(f"{name} build, fresh caches, memory sampled")
        sampled[name] = _timing(sites.build(content, work / name, search=search, fresh=True))
        _check_build(sampled[name], name)
    timed_pairs: list[dict] = []
    for k in range(pairs):
        pair: dict = {}
        for name, search in (("bare", False), ("search", True)):
            log(f"{name} build, fresh caches, timed (pair {k + 1} of {pairs})")
            timing = _timing(
                sites.build(content, work / name, search=search, fresh=True, sample_memory=False)
            )
            _check_build(timing, name)
            if search:
                timing["phases"] = search_phases(work / name)
            pair[name] = timing
            _log_timing(timing)
        pair["ratio"] = round(pair["search"]["seconds"] / pair["bare"]["seconds"], 3)
        timed_pairs.append(pair)
    middle = sorted(timed_pairs, key=lambda p: p["ratio"])[len(timed_pairs) // 2]
    figures: dict = {"cold_pairs": [_pair_seconds(p) for p in timed_pairs]}
    for name in ("bare", "search"):
        timed = middle[name]
        figures[name] = {
            **timed,
            "peak_rss_bytes": max(timed["peak_rss_bytes"], sampled[name]["peak_rss_bytes"]),
            "peak_rss_sum_bytes": sampled[name]["peak_rss_sum_bytes"],
            "seconds_sampled": sampled[name]["seconds"],
        }
    log(f"  pairs' ratios {[p['ratio'] for p in timed_pairs]}, median {middle['ratio']}")
    return figures


def _pair_seconds(pair: dict) -> dict:
    return {
        "bare_s": pair["bare"]["seconds"],
        "search_s": pair["search"]["seconds"],
        "ratio": pair["ratio"],
    }


def _timing(timing: sites.Timing) -> dict:
    return {
        "seconds": round(timing.seconds, 2),
        "cpu_seconds": round(timing.cpu_seconds, 2),
        "load_average": round(timing.load_average, 2),
        "peak_rss_bytes": timing.peak_rss_bytes,
        "peak_rss_sum_bytes": timing.peak_rss_sum_bytes,
        "returncode": timing.returncode,
        "stderr": timing.stderr[-3000:] if timing.returncode else "",
    }


def run(corpus: Path, sizes: list[str], docs: Path) -> dict:
    from pelican.settings import read_settings
    from playwright.sync_api import sync_playwright

    from kuaixun.bench import report

    started = time.perf_counter()
    sites.empty_trash(WORK)  # a run cut short leaves its old builds there
    ensure_tools()
    source, corpus_note = corpus_file(corpus)
    categories = read_settings(str(sites.SETTINGS))["CATEGORIES"]
    log(f"importing {source}")
    # Read by its path from the repository, so the problems the report lists name no folder
    # of this machine (the bench runs from the repository: tasks.bench changes into it).
    records, imported = sites.import_corpus(Path(os.path.relpath(source, ROOT)), categories)
    results: dict[str, Any] = {
        "machine": machine(),
        "versions": versions(),
        "corpus": {
            "path": corpus_note,
            "records": records,
            "articles": len(imported.articles),
            "invalid": [str(p) for p in imported.invalid],
            "notes": len(imported.notes),
        },
        "queries": samples.query_set(),
        "samples": {"slices": SLICES, "titles": TITLES, "passages": PASSAGES},
        "sizes": {},
    }
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        results["versions"]["chromium"] = browser.version
        for label in sizes:
            figures = measure_size(imported.articles, label, results["queries"], browser)
            results["sizes"][str(figures["articles"])] = figures
            # Kept as we go, so a run cut short still leaves what it measured.
            partial = json.dumps(results, ensure_ascii=False, indent=1)
            (WORK / "results-partial.json").write_text(partial, encoding="utf-8")
        browser.close()
    smallest = min(results["sizes"], key=int)
    if results["sizes"][smallest]["ours_measured"]:
        log(f"profile of a fresh build with search at {smallest} articles (cProfile)")
        work = WORK / smallest
        results["profile"] = {
            "articles": int(smallest),
            "rows": sites.profile_build(work / "content", work / "profile"),
        }
    from kuaixun.bench import lighthouse

    log("Lighthouse (mobile) on content/: 3 runs a page")
    results["lighthouse"] = lighthouse.build_and_measure(WORK / "lighthouse")
    sites.empty_trash(WORK)  # the fresh builds' old folders, deleted once nothing is timed
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    report.write(results, docs)
    (WORK / "results.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    log(f"done in {results['bench_seconds']:.0f} s: {docs / 'benchmarks.md'}")
    return results


def rewrite_report(docs: Path) -> None:
    """Write the report again from the last run's figures (after editing analysis.md)."""
    from kuaixun.bench import report

    saved = WORK / "results.json"
    if not saved.exists():
        raise SystemExit(f"{saved} is missing: run `invoke bench` first")
    results = json.loads(saved.read_text(encoding="utf-8"))
    report.write(results, docs, date=results.get("date"))
