"""What happens to an allocation after the desk offers a place: the unit's answer, expiry,
withdrawal, admission and discharge; each step logged in the pool and told to those who act
next. The offer itself (ranking, holding a place) is in :mod:`teia.shelter.allocation`.

Status changes are conditional UPDATEs (``WHERE status = <expected>``): of two answers, two
expiries, or an answer racing an expiry, exactly one wins; the other is refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from teia.accounts.models import Membership, Role
from teia.core.db import utcnow
from teia.core.tenancy import tenant_scope
from teia.notifications.services import notify
from teia.shelter.labels import ALLOCATION_STATUS
from teia.shelter.models import (
    Allocation,
    AllocationEvent,
    AllocationStatus,
    PlacementProfile,
    PlacementRequest,
    ProfileStatus,
    ShelterUnit,
)
from teia.tenants.models import Consortium, Tenant


class ShelterError(ValueError):
    """A refused step, with the reason in Portuguese; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def log_event(
    session: Session,
    profile: PlacementProfile,
    action: str,
    *,
    allocation: Allocation | None = None,
    actor_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AllocationEvent:
    """Append one entry to the desk's log (what happened, by whom, and why)."""
    event = AllocationEvent(
        consortium_id=profile.consortium_id,
        profile_id=profile.id,
        allocation_id=allocation.id if allocation is not None else None,
        action=action,
        actor_id=actor_id,
        details=details or {},
    )
    session.add(event)
    session.flush()
    return event


def _move(
    session: Session,
    allocation: Allocation,
    expected: tuple[AllocationStatus, ...],
    new: AllocationStatus,
    **values: Any,
) -> None:
    """Change the status only if it is still one of ``expected`` (else ShelterError)."""
    moved = session.execute(
        update(Allocation)
        .where(Allocation.id == allocation.id, Allocation.status.in_(expected))
        .values(status=new, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(allocation)
    if not moved:
        raise ShelterError(
            _(
                "Esta oferta já não está %(expected)s: está %(status)s.",
                expected=" / ".join(str(ALLOCATION_STATUS[s]) for s in expected),
                status=ALLOCATION_STATUS[allocation.status],
            )
        )


def respond(
    session: Session,
    allocation: Allocation,
    *,
    accept: bool,
    actor_id: int,
    reason: str | None = None,
) -> None:
    """The unit accepts the offered place, or refuses it with a reason (the place returns)."""
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ShelterError(_("Indique o motivo da recusa."), field="reason")
    now = utcnow()
    if accept:
        if allocation.expires_at < now:
            raise ShelterError(_("O prazo da oferta terminou; a vaga voltou ao conjunto."))
        _move(
            session,
            allocation,
            (AllocationStatus.OFFERED,),
            AllocationStatus.ACCEPTED,
            responded_by_id=actor_id,
            responded_at=now,
        )
    else:
        _move(
            session,
            allocation,
            (AllocationStatus.OFFERED,),
            AllocationStatus.REFUSED,
            responded_by_id=actor_id,
            responded_at=now,
            refusal_reason=reason,
        )
        _back_to_queue(session, allocation.profile)
    action = "accepted" if accept else "refused"
    log_event(
        session,
        allocation.profile,
        action,
        allocation=allocation,
        actor_id=actor_id,
        details={"reason": reason} if reason else {},
    )
    subject = (
        _("Vaga aceite pela unidade (pedido %(ref)s)", ref=allocation.profile.reference)
        if accept
        else _("Vaga recusada pela unidade (pedido %(ref)s)", ref=allocation.profile.reference)
    )
    body = allocation.unit.name + ("" if accept else f": {reason}")
    tell_requester(session, allocation.profile, subject, body)
    if not accept:
        _tell_desk(session, allocation.profile, subject, body)


def withdraw(session: Session, allocation: Allocation, *, actor_id: int, reason: str) -> None:
    """The desk takes back an offer not yet taken up (the place returns, the request queues)."""
    reason = reason.strip()
    if not reason:
        raise ShelterError(_("Indique o motivo."), field="reason")
    _move(
        session,
        allocation,
        (AllocationStatus.OFFERED, AllocationStatus.ACCEPTED),
        AllocationStatus.WITHDRAWN,
        responded_at=utcnow(),
        refusal_reason=reason,
    )
    _back_to_queue(session, allocation.profile)
    log_event(
        session,
        allocation.profile,
        "withdrawn",
        allocation=allocation,
        actor_id=actor_id,
        details={"reason": reason},
    )


def expire_due(session: Session, now: datetime | None = None) -> int:
    """Expire every offer left unanswered past its time; the places return. Returns how many."""
    now = now or utcnow()
    due = list(
        session.scalars(
            select(Allocation).where(
                Allocation.status == AllocationStatus.OFFERED, Allocation.expires_at < now
            )
        )
    )
    expired = 0
    for allocation in due:
        try:
            _move(session, allocation, (AllocationStatus.OFFERED,), AllocationStatus.EXPIRED)
        except ShelterError:
            continue  # answered meanwhile
        _back_to_queue(session, allocation.profile)
        log_event(session, allocation.profile, "expired", allocation=allocation)
        subject = _(
            "Oferta de vaga expirou sem resposta (pedido %(ref)s)", ref=allocation.profile.reference
        )
        _tell_desk(session, allocation.profile, subject, allocation.unit.name)
        tell_requester(session, allocation.profile, subject, allocation.unit.name)
        expired += 1
    return expired


def mark_admitted(session: Session, allocation: Allocation, *, actor_id: int) -> None:
    """The person arrived: the accepted place now holds the stay."""
    now = utcnow()
    _move(
        session,
        allocation,
        (AllocationStatus.ACCEPTED,),
        AllocationStatus.ADMITTED,
        admitted_at=now,
    )
    profile = allocation.profile
    profile.status = ProfileStatus.PLACED
    profile.closed_at = now
    log_event(session, profile, "admitted", allocation=allocation, actor_id=actor_id)


def mark_discharged(session: Session, allocation: Allocation, *, actor_id: int) -> None:
    """The stay ended: the place returns to the pool."""
    _move(
        session,
        allocation,
        (AllocationStatus.ADMITTED,),
        AllocationStatus.DISCHARGED,
        discharged_at=utcnow(),
    )
    log_event(session, allocation.profile, "discharged", allocation=allocation, actor_id=actor_id)


def cancel_profile(
    session: Session, profile: PlacementProfile, *, actor_id: int, reason: str
) -> None:
    """The requesting council withdraws its request: any held place returns."""
    if profile.status not in (ProfileStatus.WAITING, ProfileStatus.OFFERED):
        raise ShelterError(_("Este pedido já não está em fila."))
    holding = session.scalar(
        select(Allocation).where(
            Allocation.profile_id == profile.id,
            Allocation.status.in_((AllocationStatus.OFFERED, AllocationStatus.ACCEPTED)),
        )
    )
    if holding is not None:
        _move(
            session,
            holding,
            (AllocationStatus.OFFERED, AllocationStatus.ACCEPTED),
            AllocationStatus.WITHDRAWN,
            responded_at=utcnow(),
            refusal_reason=reason,
        )
    profile.status = ProfileStatus.CANCELLED
    profile.closed_at = utcnow()
    log_event(
        session,
        profile,
        "cancelled",
        allocation=holding,
        actor_id=actor_id,
        details={"reason": reason},
    )


def _back_to_queue(session: Session, profile: PlacementProfile) -> None:
    if profile.status == ProfileStatus.OFFERED:
        profile.status = ProfileStatus.WAITING
        session.flush()


# --- who is told ---------------------------------------------------------------------------


def unit_staff_ids(session: Session, unit: ShelterUnit) -> list[int]:
    """The unit's staff: shelter staff of its operator, members of its host council."""
    return list(
        session.scalars(
            select(Membership.user_id).where(
                Membership.tenant_id == unit.host_tenant_id,
                Membership.organization_id == unit.operator_id,
                Membership.role == Role.SHELTER_STAFF,
                Membership.active.is_(True),
            )
        )
    )


def desk_ids(session: Session, consortium_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Membership.user_id).where(
                Membership.consortium_id == consortium_id,
                Membership.role == Role.CONSORTIUM_COORDINATOR,
                Membership.active.is_(True),
            )
        )
    )


def tell_unit(session: Session, allocation: Allocation, subject: str, body: str) -> None:
    """Notify the unit's staff (an offer to answer), linking to the unit's offers page."""
    unit = allocation.unit
    host = session.get(Tenant, unit.host_tenant_id)
    assert host is not None
    for user_id in unit_staff_ids(session, unit):
        notify(
            session,
            user_id=user_id,
            kind="shelter_offer",
            subject=subject,
            body=body,
            link=f"/t/{host.slug}/shelter/units/{unit.id}/offers",
            tenant_id=host.id,
        )


def _tell_desk(session: Session, profile: PlacementProfile, subject: str, body: str) -> None:
    consortium = session.get(Consortium, profile.consortium_id)
    assert consortium is not None
    for user_id in desk_ids(session, profile.consortium_id):
        notify(
            session,
            user_id=user_id,
            kind="shelter_desk",
            subject=subject,
            body=body,
            link=f"/c/{consortium.slug}/shelter/requests/{profile.id}",
        )


def tell_requester(session: Session, profile: PlacementProfile, subject: str, body: str) -> None:
    """Notify who made the request, in the requesting council, linking to the request."""
    council = session.get(Tenant, profile.requesting_tenant_id)
    assert council is not None
    with tenant_scope(council.id):
        request = session.scalar(
            select(PlacementRequest).where(PlacementRequest.profile_id == profile.id)
        )
        if request is None:
            return
        notify(
            session,
            user_id=request.requested_by_id,
            kind="shelter_request",
            subject=subject,
            body=body,
            link=f"/t/{council.slug}/shelter/requests/{request.id}",
            tenant_id=council.id,
        )
