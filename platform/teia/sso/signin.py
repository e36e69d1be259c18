"""A sign-in through the organisation's provider, in two halves: ``start_sign_in`` sends the
browser to the provider, ``finish_sign_in`` checks what comes back and finds the Teia user.
A sign-in started from an invitation accepts it on the way back (the invited person's first
sign-in, account included); any other person must already be a member.

They flush but never commit. A refused sign-in is audited (``sso.refused`` with its reason)
and raised as ``SsoRefused`` carrying the message the person reads.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NoReturn

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from teia.accounts.models import Invitation, Membership, User
from teia.accounts.services import (
    find_user_by_email,
    join_council,
    new_invited_user,
    normalize_email,
    open_invitation_by_id,
)
from teia.audit.services import audit
from teia.core.crypto import decrypt
from teia.core.db import utcnow
from teia.core.tenancy import tenant_scope
from teia.sso import oidc
from teia.sso.models import ExternalIdentity, IdentityProvider, SsoAttempt
from teia.sso.services import email_domain

ATTEMPT_TTL = timedelta(minutes=10)


class SsoRefused(Exception):
    """A sign-in refused for ``reason``; ``message`` is for the person signing in."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Departure:
    """Where the browser goes to sign in, and whose page that is."""

    url: str
    organization: str


@dataclass(frozen=True)
class SignedIn:
    user: User
    next_url: str | None
    accepted_invitation: bool = False


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- sign-in, first half: send the browser to the provider ------------------------------


def provider_for_email(session: Session, email: str) -> IdentityProvider | None:
    domain = email_domain(email)
    providers = session.scalars(
        select(IdentityProvider)
        .where(IdentityProvider.enabled.is_(True))
        .options(joinedload(IdentityProvider.organization))
    )
    return next((p for p in providers if domain in p.allowed_email_domains), None)


def provider_for_invitation(session: Session, invitation: Invitation) -> IdentityProvider | None:
    """The provider that may accept ``invitation``: its organisation's, for the invited e-mail."""
    provider = provider_for_email(session, invitation.email)
    if provider is None or provider.organization_id != invitation.organization_id:
        return None
    return provider


def client_for(provider: IdentityProvider, redirect_uri: str) -> oidc.Client:
    return oidc.Client(
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=decrypt(provider.client_secret_encrypted),
        redirect_uri=redirect_uri,
    )


def start_sign_in(
    session: Session,
    email: str,
    *,
    redirect_uri: str,
    browser_key: str,
    next_url: str | None = None,
    invitation: Invitation | None = None,
) -> Departure:
    """The provider's authorization URL for ``email``; the attempt is kept on the server.

    With ``invitation`` (open, its e-mail as ``email``), the attempt remembers it, to accept it
    when the person comes back; the provider must be that of the invitation's organisation.
    """
    provider = provider_for_email(session, email)
    if provider is None:
        refuse(
            session,
            "no_provider",
            _(
                "Não há entrada pela organização para o domínio %(domain)s. "
                "Entre com e-mail e palavra-passe.",
                domain=email_domain(email),
            ),
            details={"domain": email_domain(email)},
        )
    if invitation is not None and invitation.organization_id != provider.organization_id:
        _refuse_other_organization(session, provider, invitation)
    try:
        metadata = oidc.discover(provider.issuer)
    except oidc.OidcError as exc:
        _refuse_oidc(session, provider, exc)
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    now = utcnow()
    session.execute(delete(SsoAttempt).where(SsoAttempt.expires_at < now - ATTEMPT_TTL))
    session.add(
        SsoAttempt(
            state_hash=digest(state),
            browser_hash=digest(browser_key),
            provider_id=provider.id,
            nonce=nonce,
            code_verifier=verifier,
            next_url=next_url,
            invitation_tenant_id=invitation.tenant_id if invitation else None,
            invitation_id=invitation.id if invitation else None,
            expires_at=now + ATTEMPT_TTL,
        )
    )
    session.flush()
    url = oidc.authorization_url(
        client_for(provider, redirect_uri),
        metadata,
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        login_hint=normalize_email(email),
    )
    return Departure(url, provider.organization.name)


# --- sign-in, second half: the provider sends the browser back --------------------------


def finish_sign_in(
    session: Session,
    *,
    state: str,
    browser_key: str | None,
    code: str | None,
    error: str | None,
    redirect_uri: str,
) -> SignedIn:
    """Check everything the provider sent back and find the Teia user it stands for."""
    attempt = _consume_attempt(session, state, browser_key)
    provider = attempt.provider
    if error or not code:
        refuse(
            session,
            "provider_error",
            _("O fornecedor de identidade da sua organização não autorizou a entrada."),
            provider=provider,
            details={"error": (error or "no code")[:100]},
        )
    if not provider.enabled:
        refuse(
            session,
            "provider_disabled",
            _("A entrada pela organização está desativada."),
            provider=provider,
        )
    client = client_for(provider, redirect_uri)
    try:
        metadata = oidc.discover(provider.issuer)
        token = oidc.exchange_code(client, metadata, code=code, code_verifier=attempt.code_verifier)
        claims = oidc.verify_id_token(client, metadata, token, nonce=attempt.nonce)
    except oidc.OidcError as exc:
        _refuse_oidc(session, provider, exc)
    email = _verified_email(session, provider, claims)
    if attempt.invitation_id is not None:
        user = _accept_invitation(session, provider, attempt, claims, email)
        return SignedIn(user, attempt.next_url, accepted_invitation=True)
    return SignedIn(_user_for(session, provider, claims, email), attempt.next_url)


def _consume_attempt(session: Session, state: str, browser_key: str | None) -> SsoAttempt:
    """Mark the attempt used, once; a replayed, stale or foreign ``state`` is refused."""
    now = utcnow()
    used = session.execute(
        update(SsoAttempt)
        .where(
            SsoAttempt.state_hash == digest(state),
            SsoAttempt.browser_hash == digest(browser_key or ""),
            SsoAttempt.used_at.is_(None),
            SsoAttempt.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    attempt = session.scalar(
        select(SsoAttempt)
        .where(SsoAttempt.state_hash == digest(state))
        .options(joinedload(SsoAttempt.provider).joinedload(IdentityProvider.organization))
    )
    if used.rowcount == 1 and attempt is not None:  # type: ignore[attr-defined]
        return attempt
    if attempt is None:
        why = "unknown"
    elif attempt.used_at is not None:
        why = "replayed"
    elif attempt.expires_at <= now:
        why = "expired"
    else:
        why = "other_browser"
    refuse(
        session,
        "state",
        _("Este pedido de entrada já foi usado ou expirou. Comece de novo."),
        provider=attempt.provider if attempt else None,
        details={"state": why},
    )


_OIDC_MESSAGES = {
    "signature": _l("a assinatura não confere com as chaves publicadas pelo fornecedor"),
    "issuer": _l("foi emitida por outro fornecedor"),
    "audience": _l("não se destina à Teia"),
    "expired": _l("expirou"),
    "issued_at": _l("tem uma data de emissão inválida"),
    "nonce": _l("não corresponde a este pedido de entrada"),
}


def _refuse_oidc(session: Session, provider: IdentityProvider, exc: oidc.OidcError) -> NoReturn:
    if exc.reason in ("discovery", "jwks", "token_exchange"):
        message = _(
            "Não foi possível concluir a entrada com o fornecedor de identidade da sua "
            "organização. Tente mais tarde ou contacte quem o administra."
        )
    else:
        problem = _OIDC_MESSAGES.get(exc.reason) or _("não é válida")
        message = _("Entrada recusada: a identidade recebida %(problem)s.", problem=problem)
    refuse(session, exc.reason, message, provider=provider, details={"detail": exc.detail[:300]})


def _verified_email(session: Session, provider: IdentityProvider, claims: dict[str, Any]) -> str:
    """The person's e-mail from the user claim: present, in an allowed domain, not unverified."""
    raw = claims.get(provider.user_claim)
    email = normalize_email(raw) if isinstance(raw, str) and "@" in raw else ""
    if not email:
        refuse(
            session,
            "no_identifier",
            _("O fornecedor de identidade não indicou o e-mail da pessoa."),
            provider=provider,
            details={"claim": provider.user_claim},
        )
    if email_domain(email) not in provider.allowed_email_domains:
        refuse(
            session,
            "domain",
            _(
                "O e-mail %(email)s não pertence a um domínio autorizado para %(org)s.",
                email=email,
                org=provider.organization.name,
            ),
            provider=provider,
            details={"email": email},
        )
    if provider.user_claim == "email" and claims.get("email_verified") is False:
        refuse(
            session,
            "email_unverified",
            _(
                "O fornecedor de identidade indica que o e-mail %(email)s não foi verificado.",
                email=email,
            ),
            provider=provider,
            details={"email": email},
        )
    return email


def _linked(
    session: Session, provider: IdentityProvider, claims: dict[str, Any]
) -> ExternalIdentity | None:
    return session.scalar(
        select(ExternalIdentity)
        .where(
            ExternalIdentity.issuer == provider.issuer, ExternalIdentity.subject == claims["sub"]
        )
        .options(joinedload(ExternalIdentity.user))
    )


def _user_for(
    session: Session, provider: IdentityProvider, claims: dict[str, Any], email: str
) -> User:
    """The linked user, or on a first sign-in the organisation's member with that e-mail."""
    link = _linked(session, provider, claims)
    user = link.user if link else find_user_by_email(session, email)
    if user is None or not user.active or not _member_of(session, user, provider.organization_id):
        refuse(
            session,
            "unknown_user",
            _(
                "Não existe conta Teia para %(email)s em %(org)s. Peça um convite a quem "
                "administra a Teia no seu município.",
                email=email,
                org=provider.organization.name,
            ),
            provider=provider,
            details={"email": email},
        )
    if link is None:
        link = _link(session, provider, user, claims["sub"])
    link.last_login_at = utcnow()
    return user


def _accept_invitation(
    session: Session,
    provider: IdentityProvider,
    attempt: SsoAttempt,
    claims: dict[str, Any],
    email: str,
) -> User:
    """An invited person's sign-in: the invitation, still open, for this very e-mail and this
    organisation, gives them the account (without a password) if they have none, and the
    membership. Every check comes before the first write: a refusal changes nothing."""
    assert attempt.invitation_id is not None
    with tenant_scope(attempt.invitation_tenant_id):
        invitation = open_invitation_by_id(session, attempt.invitation_id)
    details = {"invitation_id": attempt.invitation_id, "email": email}
    if invitation is None:
        refuse(
            session,
            "invitation_closed",
            _("Este convite já não é válido. Peça um novo a quem o enviou."),
            provider=provider,
            details=details,
        )
    if normalize_email(invitation.email) != email:
        refuse(
            session,
            "invitation_email",
            _(
                "O convite é para %(invited)s, mas a sua organização identificou-o/a como "
                "%(email)s. Entre com a conta da organização a que o convite se destina.",
                invited=invitation.email,
                email=email,
            ),
            provider=provider,
            details=details,
        )
    if invitation.organization_id != provider.organization_id:
        _refuse_other_organization(session, provider, invitation)
    link = _linked(session, provider, claims)
    user = find_user_by_email(session, email)
    if link is not None and user is not None and link.user_id != user.id:
        refuse(
            session,
            "subject_mismatch",
            _("Esta identidade da sua organização já está ligada a outra conta Teia."),
            provider=provider,
            details=details,
        )
    user = link.user if link else user
    if user is not None and not user.active:
        refuse(
            session,
            "account_disabled",
            _(
                "A conta Teia de %(email)s está desativada. Fale com quem administra a Teia no "
                "seu município.",
                email=email,
            ),
            provider=provider,
            user=user,
            details=details,
        )
    if user is None:
        name = claims.get("name")
        user = new_invited_user(session, invitation, name if isinstance(name, str) else "")
    if link is None:
        link = _link(session, provider, user, claims["sub"])
    link.last_login_at = utcnow()
    session.flush()  # the platform's rows, before the council's scope below refuses them
    with tenant_scope(invitation.tenant_id):
        join_council(session, invitation, user, method="sso")
    return user


def _refuse_other_organization(
    session: Session, provider: IdentityProvider, invitation: Invitation
) -> NoReturn:
    refuse(
        session,
        "invitation_organization",
        _(
            "O convite é para trabalhar em nome de %(invited)s; a entrada foi pela organização "
            "%(org)s.",
            invited=invitation.organization.name,
            org=provider.organization.name,
        ),
        provider=provider,
        details={"invitation_id": invitation.id},
    )


def _link(
    session: Session, provider: IdentityProvider, user: User, subject: str
) -> ExternalIdentity:
    other = session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.provider_id == provider.id, ExternalIdentity.user_id == user.id
        )
    )
    if other is not None:
        refuse(
            session,
            "subject_mismatch",
            _("Esta conta Teia já está ligada a outra identidade da sua organização."),
            provider=provider,
            user=user,
        )
    link = ExternalIdentity(
        user_id=user.id, provider_id=provider.id, issuer=provider.issuer, subject=subject
    )
    session.add(link)
    session.flush()
    audit(
        session,
        "sso.linked",
        object_type="user",
        object_id=user.id,
        actor_id=user.id,
        details={"provider_id": provider.id},
    )
    return link


def _member_of(session: Session, user: User, organization_id: int) -> bool:
    return bool(
        session.scalar(
            select(Membership.id)
            .where(
                Membership.user_id == user.id,
                Membership.organization_id == organization_id,
                Membership.active.is_(True),
            )
            .limit(1)
        )
    )


def refuse(
    session: Session,
    reason: str,
    message: str,
    *,
    provider: IdentityProvider | None = None,
    user: User | None = None,
    details: dict[str, Any] | None = None,
) -> NoReturn:
    """Audit a refused sign-in (``sso.refused`` with its reason) and raise it.

    A platform event, also when the sign-in starts on a council's invitation page.
    """
    with tenant_scope(None):
        audit(
            session,
            "sso.refused",
            object_type="identity_provider" if provider else None,
            object_id=provider.id if provider else None,
            actor_id=user.id if user else None,
            details={"reason": reason, **(details or {})},
        )
        session.flush()
    raise SsoRefused(reason, message)
