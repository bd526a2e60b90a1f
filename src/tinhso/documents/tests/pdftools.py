"""Read PDFs back with poppler-utils (pdftotext, pdffonts, pdfimages)."""

import subprocess
from pathlib import Path

from PIL import Image


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def write(tmp_path: Path, content: bytes, name: str = "slip.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def text(tmp_path: Path, content: bytes) -> str:
    """The PDF's text with runs of whitespace (line breaks included) collapsed to one space."""
    return " ".join(_run("pdftotext", str(write(tmp_path, content)), "-").split())


def fonts(tmp_path: Path, content: bytes) -> list[dict[str, str]]:
    """Rows of ``pdffonts``: name, type and whether the font is embedded."""
    lines = _run("pdffonts", str(write(tmp_path, content))).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name, type (1-2 words), encoding, emb, sub, uni, object, id
        rows.append({"name": parts[0], "emb": parts[-5], "encoding": parts[-6]})
    return rows


def images(tmp_path: Path, content: bytes) -> list[Image.Image]:
    """Every image of the PDF, extracted losslessly as PNG."""
    out = tmp_path / "images"
    out.mkdir(exist_ok=True)
    _run("pdfimages", "-png", str(write(tmp_path, content)), str(out / "img"))
    return [Image.open(path) for path in sorted(out.glob("img-*.png"))]
