"""Shipped scripts are bundled and minified. Once Pelican has copied the theme's
JavaScript to output/theme/js/, each page script there (js/*.js) that imports modules is
written again as one file with them (kuaixun.core.bundle: one request instead of one per
module), the modules it absorbed are removed, and every script is written again through
esbuild's minifier (kuaixun.tools.esbuild: comments and spaces go, local names shrink, `/*!`
licence comments stay, nothing newer than the browser floor is written). Vendored libraries
(js/vendor/) ship exactly as their authors published them. Every browser test runs the
shipped files; the source stays readable, and node's tests run it as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from pelican import signals

from kuaixun.core.bundle import bundle, bundled_modules
from kuaixun.tools import esbuild

# A script with a line that imports or exports is an ES module (search.js, its pinyin layer);
# the others (elder.js, read-aloud.js) are classic scripts, whose top-level names are global.
MODULE_SYNTAX = re.compile(r"^(?:import|export)\b", re.MULTILINE)


def bundle_pages(folder: Path) -> list[Path]:
    """Each page script of `folder` joined with the modules it imports; the modules joined
    into one are removed. Returns the scripts bundled."""
    folder = folder.resolve()
    entries = [s for s in sorted(folder.glob("*.js")) if len(bundled_modules(s)) > 1]
    absorbed = {m for entry in entries for m in bundled_modules(entry)[:-1]}
    for entry in entries:
        _replace(entry, bundle(entry))
    for module in absorbed - set(entries):
        module.unlink()
    for empty in sorted({m.parent for m in absorbed}, reverse=True):
        if empty != folder and not any(empty.iterdir()):
            empty.rmdir()
    return entries


def minify(folder: Path) -> int:
    """Minify every .js file under `folder` except vendor/; returns how many."""
    count = 0
    for script in sorted(folder.rglob("*.js")):
        if "vendor" in script.relative_to(folder).parts:
            continue
        text = script.read_text(encoding="utf-8")
        _replace(script, minified(text, source=script.relative_to(folder).as_posix()))
        count += 1
    return count


def minified(text: str, source: str = "<stdin>") -> str:
    """The script as shipped: minified, as a module when it is one."""
    return esbuild.minify(text, module=bool(MODULE_SYNTAX.search(text)), source=source)


def _replace(script: Path, text: str) -> None:
    tmp = script.with_name(script.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(script)  # a new inode: never write through a hard link


def finish(pelican) -> None:
    settings = pelican.settings
    scripts = Path(settings["OUTPUT_PATH"]) / settings["THEME_STATIC_DIR"] / "js"
    bundle_pages(scripts)
    minify(scripts)


def register():
    signals.finalized.connect(finish)
