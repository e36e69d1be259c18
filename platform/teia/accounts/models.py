"""Users, their memberships (a role in a tenant or a consortium), and one-time tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teia.core.db import Base, utcnow
from teia.core.tenancy import TenantScoped
from teia.tenants.models import Consortium, Organization, Tenant


class Role(StrEnum):
    CONSORTIUM_COORDINATOR = "consortium_coordinator"
    TENANT_ADMIN = "tenant_admin"
    CASE_MANAGER = "case_manager"
    TECHNICIAN = "technician"
    DECISION_MAKER = "decision_maker"
    FINANCE = "finance"
    PARTNER_PROFESSIONAL = "partner_professional"
    SHELTER_STAFF = "shelter_staff"


# In the order a council's admin most often picks them.
TENANT_ROLES = (
    Role.TECHNICIAN,
    Role.CASE_MANAGER,
    Role.PARTNER_PROFESSIONAL,
    Role.SHELTER_STAFF,
    Role.DECISION_MAKER,
    Role.FINANCE,
    Role.TENANT_ADMIN,
)
CONSORTIUM_ROLES = (Role.CONSORTIUM_COORDINATOR,)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    # Bumped when the password changes or the account is disabled: every session ends.
    auth_version: Mapped[int] = mapped_column(default=1)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.auth_version}"


class Membership(Base):
    """A role for a user in one tenant or one consortium, on behalf of an organisation."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("(tenant_id IS NULL) <> (consortium_id IS NULL)", name="one_scope"),
        UniqueConstraint("user_id", "tenant_id", "role", name="uq_memberships_user_tenant_role"),
        UniqueConstraint(
            "user_id", "consortium_id", "role", name="uq_memberships_user_consortium_role"
        ),
        Index("ix_memberships_tenant_role", "tenant_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    consortium_id: Mapped[int | None] = mapped_column(ForeignKey("consortia.id"), index=True)
    role: Mapped[Role] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship()
    tenant: Mapped[Tenant | None] = relationship()
    consortium: Mapped[Consortium | None] = relationship()


class PasswordResetToken(Base):
    """A single-use reset link: only the token's SHA-256 is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invitation(TenantScoped, Base):
    """A tenant admin's invitation to join the council with a role, for an organisation."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(32))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Set by the task that e-mails the invitation, so the token never crosses the broker.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    invited_by: Mapped[User] = relationship()


class TwoFactor(Base):
    """A user's TOTP second factor; it counts once a code has confirmed the enrolment."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(255))  # encrypted (teia.core.crypto)
    confirmed_at: Mapped[datetime | None]
    # The last 30-second time step whose code was accepted: that code, or an older one, is
    # refused if presented again.
    last_step: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecoveryCode(Base):
    """A single-use code that stands in for the TOTP code: only its SHA-256 is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]
