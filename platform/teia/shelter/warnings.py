"""Warning signs of undue institutionalisation (the seed's list), decided in one place.

The same rules put badges on the stay page, the stays list and the board, schedule the
technical referent's reminders in the daily task, and decide, when a reminder comes due,
whether it still holds (a reminder no longer due is cancelled):

- ``stay_prolonged``: the stay passed the modality's expected duration (a permanent answer, an
  ERPI say, has none and is never prolonged);
- ``care_plan_incomplete``: :data:`PLAN_COMPLETE_WITHIN_DAYS` after admission the PIA/PIF has no
  main goal, no goals, or open goals without a deadline;
- ``care_plan_stalled``: the last two reviews found no progress and changed nothing;
- ``no_family_contact``: no family visit or call, and no recorded technical reason for it, in
  the last :data:`FAMILY_CONTACT_WINDOW_DAYS` days;
- ``care_plan_review_due``: the plan's next review date arrived.

Each sign has the day it became due, computed from the stay's facts alone; that day is the
reminder's natural key, so recording a contact or a review moves it and the reminder of the
old day is cancelled when it comes up. The facts of any number of stays are read in four
queries (:func:`stay_facts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from teia.notifications.models import Reminder
from teia.notifications.services import ReminderMessage, reminder_kind, schedule_reminder
from teia.shelter.labels import WARNING_SIGN
from teia.shelter.models import (
    CarePlan,
    CarePlanGoal,
    CarePlanReview,
    Stay,
    StayContact,
    StayStatus,
)
from teia.tenants.models import Tenant

PROLONGED = "stay_prolonged"
PLAN_INCOMPLETE = "care_plan_incomplete"
PLAN_STALLED = "care_plan_stalled"
NO_FAMILY_CONTACT = "no_family_contact"
REVIEW_DUE = "care_plan_review_due"
KINDS = (PROLONGED, PLAN_INCOMPLETE, PLAN_STALLED, NO_FAMILY_CONTACT, REVIEW_DUE)

PLAN_COMPLETE_WITHIN_DAYS = 15
FAMILY_CONTACT_WINDOW_DAYS = 30
FAMILY_CONTACT_KINDS = ("family_visit", "family_call")
NO_VISIT_REASON = "no_visit_reason"
STALLED_AFTER_REVIEWS = 2
OBJECT_TYPE = "stay"


@dataclass(frozen=True)
class StayFacts:
    """What the rules look at for one stay."""

    stay_id: int
    admitted_on: date
    expected_end_on: date | None
    referent_id: int
    has_main_goal: bool = False
    goals: int = 0  # not dropped
    open_goals_without_due: int = 0
    next_review_on: date | None = None
    # The latest reviews, newest first: (reviewed on, progress, plan changed).
    last_reviews: tuple[tuple[date, str, bool], ...] = ()
    last_family_contact: date | None = None
    last_no_visit_reason: date | None = None


@dataclass(frozen=True)
class Sign:
    kind: str
    due_on: date

    @property
    def label(self) -> str:
        return str(WARNING_SIGN[self.kind])


def due_days(facts: StayFacts) -> dict[str, date]:
    """For each sign whose condition holds now, the day it is (or will be) due."""
    due = {PROLONGED: facts.expected_end_on} if facts.expected_end_on is not None else {}
    if not facts.has_main_goal or not facts.goals or facts.open_goals_without_due:
        due[PLAN_INCOMPLETE] = facts.admitted_on + timedelta(days=PLAN_COMPLETE_WITHIN_DAYS)
    reviews = facts.last_reviews[:STALLED_AFTER_REVIEWS]
    if len(reviews) == STALLED_AFTER_REVIEWS and all(
        progress == "none" and not changed for _on, progress, changed in reviews
    ):
        due[PLAN_STALLED] = reviews[0][0]
    latest = max(
        d
        for d in (facts.admitted_on, facts.last_family_contact, facts.last_no_visit_reason)
        if d is not None
    )
    due[NO_FAMILY_CONTACT] = latest + timedelta(days=FAMILY_CONTACT_WINDOW_DAYS + 1)
    if facts.next_review_on is not None:
        due[REVIEW_DUE] = facts.next_review_on
    return due


def signs(facts: StayFacts, on: date) -> list[Sign]:
    """The signs showing on ``on``, in the order of :data:`KINDS`."""
    due = due_days(facts)
    return [Sign(kind, due[kind]) for kind in KINDS if kind in due and due[kind] <= on]


def stay_facts(session: Session, stays: ColumnElement[bool]) -> dict[int, StayFacts]:
    """The facts of the stays matching ``stays`` (a condition on :class:`Stay`), in 4 queries."""
    base = session.execute(
        select(
            Stay.id,
            Stay.admitted_on,
            Stay.expected_end_on,
            Stay.technical_referent_id,
            CarePlan.main_goal,
            CarePlan.next_review_on,
        )
        .outerjoin(CarePlan, CarePlan.stay_id == Stay.id)
        .where(stays)
    ).all()
    if not base:
        return {}
    goals = {
        row.stay_id: row
        for row in session.execute(
            select(
                CarePlan.stay_id,
                func.count(CarePlanGoal.id).label("goals"),
                func.count(
                    case((and_(CarePlanGoal.status == "open", CarePlanGoal.due_on.is_(None)), 1))
                ).label("without_due"),
            )
            .join(CarePlan, CarePlan.id == CarePlanGoal.plan_id)
            .join(Stay, Stay.id == CarePlan.stay_id)
            .where(stays, CarePlanGoal.status != "dropped")
            .group_by(CarePlan.stay_id)
        )
    }
    ranked = (
        select(
            CarePlan.stay_id,
            CarePlanReview.reviewed_on,
            CarePlanReview.progress,
            CarePlanReview.plan_changed,
            func.row_number()
            .over(
                partition_by=CarePlanReview.plan_id,
                order_by=(CarePlanReview.reviewed_on.desc(), CarePlanReview.id.desc()),
            )
            .label("n"),
        )
        .join(CarePlan, CarePlan.id == CarePlanReview.plan_id)
        .join(Stay, Stay.id == CarePlan.stay_id)
        .where(stays)
        .subquery()
    )
    reviews: dict[int, list[tuple[date, str, bool]]] = {}
    for row in session.execute(
        select(ranked).where(ranked.c.n <= STALLED_AFTER_REVIEWS).order_by(ranked.c.n)
    ):
        reviews.setdefault(row.stay_id, []).append(
            (row.reviewed_on, row.progress, bool(row.plan_changed))
        )
    contacts = {
        row.stay_id: row
        for row in session.execute(
            select(
                StayContact.stay_id,
                func.max(
                    case((StayContact.kind.in_(FAMILY_CONTACT_KINDS), StayContact.occurred_on))
                ).label("family"),
                func.max(
                    case((StayContact.kind == NO_VISIT_REASON, StayContact.occurred_on))
                ).label("reason"),
            )
            .join(Stay, Stay.id == StayContact.stay_id)
            .where(stays)
            .group_by(StayContact.stay_id)
        )
    }
    facts = {}
    for row in base:
        goal_row = goals.get(row.id)
        contact_row = contacts.get(row.id)
        facts[row.id] = StayFacts(
            stay_id=row.id,
            admitted_on=row.admitted_on,
            expected_end_on=row.expected_end_on,
            referent_id=row.technical_referent_id,
            has_main_goal=bool(row.main_goal),
            goals=goal_row.goals if goal_row else 0,
            open_goals_without_due=goal_row.without_due if goal_row else 0,
            next_review_on=row.next_review_on,
            last_reviews=tuple(reviews.get(row.id, ())),
            last_family_contact=contact_row.family if contact_row else None,
            last_no_visit_reason=contact_row.reason if contact_row else None,
        )
    return facts


def signs_of(session: Session, stay_ids: Iterable[int], on: date) -> dict[int, list[Sign]]:
    """The signs of the given active stays on ``on`` (a discharged stay shows none)."""
    ids = list(stay_ids)
    if not ids:
        return {}
    facts = stay_facts(session, and_(Stay.id.in_(ids), Stay.status == StayStatus.ACTIVE))
    return {stay_id: signs(f, on) for stay_id, f in facts.items()}


def schedule_warnings(session: Session, day: date) -> int:
    """Schedule the referent's reminder for every sign showing on ``day`` on the active stays
    of the council in scope; returns how many were new. Reads the facts and the reminders
    already stored in a fixed number of queries, and inserts only the new ones."""
    active = Stay.status == StayStatus.ACTIVE
    facts = stay_facts(session, active)
    stored = {
        (stay_id, kind, due_on)
        for stay_id, kind, due_on in session.execute(
            select(Reminder.object_id, Reminder.kind, Reminder.due_date).where(
                Reminder.object_type == OBJECT_TYPE,
                Reminder.kind.in_(KINDS),
                Reminder.object_id.in_(select(Stay.id).where(active)),
            )
        )
    }
    scheduled = 0
    for stay_id, stay in facts.items():
        for sign in signs(stay, day):
            if (stay_id, sign.kind, sign.due_on) in stored:
                continue
            schedule_reminder(
                session,
                object_type=OBJECT_TYPE,
                object_id=stay_id,
                kind=sign.kind,
                due_date=sign.due_on,
                user_id=stay.referent_id,
            )
            scheduled += 1
    return scheduled


# --- the reminders ----------------------------------------------------------------------------


def _still_due(session: Session, reminder: Reminder) -> Stay | None:
    """The stay, when the reminder's sign still holds with the same due day; else None."""
    facts = stay_facts(
        session, and_(Stay.id == reminder.object_id, Stay.status == StayStatus.ACTIVE)
    ).get(reminder.object_id)
    if facts is None or due_days(facts).get(reminder.kind) != reminder.due_date:
        return None
    return session.get(Stay, reminder.object_id)


def _message(session: Session, reminder: Reminder, body: str) -> ReminderMessage | None:
    stay = _still_due(session, reminder)
    if stay is None:
        return None
    tenant = session.get(Tenant, reminder.tenant_id)
    assert tenant is not None
    return ReminderMessage(
        subject=_(
            "Acolhimento (guia %(guide)s): %(sign)s",
            guide=stay.referral_guide,
            sign=WARNING_SIGN[reminder.kind],
        ),
        body=body,
        link=f"/t/{tenant.slug}/shelter/stays/{stay.id}",
    )


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


@reminder_kind(PROLONGED, WARNING_SIGN[PROLONGED])
def _prolonged(session: Session, reminder: Reminder) -> ReminderMessage | None:
    return _message(
        session,
        reminder,
        _(
            "O acolhimento passou a duração prevista a %(d)s. Reveja o projeto de saída e as "
            "pendências que o prolongam.",
            d=_day(reminder.due_date),
        ),
    )


@reminder_kind(PLAN_INCOMPLETE, WARNING_SIGN[PLAN_INCOMPLETE])
def _incomplete(session: Session, reminder: Reminder) -> ReminderMessage | None:
    return _message(
        session,
        reminder,
        _(
            "%(n)s dias depois da admissão, o PIA/PIF ainda não tem objetivo principal, metas "
            "ou prazos para todas as metas.",
            n=PLAN_COMPLETE_WITHIN_DAYS,
        ),
    )


@reminder_kind(PLAN_STALLED, WARNING_SIGN[PLAN_STALLED])
def _stalled(session: Session, reminder: Reminder) -> ReminderMessage | None:
    return _message(
        session,
        reminder,
        _(
            "As duas últimas reavaliações do plano (a última a %(d)s) não registaram avanços "
            "nem alterações ao plano.",
            d=_day(reminder.due_date),
        ),
    )


@reminder_kind(NO_FAMILY_CONTACT, WARNING_SIGN[NO_FAMILY_CONTACT])
def _no_family_contact(session: Session, reminder: Reminder) -> ReminderMessage | None:
    return _message(
        session,
        reminder,
        _(
            "Não há visitas nem contactos familiares registados nos últimos %(n)s dias, nem "
            "justificação técnica para a sua ausência.",
            n=FAMILY_CONTACT_WINDOW_DAYS,
        ),
    )


@reminder_kind(REVIEW_DUE, WARNING_SIGN[REVIEW_DUE])
def _review_due(session: Session, reminder: Reminder) -> ReminderMessage | None:
    return _message(
        session,
        reminder,
        _("A reavaliação do plano estava marcada para %(d)s.", d=_day(reminder.due_date)),
    )
