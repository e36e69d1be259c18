"""Machine clients of the API and the bearer tokens issued to them and to users.

Platform rows, like memberships: a client belongs to an organisation and acts in the councils
listed for it, a personal token to a user. Secrets and tokens are random (256 bits) and only
their SHA-256 is stored, so a database dump reveals none of them.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teia.accounts.models import User
from teia.core.db import Base, utcnow
from teia.tenants.models import Organization, Tenant

GRANT_TYPE = "client_credentials"
AUTH_METHODS = ("client_secret_basic", "client_secret_post")


def digest(value: str) -> str:
    """What is stored of a secret or a token (random 256 bits: a fast hash is enough)."""
    return hashlib.sha256(value.encode()).hexdigest()


api_client_tenants = Table(
    "api_client_tenants",
    Base.metadata,
    Column("client_id", ForeignKey("api_clients.id", ondelete="CASCADE"), primary_key=True),
    Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
)


class ApiClient(Base):
    """A partner's system: it gets tokens with its client id and secret (client credentials).

    It acts through ``user``, a service account with no password and no membership, so that
    what it does is attributed like a person's (audit, answers to referrals); in each council
    of ``tenants`` it acts as a partner professional of ``organization``.
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    tenants: Mapped[list[Tenant]] = relationship(secondary=api_client_tenants)

    # The parts of Authlib's ClientMixin the client-credentials grant and revocation call.
    def get_client_id(self) -> str:
        return self.client_id

    def check_client_secret(self, client_secret: str) -> bool:
        return self.active and hmac.compare_digest(self.secret_hash, digest(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == GRANT_TYPE

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """Every scope of the client when none is asked; None (refused) if one asked is not
        the client's."""
        asked = scope.split() if scope else self.scopes
        return " ".join(asked) if set(asked) <= set(self.scopes) else None


class ApiToken(Base):
    """A bearer token: a client's (15 minutes) or a user's personal one (its own expiry)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Who the token acts as: the person, or the client's service account.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_clients.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))  # a personal token's label
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    client: Mapped[ApiClient | None] = relationship()

    @property
    def personal(self) -> bool:
        return self.client_id is None

    # The parts of Authlib's TokenMixin its bearer validator and revocation endpoint call.
    def get_scope(self) -> str:
        return " ".join(self.scopes)

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def check_client(self, client: ApiClient) -> bool:
        return self.client_id == client.id
