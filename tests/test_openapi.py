"""The OpenAPI document: every API route and method in it, public, with its security, and the
answers the application gives are the ones it documents."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from teia.core.openapi import (
    OpenApiDocument,
    api_rules,
    build_document,
    documented,
    openapi_path,
    operation_of,
)
from teia.oauth.scopes import Scope


@cache
def _document(app: Flask) -> dict[str, Any]:
    return build_document(app)


def assert_documented(app: Flask, response: TestResponse) -> None:
    """The answer's status is one the document lists for its route and method, and its body
    validates (strictly, unknown keys refused) against the model behind that schema."""
    request = response.request
    rule, _args = app.url_map.bind("teia.test").match(
        request.path, request.method, return_rule=True
    )
    operation = operation_of(app.view_functions[rule.endpoint])
    assert operation is not None, rule.endpoint
    documented = _document(app)["paths"][openapi_path(rule.rule)][request.method.lower()]
    status = response.status_code
    assert str(status) in documented["responses"], (request.method, request.path, status)
    model = operation.model_for(status)
    if model is None:  # a file: of a media type the document lists for it
        assert response.mimetype in documented["responses"][str(status)]["content"]
        return
    model.model_validate_json(response.data, strict=True)


def test_the_document_is_public_and_lists_every_api_route_and_method(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert_documented(app, response)
    doc = response.get_json()
    assert doc["openapi"] == "3.1.0"
    expected = {
        (openapi_path(rule.rule), method.lower())
        for rule in api_rules(app)
        for method in rule.methods - {"HEAD", "OPTIONS"}  # type: ignore[operator]
    }
    listed = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert listed == expected
    assert len(expected) >= 20
    operation_ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    for path, ops in doc["paths"].items():
        for op in ops.values():
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path
            assert op["summary"] and op["tags"] and op["responses"]


def test_every_reference_resolves(app: Flask) -> None:
    doc = build_document(app)
    refs = set(re.findall(r'"\$ref": "([^"]+)"', json.dumps(doc)))
    assert refs
    for ref in refs:
        prefix, name = ref.rsplit("/", 1)
        assert prefix == "#/components/schemas" and name in doc["components"]["schemas"], ref


def test_session_with_csrf_on_writes_or_a_token_with_the_operations_scope(app: Flask) -> None:
    doc = build_document(app)
    schemes = doc["components"]["securitySchemes"]
    assert (schemes["session"]["in"], schemes["session"]["name"]) == ("cookie", "teia_session")
    assert (schemes["csrf"]["in"], schemes["csrf"]["name"]) == ("header", "X-CSRFToken")
    flow = schemes["oauth2"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/oauth/token"
    assert set(flow["scopes"]) == {s.value for s in Scope}
    assert (schemes["bearer"]["type"], schemes["bearer"]["scheme"]) == ("http", "bearer")
    for rule in api_rules(app):
        operation = operation_of(app.view_functions[rule.endpoint])
        assert operation is not None
        path = openapi_path(rule.rule)
        for method in {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}:  # type: ignore[operator]
            op = doc["paths"][path][method]
            if path == "/api/v1/openapi.json":
                assert op["security"] == [] and "401" not in op["responses"]
                continue
            scopes = [operation.scope] if operation.scope else []
            session = {"session": [], "csrf": []} if method != "get" else {"session": []}
            assert op["security"] == [session, {"oauth2": scopes}, {"bearer": scopes}], path
            assert {"400", "401"} <= op["responses"].keys(), path
            if method != "get":
                assert "422" in op["responses"], path
            if scopes:
                assert "403" in op["responses"], path


def test_every_operation_declares_its_scope(app: Flask) -> None:
    """Identity questions (who am I, my council) take any token; everything else one scope."""
    doc = build_document(app)
    declared = {
        (path, method): op["security"][1]["oauth2"]
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if op["security"]
    }
    any_token = {path for (path, _m), scopes in declared.items() if not scopes}
    assert any_token == {"/api/v1/me", "/api/v1/t/{tenant}/"}
    assert declared[("/api/v1/t/{tenant}/referrals", "get")] == ["referrals:read"]
    assert declared[("/api/v1/t/{tenant}/plan-actions/{action_id}", "patch")] == [
        "plan-actions:write"
    ]
    assert declared[("/api/v1/t/{tenant}/cases", "get")] == ["cases:read"]
    assert declared[("/api/v1/t/{tenant}/persons", "post")] == ["persons:write"]
    with pytest.raises(ValueError, match="unknown scope"):
        documented("x", tags=["x"], response=OpenApiDocument, scope="cases:everything")


def test_query_models_are_spelled_out_as_parameters(app: Flask) -> None:
    doc = build_document(app)
    params = doc["paths"]["/api/v1/t/{tenant}/cases"]["get"]["parameters"]
    query = {p["name"]: p for p in params if p["in"] == "query"}
    assert set(query) == {"status", "area", "manager_id", "q", "page"}
    assert query["status"]["schema"]["$ref"] == "#/components/schemas/CaseStatus"
    assert not any(p["required"] for p in query.values())
    assert "CaseQuery" not in doc["components"]["schemas"]
    creates = doc["paths"]["/api/v1/t/{tenant}/persons"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in creates["parameters"]]
    assert {"200", "201", "409"} <= creates["responses"].keys()


def test_errors_have_the_documented_shape(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/api/v1/t/mourao/cases", "/api/v1/me"):
        response = client.get(path)
        assert response.status_code == 401
        assert_documented(app, response)


def test_an_undocumented_api_route_is_an_error() -> None:
    bare = Flask("bare")
    bare.add_url_rule("/api/v1/hidden", "hidden", lambda: "")
    with pytest.raises(LookupError, match="hidden"):
        build_document(bare)
