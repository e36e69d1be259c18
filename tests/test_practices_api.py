"""The library's API (``practices:read``): published practices only, with the page's filters,
20 a page; a single practice with its files and adoptions; drafts, practices in review and
archived ones answer 404; every answer is the one the OpenAPI document describes."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.accounts.models import User
from teia.core.db import db
from teia.oauth.scopes import ROLE_SCOPES, Role
from teia.oauth.services import create_personal_token
from teia.practices.models import (
    AdoptionStatus,
    PracticeAdoption,
    PracticeAttachment,
    PracticeStatus,
)
from tests.groups_factories import consortium_id
from tests.test_openapi import assert_documented
from tests.test_practices import committed, council_id, practice

API = "/api/v1/practices"


def _get(app: Flask, c: FlaskClient, path: str = API, **headers: str):  # type: ignore[no-untyped-def]
    response = c.get(path, headers=headers)
    assert_documented(app, response)
    return response


def _token(app: Flask, email: str, scopes: list[str]) -> str:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user
        roles = {Role(m.role) for m in user.memberships}
        allowed = {s.value for r in roles for s in ROLE_SCOPES[r]}
        _row, secret = create_personal_token(
            db.session, user, name="Biblioteca", scopes=scopes, days=30, allowed=allowed
        )
        db.session.commit()
        return secret


def test_the_list_holds_published_practices_with_the_pages_filters(  # type: ignore[no-untyped-def]
    app: Flask, as_user
) -> None:
    with app.app_context():
        mourao = council_id("mourao")
        shown = practice(
            "Xisto: intervenção precoce", tags=["crianças"], councils=["portel", "mourao"]
        )
        practice("Xisto: outra", consortium="cimbal", author="coordenacao@cimbal.demo")
        for status in (PracticeStatus.DRAFT, PracticeStatus.IN_REVIEW, PracticeStatus.ARCHIVED):
            practice(f"Xisto: {status.value}", status=status)
        taken = practice("Xisto: adotada")
        db.session.add(PracticeAdoption(practice_id=taken.id, council_id=mourao))
        db.session.commit()
        shown_id, cimbal = shown.id, consortium_id("cimbal")
    c = as_user("ipss@mourao.demo")  # a partner professional reads the library too
    body = _get(app, c, f"{API}?q=xisto").get_json()
    assert (body["total"], body["page"], body["page_size"]) == (3, 1, 20)
    assert {p["title"] for p in body["practices"]} == {
        "Xisto: intervenção precoce",
        "Xisto: outra",
        "Xisto: adotada",
    }
    found = _get(app, c, f"{API}?q=xisto+INTERVENCAO&tag=crian%C3%A7as").get_json()
    (only,) = found["practices"]
    assert only["id"] == shown_id
    assert only["consortium"]["slug"] == "cimac"
    assert [r["slug"] for r in only["councils"]] == ["mourao", "portel"]
    assert only["tags"] == ["crianças"] and only["published_at"].endswith("Z")
    by_consortium = _get(app, c, f"{API}?q=xisto&consortium_id={cimbal}").get_json()
    assert [p["title"] for p in by_consortium["practices"]] == ["Xisto: outra"]
    by_council = _get(app, c, f"{API}?q=xisto&council_id={mourao}").get_json()
    assert [p["title"] for p in by_council["practices"]] == ["Xisto: intervenção precoce"]
    adopted = _get(app, c, f"{API}?q=xisto&adopted_by_my_council=true").get_json()
    assert [p["title"] for p in adopted["practices"]] == ["Xisto: adotada"]
    assert _get(app, c, f"{API}?q=xisto&page=2").get_json()["practices"] == []


def test_one_published_practice_with_its_files_and_adoptions(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        built = practice("Xisto: cantina", results="Trinta refeições por dia.")
        built.attachments.append(
            PracticeAttachment(
                filename="ementa.pdf",
                content_type="application/pdf",
                size=12,
                sha256="a" * 64,
                storage_key="practices/x/y",
            )
        )
        db.session.add(
            PracticeAdoption(
                practice_id=built.id,
                council_id=council_id("portel"),
                status=AdoptionStatus.PLANNED,
                how_it_went="A começar em março.",
            )
        )
        db.session.commit()
        pid = built.id
    body = _get(app, as_user("coordenacao@cimbal.demo"), f"{API}/{pid}").get_json()
    assert body["title"] == "Xisto: cantina" and body["results"] == "Trinta refeições por dia."
    (attachment,) = body["attachments"]
    assert (attachment["filename"], attachment["size"]) == ("ementa.pdf", 12)
    assert "storage_key" not in attachment
    (adoption,) = body["adoptions"]
    assert adoption["council"]["slug"] == "portel"
    assert (adoption["status"], adoption["how_it_went"]) == ("planned", "A começar em março.")


def test_drafts_practices_in_review_archived_and_missing_ones_are_404(  # type: ignore[no-untyped-def]
    app: Flask, as_user
) -> None:
    author = as_user("gestora@mourao.demo")
    for status in (PracticeStatus.DRAFT, PracticeStatus.IN_REVIEW, PracticeStatus.ARCHIVED):
        pid = committed(app, status=status)
        assert _get(app, author, f"{API}/{pid}").status_code == 404, status  # even the author
    assert _get(app, author, f"{API}/{2**31 - 1}").status_code == 404


def test_people_without_a_membership_get_nothing(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    pid = committed(app)
    c = as_user("admin@teia.demo")
    assert _get(app, c).status_code == 403
    assert _get(app, c, f"{API}/{pid}").status_code == 404
    assert _get(app, FlaskClient(app), API).status_code == 401


def test_bad_query_strings_are_refused(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    for query in ("page=0", "status=draft", "consortium_id=abc", "q=" + "x" * 201):
        assert _get(app, c, f"{API}?{query}").status_code == 422, query


def test_a_personal_token_needs_practices_read(app: Flask, client: FlaskClient) -> None:
    pid = committed(app, title="Xisto: com token")
    token = _token(app, "gestora@portel.demo", ["practices:read"])
    answer = _get(app, client, f"{API}?q=xisto", Authorization=f"Bearer {token}")
    assert [p["id"] for p in answer.get_json()["practices"]] == [pid]
    assert _get(app, client, f"{API}/{pid}", Authorization=f"Bearer {token}").status_code == 200
    other = _token(app, "gestora@portel.demo", ["cases:read"])
    for path in (API, f"{API}/{pid}"):
        refused = _get(app, client, path, Authorization=f"Bearer {other}")
        assert refused.status_code == 403
        assert refused.get_json()["error"] == "insufficient_scope"
