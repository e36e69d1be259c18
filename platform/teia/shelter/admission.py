"""Admission: the person arrives at the unit the desk found and the unit accepted.

In one transaction the requesting council opens the stay (with its technical referent and
follow-up rhythm, linked to the person's earlier stay when this is a re-admission) and the
PIA/PIF from day one, and the host council receives the admission sheet: only what the unit
needs for immediate care (identification, health, medication, diet, school, contacts, the
referent), written in the host council's scope since the unit may be in another council.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.accounts.models import User
from teia.audit.services import audit
from teia.cases.services import professionals
from teia.core.clock import today
from teia.core.tenancy import tenant_scope
from teia.notifications.services import notify
from teia.shelter import catalog
from teia.shelter.access import REQUESTER_ROLES
from teia.shelter.labels import PLAN_KIND
from teia.shelter.lifecycle import ShelterError, mark_admitted, unit_staff_ids
from teia.shelter.models import (
    AdmissionSheet,
    CarePlan,
    PlacementRequest,
    RequestStatus,
    Stay,
    StayStatus,
)
from teia.shelter.requests import accepted_allocation
from teia.tenants.models import Tenant

FIRST_REVIEW_DAYS = 30  # the PIA/PIF is first reviewed a month after admission
FOLLOW_UP_DAYS = range(1, 91)


@dataclass(frozen=True)
class AdmissionInput:
    admitted_on: date
    referral_guide: str
    referent_id: int
    referent_contact: str
    follow_up_every_days: int
    plan_kind: str
    health: str = ""
    medication: str = ""
    diet: str = ""
    school: str = ""
    contacts: str = ""


def referents(session: Session) -> list[User]:
    """Who may be the technical referent: the council's technicians, case managers, admins."""
    return professionals(session, REQUESTER_ROLES)


def previous_stay(session: Session, person_id: int) -> Stay | None:
    """The person's latest ended stay in this council: a new admission re-admits them."""
    return session.scalar(
        select(Stay)
        .where(Stay.person_id == person_id, Stay.status == StayStatus.DISCHARGED)
        .order_by(Stay.ended_on.desc(), Stay.id.desc())
        .limit(1)
    )


def _check(
    session: Session, request: PlacementRequest, data: AdmissionInput, council: Tenant
) -> User:
    if data.admitted_on > today(council.timezone):
        raise ShelterError(_("A data de admissão não pode ser no futuro."), field="admitted_on")
    requested_on = (
        request.created_at.replace(tzinfo=UTC).astimezone(ZoneInfo(council.timezone)).date()
    )
    if data.admitted_on < requested_on:
        raise ShelterError(
            _("A data de admissão não pode ser anterior ao pedido."), field="admitted_on"
        )
    if not data.referral_guide.strip():
        raise ShelterError(_("Indique o n.º da guia de encaminhamento."), field="referral_guide")
    referent = next((u for u in referents(session) if u.id == data.referent_id), None)
    if referent is None:
        raise ShelterError(
            _("A referência técnica tem de ser um/a técnico/a ou gestor/a do município."),
            field="referent",
        )
    if not data.referent_contact.strip():
        raise ShelterError(
            _("Indique como a unidade contacta a referência técnica."), field="referent_contact"
        )
    if data.follow_up_every_days not in FOLLOW_UP_DAYS:
        raise ShelterError(
            _("A periodicidade do acompanhamento vai de 1 a 90 dias."),
            field="follow_up_every_days",
        )
    if data.plan_kind not in PLAN_KIND:
        raise ShelterError(_("Escolha PIA ou PIF."), field="plan_kind")
    return referent


def admit(
    session: Session,
    request: PlacementRequest,
    data: AdmissionInput,
    *,
    council: Tenant,
    actor_id: int,
) -> Stay:
    """Record the admission: the stay, its plan, the host council's sheet; tell the unit."""
    if request.status != RequestStatus.OPEN:
        raise ShelterError(_("Este pedido já não está em fila."))
    allocation = accepted_allocation(session, request)
    if allocation is None:
        raise ShelterError(_("Ainda nenhuma unidade aceitou uma vaga para este pedido."))
    referent = _check(session, request, data, council)
    unit = allocation.unit
    modality = catalog.modalities(session).get(unit.modality)
    expected_days = modality.expected_stay_days if modality else None
    earlier = previous_stay(session, request.person_id)
    stay = Stay(
        request_id=request.id,
        case_id=request.case_id,
        person_id=request.person_id,
        allocation_id=allocation.id,
        unit_id=unit.id,
        modality=unit.modality,
        admitted_on=data.admitted_on,
        referral_guide=data.referral_guide.strip(),
        technical_referent_id=referent.id,
        follow_up_every_days=data.follow_up_every_days,
        expected_end_on=(
            data.admitted_on + timedelta(days=expected_days) if expected_days else None
        ),
        previous_stay_id=earlier.id if earlier else None,
    )
    session.add(stay)
    session.flush()
    session.add(
        CarePlan(
            stay_id=stay.id,
            kind=data.plan_kind,
            next_review_on=data.admitted_on + timedelta(days=FIRST_REVIEW_DAYS),
        )
    )
    mark_admitted(session, allocation, actor_id=actor_id)
    request.status = RequestStatus.PLACED
    audit(
        session,
        "shelter.admitted",
        object_type="shelter_stay",
        object_id=stay.id,
        actor_id=actor_id,
        details={"request": request.id, "allocation": allocation.id, "unit": unit.id},
    )
    person = request.person
    sheet = AdmissionSheet(
        tenant_id=unit.host_tenant_id,
        unit_id=unit.id,
        allocation_id=allocation.id,
        given_names=person.given_names,
        family_names=person.family_names,
        birth_date=person.birth_date,
        sex=person.sex,
        health=data.health.strip(),
        medication=data.medication.strip(),
        diet=data.diet.strip(),
        school=data.school.strip(),
        contacts=data.contacts.strip(),
        referent_name=referent.name,
        referent_contact=data.referent_contact.strip(),
        requesting_council=council.name,
        referral_guide=stay.referral_guide,
        admitted_on=data.admitted_on,
    )
    session.flush()  # nothing of the requesting council may be left to write in the host's
    with tenant_scope(unit.host_tenant_id):
        session.add(sheet)
        session.flush()
        audit(
            session,
            "shelter.admission_sheet.received",
            object_type="shelter_admission_sheet",
            object_id=sheet.id,
            actor_id=actor_id,
            details={"unit": unit.id, "requesting_council": council.id},
        )
        session.flush()
    host = session.get(Tenant, unit.host_tenant_id)
    assert host is not None
    subject = _("Admissão registada na unidade %(unit)s", unit=unit.name)
    body = _(
        "Pedido %(ref)s: chegada a %(day)s. A ficha de admissão está na lista de residentes.",
        ref=allocation.profile.reference,
        day=data.admitted_on.strftime("%d/%m/%Y"),
    )
    for user_id in unit_staff_ids(session, unit):
        notify(
            session,
            user_id=user_id,
            kind="shelter_admission",
            subject=subject,
            body=body,
            link=f"/t/{host.slug}/shelter/units/{unit.id}/residents",
            tenant_id=host.id,
        )
    return stay
