"""Applications through the JSON API: the same services and checks as the pages, every answer
validated against the OpenAPI document; partners and other councils reach nothing."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from teia.accounts.models import Role
from teia.applications import api as applications_api
from teia.applications import queries, services, views
from teia.applications.models import Application
from teia.applications.services import Actor, ItemInput
from teia.audit.models import AuditEvent
from teia.core.clock import today
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.tenants.models import Tenant
from tests.test_api_cases import Api
from tests.test_applications_workflow import (
    IBAN,
    PDF,
    household_input,
    make_world,
    new_application,
)
from tests.test_openapi import assert_documented

API = "/api/v1/t/mourao"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@dataclass(frozen=True)
class Household:
    tenant: int
    household: int
    applicant: int
    child: int


def mourao_household(app: Flask) -> Household:
    """A Mourão household of two, committed (the requests read it)."""
    with app.test_request_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "mourao"))
        assert tenant is not None
        with tenant_scope(tenant.id):
            world = make_world(tenant)
            db.session.flush()
        db.session.commit()
        return Household(tenant.id, world.household, world.applicant, world.child)


def application_values(app: Flask) -> dict[str, int]:
    """A Mourão application with one document delivered: the ids the GET routes take."""
    with app.test_request_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "mourao"))
        assert tenant is not None
        with tenant_scope(tenant.id):
            world = make_world(tenant)
            application = new_application(world)
            document = application.documents[0]
            services.upload_document(
                db.session,
                application,
                document_id=document.id,
                data=PDF,
                filename="websiss.pdf",
                actor=world.technician,
            )
            values = {"application_id": application.id, "document_id": document.id}
        db.session.commit()
        return values


@pytest.fixture
def household(app: Flask) -> Household:
    return mourao_household(app)


@pytest.fixture
def api(app: Flask, as_user):  # type: ignore[no-untyped-def]
    return lambda email: Api(app, as_user(email))


def intake(h: Household, **change: object) -> dict[str, object]:
    body: dict[str, object] = {
        "household_id": h.household,
        "applicant_id": h.applicant,
        "application_date": today().isoformat(),
        "household": {
            "members": [
                {"age": 41, "relationship": "representative", "applicant": True},
                {"age": 9, "relationship": "child"},
            ],
            "incomes": [{"source": "social_benefits", "amount": "3000.00", "period": "annual"}],
            "expenses": [{"kind": "housing", "monthly_amount": 150}],
            "residence_months": 60,
            "debts_to_council": "none",
            "other_support_same_purpose": False,
        },
        "items": [{"support_type": "utilities", "description": "Faturas", "amount": "180.00"}],
        "payment_method": "bank_transfer",
        "iban": "PT50 0002 0123 1234 5678 9015 4",
    }
    return body | change


def upload(client: Api, path: str, data: bytes, name: str = "doc.pdf", **form: str):  # type: ignore[no-untyped-def]
    """A multipart POST, encoded in memory (the test client spools large bodies to a file)."""
    fields = {"file": FileStorage(BytesIO(data), name), **form}
    stream, _length, boundary = stream_encode_multipart(fields, use_tempfile=False)
    response = client.client.post(
        f"{API}/{path}",
        data=stream.getvalue(),
        headers={"X-CSRFToken": client.token},
        content_type=f'multipart/form-data; boundary="{boundary}"',
    )
    assert_documented(client.app, response)
    return response


def test_from_intake_to_payment_through_the_api(app: Flask, api, household: Household) -> None:  # type: ignore[no-untyped-def]
    technician = api("tecnica@mourao.demo")
    key = "5b0c9a7e-2d11-4a8e-9b64-0c1d2e3f4a01"
    created = technician("POST", "applications", intake(household), **{"Idempotency-Key": key})
    assert created.status_code == 201, created.get_json()
    application = created.get_json()
    assert (
        application["status"] == "draft" and application["applicant"]["id"] == household.applicant
    )
    again = technician("POST", "applications", intake(household), **{"Idempotency-Key": key})
    assert (again.status_code, again.get_json()["id"]) == (200, application["id"])
    base = f"applications/{application['id']}"

    step = technician("POST", f"{base}/submit")
    assert step.get_json()["status"] == "submitted"
    assert "start_analysis" in step.get_json()["allowed_transitions"]
    technician("POST", f"{base}/start-analysis")
    documents = technician("GET", f"{base}/documents").get_json()["documents"]
    assert {d["code"] for d in documents} >= {"iban_proof", "housing_receipt"}
    step = technician(
        "POST", f"{base}/request-documents", {"codes": ["income_proof"], "note": "No SAAS."}
    )
    assert step.get_json()["status"] == "awaiting_documents"
    for document in documents:
        answer = upload(technician, f"{base}/documents/{document['id']}", PDF, "recibo.pdf")
        assert answer.status_code == 200 and answer.get_json()["status"] == "received"
    technician("POST", f"{base}/regularise-documents", {})
    visit = {
        "visited_on": today().isoformat(),
        "findings": "Casa fria.",
        "social_opinion": "Favorável.",
    }
    assert technician("POST", f"{base}/home-visits", visit).status_code == 200
    proof = {"what": "Extrato bancário.", "due_on": (today() + timedelta(days=3)).isoformat()}
    assert technician("POST", f"{base}/proof-requests", proof).status_code == 200
    assert technician("POST", f"{base}/evaluate").get_json()["outcome"] == "eligible"
    assert technician("POST", f"{base}/propose", {}).get_json()["status"] == "proposed"

    decision = {
        "outcome": "approved",
        "decided_on": today().isoformat(),
        "reference": "Deliberação n.º 45/2026",
    }
    refused = technician("POST", f"{base}/decide", decision)
    assert refused.status_code == 403
    assert "não permite registar a deliberação" in refused.get_json()["message"]
    decider = api("decisao@mourao.demo")
    assert decider("POST", f"{base}/decide", decision).get_json()["status"] == "approved"

    finance = api("financas@mourao.demo")
    detail = finance("GET", base).get_json()
    [item] = detail["items"]
    assert item["approved_amount"] == "180.00"
    payment = {
        "item_id": item["id"],
        "amount": "180.00",
        "method": "bank_transfer",
        "paid_on": today().isoformat(),
    }
    bad = finance("POST", f"{base}/payments", payment | {"iban": "PT50000201231234567890155"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "iban"
    assert finance("POST", f"{base}/payments", payment).get_json()["status"] == "paid"
    detail = technician("GET", base).get_json()
    [paid] = detail["payments"]
    assert paid["iban"] == IBAN
    answer = upload(technician, f"{base}/payments/{paid['id']}/proof", PNG, "fatura.png")
    assert answer.get_json()["proof_received_on"] == today().isoformat()
    detail = technician("GET", base).get_json()
    assert detail["status"] == "closed" and detail["allowed_transitions"] == []
    assert detail["decision"]["reference"] == "Deliberação n.º 45/2026"
    assert detail["evaluation"]["outcome"] == "eligible"
    assert [v["social_opinion"] for v in detail["home_visits"]] == ["Favorável."]

    proof_document = next(d for d in detail["documents"] if d["code"] == "proof_of_expense")
    file = technician("GET", f"{base}/documents/{proof_document['id']}").get_json()
    assert base64.b64decode(file["content_base64"]) == PNG
    assert file["content_type"] == "image/png"
    with app.app_context(), tenant_scope(household.tenant):
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_id == str(application["id"]),
                AuditEvent.action.in_(("application.read", "application.document_read")),
            )
        ).all()
    assert {r.action for r in reads} == {"application.read", "application.document_read"}
    assert all(r.purpose for r in reads)


def test_an_illegal_step_is_refused_with_the_reason(api, household: Household) -> None:  # type: ignore[no-untyped-def]
    technician = api("tecnica@mourao.demo")
    created = technician("POST", "applications", intake(household)).get_json()
    base = f"applications/{created['id']}"
    refused = technician("POST", f"{base}/propose", {})
    assert refused.status_code == 422
    message = refused.get_json()["message"]
    assert (
        message
        == f"Não é possível propor o apoio: a candidatura {created['number']} está rascunho."
    )
    technician("POST", f"{base}/submit")
    assert technician("POST", f"{base}/submit").status_code == 422
    invalid = technician("POST", f"{base}/request-documents", {"codes": ["nonsense"]})
    assert invalid.status_code == 422
    bad_body = technician("POST", f"{base}/home-visits", {"visited_on": "ontem"})
    assert bad_body.status_code == 422


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": [{"support_type": "yacht", "amount": "10.00"}]}, "items"),
        ({"iban": "PT50000201231234567890155"}, "iban"),
        ({"application_date": "2099-01-01"}, "application_date"),
        ({"payment_method": "cheque"}, "payment_method"),
    ],
)
def test_intake_errors_name_the_field(api, household: Household, change, field: str) -> None:  # type: ignore[no-untyped-def]
    response = api("tecnica@mourao.demo")("POST", "applications", intake(household, **change))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"].startswith(field)


def test_uploads_are_checked_by_their_bytes(api, household: Household) -> None:  # type: ignore[no-untyped-def]
    technician = api("tecnica@mourao.demo")
    created = technician("POST", "applications", intake(household)).get_json()
    base = f"applications/{created['id']}"
    document = technician("GET", f"{base}/documents").get_json()["documents"][0]
    fake = upload(technician, f"{base}/documents/{document['id']}", b"MZ\x90\x00", "recibo.pdf")
    assert fake.status_code == 422
    assert fake.get_json()["errors"] == [
        {"field": "file", "message": "Só são aceites ficheiros PDF, PNG ou JPEG."}
    ]
    big = upload(technician, f"{base}/documents/{document['id']}", PDF + b"0" * (10 << 20))
    assert big.get_json()["message"] == "O ficheiro tem mais de 10 MB."
    missing = technician("GET", f"{base}/documents/{document['id']}")
    assert missing.status_code == 404  # nothing delivered yet


@pytest.mark.parametrize(
    "email", ["ipss@mourao.demo", "saude@mourao.demo", "acolhimento@mourao.demo"]
)
def test_partners_see_nothing_of_applications(api, app: Flask, email: str) -> None:  # type: ignore[no-untyped-def]
    values = application_values(app)
    partner = api(email)
    base = f"applications/{values['application_id']}"
    assert partner("GET", "applications").status_code == 403
    assert partner("POST", "applications", {}).status_code == 403
    for method, path in (
        ("GET", base),
        ("GET", f"{base}/documents"),
        ("GET", f"{base}/documents/{values['document_id']}"),
        ("POST", f"{base}/submit"),
        ("POST", f"{base}/evaluate"),
        ("POST", f"{base}/withdraw"),
    ):
        assert partner(method, path, {} if method == "POST" else None).status_code == 404, path


def test_another_council_reaches_none_of_mouraos_applications(api, app: Flask) -> None:  # type: ignore[no-untyped-def]
    values = application_values(app)
    reguengos = api("coordenacao@reguengos-de-monsaraz.demo")
    own = "/api/v1/t/reguengos-de-monsaraz/applications"
    for prefix in (f"{API}/applications", own):
        for method, suffix in (
            ("GET", ""),
            ("GET", "/documents"),
            ("GET", f"/documents/{values['document_id']}"),
            ("POST", "/submit"),
            ("POST", "/withdraw"),
        ):
            path = f"{prefix}/{values['application_id']}{suffix}"
            body = {"reason": "x"} if method == "POST" else None
            assert reguengos(method, path, body).status_code == 404, path
    assert values["application_id"] not in [
        a["id"] for a in reguengos("GET", own).get_json()["applications"]
    ]


def test_the_list_filters_and_audits_searches(api, app: Flask, household: Household) -> None:  # type: ignore[no-untyped-def]
    technician = api("tecnica@mourao.demo")
    first = technician("POST", "applications", intake(household)).get_json()
    lodging = {"items": [{"support_type": "lodging", "amount": "90.00", "units": 2}]}
    second = technician("POST", "applications", intake(household, **lodging)).get_json()
    technician("POST", f"applications/{second['id']}/submit")

    def ids(query: str) -> list[int]:
        """Of this test's two applications (the demo may hold others), those listed."""
        answer = technician("GET", f"applications{query}").get_json()
        return [a["id"] for a in answer["applications"] if a["id"] in (first["id"], second["id"])]

    assert ids("") == [second["id"], first["id"]]
    assert ids("?status=submitted") == [second["id"]]
    assert ids("?support_type=lodging") == [second["id"]]
    assert ids(f"?q={first['number']}") == [first["id"]]
    assert set(ids("?q=filipa arrais")) == {first["id"], second["id"]}
    assert technician("GET", "applications?status=lost").status_code == 422
    with app.app_context(), tenant_scope(household.tenant):
        search = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "application.search")
        ).all()
    assert search and all("filipa" not in str(s.details) for s in search)


def test_statements_do_not_grow_with_the_application(
    app: Flask, as_user, household: Household
) -> None:  # type: ignore[no-untyped-def]
    client = as_user("tecnica@mourao.demo")

    def counts(application_id: int) -> tuple[int, int]:
        listed = client.get(f"{API}/applications")
        shown = client.get(f"{API}/applications/{application_id}")
        assert listed.status_code == shown.status_code == 200
        return int(listed.headers["X-SQL-Statements"]), int(shown.headers["X-SQL-Statements"])

    with app.test_request_context(), tenant_scope(household.tenant):
        world = make_world(db.session.get(Tenant, household.tenant))  # type: ignore[arg-type]
        small = new_application(world)
        db.session.commit()
    before = counts(small.id)
    with app.test_request_context(), tenant_scope(household.tenant):
        world = make_world(db.session.get(Tenant, household.tenant))  # type: ignore[arg-type]
        for _ in range(4):
            new_application(world, household=household_input(unemployed=True))
        big = new_application(
            world,
            items=[
                ItemInput("utilities", "", None, (Decimal(90), Decimal(80))),
                ItemInput("lodging", "", Decimal(60), (), 2),
            ],
        )
        every = Actor(world.technician.user_id, frozenset({Role.TECHNICIAN}))
        services.submit(db.session, big, actor=every)
        services.start_analysis(db.session, big, actor=every)
        for document in big.documents[:3]:
            services.upload_document(
                db.session, big, document_id=document.id, data=PDF, filename="a.pdf", actor=every
            )
        services.request_documents(db.session, big, codes=[big.documents[4].code], actor=every)
        services.record_home_visit(
            db.session, big, visited_on=today(), findings="a", social_opinion="b", actor=every
        )
        db.session.commit()
        big_id = big.id
    assert counts(big_id) == before
    with app.app_context(), tenant_scope(household.tenant):
        assert (
            db.session.scalar(select(Application.status).where(Application.id == big_id))
            == "awaiting_documents"
        )


def test_a_mourao_application_dated_before_the_2024_amendment_follows_the_2023_version(
    api, household: Household
) -> None:  # type: ignore[no-untyped-def]
    technician = api("tecnica@mourao.demo")
    created = technician(
        "POST", "applications", intake(household, application_date=date(2024, 3, 15).isoformat())
    ).get_json()
    detail = technician("GET", f"applications/{created['id']}").get_json()
    assert detail["regulation"]["effective_from"] == "2023-03-01"


def test_a_long_list_counts_up_to_the_limit_and_still_pages(
    api, as_user, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Past ``COUNT_LIMIT`` a list says "more than" instead of counting every row; the page
    itself is still read (here the demo's two applications with a limit of one)."""
    for module in (queries, views, services, applications_api):
        monkeypatch.setattr(module, "COUNT_LIMIT", 1)
    answer = api("tecnica@mourao.demo")("GET", "applications").get_json()
    assert answer["total"] == 1 and answer["total_exact"] is False
    assert len(answer["applications"]) == 2  # the count stopped; the page did not
    page = as_user("tecnica@mourao.demo").get("/t/mourao/applications").text
    assert "Mais de 1 candidaturas" in page and "Manuel Caeiro Valente" in page
