"""Consents, shares with partner organisations, and emergency (*break-glass*) access."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from teia.accounts.models import Membership
from teia.accounts.services import tenant_organizations
from teia.audit.models import AuditEvent
from teia.audit.services import audit
from teia.cases.access import PARTNER_ROLES, Viewer, emergency_window
from teia.cases.models import (
    Area,
    Case,
    CaseShare,
    CaseStatus,
    Consent,
    EmergencyAccess,
    LegalBasis,
    Section,
)
from teia.cases.services import CaseError, council_link
from teia.core.clock import today
from teia.core.db import utcnow
from teia.core.tenancy import require_tenant_id
from teia.notifications.services import notify
from teia.people.models import HouseholdMember
from teia.tenants.models import Organization
from teia.tenants.services import council_organization_slug, tenant_in_scope

MAX_SHARE_DAYS = 366


def record_consent(
    session: Session,
    *,
    person_id: int,
    given_by: str,
    given_on: date,
    scope: str,
    valid_until: date | None,
    actor_id: int,
) -> Consent:
    if not given_by.strip() or not scope.strip():
        raise CaseError(_("Indique quem consentiu e a que consentiu."))
    if given_on > today():
        raise CaseError(_("O consentimento não pode ter data futura."))
    if valid_until is not None and valid_until < given_on:
        raise CaseError(_("A validade do consentimento termina antes de ele ser dado."))
    consent = Consent(
        person_id=person_id,
        given_by=given_by.strip(),
        given_on=given_on,
        scope=scope.strip(),
        valid_until=valid_until,
        recorded_by_id=actor_id,
    )
    session.add(consent)
    session.flush()
    audit(session, "consent.recorded", object_type="person", object_id=person_id)
    return consent


def revoke_consent(session: Session, consent: Consent, *, actor_id: int) -> None:
    """Revoked at once: every share resting on it stops giving access in the same instant."""
    if consent.revoked_at is not None:
        raise CaseError(_("Este consentimento já foi revogado."))
    consent.revoked_at = utcnow()
    consent.revoked_by_id = actor_id
    audit(
        session,
        "consent.revoked",
        object_type="person",
        object_id=consent.person_id,
        details={"consent": consent.id},
    )
    session.flush()


def partner_organizations(session: Session) -> list[Organization]:
    """Partner organisations active in the council (the council's own excluded)."""
    tenant = tenant_in_scope(session)
    council = council_organization_slug(tenant.slug)
    return sorted(
        (o for o in tenant_organizations(session, tenant.id) if o.slug != council),
        key=lambda o: o.name,
    )


def create_share(
    session: Session,
    case: Case,
    *,
    organization_id: int,
    sections: list[str],
    diagnosis_areas: list[str],
    purpose: str,
    legal_basis: LegalBasis,
    legal_reference: str | None,
    consent_id: int | None,
    expires_on: date,
    actor_id: int,
) -> CaseShare:
    """Open sections of the case to one partner organisation, for a purpose, until a date."""
    if case.status == CaseStatus.CLOSED or case.anonymised_at is not None:
        raise CaseError(_("Um processo encerrado não pode ser partilhado."))
    if organization_id not in {o.id for o in partner_organizations(session)}:
        raise CaseError(_("Escolha uma entidade parceira deste município."))
    if not sections or any(s not in Section.__members__.values() for s in sections):
        raise CaseError(_("Escolha as secções a partilhar."))
    if any(a not in Area.__members__.values() for a in diagnosis_areas):
        raise CaseError(_("Área de diagnóstico desconhecida."))
    if not purpose.strip():
        raise CaseError(_("Indique a finalidade da partilha."))
    day = today()
    if expires_on < day or (expires_on - day).days > MAX_SHARE_DAYS:
        raise CaseError(_("A partilha tem de expirar entre hoje e daqui a um ano."))
    if legal_basis == LegalBasis.CONSENT:
        consent = session.get(Consent, consent_id) if consent_id else None
        if consent is None or consent.person_id not in _household_person_ids(session, case):
            raise CaseError(_("Uma partilha com base no consentimento precisa do registo dele."))
        if consent.revoked_at is not None or (
            consent.valid_until is not None and consent.valid_until < day
        ):
            raise CaseError(_("Esse consentimento já não é válido."))
        if consent.valid_until is not None and expires_on > consent.valid_until:
            expires_on = consent.valid_until
    else:
        consent_id = None
        if not (legal_reference or "").strip():
            raise CaseError(_("Indique a norma legal em que a partilha se baseia."))
    share = CaseShare(
        case_id=case.id,
        organization_id=organization_id,
        sections=[s for s in Section if s in sections],
        diagnosis_areas=sorted(set(diagnosis_areas)) if Section.DIAGNOSIS in sections else [],
        purpose=purpose.strip(),
        legal_basis=legal_basis,
        legal_reference=(legal_reference or "").strip() or None,
        consent_id=consent_id,
        expires_on=expires_on,
        created_by_id=actor_id,
    )
    session.add(share)
    session.flush()
    audit(
        session,
        "case.shared",
        object_type="case",
        object_id=case.id,
        details={"share": share.id, "organization": organization_id, "sections": share.sections},
    )
    link = council_link(session, f"/cases/{case.id}")
    for user_id in partner_users(session, [organization_id])[organization_id]:
        notify(
            session,
            user_id=user_id,
            kind="case_shared",
            subject=_("O processo %(number)s foi partilhado consigo", number=case.number),
            body=_("Finalidade: %(purpose)s", purpose=share.purpose),
            link=link,
            tenant_id=require_tenant_id(),
        )
    return share


def _household_person_ids(session: Session, case: Case) -> set[int]:
    return set(
        session.scalars(
            select(HouseholdMember.person_id).where(
                HouseholdMember.household_id == case.household_id
            )
        )
    ) | {case.person_id}


def revoke_share(session: Session, share: CaseShare, *, actor_id: int) -> None:
    if share.revoked_at is not None:
        raise CaseError(_("Esta partilha já foi revogada."))
    share.revoked_at = utcnow()
    share.revoked_by_id = actor_id
    audit(
        session,
        "case.share_revoked",
        object_type="case",
        object_id=share.case_id,
        details={"share": share.id},
    )
    session.flush()


def case_shares(session: Session, case_id: int) -> list[CaseShare]:
    return list(
        session.scalars(
            select(CaseShare)
            .options(joinedload(CaseShare.organization), joinedload(CaseShare.consent))
            .where(CaseShare.case_id == case_id)
            .order_by(CaseShare.created_at.desc(), CaseShare.id.desc())
        )
    )


def share_active(share: CaseShare, day: date) -> bool:
    """The Python twin of :func:`share_is_active`, for showing a share's state."""
    consent = share.consent
    return (
        share.revoked_at is None
        and share.expires_on >= day
        and (
            consent is None
            or (
                consent.revoked_at is None
                and (consent.valid_until is None or consent.valid_until >= day)
            )
        )
    )


def person_consents(session: Session, person_ids: set[int]) -> list[Consent]:
    return list(
        session.scalars(
            select(Consent)
            .where(Consent.person_id.in_(person_ids))
            .order_by(Consent.given_on.desc(), Consent.id.desc())
        )
    )


def partner_users(session: Session, organization_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each organisation's active partner professionals in the council in scope."""
    found: dict[int, list[int]] = {org: [] for org in organization_ids}
    if found:
        rows = session.execute(
            select(Membership.organization_id, Membership.user_id)
            .where(
                Membership.tenant_id == require_tenant_id(),
                Membership.organization_id.in_(found),
                Membership.role.in_(PARTNER_ROLES),
                Membership.active.is_(True),
            )
            .order_by(Membership.user_id)
        )
        for org, user_id in rows:
            found[org].append(user_id)
    return found


def open_emergency_access(
    session: Session, viewer: Viewer, *, case_number: str, reason: str
) -> EmergencyAccess:
    """A partner opens a case in an emergency: time-limited, audited, the manager alerted."""
    tenant = tenant_in_scope(session)
    if viewer.staff:
        raise CaseError(_("A equipa do município já tem acesso aos processos."))
    if tenant.break_glass_hours is None:
        raise CaseError(_("Este município não permite acessos de emergência."))
    if len(reason.strip()) < 10:
        raise CaseError(_("Descreva a emergência (pelo menos 10 caracteres)."))
    case = session.scalar(select(Case).where(Case.number == case_number.strip()))
    if case is None or case.anonymised_at is not None:
        raise CaseError(_("Não existe nenhum processo com esse número."))
    access = EmergencyAccess(
        case_id=case.id,
        user_id=viewer.user_id,
        organization_id=viewer.organization_id,
        reason=reason.strip(),
        expires_at=emergency_window(tenant.break_glass_hours),
    )
    session.add(access)
    session.flush()
    audit(
        session,
        "case.emergency_access",
        object_type="case",
        object_id=case.id,
        purpose=reason.strip(),
        details={"emergency_access": access.id, "hours": tenant.break_glass_hours},
    )
    notify(
        session,
        user_id=case.manager_id,
        kind="emergency_access",
        subject=_("Acesso de emergência ao processo %(number)s", number=case.number),
        body=_("O motivo declarado está no registo de acessos do processo."),
        link=council_link(session, f"/cases/{case.id}/access-log"),
        tenant_id=tenant.id,
    )
    return access


def access_log(session: Session, case_id: int, limit: int = 200) -> list[AuditEvent]:
    """Who read or changed the case, and when: the audit log, newest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .where(AuditEvent.object_type == "case", AuditEvent.object_id == str(case_id))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
