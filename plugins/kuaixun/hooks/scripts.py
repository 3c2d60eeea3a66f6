"""Shipped scripts are bundled and minified. Once Pelican has copied the theme's
JavaScript to output/theme/js/, each page script there (js/*.js) that imports modules is
written again as one file with them (kuaixun.core.bundle: one request instead of one per
module), the modules it absorbed are removed, and every script is written again through
rjsmin (comments and spaces go; `/*!` licence comments stay). Vendored libraries
(js/vendor/) ship exactly as their authors published them. Every browser test runs the
shipped files; the source stays readable, and node's tests run it as it is.
"""

from __future__ import annotations

from pathlib import Path

import rjsmin
from pelican import signals

from kuaixun.core.bundle import bundle, bundled_modules


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
        _replace(script, rjsmin.jsmin(text, keep_bang_comments=True) + "\n")
        count += 1
    return count


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
