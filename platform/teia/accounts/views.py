"""Sign-in, sign-out, password reset, invitations, and the council's user administration."""

from __future__ import annotations

import click
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from teia.accounts import mfa, services, sessions
from teia.accounts.models import Role, User
from teia.accounts.schemas import (
    ROLE_LABELS,
    AcceptInvitationBySsoForm,
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    ResetPasswordForm,
    RoleForm,
    TwoFactorCodeForm,
    TwoFactorDisableForm,
    TwoFactorLoginForm,
)
from teia.accounts.sessions import begin_session
from teia.accounts.tasks import send_password_reset
from teia.audit.services import audit
from teia.core.api import API_PREFIX, error_response
from teia.core.db import after_commit, db
from teia.core.scope import current_tenant, memberships, requires_role
from teia.core.security import limiter, verify_password
from teia.core.tenancy import tenant_scope
from teia.core.urls import safe_next
from teia.oauth.bearer import current_api_token
from teia.sso import signin
from teia.sso.services import password_login_off
from teia.sso.views import depart
from teia.tenants.models import Tenant

bp = Blueprint("accounts", __name__, template_folder="templates")

LOGIN_LIMIT = "20 per minute"
TWO_FACTOR_LIMIT = "10 per minute"
# What a user who must enrol a second factor may still reach.
ENROLMENT_ENDPOINTS = frozenset(
    {"accounts.two_factor", "accounts.two_factor_confirm", "accounts.logout", "static"}
)


@bp.before_app_request
def _session_rules():  # type: ignore[no-untyped-def]
    """End a session that ran out; hold a user who must enrol a second factor on that page."""
    if request.endpoint == "static":
        return None
    if current_user.is_authenticated and current_api_token() is not None:
        return None  # a bearer token is its own credential (teia.oauth.bearer): no session
    reason = sessions.expired_reason()
    if reason is not None:
        return _expired(reason)
    if sessions.enrolment_due() and request.endpoint not in ENROLMENT_ENDPOINTS:
        message = _("Antes de continuar, ative a verificação em dois passos.")
        if request.path.startswith(API_PREFIX):
            return error_response(403, "two_factor_required", message)
        flash(message, "info")
        return redirect(url_for("accounts.two_factor"))
    return None


def _expired(reason: str):  # type: ignore[no-untyped-def]
    sessions.account_event("session.expired", current_user, reason=reason)
    sessions.end_session()
    message = (
        _("A sessão terminou por inatividade. Entre de novo.")
        if reason == "idle"
        else _("A sessão atingiu a duração máxima. Entre de novo.")
    )
    if request.path.startswith(API_PREFIX):
        db.session.commit()  # keep the audit row: the 401 below would roll it back
        return error_response(401, "session_expired", message)
    flash(message, "info")
    next_url = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.login", next=next_url))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("tenants.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(db.session, form.email.data, form.password.data)
        if result.user is not None:
            return _after_password(result.user, safe_next(request.args.get("next")))
        if result.locked:
            form.form_errors.append(
                _("Demasiadas tentativas falhadas: a conta está bloqueada durante 15 minutos.")
            )
        elif result.organization_sign_in:
            form.form_errors.append(
                _(
                    "A sua organização desligou a entrada com palavra-passe: use «Entrar com a"
                    " sua organização»."
                )
            )
        else:
            form.form_errors.append(_("E-mail ou palavra-passe errados."))
    return render_template("accounts/login.html", form=form)


def _after_password(user: User, next_url: str | None):  # type: ignore[no-untyped-def]
    """The second step when the account has one; enrolment first when it must and has none."""
    if mfa.enrolled(db.session, user):
        sessions.begin_pending_login(user, next_url)
        return redirect(url_for("accounts.two_factor_login"))
    must_enrol = mfa.requires_two_factor(db.session, user)
    begin_session(user, method="password")
    if must_enrol:
        sessions.require_enrolment()
        sessions.account_event("two_factor.enrolment_required", user)
        flash(_("O seu papel exige a verificação em dois passos: ative-a agora."), "info")
        return redirect(url_for("accounts.two_factor"))
    return redirect(next_url or url_for("tenants.index"))


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(TWO_FACTOR_LIMIT, methods=["POST"])
def two_factor_login():  # type: ignore[no-untyped-def]
    pending = sessions.pending_login()
    if pending is None:
        flash(_("O tempo para o segundo passo terminou. Entre de novo."), "info")
        return redirect(url_for("accounts.login"))
    user, next_url = pending
    form = TwoFactorLoginForm()
    if form.validate_on_submit():
        try:
            method = mfa.verify_second_factor(db.session, user, form.code.data)
        except services.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            begin_session(user, method=f"password+{method}")
            if method == mfa.RECOVERY:
                flash(
                    _(
                        "Usou um código de recuperação; restam %(n)d. Gere novos códigos na sua"
                        " conta se estiverem a acabar.",
                        n=mfa.unused_recovery_codes(db.session, user),
                    ),
                    "info",
                )
            return redirect(next_url or url_for("tenants.index"))
    return render_template("accounts/two_factor_login.html", form=form)


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    audit(db.session, "logout", object_type="user", object_id=current_user.id)
    sessions.end_session()
    flash(_("Terminou a sessão."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():  # type: ignore[no-untyped-def]
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(db.session, form.email.data)
        if user is not None and user.active:
            user_id = user.id
            after_commit(db.session, lambda: send_password_reset.delay(user_id))
        # The same answer whether or not the account exists.
        flash(
            _(
                "Se o e-mail tiver conta na Teia, enviámos uma ligação para definir uma nova "
                "palavra-passe."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token: str):  # type: ignore[no-untyped-def]
    if services.valid_reset_token(db.session, token) is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(db.session, token, form.password.data, form.confirm.data)
        except services.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            logout_user()
            flash(_("Palavra-passe alterada. Já pode entrar."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():  # type: ignore[no-untyped-def]
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data):
            form.current.errors = [_("A palavra-passe atual está errada.")]
        else:
            services.set_password(db.session, current_user, form.password.data)
            login_user(current_user)  # the old sessions end; this one continues
            flash(_("Palavra-passe alterada. As outras sessões foram terminadas."), "success")
            return redirect(url_for("accounts.account"))
    return render_template(
        "accounts/account.html",
        form=form,
        memberships=memberships(),
        role_labels=ROLE_LABELS,
        two_factor=mfa.enrolled(db.session, current_user),
    )


@bp.get("/account/2fa")
@login_required
def two_factor():  # type: ignore[no-untyped-def]
    if mfa.enrolled(db.session, current_user):
        return render_template(
            "accounts/two_factor.html",
            disable_form=TwoFactorDisableForm(prefix="disable"),
            codes_form=TwoFactorCodeForm(),
            unused_codes=mfa.unused_recovery_codes(db.session, current_user),
        )
    return _enrolment_page(TwoFactorCodeForm())


def _enrolment_page(form: TwoFactorCodeForm, status: int = 200):  # type: ignore[no-untyped-def]
    secret = mfa.enrolment_secret(db.session, current_user)
    uri = mfa.provisioning_uri(current_user, secret)
    return render_template(
        "accounts/two_factor_enrol.html",
        form=form,
        secret=secret,
        uri=uri,
        qr=mfa.qr_svg(uri),
        required=sessions.enrolment_due(),
    ), status


@bp.post("/account/2fa/confirm")
@login_required
@limiter.limit(TWO_FACTOR_LIMIT)
def two_factor_confirm():  # type: ignore[no-untyped-def]
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_enrolment(db.session, current_user, form.code.data)
        except services.AccountError as exc:
            form.code.errors = [str(exc)]
        else:
            sessions.enrolment_done()
            return render_template("accounts/two_factor_codes.html", codes=codes, enabled=True)
    if mfa.enrolled(db.session, current_user):
        return redirect(url_for("accounts.two_factor"))
    return _enrolment_page(form, 200 if form.errors.get("code") else 400)


@bp.post("/account/2fa/recovery-codes")
@login_required
@limiter.limit(TWO_FACTOR_LIMIT)
def two_factor_new_codes():  # type: ignore[no-untyped-def]
    form = TwoFactorCodeForm()
    if form.validate_on_submit() and mfa.enrolled(db.session, current_user):
        try:
            mfa.verify_second_factor(db.session, current_user, form.code.data)
        except services.AccountError as exc:
            flash(str(exc), "error")
        else:
            codes = mfa.new_recovery_codes(db.session, current_user)
            return render_template("accounts/two_factor_codes.html", codes=codes, enabled=False)
    return redirect(url_for("accounts.two_factor"))


@bp.post("/account/2fa/disable")
@login_required
@limiter.limit(TWO_FACTOR_LIMIT)
def two_factor_disable():  # type: ignore[no-untyped-def]
    form = TwoFactorDisableForm(prefix="disable")
    if form.validate_on_submit() and mfa.enrolled(db.session, current_user):
        try:
            mfa.disable(db.session, current_user, form.password.data, form.code.data)
        except services.AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Verificação em dois passos desativada."), "success")
            if mfa.requires_two_factor(db.session, current_user):
                sessions.require_enrolment()
    return redirect(url_for("accounts.two_factor"))


@bp.route("/invitations/<tenant_slug>/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def accept_invitation(tenant_slug: str, token: str):  # type: ignore[no-untyped-def]
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == tenant_slug))
    if tenant is None:
        abort(404)
    with tenant_scope(tenant.id):
        invitation = services.open_invitation(db.session, token)
        if invitation is None:
            return render_template("accounts/invitation_invalid.html"), 404
        existing = services.find_user_by_email(db.session, invitation.email)
        provider = signin.provider_for_invitation(db.session, invitation)
        form = AcceptInvitationForm(name=invitation.name)
        sso_form = AcceptInvitationBySsoForm()
        if sso_form.with_organization.data:
            if sso_form.validate_on_submit():
                try:
                    return depart(
                        invitation.email,
                        next_url=url_for("tenants.home", tenant=tenant.slug),
                        invitation=invitation,
                    )
                except signin.SsoRefused as exc:
                    sso_form.form_errors.append(exc.message)
        elif form.validate_on_submit():
            try:
                user = services.accept_invitation(
                    db.session,
                    token,
                    name=form.name.data or "",
                    password=form.password.data,
                    confirm=form.confirm.data or "",
                )
            except services.AccountError as exc:
                form.form_errors.append(str(exc))
            else:
                response = _after_password(user, url_for("tenants.home", tenant=tenant.slug))
                flash(_("Bem-vindo/a à Teia."), "success")
                return response
        return render_template(
            "accounts/invitation.html",
            form=form,
            sso_form=sso_form,
            provider=provider,
            password_off=password_login_off(db.session, invitation.organization_id),
            invitation=invitation,
            tenant=tenant,
            existing=existing is not None,
            role_label=ROLE_LABELS[Role(invitation.role)],
        )


# --- the council's user administration ---------------------------------------------------


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.organization.choices = [
        SelectChoice(o.id, o.name)
        for o in services.tenant_organizations(db.session, current_tenant().id)
    ]
    return form


@bp.get("/t/<tenant>/admin/users")
@login_required
@requires_role(Role.TENANT_ADMIN)
def users():  # type: ignore[no-untyped-def]
    return _users_page(_invite_form())


def _users_page(form: InviteForm, status: int = 200):  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    return render_template(
        "accounts/users.html",
        members=services.tenant_members(db.session, tenant.id),
        invitations=services.pending_invitations(db.session),
        form=form,
        role_form=RoleForm(),
        role_labels=ROLE_LABELS,
    ), status


@bp.post("/t/<tenant>/admin/users/invite")
@login_required
@requires_role(Role.TENANT_ADMIN)
def invite():  # type: ignore[no-untyped-def]
    form = _invite_form()
    if form.validate_on_submit():
        try:
            services.invite(
                db.session,
                inviter=current_user,
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                organization_id=form.organization.data,
            )
        except services.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Convite enviado para %(email)s.", email=form.email.data), "success")
            return redirect(url_for("accounts.users"))
    return _users_page(form, 422)


@bp.post("/t/<tenant>/admin/memberships/<int:membership_id>/role")
@login_required
@requires_role(Role.TENANT_ADMIN)
def change_role(membership_id: int):  # type: ignore[no-untyped-def]
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    return _membership_action(
        lambda: services.change_membership_role(
            db.session, membership_id, Role(form.role.data), current_user
        ),
        _("Papel alterado."),
    )


@bp.post("/t/<tenant>/admin/memberships/<int:membership_id>/active")
@login_required
@requires_role(Role.TENANT_ADMIN)
def set_active(membership_id: int):  # type: ignore[no-untyped-def]
    active = request.form.get("active") == "1"
    return _membership_action(
        lambda: services.set_membership_active(db.session, membership_id, active, current_user),
        _("Acesso reativado.") if active else _("Acesso retirado."),
    )


@bp.post("/t/<tenant>/admin/invitations/<int:invitation_id>/revoke")
@login_required
@requires_role(Role.TENANT_ADMIN)
def revoke(invitation_id: int):  # type: ignore[no-untyped-def]
    return _membership_action(
        lambda: services.revoke_invitation(db.session, invitation_id), _("Convite revogado.")
    )


def _membership_action(action, done: str):  # type: ignore[no-untyped-def]
    try:
        action()
    except LookupError:
        abort(404)
    except services.AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(done, "success")
    return redirect(url_for("accounts.users"))


# --- operators' commands: ``flask --app teia accounts ...`` -------------------------------


def _account(email: str) -> User:
    user = services.find_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"no account with the e-mail {email}")
    return user


@bp.cli.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Disable an account: it cannot sign in and every session it has ends."""
    services.set_account_active(db.session, _account(email), False)
    db.session.commit()
    click.echo(f"disabled: {email}")


@bp.cli.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Let a disabled account sign in again."""
    services.set_account_active(db.session, _account(email), True)
    db.session.commit()
    click.echo(f"enabled: {email}")


@bp.cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor_command(email: str) -> None:
    """Forget an account's second factor (lost phone and codes); it enrols again at sign-in."""
    mfa.reset(db.session, _account(email))
    db.session.commit()
    click.echo(f"second factor removed: {email}")
