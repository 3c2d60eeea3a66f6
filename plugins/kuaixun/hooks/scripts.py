"""Shipped scripts are bundled and minified. Once Pelican has copied the theme's
JavaScript to output/theme/js/, each script there is written again, made from the theme's
source (never from the copy: minifying twice renames again): each page script (js/*.js)
that imports modules as one file with them (kuaixun.tools.bundle: one request instead of one
per module, bundled by esbuild into one scope), the modules it absorbed removed, and every
script through esbuild's minifier (kuaixun.tools.esbuild: comments and spaces go, local
names shrink, `/*!` licence comments stay, nothing newer than the browser floor is
written). Vendored libraries (js/vendor/)
ship exactly as their authors published them. Every browser test runs the shipped files;
the source stays readable, and node's tests run it as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from pelican import signals

from kuaixun.tools import esbuild
from kuaixun.tools.bundle import bundle, bundled_modules

# A script with a line that imports or exports is an ES module (search.js, its pinyin layer);
# the others (elder.js, read-aloud.js) are classic scripts, whose top-level names are global.
MODULE_SYNTAX = re.compile(r"^(?:import|export)\b", re.MULTILINE)


def shipped_scripts(sources: Path) -> tuple[dict[str, str], set[str]]:
    """What the theme's scripts under `sources` ship as: each script's path under js/ →
    its shipped text (a page script joined with the modules it imports, then minified), and
    the modules joined into a page script, which do not ship. Vendored libraries are not
    touched."""
    sources = sources.resolve()
    entries = [s for s in sorted(sources.glob("*.js")) if len(bundled_modules(s)) > 1]
    absorbed = {m for entry in entries for m in bundled_modules(entry)[:-1]} - set(entries)
    shipped = {}
    for script in sorted(sources.rglob("*.js")):
        name = script.relative_to(sources).as_posix()
        if "vendor" in script.relative_to(sources).parts or script in absorbed:
            continue
        if script in entries:
            shipped[name] = bundle(script)  # (minified as it is bundled)
        else:
            shipped[name] = minified(script.read_text(encoding="utf-8"), source=name)
    return shipped, {m.relative_to(sources).as_posix() for m in absorbed}


def ship(sources: Path, folder: Path) -> list[str]:
    """Make the scripts Pelican copied into `folder` what `sources` ship as. Each is made from
    the theme's source, never from what `folder` holds: minifying is not idempotent (esbuild
    renames again what it renamed), and the preview's writers may finish a build after a newer
    one has copied the theme. Returns the scripts written."""
    shipped, absorbed = shipped_scripts(sources)
    written = []
    for name, text in shipped.items():
        target = folder / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            _replace(target, text)
            written.append(name)
    for name in sorted(absorbed):
        (folder / name).unlink(missing_ok=True)
    for empty in sorted({(folder / name).parent for name in absorbed}, reverse=True):
        if empty != folder and empty.is_dir() and not any(empty.iterdir()):
            empty.rmdir()
    return written


def minified(text: str, source: str = "<stdin>") -> str:
    """The script as shipped: minified, as a module when it is one."""
    return esbuild.minify(text, module=bool(MODULE_SYNTAX.search(text)), source=source)


def _replace(script: Path, text: str) -> None:
    tmp = script.with_name(script.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(script)  # a new inode: never write through a hard link


def theme_scripts(settings: dict) -> Path:
    """The theme's js/ folder that Pelican copies to THEME_STATIC_DIR (the last static path
    holding one, as a later path's files overwrite an earlier one's)."""
    theme = Path(settings["THEME"])
    folders = [theme / path / "js" for path in settings.get("THEME_STATIC_PATHS") or ["static"]]
    return next((f for f in reversed(folders) if f.is_dir()), folders[-1])


def finish(pelican) -> None:
    settings = pelican.settings
    scripts = Path(settings["OUTPUT_PATH"]) / settings["THEME_STATIC_DIR"] / "js"
    if scripts.is_dir():
        ship(theme_scripts(settings), scripts)


def register():
    signals.finalized.connect(finish)
