"""What packing today's export into fewer files would cost a reader: measured, not guessed.

Runs the browser's search in node (tests/js/run_queries.mjs, ten snippets) over a built
export to learn which files each cold search fetches, then regroups every file of the
export into packs — vocabulary buckets into V packs, spilled lists into S packs by name,
each article's head and text into packs of G consecutive articles — gzips each pack whole,
and reports the files, the bytes on disk and the median bytes and requests of the same
searches if they had to fetch whole packs.

    python -m kuaixun.bench.layout OUTPUT/search/ 1024,256,8 2048,512,16
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from kuaixun.bench import samples

ROOT = Path(__file__).resolve().parents[3]
RUNNER = ROOT / "tests" / "js" / "run_queries.mjs"


def fetched_by_queries(export: Path, queries: list[str]) -> list[list[str]]:
    command = ["node", "--no-warnings", str(RUNNER), f"{export}/", "--snippets=10"]
    proc = subprocess.run(
        command, input=json.dumps(queries), capture_output=True, text=True, check=True
    )
    return [r["fetched"] for r in json.loads(proc.stdout)]


def pack_of(name: str, vocabulary: int, spills: int, group: int) -> tuple[str, object]:
    """The pack a file of the export would go to (names relative to the hashed folder)."""
    kind, _, rest = name.partition("/")
    if kind == "v":
        return "v", int(rest.removesuffix(".gz")) % vocabulary
    if kind == "p":
        return "p", int(hashlib.sha1(rest.encode()).hexdigest()[:8], 16) % spills
    if kind == "f":
        return "a", int(rest.removesuffix(".json")) // group
    if kind == "x":
        return "a", int(rest.split("-")[0]) // group
    return "o", name


def simulate(folder: Path, searches: list[list[str]], scheme: tuple[int, int, int]) -> dict:
    names = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    packs: dict[tuple, list[str]] = defaultdict(list)
    for name in names:
        packs[pack_of(name, *scheme)].append(name)

    def raw(name: str) -> bytes:
        data = (folder / name).read_bytes()
        return gzip.decompress(data) if name.endswith(".gz") else data

    sizes = {
        key: len(gzip.compress(b"\n".join(raw(n) for n in sorted(members)), 6))
        for key, members in packs.items()
    }
    costs, requests = [], []
    for fetched in searches:
        touched = {pack_of(name, *scheme) for name in fetched}
        costs.append(sum(sizes[key] for key in touched))
        requests.append(len(touched))
    return {
        "scheme": scheme,
        "files": len(packs),
        "bytes": sum(sizes.values()),
        "cold_bytes_median": statistics.median(costs),
        "data_requests_median": statistics.median(requests),
    }


def main(argv: list[str]) -> None:
    export = Path(argv[0])
    manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8"))
    folder = export / manifest["base"].rstrip("/")
    rng = random.Random(3)
    titles = [
        json.loads((folder / "f" / f"{d}.json").read_text(encoding="utf-8"))["t"]
        for d in rng.sample(range(manifest["docs"]), min(40, manifest["docs"]))
    ]
    queries = [q for _, q in samples.query_set()] + titles
    searches = [
        [name.removeprefix(manifest["base"]) for name in fetched if name != "manifest.json"]
        for fetched in fetched_by_queries(export, queries)
    ]
    today = [sum((folder / n).stat().st_size for n in fetched) for fetched in searches]
    print(
        f"{len(queries)} cold searches; today: "
        f"{sum(1 for p in folder.rglob('*') if p.is_file()):,} files, "
        f"median {statistics.median(today) / 1e3:.1f} KB in "
        f"{statistics.median(len(f) for f in searches):.0f} data requests"
    )
    for spec in argv[1:]:
        vocabulary, spills, group = (int(part) for part in spec.split(","))
        found = simulate(folder, searches, (vocabulary, spills, group))
        print(
            f"V={vocabulary} S={spills} G={group}: {found['files']:,} files, "
            f"{found['bytes'] / 1e6:.1f} MB, cold search median "
            f"{found['cold_bytes_median'] / 1e3:.1f} KB in "
            f"{found['data_requests_median']:.0f} data requests"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
