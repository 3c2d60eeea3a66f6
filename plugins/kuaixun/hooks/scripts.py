"""Shipped scripts are minified: the theme's own JavaScript under output/theme/js/ is
written again through rjsmin once Pelican has copied it (comments and spaces go; `/*!`
licence comments stay). Vendored libraries (js/vendor/) ship exactly as their authors
published them. Every browser test runs the minified files; the source stays readable.
"""

from __future__ import annotations

from pathlib import Path

import rjsmin
from pelican import signals


def minify(folder: Path) -> int:
    """Minify every .js file under `folder` except vendor/; returns how many."""
    count = 0
    for script in sorted(folder.rglob("*.js")):
        if "vendor" in script.relative_to(folder).parts:
            continue
        text = script.read_text(encoding="utf-8")
        tmp = script.with_name(script.name + ".tmp")
        tmp.write_text(rjsmin.jsmin(text, keep_bang_comments=True) + "\n", encoding="utf-8")
        tmp.replace(script)  # a new inode: never write through a hard link
        count += 1
    return count


def finish(pelican) -> None:
    settings = pelican.settings
    minify(Path(settings["OUTPUT_PATH"]) / settings["THEME_STATIC_DIR"] / "js")


def register():
    signals.finalized.connect(finish)
