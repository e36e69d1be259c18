"""Property-based fuzzing of ``/api/v1`` from its own OpenAPI document (schemathesis).

Schemathesis reads ``/api/v1/openapi.json`` from the WSGI app in-process and sends, to every
operation, requests generated from the document: valid ones and invalid ones. Every answer
must be no server error, carry a status the document lists for the operation, the content
type it declares and a body that validates against the declared schema. The run is bounded
(``MAX_EXAMPLES`` per operation and mode) and repeatable (a fixed seed, no example database).

The regression tests below pin what the fuzzer found (see docs/security/api-fuzzing.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode, HookContext
from schemathesis.errors import FailureGroup
from sqlalchemy import select

from teia.accounts.models import Role, User
from teia.core.api import ErrorOut
from teia.core.db import MAX_ID, db
from teia.oauth.scopes import ordered, scopes_for_roles
from teia.oauth.services import create_personal_token
from tests.conftest import csrf_token, login
from tests.test_api_applications import intake, mourao_household
from tests.test_openapi import assert_documented

FUZZER = "gestora@mourao.demo"  # council staff without an admin role: a one-step sign-in
TENANT = "mourao"
SEED = 20261202
MAX_EXAMPLES = 20  # per operation and mode: about a minute for the whole API on 2 cores
BEARER_EXAMPLES = 4  # the token pass: enough to go through every operation and mode
KNOWN_IDS = 5  # the demo data's ids are small: drawing from 1..5 often names a real row
USER_AGENT = "teia-api-fuzz"
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
Document = dict[str, Any]


@dataclass(frozen=True)
class Caller:
    """Who the fuzzer speaks as: a client (which keeps the cookies) and the headers every
    request carries. A bearer token fits the same shape: a bare client and an
    ``Authorization`` header."""

    client: FlaskClient
    headers: dict[str, str] = field(default_factory=dict)


def session_caller(app: Flask, email: str) -> Caller:
    """A browser session: the session cookie, and the CSRF token as a header."""
    client = app.test_client()
    # Flask-Login's strong session protection ties the session to the User-Agent it began with.
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    assert login(client, email).status_code == 302
    token = csrf_token(client.get("/notifications").text)
    return Caller(client, {"User-Agent": USER_AGENT, "X-CSRFToken": token})


def token_caller(app: Flask, email: str) -> Caller:
    """A personal token with every scope the user's roles allow: no cookie, no CSRF."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        allowed = ordered(scopes_for_roles(Role(m.role) for m in user.memberships))
        _token, secret = create_personal_token(
            db.session, user, name="fuzz", scopes=allowed, days=7, allowed=allowed
        )
        db.session.commit()
    return Caller(app.test_client(), {"Authorization": f"Bearer {secret}"})


def fuzz_config() -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                # The cookie and the CSRF header are the caller's, not generated.
                "with-security-parameters": False,
            },
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }
    )


def load_schema(app: Flask, edit: Callable[[Document], None] | None = None) -> BaseSchema:
    """The app's document as schemathesis reads it (``edit`` changes a copy, for the tests
    that show the checks bite)."""
    if edit is None:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=fuzz_config())
    else:
        document = app.test_client().get("/api/v1/openapi.json").get_json()
        edit(document)
        schema = schemathesis.openapi.from_dict(document, config=fuzz_config())
        schema.app = app

    @schema.hook
    def flatmap_path_parameters(context: HookContext, path_parameters: dict[str, Any] | None):  # type: ignore[no-untyped-def]
        """Mourão always; an id often one that exists, so requests reach past the 404."""
        drawn = {name: st.just(value) for name, value in (path_parameters or {}).items()}
        for name, value in (path_parameters or {}).items():
            if name == "tenant":
                drawn[name] = st.just(TENANT)
            elif isinstance(value, int) and not isinstance(value, bool):
                drawn[name] = st.one_of(st.just(value), st.integers(1, KNOWN_IDS))
        return st.fixed_dictionaries(drawn)

    @schema.hook
    def flatmap_body(context: HookContext, body: Any):  # type: ignore[no-untyped-def]
        """The same for the ids a JSON body names (``person_id``, ``household_id``...)."""
        if not isinstance(body, dict):
            return st.just(body)
        drawn = {name: st.just(value) for name, value in body.items()}
        for name, value in body.items():
            if name.endswith("_id") and isinstance(value, int) and not isinstance(value, bool):
                drawn[name] = st.one_of(st.just(value), st.integers(1, KNOWN_IDS))
        return st.fixed_dictionaries(drawn)

    return schema


def fuzz(
    operation: APIOperation, mode: GenerationMode, caller: Caller, examples: int = MAX_EXAMPLES
) -> Counter[int]:
    """``examples`` generated requests to one operation; the statuses it answered."""
    statuses: Counter[int] = Counter()

    @seed(SEED)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        # A bounded run over generated bodies: slow or filtered generation is expected here.
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode))
    def run(case: Case) -> None:
        response = case.call_and_validate(session=caller.client, headers=caller.headers)
        statuses[response.status_code] += 1

    run()
    return statuses


def fuzz_all(
    operations: list[APIOperation], caller: Caller, examples: int = MAX_EXAMPLES
) -> tuple[list[str], Counter[int]]:
    """Every operation in both modes; the failures (all of them, not the first) and the
    statuses seen."""
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                statuses += fuzz(operation, mode, caller, examples)
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing in it can be made invalid
            except (Exception, FailureGroup) as exc:
                failures.append(f"{operation.label} [{mode.value}]\n{str(exc)[:3000]}")
    return failures, statuses


@pytest.fixture
def caller(app: Flask) -> Caller:
    return session_caller(app, FUZZER)


def test_every_operation_answers_as_the_document_says(app: Flask, caller: Caller) -> None:
    operations = [result.ok() for result in load_schema(app).get_all_operations()]
    assert len(operations) >= 45
    failures, statuses = fuzz_all(operations, caller)
    assert not failures, "\n\n".join(failures)
    # The session held all along, and the requests got past the refusals to real work.
    assert 401 not in statuses
    assert statuses[200] + statuses[201] > 100, statuses
    assert statuses[422] > 100, statuses


def test_a_bearer_token_gets_answers_the_document_lists_too(app: Flask) -> None:
    """A lighter pass: the same checks through a token (no CSRF, scopes)."""
    operations = [result.ok() for result in load_schema(app).get_all_operations()]
    failures, statuses = fuzz_all(operations, token_caller(app, FUZZER), BEARER_EXAMPLES)
    assert not failures, "\n\n".join(failures)
    assert 401 not in statuses and statuses[200] > 20, statuses


def _operation(schema: BaseSchema, method: str, path: str) -> APIOperation:
    return schema[f"/api/v1{path}"][method]


def test_the_checks_bite_on_an_answer_outside_the_document(app: Flask, caller: Caller) -> None:
    """The same harness, against a document that says less than the app does: it fails."""

    def edit(document: Document) -> None:
        me = document["paths"]["/api/v1/me"]["get"]["responses"]["200"]
        me["content"]["application/json"]["schema"] = {"type": "array"}
        del document["paths"]["/api/v1/t/{tenant}/cases/{case_id}"]["get"]["responses"]["404"]

    schema = load_schema(app, edit)
    with pytest.raises(FailureGroup, match="Response violates schema"):
        fuzz(_operation(schema, "GET", "/me"), GenerationMode.POSITIVE, caller)
    with pytest.raises(FailureGroup, match="Undocumented status code"):
        fuzz(
            _operation(schema, "GET", "/t/{tenant}/cases/{case_id}"),
            GenerationMode.POSITIVE,
            caller,
        )


# --- what the fuzzer found ------------------------------------------------------------------


def test_the_document_bounds_ids_to_what_the_database_holds(app: Flask) -> None:
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    [case_id] = [
        p
        for p in doc["paths"]["/api/v1/t/{tenant}/cases/{case_id}"]["get"]["parameters"]
        if p["name"] == "case_id"
    ]
    assert case_id["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    schemas = doc["components"]["schemas"]
    assert schemas["CaseIn"]["properties"]["person_id"]["maximum"] == MAX_ID
    query = doc["paths"]["/api/v1/t/{tenant}/cases"]["get"]["parameters"]
    assert {p["name"]: p["schema"].get("maximum") for p in query}["page"] == MAX_ID


@pytest.mark.parametrize(
    "path",
    [
        f"/t/mourao/cases/{MAX_ID + 1}",
        f"/t/mourao/persons/{10**20}",
        f"/t/mourao/applications/{10**20}/documents",
    ],
)
def test_an_id_past_any_row_in_the_url_is_404(caller: Caller, path: str) -> None:
    """No route matches such an id (``teia.core.inputs``): the common error body, not a 500."""
    response = caller.client.get(f"/api/v1{path}", headers=caller.headers)
    assert response.status_code == 404
    ErrorOut.model_validate_json(response.data, strict=True)


@pytest.mark.parametrize("version", [str(10**20), str(MAX_ID + 1), "%C2%B2"])  # "²" is a digit
def test_a_regulation_version_no_row_can_have_is_404(
    app: Flask, caller: Caller, version: str
) -> None:
    """The version is a date or an id; these answered 500 on the API and on the page."""
    response = caller.client.get(f"/api/v1/t/mourao/regulations/{version}", headers=caller.headers)
    assert response.status_code == 404
    assert_documented(app, response)
    assert caller.client.get(f"/t/mourao/regulations/{version}").status_code == 404


@pytest.mark.parametrize(
    "query",
    [f"page={10**18}", f"manager_id={10**20}", f"manager_id={-(10**30)}", "page=0"],
)
def test_a_number_past_any_row_in_a_query_is_422(app: Flask, caller: Caller, query: str) -> None:
    response = caller.client.get(f"/api/v1/t/mourao/cases?{query}", headers=caller.headers)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == query.split("=")[0]
    assert_documented(app, response)


def test_an_id_past_any_row_in_a_body_is_422(app: Flask, caller: Caller) -> None:
    body = {"person_id": 1, "manager_id": MAX_ID + 1, "opening_reason": "x", "areas": []}
    response = caller.client.post("/api/v1/t/mourao/cases", json=body, headers=caller.headers)
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["manager_id"]
    assert_documented(app, response)


@pytest.mark.parametrize(
    ("item", "where"),
    [
        ({"amount": "99999999999999999999.00"}, "items.0.amount"),  # a Numeric(12, 2) column
        ({"amount": "90.00", "units": 10**12}, "items.0.units"),  # an integer column
    ],
)
def test_an_amount_or_a_count_past_its_column_is_422(
    app: Flask, caller: Caller, item: dict[str, object], where: str
) -> None:
    """Both reached the database and answered 500 on PostgreSQL."""
    body = intake(mourao_household(app), items=[{"support_type": "lodging", **item}])
    response = caller.client.post(
        "/api/v1/t/mourao/applications", json=body, headers=caller.headers
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == [where]
    assert_documented(app, response)


@pytest.mark.parametrize("moment", ["9999-12-31T23:00:00-10:00", "0001-01-01T00:00:00+10:00"])
def test_a_moment_with_no_utc_date_is_422(app: Flask, caller: Caller, moment: str) -> None:
    """Valid RFC 3339, but UTC falls outside years 1-9999: it answered 500."""
    body = {"kind": "home_visit", "occurred_at": moment, "text": "Visita"}
    response = caller.client.post(
        "/api/v1/t/mourao/cases/1/events", json=body, headers=caller.headers
    )
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["field"] == "occurred_at" and "fora do intervalo" in error["message"]
    assert_documented(app, response)


@pytest.mark.parametrize(
    ("method", "path", "body", "where"),
    [
        ("POST", "/persons", {"given_names": "A\x00", "family_names": "B"}, "given_names"),
        ("PUT", "/cases/1/plan", {"goals": [{"description": "\x00"}]}, "goals.0.description"),
        ("GET", "/persons?q=a%00b", None, "q"),
        ("GET", "/cases?q=%00", None, "q"),
    ],
)
def test_a_nul_character_is_422_not_a_database_error(
    app: Flask, caller: Caller, method: str, path: str, body: object, where: str
) -> None:
    """JSON may carry U+0000; PostgreSQL text cannot store it (it answered 500 there)."""
    response = caller.client.open(
        f"/api/v1/t/mourao{path}", method=method, json=body, headers=caller.headers
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": where, "message": "O texto tem um carácter nulo (U+0000)."}
    ]
    assert_documented(app, response)


def test_a_nul_character_in_the_idempotency_key_is_422(app: Flask, caller: Caller) -> None:
    response = caller.client.post(
        "/api/v1/t/mourao/persons",
        json={"given_names": "Ana", "family_names": "Nula"},
        headers={**caller.headers, "Idempotency-Key": "k\x00"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert_documented(app, response)
