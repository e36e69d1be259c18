"""Searching the published practices: words in the title, problem, what was done and results
(case- and accent-insensitive), filters by tag, consortium, council involved and adoption by
the reader's councils; newest first, 20 a page, with tag facets.

Accents are folded in SQL on both tiers the same way: :func:`folded` maps the accented
letters of Portuguese (and their neighbours) to plain ones and lower-cases — ``translate``
and ``lower`` on PostgreSQL (both letter cases are in the table: ``lower`` under the C
collation knows only ASCII), and on SQLite the Python :func:`fold` itself, registered on each
connection as ``teia_fold`` (SQLite has no ``translate``, and 53 nested ``replace`` overflow
its parser). The words typed go through :func:`fold` too. No extension (``unaccent``) and no
stored copy of the text is needed; the library is small enough for a scan of the published
rows.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, String, and_, column, event, exists, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from teia.practices.models import Practice, PracticeAdoption, PracticeCouncil, PracticeStatus

PAGE_SIZE = 20
MAX_WORDS = 8
MAX_FACETS = 30
_ACCENTED = "áàâãäåéèêëíìîïóòôõöúùûüçñýÿÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑÝ"
_PLAIN = "".join(unicodedata.normalize("NFKD", c)[0] for c in _ACCENTED)
_FOLD = str.maketrans(_ACCENTED, _PLAIN)


def fold(text: str) -> str:
    """What :func:`folded` makes of ``text`` in SQL."""
    return unicodedata.normalize("NFC", text).translate(_FOLD).lower()


class folded(FunctionElement[str]):
    """``text`` without accents, in lower case (see the module's docstring)."""

    type = String()
    inherit_cache = True


@compiles(folded)
def _folded_by_python(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"teia_fold({compiler.process(element.clauses, **kw)})"


def _fold_or_null(text: str | None) -> str | None:
    return None if text is None else fold(text)


@event.listens_for(Engine, "connect")
def _register_fold(dbapi_connection: Any, _record: Any) -> None:
    """Give each SQLite connection ``teia_fold`` (PostgreSQL uses ``translate``)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("teia_fold", 1, _fold_or_null, deterministic=True)


@compiles(folded, "postgresql")
def _folded_by_translate(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    expression = compiler.process(element.clauses, **kw)
    return f"lower(translate({expression}, '{_ACCENTED}', '{_PLAIN}'))"


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Filters:
    text: str = ""
    tag: str = ""
    consortium_id: int | None = None
    council_id: int | None = None
    adopted_by: frozenset[int] = frozenset()  # the reader's councils, when that filter is on


@dataclass(frozen=True)
class Results:
    practices: list[Practice]
    total: int
    page: int
    page_size: int
    facets: list[tuple[str, int]]  # (tag, how many practices found carry it)


def words(text: str) -> list[str]:
    return list(dict.fromkeys(fold(text).split()))[:MAX_WORDS]


def _has_tag(dialect: str, tag: str) -> ColumnElement[bool]:
    """The JSON list of tags holds ``tag`` (an element, not a substring of one)."""
    elements = func.json_array_elements_text if dialect == "postgresql" else func.json_each
    values = elements(Practice.tags).table_valued("value").alias("tag_values")
    return exists(select(1).select_from(values).where(column("value", String) == tag))


def conditions(session: Session, filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [Practice.status == PracticeStatus.PUBLISHED]
    fields = (Practice.title, Practice.problem, Practice.what_was_done, Practice.results)
    for word in words(filters.text):
        pattern = f"%{_like_escape(word)}%"
        found.append(or_(*(folded(f).like(pattern, escape="\\") for f in fields)))
    tag = " ".join(unicodedata.normalize("NFC", filters.tag).lower().split())
    if tag:
        found.append(_has_tag(session.get_bind().dialect.name, tag))
    if filters.consortium_id is not None:
        found.append(Practice.consortium_id == filters.consortium_id)
    if filters.council_id is not None:
        found.append(
            exists().where(
                PracticeCouncil.practice_id == Practice.id,
                PracticeCouncil.tenant_id == filters.council_id,
            )
        )
    if filters.adopted_by:
        found.append(
            exists().where(
                PracticeAdoption.practice_id == Practice.id,
                PracticeAdoption.council_id.in_(filters.adopted_by),
            )
        )
    return found


def search(session: Session, filters: Filters, *, page: int = 1, facets: bool = True) -> Results:
    """One page of the published practices that match, and the tags of all that match."""
    where = and_(*conditions(session, filters))
    total = session.scalar(select(func.count(Practice.id)).where(where)) or 0
    practices = list(
        session.scalars(
            select(Practice)
            .where(where)
            .options(selectinload(Practice.councils), selectinload(Practice.consortium))
            .order_by(Practice.published_at.desc(), Practice.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    counts: Counter[str] = Counter()
    if facets and total:
        for tags in session.scalars(select(Practice.tags).where(where)):
            counts.update(set(tags or []))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_FACETS]
    return Results(practices, total, page, PAGE_SIZE, ranked)
