"""Referrals (*encaminhamentos*): a request to a partner, its answer, and its outcome.

A referral is addressed to an organisation, so that organisation sees the referral itself
(the request, the area, the deadline and the case number) in its inbox; what else of the case
it sees still depends on its shares.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from teia.audit.services import audit
from teia.cases.access import Viewer
from teia.cases.labels import REFERRAL_STATUS
from teia.cases.models import Area, Case, CaseStatus, Referral, ReferralStatus
from teia.cases.services import PAGE_SIZE, CaseError, council_link
from teia.cases.sharing import partner_organizations, partner_users
from teia.core.clock import today
from teia.core.db import utcnow
from teia.core.tenancy import require_tenant_id
from teia.notifications.services import notify

ANSWERS = {
    ReferralStatus.PENDING: {ReferralStatus.ACCEPTED, ReferralStatus.REFUSED},
    ReferralStatus.ACCEPTED: {ReferralStatus.COMPLETED},
}


def create_referral(
    session: Session,
    case: Case,
    *,
    organization_id: int,
    area: Area,
    request: str,
    respond_by: date,
    actor_id: int,
) -> Referral:
    if case.status != CaseStatus.OPEN:
        raise CaseError(_("Só um processo aberto pode ser encaminhado."))
    if organization_id not in {o.id for o in partner_organizations(session)}:
        raise CaseError(_("Escolha uma entidade parceira deste município."))
    if not request.strip():
        raise CaseError(_("Descreva o pedido."))
    if respond_by < today():
        raise CaseError(_("O prazo de resposta já passou."))
    referral = Referral(
        case_id=case.id,
        organization_id=organization_id,
        area=area,
        request=request.strip(),
        respond_by=respond_by,
        requested_by_id=actor_id,
    )
    session.add(referral)
    session.flush()
    audit(
        session,
        "referral.created",
        object_type="case",
        object_id=case.id,
        details={"referral": referral.id, "organization": organization_id},
    )
    link = council_link(session, f"/referrals/{referral.id}")
    for user_id in partner_users(session, [organization_id])[organization_id]:
        notify(
            session,
            user_id=user_id,
            kind="referral_received",
            subject=_("Novo encaminhamento (processo %(number)s)", number=case.number),
            body=_("Resposta pedida até %(d)s.", d=respond_by.strftime("%d/%m/%Y")),
            link=link,
            tenant_id=require_tenant_id(),
        )
    return referral


def referral_query(viewer: Viewer) -> Select[tuple[Referral]]:
    """Referrals the viewer reaches: all of the council for staff, its own for a partner."""
    stmt = select(Referral).options(joinedload(Referral.case), joinedload(Referral.organization))
    if not viewer.staff:
        stmt = stmt.where(Referral.organization_id == viewer.organization_id)
    return stmt


def inbox(session: Session, viewer: Viewer, status: str | None = None) -> list[Referral]:
    stmt = referral_query(viewer)
    if status:
        stmt = stmt.where(Referral.status == status)
    return list(
        session.scalars(stmt.order_by(Referral.respond_by, Referral.id).limit(200)).unique()
    )


def referral_page(
    session: Session, viewer: Viewer, status: str | None, page: int
) -> tuple[list[Referral], int]:
    """One page of the inbox (by deadline) and the total, counted in the same pass."""
    stmt = referral_query(viewer)
    if status:
        stmt = stmt.where(Referral.status == status)
    rows = session.execute(
        stmt.add_columns(func.count().over())
        .order_by(Referral.respond_by, Referral.id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return [referral for referral, _total in rows], rows[0][1] if rows else 0


def get_referral(session: Session, viewer: Viewer, referral_id: int) -> Referral:
    referral = session.scalar(referral_query(viewer).where(Referral.id == referral_id))
    if referral is None:
        raise LookupError(referral_id)
    return referral


def answer_referral(
    session: Session,
    viewer: Viewer,
    referral: Referral,
    *,
    status: ReferralStatus,
    reason: str = "",
    outcome: str = "",
) -> None:
    """The partner accepts or refuses (refusal needs a reason), then records the outcome."""
    if viewer.staff and status != ReferralStatus.CANCELLED:
        raise CaseError(_("Só a entidade destinatária responde ao encaminhamento."))
    if status == ReferralStatus.CANCELLED:
        if not viewer.staff or referral.status not in (
            ReferralStatus.PENDING,
            ReferralStatus.ACCEPTED,
        ):
            raise CaseError(_("Este encaminhamento já não pode ser cancelado."))
    elif status not in ANSWERS.get(ReferralStatus(referral.status), set()):
        raise CaseError(_("Este encaminhamento já não aceita essa resposta."))
    if status == ReferralStatus.REFUSED and not reason.strip():
        raise CaseError(_("Indique o motivo da recusa."))
    if status == ReferralStatus.COMPLETED and not outcome.strip():
        raise CaseError(_("Descreva o resultado."))
    old = referral.status
    referral.status = status
    now = utcnow()
    if status in (ReferralStatus.ACCEPTED, ReferralStatus.REFUSED):
        referral.response_reason = reason.strip() or None
        referral.responded_by_id = viewer.user_id
        referral.responded_at = now
    if status == ReferralStatus.COMPLETED:
        referral.outcome = outcome.strip()
        referral.completed_at = now
    audit(
        session,
        "referral.answered",
        object_type="case",
        object_id=referral.case_id,
        details={"referral": referral.id, "from": old, "to": status},
    )
    if not viewer.staff:
        case = session.get(Case, referral.case_id)
        notify(
            session,
            user_id=case.manager_id,  # type: ignore[union-attr]
            kind="referral_answered",
            subject=_("Resposta a encaminhamento (processo %(number)s)", number=case.number),  # type: ignore[union-attr]
            body=_(
                "%(org)s: %(status)s",
                org=referral.organization.name,
                status=REFERRAL_STATUS[status],
            ),
            link=council_link(session, f"/cases/{referral.case_id}/referrals"),
            tenant_id=require_tenant_id(),
        )
    session.flush()
