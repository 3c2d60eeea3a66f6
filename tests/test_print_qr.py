"""QR codes in the printed edition: every article on the sheet carries its web address as a QR
code that a real decoder (Debian's zbarimg) reads back from the PDF Chromium prints, at a
resolution an office scanner or a phone camera matches (200 dpi)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lxml import html

from kuaixun.core.issues import latest_issue_number
from kuaixun.core.qr import MIN_SIZE_MM, QUIET_ZONE, qr_size_mm, qr_svg
from kuaixun.testing.builds import ROOT
from kuaixun.tools.edition_pdf import edition_page, print_to_pdf


@pytest.fixture(scope="module")
def sheet(real_site) -> Path:
    return edition_page(real_site, latest_issue_number(ROOT / "content" / "issues"))


@pytest.fixture(scope="module")
def pdf(sheet, tmp_path_factory) -> Path:
    """The PDF `make pdf` makes of the latest issue (the same function)."""
    return print_to_pdf(sheet, tmp_path_factory.mktemp("qr") / "edition.pdf")


def article_addresses(real_site: Path, sheet: Path) -> list[str]:
    """The absolute address of each article on the sheet, from the articles' own pages."""
    from pelican.settings import read_settings

    origin = read_settings(str(ROOT / "pelicanconf.py"))["SITE_ORIGIN"]
    titles = html.parse(str(sheet)).xpath("//article[@class='edition-article']//h2")
    addresses = []
    for title in titles:
        [page] = [
            page
            for page in real_site.glob("[0-9]*/[0-9]*/*/index.html")
            if html.parse(str(page)).xpath("string(//h1)").strip() == title.text_content().strip()
        ]
        addresses.append(f"{origin}/{page.parent.relative_to(real_site).as_posix()}/")
    return addresses


def decoded(pdf: Path, folder: Path) -> list[str]:
    """Every QR code zbarimg finds on the PDF rendered at 200 dpi, page by page."""
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(folder / "page")], check=True)
    found = []
    for image in sorted(folder.glob("page*.png")):
        result = subprocess.run(
            ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(image)],
            capture_output=True,
            text=True,
        )
        found.extend(line for line in result.stdout.splitlines() if line)
    return found


def test_every_article_qr_code_decodes_to_its_address(real_site, sheet, pdf, tmp_path):
    addresses = article_addresses(real_site, sheet)
    assert len(addresses) >= 2
    # zbarimg reports a page's codes in its own order (the sheet has two columns).
    assert sorted(decoded(pdf, tmp_path)) == sorted(addresses)


def test_every_article_on_the_sheet_has_one_qr_code(sheet):
    tree = html.parse(str(sheet))
    for article in tree.xpath("//article[@class='edition-article']"):
        [svg] = article.xpath(".//figure[@class='edition-qr']/svg")
        assert svg.get("role") == "img" and svg.xpath("string(title)")
        assert not article.xpath(".//*[@style]|.//style|.//script")


@pytest.mark.parametrize("modules", [21 + 2 * QUIET_ZONE, 45, 57, 77])
def test_printed_size_is_at_least_15_mm(modules):
    assert qr_size_mm(modules) >= MIN_SIZE_MM


def test_svg_keeps_the_quiet_zone_and_has_no_inline_style():
    svg = html.fragment_fromstring(qr_svg("https://example.org/bulletin/2020/11/x/"))
    # A version-2 symbol is 25 modules; with 4 quiet modules a side the view box is 33 wide.
    size = int(svg.get("viewbox").split()[2])
    assert (size - 2 * QUIET_ZONE - 17) % 4 == 0
    assert svg.xpath(".//path/@d")[0].startswith(f"M{QUIET_ZONE} {QUIET_ZONE}")
    assert float(svg.get("width").removesuffix("mm")) >= MIN_SIZE_MM
    assert svg.get("style") is None and not svg.xpath(".//@style")
