"""The pages behind API access: a council's admin registers a partner's system (the secret
shown once) and revokes its tokens; anyone keeps personal tokens limited to their roles."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.oauth.models import ApiClient
from teia.tenants.models import Organization, Tenant
from tests.conftest import csrf_token
from tests.test_api_cases import CaseData, build_case
from tests.test_oauth import bearer, call, events, issue, register

API = "/api/v1/t/mourao"


@pytest.fixture
def data(app: Flask) -> CaseData:
    return build_case(app)


def org_id(app: Flask, slug: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Organization.id).where(Organization.slug == slug))
        assert found is not None
        return found


def shown(html: str, label: str) -> str:
    """The value printed once under ``label`` on the page."""
    match = re.search(label + r'</strong><br><code class="secret">([^<]+)</code>', html)
    assert match, label
    return match.group(1)


def test_a_council_admin_registers_a_partner_system_and_sees_the_secret_once(  # type: ignore[no-untyped-def]
    app: Flask, as_user, client: FlaskClient, data: CaseData
) -> None:
    admin = as_user("coordenacao@mourao.demo")
    page = admin.get("/t/mourao/api-clients")
    assert page.status_code == 200
    assert "Centro de Saúde de Mourão" in page.text  # organisations with partners here
    assert "Segurança Social, Serviço Local de Mourão" in page.text
    created = admin.post(
        "/t/mourao/api-clients",
        data={
            "csrf_token": csrf_token(page.text),
            "name": "SIGA da Santa Casa",
            "organization": org_id(app, "scm-mourao"),
            "scopes": ["referrals:read", "cases:read"],
        },
    )
    assert created.status_code == 200, created.text
    client_id = shown(created.text, "Identificador \\(client_id\\)")
    secret = shown(created.text, "Segredo \\(client_secret\\)")
    assert secret not in admin.get("/t/mourao/api-clients").text  # shown once only
    token = bearer(client, (client_id, secret))
    assert call(app, client, token, "GET", "referrals").status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
        assert row is not None and secret not in row.secret_hash
        assert [t.slug for t in row.tenants] == ["mourao"]
        assert row.scopes == ["cases:read", "referrals:read"]

    revoked = admin.post(
        f"/t/mourao/api-clients/{row.id}/revoke-tokens",
        data={"csrf_token": csrf_token(page.text)},
    )
    assert revoked.status_code == 302
    assert call(app, client, token, "GET", "referrals").status_code == 401  # at once
    assert len(events(app, "api_client.tokens_revoked", data.tenant)) == 1


@pytest.mark.parametrize(
    ("scopes", "org"),
    [(["cases:write"], "scm-mourao"), (["referrals:read"], "municipio-mourao")],
)
def test_a_client_gets_only_partner_scopes_for_a_partner_organisation(  # type: ignore[no-untyped-def]
    app: Flask, as_user, scopes: list[str], org: str
) -> None:
    admin = as_user("coordenacao@mourao.demo")
    page = admin.get("/t/mourao/api-clients")
    refused = admin.post(
        "/t/mourao/api-clients",
        data={
            "csrf_token": csrf_token(page.text),
            "name": "Outro",
            "organization": org_id(app, org),
            "scopes": scopes,
        },
    )
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(ApiClient.id)) is None


def test_a_client_acting_in_another_council_is_the_platforms_to_change(  # type: ignore[no-untyped-def]
    app: Flask, as_user, client: FlaskClient
) -> None:
    credentials = register(app, tenants=("mourao", "reguengos-de-monsaraz"))
    admin = as_user("coordenacao@mourao.demo")
    page = admin.get("/t/mourao/api-clients")
    assert "gerido pela plataforma" in page.text
    with app.app_context():
        row = db.session.scalar(select(ApiClient).where(ApiClient.client_id == credentials[0]))
        mourao = db.session.scalar(select(Tenant.id).where(Tenant.slug == "mourao"))
        assert row is not None
    refused = admin.post(
        f"/t/mourao/api-clients/{row.id}/deactivate", data={"csrf_token": csrf_token(page.text)}
    )
    assert refused.status_code == 403
    assert len(events(app, "api_client.refused", mourao)) == 1
    platform = as_user("admin@teia.demo")
    listing = platform.get("/admin/api-clients")
    assert "Sistema da Santa Casa" in listing.text
    done = platform.post(
        f"/admin/api-clients/{row.id}/deactivate", data={"csrf_token": csrf_token(listing.text)}
    )
    assert done.status_code == 302
    assert issue(client, credentials).status_code == 401


def test_the_platform_admin_registers_a_client_for_several_councils(  # type: ignore[no-untyped-def]
    app: Flask, as_user
) -> None:
    platform = as_user("admin@teia.demo")
    page = platform.get("/admin/api-clients")
    with app.app_context():
        tenants = dict(db.session.execute(select(Tenant.slug, Tenant.id)).all())
    created = platform.post(
        "/admin/api-clients",
        data={
            "csrf_token": csrf_token(page.text),
            "name": "SIGA",
            "organization": org_id(app, "scm-mourao"),
            "scopes": ["referrals:read"],
            "tenants": [tenants["mourao"], tenants["reguengos-de-monsaraz"]],
        },
    )
    assert created.status_code == 200, created.text
    with app.app_context(), tenant_scope(None):
        row = db.session.scalar(select(ApiClient))
        assert row is not None
        assert sorted(t.slug for t in row.tenants) == ["mourao", "reguengos-de-monsaraz"]


def test_other_users_do_not_reach_the_clients_pages(as_user) -> None:  # type: ignore[no-untyped-def]
    assert as_user("gestora@mourao.demo").get("/t/mourao/api-clients").status_code == 403
    assert as_user("coordenacao@mourao.demo").get("/admin/api-clients").status_code == 404


def test_a_personal_token_acts_as_its_user_within_its_scopes(  # type: ignore[no-untyped-def]
    app: Flask, as_user, client: FlaskClient, data: CaseData
) -> None:
    manager = as_user("gestora@mourao.demo")
    page = manager.get("/account/tokens")
    assert "persons:write" in page.text and "members:write" not in page.text
    created = manager.post(
        "/account/tokens",
        data={
            "csrf_token": csrf_token(page.text),
            "name": "Relatório semanal",
            "scopes": ["cases:read"],
            "days": 30,
        },
    )
    assert created.status_code == 200
    token = shown(created.text, "Token")
    assert token not in manager.get("/account/tokens").text
    cases = call(app, client, token, "GET", "cases")
    assert cases.status_code == 200
    assert data.case in [c["id"] for c in cases.get_json()["cases"]]  # staff: the council's cases
    assert call(app, client, token, "GET", f"persons/{data.person}").status_code == 403
    me = call(app, client, token, "GET", "/api/v1/me").get_json()
    assert me["email"] == "gestora@mourao.demo"

    listing = manager.get("/account/tokens")
    token_id = re.search(r"/account/tokens/(\d+)/revoke", listing.text)
    assert token_id
    revoked = manager.post(
        f"/account/tokens/{token_id.group(1)}/revoke",
        data={"csrf_token": csrf_token(listing.text)},
    )
    assert revoked.status_code == 302
    assert call(app, client, token, "GET", "cases").status_code == 401
    other = as_user("tecnica@mourao.demo")
    theirs = csrf_token(other.get("/account/tokens").text)
    stranger = other.post(
        f"/account/tokens/{token_id.group(1)}/revoke", data={"csrf_token": theirs}
    )
    assert stranger.status_code == 404


@pytest.mark.parametrize(
    ("scopes", "days"), [(["members:write"], 30), ([], 30), (["cases:read"], 5000)]
)
def test_a_personal_token_only_with_the_users_scopes_and_a_listed_expiry(  # type: ignore[no-untyped-def]
    as_user, scopes: list[str], days: int
) -> None:
    manager = as_user("gestora@mourao.demo")
    page = manager.get("/account/tokens")
    refused = manager.post(
        "/account/tokens",
        data={"csrf_token": csrf_token(page.text), "name": "x", "scopes": scopes, "days": days},
    )
    assert refused.status_code == 422
    assert "teia_pat_" not in refused.text
