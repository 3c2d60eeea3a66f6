"""The site's icon travels inside every page (hooks/icon.py): no page asks for /favicon.ico,
which stays published for clients that ask for it by name."""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image

from kuaixun.core.icon import IconError, icon_data_url
from kuaixun.rules.files import type_problem
from kuaixun.testing.builds import copy_content, run_build

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


# --- A hostile or broken favicon.ico: the check names it; the build never crashes on it ---


def png_bomb(side: int) -> bytes:
    """A 1-bit grey PNG `side` pixels square: a few KB of file, side² pixels to decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    packer = zlib.compressobj(9)
    row = b"\x00" + bytes((side + 7) // 8)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def ico_holding(png: bytes) -> bytes:
    """An .ico file of one entry (256 px as its header says) that is the PNG given."""
    entry = struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(png), 6 + 16)
    return b"\x00\x00\x01\x00" + struct.pack("<H", 1) + entry + png


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x00\x00\x01\x00garbage after the icon's magic", id="malformed"),
        pytest.param(ico_holding(png_bomb(20000)), id="400-megapixel PNG inside"),
        pytest.param(FAVICON.read_bytes()[:600], id="cut short"),
    ],
)
def test_a_broken_icon_is_a_content_problem_naming_the_fix(tmp_path, data):
    icon = tmp_path / "favicon.ico"
    icon.write_bytes(data)
    with pytest.raises(IconError):
        icon_data_url(icon)
    message, fix = type_problem(icon)
    assert "favicon.ico" in message and "图标" in message
    assert "重新导出" in fix


def test_a_build_with_a_broken_icon_names_the_file_and_writes_nothing(tmp_path):
    content = copy_content(tmp_path / "content")
    (content / "extra" / "favicon.ico").write_bytes(b"\x00\x00\x01\x00not an icon")
    build = run_build(tmp_path / "output", content)
    assert build.returncode == 1
    assert "构建出错" not in build.stderr and "Traceback" not in build.stderr, build.stderr
    assert any("favicon.ico" in p and "重新导出" in p for p in build.problems), build.stderr
    assert not (tmp_path / "output").exists()


def test_a_linked_favicon_is_never_read_into_the_pages(tmp_path):
    """A favicon.ico that is a symlink (to any icon outside content/) is not read by the
    hook that runs before the check refuses the link: the pages name /favicon.ico."""
    from types import SimpleNamespace

    from kuaixun.hooks.icon import add_site_icon

    (tmp_path / "extra").mkdir()
    outside = tmp_path / "elsewhere.ico"
    outside.write_bytes(FAVICON.read_bytes())
    (tmp_path / "extra" / "favicon.ico").symlink_to(outside)
    settings = {
        "PATH": str(tmp_path),
        "EXTRA_PATH_METADATA": {"extra/favicon.ico": {"path": "favicon.ico"}},
    }
    add_site_icon(SimpleNamespace(settings=settings))
    assert settings["SITE_ICON"] == ""
    (tmp_path / "extra" / "favicon.ico").unlink()
    (tmp_path / "extra" / "favicon.ico").write_bytes(FAVICON.read_bytes())
    add_site_icon(SimpleNamespace(settings=settings))
    assert settings["SITE_ICON"] == icon_data_url(FAVICON)
