"""Vietnamese text folding for search.

Written by hand because no library folds Vietnamese the same way on every backend:
``unaccent`` keeps ``đ`` on some PostgreSQL builds, ``unicodedata`` leaves ``đ`` untouched
(it is a base letter, not ``d`` plus a mark) and SQLite has no accent folding at all. We
store the folded text in a column and fold the query with the same function.
"""

import unicodedata


def fold(text: str) -> str:
    """Return ``text`` case-folded, without diacritics, with ``đ`` as ``d``: "Giấy" -> "giay"."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.replace("đ", "d").split())
