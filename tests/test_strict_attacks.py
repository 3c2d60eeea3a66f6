"""What a hostile or careless editor can put in content/, tried on real builds (issue 11):
files the check never read, files from outside content/, content the check passed and the
build crashed on, pages overwriting other outputs, photos with their GPS position, drafts'
files. Each is refused by `make check` and by the build, as `path:line: problem — fix`,
and the previous output/ stays byte for byte as it was."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import lxml.html
import pytest
from pelican.settings import read_settings
from PIL import Image

from kuaixun.rules import check_site
from kuaixun.testing.builds import ROOT, copy_content, run_build
from kuaixun.testing.photo_fixtures import phone_jpeg
from kuaixun.tools.sitecheck import site_problems

HEAD = "Title: {title}\nDate: 2020-11-21\nCategory: 社区动态\n"


def article(title: str, extra: str = "", body: str = "正文一句话。") -> str:
    return HEAD.format(title=title) + extra + "\n" + body + "\n"


def published_holding(
    output: Path, pattern: str, suffixes: tuple[str, ...] = (".html", ".xml", ".txt", ".json")
) -> list[str]:
    """The text files of a built site (by suffix) in which `pattern` occurs, sorted."""
    return sorted(
        str(p.relative_to(output))
        for p in output.rglob("*")
        if p.is_file()
        and p.suffix in suffixes
        and re.search(pattern, p.read_text(encoding="utf-8"))
    )


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def checked(content: Path) -> list[str]:
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(content)})
    return [str(p) for p in check_site(settings)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The real content, built once: the output/ every failed build must leave alone."""
    root = tmp_path_factory.mktemp("attacks")
    content = copy_content(root / "content")
    build = run_build(root / "output", content=content)
    assert build.returncode == 0, build.stderr
    return root, content, tree_digest(root / "output")


def fails_cleanly(root: Path, content: Path, before: dict[str, str]) -> str:
    build = run_build(root / "output", content=content)
    assert build.returncode == 1, build.stderr
    assert "Traceback" not in build.stderr and "构建出错" not in build.stderr, build.stderr
    assert tree_digest(root / "output") == before, "a failed build changed output/"
    return build.stderr


# --- files the check never read, files from outside content/, crashes after the check -------

SECRET = "TOP-SECRET-KEY-MATERIAL"


def plant_unreadable(content: Path, outside: Path) -> list[tuple[str, int | None, str]]:
    """Every attack Pelican would read or publish unchecked; (file, line, words) expected."""
    a = content / "articles" / "attack"
    a.mkdir()
    outside.mkdir()
    (outside / "secret.md").write_text(article("外面的文章", body=SECRET), encoding="utf-8")
    (outside / "key.jpg").write_bytes(b"\xff\xd8\xff" + SECRET.encode())
    os.symlink(outside / "secret.md", a / "link.md")
    os.symlink(outside, a / "linked-folder")
    os.link(outside / "key.jpg", a / "hard.jpg")
    os.mkfifo(a / "fifo.md")
    script = "<script>alert(document.cookie)</script>"
    (a / "page.html").write_text(f"<html><head><title>x</title></head><body>{script}</body>")
    (a / "page.Html").write_text(script)
    (a / "x.rst").write_text("x\n=\n\n:date: 2020-11-21\n\n.. raw:: html\n\n   " + script + "\n")
    (a / "logo.svg").write_text(f"<svg xmlns='http://www.w3.org/2000/svg'>{script}</svg>")
    (a / "LOGO.SVG").write_text(f"<svg xmlns='http://www.w3.org/2000/svg'>{script}</svg>")
    (a / "photo.svg.jpg").write_text(f"<svg xmlns='http://www.w3.org/2000/svg'>{script}</svg>")
    (a / "app.js").write_text("alert(1)")
    (a / "notes.txt").write_text("<html><script>alert(1)</script>")
    (a / "x\u202egpj.svg").write_bytes(b"\xff\xd8\xff")
    attach = "[附件]({attach}logo.svg) [旧文]({static}../../../outside/secret.md)"
    (a / "links.md").write_text(article("附件", body=attach), encoding="utf-8")
    (a / "word.md").write_text(article("从Word粘贴", body="第一句\x0b第二句\x00。"), "utf-8")
    (a / "deep.md").write_text(article("深", body=">" * 10000 + " 深"), encoding="utf-8")
    lists = "\n".join("  " * i + "- 项" for i in range(3000))
    (a / "lists.md").write_text(article("列表", body=lists), encoding="utf-8")
    (a / "old.md").write_text(article("很早", body="x").replace("2020-11-21", "0001-01-01"))
    (a / "tpl.md").write_text(article("模板", "Template: nothere\n"), encoding="utf-8")
    (a / "twice.md").write_text(article("两次", "Date: 2020-11-22\n"), encoding="utf-8")
    (a / "out.md").write_text(article("出去", "Save_as: ../../evil.html\n"), encoding="utf-8")
    image = "![社区工作人员在公告栏前讲解](../../../outside/key.jpg)"
    (a / "img.md").write_text(article("图片", body=image), encoding="utf-8")
    return [
        ("link.md", None, "符号链接"),
        ("linked-folder", None, "符号链接"),
        ("hard.jpg", None, "硬链接"),
        ("fifo.md", None, "不是普通文件"),
        ("page.html", None, '".html"'),
        ("page.Html", None, '".Html"'),
        ("x.rst", None, '".rst"'),
        ("logo.svg", None, '".svg"'),
        ("LOGO.SVG", None, '".SVG"'),
        ("photo.svg.jpg", None, "不是 .jpg"),
        ("app.js", None, '".js"'),
        ("notes.txt", None, "不是 .txt"),
        ("x\u202egpj.svg", None, "U+202E"),
        ("links.md", 5, "content/ 以外"),
        ("word.md", 5, "U+000B"),
        ("deep.md", 5, "嵌套"),
        ("lists.md", 26, "嵌套"),
        ("old.md", 2, "1970"),
        ("tpl.md", 4, '模板 "nothere"'),
        ("twice.md", 4, "Date 写了两次"),
        ("out.md", 4, "不能自己写"),
        ("img.md", 5, "content/ 以外"),
    ]


def _found(report: str, name: str, line: int | None, words: str) -> bool:
    where = rf"\S*/attack/{re.escape(name)}" + (f":{line}" if line else "") + ": "
    return any(re.match(where, text) and words in text and " — " in text for text in report)


def test_unchecked_and_outside_files_are_refused_by_check_and_build(built, tmp_path):
    root, content, before = built
    expected = plant_unreadable(content, content.parent / "outside")
    try:
        report = checked(content)
        stderr = fails_cleanly(root, content, before)
    finally:
        import shutil

        shutil.rmtree(content / "articles" / "attack")
    lines = stderr.splitlines()
    missing_check = [e for e in expected if not _found(report, *e)]
    missing_build = [e for e in expected if not _found(lines, *e)]
    assert not missing_check, "\n".join(report)
    assert not missing_build, stderr
    assert SECRET not in stderr


# --- a page overwriting another output ---------------------------------------------------


def test_save_as_onto_any_other_output_is_refused(built):
    root, content, before = built
    rendition = sorted((root / "output" / "images").glob("*.webp"))[0].name
    targets = [
        f"images/{rendition}",
        "theme/css/main.css",
        "search/manifest.json",
        "search",
        "sitemap.xml",
        "robots.txt",
        "favicon.ico",
        "feeds/all.atom.xml",
        "tag",
    ]
    folder = content / "articles" / "saveas"
    folder.mkdir()
    for number, target in enumerate(targets):
        text = article(f"覆盖{number}", f"Save_as: {target}\nSlug: fu-gai-{number}\n")
        (folder / f"s{number}.md").write_text(text, encoding="utf-8")
    try:
        stderr = fails_cleanly(root, content, before)
    finally:
        import shutil

        shutil.rmtree(folder)
    for number, target in enumerate(targets):
        assert re.search(rf"saveas/s{number}\.md:\d+: .*{re.escape(target)}", stderr), (
            target,
            stderr,
        )


# --- privacy and drafts ------------------------------------------------------------------


def gps_png(path: Path) -> Path:
    exif = Image.Exif()
    exif[0x010F] = "Phone"  # Pillow writes no EXIF block with a GPS IFD alone
    exif.get_ifd(0x8825).update({1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)})
    Image.new("RGB", (40, 30), "white").save(path, "PNG", exif=exif)
    return path


def test_photos_published_as_they_are_must_not_carry_gps(built):
    root, content, before = built
    folder = content / "articles" / "gps"
    folder.mkdir()
    phone_jpeg(folder / "download.jpg", 400, 300)
    (content / "images").mkdir(exist_ok=True)
    gps_png(content / "images" / "map.png")
    xmp = b'<x:xmpmeta><rdf:Description exif:GPSLatitude="39,54N"/></x:xmpmeta>'
    Image.new("RGB", (40, 30)).save(folder / "xmp.jpg", "JPEG")
    (folder / "xmp.jpg").write_bytes((folder / "xmp.jpg").read_bytes() + xmp)
    body = "[下载原图]({attach}download.jpg) [另一张]({static}xmp.jpg)"
    (folder / "a.md").write_text(article("原图下载", body=body), encoding="utf-8")
    try:
        report = "\n".join(checked(content))
        stderr = fails_cleanly(root, content, before)
    finally:
        import shutil

        shutil.rmtree(folder)
        (content / "images" / "map.png").unlink()
    for text in (report, stderr):
        assert re.search(r"gps/a\.md:5: download\.jpg 里有拍摄地点", text), text
        assert re.search(r"gps/a\.md:5: xmp\.jpg 里有拍摄地点", text), text
        assert re.search(r"images/map\.png: map\.png 里有拍摄地点", text), text


def test_a_position_pillow_reads_out_of_a_picture_and_a_huge_picture_are_named(tmp_path):
    """XMP in a PNG's compressed iTXt chunk and in a GIF (not looked at) passed; and a
    picture of 169 megapixels published as it is was decoded whole by the check, and would
    be by every phone that opened it."""
    from PIL import PngImagePlugin

    content = copy_content(tmp_path / "content")
    images = content / "images"
    images.mkdir(exist_ok=True)
    xmp = '<x:xmpmeta><rdf:Description exif:GPSLatitude="39,54.0N"/></x:xmpmeta>'
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp, zip=True)
    Image.new("RGB", (40, 30), "red").save(images / "map.png", pnginfo=info)
    assert b"GPSLatitude" not in (images / "map.png").read_bytes()  # compressed
    Image.new("P", (40, 30)).save(images / "logo.gif", comment=xmp.encode())
    Image.new("L", (9_000, 9_000)).save(images / "huge.png")  # 81 MP: over 80, no warning
    found = "\n".join(checked(content))
    assert re.search(r"images/map\.png: map\.png 里有拍摄地点", found), found
    assert re.search(r"images/logo\.gif: logo\.gif 里有拍摄地点", found), found
    assert re.search(r"images/huge\.png: huge\.png 超过 8,000 万像素", found), found


def test_nothing_of_a_draft_reaches_the_output(tmp_path):
    content = copy_content(tmp_path / "content")
    folder = content / "articles" / "draft"
    folder.mkdir()
    Image.new("RGB", (900, 600), (200, 30, 30)).save(folder / "secret-photo.jpg", "JPEG")
    (folder / "plan.pdf").write_bytes(b"%PDF-1.4\nsecret plan\n%%EOF\n")
    body = "![尚未公布的改造方案效果图](secret-photo.jpg)\n\n[方案全文]({attach}plan.pdf)"
    (folder / "d.md").write_text(article("草稿", "Status: draft\n", body), encoding="utf-8")
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    published = {p.name for p in (tmp_path / "output").rglob("*")}
    assert "plan.pdf" not in published
    assert not [n for n in published if n.startswith("secret-photo")], published
    preview = run_build(tmp_path / "preview", content=content, SHOW_DRAFTS=True)
    assert preview.returncode == 0, preview.stderr
    shown = {p.name for p in (tmp_path / "preview").rglob("*")}
    assert "plan.pdf" in shown and [n for n in shown if n.startswith("secret-photo")]


def test_a_hidden_article_is_published_and_listed_nowhere(tmp_path):
    """Status: hidden is a page shared by its link alone: not on the home page, its 栏目, a
    tag, the feeds, the sitemap or the search, and search engines are asked to leave it out
    (it had no robots meta)."""
    from kuaixun.testing.search_sites import node_search

    content = copy_content(tmp_path / "content")
    # A tag and a reporter of its own: no page of theirs is made, so the article's page
    # names them without a link (it linked to two pages that did not exist).
    extra = "Status: hidden\nSlug: yin-cang\nTags: 暗号\nAuthors: 隐身记者\n"
    text = article("不公开的通知", extra, "只给楼长看的暗号鹦鹉螺。")
    (content / "articles" / "hidden.md").write_text(text, encoding="utf-8")
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    output = tmp_path / "output"
    page = (output / "2020" / "11" / "yin-cang" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex">' in page
    assert 'rel="canonical"' not in page
    assert "暗号" in page and "隐身记者" in page
    assert site_problems(output)[0] == []
    listed = published_holding(output, "yin-cang|不公开的通知", (".html", ".xml"))
    assert listed == [str(Path("2020") / "11" / "yin-cang" / "index.html")]
    assert (output / "sitemap.xml").is_file() and (output / "feeds" / "all.atom.xml").is_file()
    [answer] = node_search(output, ["鹦鹉螺"])
    assert answer["docs"] == []
    normal = (output / "2020" / "11").glob("*/index.html")
    assert not any(
        'name="robots"' in p.read_text(encoding="utf-8") for p in normal if "yin-cang" not in str(p)
    )


def test_a_one_line_article_of_100000_characters_builds_and_is_found(tmp_path):
    """It took 65 s in the search indexer on main (a few seconds now, measured by hand: tests
    never assert times). It must build, and its text must be searchable to its end."""
    import random

    from kuaixun.testing.search_sites import node_search

    random.seed(11)
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    (content / "pages").mkdir()
    line = "".join(
        random.choice("社区服务老人居民志愿者活动，。2020年abc ") for _ in range(100_000)
    )
    (content / "articles" / "long.md").write_text(
        article("长文", body=line + "篇末的暗号鹦鹉螺"), encoding="utf-8"
    )
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    [answer] = node_search(tmp_path / "output", ["鹦鹉螺"])
    assert answer["docs"], "the end of a 100,000-character line is not in the index"


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("news.example.org\n", False),
        ("bulletin.pingcheng.gov.cn", False),
        ("<script>alert(1)</script>\n", True),
        ("news.example.org\nsecond.example.org\n", True),
        ("", True),
    ],
)
def test_the_custom_domain_file_holds_one_host_name(tmp_path, text, refused):
    """docs/deploy.md tells editors to keep content/extra/CNAME: that, and only a host name."""
    content = copy_content(tmp_path / "content")
    (content / "extra" / "CNAME").write_text(text, encoding="utf-8")
    problems = [p for p in checked(content) if "CNAME" in p]
    assert bool(problems) is refused, problems


def test_a_broken_search_dictionary_stops_the_build_with_its_line_not_a_traceback(tmp_path):
    """A GBK dictionary and a frequency of 30 digits stopped the search's process with a
    traceback the build called a bug in the site code; a bad line was dropped in silence."""
    content = copy_content(tmp_path / "content")
    dictionary = content / "search" / "userdict.txt"
    dictionary.write_bytes("平城区 2000 ns\n崇仁社区，1000\n".encode("gbk"))
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 1
    assert re.search(r"search/userdict\.txt:1: 文件是 GBK 编码", build.stderr), build.stderr
    assert "Traceback" not in build.stderr and "bug in the site code" not in build.stderr
    dictionary.write_text("平城区 99999999999999999999999999 ns\n崇仁社区，1000\n", "utf-8")
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 1 and "Traceback" not in build.stderr, build.stderr
    assert re.search(r"userdict\.txt:1: .*99999", build.stderr), build.stderr
    assert re.search(r"userdict\.txt:2: .*崇仁社区，1000", build.stderr), build.stderr
    assert not (tmp_path / "output" / "index.html").exists()


def test_an_editors_note_in_a_comment_is_published_nowhere(tmp_path):
    """<!-- … --> is where editors leave notes for colleagues. Markdown passed it through as
    raw HTML, so the page, the feeds and the printed issue carried the note in their source
    (a phone number to check, a name). Now no published file holds it, the search does not
    find it, and the text around it is there."""
    from kuaixun.testing.search_sites import node_search

    content = copy_content(tmp_path / "content")
    body = (
        "居民议事会开到了家门口。\n\n<!-- 待核实：王阿姨电话 13900001111，鹦鹉螺 -->\n\n"
        "议事会每月一次。行内备注<!-- 鹦鹉螺二号 -->不显示。\n\n"
        "<!--\n\n多段的备注：鹦鹉螺三号\n\n-->\n"
    )
    text = article("议事会到家门口", "Slug: yi-shi-hui\nIssue: 47\n", body)
    (content / "articles" / "note.md").write_text(text, encoding="utf-8")
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    output = tmp_path / "output"
    page = (output / "2020" / "11" / "yi-shi-hui" / "index.html").read_text(encoding="utf-8")
    assert "议事会每月一次。行内备注不显示。" in page
    assert published_holding(output, "13900001111|鹦鹉螺|待核实") == []
    [answer] = node_search(output, ["鹦鹉螺"])
    assert answer["docs"] == []


def test_hidden_files_are_never_published(tmp_path):
    """Pelican's default IGNORE_FILES ("**/.*") is matched against base names, so it ignored
    nothing: content/images/.htaccess (which an Apache host obeys: AddType text/html .jpg)
    and a hidden folder were copied to the site, and a .x.md with a <script> was published
    past the check, which skips hidden files."""
    content = copy_content(tmp_path / "content")
    (content / "images").mkdir(exist_ok=True)
    (content / "images" / ".htaccess").write_text("AddType text/html .jpg\n", encoding="utf-8")
    (content / "images" / ".well-known").mkdir()
    (content / "images" / ".well-known" / "x.txt").write_text("x\n", encoding="utf-8")
    (content / "articles" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (content / "articles" / ".#note.md").write_text("a lock an editor keeps\n", encoding="utf-8")
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    assert [p.name for p in (tmp_path / "output").rglob(".*")] == []

    hidden = content / "articles" / ".hidden.md"
    hidden.write_text(article("藏起来的文章", "", "<script>alert(1)</script>"), encoding="utf-8")
    assert checked(content) == [
        f"{hidden}: .hidden.md 的名字以 . 开头，是隐藏文件，网站不会发布它 (a hidden file is "
        "never published) — 改名为 hidden.md；不想发布的文章写 Status: draft"
    ]
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode != 0 and ".hidden.md" in build.stderr


def test_an_article_the_build_would_not_read_is_named(tmp_path):
    """x.MD and an article saved as .txt were left out of the site in silence (Pelican
    reads .md in lower case), and the check passed both."""
    content = copy_content(tmp_path / "content")
    (content / "articles" / "upper.MD").write_text(article("大写"), encoding="utf-8")
    (content / "articles" / "saved.txt").write_text(
        "\ufeff" + article("存成了文本"), encoding="utf-8"
    )
    (content / "articles" / "readme.txt").write_text("给编辑的说明\n", encoding="utf-8")
    found = checked(content)
    assert len(found) == 2, found
    assert "upper.MD" in found[1] and "改名为 upper.md" in found[1]
    assert "saved.txt" in found[0] and "改名为 saved.md" in found[0]


def test_markdown_outside_the_folders_the_build_reads_is_named(tmp_path):
    """A .md under images/ or extra/ was copied as it is, a draft's text and its <!-- -->
    notes with it; one beside content/ or in another folder was left out in silence; an
    issue saved as .txt too. And a {static} or {attach} link to a Markdown file published
    the source."""
    content = copy_content(tmp_path / "content")
    draft = article("内部备忘", "Status: draft\n", "<!-- 王主任电话 13900000000 -->\n未公开")
    (content / "extra" / "notes.md").write_text(draft, encoding="utf-8")
    (content / "root-article.md").write_text(article("放错了地方"), encoding="utf-8")
    (content / "issues" / "50.txt").write_text("Number: 50\nDate: 2020-11-27\n", "utf-8")
    (content / "articles" / "attach.md").write_text(
        article("附件", body="[第47期的源文件]({attach}/issues/47.md)"), encoding="utf-8"
    )
    found = checked(content)
    assert len(found) == 4, found
    assert "attach.md:" in found[0] and "原样发布" in found[0] and "{filename}" in found[0]
    assert "extra/notes.md: " in found[1] and "会被原样发布" in found[1]
    assert "issues/50.txt: " in found[2] and "改名为 50.md" in found[2]
    assert "root-article.md: " in found[3] and "不会被发布" in found[3]
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode != 0 and not (tmp_path / "output").exists()


def test_a_huge_article_or_published_file_is_named_with_its_size(tmp_path):
    """A 1.2 MB "article" (a paste gone wrong) was read whole by the check and the build;
    a 26 MB PDF published as it is breaks the deploy on hosts that take 25 MiB a file."""
    content = copy_content(tmp_path / "content")
    big = content / "articles" / "paste.md"
    big.write_text(article("粘贴", body="很长的正文。" * 70_000), encoding="utf-8")
    pdf = content / "extra" / "report.pdf"
    with pdf.open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(26 * 1024 * 1024)  # (sparse: no disk taken)
    found = checked(content)
    assert len(found) == 2, found
    assert "paste.md" in found[0] and "1.3 MB" in found[0] and "分成几篇" in found[0]
    assert "report.pdf" in found[1] and "27.3 MB" in found[1] and "25 MB" in found[1]


def test_an_issue_note_is_checked_as_an_article_body_is(tmp_path):
    """An issue's note (编者按) is printed on the issue's page and its printed edition, but
    only the unsafe-HTML rule read it, and that rule leaves a body nested too deep to the
    nesting rule, which read only articles: one line of 21 ">" let a note's
    <meta http-equiv=refresh> send every reader of the issue to another site. Now every
    rule a note can break reads it, and the build stops on each problem, by line."""
    content = copy_content(tmp_path / "content")
    note = (
        "Number: 48\nDate: 2020-11-28\nTitle: 第48期\u202e8400\n\n本期编者按。\n\n"
        '<meta http-equiv="refresh" content="0;url=https://example.com/">\n\n'
        "本期推荐[普法宣传]({filename}/articles/2020/11/pufa-xuanchuan.md)，"
        "[区政府](https://www.gov.cn/)。\n\n![](pufa-gonggaolan.jpg)\n\n"
        '<p class="print-only">只在纸上</p>\n\n'
        f"{'>' * 21} 引用\n"
    )
    (content / "issues" / "48.md").write_text(note, encoding="utf-8")
    text = article("第48期的文章", "Issue: 48\n")
    (content / "articles" / "a48.md").write_text(text, encoding="utf-8")
    report = checked(content)
    expected = [
        (3, "U+202E"),
        (7, "<meta>"),
        (9, "{filename}/articles/2020/11/pufa-xuanchuan.md"),
        (11, "不能放照片"),
        (13, "print-only"),
        (15, "嵌套超过"),
    ]
    for line, words in expected:
        assert any(f"issues/48.md:{line}: " in p and words in p for p in report), (line, report)
    assert not any("www.gov.cn" in p for p in report)
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 1 and "issues/48.md" in build.stderr, build.stderr
    assert not (tmp_path / "output" / "issues" / "48").exists()


def test_the_printed_edition_gives_each_article_its_own_ids(tmp_path):
    """Two articles of one issue with a "## 背景" and a footnote [^1] each gave the printed
    edition two id="bei-jing" and two id="fn:1": invalid HTML, and the second article's
    footnote link jumped to the first article's footnote. A prefix made of the slug was not
    enough: 社区 + "## 活动安排" met 社区活动 + "## 安排", and Slug: edition + "## Lead
    heading" took the theme's id of the note's heading."""
    content = copy_content(tmp_path / "content")
    articles = [
        ("bei-jing-yi", "## 背景\n\n说明[^1]。\n\n[^1]: 注释。"),
        ("bei-jing-er", "## 背景\n\n说明[^1]。\n\n[^1]: 注释。"),
        ("she-qu", "## 活动安排\n\n正文。"),
        ("she-qu-huo-dong", "## 安排\n\n正文。"),
        ("edition", "## Lead heading\n\n正文。"),
    ]
    for slug, body in articles:
        text = article(f"文章{slug}", f"Slug: {slug}\nIssue: 47\n", "正文。\n\n" + body)
        (content / "articles" / f"{slug}.md").write_text(text, encoding="utf-8")
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    page = tmp_path / "output" / "issues" / "47" / "print" / "index.html"
    root = lxml.html.fromstring(page.read_bytes())
    ids = [e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    references = root.xpath('//sup[starts-with(@id, "a")]//a[@href]')
    targets = [a.get("href").removeprefix("#") for a in references]
    assert len(targets) == 2 and len(set(targets)) == 2, targets
    assert all(root.xpath(f'//li[@id="{target}"]') for target in targets), targets


def test_a_literal_photo_marker_in_text_stays_text(tmp_path):
    """Photo URLs were written "{photo}images/…" and completed per page by replacing every
    "{photo}" of the article: an editor's "占位符写作 {photo}" became "占位符写作 ../../../"
    on the page and the site's address in the feed."""
    content = copy_content(tmp_path / "content")
    with (content / "articles" / "2020" / "11" / "pufa-xuanchuan.md").open("a") as file:
        file.write("\n占位符写作 {photo}，照片地址由程序生成。\n")
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    holding = published_holding(tmp_path / "output", "占位符写作 ")
    assert len(holding) >= 3, holding  # the page, the printed issue, the feeds
    assert published_holding(tmp_path / "output", r"占位符写作 \{photo\}，") == holding
    page = tmp_path / "output" / "2020" / "11" / "pu-fa-xuan-chuan-mang-bu-ting" / "index.html"
    assert "../../../images/pufa-gonggaolan-" in page.read_text(encoding="utf-8")
