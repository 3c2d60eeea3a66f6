"""docs/benchmarks.md and docs/benchmarks.json from one `invoke bench` run.

Figures come only from the run; where ours could not be measured the report says so and
the JSON holds null. benchmarks/analysis.md (written by a person after reading a run) is
appended as the closing note.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from kuaixun.bench import lighthouse

ANALYSIS = Path(__file__).with_name("analysis.md")
METHOD = Path(__file__).with_name("method.md")
KB = 1024


def _mb(value) -> str:
    if value is None:
        return "—"
    return f"{value / 1e6:.1f} MB" if abs(value) >= 1e6 else f"{value / KB:.0f} KB"


def _kb(value) -> str:
    return "—" if value is None else f"{value / KB:.1f} KB"


def _s(value) -> str:
    return "—" if value is None else f"{value:.1f} s"


def _ms(value) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _ratio(a, b) -> str:
    return "—" if a is None or not b else f"{a / b:.2f} ×"


def _get(figures: dict, *keys):
    for key in keys:
        if not isinstance(figures, dict) or key not in figures:
            return None
        figures = figures[key]
    return figures


def headline(figures: dict) -> dict:
    """The keys docs/benchmarks.json promises, for one size (null where not measured)."""

    def recall(engine: str, kind: str, what: str):
        return _get(figures, f"{engine}_recall", kind, what)

    def known(engine: str):
        parts = [figures.get(f"{engine}_recall", {}).get(k) for k in ("title", "passage")]
        parts = [p for p in parts if p]
        if not parts:
            return None
        return sum(p["top3"] * p["queries"] for p in parts) / sum(p["queries"] for p in parts)

    return {
        "articles": figures["site_articles"],
        "cold_search_bytes_median": _get(figures, "ours_cold", "bytes_median"),
        "cold_search_bytes_p90": _get(figures, "ours_cold", "bytes_p90"),
        "pagefind_cold_search_bytes_median": _get(figures, "pagefind_cold", "bytes_median"),
        "pagefind_cold_search_bytes_p90": _get(figures, "pagefind_cold", "bytes_p90"),
        "latency_ms_median": _get(figures, "ours_cold", "latency_ms_median"),
        "latency_ms_p90": _get(figures, "ours_cold", "latency_ms_p90"),
        "pagefind_latency_ms_median": _get(figures, "pagefind_cold", "latency_ms_median"),
        "pagefind_latency_ms_p90": _get(figures, "pagefind_cold", "latency_ms_p90"),
        "verbatim_recall": recall("ours", "slice", "found"),
        "pagefind_verbatim_recall": recall("pagefind", "slice", "found"),
        "known_item_top3": known("ours"),
        "pagefind_known_item_top3": known("pagefind"),
        # The pinyin keyboard's slips (issue 16, plugins/kuaixun/bench/typos.txt).
        "homophone_top3": _get(figures, "ours_slips", "homophone", "top3"),
        "pagefind_homophone_top3": _get(figures, "pagefind_slips", "homophone", "top3"),
        "short_word_fixed": _get(figures, "ours_slips", "short_word", "fixed"),
        "pinyin_top3": _get(figures, "ours_slips", "pinyin", "top3"),
        "pagefind_pinyin_top3": _get(figures, "pagefind_slips", "pinyin", "top3"),
        "slip_cold_search_bytes_median": _get(figures, "ours_cold_slips", "bytes_median"),
        "pinyin_index_growth": _pinyin_growth(figures),
        "title_zero_results": recall("ours", "title", "zero_results"),
        "pagefind_title_zero_results": recall("pagefind", "title", "zero_results"),
        "latency_slow4g_ms_median": _get(figures, "ours_cold_slow4g", "latency_ms_median"),
        "pagefind_latency_slow4g_ms_median": _get(
            figures, "pagefind_cold_slow4g", "latency_ms_median"
        ),
        "requests_median": _get(figures, "ours_cold", "requests_median"),
        "pagefind_requests_median": _get(figures, "pagefind_cold", "requests_median"),
        "search_requests_median": _get(figures, "ours_cold", "search_requests_median"),
        "pagefind_search_requests_median": _get(figures, "pagefind_cold", "search_requests_median"),
        "site_files": figures.get("site_files"),
        "publish_content_only_s": _content_only(figures),
        "index_files_changed_after_edit": _share(figures, "changed_files", "files"),
        "index_bytes_changed_after_edit": _share(figures, "changed_bytes", "bytes"),
        "index_files": _get(figures, "ours_index", "files"),
        "index_bytes": _get(figures, "ours_index", "bytes"),
        "pagefind_index_files": _get(figures, "pagefind_index", "files"),
        "pagefind_index_bytes": _get(figures, "pagefind_index", "bytes"),
        "pagefind_index_s": _get(figures, "pagefind_index", "seconds"),
        "build_s_bare": _get(figures, "bare", "seconds"),
        "build_s_search": _get(figures, "search", "seconds")
        if figures.get("ours_measured")
        else None,
        # Every pair's ratio (run.cold_builds); the seconds above are the median pair's.
        "build_s_ratios_cold_pairs": [p["ratio"] for p in figures.get("cold_pairs", [])]
        if figures.get("ours_measured")
        else None,
        "build_s_bare_warm": _get(figures, "bare_warm", "seconds"),
        "build_s_search_warm": _get(figures, "search_warm", "seconds"),
        # Summed over the build's processes at one moment (the search indexes in a second).
        "build_peak_rss_bytes_bare": _get(figures, "bare", "peak_rss_sum_bytes"),
        "build_peak_rss_bytes_search": _get(figures, "search", "peak_rss_sum_bytes"),
        "rebuild_one_article_s_bare_cached": _get(figures, "rebuild_bare_cached", "seconds"),
        "livereload_s": _get(figures, "livereload", "seconds"),
        "rebuild_one_article_s": _get(figures, "rebuild_search", "seconds")
        if figures.get("ours_measured")
        else None,
        "rebuild_one_article_s_bare": _get(figures, "rebuild_bare", "seconds"),
        "ours_measured": figures.get("ours_measured", False),
    }


def _content_only(figures: dict) -> float | None:
    """make check + the strict warm rebuild + make verify: a content-only push before deploy."""
    path, rebuild = figures.get("content_only"), figures.get("rebuild_search")
    if not path or not rebuild or any(path["returncodes"]):
        return None
    return round(path["check_s"] + rebuild["seconds"] + path["verify_s"], 1)


def _share(figures: dict, part: str, whole: str) -> float | None:
    """A share of the published index that a one-article edit changed (name or bytes)."""
    changes = figures.get("index_after_edit") or {}
    return changes[part] / changes[whole] if changes.get(whole) else None


def layout_goals(h: dict) -> list[tuple[str, str, str, str, str]]:
    """Issue "Search index at archive scale": files, phone network, requests, deploys."""

    def verdict(ok, miss: str) -> str:
        if ok is None:
            return "not yet measured"
        return "pass" if ok else f"**miss** — {miss}"

    site, files = h.get("site_files"), h.get("index_files")
    slow, pf_slow = h.get("latency_slow4g_ms_median"), h.get("pagefind_latency_slow4g_ms_median")
    requests, pf_requests = h.get("requests_median"), h.get("pagefind_requests_median")
    search_requests = h.get("search_requests_median")
    pf_search_requests = h.get("pagefind_search_requests_median")
    changed, changed_bytes = (
        h.get("index_files_changed_after_edit"),
        h.get("index_bytes_changed_after_edit"),
    )
    cold = h.get("cold_search_bytes_median")
    return [
        (
            "files of the whole built site / of the search index",
            "≤ 20,000 / ≤ 2,500",
            f"{site:,} / {files:,}" if site and files else NOT_MEASURED,
            f"index {h['pagefind_index_files']:,}" if h.get("pagefind_index_files") else "",
            verdict(
                None if not (site and files) else site <= 20_000 and files <= 2_500,
                f"{site:,} site files, {files:,} index files" if site and files else "",
            ),
        ),
        (
            "cold search on a phone network (150 ms, 1.6 Mbit/s), median",
            "≤ 0.4 × Pagefind's",
            f"{_ms(slow)} ({_ratio(slow, pf_slow)} Pagefind)",
            _ms(pf_slow),
            verdict(
                None if slow is None or not pf_slow else slow <= 0.4 * pf_slow,
                f"{_ratio(slow, pf_slow)} of Pagefind's",
            ),
        ),
        (
            "requests of a cold search, median (page, code, index, results)",
            "≤ 8",
            f"{requests:.0f}" if requests is not None else NOT_MEASURED,
            f"{pf_requests:.0f}" if pf_requests is not None else "",
            verdict(None if requests is None else requests <= 8, f"{requests} requests"),
        ),
        (
            "the same without the site chrome (CSS, icons), counted as bytes are",
            "(for reading; the goal is on all requests)",
            f"{search_requests:.0f}" if search_requests is not None else NOT_MEASURED,
            f"{pf_search_requests:.0f}" if pf_search_requests is not None else "",
            "",
        ),
        (
            "cold-search bytes, median (issue's layout target)",
            "≤ 30 KB",
            _kb(cold),
            "",
            verdict(None if cold is None else cold <= 30 * KB, f"{_kb(cold)}"),
        ),
        (
            "make livereload: a save → the browser shows it (edit, new, deleted: slowest)",
            "≤ 3 s",
            _s(h.get("livereload_s")),
            "",
            verdict(
                None if h.get("livereload_s") is None else h["livereload_s"] <= 3,
                _s(h.get("livereload_s")),
            ),
        ),
        (
            "full build with search vs bare, caches cold (the median of "
            f"{len(h.get('build_s_ratios_cold_pairs') or [])} pairs, bare then with search)",
            "≤ 2 ×",
            _ratio(h.get("build_s_search"), h.get("build_s_bare")),
            f"bare {_s(h.get('build_s_bare'))}; pairs "
            + ", ".join(f"{r:.2f} ×" for r in h.get("build_s_ratios_cold_pairs") or []),
            verdict(
                None
                if h.get("build_s_search") is None or not h.get("build_s_bare")
                else h["build_s_search"] <= 2 * h["build_s_bare"],
                _ratio(h.get("build_s_search"), h.get("build_s_bare")),
            ),
        ),
        (
            "full build with search vs bare, caches warm and nothing changed",
            "≤ 1.3 ×",
            _ratio(h.get("build_s_search_warm"), h.get("build_s_bare_warm")),
            f"bare {_s(h.get('build_s_bare_warm'))}",
            verdict(
                None
                if h.get("build_s_search_warm") is None or not h.get("build_s_bare_warm")
                else h["build_s_search_warm"] <= 1.3 * h["build_s_bare_warm"],
                _ratio(h.get("build_s_search_warm"), h.get("build_s_bare_warm")),
            ),
        ),
        (
            "peak memory of all the build's processes, search vs bare",
            "≤ 2 ×",
            _ratio(h.get("build_peak_rss_bytes_search"), h.get("build_peak_rss_bytes_bare")),
            "",
            verdict(
                None
                if not h.get("build_peak_rss_bytes_search")
                or not h.get("build_peak_rss_bytes_bare")
                else h["build_peak_rss_bytes_search"] <= 2 * h["build_peak_rss_bytes_bare"],
                _ratio(h.get("build_peak_rss_bytes_search"), h.get("build_peak_rss_bytes_bare")),
            ),
        ),
        (
            "rebuild after one edit vs Pelican's own reader-cached rebuild",
            "≤ 1.2 ×",
            _ratio(h.get("rebuild_one_article_s"), h.get("rebuild_one_article_s_bare_cached")),
            f"Pelican {_s(h.get('rebuild_one_article_s_bare_cached'))}",
            verdict(
                None
                if h.get("rebuild_one_article_s") is None
                or not h.get("rebuild_one_article_s_bare_cached")
                else h["rebuild_one_article_s"] <= 1.2 * h["rebuild_one_article_s_bare_cached"],
                _ratio(h.get("rebuild_one_article_s"), h.get("rebuild_one_article_s_bare_cached")),
            ),
        ),
        (
            "a content-only push: make check, strict rebuild (warm), make verify",
            "≤ 120 s",
            _s(h.get("publish_content_only_s")),
            "",
            verdict(
                None
                if h.get("publish_content_only_s") is None
                else h["publish_content_only_s"] <= 120,
                f"{_s(h.get('publish_content_only_s'))}",
            ),
        ),
        (
            "index files / bytes changed by a one-article edit and rebuild",
            "≤ 2 % (≥ 98 % keep name and bytes)",
            f"{_pct(changed)} / {_pct(changed_bytes)}",
            "",
            verdict(None if changed is None else changed <= 0.02, f"{_pct(changed)} of files"),
        ),
    ]


def goals(h: dict) -> list[tuple[str, str, str, str, str]]:
    """(figure, goal, ours, Pagefind, verdict) against ../shared/design.md at the largest size."""
    rows = []

    def verdict(ok, miss: str) -> str:
        if ok is None:
            return "not yet measured"
        return "pass" if ok else f"**miss** — {miss}"

    ours_b, pf_b = h["cold_search_bytes_median"], h["pagefind_cold_search_bytes_median"]
    ok = None if ours_b is None else ours_b <= 50 * KB and pf_b and ours_b <= 0.5 * pf_b
    rows.append(
        (
            "cold-search bytes, median",
            "≤ 50 KB and ≤ 0.5 × Pagefind (design aims ≈ 0.1 ×)",
            f"{_kb(ours_b)} ({_ratio(ours_b, pf_b)} Pagefind)",
            _kb(pf_b),
            verdict(
                ok,
                f"{_kb(ours_b - 50 * KB) if ours_b else ''} over 50 KB"
                if ours_b and ours_b > 50 * KB
                else f"{_ratio(ours_b, pf_b)} of Pagefind",
            ),
        )
    )
    ours_l, pf_l = h["latency_ms_median"], h["pagefind_latency_ms_median"]
    ok = None if ours_l is None else bool(pf_l) and ours_l <= 0.3 * pf_l
    rows.append(
        (
            "latency query → rendered results, median",
            "below Pagefind's (issue); ≤ 0.3 × Pagefind's (design)",
            f"{_ms(ours_l)} ({_ratio(ours_l, pf_l)} Pagefind)",
            _ms(pf_l),
            verdict(
                ok,
                f"{_ratio(ours_l, pf_l)} of Pagefind's; below it: "
                + ("yes" if ours_l and pf_l and ours_l < pf_l else "no"),
            ),
        )
    )
    rec = h["verbatim_recall"]
    rows.append(
        (
            "verbatim recall, 500 slices of 2–8 Han characters",
            "100 %",
            _pct(rec),
            _pct(h["pagefind_verbatim_recall"]),
            verdict(
                None if rec is None else rec >= 1.0,
                f"{_pct(1 - rec) if rec is not None else ''} short",
            ),
        )
    )
    known, pf_known = h["known_item_top3"], h["pagefind_known_item_top3"]
    ok = None if known is None else known >= 0.97 and (pf_known is None or known > pf_known)
    rows.append(
        (
            "known item in top 3 (titles and 8–14 character passages)",
            "≥ 95 % (issue), ≥ 97 % (design), above Pagefind",
            _pct(known),
            _pct(pf_known),
            verdict(ok, f"{_pct(0.97 - known) if known is not None else ''} below 97 %"),
        )
    )
    zero = h["title_zero_results"]
    rows.append(
        (
            "title queries with zero results",
            "0",
            _pct(zero),
            _pct(h["pagefind_title_zero_results"]),
            verdict(None if zero is None else zero == 0, f"{_pct(zero)} of titles"),
        )
    )
    ib, pb = h["index_bytes"], h["pagefind_index_bytes"]
    rows.append(
        (
            "index on disk",
            "≤ Pagefind's bundle",
            f"{_mb(ib)} ({_ratio(ib, pb)})",
            _mb(pb),
            verdict(None if ib is None else ib <= pb, f"{_mb(ib - pb) if ib else ''} larger"),
        )
    )
    bs, bb = h["build_s_search"], h["build_s_bare"]
    rows.append(
        (
            "full build with search vs bare",
            "≤ 1.3 ×",
            f"{_s(bs)} ({_ratio(bs, bb)})",
            f"bare {_s(bb)}",
            verdict(
                None if bs is None else bs <= 1.3 * bb,
                f"{_ratio(bs, bb)}, {_s(bs - 1.3 * bb) if bs else ''} over",
            ),
        )
    )
    rb = h["rebuild_one_article_s"]
    rows.append(
        (
            "rebuild after editing one article, caches warm",
            "≤ 10 s",
            _s(rb),
            f"bare {_s(h['rebuild_one_article_s_bare'])}",
            verdict(None if rb is None else rb <= 10, f"{_s(rb - 10) if rb else ''} over"),
        )
    )
    return rows


def _pinyin_growth(figures: dict) -> float | None:
    """The pinyin layer's bytes over the rest of the index's (disk.PINYIN_FAMILIES)."""
    index = figures.get("ours_index") or {}
    layer = index.get("pinyin_layer_bytes")
    return None if layer is None else layer / (index["bytes"] - layer)


def slip_goals(h: dict) -> list[tuple[str, str, str, str, str]]:
    """Issue 16: homophone slips, short words with a slip, pinyin; their cold bytes."""

    def row(figure: str, key: str, goal: float) -> tuple[str, str, str, str, str]:
        ours, pf = h.get(key), h.get(f"pagefind_{key}")
        ok = "not yet measured" if ours is None else "pass" if ours >= goal else "**miss**"
        return (figure, f"≥ {_pct(goal)}", _pct(ours), _pct(pf) if pf is not None else "", ok)

    cold, growth = h.get("slip_cold_search_bytes_median"), h.get("pinyin_index_growth")
    return [
        row(
            "6–10 character title phrase with a homophone slip → article in top 3",
            "homophone_top3",
            0.9,
        ),
        row("frequent 3–4 character word with a slip → the word shown", "short_word_fixed", 0.9),
        row("pinyin of a title's first five characters → article in top 3", "pinyin_top3", 0.9),
        (
            "cold-search bytes of slips and pinyin, median",
            "≤ 40 KB",
            _kb(cold),
            "",
            "not yet measured" if cold is None else "pass" if cold <= 40 * KB else "**miss**",
        ),
        (
            "index growth by the pinyin layer (its files' bytes over the rest of the index)",
            "≤ 15.0 %",
            _pct(growth),
            "",
            "not yet measured" if growth is None else "pass" if growth <= 0.15 else "**miss**",
        ),
    ]


def run_time_row(seconds: float) -> tuple[str, str, str, str, str]:
    """The issue's own limit on the benchmark: the whole `make bench` within 30 minutes."""
    minutes = seconds / 60
    verdict = "pass" if minutes <= 30 else f"**miss** — {minutes - 30:.1f} min over"
    return (
        "`make bench`, whole run (both sizes)",
        "≤ 30 min on 2 cores",
        f"{minutes:.1f} min",
        "",
        verdict,
    )


NOT_MEASURED = "not yet measured"


def _wall_cpu(timing: dict) -> str:
    cpu, load = _s(timing["cpu_seconds"]), timing["load_average"]
    return f"{_s(timing['seconds'])} (CPU {cpu}, load {load:.1f})"


def _build_rows() -> list[tuple[str, Callable[[dict], str]]]:
    def ours(render):
        return lambda f: render(f) if f.get("ours_measured") else NOT_MEASURED

    def ratio(key):
        return lambda f: _ratio(f["search"][key], f["bare"][key])

    return [
        (
            "full build, bare (no search plugin): wall (CPU, load at start)",
            lambda f: _wall_cpu(f["bare"]),
        ),
        ("full build, with search", ours(lambda f: _wall_cpu(f["search"]))),
        ("with search / bare, wall", ours(ratio("seconds"))),
        (
            "with search / bare, wall, each cold pair (the figures above: the median's)",
            ours(lambda f: ", ".join(f"{p['ratio']:.2f} ×" for p in f.get("cold_pairs", []))),
        ),
        ("with search / bare, CPU", ours(ratio("cpu_seconds"))),
        ("peak memory, bare", lambda f: _mb(f["bare"]["peak_rss_bytes"])),
        ("peak memory, with search", ours(lambda f: _mb(f["search"]["peak_rss_bytes"]))),
        (
            "rebuild after editing one article, with search",
            ours(lambda f: _wall_cpu(f["rebuild_search"])),
        ),
        ("rebuild after editing one article, bare", lambda f: _wall_cpu(f["rebuild_bare"])),
        (
            "the same, bare, Pelican's content cache on",
            lambda f: _wall_cpu(f["rebuild_bare_cached"]) if f.get("rebuild_bare_cached") else "—",
        ),
        ("Pagefind indexing", lambda f: _wall_cpu(f["pagefind_index"])),
        ("Pagefind indexing, peak memory", lambda f: _mb(f["pagefind_index"]["peak_rss_bytes"])),
        ("index on disk, ours", ours(lambda f: _files(f["ours_index"]))),
        ("index on disk, Pagefind bundle", lambda f: _files(f["pagefind_index"])),
    ]


def _files(index: dict) -> str:
    return f"{_mb(index['bytes'])} in {index['files']:,} files"


def _search_rows(engine: str, name: str) -> list[tuple[str, Callable[[dict], str]]]:
    def cold(key, fmt):
        return lambda f: fmt(f[f"{engine}_cold"][key]) if f.get(f"{engine}_cold") else NOT_MEASURED

    def recall(kind, key):
        def render(f):
            return (
                _pct(_get(f, f"{engine}_recall", kind, key))
                if f.get(f"{engine}_recall")
                else NOT_MEASURED
            )

        return render

    return [
        (f"cold-search bytes, {name}: median", cold("bytes_median", _kb)),
        (f"cold-search bytes, {name}: p90", cold("bytes_p90", _kb)),
        (
            f"cold-search bytes before scrolling, {name}: median",
            cold("first_view_bytes_median", _kb),
        ),
        (f"cold-search requests, {name}: median", cold("requests_median", lambda v: f"{v:.0f}")),
        (f"latency query → rendered, {name}: median", cold("latency_ms_median", _ms)),
        (f"latency query → rendered, {name}: p90", cold("latency_ms_p90", _ms)),
        (f"verbatim slices found, {name}", recall("slice", "found")),
        (f"titles: target in top 3, {name}", recall("title", "top3")),
        (f"passages: target in top 3, {name}", recall("passage", "top3")),
        (f"titles with zero results, {name}", recall("title", "zero_results")),
        (f"passages with zero results, {name}", recall("passage", "zero_results")),
    ]


def _size_table(sizes: dict) -> list[str]:
    labels = list(sizes)
    lines = [
        "| figure | "
        + " | ".join(f"{sizes[k]['site_articles']:,} articles" for k in labels)
        + " |",
        "| --- | " + " | ".join("---" for _ in labels) + " |",
    ]
    rows = _build_rows() + _search_rows("ours", "ours") + _search_rows("pagefind", "Pagefind")
    for name, render in rows:
        lines.append(f"| {name} | " + " | ".join(render(sizes[k]) for k in labels) + " |")
    return lines


def markdown(results: dict) -> str:
    sizes = results["sizes"]
    largest = sizes[max(sizes, key=int)]
    h = headline(largest)
    m, v, c, n = results["machine"], results["versions"], results["corpus"], results["samples"]
    out = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {results['date']} "
        f"in {results['bench_seconds'] / 60:.1f} minutes. "
        "Every figure below comes from that run; nothing is copied from elsewhere.",
        *(
            [
                f"This run was finished from its saved figures and {results['remeasured']['what']} "
                "measured again with corrected code on the same built sites (the closing note "
                "says why).",
            ]
            if results.get("remeasured")
            else []
        ),
        "",
        "## Machine, corpus, versions",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_bytes'] / 2**30:.0f} GiB, "
        f"{m['os']}. Other work may share the cores; builds ran one at a time.",
        f"- Corpus: {c['path']} — {c['records']:,} records, {c['articles']:,} valid articles, "
        f"{len(c['invalid'])} invalid records skipped as `invoke import --skip-invalid` does "
        f"(listed in benchmarks.json), {c['notes']} duplicate slugs renamed.",
        "- Sites: content/ (its own articles, pages and issues) plus the first N imported "
        "articles; "
        "the article counts below include content/'s own.",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val),
        f"- Query set: plugins/kuaixun/bench/queries.txt, {len(results['queries'])} queries "
        f"({', '.join(sorted({k for k, _ in results['queries']}))}).",
        "",
        f"## Goals at {h['articles']:,} articles ({'../shared/design.md'})",
        "",
        "| figure | goal | ours | Pagefind 1.5 extended | verdict |",
        "| --- | --- | --- | --- | --- |",
        *[
            f"| {a} | {b} | {o} | {p} | {verdict} |"
            for a, b, o, p, verdict in [*goals(h), run_time_row(results["bench_seconds"])]
        ],
        "",
        "### At archive scale: files, a phone network, requests, deploys, publishing",
        "",
        "| figure | goal | ours | Pagefind 1.5 extended | verdict |",
        "| --- | --- | --- | --- | --- |",
        *[f"| {a} | {b} | {o} | {p} | {verdict} |" for a, b, o, p, verdict in layout_goals(h)],
        "",
        "### The pinyin keyboard's slips (plugins/kuaixun/bench/typos.txt)",
        "",
        "| figure | goal | ours | Pagefind 1.5 extended | verdict |",
        "| --- | --- | --- | --- | --- |",
        *[f"| {a} | {b} | {o} | {p} | {verdict} |" for a, b, o, p, verdict in slip_goals(h)],
        "",
    ]
    if not h["ours_measured"]:
        out += [
            "**Our search was not measured in this run**: the build exported no "
            "`output/search/manifest.json` or the search page loads no module. Its rows say "
            "*not yet measured*; the bare build and Pagefind figures are real.",
            "",
        ]
    out += ["## Every figure", "", *_size_table(sizes), ""]
    out += [METHOD.read_text(encoding="utf-8").format(**n).strip(), ""]
    phases = [
        (k, name, f[name]["phases"])
        for k, f in sizes.items()
        for name in ("search", "rebuild_search")
        if f.get(name, {}).get("phases")
    ]
    if phases:
        out += [
            "## Where the search plugin's time goes",
            "",
            "As the plugin reports it (`last-build.json` in its cache folder; it indexes in a "
            "second process while Pelican writes, so these seconds overlap Pelican's).",
            "",
            "| articles | build | phases (seconds) | work |",
            "| --- | --- | --- | --- |",
        ]
        for k, name, p in phases:
            seconds = ", ".join(f"{phase} {value:.1f}" for phase, value in p["seconds"].items())
            work = ", ".join(f"{key} {value}" for key, value in p.items() if key != "seconds")
            label = "fresh" if name == "search" else "one article edited"
            out.append(f"| {sizes[k]['site_articles']:,} | {label} | {seconds} | {work} |")
        out.append("")
    if results.get("profile"):
        p = results["profile"]
        out += [
            f"## Profile: a fresh build with search at {p['articles']:,} articles",
            "",
            "cProfile, cumulative seconds (profiling slows Python code down: compare rows, "
            "not totals).",
            "",
            "| function | calls | cumulative |",
            "| --- | --- | --- |",
            *[f"| `{r['function']}` | {r['calls']:,} | {_s(r['seconds'])} |" for r in p["rows"]],
            "",
        ]
    if results.get("lighthouse"):
        out += lighthouse.markdown(results["lighthouse"])
    if ANALYSIS.exists():
        out += [ANALYSIS.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(out)


def write(results: dict, docs: Path, date: str | None = None) -> None:
    results["date"] = date or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    docs.mkdir(parents=True, exist_ok=True)
    sizes = results["sizes"]
    largest = sizes[max(sizes, key=int)]
    payload = {
        **headline(largest),
        "date": results["date"],
        "machine": results["machine"],
        "versions": results["versions"],
        "corpus": results["corpus"],
        "bench_seconds": results["bench_seconds"],
        "lighthouse": results.get("lighthouse"),
        "sizes": {k: {"headline": headline(f), **f} for k, f in sizes.items()},
    }
    (docs / "benchmarks.json").write_text(
        json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (docs / "benchmarks.md").write_text(markdown(results), encoding="utf-8")
