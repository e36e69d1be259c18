"""Registering machine clients, issuing and revoking tokens: plain functions that flush.

A client is registered for an organisation with partner members in the councils it will act
in; its secret and every token are shown once and stored as SHA-256 only. Revoking takes
effect at the next request: every request looks the token up (no cache).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from teia.accounts.models import Membership, Role, User
from teia.audit.services import audit
from teia.cases.access import PARTNER_ROLES
from teia.core.db import utcnow
from teia.oauth.models import ApiClient, ApiToken, digest
from teia.oauth.scopes import CLIENT_ROLE, CLIENT_SCOPES, ordered
from teia.tenants.models import Organization, Tenant

CLIENT_TOKEN_TTL = timedelta(minutes=15)
PERSONAL_TOKEN_DAYS = (7, 30, 90, 365)
SERVICE_EMAIL_DOMAIN = "api-clients.invalid"  # reserved (RFC 2606): no mail ever arrives


class OAuthError(Exception):
    """A request the admin or user can correct; the message is shown to them."""


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def partner_organizations(session: Session, tenant_ids: Collection[int]) -> list[Organization]:
    """Organisations with active partner members in any of ``tenant_ids``."""
    if not tenant_ids:
        return []
    having = select(Membership.organization_id).where(
        Membership.tenant_id.in_(tenant_ids),
        Membership.role.in_(PARTNER_ROLES),
        Membership.active.is_(True),
    )
    return list(
        session.scalars(
            select(Organization).where(Organization.id.in_(having)).order_by(Organization.name)
        )
    )


def _partner_tenant_ids(session: Session, organization_id: int) -> set[int]:
    return set(
        session.scalars(
            select(Membership.tenant_id).where(
                Membership.organization_id == organization_id,
                Membership.role.in_(PARTNER_ROLES),
                Membership.active.is_(True),
                Membership.tenant_id.is_not(None),
            )
        )
    )


def create_client(
    session: Session,
    *,
    name: str,
    organization: Organization,
    tenants: Iterable[Tenant],
    scopes: Iterable[str],
    actor_id: int,
) -> tuple[ApiClient, str]:
    """Register a client; the secret is returned here and never again."""
    tenants = list(tenants)
    scopes = ordered(scopes)
    if not name.strip():
        raise OAuthError(_("Dê um nome ao sistema."))
    if not scopes or not set(scopes) <= CLIENT_SCOPES:
        raise OAuthError(_("Escolha pelo menos um âmbito entre os de uma entidade parceira."))
    present = _partner_tenant_ids(session, organization.id)
    if not tenants or any(t.id not in present for t in tenants):
        raise OAuthError(_("A entidade não tem membros parceiros nesse município."))
    client_id = "teia-" + secrets.token_hex(12)
    user = User(
        email=f"{client_id}@{SERVICE_EMAIL_DOMAIN}",
        name=_("%(name)s (sistema de %(org)s)", name=name.strip(), org=organization.name)[:200],
        password_hash=None,
    )
    secret = new_secret()
    client = ApiClient(
        client_id=client_id,
        secret_hash=digest(secret),
        name=name.strip(),
        organization=organization,
        user=user,
        scopes=scopes,
        tenants=tenants,
        created_by_id=actor_id,
    )
    session.add(client)
    session.flush()
    audit(
        session,
        "api_client.created",
        object_type="api_client",
        object_id=client.id,
        details={"client_id": client_id, "organization": organization.id, "scopes": scopes},
    )
    return client, secret


def revoke_client_tokens(session: Session, client: ApiClient) -> int:
    """End every live token of the client now; how many there were."""
    now = utcnow()
    result = session.execute(
        update(ApiToken)
        .where(
            ApiToken.client_id == client.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    count = result.rowcount or 0  # type: ignore[attr-defined]
    audit(
        session,
        "api_client.tokens_revoked",
        object_type="api_client",
        object_id=client.id,
        details={"count": count},
    )
    return count


def deactivate_client(session: Session, client: ApiClient) -> None:
    """The client can no longer get tokens, and those it has stop working."""
    revoke_client_tokens(session, client)
    client.active = False
    client.deactivated_at = utcnow()
    client.user.active = False
    audit(session, "api_client.deactivated", object_type="api_client", object_id=client.id)
    session.flush()


def store_client_token(session: Session, client: ApiClient, token: dict[str, object]) -> ApiToken:
    """Keep what Authlib issued (its hash, scopes and expiry), never the token itself."""
    row = ApiToken(
        token_hash=digest(str(token["access_token"])),
        user_id=client.user_id,
        client_id=client.id,
        scopes=str(token.get("scope", "")).split(),
        expires_at=utcnow() + timedelta(seconds=int(str(token["expires_in"]))),
    )
    session.add(row)
    session.flush()
    audit(
        session,
        "api_client.token_issued",
        object_type="api_client",
        object_id=client.id,
        actor_id=client.user_id,
        details={"token": row.id, "scopes": row.scopes},
    )
    return row


def find_token(session: Session, token: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))


def usable(token: ApiToken) -> bool:
    """Neither expired nor revoked, its user active and, for a client, the client active."""
    if token.is_expired() or token.is_revoked() or not token.user.active:
        return False
    return token.client is None or token.client.active


def create_personal_token(
    session: Session,
    user: User,
    *,
    name: str,
    scopes: Iterable[str],
    days: int,
    allowed: Collection[str],
) -> tuple[ApiToken, str]:
    """A token for the user's own scripts; returned here and never again."""
    scopes = ordered(scopes)
    if not name.strip():
        raise OAuthError(_("Dê um nome ao token (para que serve)."))
    if not scopes or not set(scopes) <= set(allowed):
        raise OAuthError(_("Escolha pelo menos um âmbito entre os que os seus papéis permitem."))
    if days not in PERSONAL_TOKEN_DAYS:
        raise OAuthError(_("Escolha uma validade da lista."))
    secret = "teia_pat_" + new_secret()
    token = ApiToken(
        token_hash=digest(secret),
        user_id=user.id,
        name=name.strip()[:200],
        scopes=scopes,
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    audit(
        session,
        "api_token.created",
        object_type="api_token",
        object_id=token.id,
        details={"scopes": scopes, "days": days},
    )
    return token, secret


def personal_tokens(session: Session, user_id: int) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.client_id.is_(None))
            .order_by(ApiToken.issued_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, token: ApiToken, *, how: str) -> None:
    """Revoke one token (``how``: the page, or the RFC 7009 endpoint), audited."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    audit(
        session,
        "api_token.revoked",
        object_type="api_token",
        object_id=token.id,
        details={"via": how, "client": token.client_id},
    )
    session.flush()


@dataclass(frozen=True)
class ServiceMembership:
    """What a client is in one council: a partner professional of its organisation.

    Not a row: derived from the client's registration at each request, and only while the
    organisation still has active partner members there. It answers what
    :class:`~teia.accounts.models.Membership` answers to the scope and the access rules.
    """

    user_id: int
    tenant: Tenant
    organization: Organization
    role: Role = CLIENT_ROLE
    active: bool = True
    id: None = None
    consortium: None = None
    consortium_id: None = None

    @property
    def tenant_id(self) -> int:
        return self.tenant.id

    @property
    def organization_id(self) -> int:
        return self.organization.id


def client_memberships(session: Session, client: ApiClient) -> list[ServiceMembership]:
    present = _partner_tenant_ids(session, client.organization_id)
    return [
        ServiceMembership(client.user_id, tenant, client.organization)
        for tenant in client.tenants
        if tenant.id in present and tenant.active
    ]
