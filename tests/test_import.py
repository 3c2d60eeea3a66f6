"""`invoke import`: JSON lines → Markdown articles; every bad line reported; stable output."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from kuaixun.testing.builds import ROOT, copy_content, run_build
from kuaixun.tools.importer import (
    DERIVED_DATES_FROM,
    DERIVED_DATES_UNTIL,
    import_records,
    run_import,
)

SETTINGS = read_settings(str(ROOT / "pelicanconf.py"))
CATEGORIES = SETTINGS["CATEGORIES"]

FULL = {
    "id": "a-1",
    "title": "平城区第二届政府向社会力量购买服务项目全面落地",
    "text": "本报讯（记者 邱东芳）24日，签约仪式顺利完成。\n\n书法、绘画等服务将陆续进入社区。",
    "date": "2020-11-25 09:00",
    "category": "民生服务",
    "authors": "邱东芳",
    "tags": ["政府购买服务", "社区服务"],
}
BARE = {"id": "inews-7", "title": "张滩镇积极开展基干民兵训练活动", "text": "第一段。  第二段。"}


def write_jsonl(path: Path, *records) -> Path:
    """Records may be dicts (dumped as JSON) or raw strings/bytes (written as they are)."""
    lines = []
    for record in records:
        if isinstance(record, bytes):
            lines.append(record)
        elif isinstance(record, str):
            lines.append(record.encode("utf-8"))
        else:
            lines.append(json.dumps(record, ensure_ascii=False).encode("utf-8"))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.md"))}


def test_full_record_becomes_markdown_with_the_editors_front_matter(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", FULL)
    assert run_import(source, tmp_path / "out", CATEGORIES) == 0
    (path,) = (tmp_path / "out").rglob("*.md")
    slug = path.stem
    assert path.relative_to(tmp_path / "out").parent == Path("2020/11")
    assert path.read_text(encoding="utf-8") == (
        "Title: 平城区第二届政府向社会力量购买服务项目全面落地\n"
        "Date: 2020-11-25 09:00\n"
        "Category: 民生服务\n"
        "Authors: 邱东芳\n"
        "Tags: 政府购买服务, 社区服务\n"
        f"Slug: {slug}\n"
        "\n"
        "本报讯（记者 邱东芳）24日，签约仪式顺利完成。\n"
        "\n"
        "书法、绘画等服务将陆续进入社区。\n"
    )


def test_slug_is_the_pinyin_of_the_title(tmp_path):
    from kuaixun.core.cjk.slugs import pinyin_slug

    result = import_records(write_jsonl(tmp_path / "in.jsonl", FULL), CATEGORIES)
    assert result.articles[0].slug == pinyin_slug(FULL["title"])


def test_missing_date_and_category_are_derived_from_the_id(tmp_path):
    result = import_records(write_jsonl(tmp_path / "in.jsonl", BARE), CATEGORIES)
    meta = dict(
        line.split(": ", 1) for line in result.articles[0].markdown.split("\n\n")[0].splitlines()
    )
    date = datetime.strptime(meta["Date"], "%Y-%m-%d %H:%M")
    assert DERIVED_DATES_FROM <= date < DERIVED_DATES_UNTIL
    assert meta["Category"] in CATEGORIES
    other = import_records(
        write_jsonl(tmp_path / "other.jsonl", {**BARE, "id": "inews-8"}), CATEGORIES
    )
    assert other.articles[0].markdown != result.articles[0].markdown


def test_same_input_gives_byte_identical_files(tmp_path):
    records = [FULL, BARE, {**BARE, "id": None, "title": "没有编号的文章"}]
    source = write_jsonl(tmp_path / "in.jsonl", *records)
    assert run_import(source, tmp_path / "one", CATEGORIES) == 0
    assert run_import(source, tmp_path / "two", CATEGORIES) == 0
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert len(tree(tmp_path / "one")) == 3


def test_importing_twice_changes_nothing(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", FULL, BARE)
    run_import(source, tmp_path / "out", CATEGORIES)
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*.md")}
    capsys.readouterr()
    assert run_import(source, tmp_path / "out", CATEGORIES) == 0
    assert "0 written, 2 unchanged" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*.md")} == before


def test_gzipped_input_is_read(tmp_path):
    plain = write_jsonl(tmp_path / "in.jsonl", FULL, BARE)
    packed = tmp_path / "in.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    run_import(plain, tmp_path / "plain", CATEGORIES)
    run_import(packed, tmp_path / "packed", CATEGORIES)
    assert tree(tmp_path / "plain") == tree(tmp_path / "packed")


def test_paragraphs_split_on_newlines_and_double_spaces(tmp_path):
    text = "第一段。\n第二段。\n\n\n第三段。  第四段。\u3000\u3000第五段。"
    result = import_records(write_jsonl(tmp_path / "in.jsonl", {**BARE, "text": text}), CATEGORIES)
    body = result.articles[0].markdown.split("\n\n", 1)[1]
    assert body == "第一段。\n\n第二段。\n\n第三段。\n\n第四段。\n\n第五段。\n"


INVALID = {
    "bad JSON": ('{"title": "标题", "text": ', "bad JSON"),
    "not an object": ('["标题", "正文"]', "not an object"),
    "not UTF-8": ('{"title": "标题", "text": "正文"}'.encode("gbk"), "not UTF-8"),
    "missing title": ({"text": "正文。"}, "missing title"),
    "empty title": ({"title": "  ", "text": "正文。"}, "title is empty"),
    "title not a string": ({"title": 17, "text": "正文。"}, "title is a int"),
    "missing text": ({"title": "标题"}, "missing text"),
    "empty text": ({"title": "标题", "text": ""}, "text is empty"),
    "text not a string": ({"title": "标题", "text": ["正文"]}, "text is a list"),
    "date not a date": ({**FULL, "date": "2020年11月27日"}, "not a date"),
    "date that does not exist": ({**FULL, "date": "2020-11-31"}, "not a date"),
    "date not a string": ({**FULL, "date": 20201127}, "not a date"),
    "unknown category": ({**FULL, "category": "体育"}, "unknown category"),
    "category not a string": ({**FULL, "category": ["民生服务"]}, "unknown category"),
    "authors not text": ({**FULL, "authors": 3}, "authors is a int"),
    "tags with a number": ({**FULL, "tags": ["社区", 2]}, "tags is a list"),
    "two authors in one item": ({**FULL, "authors": ["甲、乙"]}, "contains a separator"),
    "id not a string": ({**FULL, "id": ["a"]}, "id is a list"),
    "id a boolean": ({**FULL, "id": True}, "id is a bool"),
}


@pytest.mark.parametrize("bad, expected", INVALID.values(), ids=INVALID.keys())
def test_invalid_record_fails_the_import_with_its_line(tmp_path, capsys, bad, expected):
    source = write_jsonl(tmp_path / "in.jsonl", FULL, bad)
    assert run_import(source, tmp_path / "out", CATEGORIES) == 1
    errors = capsys.readouterr().err.splitlines()
    report = [line for line in errors if line.startswith(f"{source}:2: ")]
    assert len(report) == 1 and expected in report[0] and " — " in report[0], errors
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("bad, expected", INVALID.values(), ids=INVALID.keys())
def test_skip_invalid_imports_the_rest_and_still_reports(tmp_path, capsys, bad, expected):
    source = write_jsonl(tmp_path / "in.jsonl", bad, FULL)
    assert run_import(source, tmp_path / "out", CATEGORIES, skip_invalid=True) == 0
    captured = capsys.readouterr()
    assert any(
        line.startswith(f"{source}:1: ") and expected in line for line in captured.err.splitlines()
    )
    assert "1 invalid record(s) skipped" in captured.out
    assert len(tree(tmp_path / "out")) == 1


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    source = write_jsonl(
        tmp_path / "in.jsonl", {"title": ""}, FULL, "not json", {**FULL, "date": "x"}
    )
    result = import_records(source, CATEGORIES)
    assert sorted({p.line for p in result.invalid}) == [1, 3, 4]


def test_duplicate_slugs_follow_the_cjk_collision_rule_and_are_reported(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", FULL, {**FULL, "id": "a-2"}, {**FULL, "id": "a-3"})
    result = import_records(source, CATEGORIES)
    from kuaixun.core.cjk.slugs import pinyin_slug

    plain = pinyin_slug(FULL["title"])
    slugs = [a.slug for a in result.articles]
    assert slugs == [plain, f"{plain}-2", f"{plain}-3"]  # one title thrice: numbers, no tones
    assert [(n.line, "duplicate slug" in n.message) for n in result.notes] == [(2, True), (3, True)]


def test_duplicate_ids_are_reported_and_still_imported(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", BARE, {**BARE, "title": "另一篇"})
    result = import_records(source, CATEGORIES)
    assert len(result.articles) == 2
    assert [n.line for n in result.notes if "duplicate id" in n.message] == [2]


def test_fields_we_do_not_import_are_counted_not_hidden(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", {**BARE, "label": 1}, {**FULL, "label": 0})
    run_import(source, tmp_path / "out", CATEGORIES)
    assert "label (2)" in capsys.readouterr().err


MARKDOWN_TRAPS = [
    "# 不是标题",
    "> 不是引用",
    "- 不是列表",
    "+ 也不是",
    "1. 不是编号列表",
    ": 不是定义",
    "---",
    "*星号* 和 _下划线_ 和 **粗体**",
    "[不是链接](http://example.com) 和 ![图](x.png) 和 [TOC]",
    "<b>不是标签</b> &amp; &nbsp; 5 > 3",
    "反斜杠 \\ 和 `代码` 和 {: .class} 和 a|b|c",
    "电话 025-******* 转 8",
]


@pytest.mark.parametrize("paragraph", MARKDOWN_TRAPS)
def test_text_renders_back_verbatim_through_pelicans_markdown(tmp_path, paragraph):
    source = write_jsonl(tmp_path / "in.jsonl", {**BARE, "text": paragraph})
    run_import(source, tmp_path / "out", CATEGORIES)
    (path,) = (tmp_path / "out").rglob("*.md")
    html, _ = MarkdownReader(SETTINGS).read(str(path))
    from lxml import html as lxml_html

    assert (
        lxml_html.fragment_fromstring(html, create_parent="div").text_content().strip() == paragraph
    )


def test_make_import_reports_like_the_build(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", FULL, {"title": "缺正文"})
    proc = subprocess.run(
        [sys.executable, "-m", "invoke", "import", str(source), "--dest", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert f"{source}:2: 缺少正文" in proc.stderr
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "invoke",
            "import",
            str(source),
            "--dest",
            str(tmp_path / "out"),
            "--skip-invalid",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{source}:2: 缺少正文" in proc.stderr


def test_imported_articles_build_into_the_site(tmp_path):
    content = copy_content(tmp_path / "content")
    records = [
        FULL,
        BARE,
        {**BARE, "id": "inews-9", "title": "电话 025-*******", "text": MARKDOWN_TRAPS[-1]},
    ]
    source = write_jsonl(tmp_path / "in.jsonl", *records)
    assert run_import(source, content / "articles" / "imported", CATEGORIES) == 0
    build = run_build(tmp_path / "output", content=content)
    assert build.returncode == 0, build.stderr
    pages = {p.parent.name for p in (tmp_path / "output").rglob("index.html")}
    result = import_records(source, CATEGORIES)
    assert {a.slug for a in result.articles} <= pages
