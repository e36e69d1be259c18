"""Who may see what of a case, and why: the one place that decides it.

Council staff (case managers, technicians, the council's admin) see every case of their
council, except confidential timeline entries, which only the case manager, the author and the
named readers see. A partner professional sees a case only through an active share with their
organisation (not revoked, not expired, its consent neither revoked nor lapsed), and then only
the shared sections, projected to what concerns the organisation; or through a running
emergency access. Every query that lists cases, persons or referrals for a partner goes
through :func:`visible_case_ids`, so pages, API, search and notifications agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import abort, g
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, Text, and_, or_, select
from sqlalchemy.orm import Session, joinedload

from teia.accounts.models import Role
from teia.cases.models import (
    Case,
    CaseEvent,
    CaseShare,
    ConfidentialReader,
    Consent,
    EmergencyAccess,
    Section,
)
from teia.core.clock import today
from teia.core.db import utcnow
from teia.core.scope import current_roles, current_tenant, memberships

STAFF_ROLES = frozenset({Role.CASE_MANAGER, Role.TECHNICIAN, Role.TENANT_ADMIN})
PARTNER_ROLES = frozenset({Role.PARTNER_PROFESSIONAL, Role.SHELTER_STAFF})
ALL_SECTIONS = frozenset(Section)


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as case management sees them in the council in scope."""

    user_id: int
    staff: bool
    organization_id: int  # the organisation they act for in this council


def viewer_for(user_id: int, roles: frozenset[Role], organization_id: int) -> Viewer | None:
    if roles & STAFF_ROLES:
        return Viewer(user_id, True, organization_id)
    if roles & PARTNER_ROLES:
        return Viewer(user_id, False, organization_id)
    return None


def current_staff() -> Viewer:
    """The viewer, who must be council staff: a partner gets 404 (nothing to probe)."""
    viewer = current_viewer()
    if not viewer.staff:
        abort(404)
    return viewer


def current_viewer() -> Viewer:
    """The viewer of this request; 403 for roles with no part in case management."""
    if "case_viewer" not in g:
        tenant = current_tenant()
        roles = current_roles()
        mine = [m for m in memberships() if m.tenant_id == tenant.id]
        staff = [m for m in mine if Role(m.role) in STAFF_ROLES]
        chosen = (staff or mine)[0]
        g.case_viewer = viewer_for(current_user.id, roles, chosen.organization_id)
    if g.case_viewer is None:
        abort(403)
    return g.case_viewer


def share_is_active(day: date):  # type: ignore[no-untyped-def]
    """SQL: the share is neither revoked nor expired, nor is its consent."""
    consent_ok = select(Consent.id).where(
        Consent.revoked_at.is_(None),
        or_(Consent.valid_until.is_(None), Consent.valid_until >= day),
    )
    return and_(
        CaseShare.revoked_at.is_(None),
        CaseShare.expires_on >= day,
        or_(CaseShare.consent_id.is_(None), CaseShare.consent_id.in_(consent_ok)),
    )


def shares_section(section: Section):  # type: ignore[no-untyped-def]
    """SQL: the share opens ``section`` (a short JSON list, matched as text on every engine)."""
    return CaseShare.sections.cast(Text).contains(f'"{section}"')


def visible_case_ids(viewer: Viewer, section: Section | None = None) -> Select[tuple[int]]:
    """The ids of cases a partner reaches now (with ``section`` shared, if given)."""
    day = today()
    shares = select(CaseShare.case_id).where(
        CaseShare.organization_id == viewer.organization_id, share_is_active(day)
    )
    if section is not None:
        shares = shares.where(shares_section(section))
    emergency = select(EmergencyAccess.case_id).where(
        EmergencyAccess.user_id == viewer.user_id, EmergencyAccess.expires_at > utcnow()
    )
    return shares.union(emergency)  # type: ignore[return-value]


def reached_case_ids(
    session: Session, viewer: Viewer, case_ids: list[int], section: Section | None = None
) -> set[int]:
    """Which of ``case_ids`` the viewer reaches now (with ``section`` shared, if given)."""
    if viewer.staff:
        return set(case_ids)
    if not case_ids:
        return set()
    column = visible_case_ids(viewer, section).subquery().c[0]
    return set(session.scalars(select(column).where(column.in_(case_ids))))


@dataclass(frozen=True)
class CaseAccess:
    """What one viewer may see of one case, and the purpose their reads are audited under."""

    case: Case
    viewer: Viewer
    sections: frozenset[Section]
    diagnosis_areas: frozenset[str] | None  # None: every area
    purpose: str
    shares: tuple[CaseShare, ...] = ()
    emergency: EmergencyAccess | None = None

    @property
    def staff(self) -> bool:
        return self.viewer.staff

    @property
    def is_manager(self) -> bool:
        return self.viewer.user_id == self.case.manager_id

    @property
    def expires_on(self) -> date | None:
        """The last day a share keeps the case open to the partner."""
        return max((s.expires_on for s in self.shares), default=None)

    @property
    def visible_areas(self) -> list[str]:
        """The case's areas this viewer may know of (a partner: its shared diagnosis areas)."""
        if self.staff:
            return list(self.case.areas)
        return [a for a in self.case.areas if self.can_see_area(a)]

    def can(self, section: Section) -> bool:
        return section in self.sections

    def can_see_area(self, area: str) -> bool:
        if not self.can(Section.DIAGNOSIS):
            return False
        return self.diagnosis_areas is None or area in self.diagnosis_areas


def case_access(session: Session, viewer: Viewer, case_id: int) -> CaseAccess:
    """The viewer's access to the case, or 404 when they have none (or it does not exist)."""
    # The manager is named on every case page: loaded with the case, whatever else is shown.
    case = session.get(Case, case_id, options=[joinedload(Case.manager)])
    if case is None:
        abort(404)
    if viewer.staff:
        return CaseAccess(case, viewer, ALL_SECTIONS, None, _("Gestão do processo"))
    day = today()
    shares = tuple(
        session.scalars(
            select(CaseShare).where(
                CaseShare.case_id == case_id,
                CaseShare.organization_id == viewer.organization_id,
                share_is_active(day),
            )
        )
    )
    emergency = session.scalar(
        select(EmergencyAccess)
        .where(
            EmergencyAccess.case_id == case_id,
            EmergencyAccess.user_id == viewer.user_id,
            EmergencyAccess.expires_at > utcnow(),
        )
        .order_by(EmergencyAccess.expires_at.desc())
        .limit(1)
    )
    if emergency is not None:
        purpose = _("Acesso de emergência: %(reason)s", reason=emergency.reason)
        return CaseAccess(case, viewer, ALL_SECTIONS, None, purpose, shares, emergency)
    if not shares:
        abort(404)
    sections = frozenset(Section(s) for share in shares for s in share.sections)
    areas: set[str] = set()
    every_area = False
    for share in shares:
        if Section.DIAGNOSIS in share.sections:
            if share.diagnosis_areas:
                areas.update(share.diagnosis_areas)
            else:
                every_area = True
    purpose = "; ".join(sorted({share.purpose for share in shares}))
    return CaseAccess(
        case, viewer, sections, None if every_area else frozenset(areas), purpose, shares
    )


def require_section(access: CaseAccess, section: Section) -> None:
    if not access.can(section):
        abort(404)


def require_staff(access: CaseAccess) -> None:
    if not access.staff:
        abort(404)


def visible_events_clause(access: CaseAccess):  # type: ignore[no-untyped-def]
    """SQL: the timeline entries this viewer may read."""
    if not access.staff:
        return CaseEvent.confidential.is_(False)
    if access.is_manager:
        return CaseEvent.case_id == access.case.id  # the case manager reads everything
    user_id = access.viewer.user_id
    named = select(ConfidentialReader.event_id).where(ConfidentialReader.user_id == user_id)
    return or_(
        CaseEvent.confidential.is_(False),
        CaseEvent.author_id == user_id,
        CaseEvent.id.in_(named),
    )


def emergency_window(hours: int) -> datetime:
    return utcnow() + timedelta(hours=hours)
