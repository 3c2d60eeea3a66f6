"""The browser floor (docs/browsers.md): every script the site ships parses at the floor's
language level, uses no newer API unless it checks for it first, and the inflate library
vendored for browsers without DecompressionStream is the pinned npm package's file."""

from __future__ import annotations

import base64
import json
import re
import subprocess

import pytest

from kuaixun.core.search.export.pack import Published, inflated
from kuaixun.testing.builds import ROOT
from kuaixun.testing.search_sites import INFLATE_FALLBACK, SCRIPTS

SHIPPED = sorted(SCRIPTS.rglob("*.js"))
CHECK_SYNTAX = ROOT / "tests" / "js" / "check_syntax.mjs"
BROWSERS_DOC = ROOT / "docs" / "browsers.md"

# APIs newer than the floor (iOS Safari 14, Chrome/WebView/Edge 80, Firefox ESR 102), each
# with the pattern that finds it in a script and the feature check that must stand in the
# same script where it is used (None: it must not be used at all). docs/browsers.md lists
# every one of them (tested below).
POST_FLOOR_APIS = {
    "DecompressionStream": (r"\bDecompressionStream\b", "typeof DecompressionStream"),
    "CompressionStream": (r"(?<!De)CompressionStream\b", "typeof CompressionStream"),
    "Blob.prototype.stream": (r"\.stream\(\)", "typeof DecompressionStream"),
    "Array.prototype.at": (r"\.at\(", None),
    "Element.prototype.replaceChildren": (r"\.replaceChildren\(", None),
    "String.prototype.replaceAll": (r"\.replaceAll\(", None),
    "Object.hasOwn": (r"\bObject\.hasOwn\b", None),
    "structuredClone": (r"\bstructuredClone\b", None),
    "AbortSignal.timeout": (r"\bAbortSignal\.(?:timeout|any)\b", None),
    "Array.prototype.findLast": (r"\.findLast(?:Index)?\(", None),
    "Array.prototype.toSorted": (r"\.to(?:Sorted|Reversed|Spliced)\(", None),
    "Promise.any": (r"\bPromise\.(?:any|withResolvers)\(", None),
    "Object.groupBy": (r"\b(?:Object|Map)\.groupBy\(", None),
    "Set methods": (r"\.(?:union|intersection|symmetricDifference|isSubsetOf)\(", None),
    "WeakRef": (r"\b(?:WeakRef|FinalizationRegistry)\b", None),
    "Intl.Segmenter": (r"\bIntl\.Segmenter\b", None),
    "TextDecoderStream": (r"\bTextDecoderStream\b", None),
    "requestIdleCallback": (r"\brequestIdleCallback\b", "typeof requestIdleCallback"),
    "crypto.randomUUID": (r"\brandomUUID\b", None),
    "regex lookbehind": (r"\(\?<[=!]", None),
}


def test_the_site_ships_the_search_modules_and_the_inflate_library():
    # So the checks below, parametrized over SHIPPED, cannot pass by checking nothing.
    assert SCRIPTS / "search.js" in SHIPPED and INFLATE_FALLBACK in SHIPPED


@pytest.fixture(scope="module")
def syntax_report() -> dict[str, str | None]:
    files = [str(script) for script in SHIPPED]
    proc = subprocess.run(
        ["node", str(CHECK_SYNTAX), *files], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("script", SHIPPED, ids=lambda p: str(p.relative_to(SCRIPTS)))
def test_every_shipped_script_parses_at_the_floor(syntax_report, script):
    assert syntax_report[str(script)] is None, syntax_report[str(script)]


@pytest.mark.parametrize(
    "source, problem",
    [
        ('export * as codec from "./codec.js";', "export * as name"),
        ("const after = /(?<=社区)矫正/u;", "lookbehind"),
        ("let a; a ??= 1;", "ES2020"),
        ("class Index { files = new Map(); }", "ES2020"),
        ("await import('./x.js');", "ES2020"),
    ],
)
def test_the_syntax_check_refuses_what_safari_14_cannot_parse(tmp_path, source, problem):
    script = tmp_path / "newer.js"
    script.write_text(source, encoding="utf-8")
    proc = subprocess.run(
        ["node", str(CHECK_SYNTAX), str(script)], capture_output=True, text=True, timeout=60
    )
    assert problem in json.loads(proc.stdout)[str(script)]


def post_floor_uses(text: str) -> list[str]:
    """The post-floor APIs `text` uses without the feature check that must go with them."""
    unchecked = []
    for name, (pattern, check) in POST_FLOOR_APIS.items():
        if re.search(pattern, text) and (check is None or check not in text):
            unchecked.append(name)
    return unchecked


@pytest.mark.parametrize("script", SHIPPED, ids=lambda p: str(p.relative_to(SCRIPTS)))
def test_no_shipped_script_uses_a_post_floor_api_unchecked(script):
    assert post_floor_uses(script.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source, unchecked",
    [
        ("keys.add([...run].at(-1));", ["Array.prototype.at"]),
        ("list.replaceChildren();", ["Element.prototype.replaceChildren"]),
        ("const s = AbortSignal.timeout(5000);", ["AbortSignal.timeout"]),
        (
            "new Blob([b]).stream().pipeThrough(new DecompressionStream('gzip'));",
            ["DecompressionStream", "Blob.prototype.stream"],
        ),
        (
            'if (typeof DecompressionStream === "function") '
            "new Blob([b]).stream().pipeThrough(new DecompressionStream('gzip'));",
            [],
        ),
    ],
)
def test_the_api_check_finds_an_unchecked_use(source, unchecked):
    assert post_floor_uses(source) == unchecked


def test_the_browser_doc_lists_every_post_floor_api():
    doc = BROWSERS_DOC.read_text(encoding="utf-8")
    assert [name for name in POST_FLOOR_APIS if f"`{name}`" not in doc] == []


def test_the_vendored_inflate_library_is_the_pinned_packages_file():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["fflate"]
    package = ROOT / "node_modules" / "fflate"
    assert json.loads((package / "package.json").read_text())["version"] == pinned
    assert INFLATE_FALLBACK.read_bytes() == (package / "esm" / "browser.js").read_bytes()
    licence = INFLATE_FALLBACK.with_suffix(".LICENSE")
    assert licence.read_bytes() == (package / "LICENSE").read_bytes()
    readme = (INFLATE_FALLBACK.parent / "README.md").read_text(encoding="utf-8")
    assert f"| `fflate.js` | [fflate](https://www.npmjs.com/package/fflate) | {pinned} |" in readme


def test_every_index_file_reads_the_same_without_decompression_stream(real_site):
    """index.js's textOf in node, with and without DecompressionStream (the fallback
    inflates with the vendored library), over every item and blob of the real site's packs
    (zlib members, and plain text where that was shorter; the raw deflate members after an
    article's earlier text, which the sample's short articles hardly have, are
    test_search_pack.py's), each as Python reads it."""
    members = Published(real_site / "search").members()
    assert sum(m[:2] == b"\x78\x9c" for m, _ in members) > 100
    files = [[base64.b64encode(b).decode() for b in member] for member in members]
    script = """
      import { readFileSync } from "node:fs";
      import { textOf } from "./theme/static/js/search/index.js";
      const files = JSON.parse(readFileSync(0, "utf8"));
      const member = (f) => new Uint8Array(Buffer.from(f, "base64"));
      const texts = async () => Promise.all(files.map(([f, h]) => textOf(member(f), [member(h)])));
      const modern = await texts();
      delete globalThis.DecompressionStream;
      const fallback = await texts();
      const differ = files.filter((f, i) => modern[i] !== fallback[i]);
      process.stdout.write(JSON.stringify({ count: files.length, differ, modern }));
    """
    proc = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps(files),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["count"] == len(files) > 100 and report["differ"] == []
    assert report["modern"] == [inflated(data, history) for data, history in members]
