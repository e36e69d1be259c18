"""Free text made safe to show a working group: identifiers replaced with neutral placeholders.

Two layers, applied in this order:

1. **What the case knows** (:class:`Identifiers`): e-mails, document and case numbers, the
   NIF/NISS/SNS and phone digits, birth dates in any common format (and their month and
   year, and the bare year of birth), the address, postal code and parish, and every name
   token of every person in the household (given and family names of at least three letters,
   particles such as "dos" left alone), matched as whole words, ignoring case and accents.
2. **Generic patterns**, with no knowledge of any case: e-mail addresses, full dates
   (``12/03/2026``, ``2026-03-12``, ``12 de março de 2026``, ``12 mar 2026``) and day with
   month (``12/03``, ``12 de março``), postal codes ``NNNN-NNN``, citizen card numbers,
   case numbers ``2026/0042`` (a school year such as ``2025/2026`` stays), phone numbers
   and every run of seven or more digits (NIF, NISS, SNS, phones, document numbers).

A month with its year (``março de 2026``) stays: it places an event in time without an
exact day. The exact day never stays; nor does any part of a known birth date beyond what
the age band already says. Comments typed by group members pass through the generic layer
only: the group knows nothing of the case they answer.

Replacement errs on the side of removing too much: a family name that is also a word
("Rosa", "Luz") goes wherever it appears. The author sees the result before publishing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

NAME = "[nome]"
IDENTIFIER = "[identificador]"
ADDRESS = "[morada]"
DATE = "[data]"

MIN_NAME_LETTERS = 3
# Particles of Portuguese (and Spanish, Italian, Dutch) names: never identifiers by themselves.
NAME_PARTICLES = frozenset({"dos", "das", "del", "von", "van", "der", "den", "los", "las"})
# Words that name the kind of place, not the place: an address keeps them out of its tokens.
STREET_WORDS = frozenset(
    {
        "rua",
        "avenida",
        "av",
        "largo",
        "travessa",
        "praca",
        "estrada",
        "bairro",
        "beco",
        "calcada",
        "caminho",
        "monte",
        "quinta",
        "lote",
        "bloco",
        "andar",
        "esquerdo",
        "direito",
        "esq",
        "dto",
        "casa",
        "lugar",
        "sitio",
        "urbanizacao",
        "alameda",
        "rotunda",
        "vila",
        "cidade",
        "aldeia",
        "freguesia",
        "numero",
        "porta",
        "apartamento",
        "sem",
    }
)
MIN_ADDRESS_TOKEN = 4  # shorter words of an address ("da", "sul", "12") are not identifying

MONTHS = (
    "janeiro",
    "fevereiro",
    "marco",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)
MONTH_ABBREVIATIONS = (
    "jan",
    "fev",
    "mar",
    "abr",
    "mai",
    "jun",
    "jul",
    "ago",
    "set",
    "out",
    "nov",
    "dez",
)

# Whole words, and never the word inside a placeholder (a person called "Nome" or "Data").
_OPEN = r"(?<![\w\[])"
_CLOSE = r"(?![\w\]])"
# A known number starts where no digit precedes it, or after a typed country code.
_COUNTRY_CODE = r"(?:(?<!\d)(?:\+|00)\s?351[\s.\-]?|(?<!\d))"
_SEP = r"[\s.\-/]?"  # what may stand between two characters of a number as people type it
_MONTH = "(?:" + "|".join(MONTHS) + ")"
_MONTH_SHORT = "(?:" + "|".join(MONTH_ABBREVIATIONS) + r")\.?"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:\.?º)?"

# Generic patterns, matched on the folded text (lower case, no accents: see :func:`fold`).
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_DATES = [
    re.compile(r"(?<!\d)\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?!\d)"),
    re.compile(r"(?<!\d)\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}(?!\d)"),
    re.compile(rf"(?<!\w){_DAY}\s+de\s+{_MONTH}(?:\s+de\s+\d{{4}})?(?!\w)"),
    re.compile(rf"(?<!\w){_DAY}[\s\-/]?{_MONTH_SHORT}[\s\-/]?(?:\d{{4}}|\d{{2}})(?!\w)"),
    re.compile(r"(?<![\d/])(?:0?[1-9]|[12]\d|3[01])/(?:0[1-9]|1[0-2])(?![\d/])"),
]
_POSTAL_CODE = re.compile(r"(?<!\d)\d{4}\s?-\s?\d{3}(?!\d)")
_CITIZEN_CARD = re.compile(r"(?<!\w)\d{8}\s?\d\s?[a-z]{2}\s?\d(?!\w)")
_CASE_NUMBER = re.compile(r"(?<![\d/])(\d{4})/(\d{3,5})(?![\d/])")
_PHONE = re.compile(r"(?:\+|00)\s?\d{3}[\s.\-]?\d{3}[\s.\-]?\d{3}[\s.\-]?\d{3}(?!\d)")
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[\s.\-]?\d){6,}(?!\d)")


def fold(text: str) -> str:
    """Lower case, accents removed, one character for one: positions match ``text``'s."""
    out = []
    for char in text:
        base = "".join(
            c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
        )
        low = base.lower()
        out.append(low if len(low) == 1 else char)
    return "".join(out)


def _replace(text: str, pattern: re.Pattern[str], placeholder: str) -> str:
    """Replace what ``pattern`` finds in the folded text, at the same places of ``text``."""
    pieces = []
    last = 0
    for match in pattern.finditer(fold(text)):
        pieces.append(text[last : match.start()])
        pieces.append(placeholder)
        last = match.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _alternatives(parts: Iterable[str]) -> str:
    """Regex alternatives, longest first (so "Maria José" wins over "Maria")."""
    return "|".join(sorted(set(parts), key=lambda p: (-len(p), p)))


def _spaced(chars: str) -> str:
    """A number or code as people type it: any single separator between its characters."""
    return _SEP.join(re.escape(c) for c in chars)


def _phrase(text: str) -> str:
    """A phrase with any run of spaces or punctuation between its words."""
    words = re.findall(r"\w+", fold(text))
    return r"[\s,.\-º]+".join(re.escape(w) for w in words)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", fold(text))


def _date_forms(day: date) -> list[str]:
    """Regexes of one date written in the common ways, and of its month with its year."""
    d, m, y = day.day, day.month, day.year
    dd = rf"0?{d}"
    mm = rf"0?{m}"
    yy = rf"(?:{y}|{y % 100:02d})"
    month = MONTHS[m - 1]
    short = MONTH_ABBREVIATIONS[m - 1]
    return [
        rf"(?<!\d){dd}\s?[/.\-]\s?{mm}(?:\s?[/.\-]\s?{yy})?(?!\d)",
        rf"(?<!\d){y}\s?[/.\-]\s?{mm}\s?[/.\-]\s?{dd}(?!\d)",
        rf"(?<!\w){dd}(?:\.?º)?\s+(?:de\s+)?(?:{month}|{short}\.?)(?:\s+(?:de\s+)?{yy})?(?!\w)",
        rf"(?<!\w)(?:{month}|{short}\.?)\s+(?:de\s+)?{y}(?!\w)",
        rf"(?<![\d/]){mm}\s?[/.\-]\s?{y}(?!\d)",
        rf"(?<!\d){y}(?!\d)",
    ]


@dataclass(frozen=True)
class Identifiers:
    """What one case knows that must never reach a group, in the forms it was recorded."""

    names: frozenset[str] = frozenset()  # name tokens, folded
    numbers: frozenset[str] = frozenset()  # digits only: NIF, NISS, SNS, phones
    codes: frozenset[str] = frozenset()  # alphanumeric, folded, no separators: documents, case
    emails: frozenset[str] = frozenset()  # folded
    places: frozenset[str] = frozenset()  # regexes of address phrases and tokens, parish
    dates: frozenset[date] = field(default_factory=frozenset)  # birth dates

    @classmethod
    def build(
        cls,
        *,
        names: Iterable[str | None] = (),
        numbers: Iterable[str | None] = (),
        codes: Iterable[str | None] = (),
        emails: Iterable[str | None] = (),
        addresses: Iterable[str | None] = (),
        postal_codes: Iterable[str | None] = (),
        parishes: Iterable[str | None] = (),
        dates: Iterable[date | None] = (),
    ) -> Identifiers:
        """Collect identifiers as the case stores them (``None`` and blanks are skipped)."""
        tokens = {
            w
            for n in names
            if n
            for w in _words(n)
            if len(w) >= MIN_NAME_LETTERS and w not in NAME_PARTICLES
        }
        digit_strings: set[str] = set()
        for number in numbers:
            only = re.sub(r"\D", "", number or "")
            if len(only) >= 3:
                digit_strings.add(only)
                for prefix in ("00351", "351"):  # a phone kept with its country code
                    if only.startswith(prefix) and len(only) - len(prefix) == 9:
                        digit_strings.add(only[len(prefix) :])
        code_strings = {re.sub(r"[\W_]", "", fold(c)) for c in codes if c and c.strip()}
        places: set[str] = set()
        for address in addresses:
            if address and address.strip():
                places.add(_phrase(address))
                places.update(
                    re.escape(w)
                    for w in _words(address)
                    if len(w) >= MIN_ADDRESS_TOKEN and w not in STREET_WORDS
                )
        for parish in parishes:
            if parish and parish.strip():
                places.add(_phrase(parish))
        for postal in postal_codes:
            only = re.sub(r"\D", "", postal or "")
            if only:
                places.add(_spaced(only))
        return cls(
            names=frozenset(tokens),
            numbers=frozenset(digit_strings),
            codes=frozenset(c for c in code_strings if len(c) >= 3),
            emails=frozenset(fold(e.strip()) for e in emails if e and e.strip()),
            places=frozenset(p for p in places if p),
            dates=frozenset(d for d in dates if d is not None),
        )

    @cached_property
    def _patterns(self) -> list[tuple[re.Pattern[str], str]]:
        """The known identifiers as regexes, in the order they are replaced."""
        out: list[tuple[str, str]] = []
        if self.emails:
            out.append((_alternatives(re.escape(e) for e in self.emails), IDENTIFIER))
        if self.codes:
            spaced = (_spaced(c) for c in self.codes)
            out.append((rf"(?<!\w)(?:{_alternatives(spaced)})(?!\w)", IDENTIFIER))
        if self.dates:
            out.append((_alternatives(f for d in self.dates for f in _date_forms(d)), DATE))
        if self.numbers:
            spaced = (_spaced(n) for n in self.numbers)
            out.append((rf"{_COUNTRY_CODE}(?:{_alternatives(spaced)})(?!\d)", IDENTIFIER))
        if self.places:
            out.append((rf"{_OPEN}(?:{_alternatives(self.places)}){_CLOSE}", ADDRESS))
        if self.names:
            names = (re.escape(n) for n in self.names)
            out.append((rf"{_OPEN}(?:{_alternatives(names)}){_CLOSE}", NAME))
        return [(re.compile(p), placeholder) for p, placeholder in out]

    def scrub(self, text: str) -> str:
        """``text`` without this case's identifiers, then without any generic identifier."""
        for pattern, placeholder in self._patterns:
            text = _replace(text, pattern, placeholder)
        return scrub_generic(text)


NO_IDENTIFIERS = Identifiers()


def _not_school_year(match: re.Match[str]) -> bool:
    first, second = match.group(1), match.group(2)
    return not (len(second) == 4 and int(second) == int(first) + 1)


def scrub_generic(text: str) -> str:
    """``text`` without anything that looks like an identifier, knowing no case."""
    text = _replace(text, _EMAIL, IDENTIFIER)
    for pattern in _DATES:
        text = _replace(text, pattern, DATE)
    text = _replace(text, _POSTAL_CODE, ADDRESS)
    text = _replace(text, _CITIZEN_CARD, IDENTIFIER)
    folded = fold(text)
    pieces = []
    last = 0
    for match in _CASE_NUMBER.finditer(folded):
        if _not_school_year(match):
            pieces.extend((text[last : match.start()], IDENTIFIER))
            last = match.end()
    text = "".join(pieces) + text[last:] if pieces else text
    text = _replace(text, _PHONE, IDENTIFIER)
    return _replace(text, _DIGIT_RUN, IDENTIFIER)
