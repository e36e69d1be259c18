"""Teia: one deployment for many councils. ``create_app`` builds the Flask application."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, Response, g
from werkzeug.middleware.proxy_fix import ProxyFix

from teia.config import Settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment; ``config`` overrides (tests pass ``TEIA_SETTINGS``)."""
    config = dict(config or {})
    settings: Settings = config.pop("TEIA_SETTINGS", None) or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(
        TEIA_SETTINGS=settings,
        TEIA_DATABASE_URL=settings.database_url,
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        SESSION_COOKIE_NAME="teia_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        BABEL_DEFAULT_LOCALE="pt_PT",
        BABEL_DEFAULT_TIMEZONE="Europe/Lisbon",
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        TEIA_SQL_COUNT_HEADER=not settings.production,
    )
    app.config.update(config)
    if settings.proxy_hops:
        # Behind nginx: rate limits, lockout and the audit trail need the client's address.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    _init_extensions(app)
    _register_blueprints(app)
    _request_boundary(app)
    return app


def _init_extensions(app: Flask) -> None:
    from teia.core import cli, errors, i18n, inputs, layout, scope
    from teia.core.celery import celery_init_app
    from teia.core.db import count_statements, db
    from teia.core.security import csrf, limiter
    from teia.core.tenancy import install_rls_setting
    from teia.oauth import server as oauth_server

    inputs.init_app(app)  # first: the URL converters, and before the scope reads the URL
    engine = db.init_app(app)
    count_statements(engine)
    if engine.dialect.name == "postgresql":
        install_rls_setting(engine)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    _init_login(app)
    oauth_server.init_app(app)
    scope.init_app(app)
    layout.init_app(app)
    errors.init_app(app)
    celery_init_app(app)
    cli.init_app(app)
    import teia.accounts.tasks
    import teia.applications.tasks
    import teia.audit.guards
    import teia.cases.tasks
    import teia.groups.tasks
    import teia.notifications.tasks
    import teia.practices.tasks
    import teia.reports.tasks
    import teia.shelter.tasks  # noqa: F401 - registers the tasks


def _init_login(app: Flask) -> None:
    from teia.accounts.models import User
    from teia.core.db import db
    from teia.core.security import login_manager
    from teia.oauth.bearer import load_principal

    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.request_loader(load_principal)  # a bearer token, on the API only

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        uid, _, version = user_id.partition(".")
        if not uid.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(uid))
        if user is None or not user.active or user.auth_version != int(version):
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    from teia.accounts.api import bp as accounts_api
    from teia.accounts.views import bp as accounts
    from teia.applications.views import bp as applications
    from teia.audit.views import bp as audit
    from teia.cases.plan_views import bp as plans
    from teia.cases.referral_views import bp as referrals
    from teia.cases.sharing_views import bp as sharing
    from teia.cases.views import bp as cases
    from teia.core.health import bp as health
    from teia.groups.group_views import bp as groups
    from teia.groups.meeting_views import bp as meetings
    from teia.groups.vignette_views import bp as vignettes
    from teia.notifications.ops_views import bp as reminder_ops
    from teia.notifications.views import bp as notifications
    from teia.oauth.views import bp as oauth
    from teia.people.views import bp as people
    from teia.practices.views import bp as practices
    from teia.regulations.views import bp as regulations
    from teia.reports.dashboards import bp as dashboards
    from teia.reports.views import bp as reports
    from teia.shelter.desk_views import bp as shelter_desk
    from teia.shelter.indicator_views import bp as shelter_indicators
    from teia.shelter.request_views import bp as shelter_requests
    from teia.shelter.stay_views import bp as shelter_stays
    from teia.shelter.unit_views import bp as shelter_units
    from teia.sso.views import bp as sso
    from teia.tenants.api import bp as tenants_api
    from teia.tenants.views import bp as tenants

    for blueprint in (health, accounts, tenants, notifications, audit, accounts_api, tenants_api):
        app.register_blueprint(blueprint)
    app.register_blueprint(sso)
    app.register_blueprint(oauth)
    for blueprint in (people, cases, plans, referrals, sharing, applications, regulations):
        app.register_blueprint(blueprint)
    shelter = (shelter_units, shelter_desk, shelter_requests, shelter_stays, shelter_indicators)
    for blueprint in shelter:
        app.register_blueprint(blueprint)
    for blueprint in (groups, vignettes, meetings, practices, reports, reminder_ops, dashboards):
        app.register_blueprint(blueprint)
    _register_api(app)


def _register_api(app: Flask) -> None:
    from teia.applications.api import bp as applications_api
    from teia.cases.api import bp as cases_api
    from teia.cases.sharing_api import bp as sharing_api
    from teia.core.openapi import bp as openapi
    from teia.groups.api import bp as groups_api
    from teia.people.api import bp as people_api
    from teia.practices.api import bp as practices_api
    from teia.regulations.api import bp as regulations_api
    from teia.reports.api import bp as reports_api
    from teia.shelter.api import bp as shelter_api

    apis = (
        openapi,
        people_api,
        cases_api,
        sharing_api,
        applications_api,
        regulations_api,
        shelter_api,
        groups_api,
        practices_api,
        reports_api,
    )
    for blueprint in apis:
        app.register_blueprint(blueprint)


def _request_boundary(app: Flask) -> None:
    """One commit per successful request, a rollback otherwise; safe headers on every answer."""
    from teia.core.db import db

    @app.after_request
    def _finish(response: Response) -> Response:
        if "_teia_session" in g:
            if response.status_code < 400:
                db.session.commit()
            else:
                db.session.rollback()
        if app.config["TEIA_SQL_COUNT_HEADER"]:
            response.headers["X-SQL-Statements"] = str(g.get("sql_statements", 0))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        )
        return response
