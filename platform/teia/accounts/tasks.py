"""E-mails that carry a secret link: the token is made inside the task, never sent through
the broker, and committed before the message leaves so every link that arrives works."""

from __future__ import annotations

from celery import shared_task
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, or_

from teia.accounts.models import PasswordResetToken, User
from teia.accounts.services import (
    active_memberships,
    issue_reset_token,
    open_invitation_by_id,
    rotate_invitation_token,
)
from teia.core.beat import beat_task
from teia.core.db import db, utcnow
from teia.core.mail import MAIL_RETRY, send_mail
from teia.tenants.models import Tenant


def _base_url() -> str:
    return current_app.config["TEIA_SETTINGS"].base_url


@shared_task(name="teia.accounts.send_password_reset", **MAIL_RETRY)
def send_password_reset(user_id: int) -> bool:
    session = db.session
    token = issue_reset_token(session, user_id)
    if token is None:
        return False
    user = session.get(User, user_id)
    assert user is not None
    scopes = [m.tenant for m in active_memberships(session, user_id) if m.tenant]
    locale = scopes[0].locale if scopes else "pt_PT"
    session.commit()
    with force_locale(locale):
        subject = _("Recuperar a palavra-passe da Teia")
        body = _(
            "Olá %(name)s,\n\nPediu para definir uma nova palavra-passe. Use esta ligação nas "
            "próximas 2 horas (só funciona uma vez):\n\n%(link)s\n\nSe não foi o próprio, "
            "ignore esta mensagem: a palavra-passe atual continua válida.",
            name=user.name,
            link=f"{_base_url()}/password/reset/{token}",
        )
    send_mail(user.email, subject, body)
    return True


@shared_task(name="teia.accounts.send_invitation", tenant_scoped=True, **MAIL_RETRY)
def send_invitation(tenant_id: int, invitation_id: int) -> bool:
    session = db.session
    invitation = open_invitation_by_id(session, invitation_id)
    tenant = session.get(Tenant, tenant_id)
    if invitation is None or tenant is None:
        return False
    token = rotate_invitation_token(session, invitation)
    email, name, inviter = invitation.email, invitation.name, invitation.invited_by.name
    session.commit()
    with force_locale(tenant.locale):
        subject = _("Convite para a Teia: %(tenant)s", tenant=tenant.official_name)
        body = _(
            "Olá %(name)s,\n\n%(inviter)s convidou-o a trabalhar na Teia com o %(tenant)s. "
            "Aceite o convite nesta ligação, válida até %(date)s:\n\n%(link)s\n",
            name=name,
            inviter=inviter,
            tenant=tenant.official_name,
            date=invitation.expires_at.strftime("%d/%m/%Y"),
            link=f"{_base_url()}/invitations/{tenant.slug}/{token}",
        )
    send_mail(email, subject, body)
    return True


@beat_task("teia.accounts.purge_expired_tokens")
def purge_expired_tokens() -> int:
    """Reset tokens are only kept while they could still be used."""
    result = db.session.execute(
        delete(PasswordResetToken).where(
            or_(PasswordResetToken.expires_at < utcnow(), PasswordResetToken.used_at.is_not(None))
        )
    )
    return result.rowcount
