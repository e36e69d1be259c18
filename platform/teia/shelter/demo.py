"""Demo data of CIMAC's shelter pool: five units in the three councils, two Mourão cases ready
for the seed's two examples, and the history of two earlier Mourão placements.

Everything goes through the services the pages call (units and places, requests, the desk's
offer, the unit's answer, admission, the PIA/PIF, contacts, blockers, discharge and
follow-up), so statuses, occupancy, the desk's log and the reminders are real. Only the
history's timestamps are moved back afterwards, to the days the earlier placements happened,
and the notifications its steps sent (months-old news) are removed unsent. Idempotent:
nothing is done when the first unit exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from teia.accounts.models import Role, User
from teia.cases.models import Case
from teia.cases.services import open_case, professionals
from teia.core.clock import today
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Notification
from teia.people.services import PersonData, create_person
from teia.shelter import admission, allocation, discharge, requests, stays, units
from teia.shelter.models import (
    Allocation,
    AllocationEvent,
    PlacementRequest,
    SexRule,
    ShelterPlace,
    ShelterUnit,
    Stay,
)
from teia.tenants.models import Consortium, Organization, Tenant
from teia.tenants.services import council_organization_slug

OPERATOR = "acolher-alentejo"
PREFIX = {
    "children_6_11": "Crianças",
    "adolescents": "Jovens",
    "violence_victims": "Quarto",
    "adults": "Adultos",
    "street_homeless": "Pernoita",
}


@dataclass(frozen=True)
class UnitSpec:
    host: str
    name: str
    modality: str
    places: tuple[tuple[str, int], ...]
    parish: str
    phone: str
    operator: str | None = OPERATOR  # None: the council's own organisation
    sex_rule: SexRule = SexRule.ANY
    accessible: bool = False


MOURAO_HOME = "Casa de Acolhimento Nossa Senhora das Candeias"
REGUENGOS_HOME = "Lar de Infância e Juventude de Reguengos"
PORTEL_HOME = "Casa de Acolhimento de Portel"
UNITS = (
    UnitSpec(
        "mourao",
        MOURAO_HOME,
        "residential_care_children",
        (("children_6_11", 3), ("adolescents", 3)),
        "Mourão",
        "266 586 100",
    ),
    UnitSpec(
        "reguengos-de-monsaraz",
        REGUENGOS_HOME,
        "residential_care_children",
        (("adolescents", 3), ("children_6_11", 2)),
        "Reguengos de Monsaraz",
        "266 508 200",
    ),
    UnitSpec(
        "reguengos-de-monsaraz",
        "Casa Abrigo do Alentejo Central",
        "domestic_violence_shelter",
        (("violence_victims", 6),),
        "Reguengos de Monsaraz",
        "266 508 300",
        operator=None,
        sex_rule=SexRule.FEMALE,
    ),
    UnitSpec(
        "portel",
        PORTEL_HOME,
        "residential_care_children",
        (("adolescents", 4), ("children_6_11", 2)),
        "Portel",
        "266 619 100",
        accessible=True,
    ),
    UnitSpec(
        "portel",
        "Alojamento de Emergência Social de Portel",
        "emergency_lodging",
        (("adults", 4), ("street_homeless", 2)),
        "Portel",
        "266 619 200",
        operator=None,
    ),
)
BLOCKED = (MOURAO_HOME, "Jovens 3")
BLOCKED_REASON = "Infiltração no teto do quarto: obras de reparação até ao fim do mês."
QUOTA = (PORTEL_HOME, "Jovens 4")  # reserved for Portel in CIMAC's pool

# The seed's two examples (no request yet: the walk-through makes them).
BEATRIZ = ("Beatriz", "Cordeiro Valadas")
TIAGO = ("Tiago", "Serrano Barradas")
BEATRIZ_REASON = (
    "Jovem de 15 anos ameaçada por um grupo criminoso depois de ter testemunhado uma agressão "
    "no bairro; a família recebeu ameaças em casa. CPCJ de Mourão sinalizou a situação."
)
TIAGO_REASON = (
    "Negligência grave: criança de 8 anos deixada sozinha em casa vários dias, sem alimentação "
    "nem cuidados de higiene, sinalizada pela escola (EB de Mourão). Mãe internada, sem "
    "retaguarda familiar imediata."
)
COURT = "Tribunal de Família e Menores de Évora"


@dataclass(frozen=True)
class World:
    tenants: dict[str, Tenant]
    cimac: Consortium
    users: dict[str, int]  # e-mail: id
    organizations: dict[str, int]  # slug: id

    @classmethod
    def load(cls, session: Session) -> World:
        cimac = session.scalar(select(Consortium).where(Consortium.slug == "cimac"))
        assert cimac is not None
        return cls(
            tenants={t.slug: t for t in session.scalars(select(Tenant))},
            cimac=cimac,
            users={email: id_ for email, id_ in session.execute(select(User.email, User.id))},
            organizations={
                slug: id_
                for slug, id_ in session.execute(select(Organization.slug, Organization.id))
            },
        )

    @property
    def mourao(self) -> Tenant:
        return self.tenants["mourao"]

    @property
    def manager(self) -> int:
        return self.users["gestora@mourao.demo"]

    @property
    def technician(self) -> int:
        return self.users["tecnica@mourao.demo"]

    @property
    def desk(self) -> int:
        return self.users["coordenacao@cimac.demo"]

    def unit_staff(self, host: Tenant) -> int:
        return self.users[f"acolhimento@{host.slug}.demo"]


def load_shelter_demo(session: Session) -> None:
    """Create the pool, the two example cases and the history; nothing if already there."""
    if session.scalar(select(ShelterUnit.id).where(ShelterUnit.name == MOURAO_HOME)):
        return
    world = World.load(session)
    built = _units(session, world)
    on = today()
    _mourao_case(
        session, world, BEATRIZ, _born(on, 15, 130), "F", BEATRIZ_REASON, ["justice", "family"]
    )
    _mourao_case(
        session,
        world,
        TIAGO,
        _born(on, 8, 200),
        "M",
        TIAGO_REASON,
        ["family", "education", "health"],
    )
    _prolonged_stay(session, world, built[REGUENGOS_HOME], on)
    _discharged_stay(session, world, built[MOURAO_HOME], on)
    session.flush()


def _born(on: date, years: int, days_since_birthday: int) -> date:
    """A birth date making someone ``years`` old on ``on``."""
    anniversary = date(on.year - years, on.month, 28 if (on.month, on.day) == (2, 29) else on.day)
    return anniversary - timedelta(days=days_since_birthday)


# --- the pool ------------------------------------------------------------------------------


def _units(session: Session, world: World) -> dict[str, ShelterUnit]:
    pool = [units.PoolChoice(world.cimac.id)]
    built: dict[str, ShelterUnit] = {}
    places: dict[tuple[str, str], ShelterPlace] = {}
    for spec in UNITS:
        host = world.tenants[spec.host]
        operator = spec.operator or council_organization_slug(spec.host)
        with tenant_scope(host.id):
            unit = units.create_unit(
                session,
                host,
                units.UnitInput(
                    name=spec.name,
                    operator_id=world.organizations[operator],
                    modality=spec.modality,
                    sex_rule=spec.sex_rule.value,
                    accessible=spec.accessible,
                    intensive_care=False,
                    parish=spec.parish,
                    phone=spec.phone,
                ),
            )
            for public, count in spec.places:
                for place in units.add_places(
                    session,
                    host,
                    unit,
                    public=public,
                    count=count,
                    prefix=PREFIX[public],
                    pools=pool,
                ):
                    places[spec.name, place.label] = place
            session.flush()  # the audit events belong to this council: written in its scope
        built[spec.name] = unit
    mourao_admin = world.users["coordenacao@mourao.demo"]
    with tenant_scope(world.mourao.id):
        units.block_place(session, places[BLOCKED], reason=BLOCKED_REASON, actor_id=mourao_admin)
        session.flush()
    portel = world.tenants["portel"]
    with tenant_scope(portel.id):
        units.set_pools(
            session,
            portel,
            built[PORTEL_HOME],
            [places[QUOTA]],
            [units.PoolChoice(world.cimac.id, reserved_for=portel.id)],
        )
        session.flush()
    return built


# --- cases -----------------------------------------------------------------------------------


def _mourao_case(
    session: Session,
    world: World,
    name: tuple[str, str],
    born: date,
    sex: str,
    reason: str,
    areas: list[str],
    opened_on: date | None = None,
) -> Case:
    """A person and an open Mourão case managed by the demo case manager."""
    with tenant_scope(world.mourao.id):
        person, _created = create_person(
            session,
            PersonData(given_names=name[0], family_names=name[1], birth_date=born, sex=sex),
            actor_id=world.manager,
        )
        case, _opened = open_case(
            session,
            person=person,
            manager_id=world.manager,
            opening_reason=reason,
            areas=areas,
            risk_flags=["child_at_risk"],
            actor_id=world.manager,
        )
        if opened_on is not None:
            case.opened_on = opened_on
        session.flush()
    return case


@dataclass(frozen=True)
class Past:
    """When an earlier placement happened (the services ran today; the dates are moved)."""

    requested_on: date
    admitted_on: date


def _place(
    session: Session,
    world: World,
    case: Case,
    data: requests.RequestInput,
    unit: ShelterUnit,
    admitted: admission.AdmissionInput,
) -> Stay:
    """Request, the desk's offer, the unit's acceptance and the admission, as on the pages."""
    mourao = world.mourao
    with _as_history(session), tenant_scope(mourao.id):
        request, _created = requests.create_request(
            session, case, data, council=mourao, actor_id=world.manager
        )
        # The admission may not be dated before the request: move it back now, the rest after.
        request.created_at = datetime.combine(admitted.admitted_on, time(9))
        session.flush()
        profile = request.profile
    with _as_history(session):
        offered = allocation.offer(session, profile, unit.id, actor_id=world.desk, hold_hours=24)
        session.flush()  # the desk's audit event is the platform's
    host = unit.host_tenant
    with _as_history(session), tenant_scope(host.id):
        units.answer_offer(
            session, offered, accept=True, reason=None, actor_id=world.unit_staff(host)
        )
        session.flush()
    with _as_history(session), tenant_scope(mourao.id):
        stay = admission.admit(session, request, admitted, council=mourao, actor_id=world.manager)
        session.flush()
    return stay


@contextmanager
def _as_history(session: Session) -> Iterator[None]:
    """A step of the history, which happened months ago: the notifications it sends would be
    stale news in the bell and the mailbox, so they are removed, with the e-mails
    ``core.db.after_commit`` queued for them."""
    last = session.scalar(select(func.max(Notification.id))) or 0
    queue = session.info.setdefault("after_commit", [])
    before = len(queue)
    yield
    current = session.info.get("after_commit", [])
    del current[before if current is queue else 0 :]
    session.execute(
        delete(Notification)
        .where(Notification.id > last)
        .execution_options(synchronize_session=False)
    )


def _backdate(session: Session, stay: Stay, past: Past, ended_on: date | None = None) -> None:
    """Move the placement's timestamps (request, profile, offer, log) to when it happened."""
    requested = datetime.combine(past.requested_on, time(10))
    offered_at = requested + timedelta(hours=3)
    answered = offered_at + timedelta(hours=2)
    admitted = datetime.combine(past.admitted_on, time(15))
    ended = datetime.combine(ended_on, time(11)) if ended_on else None
    request = session.get(PlacementRequest, stay.request_id)
    assert request is not None
    request.created_at = requested
    held = session.get(Allocation, stay.allocation_id)
    assert held is not None
    profile = held.profile
    profile.requested_at = requested
    profile.closed_at = admitted
    held.offered_at, held.expires_at = offered_at, offered_at + timedelta(hours=24)
    held.responded_at, held.admitted_at, held.discharged_at = answered, admitted, ended
    when = {
        "queued": requested,
        "offered": offered_at,
        "accepted": answered,
        "admitted": admitted,
        "discharged": ended,
    }
    for event in session.scalars(
        select(AllocationEvent).where(AllocationEvent.profile_id == profile.id)
    ):
        event.at = when.get(event.action) or event.at
    session.flush()


def _team(session: Session) -> set[int]:
    """The council's professionals (in scope): who may follow a blocker."""
    return {u.id for u in professionals(session, [Role.TECHNICIAN, Role.CASE_MANAGER])}


# --- a prolonged stay ------------------------------------------------------------------------


def _prolonged_stay(session: Session, world: World, unit: ShelterUnit, on: date) -> None:
    """Rodrigo, admitted about 14 months ago in the Reguengos home (where his school and his
    grandmother are): past the modality's year, two reviews without change, no family
    contact in the last month, a court decision and documents pending."""
    past = Past(requested_on=on - timedelta(days=428), admitted_on=on - timedelta(days=426))
    case = _mourao_case(
        session,
        world,
        ("Rodrigo", "Fialho Bentes"),
        _born(on, 14, 90),
        "M",
        "Violência doméstica do pai sobre a mãe e o filho; a mãe saiu de casa sem o filho. "
        "Avó materna em Reguengos de Monsaraz, onde o jovem estuda.",
        ["family", "justice"],
        opened_on=past.requested_on - timedelta(days=20),
    )
    reguengos = world.tenants["reguengos-de-monsaraz"]
    data = requests.RequestInput(
        person_id=case.person_id,
        consortium_id=world.cimac.id,
        public="adolescents",
        risk="high",
        urgency="days",
        situation=(
            "Jovem de 13 anos em casa do pai, agressor; a mãe está numa casa abrigo. A avó "
            "materna (Reguengos de Monsaraz) não pode acolhê-lo de imediato."
        ),
        protective_body="cpcj",
        anchor_tenant_id=reguengos.id,
        indicators=("imminent_risk", "protective_measure"),
        protective_measure="Acolhimento residencial (art. 35.º, n.º 1, f) da LPCJP).",
        protective_reference="PPP 112/24 — CPCJ de Mourão",
    )
    stay = _place(
        session,
        world,
        case,
        data,
        unit,
        admission.AdmissionInput(
            admitted_on=past.admitted_on,
            referral_guide=f"GE-MOU-{past.admitted_on.year}-014",
            referent_id=world.technician,
            referent_contact="tecnica@mourao.demo · 266 560 010",
            follow_up_every_days=15,
            plan_kind="pia",
            health="Asma ligeira.",
            medication="Salbutamol inalador, em SOS.",
            diet="Sem restrições.",
            school="EB 2,3 de Reguengos de Monsaraz, 8.º ano (transporte escolar).",
            contacts="Avó materna pode contactar e visitar. O pai não pode (medida de proteção).",
        ),
    )
    with tenant_scope(world.mourao.id):
        _backdate(session, stay, past)
        loaded = stays.load_stay(session, stay.id)
        assert loaded is not None
        _prolonged_plan(session, world, loaded, past, on)


def _prolonged_plan(session: Session, world: World, stay: Stay, past: Past, on: date) -> None:
    referent = world.technician
    stays.update_plan(
        session,
        stay,
        stays.PlanInput(
            kind="pia",
            diagnosis=(
                "Exposição prolongada a violência doméstica; bom desempenho escolar; vínculo "
                "forte com a avó materna, que tem 68 anos e vive só."
            ),
            main_goal="extended_family",
            main_goal_detail="Confiança à avó materna, em Reguengos de Monsaraz, com apoio.",
            contact_plan=(
                "Visitas quinzenais da avó na casa de acolhimento; telefonemas semanais; "
                "saídas de fim de semana depois da decisão do tribunal."
            ),
            review_criteria="Frequência escolar, visitas cumpridas, avaliação da avó.",
            review_every_days=90,
            next_review_on=past.admitted_on + timedelta(days=30),
        ),
        actor_id=referent,
    )
    goals = [
        ("short", "Renovar o cartão de cidadão e o número de utente", "team", None, 60),
        ("short", "Manter a frequência escolar na EB 2,3 de Reguengos", "school", None, 45),
        ("medium", "Avaliar as condições da avó materna para o acolher", "team", None, 180),
        ("medium", "Decisão sobre a confiança à avó materna", "court", COURT, 400),
    ]
    for term, description, responsible, detail, days in goals:
        goal = stays.add_goal(
            session,
            stay,
            term=term,
            description=description,
            responsible=responsible,
            responsible_detail=detail,
            due_on=past.admitted_on + timedelta(days=days),
        )
        if responsible == "school":
            stays.update_goal(session, stay, goal, status="done", due_on=goal.due_on)
            goal.done_on = goal.due_on
    for days_ago in (130, 40):
        stays.record_review(
            session,
            stay,
            reviewed_on=on - timedelta(days=days_ago),
            progress="none",
            summary="Sem alteração: aguarda-se a decisão do tribunal; o plano mantém-se.",
            plan_changed=False,
            actor_id=referent,
        )
    assert stay.plan is not None
    stay.plan.updated_at = datetime.combine(on - timedelta(days=40), time(12))
    contacts = [
        (52, "family_visit", "Avó materna", True, "Visita na casa de acolhimento, correu bem."),
        (38, "family_call", "Avó materna", False, "Telefonema; a avó esteve doente."),
        (12, "heard", None, False, "Quer viver com a avó e continuar na mesma escola."),
        (6, "community", "Diretora de turma", False, "Notas positivas; sem faltas."),
    ]
    for days_ago, kind, whom, supervised, notes in contacts:
        stays.add_contact(
            session,
            stay,
            occurred_on=on - timedelta(days=days_ago),
            kind=kind,
            with_whom=whom,
            supervised=supervised,
            notes=notes,
            actor_id=referent,
        )
    team = _team(session)
    blockers = [
        (
            150,
            "court_decision",
            "Decisão sobre a confiança à avó materna (processo de promoção e proteção).",
            COURT,
            None,
            on - timedelta(days=20),
        ),
        (
            90,
            "documents",
            "Cartão de cidadão caducado e número de utente por transferir.",
            "Equipa técnica (SAAS Mourão)",
            referent,
            on + timedelta(days=10),
        ),
    ]
    for days_ago, kind, description, owner, owner_user_id, due_on in blockers:
        blocker = stays.add_blocker(
            session,
            stay,
            kind=kind,
            description=description,
            owner=owner,
            owner_user_id=owner_user_id,
            due_on=due_on,
            allowed_user_ids=team,
        )
        blocker.created_at = datetime.combine(on - timedelta(days=days_ago), time(11))
    session.flush()


# --- a protected discharge -------------------------------------------------------------------


def _discharged_stay(session: Session, world: World, unit: ShelterUnit, on: date) -> None:
    """Matilde, eight months in the Mourão home, back with her mother five weeks ago after the
    five steps; three follow-up contacts made, one overdue, the rest to come."""
    past = Past(requested_on=on - timedelta(days=247), admitted_on=on - timedelta(days=245))
    ended_on = on - timedelta(days=35)
    case = _mourao_case(
        session,
        world,
        ("Matilde", "Godinho Raposo"),
        _born(on, 10, 40),
        "F",
        "Negligência grave durante o internamento da mãe; sem família alargada disponível.",
        ["family", "health"],
        opened_on=past.requested_on - timedelta(days=10),
    )
    data = requests.RequestInput(
        person_id=case.person_id,
        consortium_id=world.cimac.id,
        public="children_6_11",
        risk="high",
        urgency="days",
        situation="Criança de 9 anos sozinha em casa; a mãe foi internada (saúde mental).",
        protective_body="cpcj",
        anchor_tenant_id=world.mourao.id,
        indicators=("serious_neglect", "no_carer"),
        protective_reference="PPP 57/25 — CPCJ de Mourão",
    )
    stay = _place(
        session,
        world,
        case,
        data,
        unit,
        admission.AdmissionInput(
            admitted_on=past.admitted_on,
            referral_guide=f"GE-MOU-{past.admitted_on.year}-031",
            referent_id=world.manager,
            referent_contact="gestora@mourao.demo · 266 560 011",
            follow_up_every_days=15,
            plan_kind="pif",
            health="Doença celíaca; sem outras condições conhecidas.",
            medication="Nenhuma.",
            diet="Sem glúten.",
            school="EB de Mourão, 4.º ano.",
            contacts="Mãe (durante o internamento, por videochamada).",
        ),
    )
    with tenant_scope(world.mourao.id):
        loaded = stays.load_stay(session, stay.id)
        assert loaded is not None
        _discharge(session, world, loaded, past, ended_on)
        _backdate(session, stay, past, ended_on)


def _discharge(session: Session, world: World, stay: Stay, past: Past, ended_on: date) -> None:
    manager = world.manager
    stays.update_plan(
        session,
        stay,
        stays.PlanInput(
            kind="pif",
            diagnosis="Mãe com doença mental estabilizada após internamento; vínculo forte.",
            main_goal="return_family",
            main_goal_detail="",
            contact_plan="Visitas semanais supervisionadas, depois saídas de fim de semana.",
            review_criteria="Adesão da mãe ao tratamento; visitas cumpridas; escola.",
            review_every_days=60,
            next_review_on=past.admitted_on + timedelta(days=30),
        ),
        actor_id=manager,
    )
    goal = stays.add_goal(
        session,
        stay,
        term="medium",
        description="Mãe em acompanhamento regular na consulta de psiquiatria",
        responsible="health",
        responsible_detail=None,
        due_on=past.admitted_on + timedelta(days=120),
    )
    stays.update_goal(session, stay, goal, status="done", due_on=goal.due_on)
    goal.done_on = past.admitted_on + timedelta(days=100)
    visits = [
        (20, "family_visit", True, "Primeira visita da mãe, na casa de acolhimento."),
        (60, "family_visit", True, "Visita da mãe; brincaram no jardim."),
        (120, "outing", False, "Fim de semana em casa da mãe, sem incidentes."),
    ]
    for days_in, kind, supervised, notes in visits:
        stays.add_contact(
            session,
            stay,
            occurred_on=past.admitted_on + timedelta(days=days_in),
            kind=kind,
            with_whom="Mãe",
            supervised=supervised,
            notes=notes,
            actor_id=manager,
        )
    stays.record_review(
        session,
        stay,
        reviewed_on=past.admitted_on + timedelta(days=90),
        progress="advance",
        summary="A mãe cumpre o tratamento; passam a saídas de fim de semana.",
        plan_changed=True,
        actor_id=manager,
    )
    assert stay.plan is not None
    stay.plan.updated_at = datetime.combine(past.admitted_on + timedelta(days=90), time(12))
    steps = {
        1: (60, "Casa visitada: condições de segurança e de cuidado confirmadas."),
        2: (50, "Plano pós-desligamento acordado com a mãe: contactos semanais no 1.º mês."),
        3: (45, "Consulta de psiquiatria, escola e abono de família garantidos."),
        4: (40, "Entregues o boletim de saúde, a medicação e os contactos de referência."),
    }
    for step, (days_before, notes) in steps.items():
        discharge.record_step(
            session,
            stay,
            step=step,
            done_on=ended_on - timedelta(days=days_before - 35),
            notes=notes,
            actor_id=manager,
        )
    contacts = discharge.discharge(
        session,
        stay,
        ended_on=ended_on,
        reason="return_family",
        notes="Regresso a casa da mãe, em Mourão.",
        actor_id=manager,
    )
    discharge.record_step(
        session,
        stay,
        step=5,
        done_on=ended_on + timedelta(days=7),
        notes="Contactos semanais com a mãe e a escola no primeiro mês.",
        actor_id=manager,
    )
    seen = [
        {"school": "Assídua.", "family": "Rotina organizada; mãe atenta."},
        {"health": "A mãe foi à consulta.", "income": "Abono e RSI em dia."},
        {"network": "Vizinha de referência disponível.", "school": "Sem faltas."},
    ]
    for contact, observations in zip(contacts, seen, strict=False):
        discharge.record_follow_up(
            session, stay, contact, done_on=contact.due_on, observations=observations, notes=""
        )
