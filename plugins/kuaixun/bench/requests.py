"""Every request of a cold search, in order: what it fetched, its bytes and its wave.

    python -m kuaixun.bench.requests SITE [SITE …] [--slow] [--pagefind] [-q QUERY …]

SITE is a built output folder (search.html, search/, and pagefind/ for --pagefind); several
are measured query by query in turn, the first alternating. Each query is one cold search
in Chromium exactly as the benchmark does it (bench/browser.py: a fresh context, the page
with ?q=, the results, then scrolled to the end), served by the benchmark's CountingServer,
on the phone network with --slow (bench/server.py `Link`). A *wave* is a run of requests
that reached the server less than WAVE_GAP_S after the one before: on the phone network a
request that waited for another response (a serial dependency, or a free connection of the
six HTTP/1.1 allows) starts a new wave. Index ranges are named by what they hold, read
from the entry (export/pack.py): vocabulary slots (v), result heads (f), pinyin slots (y),
t2s (t), or blobs (spilled lists, text chunks, days), all the ranges of a multi-range
request. Every request counts, as in the benchmark's `requests`; bytes leave out the
site's chrome (CSS, icons), as its `search_bytes`. With --quiet, only the medians. Not part
of `make bench`: a tool for reading where a cold search's requests go.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kuaixun.bench import browser as chromium
from kuaixun.bench.server import CountingHandler, CountingServer, Link

WAVE_GAP_S = 0.1
DEFAULT_QUERIES = [
    "微信",
    "交警大队",
    "可以说无孔不入",
    "江苏规定高温费每人每月200元",
    "北潘庄村的扶贫“热心人”",
    "双腿被方向盘",
]


@dataclass
class Request:
    at: float
    path: str
    range: str
    bytes: int


class TimedHandler(CountingHandler):
    """CountingHandler that also keeps when each request arrived and the range it asked."""

    bench: TimedServer
    arrived: float = 0.0

    def do_GET(self):
        self.arrived = time.monotonic()
        super().do_GET()

    def start(self, status: int, headers: dict[str, str], length: int) -> None:
        span = self.headers.get("Range", "")
        self.bench.arrivals.append(Request(self.arrived, self.path, span, length))
        super().start(status, headers, length)


class TimedServer(CountingServer):
    def __init__(self, root: Path, extra: Path | None = None, link: Link | None = None):
        self.arrivals: list[Request] = []
        super().__init__(root, extra, link)
        self.httpd.RequestHandlerClass = type("Handler", (TimedHandler,), {"bench": self})


def what(path: str, span: str, entry: dict | None) -> str:
    """A request named by what it fetched (index ranges by the array they fall in)."""
    name = unquote(urlsplit(path).path)
    if not span or entry is None or not name.endswith(".bin"):
        return name.rsplit("/", 1)[-1] or name
    first = int(span.removeprefix("bytes=").split("-")[0])
    if "/o/" in name:
        return f"overlay @{first}"
    k = int(name.rsplit("/", 1)[-1].removesuffix(".bin"))
    for letter, (cell, count, start_file, _, _, _, per_file) in entry["pack"]["arrays"].items():
        files = -(-count // per_file)
        if start_file <= k < start_file + files:
            slots = [(k - start_file) * per_file + o // cell for o in _offsets(span)]
            names = [str(s) for s in sorted(s for s in slots if s < count)]
            blobs = sum(s >= count for s in slots)  # days and 栏目 after the cells
            return f"{letter} slot " + ",".join(names) + (f" + {blobs} blob" if blobs else "")
    ranges = len(_offsets(span))
    return f"blob {k}.bin @{first}" + (f" + {ranges - 1} more" if ranges > 1 else "")


def _offsets(span: str) -> list[int]:
    return [int(part.split("-")[0]) for part in span.removeprefix("bytes=").split(",")]


def cold(browser, server: TimedServer, page_url: str, query: str):
    """(every request of one cold search in order, its latency in ms)."""
    server.arrivals.clear()
    result = chromium.cold_search(browser, server, page_url, query)
    return sorted(server.arrivals, key=lambda r: r.at), result.latency_ms


def waves(requests: list[Request]) -> list[int]:
    numbers, wave, previous = [], 0, None
    for r in requests:
        if previous is not None and r.at - previous > WAVE_GAP_S:
            wave += 1
        numbers.append(wave)
        previous = r.at
    return numbers


def counted(r: Request) -> bool:
    """Whether a request's bytes count (browser.search_bytes: not the site's chrome)."""
    return not urlsplit(r.path).path.endswith(chromium.CHROME_SUFFIXES)


def report(query: str, requests: list[Request], entry: dict | None, say=print) -> dict:
    """Every request (all of them count, as in browser.cold_search), the bytes of those that
    are not the site's chrome (CSS, icons), the waves."""
    start = requests[0].at if requests else 0
    say(f"\n## {query}")
    say("| # | wave | ms | request | bytes |")
    say("| --- | --- | --- | --- | --- |")
    numbers = waves(requests)
    for n, (r, w) in enumerate(zip(requests, numbers, strict=True), 1):
        name = what(r.path, r.range, entry)
        say(f"| {n} | {w} | {(r.at - start) * 1000:.0f} | {name} | {r.bytes:,} |")
    total = sum(r.bytes for r in requests if counted(r))
    say(f"requests {len(requests)}, waves {numbers[-1] + 1 if numbers else 0}, {total:,} B")
    return {"requests": len(requests), "bytes": total, "waves": numbers[-1] + 1 if numbers else 0}


@dataclass
class Engine:
    """One search page to measure: ours over a built site, or Pagefind's over its bundle."""

    label: str
    server: TimedServer
    page: str
    entry: dict | None
    figures: list[dict]


def engines(sites: list[Path], pagefind: bool, link: Link | None) -> list[Engine]:
    out = []
    for n, site in enumerate(sites):
        manifest = site / "search" / "manifest.json"
        entry = json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else None
        server = TimedServer(site, Path(__file__).parent, link)
        out.append(Engine(f"ours {n + 1} ({site})", server, "/search.html", entry, []))
        if pagefind and n == 0:
            page = "/__bench/pagefind.html"
            out.append(Engine(f"Pagefind ({site})", server, page, None, []))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sites", type=Path, nargs="+", help="built sites, measured in turn")
    parser.add_argument("--query", "-q", action="append", help="a query (repeatable)")
    parser.add_argument("--slow", action="store_true", help="the phone network (Link)")
    parser.add_argument("--pagefind", action="store_true", help="Pagefind over the first site")
    parser.add_argument("--quiet", action="store_true", help="only the medians")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    measured = engines(args.sites, args.pagefind, Link() if args.slow else None)
    say = (lambda *a: None) if args.quiet else print
    try:
        with sync_playwright() as p:
            browser = chromium.launch(p)
            for number, query in enumerate(args.query or DEFAULT_QUERIES):
                # Each query on every engine in turn, the first alternating (as bench/run.py).
                for e in measured if number % 2 == 0 else measured[::-1]:
                    requests, latency = cold(browser, e.server, e.server.url + e.page, query)
                    say(f"\n# {e.label}")
                    e.figures.append({**report(query, requests, e.entry, say), "ms": latency})
                    say(f"rendered at {latency:.0f} ms")
            browser.close()
    finally:
        for server in {id(e.server): e.server for e in measured}.values():
            server.close()
    for e in measured:
        medians = {k: statistics.median(f[k] for f in e.figures) for k in e.figures[0]}
        print(f"{e.label}: medians " + ", ".join(f"{k} {v:,.0f}" for k, v in medians.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
