"""Photos beside their articles: settings, where a src points, markup and renditions."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from kuaixun.core.photos import markup

DEFAULTS = {
    "PHOTOS_CACHE_PATH": "cache/photos",
    "PHOTOS_OUTPUT_DIR": "images",
    # 720 and 1280 sit between the steps phones ask for: a 412 px phone at 1.75 × needs
    # 658 px, and with only 480/960/1600 got 960 (Lighthouse: "properly size images" failed).
    "PHOTOS_WIDTHS": (480, 720, 960, 1280, 1600),
    # The theme's article column: 1rem (18 px) padding each side, at most about 760 px wide.
    # Written in px: a `sizes` rem is the browser's 16 px, not the theme's 18 px root.
    "PHOTOS_SIZES": "(max-width: 796px) calc(100vw - 36px), 760px",
    "PHOTOS_MAX_BYTES": 40_000_000,
    "PHOTOS_MAX_PIXELS": 80_000_000,
}


def photo_path(src: str, article_dir: Path, content_root: Path) -> Path:
    """The file an image's src names: beside the article, or from the content root for /…."""
    path = unquote(markup.local_path(src))
    return content_root / path.lstrip("/") if path.startswith("/") else article_dir / path
