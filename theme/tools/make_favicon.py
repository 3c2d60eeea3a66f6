"""Draws content/extra/favicon.ico: 讯 in white on the masthead red, at 16, 32 and 48 px.

Run once by hand when the mark changes (needs Pillow and a CJK font such as Noto Sans CJK):
    .venv/bin/python theme/tools/make_favicon.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
RED = (163, 22, 26)  # --accent in theme/static/css/main.css
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


def draw_mark(size: int = 256) -> Image.Image:
    image = Image.new("RGBA", (size, size), RED)
    font = ImageFont.truetype(FONT, int(size * 0.78), index=2)  # index 2: the SC face
    draw = ImageDraw.Draw(image)
    draw.text((size / 2, size / 2), "讯", font=font, fill="white", anchor="mm")
    return image


if __name__ == "__main__":
    target = ROOT / "content" / "extra" / "favicon.ico"
    draw_mark().save(target, sizes=[(16, 16), (32, 32), (48, 48)])
    print(target)
