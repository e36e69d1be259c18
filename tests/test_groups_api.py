"""The working groups API (``groups:read``): the caller's groups, a group's vignettes and one
vignette as members see it, for a session or a personal token; 404 to anyone outside the
group; every answer the one the OpenAPI document describes."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.accounts.models import User
from teia.audit.models import AuditEvent
from teia.core.db import db
from teia.oauth.scopes import ROLE_SCOPES, Role
from teia.oauth.services import create_personal_token
from tests.conftest import csrf_token
from tests.test_openapi import assert_documented
from tests.test_vignettes import (
    COORDINATOR,
    MANAGER,
    OUTSIDERS,
    PORTEL,
    comment_on,
    make_group,
    publish,
)


def get(app: Flask, c: FlaskClient, path: str, **headers: str):  # type: ignore[no-untyped-def]
    response = c.get(f"/api/v1{path}", headers=headers)
    assert_documented(app, response)
    return response


def token(app: Flask, email: str, scopes: list[str]) -> str:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user
        allowed = {s.value for m in user.memberships for s in ROLE_SCOPES[Role(m.role)]}
        _row, secret = create_personal_token(
            db.session, user, name="Grupos", scopes=scopes, days=30, allowed=allowed
        )
        db.session.commit()
        return secret


def test_a_member_lists_their_groups_and_reads_a_vignette_with_its_discussion(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    vid = publish(as_user(MANAGER), case_id, group_id, title="Renda em atraso")
    comment_on(as_user(PORTEL), group_id, vid, "Tentem o fundo de emergência", "proposal")
    portel = as_user(PORTEL)

    groups = get(app, portel, "/groups").get_json()["groups"]
    mine = next(g for g in groups if g["id"] == group_id)
    assert mine == {
        "id": group_id,
        "name": "Grupo de intervenção familiar",
        "theme": mine["theme"],
        "consortium": "CIMAC",
        "council": "Portel",
        "role": "member",
    }
    listed = get(app, portel, f"/groups/{group_id}/vignettes").get_json()["vignettes"]
    assert [(v["id"], v["title"], v["source_council"], v["comments"]) for v in listed] == [
        (vid, "Renda em atraso", "Mourão", 1)
    ]
    body = get(app, portel, f"/groups/{group_id}/vignettes/{vid}").get_json()
    assert body["question"].startswith("Que respostas de emprego")
    content = body["content"]
    assert content["person"]["age_band"] == "45\u201354"
    assert content["person"]["relationship"] == {"code": "representative", "label": "Representante"}
    assert [m["relationship"]["code"] for m in content["household"]] == ["child", "child"]
    assert {"code": "housing", "label": "Habitação"} in content["areas"]
    assert content["blockers"][0]["kind"]["code"] == "overdue_action"
    assert content["goals"][0]["actions"][0]["status"]["label"] == "Em curso"
    assert [(c["kind"], c["body"]) for c in body["comments"]] == [
        ("proposal", "Tentem o fundo de emergência")
    ]
    assert "case" not in str(body).lower().replace("case_status", "")
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "vignette.read",
                AuditEvent.object_id == str(vid),
                AuditEvent.actor_id
                == db.session.scalar(select(User.id).where(User.email == PORTEL)),
            )
        )


def test_outsiders_get_404_and_a_non_member_lists_no_such_group(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    vid = publish(as_user(MANAGER), case_id, group_id)
    for email in OUTSIDERS:
        c = as_user(email)
        assert group_id not in {g["id"] for g in get(app, c, "/groups").get_json()["groups"]}
        for path in (f"/groups/{group_id}/vignettes", f"/groups/{group_id}/vignettes/{vid}"):
            assert get(app, c, path).status_code == 404, (email, path)
    assert get(app, as_user(COORDINATOR), f"/groups/{group_id}/vignettes/{vid}").status_code == 200
    other, _case = make_group(app, name="Outro grupo")
    assert get(app, as_user(MANAGER), f"/groups/{other}/vignettes/{vid}").status_code == 404


def test_a_withdrawn_vignette_has_no_content_and_no_discussion(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    author = as_user(MANAGER)
    vid = publish(author, case_id, group_id)
    comment_on(as_user(PORTEL), group_id, vid, "Um comentário")
    path = f"/groups/{group_id}/vignettes/{vid}"
    author.post(f"{path}/withdraw", data={"withdraw-csrf_token": csrf_token(author.get(path).text)})
    body = get(app, as_user(PORTEL), path).get_json()
    assert body["status"] == "withdrawn" and body["content"] is None
    assert body["question"] == "" and body["comments"] == []
    listed = get(app, as_user(PORTEL), f"/groups/{group_id}/vignettes").get_json()["vignettes"]
    assert listed[0]["comments"] == 0 and listed[0]["withdrawn_at"]


def test_a_personal_token_needs_the_groups_scope(app: Flask, client: FlaskClient, as_user) -> None:  # type: ignore[no-untyped-def]
    group_id, case_id = make_group(app)
    vid = publish(as_user(MANAGER), case_id, group_id)
    path = f"/groups/{group_id}/vignettes/{vid}"
    good = token(app, PORTEL, ["groups:read"])
    assert get(app, client, path, Authorization=f"Bearer {good}").status_code == 200
    other = token(app, PORTEL, ["cases:read"])
    assert get(app, client, path, Authorization=f"Bearer {other}").status_code == 403
    outsider = token(app, "gestor@reguengos-de-monsaraz.demo", ["groups:read"])
    assert get(app, client, path, Authorization=f"Bearer {outsider}").status_code == 404
    assert get(app, client, path).status_code == 401
