"""Regulation pages: versions, a version by article, comparisons and the simulator (which saves
nothing), for every member of a council's staff; partners 403; other councils 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import func, select

from teia.core.db import db
from teia.models import Base
from teia.regulations.views import euros
from tests.conftest import csrf_token

PAGES = "/t/mourao/regulations"


def household_form(token: str, **extra: str) -> dict[str, str | list[str]]:
    """A couple with a child, 700 €/month of wages, 150 € rent, asking for 200 € of rent."""
    form: dict[str, str | list[str]] = {
        "csrf_token": token,
        "on": "2026-03-02",
        "member-1-age": "40",
        "member-1-relationship": "representative",
        "member-2-age": "38",
        "member-2-relationship": "spouse",
        "member-3-age": "9",
        "member-3-relationship": "child",
        "applicant": "1",
        "income-1-source": "dependent_work",
        "income-1-amount": "700,00",
        "income-1-period": "monthly",
        "expense-1-kind": "housing",
        "expense-1-monthly_amount": "150",
        "residence_months": "30",
        "debts_to_council": "none",
        "other_support_same_purpose": "no",
        "item-1-support_type": "housing",
        "item-1-amount": "200",
        "payment_method": "bank_transfer",
        "evidence": ["residence_certificate", "income_proof", "housing_receipt"],
    }
    form.update(extra)
    return form


@pytest.mark.parametrize(
    "email",
    [
        "tecnica@mourao.demo",
        "gestora@mourao.demo",
        "coordenacao@mourao.demo",
        "decisao@mourao.demo",
        "financas@mourao.demo",
    ],
)
def test_every_staff_role_reads_the_regulation(as_user, email: str) -> None:  # type: ignore[no-untyped-def]
    c = as_user(email)
    index = c.get(PAGES)
    assert index.status_code == 200
    assert "2024-04-02" in index.text and "em vigor" in index.text
    assert "Portaria n.º 424/2023" in index.text  # the reference values and their source
    version = c.get(f"{PAGES}/2024-04-02")
    assert version.status_code == 200
    text = version.text
    # Article by article, with the article each rule rests on and the documented choices.
    assert "Artigo 8.º — Condições de acesso" in text
    assert "pelo menos 12 meses de residência no concelho" in text and "(8.º, a))" in text
    assert "dispensável em emergência social (8.º, e))" in text
    assert "máximo 3 noites" in text
    assert "Escolhas documentadas" in text and ">escolha<" in text
    assert "10 dias úteis" in text and "30 dias úteis" in text
    assert "Transferência bancária, Numerário, Pagamento direto ao fornecedor" in text
    assert c.get(f"{PAGES}/simulate").status_code == 200


def test_the_version_is_also_reached_by_id_and_unknown_ones_are_404(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("tecnica@mourao.demo")
    assert c.get(f"{PAGES}/1999-01-01").status_code == 404
    assert c.get(f"{PAGES}/not-a-date").status_code == 404


@pytest.mark.parametrize("email", ["ipss@mourao.demo", "saude@mourao.demo"])
def test_partners_get_403(as_user, email: str) -> None:  # type: ignore[no-untyped-def]
    c = as_user(email)
    for path in (PAGES, f"{PAGES}/2024-04-02", f"{PAGES}/simulate", f"{PAGES}/compare"):
        assert c.get(path).status_code == 403, path


def test_another_councils_member_gets_404(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestor@reguengos-de-monsaraz.demo")
    for path in (PAGES, f"{PAGES}/2024-04-02", f"{PAGES}/simulate", f"{PAGES}/compare"):
        assert c.get(path).status_code == 404, path


def _row_counts() -> dict[str, int]:
    """Every table's rows, counted on the connection (below the ORM's tenant filter)."""
    connection = db.session.connection()
    return {
        name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in Base.metadata.tables.items()
    }


def test_the_simulator_gives_a_cited_result_and_saves_nothing(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("tecnica@mourao.demo")
    token = csrf_token(c.get(f"{PAGES}/simulate").text)
    with app.app_context():
        before = _row_counts()
    response = c.post(f"{PAGES}/simulate", data=household_form(token))
    assert response.status_code == 200, response.text
    text = response.text
    # (8400 - 1800) / (12 * 3) = 183.33 <= the 2026 social pension: eligible.
    assert "Elegível" in text
    assert "183,33" in text
    assert "(4.º, h))" in text  # the threshold's article
    assert "8.º, a)" in text and "Cumprida" in text
    assert "5.º, b)" in text  # the support type's article
    assert "Comprovativo do IBAN do requerente" in text  # the checklist, by payment method
    with app.app_context():
        assert _row_counts() == before


def test_one_cent_over_the_threshold_fails_with_the_article(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("tecnica@mourao.demo")
    token = csrf_token(c.get(f"{PAGES}/simulate").text)
    # One adult, no expenses: 12 * 258.71 a year is one cent a month over the 2026 value.
    form = {
        "csrf_token": token,
        "on": "2026-03-02",
        "member-1-age": "50",
        "member-1-relationship": "representative",
        "income-1-source": "pensions",
        "income-1-amount": "258,71",
        "income-1-period": "monthly",
        "residence_months": "30",
        "debts_to_council": "none",
        "other_support_same_purpose": "no",
        "item-1-support_type": "utilities",
        "item-1-amount": "50",
        "evidence": ["residence_certificate", "income_proof"],
    }
    text = c.post(f"{PAGES}/simulate", data=form).text
    assert "Não elegível" in text and "acima do limiar" in text and "4.º, h)" in text
    form["income-1-amount"] = "258,70"
    assert "Não elegível" not in c.post(f"{PAGES}/simulate", data=form).text


def test_a_residence_waiver_is_shown_with_its_justification(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("tecnica@mourao.demo")
    token = csrf_token(c.get(f"{PAGES}/simulate").text)
    form = household_form(
        token,
        residence_months="3",
        social_emergency="1",
        **{"waive-residence": "1", "waiver-residence": "Família desalojada por incêndio."},
    )
    text = c.post(f"{PAGES}/simulate", data=form).text
    assert "Dispensada" in text and "8.º, e)" in text
    assert "Família desalojada por incêndio." in text


def test_bad_fields_are_named_next_to_their_inputs(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("tecnica@mourao.demo")
    token = csrf_token(c.get(f"{PAGES}/simulate").text)
    form = household_form(token, **{"member-2-age": "abc", "income-1-amount": "-5"})
    response = c.post(f"{PAGES}/simulate", data=form)
    assert response.status_code == 422
    assert 'id="member-2-age" name="member-2-age" aria-invalid="true"' in response.text
    assert 'aria-describedby="member-2-age-error"' in response.text
    assert 'id="income-1-amount-error"' in response.text
    empty = c.post(f"{PAGES}/simulate", data={"csrf_token": token})
    assert empty.status_code == 422 and "pelo menos um membro" in empty.text


def test_comparing_two_councils_of_a_consortium(as_user) -> None:  # type: ignore[no-untyped-def]
    coordinator = as_user("coordenacao@cimac.demo")
    response = coordinator.get("/c/cimac/regulations/compare?a=mourao&b=reguengos-de-monsaraz")
    assert response.status_code == 200
    assert "Mourão" in response.text and "Reguengos de Monsaraz" in response.text
    assert "Condições de acesso" in response.text and "difere" in response.text
    before = coordinator.get("/c/cimac/regulations/compare?a=mourao&b=portel&on=2023-06-01")
    assert "Portel não tem regulamento em vigor a 01/06/2023" in before.text
    # A council's staff compares its council with another council of its consortium.
    staff = as_user("gestora@mourao.demo")
    page = staff.get(f"{PAGES}/compare-councils?other=portel")
    assert page.status_code == 200 and "Portel" in page.text
    assert staff.get(f"{PAGES}/compare-councils?other=evora").status_code == 404
    # The consortium's page is for its coordinators only.
    assert staff.get("/c/cimac/regulations/compare").status_code == 404


def test_comparing_two_versions_of_the_council(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    response = c.get(f"{PAGES}/compare?a=2023-03-01&b=2024-04-02")
    assert response.status_code == 200
    text = response.text
    assert "versão 2023, desde 01/03/2023" in text and "versão 2024, desde 02/04/2024" in text
    # The 2024 amendment added transport and education (art. 5.º, h) and i)).
    assert "Despesas com transportes mensais" in text and "não prevê" in text
    assert c.get(f"{PAGES}/compare?a=2023-03-01&b=1999-01-01").status_code == 404
    old = c.get(f"{PAGES}/2023-03-01").text
    assert "substituída a 02/04/2024" in old and "em vigor</span>" not in old


@pytest.mark.parametrize("locale", ["pt_PT", "pt_BR"])
def test_amounts_read_as_babel_writes_them(app: Flask, locale: str) -> None:
    """The pages' cheap money filter agrees with Babel's formatting in each locale."""
    values = ["0", "0.5", "5.50", "999.99", "1234.5", "12345.67", "1000000", "-1234567.89"]
    with app.test_request_context(), force_locale(locale):
        for value in values:
            expected = format_decimal(Decimal(value), format="#,##0.00", locale=locale)
            assert euros(value) == expected + "\N{NO-BREAK SPACE}€"
        assert euros(None) == euros("") == "—"
