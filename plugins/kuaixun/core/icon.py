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


def icon_data_url(favicon: Path) -> str:
    """The 32 px image of an .ico file as a data: URL of a small PNG."""
    with Image.open(favicon) as ico:
        if (SIZE, SIZE) in ico.info.get("sizes", ()):
            ico.size = (SIZE, SIZE)
        image = ico.convert("RGB").resize((SIZE, SIZE)).quantize(COLOURS)
    png = io.BytesIO()
    image.save(png, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")
