"""Sign-in through the organisation's provider, and the pages that configure providers.

A council admin configures them at ``/t/<tenant>/admin/sso``; the platform admin at
``/admin/sso`` (any organisation, including those working in several councils).
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from teia.accounts.models import Invitation, Role
from teia.accounts.sessions import begin_session
from teia.audit.services import audit
from teia.core.db import db
from teia.core.scope import (
    administers_all,
    current_tenant,
    requires_platform_admin,
    requires_role,
)
from teia.core.security import limiter
from teia.core.urls import safe_next
from teia.sso import services, signin
from teia.sso.cli import dev_provider
from teia.sso.models import DEFAULT_USER_CLAIM
from teia.sso.schemas import OrganizationSignInForm, ProviderForm
from teia.tenants.models import Organization

bp = Blueprint("sso", __name__, template_folder="templates", cli_group="sso")
bp.cli.add_command(dev_provider)

# The random value that binds a pending sign-in to the browser that started it.
BROWSER_KEY = "sso_browser"


@bp.route("/login/sso", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def start():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("tenants.index"))
    form = OrganizationSignInForm()
    if form.validate_on_submit():
        try:
            return depart(form.email.data, next_url=safe_next(request.args.get("next")))
        except signin.SsoRefused as exc:
            form.form_errors.append(exc.message)
    return render_template("sso/start.html", form=form)


def depart(email: str, *, next_url: str | None, invitation: Invitation | None = None) -> str:
    """Start a sign-in for ``email`` (accepting ``invitation`` on the way back, if given) and
    answer with the page that moves on to the provider; ``SsoRefused`` passes through.

    A page that moves on by itself, not a redirect: the pages' CSP (form-action 'self') would
    stop a form submission redirected to the provider's origin.
    """
    departure = signin.start_sign_in(
        db.session,
        email,
        redirect_uri=url_for("sso.callback", _external=True),
        browser_key=session.setdefault(BROWSER_KEY, secrets.token_urlsafe(32)),
        next_url=next_url,
        invitation=invitation,
    )
    return render_template("sso/departure.html", departure=departure)


@bp.get("/login/sso/callback")
@limiter.limit("20 per minute")
def callback() -> Response:
    try:
        signed_in = signin.finish_sign_in(
            db.session,
            state=request.args.get("state", ""),
            browser_key=session.get(BROWSER_KEY),
            code=request.args.get("code"),
            error=request.args.get("error"),
            redirect_uri=url_for("sso.callback", _external=True),
        )
    except signin.SsoRefused as exc:
        # A redirect (not an error status) so the audit event is committed.
        flash(exc.message, "error")
        return redirect(url_for("sso.start"))
    # The provider does its own second factor: no local TOTP step here.
    begin_session(signed_in.user, method="sso")
    if signed_in.accepted_invitation:
        flash(_("Bem-vindo/a à Teia."), "success")
    return redirect(signed_in.next_url or url_for("tenants.index"))


# --- a council's admin --------------------------------------------------------------------


def _tenant_organization(organization_id: int) -> Organization:
    """An organisation with members in the council in scope (404 otherwise)."""
    for org in services.organizations_with_members(db.session, current_tenant().id):
        if org.id == organization_id:
            return org
    abort(404)


@bp.get("/t/<tenant>/admin/sso")
@login_required
@requires_role(Role.TENANT_ADMIN)
def tenant_providers():  # type: ignore[no-untyped-def]
    orgs = services.organizations_with_members(db.session, current_tenant().id)
    return render_template(
        "sso/providers.html",
        rows=[(o, administers_all(t.id for t in o.tenants)) for o in orgs],
        providers=services.providers_by_organization(db.session, [o.id for o in orgs]),
        edit_endpoint="sso.tenant_provider",
    )


@bp.route("/t/<tenant>/admin/sso/<int:organization_id>", methods=["GET", "POST"])
@login_required
@requires_role(Role.TENANT_ADMIN)
def tenant_provider(organization_id: int):  # type: ignore[no-untyped-def]
    return _provider_page(_tenant_organization(organization_id), "sso.tenant_providers")


@bp.post("/t/<tenant>/admin/sso/<int:organization_id>/test")
@login_required
@requires_role(Role.TENANT_ADMIN)
def tenant_test(organization_id: int):  # type: ignore[no-untyped-def]
    return _test(
        _tenant_organization(organization_id), "sso.tenant_provider", "sso.tenant_providers"
    )


# --- the platform's admin -----------------------------------------------------------------


def _any_organization(organization_id: int) -> Organization:
    org = db.session.get(Organization, organization_id)
    if org is None:
        abort(404)
    return org


@bp.get("/admin/sso")
@login_required
@requires_platform_admin
def platform_providers():  # type: ignore[no-untyped-def]
    orgs = services.all_organizations(db.session)
    return render_template(
        "sso/providers.html",
        rows=[(o, True) for o in orgs],
        providers=services.providers_by_organization(db.session, [o.id for o in orgs]),
        edit_endpoint="sso.platform_provider",
    )


@bp.route("/admin/sso/<int:organization_id>", methods=["GET", "POST"])
@login_required
@requires_platform_admin
def platform_provider(organization_id: int):  # type: ignore[no-untyped-def]
    return _provider_page(_any_organization(organization_id), "sso.platform_providers")


@bp.post("/admin/sso/<int:organization_id>/test")
@login_required
@requires_platform_admin
def platform_test(organization_id: int):  # type: ignore[no-untyped-def]
    return _test(
        _any_organization(organization_id), "sso.platform_provider", "sso.platform_providers"
    )


# --- shared by both -----------------------------------------------------------------------


def _refused(org: Organization, list_endpoint: str) -> Response:
    """Audited, and answered with a redirect so the audit event is committed."""
    audit(
        db.session,
        "sso.configuration_refused",
        object_type="organization",
        object_id=org.id,
        details={"reason": "organization_in_other_councils"},
    )
    flash(
        _(
            "%(org)s trabalha noutros municípios que não administra: o seu fornecedor de "
            "identidade é configurado pela administração da plataforma.",
            org=org.name,
        ),
        "error",
    )
    return redirect(url_for(list_endpoint))


def _provider_page(org: Organization, list_endpoint: str):  # type: ignore[no-untyped-def]
    if not administers_all(t.id for t in org.tenants):
        return _refused(org, list_endpoint)
    provider = services.provider_of(db.session, org.id)
    form = ProviderForm(
        obj=provider,
        data=None
        if provider
        else {"user_claim": DEFAULT_USER_CLAIM, "password_login_enabled": True, "enabled": True},
    )
    if request.method == "GET" and provider is not None:
        form.allowed_email_domains.data = " ".join(provider.allowed_email_domains)
    if form.validate_on_submit():
        try:
            services.save_provider(
                db.session,
                organization=org,
                actor=current_user,
                issuer=form.issuer.data,
                client_id=form.client_id.data,
                client_secret=form.client_secret.data or "",
                allowed_email_domains=services.parse_domains(form.allowed_email_domains.data),
                user_claim=form.user_claim.data,
                password_login_enabled=form.password_login_enabled.data,
                enabled=form.enabled.data,
            )
        except services.ProviderError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Fornecedor de identidade guardado."), "success")
            return redirect(url_for(request.endpoint, organization_id=org.id))
    test_endpoint = (
        "sso.tenant_test" if list_endpoint == "sso.tenant_providers" else "sso.platform_test"
    )
    return render_template(
        "sso/provider.html",
        form=form,
        organization=org,
        provider=provider,
        list_endpoint=list_endpoint,
        test_endpoint=test_endpoint,
    ), 422 if form.errors or form.form_errors else 200


def _test(org: Organization, page_endpoint: str, list_endpoint: str) -> Response:
    if not administers_all(t.id for t in org.tenants):
        return _refused(org, list_endpoint)
    provider = services.provider_of(db.session, org.id)
    if provider is None:
        abort(404)
    report = services.check_connection(provider)
    for line in report.lines:
        flash(line, "success" if report.ok else "error")
    flash(
        _("Ligação ao fornecedor verificada.") if report.ok else _("A ligação falhou."),
        "success" if report.ok else "error",
    )
    return redirect(url_for(page_endpoint, organization_id=org.id))
