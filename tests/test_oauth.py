"""API access for partner systems: client credentials at the real token endpoint, bearer
tokens on the real API with the share rules of the partner's users, scopes, revocation and
expiry, and the audit trail of each. The pages and personal tokens: ``test_oauth_pages.py``."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from teia.accounts.models import User
from teia.audit.models import AuditEvent
from teia.core import tenancy
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.oauth import services
from teia.oauth.models import ApiClient, ApiToken, digest
from teia.tenants.models import Organization, Tenant
from tests.conftest import requires_postgres
from tests.test_api_cases import CaseData, build_case
from tests.test_openapi import assert_documented

API = "/api/v1/t/mourao"
READ = ("cases:read", "referrals:read")


@pytest.fixture
def data(app: Flask) -> CaseData:
    return build_case(app)


def register(
    app: Flask,
    org: str = "scm-mourao",
    scopes: tuple[str, ...] = READ,
    tenants: tuple[str, ...] = ("mourao",),
) -> tuple[str, str]:
    """A client registered through the service, as the admin page does: (id, secret)."""
    with app.app_context():
        organization = db.session.scalar(select(Organization).where(Organization.slug == org))
        chosen = list(db.session.scalars(select(Tenant).where(Tenant.slug.in_(tenants))))
        admin = db.session.scalar(select(User.id).where(User.email == "coordenacao@mourao.demo"))
        assert organization and admin
        client, secret = services.create_client(
            db.session,
            name="Sistema da Santa Casa",
            organization=organization,
            tenants=chosen,
            scopes=scopes,
            actor_id=admin,
        )
        db.session.commit()
        return client.client_id, secret


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def issue(client: FlaskClient, credentials: tuple[str, str], scope: str | None = None):  # type: ignore[no-untyped-def]
    form = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    return client.post("/oauth/token", data=form, headers=basic(*credentials))


def bearer(client: FlaskClient, credentials: tuple[str, str], scope: str | None = None) -> str:
    response = issue(client, credentials, scope)
    assert response.status_code == 200, response.text
    return response.get_json()["access_token"]


def call(app: Flask, client: FlaskClient, token: str, method: str, path: str, body=None):  # type: ignore[no-untyped-def]
    url = path if path.startswith("/api/") else f"{API}/{path}"
    response = client.open(
        url, method=method, json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert_documented(app, response)
    return response


def events(app: Flask, action: str, tenant: int | None = None) -> list[AuditEvent]:
    """The audit events of ``action``: the council's (``tenant``) or the platform's."""
    with app.app_context(), tenant_scope(tenant):
        return list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def test_a_partner_system_gets_a_token_and_lists_its_organisations_referrals(
    app: Flask, client: FlaskClient, data: CaseData
) -> None:
    credentials = register(app)
    answer = issue(client, credentials)
    assert answer.status_code == 200
    issued = answer.get_json()
    assert issued["token_type"] == "Bearer"
    assert issued["expires_in"] == 15 * 60
    assert issued["scope"] == "cases:read referrals:read"
    assert answer.headers["Cache-Control"] == "no-store"

    listed = call(app, client, issued["access_token"], "GET", "referrals")
    assert listed.status_code == 200
    body = listed.get_json()
    assert [r["id"] for r in body["referrals"]] == [data.referral]
    assert (body["total"], body["page"]) == (1, 1)
    assert body["referrals"][0]["organization"]["slug"] == "scm-mourao"

    with app.app_context():
        stored = db.session.scalar(select(ApiToken).where(ApiToken.client_id.is_not(None)))
        assert stored is not None
        assert stored.token_hash == digest(issued["access_token"])  # the token itself is not kept
        expected_expiry = utcnow() + timedelta(minutes=15)
        assert abs((stored.expires_at - expected_expiry).total_seconds()) < 60
        service = db.session.get(User, stored.user_id)
        assert service is not None and service.password_hash is None
    used = events(app, "api.token_used", data.tenant)
    assert [e.details["endpoint"] for e in used] == ["sharing_api.inbox"]
    assert used[0].tenant_id == data.tenant and used[0].actor_id == stored.user_id
    assert len(events(app, "api_client.token_issued")) == 1


def test_the_secret_may_also_come_in_the_form(
    app: Flask, client: FlaskClient, data: CaseData
) -> None:
    client_id, secret = register(app)
    answer = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert answer.status_code == 200
    assert (
        call(app, client, answer.get_json()["access_token"], "GET", "referrals").status_code == 200
    )


@pytest.mark.parametrize(
    ("form", "wrong_secret", "status", "error"),
    [
        ({"grant_type": "client_credentials"}, True, 401, "invalid_client"),
        (
            {"grant_type": "password", "username": "x", "password": "y"},
            False,
            400,
            "unsupported_grant_type",
        ),
        ({"grant_type": "client_credentials", "scope": "cases:write"}, False, 400, "invalid_scope"),
        ({"grant_type": "client_credentials", "scope": "everything"}, False, 400, "invalid_scope"),
    ],
)
def test_refusals_at_the_token_endpoint_are_explained_and_audited(  # type: ignore[no-untyped-def]
    app: Flask, client: FlaskClient, form, wrong_secret: bool, status: int, error: str
) -> None:
    client_id, secret = register(app)
    answer = client.post(
        "/oauth/token", data=form, headers=basic(client_id, "wrong" if wrong_secret else secret)
    )
    assert answer.status_code == status
    body = answer.get_json()
    assert body["error"] == error
    assert body["error_description"]  # in Portuguese, for the partner's developer
    [refused] = events(app, "api_client.refused")
    assert refused.details == {"endpoint": "token", "error": error, "client_id": client_id}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_plan_writes_need_the_plan_actions_scope(
    app: Flask, client: FlaskClient, data: CaseData
) -> None:
    action = f"plan-actions/{data.actions['scm-mourao']}"
    reader = bearer(client, register(app))
    refused = call(app, client, reader, "PATCH", action, {"status": "in_progress"})
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "insufficient_scope"
    assert "plan-actions:write" in refused.get_json()["message"]
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    [audited] = events(app, "api.token_refused", data.tenant)
    assert audited.details["reason"] == "insufficient_scope"

    writer = bearer(client, register(app, scopes=("plan-actions:write",)))
    # No CSRF header: a bearer request carries no cookie a browser could be tricked into sending.
    done = call(app, client, writer, "PATCH", action, {"status": "in_progress"})
    assert done.status_code == 200
    assert done.get_json()["status"] == "in_progress"
    # Still the partner's rules: another organisation's action is not there.
    other = f"plan-actions/{data.actions['cs-mourao']}"
    assert call(app, client, writer, "PATCH", other, {"status": "done"}).status_code == 404


def test_a_client_reaches_exactly_what_its_organisations_users_reach(
    app: Flask, client: FlaskClient, as_user, data: CaseData
) -> None:  # type: ignore[no-untyped-def]
    santa_casa = bearer(client, register(app))
    case = call(app, client, santa_casa, "GET", f"cases/{data.case}")
    assert case.status_code == 200
    assert case.get_json()["areas"] == ["health"]  # its share opens the health diagnosis only
    user = as_user("ipss@mourao.demo")  # a professional of the Santa Casa, in a browser
    for path in ("cases", "referrals", f"cases/{data.case}"):
        assert (
            call(app, client, santa_casa, "GET", path).get_json()
            == user.get(f"{API}/{path}").get_json()
        )
    health = bearer(client, register(app, org="cs-mourao"))  # the health centre: no share
    assert call(app, client, health, "GET", f"cases/{data.case}").status_code == 404
    assert call(app, client, health, "GET", "referrals").get_json()["referrals"] == []


@pytest.mark.parametrize("tenant", ["reguengos-de-monsaraz", "portel", "nowhere"])
def test_other_councils_are_404_even_where_the_organisation_works(
    app: Flask, client: FlaskClient, data: CaseData, tenant: str
) -> None:
    token = bearer(client, register(app))  # the Santa Casa also works in Reguengos
    for path in ("referrals", "cases", ""):
        assert call(app, client, token, "GET", f"/api/v1/t/{tenant}/{path}").status_code == 404


def test_who_am_i_for_a_client_is_its_service_account_as_a_partner(
    app: Flask, client: FlaskClient, data: CaseData
) -> None:
    token = bearer(client, register(app))
    me = call(app, client, token, "GET", "/api/v1/me").get_json()
    assert me["name"].startswith("Sistema da Santa Casa")
    assert me["memberships"] == [
        {
            "id": None,
            "role": "partner_professional",
            "organization": "scm-mourao",
            "tenant": "mourao",
        }
    ]


def test_a_revoked_token_stops_working_at_once(
    app: Flask, client: FlaskClient, data: CaseData
) -> None:
    credentials = register(app)
    token = bearer(client, credentials)
    assert call(app, client, token, "GET", "referrals").status_code == 200
    revoked = client.post("/oauth/revoke", data={"token": token}, headers=basic(*credentials))
    assert revoked.status_code == 200
    refused = call(app, client, token, "GET", "referrals")
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert [e.details["via"] for e in events(app, "api_token.revoked")] == ["rfc7009"]
    assert events(app, "api.token_refused")[-1].details["reason"] == "invalid_token"


def test_a_client_cannot_revoke_another_clients_token(
    app: Flask, client: FlaskClient, data: CaseData
) -> None:
    token = bearer(client, register(app))
    other = register(app, org="cs-mourao")
    answer = client.post("/oauth/revoke", data={"token": token}, headers=basic(*other))
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_grant"
    assert call(app, client, token, "GET", "referrals").status_code == 200


def test_an_expired_token_is_refused(app: Flask, client: FlaskClient, data: CaseData) -> None:
    token = bearer(client, register(app))
    with app.app_context():
        stored = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
        assert stored is not None
        stored.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert call(app, client, token, "GET", "referrals").status_code == 401


def test_an_unknown_token_is_refused_and_audited(app: Flask, client: FlaskClient) -> None:
    assert call(app, client, "made-up", "GET", "referrals").status_code == 401
    assert call(app, client, "made-up", "GET", "/api/v1/me").status_code == 401
    assert len(events(app, "api.token_refused")) == 2


def test_deactivating_a_client_ends_its_tokens_and_refuses_new_ones(
    app: Flask, client: FlaskClient, data: CaseData
) -> None:
    credentials = register(app)
    token = bearer(client, credentials)
    with app.app_context():
        found = db.session.scalar(select(ApiClient).where(ApiClient.client_id == credentials[0]))
        assert found is not None
        services.deactivate_client(db.session, found)
        db.session.commit()
    assert call(app, client, token, "GET", "referrals").status_code == 401
    assert issue(client, credentials).status_code == 401


def test_a_session_and_a_token_at_once_is_refused(app: Flask, as_user, data: CaseData) -> None:  # type: ignore[no-untyped-def]
    browser = as_user("ipss@mourao.demo")
    token = bearer(browser, register(app))
    answer = call(app, browser, token, "GET", "referrals")
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"


def test_session_writes_still_need_the_csrf_header(app: Flask, as_user, data: CaseData) -> None:  # type: ignore[no-untyped-def]
    browser = as_user("ipss@mourao.demo")
    action = f"{API}/plan-actions/{data.actions['scm-mourao']}"
    answer = browser.patch(action, json={"status": "in_progress"})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "csrf_failed"


@requires_postgres
@pytest.mark.postgres
def test_a_token_principal_runs_under_row_level_security_like_a_user(  # type: ignore[no-untyped-def]
    app: Flask, client: FlaskClient, as_user, data: CaseData
) -> None:
    """With the ORM's tenant filter removed, only RLS (and the council set for the request's
    transaction) keeps the rows to Mourão: the client's answers are the Santa Casa user's."""
    token = bearer(client, register(app))
    user = as_user("ipss@mourao.demo")
    event.remove(Session, "do_orm_execute", tenancy._add_tenant_criteria)
    try:
        for path in ("referrals", "cases"):
            by_token = call(app, client, token, "GET", path).get_json()
            assert by_token == user.get(f"{API}/{path}").get_json()
            assert by_token[path]  # not empty: the council was set for the token's request
    finally:
        event.listen(Session, "do_orm_execute", tenancy._add_tenant_criteria)
