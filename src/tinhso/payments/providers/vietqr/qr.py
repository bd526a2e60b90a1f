"""QR images of a VietQR payload (segno): SVG, PNG and an SVG data URI for ``<img src>``."""

import base64
import io

import segno


def qr_svg(payload: str, *, scale: int = 5) -> bytes:
    """The QR code of ``payload`` as an SVG document (error correction M, 4-module quiet zone)."""
    buffer = io.BytesIO()
    segno.make_qr(payload, error="m").save(buffer, kind="svg", scale=scale, border=4)
    return buffer.getvalue()


def qr_png(payload: str, *, scale: int = 8) -> bytes:
    """The QR code of ``payload`` as a PNG image."""
    buffer = io.BytesIO()
    segno.make_qr(payload, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_data_uri(payload: str) -> str:
    """An SVG data URI of the QR code, for ``<img src>`` (the CSP allows ``data:`` images)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(payload)).decode("ascii")
