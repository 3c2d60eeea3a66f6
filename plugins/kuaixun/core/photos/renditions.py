"""Resize and re-encode one photo into small WebP and JPEG renditions, cached by content hash.

Editors commit 3–8 MB phone photos; readers get 480/960/1600 px files with the EXIF
orientation applied and every EXIF field (GPS included) dropped. Encoding a big photo takes
about a second, so each result is kept under the cache folder keyed by the photo's bytes and
the encoding settings: a rebuild with unchanged photos encodes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

# Bump when the encoding below changes, so cached renditions are made again.
ENCODER_VERSION = 2
JPEG_QUALITY = 80
WEBP_QUALITY = 75
FORMATS = ("webp", "jpeg")
# The longest side each format can hold: a long image (长图, an infographic of 1080×20000)
# gets JPEG renditions only where WebP cannot hold it, and one too long for JPEG too is the
# editor's problem (cut it in parts), not a crash of the build ("image size exceeds WebP
# limit of 16383 pixels" was reported as a bug in the site code).
MAX_SIDE = {"webp": 16383, "jpeg": 65535}
EXTENSIONS = {"webp": "webp", "jpeg": "jpg"}
MIME_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}


class PhotoError(Exception):
    """A photo that cannot be published; the message says why, `fix` how to repair it."""

    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.fix = fix


def problem_of(error: PhotoError, source: Path) -> tuple[str, str]:
    """(message, fix) as the build and the content check both report a photo's problem."""
    return f"{error} [{source.name}]", error.fix


@dataclass(frozen=True)
class Rendition:
    path: str  # site-relative, e.g. images/taiji-1a2b3c4d5e-480.webp
    width: int
    height: int
    format: str  # "webp" or "jpeg"
    bytes: int

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]


@dataclass(frozen=True)
class Photo:
    """A processed photo: its renditions, smallest first, in both formats."""

    digest: str
    renditions: tuple[Rendition, ...]

    def of_format(self, fmt: str) -> list[Rendition]:
        return [r for r in self.renditions if r.format == fmt]

    def closest(self, width: int, fmt: str = "jpeg") -> Rendition:
        """The rendition of `fmt` nearest to `width` without exceeding it (else the smallest)."""
        candidates = self.of_format(fmt)
        fitting = [r for r in candidates if r.width <= width]
        return fitting[-1] if fitting else candidates[0]

    @property
    def largest(self) -> Rendition:
        return self.of_format("jpeg")[-1]


def target_widths(source_width: int, widths: tuple[int, ...]) -> list[int]:
    """The widths to make, never upscaling: a photo narrower than a step stops at its own width."""
    made = [w for w in sorted(widths) if w < source_width]
    if not made or made[-1] < max(widths):
        made.append(min(source_width, max(widths)))
    return sorted(set(made))


def file_stem(name: str) -> str:
    """A URL-safe stem from the editor's file name (Chinese names fall back to 'photo')."""
    stem = re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower()).strip("-")
    return stem[:40] or "photo"


def content_digest(data: bytes, widths: tuple[int, ...]) -> str:
    """Names and cache keys change when the photo or the way it is encoded changes."""
    recipe = f"{ENCODER_VERSION}:{JPEG_QUALITY}:{WEBP_QUALITY}:{sorted(widths)}".encode()
    return hashlib.sha256(recipe + data).hexdigest()[:12]


def _unreadable(source: Path, error: BaseException) -> PhotoError:
    # Pillow names the file as it was given; the problem names the file already.
    detail = str(error).replace(repr(str(source)), repr(source.name))
    return PhotoError(
        f"照片无法读取 (not a readable image: {type(error).__name__}: {detail})",
        "用手机或电脑重新导出为 JPEG 或 PNG 后替换这个文件",
    )


def _too_many_pixels(width: int, height: int, max_pixels: int) -> PhotoError:
    return PhotoError(
        f"照片太大：{width}×{height} 像素 (photo too large to process)",
        f"把照片缩小到 {max_pixels // 1_000_000} 百万像素以内再提交",
    )


# What Pillow raises on a file that is not an image it can read (or a decompression bomb).
_READ_ERRORS = (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning)


def inspect(
    source: Path, max_bytes: int, max_pixels: int, widths: tuple[int, ...] = (1600,)
) -> None:
    """Raise PhotoError unless `source` is a file within `max_bytes` whose header is a readable
    image within `max_pixels`. Reads the header only, no pixels: the content check runs it
    on every photo (bulletin `make check`), the build before decoding."""
    if not source.is_file():
        raise PhotoError(
            f"找不到照片文件 {source.name} (photo file not found)",
            "把照片放在文章旁边（同一文件夹），并检查文件名的大小写和扩展名",
        )
    size = source.stat().st_size
    if size > max_bytes:
        raise PhotoError(
            f"照片文件 {size / 1e6:.1f} MB，超过 {max_bytes / 1e6:g} MB 的上限 "
            "(photo file over the size limit)",
            "用手机或电脑把照片导出为较小的 JPEG（长边 4000 像素以内）",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                width, height = image.size
                image.verify()
    except _READ_ERRORS as error:
        raise _unreadable(source, error) from error
    if width * height > max_pixels:
        raise _too_many_pixels(width, height, max_pixels)
    _check_length(width, height, widths)


def _check_length(width: int, height: int, widths: tuple[int, ...]) -> None:
    """PhotoError when the largest rendition (`widths`) would be longer than JPEG holds."""
    largest = target_widths(width, widths)[-1]
    if max(largest, round(height * largest / width)) > MAX_SIDE["jpeg"]:
        raise PhotoError(
            f"照片太长：{width}×{height} 像素 (too long for a photo file: the longest side "
            f"may be {MAX_SIDE['jpeg']} pixels)",
            "把长图切成几张，分别插入 (cut it into parts)",
        )


def _open_upright(source: Path, max_pixels: int) -> Image.Image:
    """Decode fully (so truncated files fail here) and apply the EXIF orientation."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                if image.width * image.height > max_pixels:
                    raise _too_many_pixels(image.width, image.height, max_pixels)
                image.load()
                upright = ImageOps.exif_transpose(image)
    except PhotoError:
        raise
    except _READ_ERRORS as error:
        raise _unreadable(source, error) from error
    return upright


def _clean_copy(image: Image.Image, fmt: str) -> Image.Image:
    """Pixels only, in a mode the format can hold; EXIF, XMP and comments are left behind."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit greys (a PNG's): convert("RGB") clips them at 255, so a black-to-white
        # gradient came out white but for its first column. Scaled to 8 bits first.
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if fmt == "webp" and has_alpha:
        clean = image.convert("RGBA")
    elif has_alpha:
        # JPEG has no transparency: flatten onto the white of the page.
        rgba = image.convert("RGBA")
        clean = Image.new("RGB", rgba.size, "white")
        clean.paste(rgba, mask=rgba.getchannel("A"))
    else:
        clean = image.convert("RGB")
    clean.info = {}
    return clean


# A colour profile larger than this is not a display's (sRGB 3 KB, Display P3 0.5 KB; a
# printer's CMYK profile 0.5–2 MB): it went into every rendition, 5 MB each for one photo.
MAX_ICC_BYTES = 64 * 1024


def kept_profile(icc_profile: bytes | None) -> bytes | None:
    """The photo's colour profile, if the renditions may carry it: an RGB profile (the
    renditions are RGB: a CMYK or grey profile would describe other pixels) no larger than
    MAX_ICC_BYTES."""
    if not icc_profile or len(icc_profile) > MAX_ICC_BYTES or icc_profile[16:20] != b"RGB ":
        return None
    return icc_profile


def _encode(image: Image.Image, fmt: str, target: Path, icc_profile: bytes | None) -> None:
    icc_profile = kept_profile(icc_profile)
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "webp":
        image.save(target, "WEBP", quality=WEBP_QUALITY, method=4, exif=b"", **extra)
    else:
        image.save(
            target, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, exif=b"", **extra
        )


def _make(source: Path, folder: Path, stem: str, digest: str, widths, max_pixels) -> list[dict]:
    upright = _open_upright(source, max_pixels)
    # Colour profiles stay (phone photos are often Display P3); they say nothing about people.
    icc_profile = upright.info.get("icc_profile")
    made = []
    # Largest first, each smaller size from the one before: a third of the resampling work.
    larger = upright
    for width in sorted(target_widths(upright.width, widths), reverse=True):
        height = max(1, round(upright.height * width / upright.width))
        resized = larger.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        larger = resized
        for fmt in FORMATS:
            if max(width, height) > MAX_SIDE[fmt]:
                continue  # (a long image: JPEG holds what WebP cannot; `inspect` the rest)
            name = f"{stem}-{digest}-{width}.{EXTENSIONS[fmt]}"
            _encode(_clean_copy(resized, fmt), fmt, folder / name, icc_profile)
            made.append(
                {
                    "name": name,
                    "width": width,
                    "height": height,
                    "format": fmt,
                    "bytes": (folder / name).stat().st_size,
                }
            )
    return sorted(made, key=lambda m: (m["width"], m["format"]))


class PhotoCache:
    """Processed photos under `root`/<digest>/, with counters of encoded and reused photos."""

    def __init__(self, root: Path, widths: tuple[int, ...], max_bytes: int, max_pixels: int):
        self.root = root
        self.widths = tuple(widths)
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.encoded = 0
        self.reused = 0
        self._seen: dict[str, Photo] = {}

    def process(self, source: Path, output_dir: str = "images") -> Photo:
        inspect(source, self.max_bytes, self.max_pixels, self.widths)
        data = source.read_bytes()
        digest = content_digest(data, self.widths)
        if digest in self._seen:
            return self._seen[digest]
        folder = self.root / digest
        meta_file = folder / "renditions.json"
        made = self._cached(meta_file)
        if made is None:
            made = self._encode_into(folder, source, digest)
            self.encoded += 1
        else:
            self.reused += 1
        photo = Photo(
            digest,
            tuple(
                Rendition(
                    f"{output_dir}/{m['name']}", m["width"], m["height"], m["format"], m["bytes"]
                )
                for m in made
            ),
        )
        self._seen[digest] = photo
        return photo

    def _encode_into(self, folder: Path, source: Path, digest: str) -> list[dict]:
        """Encode in a private folder, then rename it into place: a build that stops halfway,
        or two builds sharing the cache, never leave a half-written photo behind."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f".{digest}-", dir=self.root) as scratch:
            work = Path(scratch)
            made = _make(source, work, file_stem(source.name), digest, self.widths, self.max_pixels)
            meta = json.dumps(made, ensure_ascii=False, indent=1)
            (work / "renditions.json").write_text(meta, encoding="utf-8")
            shutil.rmtree(folder, ignore_errors=True)  # an incomplete older attempt
            with contextlib.suppress(OSError):  # another build just put the same photo there
                work.rename(folder)
                work.mkdir()  # so TemporaryDirectory has something to clean up
        return made

    def _cached(self, meta_file: Path) -> list[dict] | None:
        try:
            made = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if all((meta_file.parent / m["name"]).is_file() for m in made):
            return made
        return None

    def source_of(self, rendition: Rendition) -> Path:
        """Where the cached file of a rendition lives."""
        digest = rendition.path.rsplit("-", 2)[-2]
        return self.root / digest / Path(rendition.path).name

    @property
    def photos(self) -> list[Photo]:
        return list(self._seen.values())

    def stats(self) -> dict:
        return {"encoded": self.encoded, "reused": self.reused, "photos": len(self._seen)}


def write_stats(root: Path, stats: dict) -> None:
    """The counters of the last build, for the benchmark report and the tests."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "last-build.json").write_text(json.dumps(stats), encoding="utf-8")
