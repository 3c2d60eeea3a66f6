"""The site's icon travels inside every page (hooks/icon.py): no page asks for /favicon.ico,
which stays published for clients that ask for it by name."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from urllib.parse import quote

from PIL import Image

from kuaixun.core.icon import icon_data_url

FAVICON = Path(__file__).parents[1] / "content" / "extra" / "favicon.ico"
ICON_LINK = re.compile(r'<link rel="icon" href="data:image/png;base64,([A-Za-z0-9+/=]+)">')


def test_the_icon_is_favicon_ico_at_32_px_in_a_few_hundred_bytes():
    url = icon_data_url(FAVICON)
    png = base64.b64decode(url.removeprefix("data:image/png;base64,"))
    assert len(png) < 400
    with Image.open(io.BytesIO(png)) as image, Image.open(FAVICON) as ico:
        ico.size = (32, 32)
        assert image.size == (32, 32)
        # The mark's red, as favicon.ico has it at this size.
        assert image.convert("RGB").getpixel((1, 1)) == ico.convert("RGB").getpixel((1, 1))


def test_every_kind_of_page_names_the_icon_inside_it(real_site):
    for name in ["index.html", "search.html", "archives/index.html", "404.html"]:
        html = (real_site / name).read_text(encoding="utf-8")
        assert ICON_LINK.search(html)[0] == f'<link rel="icon" href="{icon_data_url(FAVICON)}">'


def test_the_search_page_asks_for_no_favicon(page, real_site, serve):
    asked = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(f"{serve(real_site)}/search.html?q={quote('市容')}")
    page.wait_for_selector("#search-results li")
    page.wait_for_load_state("networkidle")
    assert asked and not [url for url in asked if url.endswith("/favicon.ico")]
