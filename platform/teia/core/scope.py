"""Scope from the URL: ``/t/<tenant>/``, ``/api/v1/t/<tenant>/`` and ``/c/<consortium>/``.

Resolved once per request from the user's active memberships (one query). A user with no
membership there gets 404, never 403, so nobody can probe which councils exist. Inside a
scope, a missing role is 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, g, request
from flask_login import current_user

from teia.accounts.models import Membership, Role
from teia.accounts.services import active_memberships
from teia.core.db import db
from teia.core.tenancy import enter_tenant, leave_tenant
from teia.tenants.models import Consortium, Tenant

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(_resolve_scope)
    app.url_defaults(_carry_scope)
    app.teardown_request(_leave_scope)


def memberships() -> list[Membership]:
    """The signed-in user's active memberships, loaded once per request."""
    if not current_user.is_authenticated:
        return []
    if "memberships" not in g:
        g.memberships = active_memberships(db.session, current_user.id)
    return g.memberships


def current_tenant() -> Tenant | None:
    return g.get("tenant")


def current_consortium() -> Consortium | None:
    return g.get("consortium")


def current_roles() -> frozenset[Role]:
    return g.get("roles", frozenset())


def administers_all(tenant_ids: Iterable[int]) -> bool:
    """Whether the signed-in user runs every one of these councils (a platform admin runs
    all): what acts in several councils (an organisation's identity provider, an API client)
    is changed only by someone who administers all of them."""
    if current_user.is_platform_admin:
        return True
    administered = {m.tenant_id for m in memberships() if m.role == Role.TENANT_ADMIN}
    return set(tenant_ids) <= administered


def _resolve_scope(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not values:
        return
    if "tenant" in values:
        slug = values.pop("tenant")
        found = [m for m in _member_or_login() if m.tenant and m.tenant.slug == slug]
        if not found or not found[0].tenant.active:
            abort(404)
        g.tenant = found[0].tenant
        g.roles = frozenset(Role(m.role) for m in found)
        g.tenant_token = enter_tenant(g.tenant.id)
    elif "consortium" in values:
        slug = values.pop("consortium")
        found = [m for m in _member_or_login() if m.consortium and m.consortium.slug == slug]
        if not found:
            abort(404)
        g.consortium = found[0].consortium
        g.roles = frozenset(Role(m.role) for m in found)


def _member_or_login() -> list[Membership]:
    if not current_user.is_authenticated:
        abort(401)
    return memberships()


def _carry_scope(endpoint: str, values: dict[str, Any]) -> None:
    tenant = g.get("tenant")
    if (
        tenant
        and "tenant" not in values
        and current_app.url_map.is_endpoint_expecting(endpoint, "tenant")
    ):
        values["tenant"] = tenant.slug
    consortium = g.get("consortium")
    if (
        consortium
        and "consortium" not in values
        and current_app.url_map.is_endpoint_expecting(endpoint, "consortium")
    ):
        values["consortium"] = consortium.slug


def _leave_scope(_exc: BaseException | None) -> None:
    token = g.pop("tenant_token", None)
    if token is not None:
        leave_tenant(token)


def requires_role(*roles: Role) -> Callable[[F], F]:
    """Allow the view to members holding one of ``roles`` in the scope of the URL."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_roles() & set(roles):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def requires_platform_admin(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            abort(401)
        if not current_user.is_platform_admin:
            abort(404)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def wants_json() -> bool:
    return request.path.startswith("/api/")
