"""The applications' daily deadlines, in the council in scope: notices of missing documents
that lapsed become exclusion proposals (art. 12.º, n.º 1), and the technician is reminded of
notices about to lapse and of proofs of expense coming due (art. 17.º, n.º 1)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from teia.applications.models import (
    Application,
    ApplicationStatus,
    DocumentRequest,
    Payment,
    RequestStatus,
)
from teia.applications.services import propose_exclusion
from teia.applications.workflow import SYSTEM
from teia.core.tenancy import require_tenant_id
from teia.notifications.models import Reminder
from teia.notifications.services import ReminderMessage, notify, reminder_kind, schedule_reminder
from teia.regulations.schema_rules import REQUIRED_EXCLUSION
from teia.regulations.workdays import add_working_days
from teia.tenants.models import Tenant

DOCUMENTS_DUE = "application_documents_due"
PROOF_DUE = "application_proof_due"
REMIND_WORKING_DAYS = 2  # before a notice lapses
REMIND_PROOF_DAYS = 7  # before a proof of expense is due


def application_link(tenant: Tenant, application_id: int) -> str:
    return f"/t/{tenant.slug}/applications/{application_id}"


def run_daily_deadlines(session: Session, tenant: Tenant, day: date) -> int:
    """Expire lapsed notices and schedule reminders; returns how many notices expired."""
    expired = expire_document_requests(session, tenant, day)
    remind_documents_due(session, tenant, day)
    remind_proofs_due(session, day)
    return expired


def expire_document_requests(session: Session, tenant: Tenant, day: date) -> int:
    """Notices past their last day with the application still waiting: propose the exclusion
    and tell the technician."""
    applications = session.scalars(
        select(Application)
        .where(
            Application.status == ApplicationStatus.AWAITING_DOCUMENTS,
            Application.id.in_(
                select(DocumentRequest.application_id).where(
                    DocumentRequest.status == RequestStatus.OPEN, DocumentRequest.due_on < day
                )
            ),
        )
        .options(
            selectinload(Application.document_requests),
            selectinload(Application.events),
            selectinload(Application.regulation_version),
        )
        .order_by(Application.id)
    ).all()
    for application in applications:
        propose_exclusion(
            session,
            application,
            cause=REQUIRED_EXCLUSION,
            note=_("Prazo de regularização terminado sem resposta."),
            actor=SYSTEM,
            on=day,
        )
        notify(
            session,
            user_id=application.technician_id,
            kind="application_exclusion_proposed",
            subject=_("Candidatura %(number)s: exclusão proposta", number=application.number),
            body=_(
                "O prazo para entregar os documentos pedidos terminou sem regularização; a "
                "exclusão foi proposta (art. 12.º, n.º 1) e aguarda decisão."
            ),
            link=application_link(tenant, application.id),
            tenant_id=require_tenant_id(),
        )
    return len(applications)


def remind_documents_due(session: Session, tenant: Tenant, day: date) -> None:
    """A reminder to the technician when a notice lapses within two working days."""
    horizon = add_working_days(tenant, day, REMIND_WORKING_DAYS)
    rows = session.execute(
        select(DocumentRequest.id, Application.technician_id)
        .join(Application, Application.id == DocumentRequest.application_id)
        .where(
            DocumentRequest.status == RequestStatus.OPEN,
            DocumentRequest.due_on >= day,
            DocumentRequest.due_on <= horizon,
            Application.status == ApplicationStatus.AWAITING_DOCUMENTS,
        )
    ).all()
    for request_id, technician_id in rows:
        schedule_reminder(
            session,
            object_type="document_request",
            object_id=request_id,
            kind=DOCUMENTS_DUE,
            due_date=day,
            user_id=technician_id,
        )


def remind_proofs_due(session: Session, day: date) -> None:
    """A reminder to the technician a week before a proof of expense is due."""
    rows = session.execute(
        select(Payment.id, Application.technician_id)
        .join(Application, Application.id == Payment.application_id)
        .where(
            Payment.proof_received_on.is_(None),
            Payment.proof_due_on >= day,
            Payment.proof_due_on <= day + timedelta(days=REMIND_PROOF_DAYS),
            Application.status.in_((ApplicationStatus.APPROVED, ApplicationStatus.PAID)),
        )
    ).all()
    for payment_id, technician_id in rows:
        schedule_reminder(
            session,
            object_type="application_payment",
            object_id=payment_id,
            kind=PROOF_DUE,
            due_date=day,
            user_id=technician_id,
        )


@reminder_kind(DOCUMENTS_DUE, _l("Prazo de regularização de uma candidatura a terminar"))
def _documents_due(session: Session, reminder: Reminder) -> ReminderMessage | None:
    notice = session.get(DocumentRequest, reminder.object_id)
    if notice is None or notice.status != RequestStatus.OPEN:
        return None
    application = session.get(Application, notice.application_id)
    tenant = session.get(Tenant, reminder.tenant_id)
    assert application is not None and tenant is not None
    return ReminderMessage(
        subject=_("Candidatura %(number)s: prazo a terminar", number=application.number),
        body=_(
            "O prazo para regularizar os documentos pedidos termina a %(date)s; depois, a "
            "exclusão é proposta (art. 12.º, n.º 1).",
            date=notice.due_on.strftime("%d/%m/%Y"),
        ),
        link=application_link(tenant, application.id),
    )


@reminder_kind(PROOF_DUE, _l("Comprovativo de despesa de uma candidatura a entregar"))
def _proof_due(session: Session, reminder: Reminder) -> ReminderMessage | None:
    payment = session.get(Payment, reminder.object_id)
    if payment is None or payment.proof_received_on is not None:
        return None
    application = session.get(Application, payment.application_id)
    tenant = session.get(Tenant, reminder.tenant_id)
    assert application is not None and tenant is not None
    if application.status not in (ApplicationStatus.APPROVED, ApplicationStatus.PAID):
        return None
    return ReminderMessage(
        subject=_("Candidatura %(number)s: comprovativo de despesa", number=application.number),
        body=_(
            "O comprovativo da despesa paga a %(paid)s deve ser entregue até %(due)s "
            "(art. 17.º, n.º 1); sem ele o apoio pode cessar (art. 18.º, a)).",
            paid=payment.paid_on.strftime("%d/%m/%Y"),
            due=payment.proof_due_on.strftime("%d/%m/%Y"),
        ),
        link=application_link(tenant, application.id),
    )
