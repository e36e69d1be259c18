"""``flask --app teia sso dev-provider``: the tests' OpenID provider, for a laptop demo.

It serves ``tests/oidc_provider.py`` (so it needs the repository checkout, and is refused in
production), signs in one person without asking, and points the organisation's identity
provider at itself, so "Entrar com a sua organização" works against ``make run``.
"""

from __future__ import annotations

import secrets
import threading

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from teia.accounts.models import User
from teia.core.db import db
from teia.sso.services import ProviderError, email_domain, save_provider
from teia.tenants.models import Organization

CLIENT_ID = "teia-dev"


@click.command("dev-provider")
@click.option("--port", default=8765, type=int, show_default=True)
@click.option("--email", default="ipss@mourao.demo", show_default=True)
@click.option("--organization", default="scm-mourao", show_default=True)
@with_appcontext
def dev_provider(port: int, email: str, organization: str) -> None:
    """Run a local OpenID provider that signs EMAIL in, for ORGANIZATION's people."""
    settings = current_app.config["TEIA_SETTINGS"]
    if settings.production:
        raise click.ClickException("the development provider never runs in production")
    try:
        from tests.oidc_provider import OidcProvider, Person
    except ImportError as exc:
        raise click.ClickException(
            "run it from the repository checkout (it serves tests/oidc_provider.py)"
        ) from exc
    org = db.session.scalar(select(Organization).where(Organization.slug == organization))
    admin = db.session.scalar(select(User).where(User.is_platform_admin.is_(True)))
    if org is None or admin is None:
        raise click.ClickException("load the demo first: flask --app teia demo")
    secret = secrets.token_urlsafe(24)
    provider = OidcProvider(
        client_id=CLIENT_ID,
        client_secret=secret,
        redirect_uris=[
            f"{base}/login/sso/callback"
            for base in (settings.base_url, localhost(settings.base_url))
        ],
        person=Person(sub=f"dev-{email}", email=email),
    ).start(port)
    try:
        save_provider(
            db.session,
            organization=org,
            actor=admin,
            issuer=provider.issuer,
            client_id=CLIENT_ID,
            client_secret=secret,
            allowed_email_domains=[email_domain(email)],
            user_claim="email",
            password_login_enabled=True,
            enabled=True,
        )
    except ProviderError as exc:
        provider.stop()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"OpenID provider at {provider.issuer} for {org.name}; signs in {email}.")
    click.echo("Use «Entrar com a sua organização» on /login. Ctrl-C stops it.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        provider.stop()


def localhost(url: str) -> str:
    """The same address by name, so the demo works whichever of the two the browser uses."""
    return url.replace("//127.0.0.1", "//localhost")
