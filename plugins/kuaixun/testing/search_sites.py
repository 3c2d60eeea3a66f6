"""Sites and query runners shared by the search tests (tests/test_search*.py)."""

from __future__ import annotations

import gzip
import json
import pickle
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kuaixun.core.search.export.codec import FILES, stored_text, told_bucket
from kuaixun.core.search.export.pack import Published, unspilled_bucket
from kuaixun.testing.builds import ROOT, copy_content, run_build

SAMPLE = ROOT / "tests" / "data" / "inews-sample.jsonl.gz"
RUNNER = ROOT / "tests" / "js" / "run_queries.mjs"
SCRIPTS = ROOT / "theme" / "static" / "js"
SEARCH_ENTRY = SCRIPTS / "search.js"
# The inflate library (docs/browsers.md): search/index.js imports it with import() only in
# browsers without DecompressionStream, so it is not among search_modules().
INFLATE_FALLBACK = SCRIPTS / "vendor" / "fflate.js"
# The pinyin layer: search/index.js imports it with import() only for a query not found as
# typed (or initials typed in the box), so it ships as a file of its own, not joined.
PINYIN_LAYER = SCRIPTS / "search" / "pinyin.js"
# The list under the box, imported when three letters are first typed (page.js).
SUGGESTIONS = SCRIPTS / "search" / "suggest.js"
# A static import or re-export of a relative module ("import … from "./x.js"", "import "./x.js"").
RELATIVE_IMPORT = re.compile(r'^(?:import|export)\b[^;"]*?"(\.\.?/[^"]+)"', re.MULTILINE)


def import_sample(dest: Path) -> None:
    """The committed inews sample as Markdown articles, written by the project's importer."""
    from pelican.settings import read_settings

    from kuaixun.tools.importer import import_records, write_articles

    CATEGORIES = read_settings(str(ROOT / "pelicanconf.py"))["CATEGORIES"]

    plain = dest.parent.parent.parent / "inews-sample.jsonl"
    plain.write_bytes(gzip.decompress(SAMPLE.read_bytes()))
    result = import_records(plain, CATEGORIES)
    assert not result.invalid, result.invalid[:3]
    write_articles(result.articles, dest)


@pytest.fixture(scope="session", name="sample_site")
def sample_site_fixture(tmp_path_factory) -> Path:
    """The seed content plus a few hundred inews articles, built once per test process."""
    folder = tmp_path_factory.mktemp("sample")
    content = copy_content(folder / "content")
    import_sample(content / "articles" / "inews")
    build = run_build(folder / "output", content)
    assert build.returncode == 0, build.stderr
    return folder / "output"


def cache_of(output: Path) -> Path:
    """The search cache run_build gives a build into `output`."""
    return output.parent / "search-cache"


def node_search(output: Path, queries: list[str], snippets: bool | int = False) -> list[dict]:
    """The browser module's answers, run by node over the exported files; with `snippets`,
    those of the top three hits (or as many as it says)."""
    args = ["node", "--no-warnings", str(RUNNER), f"{output / 'search'}/"]
    if snippets:
        args.append("--snippets" if snippets is True else f"--snippets={snippets}")
    proc = subprocess.run(
        args, input=json.dumps(queries), capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def python_search(output: Path, queries: list[str]) -> list[dict]:
    """The terminal search's answers: rank.SearchIndex, the Python port of the browser's
    formula over the Whoosh index of record (BM25F from Whoosh's postings), numbered as the
    browser numbers articles."""
    from kuaixun.core.search.rank import SearchIndex

    index = SearchIndex(cache_of(output))
    answers = []
    for q in queries:
        answer = index.answer(q)
        query, hits = answer.query, answer.hits
        answers.append(
            {
                "q": q,
                "runs": list(query.runs),
                "parts": list(query.parts),
                "reading": answer.reading,
                "docs": [h.docid for h in hits],
                "scores": [h.score for h in hits[:10]],
            }
        )
    return answers


def assert_same_ranking(browser: list[dict], whoosh: list[dict]) -> None:
    """The browser's answers equal the Python reference's: reading, terms, top ten, scores."""
    for b, w in zip(browser, whoosh, strict=True):
        assert (b["q"], b["parts"], b["runs"]) == (w["q"], w["parts"], w["runs"])
        assert b["reading"] == w["reading"], b["q"]
        assert b["docs"][:10] == w["docs"][:10], b["q"]
        assert b["scores"] == pytest.approx(w["scores"], rel=1e-9), b["q"]


def fragments(output: Path) -> list[dict]:
    """Every exported article (title, url, date, 栏目 and text "x"), by article number."""
    published = Published(output / "search")
    articles = []
    for d in range(published.entry["docs"]):
        article = published.head(d)
        article["x"] = "".join(published.chunks(d))
        articles.append(article)
    return articles


def verbatim_slices(output, count: int, seed: int) -> list[tuple[str, int]]:
    """Random 2–8 character slices of article text and whole titles, with their article."""
    rng = random.Random(seed)
    articles = fragments(output)
    slices: list[tuple[str, int]] = []
    while len(slices) < count:
        d = rng.randrange(len(articles))
        text = articles[d]["x"]
        length = rng.randint(2, 8)
        if len(text) <= length:
            continue
        start = rng.randrange(len(text) - length)
        piece = text[start : start + length]
        if piece.strip():
            slices.append((piece, d))
    slices += [(a["t"], d) for d, a in enumerate(articles)]
    return slices


def search_modules() -> list[Path]:
    """The search page's entry module and every module it imports, directly or not."""
    found: list[Path] = []
    waiting = [SEARCH_ENTRY]
    while waiting:
        module = waiting.pop(0)
        if module not in found:
            found.append(module)
            imports = RELATIVE_IMPORT.findall(module.read_text(encoding="utf-8"))
            waiting += [(module.parent / spec).resolve() for spec in imports]
    return found


def copy_site(output: Path, dest: Path) -> Path:
    shutil.copytree(output, dest)
    return dest


def pack_urls(output: Path, what: str):
    """A predicate for playwright's page.route: the URLs of the pack files that hold an
    array ("v" vocabulary, "f" result heads) or an item ("days.gz") of the published index
    (each array starts a file of its own, export/pack.py)."""
    published = Published(output / "search")
    base = published.entry["base"].split("/")[0]
    if what in published.pack["arrays"]:
        _, count, first, _, _, _, per_file = published.pack["arrays"][what]
        files = range(first, first + -(-count // per_file))
    else:
        files = range(published.pack["items"][what][0] - 1, published.pack["items"][what][0])
    suffixes = tuple(f"/search/{base}/{k}.bin" for k in files)
    return lambda url: url.endswith(suffixes)


def unpacked(search: Path) -> dict[str, str]:
    """The published index read back into the logical export's files (export/codec.py):
    every array item, each article's head and text chunks, the items; spilled lists inline
    (where the packer moved a list is its own business), every term's frequency told
    (codec.told_bucket: a line leaves it out where its postings say it)."""
    published = Published(search)
    files = {}
    for letter, (_, count, *_rest) in published.pack["arrays"].items():
        for i in range(count):
            text = published.slot(letter, i)
            if letter == "v":
                files[f"v/{i}.gz"] = told_bucket(unspilled_bucket(text, published.blob))
            elif letter == "f":
                head = published.head(i)
                head.pop("x")
                head.pop("s")
                files[f"f/{i}.json"] = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
                for k, chunk in enumerate(published.chunks(i)):
                    files[f"x/{i}-{k}.gz"] = chunk
            else:
                files[f"{letter}/{i}.gz"] = text
    for name in published.pack["items"]:
        files[name] = published.item(name)
    return files


def exported_files(export: Path) -> dict[str, bytes]:
    """A cached logical export (export/codec.py) as its files would be laid out one by one:
    the manifest, and each file's stored bytes under the folder the manifest names."""
    data = (export / "manifest.json").read_bytes()
    base = json.loads(data)["base"]
    stored = pickle.loads((export / FILES).read_bytes())
    return {"manifest.json": data, **{base + name: b for name, b in stored.items()}}


def logical_files(export: Path) -> dict[str, str]:
    """A logical export's files as text, spilled lists inline and not listed themselves,
    every term's frequency told."""
    manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8"))
    texts = {}
    for name, data in pickle.loads((export / FILES).read_bytes()).items():
        texts[name] = stored_text(name, data, manifest.get("buckets", 0))
    assert manifest["base"]  # the folder the files are named under
    files = {n: t for n, t in texts.items() if not n.startswith("p/")}
    for name, text in files.items():
        if name.startswith("v/"):
            spilled = unspilled_bucket(text, lambda code: texts[f"p/{code[1:]}.gz"])
            files[name] = told_bucket(spilled)
    return files


def node_json(script: str, data):
    """What a node module `script` writes as JSON on stdout, given `data` as JSON on stdin
    (run from the repository, so it imports theme/static/js/…)."""
    proc = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps(data, ensure_ascii=False),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
