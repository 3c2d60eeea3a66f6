"""The printable edition printed by Chromium: A4 pages, every headline and byline in order,
and no headline stranded at the foot of a page without its first paragraph."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree, html

from kuaixun.core.issues import latest_issue_number
from kuaixun.testing.builds import ROOT
from kuaixun.tools.edition_pdf import edition_page, print_to_pdf

A4_POINTS = (595, 842)
XHTML = {"x": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module")
def edition(real_site, tmp_path_factory) -> tuple[Path, html.HtmlElement]:
    """The latest issue's print view, and the PDF Chromium prints of it."""
    page = edition_page(real_site, latest_issue_number(ROOT / "content" / "issues"))
    pdf = print_to_pdf(page, tmp_path_factory.mktemp("pdf") / "edition.pdf")
    return pdf, html.parse(str(page)).getroot()


def squeeze(text: str) -> str:
    """pdftotext breaks lines inside columns: compare text without any whitespace."""
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    command = ["pdftotext", *pages, str(pdf), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def reading_order(pdf: Path) -> str:
    """The text as a reader reads the sheet: page by page, left column, then right column.

    Plain pdftotext orders text blocks by height, so a photo at the top of the left column
    puts the right column's headline first; its word boxes (-bbox-layout) give the columns.
    """
    command = ["pdftotext", "-bbox-layout", str(pdf), "-"]
    document = etree.fromstring(subprocess.run(command, capture_output=True, check=True).stdout)
    text = []
    for page in document.iterfind(".//x:page", XHTML):
        middle = float(page.get("width")) / 2
        lines = [
            (float(line.get("xMin")) >= middle, float(line.get("yMin")), line)
            for line in page.iterfind(".//x:line", XHTML)
        ]
        for _, _, line in sorted(lines, key=lambda entry: entry[:2]):
            text.extend(word.text for word in line.iterfind("x:word", XHTML))
    return "".join(text)


def page_sizes(pdf: Path) -> list[tuple[int, int]]:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True
    )
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
    return [(round(float(w)), round(float(h))) for w, h in sizes]


def headlines_and_bylines(sheet) -> list[str]:
    wanted = sheet.xpath(
        "//article[@class='edition-article']//*[contains(@class,'headline') or @class='byline']"
    )
    return [squeeze(element.text_content()) for element in wanted]


def test_every_page_of_the_pdf_is_a4(edition):
    pdf, _ = edition
    sizes = page_sizes(pdf)
    assert sizes, "pdfinfo found no pages"
    assert set(sizes) == {A4_POINTS}


def test_pdf_holds_every_headline_and_byline_in_order(edition):
    pdf, sheet = edition
    text = squeeze(reading_order(pdf))
    assert all(piece in squeeze(pdf_text(pdf)) for piece in headlines_and_bylines(sheet))
    expected = headlines_and_bylines(sheet)
    assert len(expected) >= 2 * len(sheet.xpath("//article[@class='edition-article']"))
    position = 0
    for piece in expected:
        found = text.find(piece, position)
        assert found >= 0, f"{piece} missing after position {position}"
        position = found + len(piece)


def test_pdf_starts_with_the_masthead(edition):
    pdf, sheet = edition
    first_page = squeeze(pdf_text(pdf, 1))
    masthead = sheet.xpath("//header[@class='masthead']")[0]
    for part in ("社区快讯", masthead.xpath(".//*[@class='masthead-issue']")[0].text_content()):
        assert part in first_page


def test_no_headline_is_printed_apart_from_its_first_paragraph(edition):
    pdf, sheet = edition
    pages = [squeeze(pdf_text(pdf, number)) for number in range(1, len(page_sizes(pdf)) + 1)]
    for article in sheet.xpath("//article[@class='edition-article']"):
        headline = squeeze(article.xpath(".//h2")[0].text_content())
        opening = squeeze(
            article.xpath(".//div[@class='edition-opening']/p[not(@class)]")[0].text_content()
        )
        [page] = [number for number, text in enumerate(pages) if headline in text]
        assert opening[:12] in pages[page], f"{headline}: first paragraph not on page {page + 1}"
