"""One file for a page's script: an ES module and every module it imports, bundled.

A page that loads six modules makes six requests; on a phone network each costs a round
trip, and HTTP/1.1's six connections make them queue behind the search's first index
reads. esbuild (kuaixun.tools.esbuild, the Go binary `make setup` installs with Python, so a
build needs no node) bundles them into one module scope and minifies it: every name,
exported or not, is shortened, and an export no module of the bundle reads (kept for node's
tests) is left out. Joined by hand into one function scope a module, as this module did
before, the scopes' exported names stayed long twice over (returned and destructured):
search.js was 850 bytes larger gzipped (docs/search.md, "The code budget").

Dynamic imports (the pinyin layer, the list of initials, the inflate library) stay files of
their own, each re-pointed from the entry's folder. The modules bundled are found here by
their `import {…} from "./…"` lines and must be the ones esbuild reads (its metafile):
anything else, a cycle or `import.meta` (which would name the bundle, not the module) is an
error naming the file, never a wrong bundle.
"""

from __future__ import annotations

import json
import posixpath
import re
import tempfile
from pathlib import Path

from kuaixun.tools import esbuild

_NAMES = r"\{([^}]*)\}"
_SPEC = r'"(\.\.?/[^"]+)"'
IMPORT = re.compile(rf"^import\s*{_NAMES}\s*from\s*{_SPEC};?[ \t]*$", re.MULTILINE)
REEXPORT = re.compile(rf"^export\s*{_NAMES}\s*from\s*{_SPEC};?[ \t]*$", re.MULTILINE)
DYNAMIC = re.compile(rf"\bimport\(\s*{_SPEC}\s*\)")
IMPORT_META = re.compile(r"\bimport\.meta\b")


class BundleError(ValueError):
    pass


def bundle(entry: Path) -> str:
    """The entry module with every module it imports (relative, static), as one minified
    module; its dynamic imports re-pointed from the entry's folder."""
    entry = entry.resolve()
    order = _import_order(entry)
    for module in order:
        if IMPORT_META.search(module.read_text(encoding="utf-8")):
            raise BundleError(f"{module}: cannot bundle import.meta (it would name the bundle)")
    specs = {m[1] for module in order for m in DYNAMIC.finditer(module.read_text("utf-8"))}
    with tempfile.TemporaryDirectory() as folder:
        out, meta = Path(folder) / "out.js", Path(folder) / "meta.json"
        try:
            esbuild.bundle(entry, out, meta, externals=sorted(specs))
        except esbuild.EsbuildError as error:
            raise BundleError(str(error)) from None
        text = out.read_text(encoding="utf-8")
        inputs = json.loads(meta.read_text(encoding="utf-8"))["inputs"]
    read = {(entry.parent / path).resolve(): facts for path, facts in inputs.items()}
    if set(read) != set(order):
        unseen = sorted(str(m) for m in set(read) ^ set(order))
        raise BundleError(f"{entry}: esbuild and the bundler read different modules: {unseen}")
    for spec, target in _dynamic_targets(entry, read).items():
        written = f'import("{spec}")'
        if written not in text:
            raise BundleError(f"{entry}: esbuild wrote {spec!r}'s import otherwise")
        text = text.replace(written, f'import("{target}")')
    return text


def _dynamic_targets(entry: Path, read: dict[Path, dict]) -> dict[str, str]:
    """Each dynamic import's specifier as written → the same file's from the entry's folder,
    from esbuild's metafile (`read`: module → its facts)."""
    targets: dict[str, str] = {}
    for module, facts in read.items():
        for imported in facts["imports"]:
            if imported["kind"] != "dynamic-import":
                continue
            spec = imported["path"]
            target = posixpath.relpath(
                (module.parent / spec).resolve().as_posix(), entry.parent.as_posix()
            )
            target = target if target.startswith(".") else f"./{target}"
            if targets.setdefault(spec, target) != target:
                raise BundleError(f"{module}: import({spec!r}) names two files in one bundle")
    return targets


def bundled_modules(entry: Path) -> list[Path]:
    """The modules `bundle(entry)` joins into the entry (the entry last), each after the
    modules it imports."""
    return _import_order(entry.resolve())


def _imports(module: Path) -> list[Path]:
    text = module.read_text(encoding="utf-8")
    specs = [m[2] for m in IMPORT.finditer(text)] + [m[2] for m in REEXPORT.finditer(text)]
    return [(module.parent / spec).resolve() for spec in specs]


def _import_order(entry: Path) -> list[Path]:
    """Every module reached from `entry`, each after the modules it imports."""
    order: list[Path] = []
    visiting: list[Path] = []

    def visit(module: Path) -> None:
        if module in order:
            return
        if module in visiting:
            cycle = " → ".join(m.name for m in [*visiting, module])
            raise BundleError(f"{module}: import cycle {cycle}")
        visiting.append(module)
        for dependency in _imports(module):
            visit(dependency)
        visiting.pop()
        order.append(module)

    visit(entry)
    return order
