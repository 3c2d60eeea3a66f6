"""QR codes for the printed edition: a paper reader scans one to reach the article's web page
(its photos, corrections and the rest of the site). Pure: an address in, SVG markup out.

Paper needs more than a screen: the 4-module quiet zone around the symbol (a scanner finds
the code by it) and at least 15 mm a side; error level M survives a fold or a smudge.
"""

from __future__ import annotations

import segno

QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks
MODULE_MM = 0.45  # one module on paper: ≈ 3.5 px at 200 dpi, easy for a phone at arm's length
MIN_SIZE_MM = 15.0


def qr_size_mm(modules: float) -> float:
    """The printed side of a symbol `modules` wide (quiet zone included), never under 15 mm."""
    return round(max(MIN_SIZE_MM, modules * MODULE_MM), 2)


def qr_svg(address: str, label: str = "本文网址的二维码") -> str:
    """An inline <svg> (no XML declaration, no style attribute) encoding `address`.

    A full QR code, never a Micro QR (phones' camera apps do not read those); its size in
    millimetres is in the width and height attributes, so no stylesheet is needed to print it
    at the right size.
    """
    code = segno.make_qr(address, error="m")
    modules, _ = code.symbol_size(border=QUIET_ZONE)
    side = f"{qr_size_mm(modules)}mm"
    svg = code.svg_inline(border=QUIET_ZONE, omitsize=True, title=label, svgclass="qr")
    return svg.replace("<svg ", f'<svg width="{side}" height="{side}" role="img" ', 1)
