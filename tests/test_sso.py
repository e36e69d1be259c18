"""Sign-in through an organisation's OpenID provider, against a real provider on 127.0.0.1.

The provider (tests/oidc_provider.py) signs real ID tokens with a real RSA key; its knobs make
it lie about the issuer, the audience, the expiry, the signing key or the e-mail. Every lie
is refused with a message and an ``sso.refused`` audit event.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.accounts.models import Invitation, Membership, Role, User
from teia.audit.models import AuditEvent
from teia.core.crypto import encrypt
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.sso.models import ExternalIdentity, IdentityProvider, SsoAttempt
from teia.tenants.models import Organization, Tenant
from tests.conftest import csrf_token, login, outbox
from tests.oidc_provider import OidcProvider, Person
from tests.test_invitations import invite, link_in

CLIENT_ID = "teia-mourao"
CLIENT_SECRET = "segredo-de-teste-do-cliente"
CALLBACK = "http://localhost/login/sso/callback"
CARLA = Person(sub="scm-0042", email="ipss@mourao.demo", name="Carla")


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    p = OidcProvider(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=[CALLBACK], person=CARLA
    ).start()
    yield p
    p.stop()


@pytest.fixture
def idp(app: Flask, provider: OidcProvider) -> int:
    """The Santa Casa's provider, for the e-mails of the demo domain."""
    provider.reset(CARLA)
    with app.app_context():
        org = db.session.scalar(select(Organization).where(Organization.slug == "scm-mourao"))
        admin = db.session.scalar(select(User).where(User.email == "admin@teia.demo"))
        assert org and admin
        row = IdentityProvider(
            organization_id=org.id,
            issuer=provider.issuer,
            client_id=CLIENT_ID,
            client_secret_encrypted=encrypt(CLIENT_SECRET),
            allowed_email_domains=["mourao.demo"],
            created_by_id=admin.id,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def start(client: FlaskClient, email: str = "ipss@mourao.demo") -> str:
    """Submit the e-mail on /login/sso; the provider's authorization URL it moves on to."""
    page = client.get("/login/sso")
    response = client.post("/login/sso", data={"email": email, "csrf_token": csrf_token(page.text)})
    return departure_url(response)


def departure_url(response) -> str:  # type: ignore[no-untyped-def]
    """The provider's authorization URL that the departure page moves on to."""
    assert response.status_code == 200, response.text
    assert "Santa Casa da Misericórdia de Mourão" in response.text
    refresh = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', response.text)
    link = re.search(r'<a class="button" href="([^"]+)" id="departure">', response.text)
    assert refresh and link and refresh.group(1) == link.group(1)
    return html.unescape(link.group(1))


def through_provider(authorize_url: str) -> str:
    """Let the provider approve; the callback path (with code and state) it sends back."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return f"{location.path}?{location.query}"


def refusals(app: Flask) -> list[dict]:  # type: ignore[type-arg]
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sso.refused").order_by(AuditEvent.id)
        )
        return [e.details for e in events]


def sign_in(client: FlaskClient):  # type: ignore[no-untyped-def]
    return client.get(through_provider(start(client)), follow_redirects=True)


def test_a_partner_signs_in_through_the_provider_and_is_linked(
    app: Flask, client: FlaskClient, idp: int, provider: OidcProvider
) -> None:
    url = start(client)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(provider.issuer + "/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["nonce"][0] and query["state"][0] and query["client_id"] == [CLIENT_ID]
    assert query["login_hint"] == ["ipss@mourao.demo"]

    response = client.get(through_provider(url))
    assert response.status_code == 302
    home = client.get("/t/mourao/")
    assert home.status_code == 200 and "Carla" in home.text
    with app.app_context():
        link = db.session.scalar(select(ExternalIdentity))
        assert link is not None and link.subject == "scm-0042" and link.issuer == provider.issuer
        assert link.user.email == "ipss@mourao.demo"
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == link.user_id)
        ).all()
        login = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "login").order_by(AuditEvent.id.desc())
        )
    assert "sso.linked" in actions
    assert login is not None and login.details == {"method": "sso"}
    assert refusals(app) == []


def test_the_link_holds_when_the_email_changes_at_the_provider(
    app: Flask, idp: int, provider: OidcProvider
) -> None:
    sign_in(app.test_client())
    provider.reset(Person(sub=CARLA.sub, email="carla.nova@mourao.demo"))
    second = app.test_client()
    sign_in(second)
    assert second.get("/t/mourao/").status_code == 200


@pytest.mark.parametrize(
    ("knob", "value", "reason", "words"),
    [
        ("issuer", "https://impostor.example", "issuer", "outro fornecedor"),
        ("audience", "another-client", "audience", "não se destina à Teia"),
        ("expired", True, "expired", "expirou"),
        ("forge", True, "signature", "assinatura não confere"),
        ("nonce", "from-another-sign-in", "nonce", "não corresponde a este pedido"),
    ],
)
def test_an_id_token_that_does_not_hold_is_refused(  # type: ignore[no-untyped-def]
    app: Flask, client: FlaskClient, idp: int, provider: OidcProvider, knob, value, reason, words
) -> None:
    setattr(provider.knobs, knob, value)
    page = sign_in(client)
    assert "Entrada recusada" in page.text and words in page.text
    assert client.get("/t/mourao/").status_code == 302  # not signed in
    [refusal] = refusals(app)
    assert refusal["reason"] == reason


def test_an_email_outside_the_allowed_domains_is_refused(
    app: Flask, client: FlaskClient, idp: int, provider: OidcProvider
) -> None:
    provider.knobs.email = "carla@gmail.example"
    page = sign_in(client)
    assert "carla@gmail.example não pertence a um domínio autorizado" in page.text
    assert [r["reason"] for r in refusals(app)] == ["domain"]


def test_an_unverified_email_is_refused(
    app: Flask, client: FlaskClient, idp: int, provider: OidcProvider
) -> None:
    provider.knobs.email_verified = False
    page = sign_in(client)
    assert "ipss@mourao.demo não foi verificado" in page.text
    assert [r["reason"] for r in refusals(app)] == ["email_unverified"]


def test_a_replayed_state_is_refused(app: Flask, client: FlaskClient, idp: int) -> None:
    callback = through_provider(start(client))
    assert client.get(callback).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/t/mourao/").text)})
    page = client.get(callback, follow_redirects=True)
    assert "já foi usado ou expirou" in page.text
    assert client.get("/t/mourao/").status_code == 302
    [refusal] = refusals(app)
    assert refusal["reason"] == "state" and refusal["state"] == "replayed"


def test_a_state_from_another_browser_is_refused(app: Flask, client: FlaskClient, idp: int) -> None:
    callback = through_provider(start(client))
    other = app.test_client()
    page = other.get(callback, follow_redirects=True)
    assert "já foi usado ou expirou" in page.text
    assert [(r["reason"], r["state"]) for r in refusals(app)] == [("state", "other_browser")]


def test_an_unknown_state_is_refused(app: Flask, client: FlaskClient, idp: int) -> None:
    page = client.get("/login/sso/callback?code=x&state=made-up", follow_redirects=True)
    assert "já foi usado ou expirou" in page.text
    assert [(r["reason"], r["state"]) for r in refusals(app)] == [("state", "unknown")]


@pytest.mark.parametrize(
    "email",
    [
        "ninguem@mourao.demo",  # no Teia account at all
        "gestora@mourao.demo",  # an account, but not of the Santa Casa
    ],
)
def test_a_person_without_an_account_of_that_organisation_is_refused(
    app: Flask, client: FlaskClient, idp: int, provider: OidcProvider, email: str
) -> None:
    provider.reset(Person(sub="scm-9999", email=email))
    page = sign_in(client)
    assert (
        f"Não existe conta Teia para {email}" in page.text
        and "peça um convite" in page.text.lower()
    )
    assert [r["reason"] for r in refusals(app)] == ["unknown_user"]
    with app.app_context():
        assert db.session.scalar(select(ExternalIdentity)) is None
        # No self-registration: the person without an account still has none.
        has_account = db.session.scalar(select(User.id).where(User.email == email)) is not None
    assert has_account == (email == "gestora@mourao.demo")


def test_a_disabled_account_is_refused_even_when_linked(
    app: Flask, idp: int, provider: OidcProvider
) -> None:
    sign_in(app.test_client())
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ipss@mourao.demo"))
        assert user
        user.active = False
        db.session.commit()
    client = app.test_client()
    page = sign_in(client)
    assert "Não existe conta Teia" in page.text
    assert [r["reason"] for r in refusals(app)] == ["unknown_user"]


def test_the_provider_refusing_is_reported(app: Flask, client: FlaskClient, idp: int) -> None:
    url = start(client)
    state = parse_qs(urlsplit(url).query)["state"][0]
    page = client.get(
        f"/login/sso/callback?error=access_denied&state={state}", follow_redirects=True
    )
    assert "não autorizou a entrada" in page.text
    assert [r["reason"] for r in refusals(app)] == ["provider_error"]


def test_a_domain_without_provider_is_told_to_use_the_password(
    app: Flask, client: FlaskClient, idp: int
) -> None:
    page = client.get("/login/sso")
    response = client.post(
        "/login/sso", data={"email": "alguem@outro.example", "csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 200
    assert "Não há entrada pela organização para o domínio outro.example" in response.text
    assert [r["reason"] for r in refusals(app)] == ["no_provider"]


def test_an_unreachable_provider_is_refused_with_a_message(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        org = db.session.scalar(select(Organization).where(Organization.slug == "cs-mourao"))
        admin = db.session.scalar(select(User).where(User.email == "admin@teia.demo"))
        assert org and admin
        db.session.add(
            IdentityProvider(
                organization_id=org.id,
                issuer="http://127.0.0.1:9",  # nothing listens on the discard port
                client_id="x",
                client_secret_encrypted=encrypt("y"),
                allowed_email_domains=["saude.example"],
                created_by_id=admin.id,
            )
        )
        db.session.commit()
    page = client.get("/login/sso")
    response = client.post(
        "/login/sso", data={"email": "enf@saude.example", "csrf_token": csrf_token(page.text)}
    )
    assert "Não foi possível concluir a entrada" in response.text
    assert [r["reason"] for r in refusals(app)] == ["discovery"]


@pytest.fixture
def password_off(app: Flask, idp: int) -> None:
    """The Santa Casa's people sign in through its provider only."""
    with app.app_context():
        provider = db.session.get(IdentityProvider, idp)
        assert provider
        provider.password_login_enabled = False
        db.session.commit()


@pytest.mark.usefixtures("password_off")
def test_password_login_off_refuses_the_password_and_points_to_the_organisation(
    app: Flask, client: FlaskClient
) -> None:
    response = login(client, "ipss@mourao.demo")
    assert response.status_code == 200
    assert "desligou a entrada com palavra-passe" in response.text
    assert client.get("/t/mourao/").status_code == 302
    with app.app_context():
        refused = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "login.refused_password_off")
        )
    assert refused is not None
    # Other organisations' people keep their passwords; the organisation's sign-in works.
    assert login(app.test_client(), "gestora@mourao.demo").status_code == 302
    sign_in(client)
    assert client.get("/t/mourao/").status_code == 200


@pytest.mark.usefixtures("password_off")
def test_a_wrong_password_stays_a_wrong_password_when_password_login_is_off(
    client: FlaskClient,
) -> None:
    response = login(client, "ipss@mourao.demo", "not-the-password")
    assert "E-mail ou palavra-passe errados" in response.text


def test_attempts_are_kept_hashed_and_used_once(app: Flask, client: FlaskClient, idp: int) -> None:
    url = start(client)
    state = parse_qs(urlsplit(url).query)["state"][0]
    with app.app_context():
        attempt = db.session.scalar(select(SsoAttempt))
        assert attempt is not None and attempt.used_at is None
        assert state not in attempt.state_hash
    client.get(through_provider(url))
    with app.app_context():
        assert db.session.scalar(select(SsoAttempt.used_at)) is not None


# --- an invited person's first sign-in ----------------------------------------------------

NOVA = Person(sub="scm-0100", email="nova@mourao.demo", name="Nova Parceira")


@pytest.fixture
def invitation_link(app: Flask, as_user, idp: int, provider: OidcProvider) -> str:  # type: ignore[no-untyped-def]
    """Mourão invites NOVA, who has no Teia account, as a partner of the Santa Casa."""
    provider.reset(NOVA)
    admin = as_user("coordenacao@mourao.demo")
    assert invite(app, admin, NOVA.email, "partner_professional").status_code == 302
    [message] = outbox(app)
    return link_in(message)


def accept_with_organization(client: FlaskClient, link: str):  # type: ignore[no-untyped-def]
    """Press «Aceitar com a conta da organização»; the departure page it answers with."""
    page = client.get(link)
    assert page.status_code == 200
    return client.post(link, data={"with_organization": "1", "csrf_token": csrf_token(page.text)})


def mourao_invitation(app: Flask) -> Invitation:
    with app.app_context():
        mourao = db.session.scalar(select(Tenant.id).where(Tenant.slug == "mourao"))
        with tenant_scope(mourao):
            invitation = db.session.scalar(select(Invitation).where(Invitation.email == NOVA.email))
            assert invitation is not None
            return invitation


def test_an_invited_person_without_an_account_accepts_through_the_provider(
    app: Flask, client: FlaskClient, invitation_link: str
) -> None:
    page = client.get(invitation_link)
    assert "Aceitar com a conta da organização" in page.text
    assert 'name="password"' in page.text  # the Santa Casa still allows passwords

    response = client.get(
        through_provider(departure_url(accept_with_organization(client, invitation_link)))
    )
    assert response.status_code == 302 and response.headers["Location"] == "/t/mourao/"
    home = client.get("/t/mourao/")
    assert home.status_code == 200 and "Nova Parceira" in home.text
    invitation = mourao_invitation(app)
    assert invitation.accepted_at is not None
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == NOVA.email))
        assert user is not None and user.password_hash is None and user.name == "Nova Parceira"
        [membership] = db.session.scalars(select(Membership).where(Membership.user_id == user.id))
        assert membership.active and membership.role == Role.PARTNER_PROFESSIONAL
        assert membership.organization.slug == "scm-mourao"
        link = db.session.scalar(
            select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
        )
        assert link is not None and link.subject == NOVA.sub
        with tenant_scope(invitation.tenant_id):
            accepted = db.session.scalar(
                select(AuditEvent).where(AuditEvent.action == "invitation.accepted")
            )
        login_event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "login", AuditEvent.actor_id == user.id)
        )
    assert accepted is not None and accepted.details == {"method": "sso"}
    assert accepted.actor_id == user.id
    assert login_event is not None and login_event.details == {"method": "sso"}
    assert refusals(app) == []
    assert client.get(invitation_link).status_code == 404  # used
    # The token never travelled further than its own link.
    token = invitation_link.rsplit("/", 1)[1]
    with app.app_context():
        attempt = db.session.scalar(select(SsoAttempt))
        assert attempt is not None and attempt.invitation_id == invitation.id
        assert token not in (attempt.next_url or "")

    # The next sign-in is an ordinary one, through the link.
    again = app.test_client()
    sign_in_page = again.get("/login/sso")
    departure = again.post(
        "/login/sso", data={"email": NOVA.email, "csrf_token": csrf_token(sign_in_page.text)}
    )
    again.get(through_provider(departure_url(departure)))
    assert again.get("/t/mourao/").status_code == 200


def test_an_existing_account_joins_through_the_provider_without_its_password(
    app: Flask, as_user, client: FlaskClient, idp: int, provider: OidcProvider
) -> None:
    provider.reset(Person(sub="scm-0200", email="gestora@mourao.demo", name="Outro nome"))
    invite(app, as_user("coordenacao@mourao.demo"), "gestora@mourao.demo", "shelter_staff")
    link = link_in(outbox(app)[0])
    client.get(through_provider(departure_url(accept_with_organization(client, link))))
    assert client.get("/t/mourao/").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "gestora@mourao.demo"))
        assert user is not None and user.password_hash and user.name != "Outro nome"
        roles = {
            (m.role, m.organization.slug)
            for m in db.session.scalars(select(Membership).where(Membership.user_id == user.id))
        }
    assert (Role.SHELTER_STAFF, "scm-mourao") in roles and len(roles) > 1


@pytest.mark.usefixtures("password_off")
def test_an_organisation_without_passwords_offers_only_its_provider(
    app: Flask, client: FlaskClient, invitation_link: str
) -> None:
    page = client.get(invitation_link)
    assert "Aceitar com a conta da organização" in page.text
    assert 'name="password"' not in page.text and 'name="confirm"' not in page.text
    # A password sent anyway is refused, and no account is made.
    forced = client.post(
        invitation_link,
        data={
            "password": "senha-bem-longa",
            "confirm": "senha-bem-longa",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert "desligou a entrada com palavra-passe" in forced.text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == NOVA.email)) is None
    client.get(through_provider(departure_url(accept_with_organization(client, invitation_link))))
    assert client.get("/t/mourao/").status_code == 200


def test_another_email_at_the_provider_is_refused(
    app: Flask, client: FlaskClient, invitation_link: str, provider: OidcProvider
) -> None:
    provider.reset(Person(sub="scm-0300", email="outra@mourao.demo"))
    departure = departure_url(accept_with_organization(client, invitation_link))
    page = client.get(through_provider(departure), follow_redirects=True)
    assert "O convite é para nova@mourao.demo" in page.text and "outra@mourao.demo" in page.text
    assert client.get("/t/mourao/").status_code == 302
    assert [r["reason"] for r in refusals(app)] == ["invitation_email"]
    assert mourao_invitation(app).accepted_at is None
    with app.app_context():
        assert (
            db.session.scalar(select(User).where(User.email.in_([NOVA.email, "outra@mourao.demo"])))
            is None
        )
        assert db.session.scalar(select(ExternalIdentity)) is None
    assert client.get(invitation_link).status_code == 200  # still open


@pytest.mark.parametrize("closed", ["revoked_at", "accepted_at", "expires_at"])
def test_an_invitation_closed_meanwhile_is_refused(
    app: Flask, client: FlaskClient, invitation_link: str, closed: str
) -> None:
    departure = departure_url(accept_with_organization(client, invitation_link))
    with app.app_context():
        invitation = mourao_invitation(app)
        with tenant_scope(invitation.tenant_id):
            row = db.session.get(Invitation, invitation.id)
            assert row is not None
            setattr(row, closed, utcnow())
            db.session.commit()
    page = client.get(through_provider(departure), follow_redirects=True)
    assert "Este convite já não é válido" in page.text
    assert client.get("/t/mourao/").status_code == 302
    assert [r["reason"] for r in refusals(app)] == ["invitation_closed"]
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == NOVA.email)) is None


def test_an_invitation_for_another_organisation_is_not_accepted_through_this_provider(
    app: Flask, as_user, client: FlaskClient, idp: int, provider: OidcProvider
) -> None:
    provider.reset(NOVA)
    invite(app, as_user("coordenacao@mourao.demo"), NOVA.email, org="municipio-mourao")
    link = link_in(outbox(app)[0])
    page = client.get(link)
    assert "Aceitar com a conta da organização" not in page.text
    forced = accept_with_organization(client, link)
    assert "O convite é para trabalhar em nome de" in forced.text
    assert [r["reason"] for r in refusals(app)] == ["invitation_organization"]
    with app.app_context():
        assert db.session.scalar(select(SsoAttempt)) is None
