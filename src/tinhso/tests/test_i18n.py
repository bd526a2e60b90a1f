"""English through Django's i18n: pages switch only on the user's choice, the API on Accept-Language,
and the committed catalogue (locale/en) is complete and compiled."""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tinhso.testing import make_cast

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

# url, an English text the page must show, Vietnamese headings it must then not show.
PAGES = [
    ("/", "Online public services", ["Dịch vụ công trực tuyến", "Tìm thủ tục", "Lối tắt"]),
    (
        "/thu-tuc/",
        "Administrative procedures",
        ["<h1>Thủ tục hành chính</h1>", "Tìm thủ tục", "Mã thủ tục"],
    ),
    ("/tra-cuu/", "Look up dossier status", ["Tra cứu tình trạng hồ sơ", "Không cần đăng nhập"]),
]


@pytest.fixture(autouse=True)
def _back_to_vietnamese():
    # LocaleMiddleware activates the request's language for the whole thread and never resets it:
    # without this, code run later in this worker outside a request would speak English.
    yield
    translation.deactivate()


@pytest.fixture
def cast(db):
    # Real catalogue data so the lists render their rows (badges, deadlines, fees), not an empty page.
    return make_cast()


def english_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize(("url", "english", "vietnamese"), PAGES)
def test_pages_are_english_when_the_language_cookie_says_so(cast, url, english, vietnamese):
    response = english_client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert english in html
    for heading in vietnamese:
        assert heading not in html, heading
    # The shared layout is translated too.
    assert "Skip to main content" in html and "Look up a dossier" in html


@pytest.mark.parametrize(("url", "english", "vietnamese"), PAGES)
def test_browser_accept_language_alone_keeps_pages_vietnamese(cast, url, english, vietnamese):
    html = Client().get(url, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="vi">' in html
    assert english not in html
    for heading in vietnamese:
        assert heading in html, heading


def test_language_switch_sets_the_cookie_and_back_again(cast):
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/thu-tuc/"})
    assert response.status_code == 302 and response["Location"] == "/thu-tuc/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/thu-tuc/").content.decode()
    assert "procedures found." in html and "Fully online" in html
    assert "Tìm thấy" not in html

    client.post(reverse("set_language"), {"language": "vi", "next": "/thu-tuc/"})
    html = client.get("/thu-tuc/").content.decode()
    assert "<h1>Thủ tục hành chính</h1>" in html and "procedures found." not in html


def test_api_answers_in_the_callers_accept_language(db):
    english = Client().get("/api/v1/procedures/9.999999", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 404
    assert english.json()["detail"] == "Procedure “9.999999” not found."

    vietnamese = Client().get("/api/v1/procedures/9.999999")
    assert vietnamese.status_code == 404
    assert vietnamese.json()["detail"] == "Không tìm thấy thủ tục “9.999999”."


# --- the catalogue itself --------------------------------------------------------------------


@dataclass
class Message:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$')


def _unquote(text: str) -> str:
    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


def parse_po(path: Path) -> list[Message]:
    """The entries of a .po file, the header first (a parser of our own: no polib in the project)."""
    entries: list[Message] = []
    entry, started, keyword = Message(), False, ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line or (line.startswith("#") and entry.msgstr):
            if started:
                entries.append(entry)
            entry, started, keyword = Message(), False, ""
            if not line:
                continue
        if line.startswith("#~"):
            raise AssertionError(f"obsolete entry left in {path.name}: {line}")
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := KEYWORD.match(line):
            keyword, text = match.group(1), _unquote(match.group(2))
            started = True
            if keyword.startswith("msgstr"):
                entry.msgstr.append(text)
            else:
                setattr(entry, keyword, text)
        else:
            assert line.startswith('"') and keyword, f"unexpected line in {path.name}: {raw}"
            if keyword.startswith("msgstr"):
                entry.msgstr[-1] += _unquote(line)
            else:
                setattr(entry, keyword, getattr(entry, keyword) + _unquote(line))
    return entries


def catalogue() -> list[Message]:
    header, *messages = parse_po(PO_FILE)
    assert header.msgid == "" and "fuzzy" not in header.flags
    return messages


def test_every_message_is_translated_and_none_is_fuzzy():
    messages = catalogue()
    assert len(messages) > 500
    untranslated = [m.msgid for m in messages if not m.msgstr or not all(m.msgstr)]
    fuzzy = [m.msgid for m in messages if "fuzzy" in m.flags]
    assert not untranslated, f"untranslated in {PO_FILE}: {untranslated}"
    assert not fuzzy, f"fuzzy in {PO_FILE}: {fuzzy}"


def test_plural_messages_have_both_english_forms():
    for message in catalogue():
        expected = 2 if message.msgid_plural is not None else 1
        assert len(message.msgstr) == expected, message.msgid


PLACEHOLDER = re.compile(r"%\(\w+\)[-#0-9.]*[sdrf]|%[sdr]|%%")


def test_translations_keep_every_placeholder():
    for message in catalogue():
        if "python-format" not in message.flags:
            continue
        sources = [message.msgid, message.msgid_plural or message.msgid]
        for source, target in zip(sources, message.msgstr, strict=False):
            expected = sorted(PLACEHOLDER.findall(source))
            assert sorted(PLACEHOLDER.findall(target)) == expected, source


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo serves exactly what the .po says (compilemessages was run)."""
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalogue():
        if message.msgctxt is not None:
            served = [compiled.pgettext(message.msgctxt, message.msgid)]
        elif message.msgid_plural is not None:
            served = [compiled.ngettext(message.msgid, message.msgid_plural, n) for n in (1, 2)]
        else:
            served = [compiled.gettext(message.msgid)]
        assert served == message.msgstr, message.msgid
