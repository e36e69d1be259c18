"""The OAuth 2.0 endpoints (token, revocation) and the pages that manage clients and tokens.

A council's admin registers the systems of partner organisations that have members in the
council, and sees the clients acting there; the platform's admin registers a client for
several councils. Anyone signed in keeps personal tokens for their own scripts.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from teia.accounts.models import Role
from teia.audit.services import audit
from teia.core.db import db
from teia.core.scope import (
    administers_all,
    current_tenant,
    memberships,
    requires_platform_admin,
    requires_role,
)
from teia.core.security import csrf, limiter
from teia.oauth import services
from teia.oauth.models import ApiClient, ApiToken
from teia.oauth.schemas import ClientForm, PersonalTokenForm
from teia.oauth.scopes import CLIENT_SCOPES, SCOPE_LABELS, ordered, scopes_for_roles
from teia.oauth.server import authorization_server
from teia.tenants.models import Organization, Tenant

bp = Blueprint("oauth", __name__, template_folder="templates")

# What a partner's developer reads when the token or revocation endpoint refuses.
_REFUSALS = {
    "invalid_client": _l(
        "Credenciais de cliente inválidas: identificador ou segredo errado, ou cliente desativado."
    ),
    "invalid_scope": _l("Pediu um âmbito que não existe ou que não foi atribuído a este cliente."),
    "unsupported_grant_type": _l("Só é aceite grant_type=client_credentials."),
    "unauthorized_client": _l("Este cliente não pode usar esse tipo de pedido."),
    "invalid_request": _l("Pedido incompleto ou mal formado."),
    "invalid_grant": _l("Esse token não pertence a este cliente."),
    "unsupported_token_type": _l("Só se revogam tokens de acesso (access_token)."),
}


def _answered(response: Response, endpoint: str) -> Response:
    """Authlib's answer, with the refusal explained in Portuguese and audited."""
    if response.status_code < 400:
        return response
    body = json.loads(response.get_data(as_text=True) or "{}")
    error = body.get("error", "invalid_request")
    body["error_description"] = str(_REFUSALS.get(error, _REFUSALS["invalid_request"]))
    response.set_data(json.dumps(body))
    auth = request.authorization
    client_id = (auth.username if auth and auth.type == "basic" else None) or request.form.get(
        "client_id"
    )
    audit(
        db.session,
        "api_client.refused",
        details={"endpoint": endpoint, "error": error, "client_id": (client_id or "")[:64]},
    )
    db.session.commit()  # the refusal is kept although the request ends in error
    return response


@bp.post("/oauth/token")
@csrf.exempt
@limiter.limit("60 per minute")
def token():  # type: ignore[no-untyped-def]
    """Client credentials (HTTP Basic or form) → a bearer token valid for 15 minutes."""
    return _answered(authorization_server().create_token_response(), "token")


@bp.post("/oauth/revoke")
@csrf.exempt
@limiter.limit("60 per minute")
def revoke():  # type: ignore[no-untyped-def]
    """RFC 7009: a client revokes one of its tokens; it stops working at the next request."""
    return _answered(authorization_server().create_endpoint_response("revocation"), "revoke")


# --- A council's admin: the clients acting in the council -------------------------------


def _clients_in(tenant_id: int | None) -> list[ApiClient]:
    stmt = select(ApiClient).order_by(ApiClient.active.desc(), ApiClient.name, ApiClient.id)
    if tenant_id is not None:
        stmt = stmt.where(ApiClient.tenants.any(Tenant.id == tenant_id))
    return list(db.session.scalars(stmt))


def _client_form(organizations: list[Organization]) -> ClientForm:
    form = ClientForm()
    form.organization.choices = [SelectChoice(o.id, o.name) for o in organizations]
    form.scopes.choices = [
        SelectChoice(s, str(SCOPE_LABELS[s]) + f" ({s})") for s in ordered(CLIENT_SCOPES)
    ]
    return form


def _manages(client: ApiClient) -> bool:
    """A council's admin changes a client only if it acts in no council they do not run."""
    return administers_all(t.id for t in client.tenants)


def _clients_page(form: ClientForm, *, status: int = 200, **extra: object):  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    clients = _clients_in(tenant.id if tenant else None)
    return render_template(
        "oauth/clients.html",
        form=form,
        clients=clients,
        manageable={c.id for c in clients if _manages(c)},
        scope_labels=SCOPE_LABELS,
        **extra,
    ), status


def _create(form: ClientForm, tenants: list[Tenant]):  # type: ignore[no-untyped-def]
    organization = db.session.get(Organization, form.organization.data)
    if organization is None:
        abort(400)
    try:
        client, secret = services.create_client(
            db.session,
            name=form.name.data or "",
            organization=organization,
            tenants=tenants,
            scopes=form.scopes.data or [],
            actor_id=current_user.id,
        )
    except services.OAuthError as exc:
        form.form_errors.append(str(exc))
        return _clients_page(form, status=422)
    return _clients_page(_client_form([organization]), created=client, secret=secret)


@bp.route("/t/<tenant>/api-clients", methods=["GET", "POST"])
@login_required
@requires_role(Role.TENANT_ADMIN)
def clients():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    form = _client_form(services.partner_organizations(db.session, [tenant.id]))
    del form.tenants
    if request.method == "POST":
        if form.validate_on_submit():
            return _create(form, [tenant])
        return _clients_page(form, status=422)
    return _clients_page(form)


@bp.route("/admin/api-clients", methods=["GET", "POST"])
@requires_platform_admin
def platform_clients():  # type: ignore[no-untyped-def]
    tenants = list(
        db.session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.name))
    )
    form = _client_form(services.partner_organizations(db.session, [t.id for t in tenants]))
    form.tenants.choices = [SelectChoice(t.id, t.name) for t in tenants]
    if request.method == "POST":
        if form.validate_on_submit():
            chosen = [t for t in tenants if t.id in set(form.tenants.data or [])]
            return _create(form, chosen)
        return _clients_page(form, status=422)
    return _clients_page(form)


def _managed_client(client_id: int) -> ApiClient:
    """The client a council's page (``/t/<tenant>/...``: one acting there) or the platform's
    page (``/admin/...``: platform admins only) acts on, if this user may manage it."""
    tenant = current_tenant()
    if tenant is None and not current_user.is_platform_admin:
        abort(404)
    client = db.session.get(ApiClient, client_id)
    if client is None or (tenant and tenant not in client.tenants):
        abort(404)
    if not _manages(client):
        audit(db.session, "api_client.refused", details={"client": client.id, "reason": "scope"})
        db.session.commit()  # the refusal is kept although the request ends in error
        abort(403)
    return client


def _back() -> Response:
    tenant = current_tenant()
    if tenant:
        return redirect(url_for("oauth.clients"))
    return redirect(url_for("oauth.platform_clients"))


@bp.post("/t/<tenant>/api-clients/<int:client_id>/revoke-tokens")
@bp.post("/admin/api-clients/<int:client_id>/revoke-tokens")
@login_required
def revoke_client_tokens(client_id: int):  # type: ignore[no-untyped-def]
    client = _managed_client(client_id)
    count = services.revoke_client_tokens(db.session, client)
    flash(_("Tokens revogados: %(n)s. Deixaram de funcionar.", n=count), "success")
    return _back()


@bp.post("/t/<tenant>/api-clients/<int:client_id>/deactivate")
@bp.post("/admin/api-clients/<int:client_id>/deactivate")
@login_required
def deactivate_client(client_id: int):  # type: ignore[no-untyped-def]
    client = _managed_client(client_id)
    services.deactivate_client(db.session, client)
    flash(
        _("Cliente desativado: não obtém novos tokens e os que tinha deixaram de valer."), "success"
    )
    return _back()


# --- Personal tokens ---------------------------------------------------------------------


def _allowed_scopes() -> list[str]:
    return ordered(scopes_for_roles(Role(m.role) for m in memberships()))


def _token_form() -> PersonalTokenForm:
    form = PersonalTokenForm()
    form.scopes.choices = [
        SelectChoice(s, str(SCOPE_LABELS[s]) + f" ({s})")  # type: ignore[index]
        for s in _allowed_scopes()
    ]
    form.days.choices = [
        SelectChoice(d, _("%(n)s dias", n=d)) for d in services.PERSONAL_TOKEN_DAYS
    ]
    return form


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def personal_tokens():  # type: ignore[no-untyped-def]
    form = _token_form()
    created = secret = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                created, secret = services.create_personal_token(
                    db.session,
                    current_user._get_current_object(),  # type: ignore[attr-defined]
                    name=form.name.data or "",
                    scopes=form.scopes.data or [],
                    days=form.days.data or 0,
                    allowed=_allowed_scopes(),
                )
                status = 200
                form = _token_form()
            except services.OAuthError as exc:
                form.form_errors.append(str(exc))
    return render_template(
        "oauth/tokens.html",
        form=form,
        tokens=services.personal_tokens(db.session, current_user.id),
        created=created,
        secret=secret,
        scope_labels=SCOPE_LABELS,
    ), status


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_personal_token(token_id: int):  # type: ignore[no-untyped-def]
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id or token.client_id is not None:
        abort(404)
    services.revoke_token(db.session, token, how="page")
    flash(_("Token revogado: deixou de funcionar."), "success")
    return redirect(url_for("oauth.personal_tokens"))
