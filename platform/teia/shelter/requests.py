"""Placement requests: what the requesting council asks for and why, and the minimum profile
that crosses the council border to the consortium's regulation desk.

The request (tenant-owned) keeps the reasons: the need checklist, the situation, the
protective measure. The profile (a pool row) carries only what the desk needs to find an
adequate place: age, sex, public, modalities, needs, fixed-code constraints, risk, urgency,
the safety flag, the anchor council and a reference with no name, no address, no case number.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from teia.accounts.models import User
from teia.audit.services import audit
from teia.cases.models import Case, CaseStatus
from teia.core.clock import today
from teia.core.numbering import next_yearly_number
from teia.notifications.services import notify
from teia.people.models import HouseholdMember, Person
from teia.shelter import catalog
from teia.shelter.labels import CONSTRAINTS, INDICATORS, ISOLATED_FACTORS, RISK, URGENCY
from teia.shelter.lifecycle import ShelterError, cancel_profile, desk_ids, log_event, tell_unit
from teia.shelter.models import (
    RISK_RANK,
    URGENCY_RANK,
    Allocation,
    AllocationEvent,
    AllocationStatus,
    PlacementProfile,
    PlacementRequest,
    ProtectiveBody,
    RequestStatus,
    Risk,
    ShelterDecision,
    ShelterUnit,
    Stay,
    Urgency,
)
from teia.tenants.models import Consortium, Tenant

ADULT_AGE = 18
PAGE_SIZE = 50
QUICK_REQUEST = "request"  # the outcome of a quick decision that goes on to a request


def age_on(birth: date, day: date) -> int:
    """Age in whole years on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def council_code(tenant: Tenant) -> str:
    """The council's short code in a profile's reference ("MOU" for Mourão)."""
    return tenant.slug.replace("-", "")[:3].upper()


def desk_link(consortium: Consortium, profile_id: int) -> str:
    return f"/c/{consortium.slug}/shelter/requests/{profile_id}"


@dataclass(frozen=True)
class RequestInput:
    """A placement request as the form gives it (codes and ids, already typed)."""

    person_id: int
    consortium_id: int
    public: str
    risk: str
    urgency: str
    situation: str
    protective_body: str
    anchor_tenant_id: int
    modalities: tuple[str, ...] = ()
    needs_accessibility: bool = False
    needs_intensive_care: bool = False
    constraints: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    isolated_factors: tuple[str, ...] = ()
    isolated_confirmed: bool = False
    protective_measure: str = ""
    protective_reference: str = ""
    outside_territory: bool = False
    safety_reason: str = ""
    submission_key: str | None = None
    decision_id: int | None = None


def request_people(session: Session, case: Case) -> list[Person]:
    """Whom a request from this case can be for: the case's person and the household's
    current members, the case's person first."""
    members = select(HouseholdMember.person_id).where(
        HouseholdMember.household_id == case.household_id, HouseholdMember.left_on.is_(None)
    )
    people = session.scalars(
        select(Person)
        .where(
            (Person.id == case.person_id) | Person.id.in_(members),
            Person.merged_into_id.is_(None),
        )
        .order_by(Person.given_names, Person.id)
    )
    return sorted(people, key=lambda p: p.id != case.person_id)


def _unknown(codes: tuple[str, ...], known: Container[object]) -> list[str]:
    return [c for c in codes if c not in known]


def _check(
    session: Session, case: Case, data: RequestInput, council: Tenant, day: date
) -> tuple[Person, int, Consortium, catalog.Public]:
    """Every refusal of a request, with the field at fault; gives the person, their age, the
    consortium and the public."""
    if case.status != CaseStatus.OPEN or case.anonymised_at is not None:
        raise ShelterError(_("Só se pede vaga a partir de um processo aberto."))
    person = next((p for p in request_people(session, case) if p.id == data.person_id), None)
    if person is None:
        raise ShelterError(_("Escolha uma pessoa do agregado deste processo."), field="person")
    if person.birth_date is None:
        raise ShelterError(
            _(
                "Registe a data de nascimento na ficha da pessoa: a vaga depende da idade, "
                "que segue com o pedido."
            ),
            field="person",
        )
    age = age_on(person.birth_date, day)
    consortium = session.get(Consortium, data.consortium_id)
    if consortium is None or council.id not in {m.id for m in consortium.members}:
        raise ShelterError(
            _("Escolha um consórcio de que o município faz parte."), field="consortium"
        )
    public = catalog.publics(session, council.country).get(data.public)
    if public is None:
        raise ShelterError(_("Escolha o público da vaga."), field="public")
    if not public.admits_age(age):
        raise ShelterError(
            _(
                "O público «%(public)s» não admite a idade da pessoa (%(age)s anos).",
                public=public.label,
                age=age,
            ),
            field="public",
        )
    if _unknown(data.modalities, catalog.modalities(session, council.country)):
        raise ShelterError(_("Modalidade desconhecida."), field="modalities")
    if _unknown(data.constraints, CONSTRAINTS):
        raise ShelterError(_("Condição desconhecida."), field="constraints")
    if _unknown(data.indicators, INDICATORS):
        raise ShelterError(_("Indicador desconhecido."), field="indicators")
    if _unknown(data.isolated_factors, ISOLATED_FACTORS):
        raise ShelterError(_("Fator desconhecido."), field="isolated_factors")
    if not data.indicators:
        if not data.isolated_factors:
            raise ShelterError(
                _("Assinale pelo menos um indicador de necessidade de acolhimento."),
                field="indicators",
            )
        if not data.isolated_confirmed:
            raise ShelterError(
                _(
                    "Só assinalou fatores que, sozinhos, não justificam um acolhimento. "
                    "Avalie o risco e as alternativas no território; para pedir mesmo assim, "
                    "confirme e explique-o na descrição da situação."
                ),
                field="isolated_confirmed",
            )
    if data.risk not in RISK:
        raise ShelterError(_("Escolha o nível de risco."), field="risk")
    if data.urgency not in URGENCY:
        raise ShelterError(_("Escolha a urgência."), field="urgency")
    if not data.situation.strip():
        raise ShelterError(
            _("Descreva a situação: onde está a pessoa, o risco, as referências familiares."),
            field="situation",
        )
    if data.protective_body not in set(ProtectiveBody):
        raise ShelterError(_("Escolha o órgão de proteção envolvido."), field="protective_body")
    if age < ADULT_AGE and data.protective_body == ProtectiveBody.NONE:
        raise ShelterError(
            _(
                "Para uma criança ou jovem, acione a CPCJ / o Conselho Tutelar (ou o tribunal) "
                "e indique o órgão de proteção envolvido."
            ),
            field="protective_body",
        )
    if data.outside_territory and not data.safety_reason.strip():
        raise ShelterError(
            _("Indique o motivo de segurança que exige uma vaga fora do território."),
            field="safety_reason",
        )
    if data.anchor_tenant_id not in {m.id for m in consortium.members}:
        raise ShelterError(
            _("O concelho de referência tem de ser um município do consórcio."), field="anchor"
        )
    return person, age, consortium, public


def open_decision(session: Session, case_id: int, decision_id: int) -> ShelterDecision | None:
    """A quick decision of the case that led to a request not yet made."""
    decision = session.get(ShelterDecision, decision_id)
    if (
        decision is None
        or decision.case_id != case_id
        or decision.outcome != QUICK_REQUEST
        or decision.request_id is not None
    ):
        return None
    return decision


def _decision(session: Session, case: Case, decision_id: int | None) -> ShelterDecision | None:
    if decision_id is None:
        return None
    decision = open_decision(session, case.id, decision_id)
    if decision is None:
        raise ShelterError(_("A decisão rápida indicada não pertence a este pedido."))
    return decision


def create_request(
    session: Session, case: Case, data: RequestInput, *, council: Tenant, actor_id: int
) -> tuple[PlacementRequest, bool]:
    """Register the request and put its profile in the consortium's queue.

    ``(request, False)`` when this submission had already made it.
    """
    if data.submission_key:
        earlier = _by_submission(session, data.submission_key)
        if earlier is not None:
            return earlier, False
    day = today()
    person, age, consortium, public = _check(session, case, data, council, day)
    decision = _decision(session, case, data.decision_id)
    number = next_yearly_number(session, PlacementRequest.number, day.year)
    risk, urgency = Risk(data.risk), Urgency(data.urgency)
    profile = PlacementProfile(
        consortium_id=consortium.id,
        requesting_tenant_id=council.id,
        anchor_tenant_id=data.anchor_tenant_id,
        reference=f"{council_code(council)} {number}",
        age=age,
        sex=person.sex or "X",
        public=data.public,
        modalities=list(dict.fromkeys(data.modalities)),
        needs_accessibility=data.needs_accessibility,
        needs_intensive_care=data.needs_intensive_care,
        outside_territory=data.outside_territory,
        constraints=list(dict.fromkeys(data.constraints)),
        risk=risk,
        risk_rank=RISK_RANK[risk],
        urgency=urgency,
        urgency_rank=URGENCY_RANK[urgency],
    )
    request = PlacementRequest(
        number=number,
        case_id=case.id,
        person_id=person.id,
        consortium_id=consortium.id,
        indicators=list(dict.fromkeys(data.indicators)),
        isolated_factors=list(dict.fromkeys(data.isolated_factors)),
        situation=data.situation.strip(),
        risk=risk,
        urgency=urgency,
        protective_measure=data.protective_measure.strip() or None,
        protective_body=ProtectiveBody(data.protective_body),
        protective_reference=data.protective_reference.strip() or None,
        outside_territory=data.outside_territory,
        safety_reason=(data.safety_reason.strip() or None) if data.outside_territory else None,
        requested_by_id=actor_id,
        submission_key=data.submission_key,
    )
    try:
        with session.begin_nested():
            session.add(profile)
            session.flush()
            request.profile_id = profile.id
            session.add(request)
            session.flush()
    except IntegrityError:
        earlier = _by_submission(session, data.submission_key) if data.submission_key else None
        if earlier is not None:
            return earlier, False
        raise ShelterError(_("Outro pedido foi registado neste instante; tente de novo.")) from None
    if decision is not None:
        decision.request_id = request.id
    log_event(session, profile, "queued", actor_id=actor_id)
    subject = _("Novo pedido de vaga na fila: %(ref)s", ref=profile.reference)
    body = f"{RISK[risk]} · {URGENCY[urgency]} · {public.label}"
    for user_id in desk_ids(session, consortium.id):
        notify(
            session,
            user_id=user_id,
            kind="shelter_desk",
            subject=subject,
            body=body,
            link=desk_link(consortium, profile.id),
        )
    audit(
        session,
        "shelter.request.created",
        object_type="placement_request",
        object_id=request.id,
        actor_id=actor_id,
        details={"case": case.id, "profile": profile.id, "decision": data.decision_id},
    )
    session.flush()
    return request, True


def _by_submission(session: Session, key: str) -> PlacementRequest | None:
    return session.scalar(select(PlacementRequest).where(PlacementRequest.submission_key == key))


def cancel_request(
    session: Session, request: PlacementRequest, *, actor_id: int, reason: str
) -> None:
    """Withdraw the request from the queue; a place held for it returns to the pool."""
    reason = reason.strip()
    if not reason:
        raise ShelterError(_("Indique o motivo do cancelamento."), field="reason")
    if request.status != RequestStatus.OPEN:
        raise ShelterError(_("Este pedido já não está em fila."))
    profile = request.profile
    held = _holding(session, profile.id, (AllocationStatus.OFFERED, AllocationStatus.ACCEPTED))
    cancel_profile(session, profile, actor_id=actor_id, reason=reason)
    request.status = RequestStatus.CANCELLED
    request.status_reason = reason
    session.flush()
    subject = _("Pedido de vaga cancelado: %(ref)s", ref=profile.reference)
    if held is not None:
        tell_unit(session, held, subject, _("A vaga reservada voltou ao conjunto."))
    consortium = session.get(Consortium, profile.consortium_id)
    assert consortium is not None
    for user_id in desk_ids(session, consortium.id):
        notify(
            session,
            user_id=user_id,
            kind="shelter_desk",
            subject=subject,
            body=reason,
            link=desk_link(consortium, profile.id),
        )
    audit(
        session,
        "shelter.request.cancelled",
        object_type="placement_request",
        object_id=request.id,
        actor_id=actor_id,
        details={"allocation": held.id if held else None},
    )


def _holding(
    session: Session, profile_id: int, statuses: tuple[AllocationStatus, ...]
) -> Allocation | None:
    return session.scalar(
        select(Allocation)
        .options(joinedload(Allocation.unit), joinedload(Allocation.place))
        .where(Allocation.profile_id == profile_id, Allocation.status.in_(statuses))
    )


def accepted_allocation(session: Session, request: PlacementRequest) -> Allocation | None:
    """The place the unit accepted for this request, waiting for the admission."""
    if request.status != RequestStatus.OPEN:
        return None
    return _holding(session, request.profile_id, (AllocationStatus.ACCEPTED,))


# --- reading -------------------------------------------------------------------------------


def load_request(session: Session, request_id: int) -> PlacementRequest | None:
    """A request of the council in scope with its person, case and profile (one query)."""
    return session.get(
        PlacementRequest,
        request_id,
        options=[
            joinedload(PlacementRequest.person),
            joinedload(PlacementRequest.case),
            joinedload(PlacementRequest.profile).joinedload(PlacementProfile.anchor_tenant),
            joinedload(PlacementRequest.requested_by).load_only(User.name),
        ],
    )


@dataclass(frozen=True)
class RequestFilters:
    status: str | None = None
    case_id: int | None = None
    page: int = 1


def request_list(session: Session, filters: RequestFilters) -> tuple[list[PlacementRequest], int]:
    """One page of the council's requests, newest first, and the total."""
    stmt = select(PlacementRequest)
    if filters.status:
        stmt = stmt.where(PlacementRequest.status == filters.status)
    if filters.case_id:
        stmt = stmt.where(PlacementRequest.case_id == filters.case_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.options(
            joinedload(PlacementRequest.person).load_only(Person.given_names, Person.family_names),
            joinedload(PlacementRequest.case).load_only(Case.number),
            joinedload(PlacementRequest.profile).load_only(
                PlacementProfile.status, PlacementProfile.reference
            ),
        )
        .order_by(PlacementRequest.created_at.desc(), PlacementRequest.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(filters.page, 1) - 1) * PAGE_SIZE)
    )
    return list(rows), total


def offers(session: Session, profile_id: int) -> list[Allocation]:
    """Every place offered for the profile, newest first, with its unit and host council."""
    return list(
        session.scalars(
            select(Allocation)
            .options(
                joinedload(Allocation.unit)
                .load_only(ShelterUnit.name, ShelterUnit.host_tenant_id, ShelterUnit.modality)
                .joinedload(ShelterUnit.host_tenant)
                .load_only(Tenant.name)
            )
            .where(Allocation.profile_id == profile_id)
            .order_by(Allocation.offered_at.desc(), Allocation.id.desc())
        )
    )


def desk_log(session: Session, profile_id: int) -> list[AllocationEvent]:
    """The desk's log entries for the profile, oldest first."""
    return list(
        session.scalars(
            select(AllocationEvent)
            .options(joinedload(AllocationEvent.actor).load_only(User.name))
            .where(AllocationEvent.profile_id == profile_id)
            .order_by(AllocationEvent.id)
        )
    )


def stay_of(session: Session, request_id: int) -> Stay | None:
    return session.scalar(select(Stay).where(Stay.request_id == request_id))
