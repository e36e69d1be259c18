"""The reports API (``reports:read``): a council's staff and a consortium's coordinators ask
for a run, follow it and download its files with a token, as a national body's script would;
another council, a partner and another consortium's coordinator get 404."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.accounts.models import Role, User
from teia.audit.models import AuditEvent
from teia.core.api import ErrorOut
from teia.core.db import db
from teia.core.openapi import build_document, documented
from teia.core.tenancy import tenant_scope
from teia.oauth.scopes import ordered, scopes_for_roles
from teia.oauth.services import create_personal_token
from teia.reports.dataset_catalog import COLUMNS
from teia.tenants.models import Tenant
from tests.conftest import csrf_token
from tests.test_openapi import assert_documented

PERIOD = {"start": "2019-01-01", "end": "2019-12-31"}


def _token(app: Flask, email: str) -> dict[str, str]:
    """A personal token with ``reports:read`` when the user's roles allow it (else with
    what they allow)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        allowed = ordered(scopes_for_roles(Role(m.role) for m in user.memberships))
        scopes = ["reports:read"] if "reports:read" in allowed else allowed
        _row, secret = create_personal_token(
            db.session, user, name="Dados", scopes=scopes, days=30, allowed=allowed
        )
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _call(app: Flask, c: FlaskClient, method: str, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    response = c.open(f"/api/v1{path}", method=method, **kwargs)
    assert_documented(app, response)
    return response


def _ask(app: Flask, c: FlaskClient, headers: dict[str, str], scope: str, kind: str) -> int:
    answer = _call(
        app, c, "POST", f"{scope}/reports", json={"kind": kind, **PERIOD}, headers=headers
    )
    assert answer.status_code == 202, answer.get_json()
    body = answer.get_json()
    assert body["kind"] == kind and body["status"] == "queued" and body["figures"] is None
    assert answer.headers["Location"] == f"/api/v1{scope}/reports/{body['id']}"
    return int(body["id"])


def test_a_councils_staff_asks_for_the_dataset_and_downloads_its_files(
    app: Flask, client: FlaskClient
) -> None:
    auth = _token(app, "tecnica@mourao.demo")
    run_id = _ask(app, client, auth, "/t/mourao", "council_dataset")

    run = _call(app, client, "GET", f"/t/mourao/reports/{run_id}", headers=auth).get_json()
    assert run["status"] == "done" and run["progress"] == 100
    assert run["files"].keys() == {"csv", "json", "schema"}
    assert run["files"]["schema"]["content_type"] == "application/schema+json"
    [table] = run["figures"]["sections"][0]["tables"]
    assert tuple(table["columns"]) == COLUMNS

    files = {}
    for fmt, mimetype in (
        ("csv", "text/csv"),
        ("json", "application/json"),
        ("schema", "application/schema+json"),
    ):
        answer = _call(app, client, "GET", f"/t/mourao/reports/{run_id}/files/{fmt}", headers=auth)
        assert answer.status_code == 200 and answer.mimetype == mimetype
        assert answer.headers["Content-Disposition"].startswith("attachment;")
        assert hashlib.sha256(answer.data).hexdigest() == run["files"][fmt]["sha256"]
        files[fmt] = answer.data
    rows = list(csv.reader(io.StringIO(files["csv"].decode("utf-8"), newline="")))
    assert tuple(rows[0]) == COLUMNS and len(rows) == len(table["rows"]) + 1
    assert {r[4] for r in rows[1:]} == {"0708"}
    for fmt in ("pdf", "xlsx", "nope"):  # a dataset has no PDF
        path = f"/t/mourao/reports/{run_id}/files/{fmt}"
        assert _call(app, client, "GET", path, headers=auth).status_code == 404

    with app.app_context():
        mourao = db.session.scalar(select(Tenant.id).where(Tenant.slug == "mourao"))
        with tenant_scope(mourao):
            formats = db.session.scalars(
                select(AuditEvent.details).where(
                    AuditEvent.action == "report.downloaded",
                    AuditEvent.object_id == str(run_id),
                )
            ).all()
    assert sorted(f["format"] for f in formats) == ["csv", "json", "schema"]

    # The monthly report's files come the same way.
    report_id = _ask(app, client, auth, "/t/mourao", "council_monthly")
    answer = _call(app, client, "GET", f"/t/mourao/reports/{report_id}/files/pdf", headers=auth)
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")


def test_a_period_or_a_report_that_is_not_accepted_is_422(app: Flask, client: FlaskClient) -> None:
    auth = _token(app, "gestora@mourao.demo")
    for body, message in (
        ({"kind": "council_dataset", "start": "2019-12-31", "end": "2019-01-01"}, "posterior"),
        ({"kind": "council_dataset", "start": "2018-01-01", "end": "2019-12-31"}, "um ano"),
        ({"kind": "council_dataset", "start": "2099-01-01", "end": "2099-01-31"}, "começou"),
        ({"kind": "consortium_dataset", **PERIOD}, "desconhecido"),  # the other scope's
        ({"kind": "nope", **PERIOD}, "desconhecido"),
    ):
        answer = _call(app, client, "POST", "/t/mourao/reports", json=body, headers=auth)
        assert answer.status_code == 422, body
        assert answer.get_json()["error"] == "rejected" and message in answer.get_json()["message"]
    for body in ({"kind": "council_dataset", "start": "2019-01-01"}, {**PERIOD, "kind": ""}):
        answer = _call(app, client, "POST", "/t/mourao/reports", json=body, headers=auth)
        assert answer.status_code == 422 and answer.get_json()["error"] == "invalid"
    coordinator = _token(app, "coordenacao@cimac.demo")
    body = {"kind": "council_dataset", **PERIOD}
    answer = _call(app, client, "POST", "/c/cimac/reports", json=body, headers=coordinator)
    assert answer.status_code == 422


def test_another_council_a_partner_and_a_coordinator_get_404_for_a_councils_run(  # type: ignore[no-untyped-def]
    app: Flask, client: FlaskClient, as_user
) -> None:
    run_id = _ask(app, client, _token(app, "tecnica@mourao.demo"), "/t/mourao", "council_dataset")
    paths = [f"/t/mourao/reports/{run_id}", f"/t/mourao/reports/{run_id}/files/csv"]

    other = _token(app, "gestor@reguengos-de-monsaraz.demo")
    for path in [*paths, *(p.replace("/t/mourao/", "/t/reguengos-de-monsaraz/") for p in paths)]:
        assert _call(app, client, "GET", path, headers=other).status_code == 404, path
    body = {"kind": "council_dataset", **PERIOD}
    answer = _call(app, client, "POST", "/t/mourao/reports", json=body, headers=other)
    assert answer.status_code == 404

    partner = as_user("ipss@mourao.demo")  # a partner's session: reports are not its own
    for path in paths:
        assert _call(app, partner, "GET", path).status_code == 404, path
    token = csrf_token(partner.get("/notifications").text)
    answer = _call(
        app, partner, "POST", "/t/mourao/reports", json=body, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 404
    # A partner's token cannot even carry the scope.
    answer = _call(app, client, "GET", paths[0], headers=_token(app, "ipss@mourao.demo"))
    assert answer.status_code == 403

    coordinator = _token(app, "coordenacao@cimac.demo")
    for path in [*paths, f"/c/cimac/reports/{run_id}", f"/c/cimac/reports/{run_id}/files/csv"]:
        assert _call(app, client, "GET", path, headers=coordinator).status_code == 404, path


def test_a_coordinator_fetches_the_consortiums_dataset_and_no_one_else_does(  # type: ignore[no-untyped-def]
    app: Flask, client: FlaskClient
) -> None:
    auth = _token(app, "coordenacao@cimac.demo")
    run_id = _ask(app, client, auth, "/c/cimac", "consortium_dataset")
    run = _call(app, client, "GET", f"/c/cimac/reports/{run_id}", headers=auth).get_json()
    assert run["status"] == "done" and run["files"].keys() == {"csv", "json", "schema"}
    answer = _call(app, client, "GET", f"/c/cimac/reports/{run_id}/files/csv", headers=auth)
    assert answer.status_code == 200
    territories = {tuple(r[3:5]) for r in csv.reader(io.StringIO(answer.data.decode("utf-8")))}
    assert ("consortium", "cimac") in territories
    assert {("council", c) for c in ("0708", "0709", "0711")} <= territories
    with app.app_context():  # a consortium's download is a platform event (no council)
        assert db.session.scalars(
            select(AuditEvent.details).where(
                AuditEvent.action == "report.downloaded", AuditEvent.object_id == str(run_id)
            )
        ).all() == [{"format": "csv"}]

    paths = [f"/c/cimac/reports/{run_id}", f"/c/cimac/reports/{run_id}/files/csv"]
    other = _token(app, "coordenacao@cimbal.demo")  # another consortium's coordinator
    for path in [*paths, *(p.replace("/c/cimac/", "/c/cimbal/") for p in paths)]:
        assert _call(app, client, "GET", path, headers=other).status_code == 404, path
    body = {"kind": "consortium_dataset", **PERIOD}
    answer = _call(app, client, "POST", "/c/cimac/reports", json=body, headers=other)
    assert answer.status_code == 404
    staff = _token(app, "coordenacao@mourao.demo")  # a member council's admin
    for path in [*paths, f"/t/mourao/reports/{run_id}"]:
        assert _call(app, client, "GET", path, headers=staff).status_code == 404, path


def test_the_document_gives_the_media_types_of_the_files(app: Flask) -> None:
    doc = build_document(app)
    for scope in ("/t/{tenant}", "/c/{consortium}"):
        files = doc["paths"][f"/api/v1{scope}/reports/{{run_id}}/files/{{fmt}}"]["get"]
        assert set(files["responses"]["200"]["content"]) == {
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "text/csv",
            "application/json",
            "application/schema+json",
        }
        assert files["responses"]["404"]["content"]["application/json"]
        assert files["security"][2] == {"bearer": ["reports:read"]}
        ask = doc["paths"][f"/api/v1{scope}/reports"]["post"]
        assert {"202", "422"} <= ask["responses"].keys()
    with pytest.raises(ValueError, match="JSON"):
        documented("x", tags=["x"], scope=None)
    with pytest.raises(ValueError, match="JSON"):
        documented("x", tags=["x"], response=ErrorOut, files=["text/csv"], scope=None)
