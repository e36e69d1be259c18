"""Builders for shelter tests: units with places in pools, and placement profiles, written
as plain rows (the pool is platform data), plus the ids of the CIMAC world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from teia.accounts.models import Membership, Role, User
from teia.cases.models import Case
from teia.cases.services import case_managers, open_case
from teia.core.db import db, utcnow
from teia.core.security import hash_password
from teia.core.tenancy import require_tenant_id, tenant_scope
from teia.people.services import PersonData, create_person
from teia.shelter.models import (
    HOLDING_STATUSES,
    RISK_RANK,
    URGENCY_RANK,
    AdmissionSheet,
    Allocation,
    AllocationStatus,
    CarePlan,
    PlacementProfile,
    PlacementRequest,
    PlacePool,
    ProfileStatus,
    ProtectiveBody,
    RequestStatus,
    Risk,
    SexRule,
    ShelterPlace,
    ShelterUnit,
    Stay,
    StayStatus,
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


# --- H5 (indicators): stays written as plain rows, with the dates a test needs --------------


def indicator_stay(
    consortium: int,
    requesting: int,
    shelter: ShelterUnit,
    *,
    manager: int,
    admitted_on: date,
    ended_on: date | None = None,
    anchor: int | None = None,
    outside_territory: bool = False,
    expected_end_on: date | None = None,
    previous: Stay | None = None,
    sheet: dict[str, str] | None = None,
) -> Stay:
    """An admitted (or, with ``ended_on``, discharged) stay of the requesting council in a free
    place of ``shelter``, with its request, profile, allocation and an empty PIA; call it in
    the requesting council's scope. ``sheet`` (health, medication, diet) also writes the host
    council's admission sheet."""
    n = db.session.scalar(select(func.count(PlacementRequest.id))) or 0
    held = select(Allocation.place_id).where(Allocation.status.in_(HOLDING_STATUSES))
    place = db.session.scalar(
        select(ShelterPlace)
        .where(ShelterPlace.unit_id == shelter.id, ShelterPlace.id.not_in(held))
        .order_by(ShelterPlace.id)
        .limit(1)
    )
    assert place is not None, "no free place left in the unit"
    person, _ = create_person(
        db.session, PersonData("Pessoa", f"Acolhida {requesting}-{n}"), actor_id=manager
    )
    case, _ = open_case(
        db.session,
        person=person,
        manager_id=manager,
        opening_reason="Acolhimento",
        areas=["housing"],
        risk_flags=[],
        actor_id=manager,
    )
    placement = profile(
        consortium,
        requesting,
        anchor=anchor,
        outside_territory=outside_territory,
        reference=f"TST {requesting}/{n}",
    )
    placement.status = ProfileStatus.PLACED
    request = PlacementRequest(
        number=f"2099/{n + 1:04d}",
        case_id=case.id,
        person_id=person.id,
        consortium_id=consortium,
        profile_id=placement.id,
        situation="Teste",
        risk=Risk.HIGH,
        urgency=Urgency.DAYS,
        protective_body=ProtectiveBody.NONE,
        outside_territory=outside_territory,
        status=RequestStatus.PLACED,
        requested_by_id=manager,
    )
    allocation = Allocation(
        profile_id=placement.id,
        place_id=place.id,
        unit_id=shelter.id,
        consortium_id=consortium,
        status=AllocationStatus.DISCHARGED if ended_on else AllocationStatus.ADMITTED,
        expires_at=datetime.combine(admitted_on, time()),
        admitted_at=datetime.combine(admitted_on, time(12)),
    )
    db.session.add_all([request, allocation])
    db.session.flush()
    built = Stay(
        request_id=request.id,
        case_id=case.id,
        person_id=person.id,
        allocation_id=allocation.id,
        unit_id=shelter.id,
        modality=shelter.modality,
        admitted_on=admitted_on,
        referral_guide=f"G-{n + 1}",
        technical_referent_id=manager,
        expected_end_on=expected_end_on,
        status=StayStatus.DISCHARGED if ended_on else StayStatus.ACTIVE,
        ended_on=ended_on,
        previous_stay_id=previous.id if previous else None,
    )
    db.session.add(built)
    db.session.flush()
    db.session.add(
        CarePlan(stay_id=built.id, kind="pia", next_review_on=admitted_on + timedelta(days=30))
    )
    db.session.flush()
    if sheet is not None:
        with tenant_scope(shelter.host_tenant_id):
            db.session.add(
                AdmissionSheet(
                    unit_id=shelter.id,
                    allocation_id=allocation.id,
                    given_names=person.given_names,
                    family_names=person.family_names,
                    referent_name="Referência",
                    referent_contact="266 000 000",
                    requesting_council="Teste",
                    referral_guide=built.referral_guide,
                    admitted_on=admitted_on,
                    **sheet,
                )
            )
            db.session.flush()
    return built


# --- H3: requests and admission -------------------------------------------------------------


def offer(
    profile: PlacementProfile,
    built: ShelterUnit,
    *,
    status: AllocationStatus = AllocationStatus.OFFERED,
    hours: int = 24,
    explanation: dict[str, Any] | None = None,
) -> Allocation:
    """An offer of the unit's first place nobody holds, as the desk makes it (with the
    ranking's explanation); ``status=ACCEPTED`` for one the unit already accepted."""
    held = select(Allocation.place_id).where(Allocation.status.in_(HOLDING_STATUSES))
    place = db.session.scalar(
        select(ShelterPlace)
        .where(ShelterPlace.unit_id == built.id, ShelterPlace.id.not_in(held))
        .order_by(ShelterPlace.id)
        .limit(1)
    )
    assert place is not None, "no free place in the unit"
    now = utcnow()
    allocation = Allocation(
        profile_id=profile.id,
        place_id=place.id,
        unit_id=built.id,
        consortium_id=profile.consortium_id,
        status=status,
        offered_at=now,
        expires_at=now + timedelta(hours=hours),
        responded_at=None if status == AllocationStatus.OFFERED else now,
        explanation=explanation
        if explanation is not None
        else {
            "position": 1,
            "candidates": 2,
            "score": 100,
            "tier": "same_council",
            "rules": [{"code": "same_council", "points": 100}],
        },
    )
    profile.status = ProfileStatus.OFFERED
    db.session.add(allocation)
    db.session.flush()
    return allocation


def council_case(
    tenant: int,
    manager_email: str,
    given: str,
    family: str,
    *,
    birth_date: date | None,
    sex: str | None = "F",
) -> Case:
    """A person and an open case for them in ``tenant`` (which must be in scope), managed by
    the council's case manager ``manager_email``."""
    manager = db.session.scalar(select(User.id).where(User.email == manager_email))
    assert manager is not None and require_tenant_id() == tenant
    person, _created = create_person(
        db.session,
        PersonData(given_names=given, family_names=family, birth_date=birth_date, sex=sex),
        actor_id=manager,
    )
    case, _opened = open_case(
        db.session,
        person=person,
        manager_id=manager,
        opening_reason="Situação de perigo sinalizada",
        areas=["family"],
        risk_flags=[],
        actor_id=manager,
    )
    db.session.flush()
    return case


def staff_user(email: str, tenant: int, organization: int, role: Role) -> User:
    """A new user (password ``teia-demo``) holding ``role`` in the council for the organisation."""
    user = User(email=email, name=email.split("@")[0], password_hash=hash_password("teia-demo"))
    user.memberships = [Membership(tenant_id=tenant, organization_id=organization, role=role)]
    db.session.add(user)
    db.session.flush()
    return user


# --- H4 (stays): an active stay as the admission leaves it ----------------------------------


def admitted_stay(
    world: Cimac,
    shelter: ShelterUnit,
    *,
    referent: int,
    admitted_on: date,
    requesting: int | None = None,
    expected_days: int | None = 365,
    previous: Stay | None = None,
) -> Stay:
    """An active stay of ``requesting`` (Mourão unless given; call it in that council's scope)
    in a free place of ``shelter``: request, profile, admitted allocation, an empty PIA/PIF
    due for review 30 days in, and the host council's admission sheet. ``expected_days``:
    the modality's expected duration (``None``: a modality without one). The case is the
    council's first case manager's; ``referent`` follows the stay."""
    built = indicator_stay(
        world.consortium,
        requesting or world.mourao,
        shelter,
        manager=case_managers(db.session)[0].id,
        admitted_on=admitted_on,
        expected_end_on=None if expected_days is None else admitted_on + timedelta(expected_days),
        previous=previous,
        sheet={"health": "Sem problemas conhecidos"},
    )
    built.technical_referent_id = referent
    db.session.flush()
    return built
