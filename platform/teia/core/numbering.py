"""Yearly numbers per council (``2026/0042``) for cases and applications."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session


def next_yearly_number(session: Session, column: InstrumentedAttribute[str], year: int) -> str:
    """The number after the year's highest: the longest first, since as text ``2026/9999``
    sorts after ``2026/10000``. The unique (tenant, number) constraint settles two at once."""
    prefix = f"{year}/"
    last = session.scalar(
        select(column)
        .where(column.startswith(prefix, autoescape=True))
        .order_by(func.length(column).desc(), column.desc())
        .limit(1)
    )
    sequence = int(last.split("/")[1]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"
