"""The site's icon as a data: URL, so a page names its icon and no browser asks /favicon.ico.

A page without an icon of its own makes the browser fetch /favicon.ico (4.6 KB: three sizes,
uncompressed) after the page, beside whatever the page fetches then: on a phone a request
and its bytes. The 32 px image of the same file, in four colours (the red, the white and
two blends of them for the edges), is a PNG of about 270 bytes.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image

SIZE = 32  # a tab's icon on a phone's screen (16 CSS pixels at 2×)
COLOURS = 4


class IconError(ValueError):
    """An .ico file Pillow cannot read as an icon of at most MAX_SIZE pixels."""


MAX_SIZE = 256  # the largest image the .ico format holds


def icon_data_url(favicon: Path) -> str:
    """The 32 px image of an .ico file as a data: URL of a small PNG; IconError when the
    file is not an icon (an editor's file: the content check says so, tests/test_icon.py)."""
    try:
        with Image.open(favicon, formats=["ICO"]) as ico:
            if max(ico.size) > MAX_SIZE:
                raise IconError(f"{ico.size[0]}×{ico.size[1]} px")
            if (SIZE, SIZE) in ico.info.get("sizes", ()):
                ico.size = (SIZE, SIZE)
            image = ico.convert("RGB").resize((SIZE, SIZE)).quantize(COLOURS)
    except IconError:
        raise
    except Exception as error:  # a malformed file makes Pillow raise many kinds
        raise IconError(str(error) or type(error).__name__) from error
    png = io.BytesIO()
    image.save(png, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")
