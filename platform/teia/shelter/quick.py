"""The on-call quick decision: the seed's eight questions, answered in one guided form.

No serious current risk, protection possible at home today, or a safe extended family or
network at hand: the decision is *not to shelter*, recorded with the protection chosen
instead. Otherwise the answers lead to a placement request (risk critical, urgency
immediate, the modality chosen), which links back to the decision when it is saved. Every
decision is stored and audited, whichever way it goes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.accounts.models import User
from teia.audit.services import audit
from teia.cases.models import Case
from teia.core.clock import today
from teia.people.models import Person
from teia.shelter import catalog
from teia.shelter.lifecycle import ShelterError
from teia.shelter.models import ProtectiveBody, ShelterDecision
from teia.shelter.requests import ADULT_AGE, QUICK_REQUEST, age_on, request_people
from teia.tenants.models import Tenant

NO_SHELTER = "no_shelter"


@dataclass(frozen=True)
class QuickAnswers:
    """The answers, by the keys of :data:`teia.shelter.labels.QUICK_QUESTIONS`."""

    serious_risk: bool
    protect_at_home: bool
    safe_network: bool
    protective_body_called: bool = False
    protective_body: str = ProtectiveBody.NONE
    modality: str = ""
    reception: bool = False
    plan_started: bool = False
    exit_planned: bool = False

    @property
    def shelter(self) -> bool:
        """Questions 1 to 3: only a serious risk with no protection at home or in the family
        leads to a placement."""
        return self.serious_risk and not self.protect_at_home and not self.safe_network


def decide(
    session: Session,
    case: Case,
    *,
    person_id: int,
    answers: QuickAnswers,
    reason: str,
    council: Tenant,
    actor_id: int,
) -> ShelterDecision:
    """Record the decision; refuse what the path requires and is missing."""
    person = next((p for p in request_people(session, case) if p.id == person_id), None)
    if person is None:
        raise ShelterError(_("Escolha uma pessoa do agregado deste processo."), field="person")
    reason = reason.strip()
    minor: bool | None = None
    if answers.shelter:
        minor = _check_shelter_path(session, person, answers, council)
    elif not reason:
        raise ShelterError(
            _(
                "Registe o motivo de não acolher e a proteção escolhida em alternativa "
                "(no domicílio, na família alargada ou na rede)."
            ),
            field="reason",
        )
    decision = ShelterDecision(
        case_id=case.id,
        person_id=person.id,
        answers={**asdict(answers), "minor": minor},
        outcome=QUICK_REQUEST if answers.shelter else NO_SHELTER,
        reason=reason or None,
        decided_by_id=actor_id,
    )
    session.add(decision)
    session.flush()
    audit(
        session,
        "shelter.quick_decision",
        object_type="shelter_decision",
        object_id=decision.id,
        actor_id=actor_id,
        details={"case": case.id, "outcome": decision.outcome},
    )
    return decision


def _check_shelter_path(
    session: Session, person: Person, answers: QuickAnswers, council: Tenant
) -> bool:
    """Questions 4 to 8 when the answer is to shelter; gives whether the person is a minor."""
    if person.birth_date is None:
        raise ShelterError(
            _(
                "Registe a data de nascimento na ficha da pessoa: a vaga depende da idade, "
                "que segue com o pedido."
            ),
            field="person",
        )
    if answers.protective_body not in set(ProtectiveBody):
        raise ShelterError(_("Escolha o órgão de proteção envolvido."), field="protective_body")
    minor = age_on(person.birth_date, today()) < ADULT_AGE
    if minor and (
        answers.protective_body == ProtectiveBody.NONE or not answers.protective_body_called
    ):
        raise ShelterError(
            _(
                "Criança ou jovem: acione a CPCJ / o Conselho Tutelar, indique o órgão e "
                "confirme que a medida de proteção está formalizada."
            ),
            field="protective_body_called",
        )
    if answers.modality not in catalog.modalities(session, council.country):
        raise ShelterError(
            _("Escolha a modalidade de acolhimento adequada ao perfil."), field="modality"
        )
    confirmations = (
        ("reception", answers.reception),
        ("plan_started", answers.plan_started),
        ("exit_planned", answers.exit_planned),
    )
    for field, confirmed in confirmations:
        if not confirmed:
            raise ShelterError(
                _("Confirme este passo: faz parte do acolhimento desde o primeiro dia."),
                field=field,
            )
    return minor


@dataclass(frozen=True)
class DecisionRow:
    decision: ShelterDecision
    person_name: str
    decided_by: str


def case_decisions(session: Session, case_id: int) -> list[DecisionRow]:
    """The case's quick decisions, newest first, with whom they were for and who decided."""
    rows = session.execute(
        select(ShelterDecision, Person.given_names, Person.family_names, User.name)
        .join(Person, Person.id == ShelterDecision.person_id)
        .join(User, User.id == ShelterDecision.decided_by_id)
        .where(ShelterDecision.case_id == case_id)
        .order_by(ShelterDecision.decided_at.desc(), ShelterDecision.id.desc())
    ).all()
    return [DecisionRow(d, f"{given} {family}", by) for d, given, family, by in rows]
