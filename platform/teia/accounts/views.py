"""Sign-in, sign-out, password reset, invitations, and the council's user administration."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from teia.accounts import services
from teia.accounts.models import Role
from teia.accounts.schemas import (
    ROLE_LABELS,
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    ResetPasswordForm,
    RoleForm,
)
from teia.accounts.tasks import send_password_reset
from teia.audit.services import audit
from teia.core.db import after_commit, db
from teia.core.scope import current_tenant, memberships, requires_role
from teia.core.security import limiter, verify_password
from teia.core.tenancy import tenant_scope
from teia.core.urls import safe_next
from teia.tenants.models import Tenant

bp = Blueprint("accounts", __name__, template_folder="templates")

LOGIN_LIMIT = "20 per minute"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("tenants.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(db.session, form.email.data, form.password.data)
        if result.user is not None:
            login_user(result.user)
            return redirect(safe_next(request.args.get("next")) or url_for("tenants.index"))
        if result.locked:
            form.form_errors.append(
                _("Demasiadas tentativas falhadas: a conta está bloqueada durante 15 minutos.")
            )
        else:
            form.form_errors.append(_("E-mail ou palavra-passe errados."))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    audit(db.session, "logout", object_type="user", object_id=current_user.id)
    logout_user()
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
        "accounts/account.html", form=form, memberships=memberships(), role_labels=ROLE_LABELS
    )


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
        form = AcceptInvitationForm(name=invitation.name)
        if form.validate_on_submit():
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
                db.session.flush()  # write the council's rows while its scope is set
                login_user(user)
                flash(_("Bem-vindo/a à Teia."), "success")
                return redirect(url_for("tenants.home", tenant=tenant.slug))
        return render_template(
            "accounts/invitation.html",
            form=form,
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
