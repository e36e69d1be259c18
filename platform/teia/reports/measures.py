"""The counts behind a council's indicators, for a period, from the council in scope.

Every figure is aggregated in SQL (a fixed number of grouped statements, whatever the number
of cases); the medians come from a histogram of days. The council report shows them as they
are; the consortium report asks each member council in its own scope and puts them side by
side, with the "<5" rule.

Definitions (both ends of the period included; the reference day is the period's end, or
today when the period has not ended yet):
- a case is *new* when opened in the period, *followed* when opened by the end and not closed
  before the start, *closed* when closed in the period; people are the members of the
  cases' households on the reference day (joined by then, not yet left), their age counted
  that day;
- an application belongs to the period by its date (drafts left out); days to decision run
  from the application's date to the decision's, for decisions in the period; days to
  payment to its first payment, for first payments in the period;
- a referral belongs to the period by the day it was made; the response time runs from that
  day to the partner's answer;
- an action is overdue when its plan is the case's active one, it is planned or in progress
  and its due day is before the reference day, in a case still followed on that day;
- a case manager's caseload is the households of the cases followed on the reference day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import ColumnElement, String, and_, case, cast, distinct, func, literal, or_, select
from sqlalchemy.orm import Session

from teia.accounts.models import Membership, Role, User
from teia.applications.models import (
    Application,
    ApplicationItem,
    ApplicationStatus,
    Decision,
    Payment,
)
from teia.cases.models import (
    OPEN_ACTION_STATUSES,
    Area,
    Case,
    InterventionPlan,
    PlanAction,
    PlanStatus,
    Referral,
    ReferralStatus,
)
from teia.core.clock import today
from teia.people.models import Household, HouseholdMember, Person
from teia.reports.stats import day_of
from teia.shelter.indicators import days_between, readmitted
from teia.shelter.models import Allocation, AllocationStatus, ShelterPlace, ShelterUnit, Stay
from teia.tenants.models import Organization, Tenant

STATES = ("new", "followed", "closed")
# Age bands: (code, the first age of the band).
AGE_BANDS = (("0-17", 0), ("18-24", 18), ("25-44", 25), ("45-64", 45), ("65+", 65))
UNKNOWN = "unknown"


@dataclass
class CouncilMeasures:
    start: date
    end: date
    reference: date
    cases: dict[str, int] = field(default_factory=dict)  # state -> cases
    households: dict[str, int] = field(default_factory=dict)  # state -> households
    people: dict[str, int] = field(default_factory=dict)  # state -> people
    by_area: dict[str, dict[str, int]] = field(default_factory=dict)  # area -> state -> cases
    by_age: dict[str, dict[str, int]] = field(default_factory=dict)  # band -> state -> people
    by_parish: dict[str, dict[str, int]] = field(default_factory=dict)  # parish -> state -> cases
    # support type -> applications, requested, approved (of the period's applications)
    by_support: dict[str, tuple[int, Decimal, Decimal]] = field(default_factory=dict)
    paid_by_support: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    paid_applications: int = 0  # applications with a payment in the period, each once
    by_status: dict[str, int] = field(default_factory=dict)
    decisions: dict[str, int] = field(default_factory=dict)  # outcome -> decisions
    days_to_decision: Counter[int] = field(default_factory=Counter)
    days_to_payment: Counter[int] = field(default_factory=Counter)
    # organisation id -> (name, made, accepted or completed, refused, still pending)
    referrals: dict[int, tuple[str, int, int, int, int]] = field(default_factory=dict)
    response_days: dict[int, Counter[int]] = field(default_factory=dict)
    overdue_cases: int = 0
    overdue_actions: int = 0
    caseload_target: int = 0
    # user id -> (name, cases, households)
    caseload: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    stays: dict[str, int] = field(default_factory=dict)
    stay_days: Counter[int] = field(default_factory=Counter)
    places: int = 0
    occupied: int = 0


def _n(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))


def _distinct(condition: ColumnElement[bool], column: ColumnElement[int]) -> ColumnElement[int]:
    return func.count(distinct(case((condition, column))))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def measure(session: Session, tenant: Tenant, start: date, end: date) -> CouncilMeasures:
    """The counts of the council in scope (``tenant``) for the period ``start``..``end``."""
    ref = min(end, today())
    m = CouncilMeasures(start, end, ref, caseload_target=tenant.caseload_target)
    _cases(session, m)
    _applications(session, m)
    _referrals(session, m)
    _plans_and_caseload(session, tenant, m)
    _shelter(session, tenant, m)
    return m


def _case_states(start: date, end: date) -> dict[str, ColumnElement[bool]]:
    return {
        "new": and_(Case.opened_on >= start, Case.opened_on <= end),
        "followed": and_(
            Case.opened_on <= end, or_(Case.closed_on.is_(None), Case.closed_on >= start)
        ),
        "closed": and_(Case.closed_on >= start, Case.closed_on <= end),
    }


def _cases(session: Session, m: CouncilMeasures) -> None:
    states = _case_states(m.start, m.end)
    row = session.execute(
        select(
            *(_n(c) for c in states.values()),
            *(_distinct(c, Case.household_id) for c in states.values()),
        )
        .select_from(Case)
        .where(Case.opened_on <= m.end)
    ).one()
    m.cases = dict(zip(STATES, row[:3], strict=True))
    m.households = dict(zip(STATES, row[3:], strict=True))

    # Born after the day one turned 18 (on the reference day): under 18; and so on.
    band = case(
        (Person.birth_date.is_(None), literal(UNKNOWN)),
        *(
            (Person.birth_date > _years_before(m.reference, first), literal(previous))
            for (previous, _start), (_code, first) in pairwise(AGE_BANDS)
        ),
        else_=literal(AGE_BANDS[-1][0]),
    )
    m.by_age = {code: dict.fromkeys(STATES, 0) for code, _first in AGE_BANDS}
    m.by_age[UNKNOWN] = dict.fromkeys(STATES, 0)
    for code, *counts in session.execute(
        select(band, *(_distinct(c, Person.id) for c in states.values()))
        .select_from(Case)
        .join(HouseholdMember, HouseholdMember.household_id == Case.household_id)
        .join(Person, Person.id == HouseholdMember.person_id)
        .where(
            Case.opened_on <= m.end,
            or_(HouseholdMember.joined_on.is_(None), HouseholdMember.joined_on <= m.reference),
            or_(HouseholdMember.left_on.is_(None), HouseholdMember.left_on > m.reference),
        )
        .group_by(band)
    ):
        m.by_age[code] = dict(zip(STATES, counts, strict=True))
    m.people = {s: sum(b[s] for b in m.by_age.values()) for s in STATES}

    areas = cast(Case.areas, String)
    row = session.execute(
        select(
            *(
                _n(and_(areas.like(f'%"{area.value}"%'), c))
                for area in Area
                for c in states.values()
            )
        )
        .select_from(Case)
        .where(Case.opened_on <= m.end)
    ).one()
    counts = iter(row)
    m.by_area = {area.value: {s: next(counts) for s in STATES} for area in Area}

    parish = func.coalesce(Household.parish, "")
    m.by_parish = {
        name: dict(zip(STATES, counts, strict=True))
        for name, *counts in session.execute(
            select(parish, *(_n(c) for c in states.values()))
            .join(Household, Household.id == Case.household_id)
            .where(Case.opened_on <= m.end)
            .group_by(parish)
            .order_by(parish)
        )
    }


def _applications(session: Session, m: CouncilMeasures) -> None:
    in_period = and_(
        Application.application_date >= m.start,
        Application.application_date <= m.end,
        Application.status != ApplicationStatus.DRAFT,
    )
    m.by_support = {
        kind: (n, requested, approved)
        for kind, n, requested, approved in session.execute(
            select(
                ApplicationItem.support_type,
                func.count(distinct(Application.id)),
                func.coalesce(func.sum(ApplicationItem.requested_amount), 0),
                func.coalesce(func.sum(ApplicationItem.approved_amount), 0),
            )
            .join(Application, Application.id == ApplicationItem.application_id)
            .where(in_period)
            .group_by(ApplicationItem.support_type)
            .order_by(ApplicationItem.support_type)
        )
    }
    m.paid_by_support = {
        kind: (n, paid)
        for kind, n, paid in session.execute(
            select(
                ApplicationItem.support_type,
                func.count(distinct(Payment.application_id)),
                func.sum(Payment.amount),
            )
            .join(ApplicationItem, ApplicationItem.id == Payment.item_id)
            .where(Payment.paid_on >= m.start, Payment.paid_on <= m.end)
            .group_by(ApplicationItem.support_type)
        )
    }
    m.paid_applications = (
        session.scalar(
            select(func.count(distinct(Payment.application_id))).where(
                Payment.paid_on >= m.start, Payment.paid_on <= m.end
            )
        )
        or 0
    )
    m.by_status = dict(
        session.execute(
            select(Application.status, func.count()).where(in_period).group_by(Application.status)
        ).all()
    )
    days = days_between(Decision.decided_on, Application.application_date)
    for outcome, length, n in session.execute(
        select(Decision.outcome, days, func.count())
        .join(Application, Application.id == Decision.application_id)
        .where(Decision.decided_on >= m.start, Decision.decided_on <= m.end)
        .group_by(Decision.outcome, days)
    ):
        m.decisions[outcome] = m.decisions.get(outcome, 0) + n
        m.days_to_decision[length] += n
    first = (
        select(Payment.application_id, func.min(Payment.paid_on).label("paid_on"))
        .group_by(Payment.application_id)
        .subquery()
    )
    days = days_between(first.c.paid_on, Application.application_date)
    m.days_to_payment = Counter(
        dict(
            session.execute(
                select(days, func.count())
                .select_from(first)
                .join(Application, Application.id == first.c.application_id)
                .where(first.c.paid_on >= m.start, first.c.paid_on <= m.end)
                .group_by(days)
            ).all()
        )
    )


def _referrals(session: Session, m: CouncilMeasures) -> None:
    made = and_(
        Referral.requested_at >= datetime.combine(m.start, time()),
        Referral.requested_at < datetime.combine(m.end + timedelta(days=1), time()),
    )
    m.referrals = {
        org_id: (name, n, accepted, refused, pending)
        for org_id, name, n, accepted, refused, pending in session.execute(
            select(
                Referral.organization_id,
                Organization.name,
                func.count(),
                _n(Referral.status.in_((ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED))),
                _n(Referral.status == ReferralStatus.REFUSED),
                _n(Referral.status == ReferralStatus.PENDING),
            )
            .join(Organization, Organization.id == Referral.organization_id)
            .where(made)
            .group_by(Referral.organization_id, Organization.name)
            .order_by(Organization.name)
        )
    }
    days = days_between(day_of(Referral.responded_at), day_of(Referral.requested_at))
    for org_id, length, n in session.execute(
        select(Referral.organization_id, days, func.count())
        .where(made, Referral.responded_at.is_not(None))
        .group_by(Referral.organization_id, days)
    ):
        m.response_days.setdefault(org_id, Counter())[length] += n


def _followed_on(day: date) -> ColumnElement[bool]:
    return and_(Case.opened_on <= day, or_(Case.closed_on.is_(None), Case.closed_on > day))


def _plans_and_caseload(session: Session, tenant: Tenant, m: CouncilMeasures) -> None:
    m.overdue_cases, m.overdue_actions = session.execute(
        select(func.count(distinct(PlanAction.case_id)), func.count())
        .join(InterventionPlan, InterventionPlan.id == PlanAction.plan_id)
        .join(Case, Case.id == PlanAction.case_id)
        .where(
            _followed_on(m.reference),
            InterventionPlan.status == PlanStatus.ACTIVE,
            PlanAction.status.in_(OPEN_ACTION_STATUSES),
            PlanAction.due_on < m.reference,
        )
    ).one()
    counts = {
        manager: (n, households)
        for manager, n, households in session.execute(
            select(Case.manager_id, func.count(), func.count(distinct(Case.household_id)))
            .where(_followed_on(m.reference))
            .group_by(Case.manager_id)
        )
    }
    managers = dict(
        session.execute(
            select(User.id, User.name)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.tenant_id == tenant.id,
                Membership.role == Role.CASE_MANAGER,
                Membership.active.is_(True),
                User.active.is_(True),
            )
        ).all()
    )
    missing = set(counts) - set(managers)  # cases of someone no longer a case manager
    if missing:
        managers.update(
            session.execute(select(User.id, User.name).where(User.id.in_(missing))).all()
        )
    m.caseload = {
        uid: (name, *counts.get(uid, (0, 0)))
        for uid, name in sorted(managers.items(), key=lambda kv: kv[1])
    }


def _shelter(session: Session, tenant: Tenant, m: CouncilMeasures) -> None:
    start, end, ref = m.start, m.end, m.reference
    in_care = and_(Stay.admitted_on <= end, or_(Stay.ended_on.is_(None), Stay.ended_on >= start))
    admitted = and_(Stay.admitted_on >= start, Stay.admitted_on <= end)
    ended = and_(Stay.ended_on >= start, Stay.ended_on <= end)
    active = and_(Stay.admitted_on <= ref, or_(Stay.ended_on.is_(None), Stay.ended_on > ref))
    readmission = readmitted()
    row = session.execute(
        select(
            _n(in_care),
            _n(admitted),
            _n(ended),
            _n(active),
            _n(and_(active, Stay.expected_end_on <= ref)),
            _n(and_(admitted, readmission)),
        )
        # The FROM named: left to be inferred from the counted expressions, the tenant filter
        # reached only the re-admission's alias, and other councils' stays were counted.
        .select_from(Stay)
        .where(in_care)
    ).one()
    m.stays = dict(
        zip(("in_care", "admitted", "ended", "active", "prolonged", "readmitted"), row, strict=True)
    )
    length = days_between(Stay.ended_on, Stay.admitted_on)
    m.stay_days = Counter(
        dict(session.execute(select(length, func.count()).where(ended).group_by(length)).all())
    )
    hosted = and_(ShelterUnit.host_tenant_id == tenant.id, ShelterUnit.active.is_(True))
    m.places = (
        session.scalar(
            select(func.count(ShelterPlace.id))
            .join(ShelterUnit, ShelterUnit.id == ShelterPlace.unit_id)
            .where(hosted, ShelterPlace.active.is_(True))
        )
        or 0
    )
    ref_end = datetime.combine(ref + timedelta(days=1), time())
    m.occupied = (
        session.scalar(
            select(func.count(Allocation.id))
            .join(ShelterUnit, ShelterUnit.id == Allocation.unit_id)
            .where(
                hosted,
                Allocation.status.in_((AllocationStatus.ADMITTED, AllocationStatus.DISCHARGED)),
                Allocation.admitted_at < ref_end,
                or_(Allocation.discharged_at.is_(None), Allocation.discharged_at >= ref_end),
            )
        )
        or 0
    )
