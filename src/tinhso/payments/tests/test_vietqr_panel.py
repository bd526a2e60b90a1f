"""VietQR on a phone (issue 15, walk-through 3): beside the QR the page gives the bank, account
number, holder, amount (Vietnamese format) and transfer note in text, with copy buttons that a
small script of the project's own static files brings to life (no CDN, nothing inline)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tinhso.payments.tests.vietqr_support import ACCOUNT, configure, filed, vietqr_payment
from tinhso.testing import make_cast


@pytest.fixture
def cast(db, settings):
    configure(settings)  # VietinBank 113366668888, "TRUNG TAM PVHCC"
    return make_cast()


class Panel(HTMLParser):
    """The VietQR panel's definition list as text, its copy buttons and its scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.details: dict[str, str] = {}
        self.copies: list[tuple[str, bool]] = []
        self.scripts: list[dict[str, str | None]] = []
        self._term: str | None = None
        self._in: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "data-vietqr" in attributes:
            self.depth = 1
            return
        if not self.depth:
            return
        if tag == "div":
            self.depth += 1
        if tag in ("dt", "dd"):
            self._in, self._text = tag, []
        if tag == "button" and "copy-button" in (attributes.get("class") or ""):
            self.copies.append((attributes.get("data-copy") or "", "hidden" in attributes))
        if tag == "script":
            self.scripts.append(attributes)

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "div":
            self.depth -= 1
        if tag == "dt" and self._in == "dt":
            self._term = " ".join("".join(self._text).split())
        if tag == "dd" and self._in == "dd" and self._term:
            self.details[self._term] = " ".join("".join(self._text).split())
        if tag in ("dt", "dd"):
            self._in = None

    def handle_data(self, data):
        if self.depth and self._in:
            self._text.append(data)


def panel_of(page: str) -> Panel:
    parser = Panel()
    parser.feed(page)
    return parser


def test_the_transfer_details_are_given_in_text_with_copy_buttons(cast):
    dossier = filed(cast)
    payment, _started = vietqr_payment(cast, dossier)
    client = Client()
    client.force_login(cast.citizen)
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    panel = panel_of(page)
    # Copy button labels are part of the <dd> text; the values come first.
    assert panel.details["Ngân hàng"] == "VietinBank"
    assert panel.details["Số tài khoản"].startswith(ACCOUNT)
    assert panel.details["Chủ tài khoản"] == "TRUNG TAM PVHCC"
    assert panel.details["Số tiền"].startswith("100.000 đồng")
    assert panel.details["Nội dung chuyển khoản (giữ nguyên)"].startswith(payment.reference)
    # Account number, amount (digits, as banking apps take it) and transfer note can be copied;
    # the buttons are hidden until the script shows them, so without JavaScript only text shows.
    assert panel.copies == [(ACCOUNT, True), ("100000", True), (payment.reference, True)]
    assert [script.get("src") for script in panel.scripts] == ["/static/payments/vietqr.js"]
    # No inline script, and no asset from a CDN (looked for in src/href only: a random CSRF token
    # in the page may contain the letters "cdn").
    assert "<script>" not in page
    assert not re.search(r'(?:src|href)="[^"]*cdn', page, re.IGNORECASE)
    assert re.search(r'<img src="data:image/svg\+xml;base64,[^"]+"', page)


def test_the_copy_script_is_a_project_static_file_that_reveals_and_uses_the_buttons():
    path = finders.find("payments/vietqr.js")
    assert path is not None
    script = Path(path).read_text(encoding="utf-8")
    assert "button.hidden = false" in script and "data-copy" in script
    assert "navigator.clipboard" in script and 'execCommand("copy")' in script
    assert finders.find("payments/vietqr.css") is not None


def test_an_account_name_is_not_shown_for_a_qr_made_for_another_account(cast, settings):
    dossier = filed(cast)
    vietqr_payment(cast, dossier)
    settings.TINHSO_VIETQR_ACCOUNT = "999988887777"  # the province changed its account since
    client = Client()
    client.force_login(cast.citizen)
    panel = panel_of(client.get(f"/ho-so/{dossier.code}/").content.decode())
    assert panel.details["Số tài khoản"].startswith(ACCOUNT)  # the QR's own account
    assert "Chủ tài khoản" not in panel.details
