"""Configuring an organisation's identity provider: who may, what is stored, the connection test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.audit.models import AuditEvent
from teia.core.crypto import SecretUnreadable, decrypt, encrypt
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.sso.models import IdentityProvider
from teia.tenants.models import Organization, Tenant
from tests.conftest import csrf_token
from tests.oidc_provider import OidcProvider, Person

SECRET = "o-segredo-que-nunca-se-mostra"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    p = OidcProvider(
        client_id="teia",
        client_secret=SECRET,
        redirect_uris=["http://localhost/login/sso/callback"],
        person=Person(sub="1", email="x@saude.example"),
    ).start()
    yield p
    p.stop()


def org_id(app: Flask, slug: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Organization.id).where(Organization.slug == slug))
        assert found
        return found


def save(c: FlaskClient, url: str, **fields: str):  # type: ignore[no-untyped-def]
    page = c.get(url)
    data = {
        "issuer": "https://login.saude.example",
        "client_id": "teia",
        "client_secret": "",
        "allowed_email_domains": "saude.example",
        "user_claim": "email",
        "password_login_enabled": "y",
        "enabled": "y",
        "csrf_token": csrf_token(page.text),
    }
    data.update(fields)
    return c.post(url, data={k: v for k, v in data.items() if v is not None})


def stored(app: Flask, organization_id: int) -> IdentityProvider | None:
    with app.app_context():
        return db.session.scalar(
            select(IdentityProvider).where(IdentityProvider.organization_id == organization_id)
        )


def audit_actions(app: Flask, prefix: str) -> list[AuditEvent]:
    """Events of the admin acting in Mourão: they belong to Mourão's log."""
    with app.app_context():
        mourao = db.session.scalar(select(Tenant.id).where(Tenant.slug == "mourao"))
        assert mourao
        with tenant_scope(mourao):
            return list(
                db.session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.action.startswith(prefix))
                    .order_by(AuditEvent.id)
                )
            )


def test_a_council_admin_configures_a_local_partner_and_the_secret_stays_hidden(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    health = org_id(app, "cs-mourao")  # works in Mourão only
    listing = admin.get("/t/mourao/admin/sso")
    assert listing.status_code == 200 and "Centro de Saúde de Mourão" in listing.text
    url = f"/t/mourao/admin/sso/{health}"
    assert save(admin, url, client_secret=SECRET).status_code == 302

    row = stored(app, health)
    assert row is not None and row.allowed_email_domains == ["saude.example"]
    assert SECRET not in row.client_secret_encrypted
    with app.app_context():
        assert decrypt(row.client_secret_encrypted) == SECRET
    page = admin.get(url)
    assert SECRET not in page.text and "saude.example" in page.text

    # An empty secret keeps the stored one; other fields change.
    response = save(admin, url, allowed_email_domains="saude.example, @Outra.Example")
    assert response.status_code == 302
    again = stored(app, health)
    assert again is not None and again.allowed_email_domains == ["outra.example", "saude.example"]
    with app.app_context():
        assert decrypt(again.client_secret_encrypted) == SECRET
    [first, second] = audit_actions(app, "sso.provider_saved")
    assert first.details["secret_changed"] and not second.details["secret_changed"]
    assert SECRET not in str(first.details)


def test_a_new_provider_needs_a_secret_and_an_https_issuer(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    url = f"/t/mourao/admin/sso/{org_id(app, 'cs-mourao')}"
    assert "Indique o segredo do cliente" in save(admin, url).text
    insecure = save(admin, url, client_secret=SECRET, issuer="http://login.saude.example")
    assert insecure.status_code == 422 and "https://" in insecure.text
    bad = save(admin, url, client_secret=SECRET, allowed_email_domains="not a domain")
    assert bad.status_code == 422 and "não é um domínio de e-mail" in bad.text
    assert stored(app, org_id(app, "cs-mourao")) is None


def test_one_domain_belongs_to_one_organisation(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    save(admin, f"/t/mourao/admin/sso/{org_id(app, 'cs-mourao')}", client_secret=SECRET)
    clash = save(admin, f"/t/mourao/admin/sso/{org_id(app, 'ae-mourao')}", client_secret=SECRET)
    assert clash.status_code == 422 and "já está atribuído a outra organização" in clash.text


def test_an_organisation_working_in_other_councils_is_left_to_the_platform(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    scm = org_id(app, "scm-mourao")  # Mourão and Reguengos
    listing = admin.get("/t/mourao/admin/sso")
    assert "Configurado pela plataforma" in listing.text
    refused = admin.post(
        f"/t/mourao/admin/sso/{scm}",
        data={"issuer": "https://x.example", "csrf_token": csrf_token(listing.text)},
        follow_redirects=True,
    )
    assert "configurado pela administração da plataforma" in refused.text
    assert stored(app, scm) is None
    [event] = audit_actions(app, "sso.configuration_refused")
    assert event.object_id == str(scm)

    platform = as_user("admin@teia.demo")
    assert "Santa Casa" in platform.get("/admin/sso").text
    assert save(platform, f"/admin/sso/{scm}", client_secret=SECRET).status_code == 302
    assert stored(app, scm) is not None


def test_organisations_without_members_here_and_other_councils_are_404(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    portel = org_id(app, "municipio-portel")
    assert admin.get(f"/t/mourao/admin/sso/{portel}").status_code == 404
    assert admin.get("/t/portel/admin/sso").status_code == 404
    assert admin.get("/admin/sso").status_code == 404  # not a platform admin
    health = org_id(app, "cs-mourao")
    other = as_user("coordenacao@reguengos-de-monsaraz.demo")
    assert other.get(f"/t/mourao/admin/sso/{health}").status_code == 404
    assert as_user("gestora@mourao.demo").get("/t/mourao/admin/sso").status_code == 403


def test_the_connection_test_reads_discovery_and_keys(
    app: Flask, as_user, provider: OidcProvider
) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    health = org_id(app, "cs-mourao")
    url = f"/t/mourao/admin/sso/{health}"
    save(admin, url, client_secret=SECRET, issuer=provider.issuer)
    page = admin.get(url)
    report = admin.post(
        f"{url}/test", data={"csrf_token": csrf_token(page.text)}, follow_redirects=True
    )
    assert "Ligação ao fornecedor verificada" in report.text
    assert "1 chave(s) de assinatura" in report.text

    save(admin, url, issuer="http://127.0.0.1:9")
    report = admin.post(
        f"{url}/test", data={"csrf_token": csrf_token(page.text)}, follow_redirects=True
    )
    assert "A ligação falhou" in report.text


def test_secrets_are_bound_to_the_secret_key(app: Flask) -> None:
    with app.app_context():
        token = encrypt("segredo")
        assert token != encrypt("segredo")  # a fresh IV every time
        assert decrypt(token) == "segredo"
        app.config["SECRET_KEY"], kept = "another-key-" * 4, app.config["SECRET_KEY"]
        try:
            with pytest.raises(SecretUnreadable):
                decrypt(token)
        finally:
            app.config["SECRET_KEY"] = kept
