"""Joining a page's ES modules into one file (kuaixun.tools.bundle, esbuild's bundler): small
module graphs written here, bundled, and run by node; what it cannot bundle is refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kuaixun.testing.search_sites import SEARCH_ENTRY, search_modules
from kuaixun.tools.bundle import BundleError, bundle, bundled_modules


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def run_bundled(folder: Path, entry: str) -> str:
    """node runs the bundle of `entry`, written beside it (as the build writes it)."""
    joined = folder / "bundle.mjs"
    joined.write_text(bundle(folder / entry), encoding="utf-8")
    proc = subprocess.run(["node", str(joined)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


GRAPH = {
    # Two modules with the same top-level names (`secret`, `name`): scopes keep them apart.
    "lib/a.js": 'const secret = "a";\nexport const name = () => secret;\n',
    "lib/b.js": (
        'import { name as aName } from "./a.js";\n'
        'const secret = "b";\n'
        "export function name() {\n  return aName() + secret;\n}\n"
        "export async function later() {\n"
        '  return (await import("../extra/late.js")).value;\n}\n'
    ),
    "extra/late.js": 'export const value = "late";\n',
    "main.js": (
        'import {\n  name,\n  later,\n} from "./lib/b.js";\n'
        'import { name as aName } from "./lib/a.js";\n'
        'export { name as aName } from "./lib/a.js";\n'
        "later().then((value) => console.log(name(), value, aName()));\n"
    ),
}


def test_modules_run_as_one_file_with_their_own_names(tmp_path):
    write(tmp_path, GRAPH)
    # a, then b (which imports a), then main; dynamic imports stay apart, re-pointed.
    assert run_bundled(tmp_path, "main.js") == "ab late a"
    assert [m.name for m in bundled_modules(tmp_path / "main.js")] == ["a.js", "b.js", "main.js"]


def test_a_module_imported_twice_is_evaluated_once(tmp_path):
    write(
        tmp_path,
        {
            "count.js": "globalThis.n = (globalThis.n ?? 0) + 1;\nexport const n = globalThis.n;\n",
            "x.js": 'import { n } from "./count.js";\nexport const x = n;\n',
            "main.js": 'import { x } from "./x.js";\nimport { n } from "./count.js";\n'
            "console.log(x, n, globalThis.n);\n",
        },
    )
    assert run_bundled(tmp_path, "main.js") == "1 1 1"


def test_a_bundle_ships_only_the_exports_the_page_or_its_modules_use(tmp_path):
    """An export no module of the bundle imports (kept for node's tests) ships neither its
    name nor its value; one imported is used, one re-exported by the entry is exported."""
    write(
        tmp_path,
        {
            "lib.js": 'export const used = "U1";\nexport const onlyForTests = "T2";\n'
            'export const passedOn = "P3";\n',
            "main.js": 'import { used } from "./lib.js";\nexport { passedOn } from "./lib.js";\n'
            "console.log(used);\n",
        },
    )
    assert run_bundled(tmp_path, "main.js") == "U1"
    joined = bundle(tmp_path / "main.js")
    assert "onlyForTests" not in joined and "T2" not in joined
    assert "used" not in joined and "passedOn" in joined  # a name only the export keeps


REFUSED = {
    "a cycle": {
        "main.js": 'import { b } from "./b.js";\nexport const a = 1;\n',
        "b.js": 'import { a } from "./main.js";\nexport const b = a;\n',
    },
    # A module the bundler's walk does not see (esbuild reads it): the two must agree.
    "a namespace import": {
        "main.js": 'import * as b from "./b.js";\nimport { c } from "./c.js";\n',
        "c.js": "export const c = 1;\n",
        "b.js": "export const b = 1;\n",
    },
    "import.meta": {
        "main.js": 'import { b } from "./b.js";\n',
        "b.js": "export const b = import.meta.url;\n",
    },
    # One specifier, two files: it cannot be re-pointed from the entry's folder.
    "a dynamic import naming two files": {
        "main.js": 'import { b } from "./lib/b.js";\nexport const a = () => import("./x.js");\n',
        "lib/b.js": 'export const b = () => import("./x.js");\n',
    },
    "a syntax error": {
        "main.js": 'import { b } from "./b.js";\n',
        "b.js": "export const b = ;\n",
    },
}


@pytest.mark.parametrize("case", REFUSED)
def test_what_it_cannot_join_is_an_error_naming_the_file(tmp_path, case):
    write(tmp_path, REFUSED[case])
    with pytest.raises(BundleError, match=r"\.js"):
        bundle(tmp_path / "main.js")


def test_the_search_entry_joins_every_search_module():
    assert sorted(bundled_modules(SEARCH_ENTRY)) == sorted(search_modules())
