"""Single sign-on configuration as plain functions: which organisations an admin may connect,
saving a provider (secret encrypted), the connection test, and who may still use a password.

They flush but never commit. The sign-in itself is in ``signin.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from authlib.common.security import is_secure_transport
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from teia.accounts.models import Membership, User
from teia.accounts.services import normalize_email
from teia.audit.services import audit
from teia.core.crypto import encrypt
from teia.sso import oidc
from teia.sso.models import USER_CLAIMS, IdentityProvider
from teia.tenants.models import Organization


class ProviderError(Exception):
    """A configuration the admin can correct; the message is shown to them."""


@dataclass
class ConnectionReport:
    ok: bool
    lines: list[str] = field(default_factory=list)


def email_domain(email: str) -> str:
    return normalize_email(email).rpartition("@")[2]


# --- who may use the password form -----------------------------------------------------


def password_login_allowed(session: Session, user: User) -> bool:
    """False when an organisation the user acts for has turned password sign-in off."""
    return not session.scalar(
        select(IdentityProvider.id)
        .join(Membership, Membership.organization_id == IdentityProvider.organization_id)
        .where(
            Membership.user_id == user.id,
            Membership.active.is_(True),
            IdentityProvider.enabled.is_(True),
            IdentityProvider.password_login_enabled.is_(False),
        )
        .limit(1)
    )


def password_login_off(session: Session, organization_id: int) -> bool:
    """True when the organisation's enabled provider has turned password sign-in off."""
    return bool(
        session.scalar(
            select(IdentityProvider.id).where(
                IdentityProvider.organization_id == organization_id,
                IdentityProvider.enabled.is_(True),
                IdentityProvider.password_login_enabled.is_(False),
            )
        )
    )


# --- configuration ---------------------------------------------------------------------


def organizations_with_members(session: Session, tenant_id: int) -> list[Organization]:
    """Organisations with someone active in the council: those its admin may look at."""
    return list(
        session.scalars(
            select(Organization)
            .where(
                Organization.id.in_(
                    select(Membership.organization_id).where(
                        Membership.tenant_id == tenant_id, Membership.active.is_(True)
                    )
                )
            )
            .options(joinedload(Organization.tenants))
            .order_by(Organization.name)
        ).unique()
    )


def all_organizations(session: Session) -> list[Organization]:
    return list(
        session.scalars(
            select(Organization)
            .options(joinedload(Organization.tenants))
            .order_by(Organization.name)
        ).unique()
    )


def providers_by_organization(
    session: Session, organization_ids: Iterable[int]
) -> dict[int, IdentityProvider]:
    rows = session.scalars(
        select(IdentityProvider).where(IdentityProvider.organization_id.in_(organization_ids))
    )
    return {p.organization_id: p for p in rows}


def provider_of(session: Session, organization_id: int) -> IdentityProvider | None:
    return session.scalar(
        select(IdentityProvider).where(IdentityProvider.organization_id == organization_id)
    )


def parse_domains(text: str) -> list[str]:
    domains = sorted({d.strip().lower().lstrip("@") for d in text.replace(",", " ").split()})
    for domain in domains:
        if "." not in domain or "/" in domain or "@" in domain:
            raise ProviderError(_("«%(domain)s» não é um domínio de e-mail.", domain=domain))
    return domains


def save_provider(
    session: Session,
    *,
    organization: Organization,
    actor: User,
    issuer: str,
    client_id: str,
    client_secret: str,
    allowed_email_domains: list[str],
    user_claim: str,
    password_login_enabled: bool,
    enabled: bool,
) -> IdentityProvider:
    """Create or change an organisation's provider; an empty secret keeps the stored one."""
    issuer = issuer.strip()
    if not is_secure_transport(issuer):
        raise ProviderError(_("O emissor tem de ser um endereço https://."))
    if user_claim not in USER_CLAIMS:
        raise ProviderError(_("Escolha o atributo que identifica a pessoa."))
    if not allowed_email_domains:
        raise ProviderError(_("Indique pelo menos um domínio de e-mail autorizado."))
    clash = _domain_clash(session, organization.id, allowed_email_domains)
    if clash:
        raise ProviderError(
            _("O domínio %(domain)s já está atribuído a outra organização.", domain=clash)
        )
    provider = provider_of(session, organization.id)
    if provider is None:
        if not client_secret:
            raise ProviderError(_("Indique o segredo do cliente."))
        provider = IdentityProvider(organization_id=organization.id, created_by_id=actor.id)
        session.add(provider)
    if client_secret:
        provider.client_secret_encrypted = encrypt(client_secret)
    provider.issuer = issuer
    provider.client_id = client_id.strip()
    provider.allowed_email_domains = allowed_email_domains
    provider.user_claim = user_claim
    provider.password_login_enabled = password_login_enabled
    provider.enabled = enabled
    session.flush()
    audit(
        session,
        "sso.provider_saved",
        object_type="identity_provider",
        object_id=provider.id,
        details={
            "organization_id": organization.id,
            "issuer": issuer,
            "domains": allowed_email_domains,
            "password_login_enabled": password_login_enabled,
            "enabled": enabled,
            "secret_changed": bool(client_secret),
        },
    )
    return provider


def _domain_clash(session: Session, organization_id: int, domains: list[str]) -> str | None:
    others = session.scalars(
        select(IdentityProvider).where(IdentityProvider.organization_id != organization_id)
    )
    taken = {d for p in others for d in p.allowed_email_domains}
    return next((d for d in domains if d in taken), None)


def check_connection(provider: IdentityProvider) -> ConnectionReport:
    """Fetch the provider's discovery document and keys, and say what was found."""
    report = ConnectionReport(ok=False)
    try:
        metadata = oidc.discover(provider.issuer)
        report.lines.append(
            _("Configuração obtida de %(url)s.", url=provider.issuer + oidc.DISCOVERY_PATH)
        )
        keys = oidc.fetch_jwks(metadata)
    except oidc.OidcError as exc:
        report.lines.append(_("Falhou: %(detail)s", detail=str(exc)))
        return report
    report.lines.append(
        _("%(n)d chave(s) de assinatura em %(url)s.", n=len(keys.keys), url=metadata["jwks_uri"])
    )
    if "code" not in metadata.get("response_types_supported", ["code"]):
        report.lines.append(_("O fornecedor não anuncia o fluxo «authorization code»."))
        return report
    if "S256" not in metadata.get("code_challenge_methods_supported", ["S256"]):
        report.lines.append(_("O fornecedor não anuncia PKCE S256."))
        return report
    report.ok = True
    return report
