"""Everything a council holds about one person, for a data subject's access request (GDPR
art. 15): :func:`person_export` gives a JSON-ready dict, :func:`person_export_pdf` (written in
:mod:`teia.people.export_pdf`) the same dict as a readable PDF.

The export is the whole record, confidential timeline entries included (marked as such): it is
for the council's staff answering the request, never for partners, and the caller audits it.
A merged (duplicate) record resolves to the record it was merged into, which holds its history.
Queries are a fixed number, whatever the number of cases, entries or accesses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from teia.accounts.models import User
from teia.audit.models import AuditEvent
from teia.cases.models import (
    Case,
    CaseEvent,
    CaseShare,
    Consent,
    DiagnosisArea,
    EmergencyAccess,
    InterventionPlan,
    PlanGoal,
    Referral,
)
from teia.cases.sharing import share_active
from teia.core.clock import today
from teia.core.db import utcnow
from teia.people.export_pdf import person_export_pdf
from teia.people.models import (
    HouseholdMember,
    Person,
    PersonChange,
    PersonDocument,
    PersonMerge,
)
from teia.tenants.models import Organization
from teia.tenants.services import tenant_in_scope

__all__ = ["FORMAT", "person_export", "person_export_pdf"]

FORMAT = "teia.person-export/1"


def person_export(session: Session, person_id: int) -> dict[str, Any] | None:
    """The person's data in the council in scope; ``None`` if the council holds no such person.

    Raises :class:`~teia.core.tenancy.NoTenantInScope` outside a council's scope.
    """
    tenant = tenant_in_scope(session)
    person = _kept_record(session, person_id)
    if person is None:
        return None
    merges, ids = _merges(session, person.id)
    documents = session.scalars(
        select(PersonDocument).where(PersonDocument.person_id.in_(ids)).order_by(PersonDocument.id)
    ).all()
    changes = session.scalars(
        select(PersonChange)
        .where(PersonChange.person_id.in_(ids))
        .order_by(PersonChange.changed_at, PersonChange.id)
    ).all()
    memberships = session.scalars(
        select(HouseholdMember)
        .options(joinedload(HouseholdMember.household))
        .where(HouseholdMember.person_id.in_(ids))
        .order_by(HouseholdMember.id)
    ).all()
    household_ids = {m.household_id for m in memberships}
    housemates: dict[int, list[HouseholdMember]] = defaultdict(list)
    for member in session.scalars(
        select(HouseholdMember)
        .options(joinedload(HouseholdMember.person))
        .where(
            HouseholdMember.household_id.in_(household_ids), HouseholdMember.person_id.not_in(ids)
        )
        .order_by(HouseholdMember.id)
    ):
        housemates[member.household_id].append(member)
    cases = session.scalars(
        select(Case)
        .where(or_(Case.person_id.in_(ids), Case.household_id.in_(household_ids)))
        .order_by(Case.opened_on, Case.id)
    ).all()
    consents = session.scalars(
        select(Consent).where(Consent.person_id.in_(ids)).order_by(Consent.given_on, Consent.id)
    ).all()
    parts = _CaseParts(session, [c.id for c in cases])
    access = session.scalars(
        select(AuditEvent)
        .where(
            or_(
                and_(
                    AuditEvent.object_type == "case",
                    AuditEvent.object_id.in_([str(c.id) for c in cases]),
                ),
                and_(
                    AuditEvent.object_type == "person",
                    AuditEvent.object_id.in_([str(i) for i in ids]),
                ),
            )
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()

    users = _names(
        session,
        User,
        [c.manager_id for c in cases],
        [ch.changed_by_id for ch in changes],
        [m.merged_by_id for m in merges],
        [c.recorded_by_id for c in consents] + [c.revoked_by_id for c in consents],
        [e.actor_id for e in access],
        parts.user_ids(),
    )
    organisations = _names(session, Organization, parts.organization_ids())
    numbers = {str(c.id): c.number for c in cases}
    day = today(tenant.timezone)
    return {
        "format": FORMAT,
        "generated_at": _when(utcnow()),
        "council": {"name": tenant.official_name, "slug": tenant.slug, "timezone": tenant.timezone},
        "person": _person(person),
        "documents": [
            {"kind": d.kind, "number": d.number, "valid_until": _day(d.valid_until)}
            for d in documents
        ],
        "rectifications": [
            {
                "field": ch.field,
                "old_value": ch.old_value,
                "new_value": ch.new_value,
                "reason": ch.reason,
                "changed_by": users.get(ch.changed_by_id),
                "changed_at": _when(ch.changed_at),
            }
            for ch in changes
        ],
        "merges": [
            {
                "kept_id": m.kept_id,
                "merged_id": m.merged_id,
                "snapshot": m.snapshot,
                "reason": m.reason,
                "merged_by": users.get(m.merged_by_id),
                "merged_at": _when(m.merged_at),
            }
            for m in merges
        ],
        "households": [_household(m, housemates[m.household_id]) for m in memberships],
        "cases": [_case(c, ids, parts, users, organisations, day) for c in cases],
        "consents": [
            {
                "id": c.id,
                "given_by": c.given_by,
                "given_on": _day(c.given_on),
                "scope": c.scope,
                "valid_until": _day(c.valid_until),
                "recorded_by": users.get(c.recorded_by_id),
                "revoked_at": _when(c.revoked_at),
                "revoked_by": users.get(c.revoked_by_id),
            }
            for c in consents
        ],
        "access_log": [
            {
                "at": _when(e.at),
                "who": users.get(e.actor_id),
                "action": e.action,
                "case": numbers.get(e.object_id or "") if e.object_type == "case" else None,
                "purpose": e.purpose,
            }
            for e in access
        ],
    }


def _kept_record(session: Session, person_id: int) -> Person | None:
    """The person, or the record a merged duplicate now lives on (merges can chain)."""
    seen: set[int] = set()
    person = None
    next_id: int | None = person_id
    while next_id is not None and next_id not in seen:
        seen.add(next_id)
        # A query, never Session.get: the identity map could hold another council's row.
        person = session.scalar(select(Person).where(Person.id == next_id))
        next_id = person.merged_into_id if person is not None else None
    return person


def _merges(session: Session, person_id: int) -> tuple[list[PersonMerge], set[int]]:
    """Merges into the person, transitively, and the ids of every record folded into them."""
    ids, frontier, merges = {person_id}, {person_id}, []
    while frontier:
        rows = session.scalars(
            select(PersonMerge)
            .where(PersonMerge.kept_id.in_(frontier))
            .order_by(PersonMerge.merged_at, PersonMerge.id)
        ).all()
        merges.extend(rows)
        frontier = {m.merged_id for m in rows} - ids
        ids |= frontier
    return merges, ids


class _CaseParts:
    """Everything hanging off a set of cases, loaded with one query per kind."""

    def __init__(self, session: Session, case_ids: list[int]) -> None:
        def by_case(rows: Iterable[Any]) -> dict[int, list[Any]]:
            grouped: dict[int, list[Any]] = defaultdict(list)
            for row in rows:
                grouped[row.case_id].append(row)
            return grouped

        self.events = by_case(
            session.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id.in_(case_ids))
                .order_by(CaseEvent.occurred_at, CaseEvent.id)
            )
        )
        self.diagnosis = by_case(
            session.scalars(
                select(DiagnosisArea)
                .where(DiagnosisArea.case_id.in_(case_ids))
                .order_by(DiagnosisArea.area)
            )
        )
        self.plans = by_case(
            session.scalars(
                select(InterventionPlan)
                .options(selectinload(InterventionPlan.goals).selectinload(PlanGoal.actions))
                .where(InterventionPlan.case_id.in_(case_ids))
                .order_by(InterventionPlan.version)
            )
        )
        self.referrals = by_case(
            session.scalars(
                select(Referral)
                .where(Referral.case_id.in_(case_ids))
                .order_by(Referral.requested_at, Referral.id)
            )
        )
        self.shares = by_case(
            session.scalars(
                select(CaseShare)
                .options(selectinload(CaseShare.consent))
                .where(CaseShare.case_id.in_(case_ids))
                .order_by(CaseShare.created_at, CaseShare.id)
            )
        )
        self.emergencies = by_case(
            session.scalars(
                select(EmergencyAccess)
                .where(EmergencyAccess.case_id.in_(case_ids))
                .order_by(EmergencyAccess.granted_at, EmergencyAccess.id)
            )
        )

    def _all(self, kind: dict[int, list[Any]]) -> list[Any]:
        return [row for rows in kind.values() for row in rows]

    def _actions(self) -> list[Any]:
        return [a for p in self._all(self.plans) for g in p.goals for a in g.actions]

    def user_ids(self) -> list[int | None]:
        return (
            [e.author_id for e in self._all(self.events)]
            + [p.created_by_id for p in self._all(self.plans)]
            + [a.responsible_user_id for a in self._actions()]
            + [r.requested_by_id for r in self._all(self.referrals)]
            + [r.responded_by_id for r in self._all(self.referrals)]
            + [s.created_by_id for s in self._all(self.shares)]
            + [s.revoked_by_id for s in self._all(self.shares)]
            + [e.user_id for e in self._all(self.emergencies)]
        )

    def organization_ids(self) -> list[int | None]:
        return (
            [a.responsible_organization_id for a in self._actions()]
            + [r.organization_id for r in self._all(self.referrals)]
            + [s.organization_id for s in self._all(self.shares)]
            + [e.organization_id for e in self._all(self.emergencies)]
        )


def _names(
    session: Session, model: type[User] | type[Organization], *groups: list[Any]
) -> dict[int, str]:
    """``{id: name}`` of the users or organisations named anywhere in the export."""
    ids = {i for group in groups for i in group if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def _person(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "given_names": person.given_names,
        "family_names": person.family_names,
        "birth_date": _day(person.birth_date),
        "sex": person.sex,
        "nif": person.nif,
        "niss": person.niss,
        "sns": person.sns,
        "phone": person.phone,
        "email": person.email,
        "created_at": _when(person.created_at),
        "updated_at": _when(person.updated_at),
        "anonymised_at": _when(person.anonymised_at),
    }


def _household(member: HouseholdMember, others: list[HouseholdMember]) -> dict[str, Any]:
    household = member.household
    return {
        "id": household.id,
        "address": household.address,
        "postal_code": household.postal_code,
        "parish": household.parish,
        "relationship": member.relationship_to_representative,
        "joined_on": _day(member.joined_on),
        "left_on": _day(member.left_on),
        # The others in the household: their name and place in it, nothing more.
        "other_members": [
            {"name": m.person.full_name, "relationship": m.relationship_to_representative}
            for m in others
        ],
    }


def _case(
    case: Case,
    ids: set[int],
    parts: _CaseParts,
    users: dict[int, str],
    organisations: dict[int, str],
    day: date,
) -> dict[str, Any]:
    return {
        "id": case.id,
        "number": case.number,
        "role": "case_person" if case.person_id in ids else "household_member",
        "status": case.status,
        "status_reason": case.status_reason,
        "opened_on": _day(case.opened_on),
        "closed_on": _day(case.closed_on),
        "anonymised_at": _when(case.anonymised_at),
        "manager": users.get(case.manager_id),
        "opening_reason": case.opening_reason,
        "areas": list(case.areas),
        "risk_flags": list(case.risk_flags),
        "diagnosis": [
            {
                "area": d.area,
                "needs": d.needs,
                "potentials": d.potentials,
                "support_network": d.support_network,
                "updated_at": _when(d.updated_at),
            }
            for d in parts.diagnosis[case.id]
        ],
        "plans": [
            {
                "version": p.version,
                "status": p.status,
                "agreed_on": _day(p.agreed_on),
                "review_on": _day(p.review_on),
                "created_by": users.get(p.created_by_id),
                "created_at": _when(p.created_at),
                "goals": [
                    {
                        "description": g.description,
                        "actions": [
                            {
                                "description": a.description,
                                "responsible_user": users.get(a.responsible_user_id),
                                "responsible_organisation": organisations.get(
                                    a.responsible_organization_id
                                ),
                                "due_on": _day(a.due_on),
                                "status": a.status,
                                "progress_note": a.progress_note,
                            }
                            for a in g.actions
                        ],
                    }
                    for g in p.goals
                ],
            }
            for p in parts.plans[case.id]
        ],
        "referrals": [
            {
                "organisation": organisations.get(r.organization_id),
                "area": r.area,
                "request": r.request,
                "respond_by": _day(r.respond_by),
                "status": r.status,
                "requested_by": users.get(r.requested_by_id),
                "requested_at": _when(r.requested_at),
                "response_reason": r.response_reason,
                "responded_at": _when(r.responded_at),
                "outcome": r.outcome,
                "completed_at": _when(r.completed_at),
            }
            for r in parts.referrals[case.id]
        ],
        "timeline": [
            {
                "kind": e.kind,
                "occurred_at": _when(e.occurred_at),
                "text": e.text,
                "confidential": e.confidential,
                "author": users.get(e.author_id),
            }
            for e in parts.events[case.id]
        ],
        "shares": [
            {
                "organisation": organisations.get(s.organization_id),
                "sections": list(s.sections),
                "diagnosis_areas": list(s.diagnosis_areas),
                "purpose": s.purpose,
                "legal_basis": s.legal_basis,
                "legal_reference": s.legal_reference,
                "consent_id": s.consent_id,
                "created_by": users.get(s.created_by_id),
                "created_at": _when(s.created_at),
                "expires_on": _day(s.expires_on),
                "revoked_at": _when(s.revoked_at),
                "active": share_active(s, day),
            }
            for s in parts.shares[case.id]
        ],
        "emergency_accesses": [
            {
                "user": users.get(e.user_id),
                "organisation": organisations.get(e.organization_id),
                "reason": e.reason,
                "granted_at": _when(e.granted_at),
                "expires_at": _when(e.expires_at),
            }
            for e in parts.emergencies[case.id]
        ],
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _when(value: datetime | None) -> str | None:
    """Stored timestamps are naive UTC; the export says so."""
    return value.replace(tzinfo=UTC).isoformat() if value is not None else None
