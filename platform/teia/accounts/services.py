"""Sign-in with lockout, password reset, invitations and memberships: plain functions.

They flush but never commit; the request or task boundary commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from teia.accounts.models import (
    TENANT_ROLES,
    Invitation,
    Membership,
    PasswordResetToken,
    Role,
    User,
)
from teia.audit.services import audit
from teia.core.db import after_commit, utcnow
from teia.core.security import (
    MIN_PASSWORD_LENGTH,
    burn_password_check,
    hash_password,
    verify_password,
)
from teia.core.tenancy import require_tenant_id
from teia.notifications.models import Reminder
from teia.notifications.services import ReminderMessage, reminder_kind, schedule_reminder
from teia.tenants.models import Organization, Tenant
from teia.tenants.services import MUNICIPALITY_TYPE

MAX_FAILED_LOGINS = 10
LOCKOUT = timedelta(minutes=15)
RESET_TOKEN_TTL = timedelta(hours=2)
INVITATION_TTL = timedelta(days=7)
INVITATION_WARNING = timedelta(days=2)
INVITATION_EXPIRING = "invitation_expiring"


class AccountError(Exception):
    """A request the user can correct; the message is shown to them."""


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    locked: bool = False
    # The password was right, but the user's organisation signs its people in itself.
    organization_sign_in: bool = False


def normalize_email(email: str) -> str:
    return email.strip().lower()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(session: Session, email: str, password: str) -> LoginResult:
    """Check a password; count failures per account and lock it after too many."""
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        burn_password_check()
        audit(session, "login.failed", details={"email": normalize_email(email)[:254]})
        return LoginResult(None)
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        audit(
            session, "login.refused_locked", object_type="user", object_id=user.id, actor_id=user.id
        )
        return LoginResult(None, locked=True)
    if not user.active or not verify_password(user.password_hash, password):
        user.failed_logins += 1
        audit(session, "login.failed", object_type="user", object_id=user.id, actor_id=user.id)
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            audit(session, "login.locked", object_type="user", object_id=user.id, actor_id=user.id)
            return LoginResult(None, locked=True)
        return LoginResult(None)
    user.failed_logins = 0
    user.locked_until = None
    from teia.sso.services import password_login_allowed  # sso imports this module

    if not password_login_allowed(session, user):
        audit(
            session,
            "login.refused_password_off",
            object_type="user",
            object_id=user.id,
            actor_id=user.id,
        )
        return LoginResult(None, organization_sign_in=True)
    return LoginResult(user)  # the login itself is audited by ``sessions.begin_session``


def active_memberships(session: Session, user_id: int) -> list[Membership]:
    """A user's active memberships with their tenant, consortium and organisation (one query)."""
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.user_id == user_id, Membership.active.is_(True))
            .options(
                joinedload(Membership.tenant),
                joinedload(Membership.consortium),
                joinedload(Membership.organization),
            )
            .order_by(Membership.id)
        ).unique()
    )


def validate_new_password(password: str, confirm: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("A palavra-passe precisa de pelo menos %(n)d caracteres.", n=MIN_PASSWORD_LENGTH)
        )
    if password != confirm:
        raise AccountError(_("As palavras-passe não coincidem."))


def set_password(session: Session, user: User, password: str) -> None:
    """Change the password and end every session of the user."""
    user.password_hash = hash_password(password)
    user.auth_version += 1
    user.failed_logins = 0
    user.locked_until = None
    audit(session, "user.password_changed", object_type="user", object_id=user.id, actor_id=user.id)


def set_account_active(session: Session, user: User, active: bool) -> None:
    """Disable (or re-enable) an account; disabling ends every session it has."""
    if user.active == active:
        return
    user.active = active
    if not active:
        user.auth_version += 1
    audit(
        session,
        "user.enabled" if active else "user.disabled",
        object_type="user",
        object_id=user.id,
    )


def issue_reset_token(session: Session, user_id: int) -> str | None:
    """A fresh single-use reset token for an active user (``None`` otherwise)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordResetToken(
            user_id=user.id, token_hash=token_digest(token), expires_at=utcnow() + RESET_TOKEN_TTL
        )
    )
    audit(
        session,
        "user.password_reset_requested",
        object_type="user",
        object_id=user.id,
        actor_id=user.id,
    )
    return token


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def valid_reset_token(session: Session, token: str) -> PasswordResetToken | None:
    row = session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == token_digest(token))
    )
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    return row


def reset_password(session: Session, token: str, password: str, confirm: str) -> User:
    row = valid_reset_token(session, token)
    if row is None:
        raise AccountError(_("Esta ligação de recuperação já não é válida. Peça uma nova."))
    validate_new_password(password, confirm)
    row.used_at = utcnow()
    user = session.get(User, row.user_id)
    assert user is not None
    set_password(session, user, password)
    return user


# --- memberships and invitations (inside the tenant in scope) -----------------------------


def tenant_members(session: Session, tenant_id: int) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.tenant_id == tenant_id)
            .options(joinedload(Membership.user), joinedload(Membership.organization))
            .join(Membership.user)
            .order_by(User.name, Membership.role)
        ).unique()
    )


def tenant_organizations(session: Session, tenant_id: int) -> list[Organization]:
    return list(
        session.scalars(
            select(Organization)
            .where(Organization.tenants.any(Tenant.id == tenant_id))
            .order_by(Organization.type_code != MUNICIPALITY_TYPE, Organization.name)
        )
    )


def pending_invitations(session: Session) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .options(joinedload(Invitation.organization))
            .order_by(Invitation.created_at.desc())
        )
    )


def invite(
    session: Session,
    *,
    inviter: User,
    email: str,
    name: str,
    role: Role,
    organization_id: int,
) -> Invitation:
    """Create an invitation in the tenant in scope and e-mail it once committed."""
    tenant_id = require_tenant_id()
    if role not in TENANT_ROLES:
        raise AccountError(_("Esse papel não existe num município."))
    org = session.get(Organization, organization_id)
    if org is None or tenant_id not in {t.id for t in org.tenants}:
        raise AccountError(_("A organização escolhida não atua neste município."))
    email = normalize_email(email)
    existing = find_user_by_email(session, email)
    if existing is not None and session.scalar(
        select(Membership.id).where(
            Membership.user_id == existing.id,
            Membership.tenant_id == tenant_id,
            Membership.role == role,
            Membership.active.is_(True),
        )
    ):
        raise AccountError(_("Essa pessoa já tem esse papel neste município."))
    invitation = Invitation(
        email=email,
        name=name.strip(),
        role=role,
        organization_id=org.id,
        invited_by_id=inviter.id,
        expires_at=utcnow() + INVITATION_TTL,
    )
    session.add(invitation)
    session.flush()
    audit(
        session,
        "invitation.created",
        object_type="invitation",
        object_id=invitation.id,
        details={"role": role.value, "organization_id": org.id},
    )
    schedule_reminder(
        session,
        object_type="invitation",
        object_id=invitation.id,
        kind=INVITATION_EXPIRING,
        due_date=(invitation.expires_at - INVITATION_WARNING).date(),
        user_id=inviter.id,
    )
    from teia.accounts.tasks import send_invitation

    ids = (tenant_id, invitation.id)
    after_commit(session, lambda: send_invitation.delay(*ids))
    return invitation


def rotate_invitation_token(session: Session, invitation: Invitation) -> str:
    """A new link for the invitation; any earlier link stops working."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_digest(token)
    return token


@reminder_kind(INVITATION_EXPIRING, _l("Convite por aceitar a expirar"))
def _invitation_expiring(session: Session, reminder: Reminder) -> ReminderMessage | None:
    invitation = session.get(Invitation, reminder.object_id)
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return None
    return ReminderMessage(
        subject=_("Um convite que enviou ainda não foi aceite"),
        body=_(
            "O convite expira a %(date)s. Pode revogá-lo ou enviar um novo.",
            date=invitation.expires_at.strftime("%d/%m/%Y"),
        ),
        link=f"/t/{invitation_tenant_slug(session, invitation)}/admin/users",
    )


def invitation_tenant_slug(session: Session, invitation: Invitation) -> str:
    tenant = session.get(Tenant, invitation.tenant_id)
    assert tenant is not None
    return tenant.slug


def _is_open(invitation: Invitation | None) -> bool:
    return (
        invitation is not None
        and invitation.accepted_at is None
        and invitation.revoked_at is None
        and invitation.expires_at > utcnow()
    )


def open_invitation(session: Session, token: str) -> Invitation | None:
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == token_digest(token))
    )
    return invitation if _is_open(invitation) else None


def open_invitation_by_id(session: Session, invitation_id: int) -> Invitation | None:
    invitation = session.get(Invitation, invitation_id)
    return invitation if _is_open(invitation) else None


def accept_invitation(
    session: Session, token: str, *, name: str, password: str, confirm: str
) -> User:
    """Join the council: a new account sets its password, an existing one proves it."""
    invitation = open_invitation(session, token)
    if invitation is None:
        raise AccountError(_("Este convite já não é válido. Peça um novo a quem o enviou."))
    from teia.sso.services import password_login_off  # sso imports this module

    if password_login_off(session, invitation.organization_id):
        raise AccountError(
            _(
                "A sua organização desligou a entrada com palavra-passe: aceite o convite com a"
                " conta da organização."
            )
        )
    user = find_user_by_email(session, invitation.email)
    if user is None:
        validate_new_password(password, confirm)
        user = new_invited_user(session, invitation, name, password_hash=hash_password(password))
    elif not verify_password(user.password_hash, password):
        raise AccountError(_("Palavra-passe errada para a conta já existente com este e-mail."))
    join_council(session, invitation, user, method="password")
    return user


def new_invited_user(
    session: Session, invitation: Invitation, name: str, *, password_hash: str | None = None
) -> User:
    """The account of an invited person who has none (no password: they sign in elsewhere)."""
    user = User(
        email=invitation.email,
        name=name.strip()[:200] or invitation.name,
        password_hash=password_hash,
    )
    session.add(user)
    session.flush()
    return user


def join_council(session: Session, invitation: Invitation, user: User, *, method: str) -> None:
    """Give ``user`` the invitation's role in its council, active and on behalf of its
    organisation, and close the invitation; ``method`` is how the person proved who they are.

    Call it in the invitation's council scope: its acceptance is that council's audit event.
    """
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.tenant_id == invitation.tenant_id,
            Membership.role == invitation.role,
        )
    )
    if membership is None:
        membership = Membership(
            user_id=user.id,
            tenant_id=invitation.tenant_id,
            organization_id=invitation.organization_id,
            role=invitation.role,
        )
        session.add(membership)
    membership.active = True
    membership.organization_id = invitation.organization_id
    invitation.accepted_at = utcnow()
    audit(
        session,
        "invitation.accepted",
        object_type="invitation",
        object_id=invitation.id,
        actor_id=user.id,
        details={"method": method},
    )
    session.flush()  # the council's rows, written while its scope is set


def revoke_invitation(session: Session, invitation_id: int) -> None:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.tenant_id != require_tenant_id():
        raise LookupError(invitation_id)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit(session, "invitation.revoked", object_type="invitation", object_id=invitation.id)


def tenant_membership(session: Session, membership_id: int) -> Membership:
    """A membership of the tenant in scope, or LookupError (another tenant's is not found)."""
    membership = session.get(Membership, membership_id)
    if membership is None or membership.tenant_id != require_tenant_id():
        raise LookupError(membership_id)
    return membership


def set_membership_active(
    session: Session, membership_id: int, active: bool, actor: User
) -> Membership:
    membership = tenant_membership(session, membership_id)
    if membership.user_id == actor.id and not active:
        raise AccountError(_("Não pode retirar o seu próprio acesso."))
    membership.active = active
    audit(
        session,
        "membership.activated" if active else "membership.deactivated",
        object_type="membership",
        object_id=membership.id,
    )
    return membership


def change_membership_role(
    session: Session, membership_id: int, role: Role, actor: User
) -> Membership:
    membership = tenant_membership(session, membership_id)
    if role not in TENANT_ROLES:
        raise AccountError(_("Esse papel não existe num município."))
    if membership.user_id == actor.id:
        raise AccountError(_("Não pode mudar o seu próprio papel."))
    clash = session.scalar(
        select(Membership.id).where(
            Membership.user_id == membership.user_id,
            Membership.tenant_id == membership.tenant_id,
            Membership.role == role,
            Membership.id != membership.id,
        )
    )
    if clash:
        raise AccountError(_("Essa pessoa já tem esse papel neste município."))
    old = membership.role
    membership.role = role
    audit(
        session,
        "membership.role_changed",
        object_type="membership",
        object_id=membership.id,
        details={"from": str(old), "to": role.value},
    )
    return membership
