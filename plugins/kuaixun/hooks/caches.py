"""caches plugin: one folder of build caches per version of the settings and the code.

Pelican keys its reader cache by each file's bytes only: after a change to a plugin, a
Markdown extension, a library or a setting it would serve what the old ones made. Here
CACHE_PATH becomes CACHE_PATH/kuaixun-<fingerprint> before any generator opens it, so such
a cache is never read; the plugins' own memos (cjk summaries, content rules) live there too.
Listed first in PLUGINS: the folder must be settled before the other plugins use it.
"""

from __future__ import annotations

import os
from pathlib import Path

from pelican import signals

from kuaixun import pelican_api
from kuaixun.core.memo import fingerprint, keep_recent
from kuaixun.rules import CHANGES

PREFIX = "kuaixun-"
# Caches of other settings or code kept beside this one (the most recently used).
KEEP = 4


def versioned_cache_path(pelican) -> None:
    settle(pelican.settings)


def settle(settings: dict) -> None:
    """Make settings["CACHE_PATH"] the folder of these settings and this code. tools/build.py
    settles it before its check before reading, whose verdicts are kept there too."""
    base = Path(settings["CACHE_PATH"])
    if base.name.startswith(PREFIX):  # settled already (a second Pelican in one process)
        return
    # The preview's Changes describe one build, not what the site's caches depend on.
    lasting = {key: value for key, value in settings.items() if key != CHANGES}
    folder = base / (PREFIX + fingerprint(lasting))
    folder.mkdir(parents=True, exist_ok=True)
    os.utime(folder)  # used now: the last to be pruned
    # Caches of older code are never read again: without pruning they would pile up.
    keep_recent(base, PREFIX, KEEP)
    settings["CACHE_PATH"] = str(folder)


def register():
    signals.initialized.connect(versioned_cache_path)
    signals.generator_init.connect(pelican_api.stamp_files_once)
