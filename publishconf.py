"""Production settings: only what differs from pelicanconf.py."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("SITEURL", "https://example.github.io/bulletin").rstrip("/")
SITE_ORIGIN = SITEURL
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
LOAD_CONTENT_CACHE = True
