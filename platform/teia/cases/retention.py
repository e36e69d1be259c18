"""Retention: closed cases past the council's retention period lose what identifies anyone.

What goes: every free text of the case (reasons, timeline entries, diagnosis, plan goals,
actions and progress notes, referral requests, answers and outcomes, emergency access
reasons) and, for the people of its household who have no other case still open or within
retention, their identity (names, identifiers, contacts, documents, rectification values,
consents' wording, the snapshots of records merged into them) and the household's address.
What stays, for statistics: the case's number, status, areas, risk flags and dates; the kinds
and dates of timeline entries, plan actions and referrals, with their organisations and
statuses; each person's sex and birth year (the date becomes 1 July of that year); the
parish; shares and their legal basis (the record that a disclosure was lawful). Each case gets
an :class:`~teia.cases.models.Anonymisation` row counting what was removed, never the values.

The audit log is kept apart, for the council's ``audit_retention_years``: purging it is an
operator task (see ``infra/README.md``), so nothing here touches it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.orm import Session

from teia.audit.services import audit
from teia.cases.models import (
    Anonymisation,
    Case,
    CaseEvent,
    CaseStatus,
    Consent,
    DiagnosisArea,
    EmergencyAccess,
    InterventionPlan,
    PlanAction,
    PlanGoal,
    Referral,
)
from teia.core.db import utcnow
from teia.people.identifiers import normalise
from teia.people.models import (
    Household,
    HouseholdMember,
    Person,
    PersonChange,
    PersonDocument,
    PersonMerge,
)
from teia.tenants.services import tenant_in_scope

BATCH = 200
ANONYMISED = "Anonimizado"  # stored, not shown through gettext: it replaces a name in the data
REMOVED_KINDS = (
    "case_texts",
    "timeline_entries",
    "diagnosis_areas",
    "plan_goals",
    "plan_actions",
    "referrals",
    "emergency_reasons",
    "persons",
    "documents",
    "rectifications",
    "consents",
    "merge_snapshots",
    "household_addresses",
)


def retention_cutoff(session: Session, day: date) -> date:
    """Cases closed before this day are past the council's retention period."""
    tenant = tenant_in_scope(session)
    return day - relativedelta(years=tenant.case_retention_years)


def anonymise_expired_cases(session: Session, day: date) -> int:
    """Anonymise, in batches, the council's closed cases past retention; how many were.

    Idempotent: an anonymised case is never selected again.
    """
    cutoff = retention_cutoff(session, day)
    done = 0
    while True:
        cases = list(
            session.scalars(
                select(Case)
                .where(_expired(cutoff), Case.anonymised_at.is_(None))
                .order_by(Case.id)
                .limit(BATCH)
            )
        )
        if not cases:
            return done
        _anonymise_batch(session, cases, cutoff)
        done += len(cases)


def _expired(cutoff: date) -> ColumnElement[bool]:
    return and_(Case.status == CaseStatus.CLOSED, Case.closed_on < cutoff)


def _anonymise_batch(session: Session, cases: list[Case], cutoff: date) -> None:
    ids = [c.id for c in cases]
    removed = {c.id: Counter[str]() for c in cases}
    for case in cases:
        removed[case.id]["case_texts"] = bool(case.opening_reason) + bool(case.status_reason)
        case.opening_reason = ""
        case.status_reason = None
    _count(removed, "timeline_entries", _blank(session, CaseEvent, ids, text=""))
    _count(
        removed,
        "diagnosis_areas",
        _blank(session, DiagnosisArea, ids, needs="", potentials="", support_network=""),
    )
    _count(
        removed,
        "plan_actions",
        _blank(session, PlanAction, ids, description="", progress_note=None),
    )
    _count(
        removed,
        "referrals",
        _blank(session, Referral, ids, request="", response_reason=None, outcome=None),
    )
    _count(removed, "emergency_reasons", _blank(session, EmergencyAccess, ids, reason=""))
    plan_case = dict(
        session.execute(
            select(InterventionPlan.id, InterventionPlan.case_id).where(
                InterventionPlan.case_id.in_(ids)
            )
        ).all()
    )
    goals = session.scalars(
        update(PlanGoal)
        .where(PlanGoal.plan_id.in_(list(plan_case)), PlanGoal.description != "")
        .values(description="")
        .returning(PlanGoal.plan_id)
        .execution_options(synchronize_session="fetch")
    )
    _count(removed, "plan_goals", (plan_case[plan_id] for plan_id in goals))
    _anonymise_people(session, cases, cutoff, removed)

    now = utcnow()
    for case in cases:
        case.anonymised_at = now
        counts = {kind: removed[case.id][kind] for kind in REMOVED_KINDS}
        session.add(Anonymisation(case_id=case.id, closed_on=case.closed_on, removed=counts))
        audit(
            session, "case.anonymised", object_type="case", object_id=case.id, details=dict(counts)
        )
    session.flush()


def _blank(session: Session, model: type, case_ids: list[int], **values: object) -> list[int]:
    """Replace the free text of ``model``'s rows of the cases; the case id of each row changed."""
    # ``column != ''`` is false for NULL too, so it serves nullable columns as well.
    had_text = or_(*(getattr(model, column) != "" for column in values))
    return list(
        session.scalars(
            update(model)
            .where(model.case_id.in_(case_ids), had_text)  # type: ignore[attr-defined]
            .values(**values)
            .returning(model.case_id)  # type: ignore[attr-defined]
            .execution_options(synchronize_session="fetch")
        )
    )


def _count(removed: dict[int, Counter[str]], kind: str, case_ids: Iterable[int]) -> None:
    for case_id in case_ids:
        removed[case_id][kind] += 1


def _anonymise_people(
    session: Session, cases: list[Case], cutoff: date, removed: dict[int, Counter[str]]
) -> None:
    """The people of these cases (and their households' addresses) that nothing retains."""
    household_ids = {c.household_id for c in cases}
    members = session.execute(
        select(HouseholdMember.household_id, HouseholdMember.person_id).where(
            HouseholdMember.household_id.in_(household_ids)
        )
    ).all()
    # Each person and household is counted on the first case of the batch that reaches them.
    owner: dict[int, int] = {}
    household_owner: dict[int, int] = {}
    for case in cases:
        household_owner.setdefault(case.household_id, case.id)
        owner.setdefault(case.person_id, case.id)
    for household_id, person_id in members:
        owner.setdefault(person_id, household_owner[household_id])

    # An anonymised case holds no identity left to keep; any other still retains its people.
    retained = and_(
        Case.anonymised_at.is_(None),
        or_(Case.status != CaseStatus.CLOSED, Case.closed_on >= cutoff),
    )
    kept_households = set(
        session.scalars(
            select(Case.household_id).where(Case.household_id.in_(household_ids), retained)
        )
    )
    for household in session.scalars(
        select(Household).where(
            Household.id.in_(household_ids - kept_households),
            or_(Household.address.is_not(None), Household.postal_code.is_not(None)),
        )
    ):
        household.address = household.postal_code = None
        removed[household_owner[household.id]]["household_addresses"] += 1

    in_retained_case = or_(
        Person.id.in_(select(Case.person_id).where(retained)),
        Person.id.in_(
            select(HouseholdMember.person_id)
            .join(Case, Case.household_id == HouseholdMember.household_id)
            .where(retained)
        ),
    )
    people = list(
        session.scalars(
            select(Person).where(
                Person.id.in_(list(owner)), Person.anonymised_at.is_(None), ~in_retained_case
            )
        )
    )
    for person in people:
        removed[owner[person.id]]["persons"] += 1
    # Records merged into them (they still hold names and contacts) go with them.
    frontier = [p.id for p in people]
    while frontier:
        merged = list(
            session.scalars(
                select(Person).where(
                    Person.merged_into_id.in_(frontier), Person.anonymised_at.is_(None)
                )
            )
        )
        for person in merged:
            owner[person.id] = owner[person.merged_into_id]  # type: ignore[index]
        people += merged
        frontier = [p.id for p in merged]
    _erase_identities(session, people, owner, removed)


def _erase_identities(
    session: Session, people: list[Person], owner: dict[int, int], removed: dict[int, Counter[str]]
) -> None:
    ids = [p.id for p in people]
    now = utcnow()
    for person in people:
        person.given_names, person.family_names = ANONYMISED, ""
        person.search_name = normalise(ANONYMISED)
        if person.birth_date is not None:
            person.birth_date = date(person.birth_date.year, 7, 1)
        person.nif = person.niss = person.sns = person.phone = person.email = None
        person.anonymised_at = now
    documents = session.scalars(
        delete(PersonDocument)
        .where(PersonDocument.person_id.in_(ids))
        .returning(PersonDocument.person_id)
        .execution_options(synchronize_session="fetch")
    )
    _count(removed, "documents", (owner[i] for i in documents))
    changes = session.scalars(
        update(PersonChange)
        .where(PersonChange.person_id.in_(ids), PersonChange.reason != "")
        .values(old_value=None, new_value=None, reason="")
        .returning(PersonChange.person_id)
        .execution_options(synchronize_session="fetch")
    )
    _count(removed, "rectifications", (owner[i] for i in changes))
    consents = session.scalars(
        update(Consent)
        .where(Consent.person_id.in_(ids), Consent.given_by != ANONYMISED)
        .values(given_by=ANONYMISED, scope="")
        .returning(Consent.person_id)
        .execution_options(synchronize_session="fetch")
    )
    _count(removed, "consents", (owner[i] for i in consents))
    merges = session.scalars(
        update(PersonMerge)
        .where(PersonMerge.kept_id.in_(ids), PersonMerge.reason != "")
        .values(snapshot={}, reason="")
        .returning(PersonMerge.kept_id)
        .execution_options(synchronize_session="fetch")
    )
    _count(removed, "merge_snapshots", (owner[i] for i in merges))
