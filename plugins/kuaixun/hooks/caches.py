"""caches plugin: one folder of build caches per version of the settings and the code.

Pelican keys its reader cache by each file's bytes only: after a change to a plugin, a
Markdown extension, a library or a setting it would serve what the old ones made. Here
CACHE_PATH becomes CACHE_PATH/kuaixun-<fingerprint> before any generator opens it, so such
a cache is never read; the plugins' own memos (cjk summaries, content rules) live there too.
Listed first in PLUGINS: the folder must be settled before the other plugins use it.
"""

from __future__ import annotations

from pelican import signals

from kuaixun import pelican_api
from kuaixun.core.memo import settle_cache_path
from kuaixun.rules import CHANGES


def versioned_cache_path(pelican) -> None:
    # The preview's Changes describe one build, not what the site's caches depend on.
    settle_cache_path(pelican.settings, passing=(CHANGES,))


def register():
    signals.initialized.connect(versioned_cache_path)
    signals.generator_init.connect(pelican_api.stamp_files_once)
