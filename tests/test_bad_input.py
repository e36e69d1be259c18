"""Input no row can hold is refused at the edge, on the pages as on the API: an id past the
largest integer is a missing thing (404), a NUL character is a clear 400. On PostgreSQL
either used to reach the database and fail there (500)."""

from __future__ import annotations

from tests.conftest import csrf_token

HUGE = "99999999999999999999"


def test_an_id_past_any_row_is_not_found(as_user) -> None:  # type: ignore[no-untyped-def]
    gestora = as_user("gestora@mourao.demo")
    for path in (
        f"/t/mourao/cases/{HUGE}",
        f"/t/mourao/persons/{HUGE}",
        f"/t/mourao/applications/{HUGE}",
        f"/api/v1/t/mourao/cases/{HUGE}",
        "/t/mourao/cases/2147483648",
    ):
        assert gestora.get(path).status_code == 404, path
    assert gestora.get("/t/mourao/cases/2147483647").status_code == 404  # in range, absent


def test_a_nul_character_is_refused_with_a_reason(as_user) -> None:  # type: ignore[no-untyped-def]
    gestora = as_user("gestora@mourao.demo")
    for path in ("/t/mourao/persons?q=a%00b", "/t/mour%00ao/", "/api/v1/t/mour%00ao/cases"):
        response = gestora.get(path)
        assert response.status_code == 400, path
        message = response.get_json()["message"] if response.is_json else response.text
        assert "carácter nulo" in message, path
    page = gestora.get("/t/mourao/persons/new")
    assert page.status_code == 200
    response = gestora.post(
        "/t/mourao/persons/new",
        data={"csrf_token": csrf_token(page.text), "given_names": "Ana\x00", "family_names": "X"},
    )
    assert response.status_code == 400
    assert "carácter nulo" in response.text
    # The API still names the field of a JSON body.
    answer = gestora.get("/api/v1/t/mourao/persons?q=a%00b", headers={"Accept": "application/json"})
    assert answer.status_code == 422
