"""Production settings: only what differs from pelicanconf.py.

`SITEURL=https://org.github.io/repo make publish` builds the site to be deployed. The build
goes through the same strict bulletin.build as development: every content error is reported
and output/ is left untouched.
"""

import hashlib
import os
from pathlib import Path
from urllib.parse import urlsplit

from pelican.settings import load_source

# Everything pelicanconf.py sets, loaded by path as Pelican loads a settings file.
_development = load_source("pelicanconf", str(Path(__file__).with_name("pelicanconf.py")))
globals().update({k: v for k, v in vars(_development).items() if k.isupper()})
ROOT: Path = _development.ROOT
del _development  # a module is no setting (Pelican pickles its settings into the cache)

# Forks and project sites differ only in this address, so it comes from the environment.
PLACEHOLDER_SITEURL = "https://example.github.io/bulletin"


def production_siteurl(value: str | None) -> str:
    """The absolute address the site is served from, with its sub-path and no trailing slash."""
    url = (value or PLACEHOLDER_SITEURL).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SystemExit(
            f'SITEURL "{value}" 不是完整的网址 (is not an absolute http(s) address) — '
            "写成 SITEURL=https://org.github.io/repo 这样的格式"
        )
    return url


def code_fingerprint(root: Path) -> str:
    """A short hash of everything that shapes what Pelican's readers cache.

    Pelican keys its content cache by each file's md5 only: after a change to a plugin, a
    Markdown extension or the settings, it would serve HTML made by the old code. Keeping one
    cache folder per version of the code makes such a cache unreachable instead.
    """
    digest = hashlib.sha256()
    files = [
        root / "pelicanconf.py",
        root / "publishconf.py",
        root / "requirements" / "runtime.txt",
    ]
    files += sorted((root / "plugins").rglob("*.py"))
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


SITEURL = production_siteurl(os.environ.get("SITEURL"))
# Canonical links, Open Graph and feed entries need the whole address, sub-path included.
SITE_ORIGIN = SITEURL
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True

# Parsed articles are reused between builds as in development (pelicanconf.py: the reader
# layer, keyed by file content, as CI checkouts give every file a new mtime), in a cache of
# production's own: the folder is named by the code, so CI's kept cache/ is pruned by version.
CACHE_PATH = str(ROOT / "cache" / "pelican" / f"publish-{code_fingerprint(ROOT)}")
