"""Portuguese identifiers and names as search compares them."""

from __future__ import annotations

import re
import unicodedata

# NIF first digits (or pairs) the Tax Authority issues: people, companies, public bodies.
_NIF_PREFIXES = ("1", "2", "3", "5", "6", "8", "9", "45", "70", "71", "72", "74", "75", "77")
_NISS_WEIGHTS = (29, 23, 19, 17, 13, 11, 7, 5, 3, 2)


def normalise(text: str) -> str:
    """Lower case, no accents, single spaces: ``" Conceição  SILVA"`` → ``"conceicao silva"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def digits(text: str) -> str:
    return re.sub(r"[\s.\-]", "", text)


def valid_nif(value: str) -> bool:
    """The NIF's mod-11 check digit (Portaria 386/94 scheme)."""
    if not re.fullmatch(r"\d{9}", value) or not value.startswith(_NIF_PREFIXES):
        return False
    total = sum(int(d) * (9 - i) for i, d in enumerate(value[:8]))
    check = 11 - total % 11
    return int(value[8]) == (0 if check >= 10 else check)


def valid_niss(value: str) -> bool:
    """The NISS's check digit: 11 digits, starting 1 (people) or 2 (companies)."""
    if not re.fullmatch(r"[12]\d{10}", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:10], _NISS_WEIGHTS, strict=True))
    return int(value[10]) == 9 - total % 10


def valid_sns(value: str) -> bool:
    """The SNS user number: nine digits (no public check digit)."""
    return re.fullmatch(r"\d{9}", value) is not None
