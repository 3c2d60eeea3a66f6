"""Photos made with Pillow for the tests and the seed content — never downloaded ones.

`python tests/photo_fixtures.py OUT.jpg` renders the notice board used by the seed article
content/articles/2020/11/pufa-xuanchuan.md.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
ORIENTATION = 0x0112
GPS_IFD = 0x8825
MAKE = 0x010F


def _font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    name = "NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc"
    # Index 2 of the collection is the Simplified Chinese face.
    return ImageFont.truetype(str(FONT_DIR / name), size, index=2)


def _centered(draw: ImageDraw.ImageDraw, box, text: str, font, fill) -> None:
    left, top, right, bottom = box
    width = draw.textlength(text, font=font)
    draw.text((left + (right - left - width) / 2, top), text, font=font, fill=fill)


def notice_board(width: int = 3200) -> Image.Image:
    """A community notice board (公告栏) on a brick wall, with a 普法 poster, as a phone sees it."""
    scale = width / 3200
    height = round(2200 * scale)
    board = Image.new("RGB", (width, height), (150, 78, 60))
    draw = ImageDraw.Draw(board)
    rng = random.Random(2020)
    brick_h, brick_w = round(70 * scale), round(220 * scale)
    for row, y in enumerate(range(0, height, brick_h)):
        offset = (row % 2) * brick_w // 2
        for x in range(-offset, width, brick_w):
            shade = rng.randint(-22, 22)
            colour = (150 + shade, 78 + shade // 2, 60 + shade // 3)
            draw.rectangle([x + 4, y + 4, x + brick_w - 4, y + brick_h - 4], fill=colour)

    def s(v: float) -> int:
        return round(v * scale)

    draw.rectangle([s(260), s(180), s(2940), s(2020)], fill=(40, 70, 50))  # frame
    draw.rectangle([s(300), s(380), s(2900), s(1980)], fill=(236, 232, 220))  # cork
    draw.rectangle([s(260), s(180), s(2940), s(360)], fill=(178, 30, 36))  # red header
    _centered(
        draw, (s(260), s(200), s(2940), 0), "平城区 幸福里社区 公告栏", _font(s(120)), "white"
    )

    posters = [
        ((s(360), s(440), s(1560), s(1920)), (255, 250, 235), "民法典", "与你我同行"),
        ((s(1640), s(440), s(2840), s(1160)), (230, 240, 250), "法律咨询", "每周三上午 社区服务站"),
        ((s(1640), s(1220), s(2840), s(1920)), (250, 236, 236), "普法宣传", "文化里小区东门"),
    ]
    for box, paper, heading, line in posters:
        draw.rectangle(box, fill=paper, outline=(120, 120, 120), width=max(1, s(4)))
        left, top, right, _ = box
        _centered(draw, (left, top + s(60), right, 0), heading, _font(s(150)), (178, 30, 36))
        _centered(draw, (left, top + s(280), right, 0), line, _font(s(70), False), (30, 30, 30))
        for n in range(10):
            y = top + s(440 + n * 110)
            if y < box[3] - s(60):
                draw.line([left + s(80), y, right - s(80), y], fill=(150, 150, 150), width=s(10))
    # A phone photo is never perfectly sharp nor noise-free.
    noise = Image.effect_noise((width, height), 18).convert("RGB")
    return Image.blend(board.filter(ImageFilter.GaussianBlur(1.2 * scale)), noise, 0.06)


def exif_with_gps(orientation: int) -> Image.Exif:
    """EXIF as a phone writes it: camera make, rotation flag, and where the photo was taken."""
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update(
        {1: "N", 2: (40.0, 5.0, 30.0), 3: "E", 4: (113.0, 18.0, 10.0)}  # 平城区, near enough
    )
    return exif


def phone_jpeg(path: Path, width: int = 4000, height: int = 3000, orientation: int = 6) -> Path:
    """A large landscape JPEG whose EXIF says "rotate 90° clockwise", with GPS data."""
    image = notice_board(width).resize((width, height))
    image.save(path, "JPEG", quality=92, exif=exif_with_gps(orientation))
    return path


def png_graphic(path: Path, width: int = 1200, height: int = 800) -> Path:
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([100, 100, width - 100, height - 100], fill=(178, 30, 36, 255))
    _centered(draw, (0, height // 2 - 60, width, 0), "通知", _font(100), "white")
    image.save(path, "PNG")
    return path


def corrupt_file(path: Path) -> Path:
    path.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG" * 20)
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1])
    notice_board().save(target, "JPEG", quality=88, optimize=True)
    print(target, target.stat().st_size, "bytes")
