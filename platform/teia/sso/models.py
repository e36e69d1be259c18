"""Identity providers (one per organisation), linked identities and pending sign-ins.

All platform rows: an organisation active in several councils has a single provider, and a
sign-in happens before any council is in scope.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teia.accounts.models import User
from teia.core.db import Base, utcnow
from teia.tenants.models import Organization

DEFAULT_USER_CLAIM = "email"
USER_CLAIMS = ("email", "preferred_username", "upn")


class IdentityProvider(Base):
    """An organisation's OpenID Connect provider; the client secret is kept encrypted."""

    __tablename__ = "identity_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    allowed_email_domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    user_claim: Mapped[str] = mapped_column(String(32), default=DEFAULT_USER_CLAIM)
    password_login_enabled: Mapped[bool] = mapped_column(default=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()


class ExternalIdentity(Base):
    """A Teia user linked to the subject (``iss`` + ``sub``) that signed in as them first."""

    __tablename__ = "external_identities"
    __table_args__ = (
        UniqueConstraint("issuer", "subject", name="uq_external_identities_issuer_subject"),
        UniqueConstraint("provider_id", "user_id", name="uq_external_identities_provider_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("identity_providers.id", ondelete="CASCADE")
    )
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class SsoAttempt(Base):
    """A sign-in sent to a provider and not yet back: ``state``, ``nonce`` and PKCE verifier.

    Kept on the server and used once: a replayed callback (even with an old copy of the
    browser's cookie) finds it used. Only the state's SHA-256 is stored, and the attempt is
    bound to the browser that started it by a random value held in its session.
    """

    __tablename__ = "sso_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("identity_providers.id", ondelete="CASCADE"), index=True
    )
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    next_url: Mapped[str | None] = mapped_column(String(500))
    # An invitation accepted through this sign-in, and its council (needed to read it): the
    # invitation's token stays in its own link and is never carried further.
    invitation_tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE")
    )
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]

    provider: Mapped[IdentityProvider] = relationship()
