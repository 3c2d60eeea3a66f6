"""Photos: renditions, EXIF stripping, markup, cache reuse and strict errors, on real builds.

The fixture photos are made here with Pillow (tests/photo_fixtures.py): a 4000 × 3000 phone
JPEG whose EXIF says "rotate 90°" and carries GPS, a transparent PNG, a corrupt file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import feedparser
import pytest
from lxml import html
from PIL import Image

from kuaixun.core.photos.markup import find_images, is_placeholder_alt, split_caption
from kuaixun.core.photos.renditions import target_widths
from kuaixun.testing.builds import ROOT, run_build
from kuaixun.testing.photo_fixtures import GPS_IFD, corrupt_file, phone_jpeg, png_graphic

STORY = """Title: 太极拳班开课了
Date: 2020-11-20 09:00
Category: 社区动态
Authors: 段雨萌
Tags: 太极拳
Cover: taiji.jpg

本报讯（记者 段雨萌）近日，幸福里社区太极拳班开课，三十多位居民报名参加。

![太极拳班的学员在社区广场上练拳](taiji.jpg "太极拳班的学员 | 摄影：张三")

学员们说，跟着老师练了一个月，腰腿都灵活了。

![红色圆形的社区通知标志](tongzhi.png)

下一期太极拳班将于明年春天开课。
"""


def _article(folder: Path, name: str, body: str) -> Path:
    path = folder / "articles" / "2020" / "11" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


def _content(tmp: Path) -> Path:
    content = tmp / "content"
    (content / "pages").mkdir(parents=True)
    story = _article(content, "taiji.md", STORY)
    phone_jpeg(story.parent / "taiji.jpg", 4000, 3000, orientation=6)
    png_graphic(story.parent / "tongzhi.png", 1200, 800)
    return content


def _stats(cache: Path) -> dict:
    return json.loads((cache / "last-build.json").read_text())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One real build of a small site with two photos, from an empty photo cache."""
    tmp = tmp_path_factory.mktemp("photos")
    content = _content(tmp)
    build = run_build(tmp / "output", content=content)
    assert build.returncode == 0, build.stderr
    return {
        "content": content,
        "output": tmp / "output",
        "cache": tmp / "photos-cache",
        "first_stats": _stats(tmp / "photos-cache"),
        "article": tmp / "output" / "2020" / "11",
    }


def _article_page(site) -> html.HtmlElement:
    (page,) = site["article"].glob("*/index.html")
    return html.fromstring(page.read_text(encoding="utf-8"))


def _images(site, stem: str) -> dict[tuple[int, str], Path]:
    found = {}
    for path in (site["output"] / "images").glob(f"{stem}-*"):
        width, ext = path.name.rsplit("-", 1)[1].split(".")
        found[(int(width), ext)] = path
    return found


# --- pure rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source_width", "expected"),
    [(4000, [480, 960, 1600]), (1200, [480, 960, 1200]), (960, [480, 960]), (300, [300])],
)
def test_widths_never_upscale(source_width, expected):
    assert target_widths(source_width, (480, 960, 1600)) == expected


@pytest.mark.parametrize(
    ("title", "alt", "expected"),
    [
        ("太极拳班的学员 | 摄影：张三", "练拳", ("太极拳班的学员", "摄影：张三")),
        ("太极拳班的学员｜图：李四", "练拳", ("太极拳班的学员", "图：李四")),
        ("", "学员在练拳", ("学员在练拳", "")),
        ("摄影：张三", "学员在练拳", ("学员在练拳", "摄影：张三")),
    ],
)
def test_title_gives_caption_and_credit(title, alt, expected):
    assert split_caption(title, alt) == expected


@pytest.mark.parametrize("alt", ["图片", "照片1", "IMG_2041", "photo", "taiji", "  "])
def test_placeholder_alt_text_is_refused(alt):
    assert is_placeholder_alt(alt, "taiji.jpg")


@pytest.mark.parametrize(
    "alt", ["太极拳班的学员在社区广场上练拳", "图书馆新到的200本书", "2020 年人口普查"]
)
def test_describing_alt_text_is_accepted(alt):
    assert not is_placeholder_alt(alt, "taiji.jpg")


# --- renditions ------------------------------------------------------------------------------


def test_each_width_is_written_as_webp_and_jpeg_smaller_than_the_source(site):
    source_bytes = (site["content"] / "articles/2020/11/taiji.jpg").stat().st_size
    images = _images(site, "taiji")
    widths = (480, 720, 960, 1280, 1600)
    assert set(images) == {(w, ext) for w in widths for ext in ("webp", "jpg")}
    for path in images.values():
        assert path.stat().st_size < source_bytes, path


def test_renditions_are_upright_after_the_exif_rotation(site):
    # Stored 4000 × 3000 with "rotate 90°": readers must see a 3000 × 4000 portrait.
    assert len(_images(site, "taiji")) == 10
    for (width, _), path in _images(site, "taiji").items():
        with Image.open(path) as image:
            assert image.size == (width, round(width * 4 / 3)), path


def test_renditions_carry_no_exif_and_no_gps(site):
    assert len(_images(site, "taiji")) == 10
    for path in _images(site, "taiji").values():
        with Image.open(path) as image:
            exif = image.getexif()
            assert not exif.get_ifd(GPS_IFD), path
            assert len(exif) == 0, path
            assert "exif" not in image.info, path


def test_png_is_not_upscaled_past_its_width(site):
    assert {width for width, _ in _images(site, "tongzhi")} == {480, 720, 960, 1200}


def test_originals_are_not_copied_into_the_output(site):
    names = {p.name for p in site["output"].rglob("*")}
    assert "taiji.jpg" not in names
    assert "tongzhi.png" not in names


# --- markup ----------------------------------------------------------------------------------


def test_img_has_srcset_sizes_width_height_and_alt(site):
    img = _article_page(site).xpath("//figure//picture//img")[0]
    assert img.get("alt") == "太极拳班的学员在社区广场上练拳"
    assert img.get("width") == "1600"
    assert img.get("height") == "2133"
    assert img.get("sizes")
    assert [c.split()[1] for c in img.get("srcset").split(", ")] == [
        "480w",
        "720w",
        "960w",
        "1280w",
        "1600w",
    ]
    webp = img.xpath('ancestor::picture//source[@type="image/webp"]')[0]
    assert webp.get("srcset").count(".webp") == 5
    assert webp.get("sizes") == img.get("sizes")


def test_caption_and_credit_are_shown(site):
    caption = _article_page(site).xpath("//figure/figcaption")[0]
    assert caption.text_content() == "太极拳班的学员 摄影：张三"
    assert caption.xpath('span[@class="photo-credit"]')[0].text == "摄影：张三"


def test_alt_becomes_the_caption_when_there_is_no_title(site):
    captions = _article_page(site).xpath("//figure/figcaption")
    assert captions[1].text_content() == "红色圆形的社区通知标志"


def test_first_photo_loads_at_once_and_later_ones_lazily(site):
    first, second = _article_page(site).xpath("//figure//img")
    assert first.get("loading") is None
    assert second.get("loading") == "lazy"


def test_cover_is_the_open_graph_image_at_960_px(site):
    meta = _article_page(site).xpath('//meta[@property="og:image"]')[0]
    assert meta.get("content").startswith("http")
    assert meta.get("content").endswith("-960.jpg")


def test_feed_entry_encloses_the_960_px_rendition_absolutely(site):
    feed = feedparser.parse(str(site["output"] / "feeds" / "all.atom.xml"))
    assert feed.bozo == 0
    (enclosure,) = feed.entries[0].enclosures
    assert enclosure.href.startswith("http") and enclosure.href.endswith("-960.jpg")
    assert enclosure.type == "image/jpeg"
    assert 'src="http' in feed.entries[0].content[0].value


def test_listing_shows_the_cover_as_a_thumbnail(site):
    index = html.fromstring((site["output"] / "index.html").read_text(encoding="utf-8"))
    (thumb,) = index.xpath('//article[@class="entry"]//picture//img')
    assert "-480.jpg" in thumb.get("src")
    assert thumb.get("width") and thumb.get("height") and thumb.get("alt") == ""


def test_photo_markup_is_valid_html(site):
    (page,) = site["article"].glob("*/index.html")
    vnu = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    result = subprocess.run(
        ["java", "-jar", str(vnu), "--errors-only", "--format", "text", str(page)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    assert result.returncode == 0, result.stderr


def test_static_syntax_under_content_images_publishes_only_renditions(tmp_path):
    content = _content(tmp_path)
    (content / "images").mkdir()
    png_graphic(content / "images" / "ditu.png", 1000, 700)
    story = content / "articles/2020/11/taiji.md"
    story.write_text(STORY + "\n![社区位置示意图]({static}/images/ditu.png)\n", encoding="utf-8")
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    published = {p.name for p in (tmp_path / "output" / "images").iterdir()}
    assert "ditu.png" not in published
    assert {name.rsplit("-", 1)[1] for name in published if name.startswith("ditu-")} == {
        f"{w}.{ext}" for w in (480, 720, 960, 1000) for ext in ("webp", "jpg")
    }


def test_pdf_edition_embeds_a_print_sized_rendition(real_site, tmp_path):
    from kuaixun.tools.edition_pdf import print_to_pdf

    pdf = print_to_pdf(real_site / "issues" / "47" / "print" / "index.html", tmp_path / "47.pdf")
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
    widths = [int(row.split()[3]) for row in listing.stdout.splitlines()[2:]]
    # The seed article's notice board is in issue 47; the 480 px phone size would print soft.
    assert widths and min(widths) >= 960, listing.stdout


# --- cache -----------------------------------------------------------------------------------


def test_rebuild_with_unchanged_photos_encodes_none(site, tmp_path):
    assert site["first_stats"]["encoded"] == 2
    build = run_build(
        tmp_path / "output", content=site["content"], PHOTOS_CACHE_PATH=str(site["cache"])
    )
    assert build.returncode == 0, build.stderr
    assert _stats(site["cache"]) == {"encoded": 0, "reused": 2, "photos": 2}
    assert "Photos: 0 encoded, 2 reused" in build.stdout
    assert len(list((tmp_path / "output" / "images").iterdir())) == 18


def test_a_changed_photo_is_encoded_again_under_a_new_name(site, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(site["content"], content)
    png_graphic(content / "articles/2020/11/tongzhi.png", 1000, 800)  # the editor replaced it
    cache = tmp_path / "cache"
    shutil.copytree(site["cache"], cache)
    build = run_build(tmp_path / "output", content=content, PHOTOS_CACHE_PATH=str(cache))
    assert build.returncode == 0, build.stderr
    assert _stats(cache) == {"encoded": 1, "reused": 1, "photos": 2}
    old_names = {p.name for p in (site["output"] / "images").glob("tongzhi-*")}
    new_names = {p.name for p in (tmp_path / "output" / "images").glob("tongzhi-*")}
    assert new_names and not old_names & new_names


# --- strict ----------------------------------------------------------------------------------

BROKEN = {
    "missing alt": ("![](taiji.jpg)", "照片 taiji.jpg 没有替代文字"),
    "placeholder alt": ("![照片1](taiji.jpg)", "没有说明照片内容"),
    "missing file": ("![居民在练拳](taiji-2.jpg)", "找不到照片文件 taiji-2.jpg"),
    "corrupt file": ("![居民在练拳](broken.jpg)", "照片无法读取"),
}


def test_broken_photos_fail_the_build_each_named_at_its_article_and_line(tmp_path):
    """Every broken photo of a build is named at once, each at its line with its fix."""
    content = _content(tmp_path)
    corrupt_file(content / "articles/2020/11/broken.jpg")
    story = content / "articles/2020/11/taiji.md"
    text = STORY
    lines = {}
    for case, (markdown, _) in sorted(BROKEN.items()):
        text += "\n" + markdown + "\n"
        lines[case] = len(text.splitlines())
    story.write_text(text, encoding="utf-8")

    build = run_build(tmp_path / "output", content=content)

    assert build.returncode != 0
    for case, (_, expected) in BROKEN.items():
        ours = [p for p in build.problems if f"taiji.md:{lines[case]}:" in p and expected in p]
        assert ours, f"{case}: {build.stderr}"
        assert " — " in ours[0]  # and says how to fix it
    assert not (tmp_path / "output").exists()


def test_photo_over_the_size_limit_fails_the_build(tmp_path):
    content = _content(tmp_path)
    build = run_build(tmp_path / "output", content=content, PHOTOS_MAX_BYTES=100_000)
    assert build.returncode != 0
    assert any("taiji.md:10:" in p and "MB" in p for p in build.problems), build.stderr


# --- in the browser --------------------------------------------------------------------------


def _image_requests(page, url: str) -> list[str]:
    requested = []
    page.on("request", lambda r: requested.append(r.url) if "/images/" in r.url else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return requested


def test_phone_at_375_px_downloads_only_the_small_rendition(site, serve, browser):
    base = serve(site["output"])
    (folder,) = site["article"].iterdir()
    context = browser.new_context(viewport={"width": 375, "height": 667}, device_scale_factor=1)
    page = context.new_page()
    requested = _image_requests(page, f"{base}/2020/11/{folder.name}/")
    natural = page.eval_on_selector("figure img", "img => img.currentSrc")
    context.close()
    taiji = [url for url in requested if "/taiji-" in url]
    assert taiji == [natural], requested
    assert taiji[0].endswith("-480.webp")
    assert all(url.endswith("-480.webp") for url in requested), requested


def test_print_view_uses_the_1600_px_jpeg(site, serve, browser):
    base = serve(site["output"])
    (folder,) = site["article"].iterdir()
    context = browser.new_context(viewport={"width": 375, "height": 667})
    page = context.new_page()
    page.emulate_media(media="print")
    requested = _image_requests(page, f"{base}/2020/11/{folder.name}/")
    context.close()
    taiji = [url for url in requested if "/taiji-" in url]
    assert len(taiji) == 1 and taiji[0].endswith("-1600.jpg"), requested


# Lighthouse on a 4000 px photo (properly sized images, no layout shift): tests/test_lighthouse.py


# --- long images (长图) ------------------------------------------------------------------------


def test_a_long_image_is_published_in_jpeg_where_webp_cannot_hold_it(tmp_path):
    """An infographic of 800×20000 crashed the build ("image size exceeds WebP limit of
    16383 pixels", reported as a bug in the site code). Now each width WebP can hold has
    both formats, the others JPEG only, and a picture with no WebP rendition at all has no
    WebP source (an empty srcset is invalid HTML)."""
    content = _content(tmp_path)
    folder = content / "articles/2020/11"
    Image.new("RGB", (800, 20000), (200, 100, 50)).save(folder / "long.png")
    Image.new("RGB", (100, 17000), (20, 100, 50)).save(folder / "thin.png")
    story = folder / "taiji.md"
    story.write_text(
        STORY.replace("Cover: taiji.jpg", "Cover: long.png")
        + "\n![社区服务的说明长图](long.png)\n\n![一条很细很长的彩色竖条](thin.png)\n",
        encoding="utf-8",
    )
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    output = tmp_path / "output"
    made = sorted(
        p.name.split("-", 2)[-1]
        for p in (output / "images").glob("*-*")
        if "long" in p.name or "thin" in p.name
    )
    assert made == ["100.jpg", "480.jpg", "480.webp", "720.jpg", "800.jpg"], made
    (article,) = (output / "2020" / "11").glob("*/index.html")
    page = html.fromstring(article.read_bytes())
    pictures = {
        p.find(".//img").get("src"): p for p in page.iter("picture") if p.find(".//img") is not None
    }
    long = next(p for src, p in pictures.items() if "/long-" in src)
    thin = next(p for src, p in pictures.items() if "/thin-" in src)
    assert [s.get("type") for s in long.iter("source")] == ["image/jpeg", "image/webp"]
    assert [s.get("type") for s in thin.iter("source")] == ["image/jpeg"]
    assert all(s.get("srcset") for s in page.iter("source"))


def test_an_image_too_long_for_any_format_is_the_editors_problem(tmp_path):
    content = _content(tmp_path)
    folder = content / "articles/2020/11"
    Image.new("RGB", (300, 70000), (20, 100, 150)).save(folder / "toolong.png")
    story = folder / "taiji.md"
    story.write_text(STORY + "\n![社区服务的说明长图](toolong.png)\n", encoding="utf-8")
    line = len(story.read_text(encoding="utf-8").splitlines())
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode != 0
    assert any(
        f"taiji.md:{line}:" in p and "照片太长" in p and "切成几张" in p for p in build.problems
    ), build.stderr


def test_an_img_tag_ends_at_its_own_end_not_at_a_quoted_angle_bracket():
    # "<img\b[^>]*>" ended the tag at the ">" of alt="海报 > 普法": the photo was left
    # unprocessed, its src pointing at a file the site does not publish.
    content = (
        "<p><img src=\"a.jpg\" alt=\"海报 > 普法\"></p><p>文 <img src='b.jpg' alt='x>y'> 字</p>"
    )
    images = find_images(content)
    assert [(i.attrs["src"], i.attrs["alt"], i.alone) for i in images] == [
        ("a.jpg", "海报 > 普法", True),
        ("b.jpg", "x>y", False),
    ]
    assert content[images[0].start : images[0].end] == '<p><img src="a.jpg" alt="海报 > 普法"></p>'


def test_sixteen_bit_greys_are_scaled_not_clipped():
    """A 16-bit grey PNG (a scan) came out white but for its first column: convert("RGB")
    clips 16-bit values at 255."""
    from kuaixun.core.photos.renditions import _clean_copy

    gradient = Image.new("I;16", (256, 2))
    gradient.putdata([x * 257 for x in range(256)] * 2)
    clean = _clean_copy(gradient, "jpeg")
    assert [clean.getpixel((x, 0)) for x in (0, 64, 128, 255)] == [
        (0, 0, 0),
        (64, 64, 64),
        (128, 128, 128),
        (255, 255, 255),
    ]


def test_only_a_small_rgb_colour_profile_goes_into_the_renditions():
    """A 5 MB profile went into every rendition (5.2 MB each); a CMYK one described pixels
    the renditions do not have."""
    from kuaixun.core.photos.renditions import MAX_ICC_BYTES, kept_profile

    rgb = bytes(16) + b"RGB " + bytes(108)
    assert kept_profile(rgb) == rgb
    assert kept_profile(bytes(16) + b"CMYK" + bytes(108)) is None
    assert kept_profile(rgb + bytes(MAX_ICC_BYTES)) is None
    assert kept_profile(None) is None
