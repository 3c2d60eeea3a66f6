"""Lighthouse (its default mobile profile) on the built site: the page figures of design.md.

Accessibility, best practices and SEO are deterministic: tests/test_lighthouse.py holds them
at 1.0 with one run a page. Performance is not: on two shared cores it moves 93–100 from run
to run, so it is a benchmark figure, the median of three runs a page, never a test assertion.

`python -m benchmarks.lighthouse [SITE]` measures an already built site (default: a fresh
build of content/ under cache/bench/lighthouse/) and prints the report section.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the repository (an editable install)
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
RUNS = 3
PERFORMANCE_GOAL = 0.95
# Page metrics kept beside the scores: they say why a performance score moved.
METRICS = {
    "largest-contentful-paint": "lcp_ms",
    "cumulative-layout-shift": "cls",
    "total-blocking-time": "tbt_ms",
    "first-contentful-paint": "fcp_ms",
}
ARTICLE_PAGES = "[0-9][0-9][0-9][0-9]/[0-9][0-9]/*/index.html"


class LighthouseError(RuntimeError):
    """Lighthouse could not judge the page (not installed, page missing, Chromium failed)."""


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # site-relative URL path, "" for the home page


def pages(site: Path) -> list[Page]:
    """The pages design.md's figures are about: the home page, an article without a photo and
    the first article with one (its <picture> is what "properly size images" judges)."""
    articles = sorted(site.glob(ARTICLE_PAGES))
    with_photo = [a for a in articles if "<picture" in a.read_text(encoding="utf-8")]
    plain = [a for a in articles if a not in with_photo]
    chosen = [Page("home", "")]
    if plain:
        chosen.append(Page("article", _url_path(site, plain[0])))
    if with_photo:
        chosen.append(Page("photo article", _url_path(site, with_photo[0])))
    return chosen


def _url_path(site: Path, page: Path) -> str:
    return page.parent.relative_to(site).as_posix() + "/"


def run(
    url: str,
    chrome_args: list[str],
    categories=CATEGORIES,
    timeout: int = 180,
    profile: Path | None = None,
) -> dict:
    """One Lighthouse run of `url` in Debian's Chromium; the JSON report (lhr). With a
    `profile` (a Chromium user-data-dir), its storage is kept: a reader's saved choices,
    such as the 长辈版, hold during the run."""
    if not LIGHTHOUSE.exists():
        raise LighthouseError(f"{LIGHTHOUSE} is missing: run `npm ci` (package-lock.json)")
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--quiet",
        f"--chrome-flags={' '.join(chrome_args)}",
        f"--only-categories={','.join(categories)}",
    ]
    if profile is not None:
        command[4] = f"--chrome-flags={' '.join([*chrome_args, f'--user-data-dir={profile}'])}"
        command.append("--disable-storage-reset")
    env = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        failed = f"lighthouse {url} failed ({proc.returncode}): {proc.stderr}"
        raise LighthouseError(failed) from None
    problem = report.get("runtimeError")
    if problem:
        raise LighthouseError(f"lighthouse {url}: {problem['code']}: {problem['message']}")
    return report


def scores(report: dict) -> dict[str, float | None]:
    return {name: category["score"] for name, category in report["categories"].items()}


def failing_audits(report: dict, category: str | None = None) -> list[str]:
    """Audits that cost points, as `category: id (score) — title: display value`."""
    failing = []
    for name, cat in report["categories"].items():
        if category not in (None, name):
            continue
        for ref in cat["auditRefs"]:
            audit = report["audits"][ref["id"]]
            score = audit["score"]
            # Informative and not-applicable audits have no score; weight 0 ones
            # (performance "opportunities") do not move the category score.
            if score is None or score >= 1 or (name == "performance" and not ref["weight"]):
                continue
            shown = f": {audit['displayValue']}" if audit.get("displayValue") else ""
            failing.append(f"{name}: {ref['id']} ({score}) — {audit['title']}{shown}")
    return failing


def page_figures(reports: list[dict]) -> dict:
    """Scores of every run, the median performance and median metrics over the runs."""
    runs = [scores(r) for r in reports]
    figures = {
        "runs": runs,
        "performance_median": statistics.median(r["performance"] or 0 for r in runs),
        "lowest": {name: min(r[name] or 0 for r in runs) for name in runs[0]},
        "failing": sorted({line for r in reports for line in failing_audits(r)}),
    }
    for audit, key in METRICS.items():
        figures[key] = statistics.median(r["audits"][audit]["numericValue"] for r in reports)
    return figures


def measure(site: Path, chrome_args: list[str], runs: int = RUNS) -> dict:
    """Each page of `pages(site)` `runs` times, served gzip-compressed as GitHub Pages does."""
    from kuaixun.bench.server import CountingServer

    server = CountingServer(site)
    try:
        measured = {}
        for page in pages(site):
            reports = [run(f"{server.url}/{page.path}", chrome_args) for _ in range(runs)]
            measured[page.name] = {"path": page.path, **page_figures(reports)}
            measured[page.name]["lighthouse"] = reports[0]["lighthouseVersion"]
    finally:
        server.close()
    return {"site": str(site), "runs_per_page": runs, "pages": measured}


def build_and_measure(work: Path, runs: int = RUNS) -> dict:
    """A fresh build of content/ (what gets published) into work/output, then `measure`."""
    from kuaixun.bench import browser, sites

    timing = sites.build(ROOT / "content", work, search=True, fresh=True)
    sites.empty_trash(work)  # the last build's folders (this build is not timed)
    if timing.returncode:
        raise LighthouseError(f"build of content/ failed:\n{timing.stderr}")
    figures = measure(work / "output", browser.CHROMIUM_ARGS, runs)
    return {**figures, "site": "content/, a fresh build with pelicanconf.py"}


def markdown(figures: dict) -> list[str]:
    """The report section: one row a page, goal from design.md."""
    n = figures["runs_per_page"]
    lines = [
        "## Lighthouse, mobile",
        "",
        f"Site: {figures['site']}. Lighthouse {_version(figures)}, default mobile profile "
        f"(simulated slow 4G, 4× CPU slowdown), {n} runs a page, served gzip-compressed. "
        "Performance is the median of the runs (it varies run to run on two shared cores); "
        "the other categories are the lowest of the runs. "
        f"Goal (design.md): performance ≥ {PERFORMANCE_GOAL * 100:.0f}, the rest 100.",
        "",
        "| page | performance, median (runs) | accessibility | best practices | SEO "
        "| LCP | CLS | TBT | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, page in figures["pages"].items():
        runs = ", ".join(f"{r['performance'] * 100:.0f}" for r in page["runs"])
        low = page["lowest"]
        lines.append(
            f"| {name} (`/{page['path']}`) | {page['performance_median'] * 100:.0f} ({runs}) "
            f"| {low['accessibility'] * 100:.0f} | {low['best-practices'] * 100:.0f} "
            f"| {low['seo'] * 100:.0f} | {page['lcp_ms']:.0f} ms | {page['cls']:.3f} "
            f"| {page['tbt_ms']:.0f} ms | {_verdict(page)} |"
        )
    failing = {line for page in figures["pages"].values() for line in page["failing"]}
    if failing:
        lines += ["", "Audits that cost points:", "", *[f"- {line}" for line in sorted(failing)]]
    return lines + [""]


def _version(figures: dict) -> str:
    return next(iter(figures["pages"].values()))["lighthouse"] if figures["pages"] else "?"


def _verdict(page: dict) -> str:
    low = page["lowest"]
    others = all(low[name] == 1 for name in CATEGORIES if name != "performance")
    if page["performance_median"] >= PERFORMANCE_GOAL and others:
        return "pass"
    return "**miss**"


def main(argv: list[str]) -> None:
    if argv:
        from kuaixun.bench import browser

        figures = measure(Path(argv[0]), browser.CHROMIUM_ARGS)
    else:
        figures = build_and_measure(ROOT / "cache" / "bench" / "lighthouse")
    target = ROOT / "cache" / "bench" / "lighthouse.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("\n".join(markdown(figures)))
    print(f"(figures in {target})")


if __name__ == "__main__":
    main(sys.argv[1:])
