"""A member of one council reaches nothing of another: 404 everywhere, pages and API."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from teia.accounts.models import Invitation, Membership
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.tenants.models import Tenant
from tests.conftest import csrf_token


def tenant_routes(app: Flask) -> list[tuple[str, str]]:
    """Every URL rule with a tenant in it, its parameters filled in, with each method."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "tenant" not in rule.arguments:
            continue
        path = re.sub(
            r"<(?:int:)?(\w+)>",
            lambda m: "reguengos-de-monsaraz" if m.group(1) == "tenant" else "1",
            rule.rule,
        )
        routes.extend((method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    assert len(routes) >= 10
    return routes


def test_every_tenant_url_is_404_for_another_councils_member(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("coordenacao@mourao.demo")  # an admin: the widest role in Mourão
    token = csrf_token(c.get("/t/mourao/").text)
    for method, path in tenant_routes(app):
        kwargs = {"data": {"csrf_token": token}} if method == "POST" else {}
        if path.startswith("/api/") and method == "POST":
            kwargs = {"json": {}, "headers": {"X-CSRFToken": token}}
        response = c.open(path, method=method, **kwargs)
        assert response.status_code == 404, (method, path, response.status_code)


def test_same_urls_work_for_the_councils_own_member(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("coordenacao@reguengos-de-monsaraz.demo")
    for path in (
        "/t/reguengos-de-monsaraz/",
        "/t/reguengos-de-monsaraz/admin/users",
        "/t/reguengos-de-monsaraz/admin/audit",
        "/api/v1/t/reguengos-de-monsaraz/",
        "/api/v1/t/reguengos-de-monsaraz/members",
    ):
        assert c.get(path).status_code == 200, path


def test_unknown_council_looks_the_same_as_a_foreign_one(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    assert c.get("/t/nao-existe/").status_code == 404
    assert c.get("/t/portel/").status_code == 404
    assert c.get("/api/v1/t/portel/").get_json()["error"] == "not_found"


def test_signed_out_visitors_are_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/t/mourao/admin/users")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/api/v1/t/mourao/").status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_consortium_space_is_404_for_non_members(as_user) -> None:  # type: ignore[no-untyped-def]
    assert as_user("coordenacao@cimac.demo").get("/c/cimac/").status_code == 200
    assert as_user("gestora@mourao.demo").get("/c/cimac/").status_code == 404


def test_a_role_missing_inside_ones_council_is_403(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    assert c.get("/t/mourao/admin/users").status_code == 403
    assert c.get("/api/v1/t/mourao/members").status_code == 403


def test_foreign_membership_ids_are_404_inside_ones_own_council(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        reguengos = db.session.scalar(select(Tenant).where(Tenant.slug == "reguengos-de-monsaraz"))
        assert reguengos
        foreign = db.session.scalar(
            select(Membership.id).where(Membership.tenant_id == reguengos.id)
        )
        with tenant_scope(reguengos.id):
            foreign_invitation = db.session.scalar(select(Invitation.id))
    c = as_user("coordenacao@mourao.demo")
    token = csrf_token(c.get("/t/mourao/admin/users").text)
    response = c.post(
        f"/t/mourao/admin/memberships/{foreign}/active", data={"csrf_token": token, "active": "0"}
    )
    assert response.status_code == 404
    response = c.post(
        f"/t/mourao/admin/memberships/{foreign}/role",
        data={"csrf_token": token, "role": "technician"},
    )
    assert response.status_code == 404
    if foreign_invitation:
        response = c.post(
            f"/t/mourao/admin/invitations/{foreign_invitation}/revoke", data={"csrf_token": token}
        )
        assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Membership, foreign).active  # type: ignore[union-attr]


@pytest.mark.parametrize("email", ["tecnica@mourao.demo", "ipss@mourao.demo"])
def test_multi_council_users_reach_each_of_their_councils_only(as_user, email: str) -> None:  # type: ignore[no-untyped-def]
    c = as_user(email)
    me = c.get("/api/v1/me").get_json()
    mine = {m["tenant"] for m in me["memberships"]}
    assert len(mine) == 2
    for slug in ("mourao", "reguengos-de-monsaraz", "portel"):
        expected = 200 if slug in mine else 404
        assert c.get(f"/t/{slug}/").status_code == expected
