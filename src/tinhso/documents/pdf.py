"""HTML → PDF with WeasyPrint and an embedded Be Vietnam Pro font.

WeasyPrint uses a font installed through pip only when it is declared with ``@font-face`` and a
``file://`` URL and the same ``FontConfiguration`` is passed both to the stylesheet and to
``write_pdf``; otherwise it silently falls back to a system font (docs/slips.md). The font
configuration and the parsed stylesheet are built once per process: parsing the ``@font-face``
rules is the slow part of a render.

Documents may load only ``data:`` URIs (the QR code); the stylesheet may load only the font files.
Nothing is ever fetched over the network.
"""

import functools
import threading
from pathlib import Path

import fontpkg_be_vietnam_pro
import segno
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

FONT_FAMILY = "Be Vietnam Pro"
FONT_DIR = Path(fontpkg_be_vietnam_pro.__file__).parent / "files"
# (file, weight, style) declared through @font-face.
FONT_FACES = (
    ("BeVietnamPro-Regular.ttf", "normal", "normal"),
    ("BeVietnamPro-Bold.ttf", "bold", "normal"),
    ("BeVietnamPro-Italic.ttf", "normal", "italic"),
)
STYLESHEET = Path(__file__).parent / "styles" / "slip.css"

# Pango and fontconfig are not documented as thread-safe; renders in one process take turns.
_render_lock = threading.Lock()


def font_face_css() -> str:
    rules = []
    for filename, weight, style in FONT_FACES:
        url = (FONT_DIR / filename).resolve().as_uri()
        rules.append(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{url}"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


@functools.cache
def font_config() -> FontConfiguration:
    return FontConfiguration()


@functools.cache
def stylesheet() -> weasyprint.CSS:
    css = font_face_css() + "\n" + STYLESHEET.read_text(encoding="utf-8")
    fetcher = URLFetcher(allowed_protocols={"file"}, fail_on_errors=True)
    return weasyprint.CSS(string=css, font_config=font_config(), url_fetcher=fetcher)


def html_to_pdf(html: str) -> bytes:
    """Render a complete HTML document to PDF bytes with the shared font and stylesheet."""
    fetcher = URLFetcher(allowed_protocols={"data"})
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    with _render_lock:
        pdf = document.write_pdf(stylesheets=[stylesheet()], font_config=font_config())
    assert pdf is not None
    return pdf


def qr_png_data_uri(text: str) -> str:
    """A QR code of ``text`` as a PNG data URI, one pixel per module (scaled by CSS)."""
    return segno.make_qr(text, error="m").png_data_uri(scale=1, border=4)
