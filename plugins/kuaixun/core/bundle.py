"""One file for a page's script: an ES module and every module it imports, joined.

A page that loads six modules makes six requests; on a phone network each costs a round
trip, and HTTP/1.1's six connections make them queue behind the search's first index
reads. Joining them at build time in Python keeps the build free of node (`make serve` on
a bare machine has none). Each imported module becomes a function scope that returns its
exports, evaluated once, in import order, before the modules importing it — as the
browser evaluates a module graph without cycles — so names never collide. Only the forms
the theme's modules use are understood; anything else (a cycle, a default export, `export
let`, `import.meta`, a namespace import) is an error naming the file, never a wrong bundle.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

_NAMES = r"\{([^}]*)\}"
_SPEC = r'"(\.\.?/[^"]+)"'
IMPORT = re.compile(rf"^import\s*{_NAMES}\s*from\s*{_SPEC};?[ \t]*$", re.MULTILINE)
REEXPORT = re.compile(rf"^export\s*{_NAMES}\s*from\s*{_SPEC};?[ \t]*$", re.MULTILINE)
DECLARED = re.compile(
    r"^export\s+((?:async\s+)?function\*?|const|class)\s+([A-Za-z_$][\w$]*)", re.MULTILINE
)
EXPORT_LIST = re.compile(r"export\s*\{[^}]*\};?")
DYNAMIC = re.compile(rf"\bimport\(\s*{_SPEC}\s*\)")
# Any other module syntax, refused (a line that starts with import/export, or import.meta).
OTHER = re.compile(r"^(?:import|export)\b|\bimport\.meta\b", re.MULTILINE)


class BundleError(ValueError):
    pass


def bundle(entry: Path) -> str:
    """The entry module with every module it imports (relative, static), as one module."""
    order = _import_order(entry)
    wanted = _imported_names(order)
    parts = [f"// {entry.name} and the modules it imports, joined (kuaixun.core.bundle)."]
    for module in order[:-1]:
        body, exports = _rewrite(module, order, entry.parent)
        # Only what another module of the bundle imports: a module's scope is the bundle's
        # own, and an export nothing reads (kept for node's tests) would ship its name.
        returned = ", ".join(name for name in exports if name in wanted[module])
        scope = _scope(module, order)
        parts.append(f"const {scope} = (() => {{\n{body}\nreturn {{ {returned} }};\n}})();")
    body, _ = _rewrite(entry, order, entry.parent, keep_exports=True)
    parts.append(body)
    return "\n".join(parts) + "\n"


def _imported_names(order: list[Path]) -> dict[Path, set[str]]:
    """Each module of `order` → the names the others import (or re-export) from it."""
    wanted: dict[Path, set[str]] = {module: set() for module in order}
    for module in order:
        text = module.read_text(encoding="utf-8")
        for match in [*IMPORT.finditer(text), *REEXPORT.finditer(text)]:
            source = (module.parent / match[2]).resolve()
            wanted[source].update(name for name, _ in _bindings(match[1], module))
    return wanted


def bundled_modules(entry: Path) -> list[Path]:
    """The modules `bundle(entry)` joins into the entry (the entry last)."""
    return _import_order(entry)


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

    visit(entry.resolve())
    return order


def _scope(module: Path, order: list[Path]) -> str:
    # "$" and the module's place in import order, short: the name is written once more in
    # each module importing from it, and the shipped file is minified; the theme's modules
    # name nothing so.
    return f"${order.index(module)}"


def _bindings(names: str, module: Path) -> list[tuple[str, str]]:
    """`a, b as c` → [(a, a), (b, c)]: (exported name, local name)."""
    pairs = []
    for item in (n.strip() for n in names.split(",")):
        if not item:
            continue
        match = re.fullmatch(r"([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?", item)
        if not match:
            raise BundleError(f"{module}: cannot bundle the import of {item!r}")
        pairs.append((match[1], match[2] or match[1]))
    return pairs


def _destructure(pairs: list[tuple[str, str]], source: str) -> str:
    fields = ", ".join(name if name == local else f"{name}: {local}" for name, local in pairs)
    return f"const {{ {fields} }} = {source};"


def _rewrite(module: Path, order: list[Path], root: Path, keep_exports: bool = False):
    """The module's text with its imports read from the scopes before it, its exports
    plain declarations (listed for the scope's return), dynamic imports re-pointed from
    the bundle's folder. Returns (text, exported names)."""
    text = module.read_text(encoding="utf-8")
    exports: list[str] = []

    def source(spec: str) -> str:
        return _scope((module.parent / spec).resolve(), order)

    def imported(match: re.Match) -> str:
        return _destructure(_bindings(match[1], module), source(match[2]))

    def reexported(match: re.Match) -> str:
        pairs = _bindings(match[1], module)
        exports.extend(local for _, local in pairs)
        listed = ", ".join(local for _, local in pairs)
        return _destructure(pairs, source(match[2])) + (
            f"\nexport {{ {listed} }};" if keep_exports else ""
        )

    def declared(match: re.Match) -> str:
        exports.append(match[2])
        return match[0] if keep_exports else match[0].removeprefix("export").lstrip()

    def dynamic(match: re.Match) -> str:
        target = (module.parent / match[1]).resolve()
        relative = posixpath.relpath(target.as_posix(), root.resolve().as_posix())
        return f'import("{relative if relative.startswith(".") else "./" + relative}")'

    text = IMPORT.sub(imported, text)
    text = REEXPORT.sub(reexported, text)
    text = DECLARED.sub(declared, text)
    text = DYNAMIC.sub(dynamic, text)
    for line in text.splitlines():
        kept = keep_exports and (DECLARED.match(line) or EXPORT_LIST.fullmatch(line))
        if OTHER.search(line) and not kept:
            raise BundleError(f"{module}: cannot bundle {line.strip()!r}")
    return text, exports
