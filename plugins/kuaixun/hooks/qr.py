"""qr hook: the Jinja filter `qr_svg` (kuaixun.core.qr) for the print edition's templates."""

from __future__ import annotations

from markupsafe import Markup
from pelican import signals

from kuaixun.core.qr import qr_svg


def qr_svg_markup(address: str) -> Markup:
    """The SVG is built by segno from an address, never from editor HTML: safe to print."""
    return Markup(qr_svg(str(address)))


def add_jinja_filters(pelican) -> None:
    pelican.settings["JINJA_FILTERS"] = {
        **pelican.settings.get("JINJA_FILTERS", {}),
        "qr_svg": qr_svg_markup,
    }


def register():
    signals.initialized.connect(add_jinja_filters)
