"""The shelter catalogues as the code reads them: modalities with their expected stay, publics
with their ages, in the labels of a council's country."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.shelter.models import MODALITIES, PUBLICS
from teia.tenants.models import CatalogEntry
from teia.tenants.schemas import LOCALE_OF


@dataclass(frozen=True)
class Modality:
    code: str
    label: str
    expected_stay_days: int | None  # None: a permanent answer (ERPI), never "prolonged"


@dataclass(frozen=True)
class Public:
    code: str
    label: str
    min_age: int | None
    max_age: int | None

    def admits_age(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )


def _entries(session: Session, catalog: str, country: str | None) -> list[CatalogEntry]:
    rows = session.scalars(
        select(CatalogEntry).where(CatalogEntry.catalog == catalog).order_by(CatalogEntry.id)
    )
    return [e for e in rows if country is None or country in e.countries]


def modalities(session: Session, country: str | None = None) -> dict[str, Modality]:
    """Modalities by code; those of ``country`` only when given, labelled in its language."""
    locale = LOCALE_OF.get(country or "PT", "pt_PT")
    return {
        e.code: Modality(e.code, e.label(locale), e.attributes.get("expected_stay_days"))
        for e in _entries(session, MODALITIES, country)
    }


def publics(session: Session, country: str | None = None) -> dict[str, Public]:
    """Publics by code; those of ``country`` only when given, labelled in its language."""
    locale = LOCALE_OF.get(country or "PT", "pt_PT")
    return {
        e.code: Public(
            e.code, e.label(locale), e.attributes.get("min_age"), e.attributes.get("max_age")
        )
        for e in _entries(session, PUBLICS, country)
    }
