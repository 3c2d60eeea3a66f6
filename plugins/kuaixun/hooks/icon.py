"""icon hook: SITE_ICON, the site's favicon as a data: URL (kuaixun.core.icon) for base.html.

The favicon's source is the static file published as favicon.ico (EXTRA_PATH_METADATA); the
file stays published for clients that ask for it by name (feed readers, old browsers).
"""

from __future__ import annotations

from pathlib import Path

from pelican import signals

from kuaixun.core.icon import IconError, icon_data_url

PUBLISHED_AS = "favicon.ico"


def add_site_icon(pelican) -> None:
    settings = pelican.settings
    extra = settings.get("EXTRA_PATH_METADATA", {})
    sources = [name for name, meta in extra.items() if meta.get("path") == PUBLISHED_AS]
    found = [Path(settings["PATH"]) / name for name in sources]
    # Never through a link: the hook runs before the content check refuses links (rules/files.py).
    found = [path for path in found if path.is_file() and not path.is_symlink()]
    try:
        settings["SITE_ICON"] = icon_data_url(found[0]) if found else ""
    except IconError:
        # Not an icon: the content check names the file and the fix (rules/files.py), with
        # every other problem of the build; the pages name /favicon.ico meanwhile.
        settings["SITE_ICON"] = ""


def register():
    signals.initialized.connect(add_site_icon)
