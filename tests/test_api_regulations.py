"""Regulations through the JSON API: versions, one version as loaded, and the simulator, with
every answer validated against the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token
from tests.test_openapi import assert_documented

API = "/api/v1/t/mourao/regulations"


def body(**household: Any) -> dict[str, Any]:
    """One adult with 200 €/month of pension asking for 3 nights of lodging at 45 € a night."""
    return {
        "household": {
            "members": [{"age": 67, "relationship": "representative", "applicant": True}],
            "incomes": [{"source": "pensions", "amount": "200.00", "period": "monthly"}],
            "residence_months": 40,
            "debts_to_council": "none",
            "other_support_same_purpose": False,
            **household,
        },
        "request": {
            "items": [{"support_type": "lodging", "amount": "180.00", "units": 4}],
            "evidence": ["residence_certificate", "income_proof"],
        },
        "on": "2026-03-02",
    }


def post(app: Flask, c: FlaskClient, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    token = csrf_token(c.get("/t/mourao/").text)
    response = c.post(f"{API}/simulate", json=data, headers={"X-CSRFToken": token})
    assert_documented(app, response)
    return response


def test_versions_latest_first_with_the_one_in_force(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("tecnica@mourao.demo")
    response = c.get(API)
    assert response.status_code == 200
    assert_documented(app, response)
    versions = response.get_json()["versions"]
    dates = [v["effective_from"] for v in versions]
    assert dates == sorted(dates, reverse=True) and "2024-04-02" in dates
    [current] = [v for v in versions if v["in_force"]]
    assert current["effective_from"] == max(dates)
    assert current["publication"]["number"] == "64"


def test_one_version_by_date_or_id(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("financas@mourao.demo")
    by_date = c.get(f"{API}/2024-04-02")
    assert by_date.status_code == 200
    assert_documented(app, by_date)
    version = by_date.get_json()
    assert version["document"]["threshold"]["rule"] == "<= social_pension"
    assert version["document"]["council"] == "mourao"
    by_id = c.get(f"{API}/{version['id']}")
    assert by_id.get_json()["effective_from"] == "2024-04-02"
    missing = c.get(f"{API}/1999-01-01")
    assert missing.status_code == 404
    assert_documented(app, missing)


def test_simulate_answers_the_cited_evaluation_and_the_documents(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    response = post(app, as_user("tecnica@mourao.demo"), body())
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    evaluation = answer["evaluation"]
    assert answer["version"]["effective_from"] == "2024-04-02"
    assert evaluation["outcome"] == "eligible"
    assert evaluation["per_capita"]["value"] == "200.00"
    assert evaluation["threshold"]["article"] == "4.º, h)"
    [lodging] = evaluation["items"]
    # Art. 5.º, f): at most 3 nights, whatever was asked.
    assert lodging["units_allowed"] == 3 and lodging["bound_by"]["code"] == "max_units"
    assert lodging["bound_by"]["article"] == "5.º, f)"
    assert {c["id"]: c["article"] for c in evaluation["conditions"]}["residence"] == "8.º, a)"
    codes = {d["code"] for d in answer["documents"]}
    assert {"websiss_form", "income_proof", "residence_certificate"} <= codes


def test_the_same_household_in_reguengos_gets_its_own_rules(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestor@reguengos-de-monsaraz.demo")
    token = csrf_token(c.get("/t/reguengos-de-monsaraz/").text)
    data = body()
    data["request"]["items"] = [{"support_type": "lodging", "amount": "180.00", "units": 4}]
    response = c.post(
        "/api/v1/t/reguengos-de-monsaraz/regulations/simulate",
        json=data,
        headers={"X-CSRFToken": token},
    )
    assert_documented(app, response)
    evaluation = response.get_json()["evaluation"]
    assert evaluation["council"] == "reguengos-de-monsaraz"
    assert evaluation["threshold"]["article"] != "4.º, h)"


def test_a_date_before_any_version_is_refused(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    data = body()
    data["on"] = "2001-01-01"
    response = post(app, as_user("tecnica@mourao.demo"), data)
    assert response.status_code == 422
    assert "Não há regulamento em vigor" in response.get_json()["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"members": []}, "household.members"),
        ({"residence_months": -1}, "household.residence_months"),
        ({"debts_to_council": "maybe"}, "household.debts_to_council"),
        ({"incomes": [{"source": "pensions", "amount": "1.234"}]}, "household.incomes.0.amount"),
    ],
)
def test_invalid_bodies_name_the_field(app: Flask, as_user, change, field: str) -> None:  # type: ignore[no-untyped-def]
    response = post(app, as_user("tecnica@mourao.demo"), body(**change))
    assert response.status_code == 422
    assert field in {e["field"] for e in response.get_json()["errors"]}


def test_partners_get_403_and_other_councils_404(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    partner = as_user("ipss@mourao.demo")
    response = partner.get(API)
    assert response.status_code == 403
    assert_documented(app, response)
    assert post(app, partner, body()).status_code == 403
    foreign = as_user("gestor@reguengos-de-monsaraz.demo")
    assert foreign.get(API).status_code == 404
    assert foreign.get(f"{API}/2024-04-02").status_code == 404
