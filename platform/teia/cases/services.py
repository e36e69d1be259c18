"""Opening and following a case: status, timeline, diagnosis, and the case list.

Plain functions: they flush, never commit. Reads of a person's data are audited by the
caller with the purpose the access gives (:func:`audit_read`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, Text, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, load_only

from teia.accounts.models import Membership, Role, User
from teia.audit.services import audit
from teia.cases.access import CaseAccess, Viewer, visible_case_ids, visible_events_clause
from teia.cases.models import (
    Area,
    Case,
    CaseEvent,
    CaseStatus,
    ConfidentialReader,
    DiagnosisArea,
    EventKind,
    RiskFlag,
    Section,
)
from teia.core.clock import today
from teia.core.numbering import next_yearly_number
from teia.core.tenancy import require_tenant_id
from teia.people.identifiers import normalise
from teia.people.models import Household, HouseholdMember, Person
from teia.people.services import new_household
from teia.tenants.services import tenant_in_scope

PAGE_SIZE = 50


class CaseError(ValueError):
    """A case operation refused; the message is for the user."""


def council_link(session: Session, path: str) -> str:
    """A link into the council in scope, for notifications: ``/t/<slug><path>``."""
    return f"/t/{tenant_in_scope(session).slug}{path}"


def audit_read(session: Session, access: CaseAccess, what: str) -> None:
    """Every read of a person's record, with the purpose the access rests on."""
    details: dict[str, object] = {"section": what}
    if access.shares:
        details["shares"] = [s.id for s in access.shares]
    if access.emergency is not None:
        details["emergency_access"] = access.emergency.id
    audit(
        session,
        "case.read",
        object_type="case",
        object_id=access.case.id,
        purpose=access.purpose,
        details=details,
    )


def case_managers(session: Session) -> list[User]:
    """The council's active case managers, for assigning a case."""
    return professionals(session, [Role.CASE_MANAGER])


def professionals(session: Session, roles: Iterable[Role]) -> list[User]:
    """The council's active members holding one of ``roles`` (responsibles, readers...)."""
    members = select(Membership.user_id).where(
        Membership.tenant_id == require_tenant_id(),
        Membership.role.in_(list(roles)),
        Membership.active.is_(True),
    )
    return list(
        session.scalars(
            select(User).where(User.active.is_(True), User.id.in_(members)).order_by(User.name)
        )
    )


def _check_choices(areas: list[str], risk_flags: list[str]) -> None:
    if not areas:
        raise CaseError(_("Indique pelo menos uma área de intervenção."))
    unknown = [a for a in areas if a not in Area.__members__.values()] + [
        r for r in risk_flags if r not in RiskFlag.__members__.values()
    ]
    if unknown:
        raise CaseError(_("Valores desconhecidos: %(v)s.", v=", ".join(unknown)))


def open_case(
    session: Session,
    *,
    person: Person,
    manager_id: int,
    opening_reason: str,
    areas: list[str],
    risk_flags: list[str],
    actor_id: int,
    household: Household | None = None,
    submission_key: str | None = None,
) -> tuple[Case, bool]:
    """Open a case for the person's household (a new one if they have none).

    ``(case, False)`` when this submission had already opened it.
    """
    if submission_key:
        earlier = session.scalar(select(Case).where(Case.submission_key == submission_key))
        if earlier is not None:
            return earlier, False
    _check_choices(areas, risk_flags)
    if not opening_reason.strip():
        raise CaseError(_("Indique o motivo de abertura."))
    if manager_id not in {u.id for u in case_managers(session)}:
        raise CaseError(_("O gestor de caso tem de ser um gestor de caso ativo do município."))
    if household is None:
        household = new_household(session, person)
    opened = today()
    case = Case(
        number=next_yearly_number(session, Case.number, opened.year),
        household_id=household.id,
        person_id=person.id,
        manager_id=manager_id,
        opening_reason=opening_reason.strip(),
        areas=list(dict.fromkeys(areas)),
        risk_flags=list(dict.fromkeys(risk_flags)),
        opened_on=opened,
        submission_key=submission_key,
    )
    session.add(case)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise CaseError(_("Outro processo foi aberto neste instante; tente de novo.")) from None
    audit(session, "case.opened", object_type="case", object_id=case.id, actor_id=actor_id)
    return case, True


TRANSITIONS = {
    CaseStatus.OPEN: {CaseStatus.SUSPENDED, CaseStatus.CLOSED},
    CaseStatus.SUSPENDED: {CaseStatus.OPEN, CaseStatus.CLOSED},
    CaseStatus.CLOSED: {CaseStatus.OPEN},
}


def change_status(session: Session, case: Case, status: CaseStatus, reason: str) -> None:
    if case.anonymised_at is not None:
        raise CaseError(_("Este processo foi anonimizado e já não pode ser alterado."))
    if status not in TRANSITIONS[CaseStatus(case.status)]:
        raise CaseError(_("Não é possível passar o processo a este estado."))
    if status != CaseStatus.OPEN and not reason.strip():
        raise CaseError(_("Indique o motivo."))
    old = case.status
    case.status = status
    case.status_reason = reason.strip() or None
    case.closed_on = today() if status == CaseStatus.CLOSED else None
    audit(
        session,
        "case.status_changed",
        object_type="case",
        object_id=case.id,
        details={"from": old, "to": status},
    )
    session.flush()


def add_event(
    session: Session,
    case: Case,
    *,
    kind: EventKind,
    occurred_at: datetime,
    text: str,
    confidential: bool,
    reader_ids: list[int],
    author_id: int,
) -> CaseEvent:
    if not text.strip():
        raise CaseError(_("Escreva o registo."))
    event = CaseEvent(
        case_id=case.id,
        kind=kind,
        occurred_at=occurred_at,
        text=text.strip(),
        confidential=confidential,
        author_id=author_id,
    )
    if confidential:
        event.readers = [ConfidentialReader(user_id=uid) for uid in dict.fromkeys(reader_ids)]
    session.add(event)
    session.flush()
    return event


TIMELINE_PAGE = 50


def timeline(session: Session, access: CaseAccess, page: int = 1) -> tuple[list[CaseEvent], bool]:
    """One page of the entries the viewer may read, newest first, and whether older ones exist."""
    rows = list(
        session.scalars(
            select(CaseEvent)
            .options(joinedload(CaseEvent.author).load_only(User.name))
            .where(CaseEvent.case_id == access.case.id, visible_events_clause(access))
            .order_by(CaseEvent.occurred_at.desc(), CaseEvent.id.desc())
            .limit(TIMELINE_PAGE + 1)
            .offset((max(page, 1) - 1) * TIMELINE_PAGE)
        )
    )
    return rows[:TIMELINE_PAGE], len(rows) > TIMELINE_PAGE


def diagnosis(session: Session, access: CaseAccess) -> list[DiagnosisArea]:
    rows = session.scalars(
        select(DiagnosisArea)
        .where(DiagnosisArea.case_id == access.case.id)
        .order_by(DiagnosisArea.area)
    )
    return [row for row in rows if access.can_see_area(row.area)]


def save_diagnosis(
    session: Session,
    case: Case,
    *,
    area: Area,
    needs: str,
    potentials: str,
    support_network: str,
    actor_id: int,
) -> DiagnosisArea:
    row = session.scalar(
        select(DiagnosisArea).where(DiagnosisArea.case_id == case.id, DiagnosisArea.area == area)
    )
    if row is None:
        row = DiagnosisArea(case_id=case.id, area=area)
        session.add(row)
    row.needs, row.potentials, row.support_network = needs, potentials, support_network
    row.updated_by_id = actor_id
    if area not in case.areas:
        case.areas = [*case.areas, area]
    session.flush()
    return row


def household_members(session: Session, case: Case) -> list[HouseholdMember]:
    return list(
        session.scalars(
            select(HouseholdMember)
            .options(joinedload(HouseholdMember.person))
            .where(HouseholdMember.household_id == case.household_id)
            .order_by(HouseholdMember.id)
        )
    )


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    area: str | None = None
    manager_id: int | None = None
    query: str = ""
    page: int = 1


def case_list(session: Session, viewer: Viewer, filters: CaseFilters) -> tuple[list[Case], int]:
    """One page of the cases the viewer reaches, newest first, and the total; a search by
    name or number is audited with the ids it returned.

    The total comes with the page (a window count): one pass over the matches, not two.
    """
    page = max(filters.page, 1)
    rows = session.execute(
        _case_query(viewer, filters)
        .add_columns(func.count().over())
        .options(
            load_only(
                Case.number,
                Case.status,
                Case.opened_on,
                Case.closed_on,
                Case.person_id,
                Case.manager_id,
            ),
            joinedload(Case.person).load_only(Person.given_names, Person.family_names),
            joinedload(Case.manager).load_only(User.name),
        )
        .order_by(Case.opened_on.desc(), Case.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    cases = [case for case, _total in rows]
    if filters.query.strip():
        audit(
            session,
            "case.search",
            object_type="case",
            purpose=_("Pesquisa de processos"),
            details={"results": [c.id for c in cases]},
        )
    if rows:
        return cases, rows[0][1]
    if page == 1:
        return [], 0
    # Past the last page: the window saw no row, so count apart.
    stmt = _case_query(viewer, filters)
    return [], session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def _case_query(viewer: Viewer, filters: CaseFilters) -> Select[tuple[Case]]:
    stmt = select(Case)
    if not viewer.staff:
        stmt = stmt.where(Case.id.in_(visible_case_ids(viewer)))
    if filters.status:
        stmt = stmt.where(Case.status == filters.status)
    if filters.manager_id:
        stmt = stmt.where(Case.manager_id == filters.manager_id)
    if filters.area:
        stmt = stmt.where(Case.areas.cast(Text).contains(f'"{filters.area}"'))
    query = filters.query.strip()
    if query:
        if query.replace("/", "").isdigit() and "/" in query:
            stmt = stmt.where(Case.number == query)
        else:
            # By the name of anyone in the household; for a partner, only where the
            # identification is shared (otherwise a name search would reveal membership).
            people = select(HouseholdMember.household_id).join(
                Person, Person.id == HouseholdMember.person_id
            )
            for token in normalise(query).split()[:5]:
                people = people.where(Person.search_name.contains(token, autoescape=True))
            stmt = stmt.where(Case.household_id.in_(people))
            if not viewer.staff:
                stmt = stmt.where(Case.id.in_(visible_case_ids(viewer, Section.IDENTIFICATION)))
    return stmt


def cases_of_persons(session: Session, person_ids: list[int]) -> dict[int, list[Case]]:
    """The cases each person is part of (theirs or their household's), in two queries."""
    found: dict[int, list[Case]] = {pid: [] for pid in person_ids}
    if not person_ids:
        return found
    links = session.execute(
        select(HouseholdMember.person_id, HouseholdMember.household_id).where(
            HouseholdMember.person_id.in_(person_ids)
        )
    ).all()
    households: dict[int, set[int]] = {}
    for person_id, household_id in links:
        households.setdefault(household_id, set()).add(person_id)
    cases = session.scalars(
        select(Case)
        .where(or_(Case.person_id.in_(person_ids), Case.household_id.in_(households)))
        .order_by(Case.opened_on.desc(), Case.id.desc())
    )
    for case in cases:
        for person_id in households.get(case.household_id, set()) | {case.person_id}:
            if person_id in found:
                found[person_id].append(case)
    return found


def cases_of_person(session: Session, person_id: int) -> list[Case]:
    return cases_of_persons(session, [person_id])[person_id]
