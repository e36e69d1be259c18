"""Builders for shelter tests: units with places in pools, and placement profiles, written
as plain rows (the pool is platform data), plus the ids of the CIMAC world."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from teia.core.db import db
from teia.shelter.models import (
    RISK_RANK,
    URGENCY_RANK,
    PlacementProfile,
    PlacePool,
    Risk,
    SexRule,
    ShelterPlace,
    ShelterUnit,
    Urgency,
)
from teia.tenants.models import Consortium, Organization, Tenant


@dataclass(frozen=True)
class Cimac:
    """CIMAC and its three councils: Mourão borders Reguengos, Reguengos borders Portel."""

    consortium: int
    mourao: int
    reguengos: int
    portel: int
    operator: int  # acolher-alentejo, the shelter operator working in all three

    @classmethod
    def load(cls) -> Cimac:
        def tenant(slug: str) -> int:
            found = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
            assert found is not None
            return found

        consortium = db.session.scalar(select(Consortium.id).where(Consortium.slug == "cimac"))
        operator = db.session.scalar(
            select(Organization.id).where(Organization.slug == "acolher-alentejo")
        )
        assert consortium is not None and operator is not None
        return cls(
            consortium=consortium,
            mourao=tenant("mourao"),
            reguengos=tenant("reguengos-de-monsaraz"),
            portel=tenant("portel"),
            operator=operator,
        )


def unit(
    host: int,
    operator: int,
    *,
    name: str = "Casa de Acolhimento",
    modality: str = "residential_care_children",
    places: dict[str, int] | None = None,
    pools: tuple[int, ...] = (),
    reserved_for: int | None = None,
    sex_rule: SexRule = SexRule.ANY,
    accessible: bool = False,
    intensive_care: bool = False,
) -> ShelterUnit:
    """A unit with ``places`` ({public: count}) offered to each consortium in ``pools``."""
    built = ShelterUnit(
        name=name,
        host_tenant_id=host,
        operator_id=operator,
        modality=modality,
        sex_rule=sex_rule,
        accessible=accessible,
        intensive_care=intensive_care,
    )
    for public, count in (places or {"adolescents": 2}).items():
        for n in range(count):
            place = ShelterPlace(label=f"{public} {n + 1}", public=public)
            place.pools = [
                PlacePool(consortium_id=c, reserved_for_tenant_id=reserved_for) for c in pools
            ]
            built.places.append(place)
    db.session.add(built)
    db.session.flush()
    return built


def profile(
    consortium: int,
    requesting: int,
    *,
    anchor: int | None = None,
    age: int = 15,
    sex: str = "F",
    public: str = "adolescents",
    risk: Risk = Risk.HIGH,
    urgency: Urgency = Urgency.DAYS,
    outside_territory: bool = False,
    needs_accessibility: bool = False,
    needs_intensive_care: bool = False,
    reference: str = "TST 2026/0001",
) -> PlacementProfile:
    """A placement profile in the consortium's queue (as a request would project it)."""
    built = PlacementProfile(
        consortium_id=consortium,
        requesting_tenant_id=requesting,
        anchor_tenant_id=anchor or requesting,
        reference=reference,
        age=age,
        sex=sex,
        public=public,
        risk=risk,
        risk_rank=RISK_RANK[risk],
        urgency=urgency,
        urgency_rank=URGENCY_RANK[urgency],
        outside_territory=outside_territory,
        needs_accessibility=needs_accessibility,
        needs_intensive_care=needs_intensive_care,
    )
    db.session.add(built)
    db.session.flush()
    return built
