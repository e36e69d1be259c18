"""Protected discharge (the seed's five steps) and the post-discharge follow-up.

A planned discharge needs steps 1 to 4 recorded first (safety confirmed, the post-discharge
plan agreed, services continued, documents handed over); an unplanned exit (the person left,
or died) is recorded with a note, and the steps not done show as missing. Step 5 (intensive
initial follow-up) may be recorded after the discharge.

Discharging ends the stay, returns the place to the pool (the allocation is discharged),
closes the host council's admission sheet and, for a planned exit, schedules the follow-up
contacts of :data:`FOLLOW_UP_PHASES`, each with a reminder to whoever follows the person.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.audit.services import audit
from teia.core.clock import today
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Reminder
from teia.notifications.services import ReminderMessage, reminder_kind, schedule_reminder
from teia.shelter import lifecycle
from teia.shelter.labels import DISCHARGE_STEPS, END_REASON, FOLLOW_UP_TOPIC
from teia.shelter.lifecycle import ShelterError
from teia.shelter.models import (
    AdmissionSheet,
    DischargeStep,
    FollowUpContact,
    Stay,
    StayStatus,
)
from teia.tenants.models import Tenant

REQUIRED_STEPS = (1, 2, 3, 4)  # before a planned discharge
AFTER_DISCHARGE_STEP = 5  # intensive initial follow-up: recorded after the discharge too
UNPLANNED_END_REASONS = ("absconded", "death")
# Post-discharge contacts, frequent at first and fewer as things settle: (every so many
# days, up to so many days after the discharge). Weekly for the first 4 weeks, fortnightly
# for the next 8 weeks, then monthly until 6 months: days 7, 14, 21, 28, 42, 56, 70, 84,
# 114, 144 and 174.
FOLLOW_UP_PHASES = ((7, 28), (14, 84), (30, 183))
FOLLOW_UP = "follow_up_contact"


def follow_up_days() -> list[int]:
    """Days after the discharge on which a follow-up contact is due."""
    days, last = [], 0
    for every, until in FOLLOW_UP_PHASES:
        while last + every <= until:
            last += every
            days.append(last)
    return days


def steps(session: Session, stay: Stay) -> dict[int, DischargeStep]:
    return {
        s.step: s
        for s in session.scalars(select(DischargeStep).where(DischargeStep.stay_id == stay.id))
    }


def missing_steps(recorded: Iterable[int]) -> list[int]:
    """The steps required before a planned discharge that are not recorded."""
    done = set(recorded)
    return [n for n in REQUIRED_STEPS if n not in done]


def follow_ups(session: Session, stay: Stay) -> list[FollowUpContact]:
    return list(
        session.scalars(
            select(FollowUpContact)
            .where(FollowUpContact.stay_id == stay.id)
            .order_by(FollowUpContact.due_on, FollowUpContact.id)
        )
    )


def record_step(
    session: Session, stay: Stay, *, step: int, done_on: date, notes: str, actor_id: int
) -> DischargeStep:
    """Record one of the five steps as done, with what was done."""
    if step not in DISCHARGE_STEPS:
        raise ShelterError(_("Escolha um dos cinco passos."), field="step")
    if stay.status != StayStatus.ACTIVE and step != AFTER_DISCHARGE_STEP:
        raise ShelterError(
            _("Depois do desligamento só se regista o acompanhamento intensivo inicial (5)."),
            field="step",
        )
    if done_on < stay.admitted_on or done_on > today():
        raise ShelterError(_("A data tem de estar entre a admissão e hoje."), field="done_on")
    notes = notes.strip()
    if not notes:
        raise ShelterError(_("Descreva o que foi feito."), field="notes")
    if step in steps(session, stay):
        raise ShelterError(_("Este passo já está registado."), field="step")
    recorded = DischargeStep(
        stay_id=stay.id, step=step, done_on=done_on, notes=notes, recorded_by_id=actor_id
    )
    session.add(recorded)
    audit(
        session,
        "shelter.discharge.step_recorded",
        object_type="stay",
        object_id=stay.id,
        details={"step": step},
    )
    session.flush()
    return recorded


def discharge(
    session: Session,
    stay: Stay,
    *,
    ended_on: date,
    reason: str,
    notes: str,
    actor_id: int,
    follow_up_by: int | None = None,
    allowed_user_ids: set[int] | None = None,
) -> list[FollowUpContact]:
    """End the stay: the place returns to the pool, the host's admission sheet is closed,
    and a planned exit gets its follow-up contacts. Returns them."""
    if stay.status != StayStatus.ACTIVE:
        raise ShelterError(_("Este acolhimento já terminou."))
    if reason not in END_REASON:
        raise ShelterError(_("Escolha o motivo do desligamento."), field="reason")
    if ended_on < stay.admitted_on or ended_on > today():
        raise ShelterError(_("A data tem de estar entre a admissão e hoje."), field="ended_on")
    notes = notes.strip()
    unplanned = reason in UNPLANNED_END_REASONS
    missing = missing_steps(steps(session, stay))
    if unplanned and not notes:
        raise ShelterError(
            _("Numa saída não planeada, descreva o que aconteceu e o que foi feito."),
            field="notes",
        )
    if missing and not unplanned:
        raise ShelterError(
            _(
                "Um desligamento protegido precisa primeiro dos passos %(steps)s registados.",
                steps=", ".join(str(n) for n in missing),
            ),
            field="reason",
        )
    responsible = follow_up_by or stay.technical_referent_id
    if follow_up_by is not None and follow_up_by not in (allowed_user_ids or set()):
        raise ShelterError(
            _("Esta pessoa não pertence à equipa do município."), field="follow_up_by"
        )
    stay.status = StayStatus.DISCHARGED
    stay.ended_on = ended_on
    stay.end_reason = reason
    stay.end_notes = notes or None
    session.flush()
    lifecycle.mark_discharged(session, stay.allocation, actor_id=actor_id)
    _close_sheet(session, stay, ended_on)
    contacts = [] if unplanned else _schedule_follow_up(session, stay, ended_on, responsible)
    audit(
        session,
        "shelter.stay.discharged",
        object_type="stay",
        object_id=stay.id,
        details={"reason": reason, "missing_steps": missing, "follow_ups": len(contacts)},
    )
    session.flush()
    return contacts


def _close_sheet(session: Session, stay: Stay, ended_on: date) -> None:
    """The admission sheet is the host council's row: written in its scope."""
    with tenant_scope(stay.unit.host_tenant_id):
        sheet = session.scalar(
            select(AdmissionSheet).where(AdmissionSheet.allocation_id == stay.allocation_id)
        )
        if sheet is not None:
            sheet.ended_on = ended_on
            session.flush()


def _schedule_follow_up(
    session: Session, stay: Stay, ended_on: date, responsible_id: int
) -> list[FollowUpContact]:
    contacts = [
        FollowUpContact(
            stay_id=stay.id, due_on=ended_on + timedelta(days=n), responsible_id=responsible_id
        )
        for n in follow_up_days()
    ]
    session.add_all(contacts)
    session.flush()
    for contact in contacts:
        schedule_reminder(
            session,
            object_type="follow_up",
            object_id=contact.id,
            kind=FOLLOW_UP,
            due_date=contact.due_on,
            user_id=responsible_id,
        )
    return contacts


def record_follow_up(
    session: Session,
    stay: Stay,
    contact: FollowUpContact,
    *,
    done_on: date,
    observations: dict[str, str],
    notes: str,
) -> None:
    """A post-discharge contact made: what was seen of school, family, health, income and
    the support network."""
    if contact.done_on is not None:
        raise ShelterError(_("Este contacto já está registado."))
    if stay.ended_on is None or done_on < stay.ended_on or done_on > today():
        raise ShelterError(_("A data tem de estar entre o desligamento e hoje."), field="done_on")
    seen = {k: v.strip() for k, v in observations.items() if k in FOLLOW_UP_TOPIC and v.strip()}
    notes = notes.strip()
    if not seen and not notes:
        raise ShelterError(_("Registe pelo menos uma observação."), field="notes")
    contact.done_on = done_on
    contact.observations = seen
    contact.notes = notes or None
    audit(
        session,
        "shelter.follow_up.recorded",
        object_type="stay",
        object_id=stay.id,
        details={"follow_up": contact.id},
    )
    session.flush()


@reminder_kind(FOLLOW_UP, _l("Contacto de acompanhamento pós-desligamento"))
def _follow_up_due(session: Session, reminder: Reminder) -> ReminderMessage | None:
    contact = session.get(FollowUpContact, reminder.object_id)
    if contact is None or contact.done_on is not None:
        return None
    stay = session.get(Stay, contact.stay_id)
    tenant = session.get(Tenant, reminder.tenant_id)
    assert stay is not None and tenant is not None
    return ReminderMessage(
        subject=_("Acompanhamento pós-desligamento (guia %(guide)s)", guide=stay.referral_guide),
        body=_(
            "Está previsto um contacto de acompanhamento a %(d)s: frequência escolar e rotina, "
            "convivência familiar, saúde, rendimento e rede de apoio.",
            d=contact.due_on.strftime("%d/%m/%Y"),
        ),
        link=f"/t/{tenant.slug}/shelter/stays/{stay.id}",
    )
