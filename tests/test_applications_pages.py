"""Applications through the pages: a technician takes one in, submits and analyses it and
proposes the support; the decision maker decides; finance pays. Every role sees only the steps
it may take, a refused step says why, and nobody outside the council's staff reaches it."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from teia.applications.models import Application, ApplicationDocument, ApplicationEvent
from teia.applications.queries import HISTORY_ON_PAGE
from teia.audit.models import AuditEvent
from teia.cases.models import Case
from teia.cases.services import household_members
from teia.core.clock import today
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.regulations.workdays import add_working_days
from teia.tenants.models import Tenant
from tests.conftest import csrf_token

IBAN = "PT50000201231234567890154"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LISBON = "Europe/Lisbon"


def _page(c: FlaskClient, path: str) -> str:
    response = c.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def _new_person(c: FlaskClient, given: str, family: str, nif: str) -> int:
    html = _page(c, "/t/mourao/persons/new")
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html)
    assert key
    response = c.post(
        "/t/mourao/persons/new",
        data={
            "csrf_token": csrf_token(html),
            "submission_key": key[1],
            "given_names": given,
            "family_names": family,
            "birth_date": "1984-03-07",
            "nif": nif,
            "parish": "Luz",
            "address": "Rua Direita 5",
        },
    )
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _intake(c: FlaskClient, person_id: int, **extra: str) -> tuple[str, dict[str, str]]:
    """The intake page and the form as a family of two, 200 € a month, would fill it."""
    path = f"/t/mourao/applications/new?person_id={person_id}"
    html = _page(c, path)
    key = re.search(
        r'id="submission_key" name="submission_key" type="hidden" value="([^"]+)"', html
    )
    assert key, html
    data = {
        "csrf_token": csrf_token(html),
        "submission_key": key[1],
        "application_date": today(LISBON).isoformat(),
        "members-0-person_id": str(person_id),
        "members-0-name": "Maria da Conceição Guerreiro Lopes",
        "members-0-age": "41",
        "members-0-relationship": "representative",
        "members-1-name": "Tiago Guerreiro Lopes",
        "members-1-birth_date": "2017-05-02",
        "members-1-relationship": "child",
        "incomes-0-source": "dependent_work",
        "incomes-0-amount": "2 400,00",
        "incomes-0-period": "annual",
        "expenses-0-kind": "housing",
        "expenses-0-monthly_amount": "150",
        "residence_months": "36",
        "debts_to_council": "none",
        "items-0-support_type": "utilities",
        "items-0-description": "Faturas de eletricidade em atraso",
        "items-0-amount": "120,50",
        "payment_method": "bank_transfer",
        "iban": "PT50 0002 0123 1234 5678 9015 4",
    }
    data.update(extra)
    return path, data


def _step(c: FlaskClient, application_id: int, step: str, **fields: object):  # type: ignore[no-untyped-def]
    html = _page(c, f"/t/mourao/applications/{application_id}")
    data = {f"{step}-csrf_token": csrf_token(html)}
    data.update({f"{step}-{k}": v for k, v in fields.items()})  # type: ignore[misc]
    return c.post(f"/t/mourao/applications/{application_id}/steps/{step}", data=data)


def _documents(app: Flask, application_id: int) -> dict[str, int]:
    with app.app_context():
        mourao = db.session.scalar(select(Tenant.id).where(Tenant.slug == "mourao"))
        with tenant_scope(mourao):  # type: ignore[arg-type]
            rows = db.session.execute(
                select(ApplicationDocument.code, ApplicationDocument.id).where(
                    ApplicationDocument.application_id == application_id
                )
            ).all()
    return dict(rows)  # type: ignore[arg-type]


def _status(app: Flask, application_id: int) -> str:
    with app.app_context():
        mourao = db.session.scalar(select(Tenant.id).where(Tenant.slug == "mourao"))
        with tenant_scope(mourao):  # type: ignore[arg-type]
            return str(db.session.get(Application, application_id).status)  # type: ignore[union-attr]


def test_intake_to_payment_through_the_pages(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    tecnica = as_user("tecnica@mourao.demo")
    person_id = _new_person(tecnica, "Maria da Conceição", "Guerreiro Lopes", "123456789")
    assert "Nova candidatura" in _page(tecnica, f"/t/mourao/persons/{person_id}")

    # The intake: the household prefilled, the regulation's sources, expenses and types.
    path, data = _intake(tecnica, person_id)
    html = _page(tecnica, path)
    assert 'value="Maria da Conceição Guerreiro Lopes"' in html
    assert "Trabalho dependente" in html and "Habitação (renda ou prestação)" in html
    assert "Alojamento em situações de emergência social" in html
    assert "Regulamento em vigor" in html and "versão 2024" in html

    # A member without age or birth date, and no support chosen: said beside the fields.
    bad = {**data, "members-1-birth_date": "", "items-0-support_type": ""}
    response = tecnica.post(path, data=bad)
    assert response.status_code == 422
    assert "Indique a idade ou a data de nascimento." in response.text
    assert "Escolha pelo menos um tipo de apoio." in response.text
    assert 'aria-describedby="members-1-age-error"' in response.text
    # The service's refusal (an invalid IBAN) lands on its field.
    response = tecnica.post(path, data={**data, "iban": "PT50 0002 0123 1234 5678 9015 5"})
    assert response.status_code == 422 and "O IBAN não é válido." in response.text

    response = tecnica.post(path, data=data)
    assert response.status_code == 302, response.text
    again = tecnica.post(path, data=data)  # a double submit lands on the same application
    assert again.headers["Location"] == response.headers["Location"]
    application_id = int(response.headers["Location"].rsplit("/", 1)[1])
    show = f"/t/mourao/applications/{application_id}"
    html = _page(tecnica, show)
    assert "Rascunho" in html and "Tiago Guerreiro Lopes" in html
    assert "Comprovativo do IBAN do requerente" in html  # checklist from the regulation

    assert _step(tecnica, application_id, "submit").status_code == 302
    html = _page(tecnica, show)
    assert "Submetida" in html and "Rendimento per capita" in html  # the cited evaluation
    assert "4.º, h)" in html

    # An illegal transition: said clearly, nothing changes.
    response = _step(tecnica, application_id, "submit")
    assert response.status_code == 422
    assert "Não é possível submeter a candidatura" in response.text
    assert _status(app, application_id) == "submitted"
    # A step of another role: refused, with the reason.
    response = _step(tecnica, application_id, "decide", outcome="approved")
    assert response.status_code == 403
    assert "O seu papel no município não permite registar a deliberação." in response.text

    assert _step(tecnica, application_id, "start_analysis").status_code == 302
    for code, document_id in _documents(app, application_id).items():
        response = _step(
            tecnica,
            application_id,
            "upload_document",
            document_id=str(document_id),
            file=(io.BytesIO(PDF), f"{code}.pdf"),
        )
        assert response.status_code == 302, (code, response.text)
    refused = _step(
        tecnica,
        application_id,
        "upload_document",
        document_id=str(next(iter(_documents(app, application_id).values()))),
        file=(io.BytesIO(b"MZ\x90\x00"), "programa.exe"),
    )
    assert refused.status_code == 422
    assert "Só são aceites ficheiros PDF, PNG ou JPEG." in refused.text

    html = _page(tecnica, show)
    download = re.search(rf'href="({show}/documents/\d+)"', html)
    assert download
    file = tecnica.get(download[1])
    assert file.status_code == 200 and file.data == PDF

    response = _step(
        tecnica,
        application_id,
        "record_home_visit",
        visited_on=today(LISBON).isoformat(),
        findings="Habitação com contador de eletricidade cortado.",
        social_opinion="Parecer favorável ao apoio.",
    )
    assert response.status_code == 302, response.text
    response = _step(tecnica, application_id, "propose", note="Elegível; dentro dos limites.")
    assert response.status_code == 302, response.text
    assert _status(app, application_id) == "proposed"
    assert "Registar a deliberação" not in _page(tecnica, show)

    # The decision maker sees the deliberation form, and only that.
    decisao = as_user("decisao@mourao.demo")
    html = _page(decisao, show)
    assert "Registar a deliberação" in html
    assert "Juntar um documento" not in html and "Registar um pagamento" not in html
    assert decisao.get(path).status_code == 403  # no intake for the decision maker
    item = re.search(r'name="decide-amounts-0-item_id" type="hidden" value="(\d+)"', html)
    assert item, html
    response = _step(
        decisao,
        application_id,
        "decide",
        outcome="approved",
        decided_on=today(LISBON).isoformat(),
        reference="Deliberação n.º 45/2026",
        **{"amounts-0-item_id": item[1], "amounts-0-amount": "120,50"},
    )
    assert response.status_code == 302, response.text
    assert "Deliberação n.º 45/2026" in _page(decisao, show)

    # Finance pays by transfer to the IBAN given at intake.
    financas = as_user("financas@mourao.demo")
    html = _page(financas, show)
    assert "Registar um pagamento" in html and "Registar a deliberação" not in html
    assert 'value="120,50"' in html
    payment_item = re.search(
        r'<select id="record_payment-item_id" name="record_payment-item_id"><option value="(\d+)"',
        html,
    )
    assert payment_item, html
    response = _step(
        financas,
        application_id,
        "record_payment",
        item_id=payment_item[1],
        method="bank_transfer",
        iban=IBAN,
        amount="120,50",
        paid_on=today(LISBON).isoformat(),
    )
    assert response.status_code == 302, response.text
    assert _status(app, application_id) == "paid"
    html = _page(financas, show)
    assert "Paga" in html and "Pagamento registado." in html

    listing = _page(tecnica, "/t/mourao/applications?status=paid")
    assert "Maria da Conceição Guerreiro Lopes" in listing
    assert "Nenhuma candidatura." in _page(tecnica, "/t/mourao/applications?status=draft")
    assert "Maria da Conceição" in _page(tecnica, "/t/mourao/applications?support_type=utilities")
    assert "Maria da Conceição" in _page(tecnica, "/t/mourao/applications?q=guerreiro maria")
    assert "Nenhuma candidatura." in _page(tecnica, "/t/mourao/applications?q=Zacarias")
    elder = _page(tecnica, "/t/mourao/applications?q=Caeiro")  # the demo's other applicant
    assert "Manuel Caeiro Valente" in elder and "Maria da Conceição" not in elder
    assert "Nenhuma candidatura." in _page(tecnica, "/t/mourao/applications?support_type=lodging")

    # Signs of undeclared wealth: the support ceases and must be given back (art. 18.º, d)).
    today_ = today(LISBON).isoformat()
    response = _step(
        decisao, application_id, "cease", cause="undeclared_wealth", ceased_on=today_, reason="x"
    )
    assert response.status_code == 422
    assert "Esta causa implica a devolução do apoio: indique o montante (art. 18.º, d))." in (
        response.text
    )
    response = _step(
        decisao,
        application_id,
        "cease",
        cause="undeclared_wealth",
        ceased_on=today_,
        reason="Conta bancária não declarada.",
        refund_amount="120,50",
    )
    assert response.status_code == 302, response.text
    assert _step(financas, application_id, "record_refund", refunded_on=today_).status_code == 302
    html = _page(financas, show)
    assert "Apoio cessado" in html and "Devolução recebida" in html


def test_outsiders_reach_no_application(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    tecnica = as_user("tecnica@mourao.demo")
    person_id = _new_person(tecnica, "Joaquim", "Caeiro", "287654320")
    path, data = _intake(tecnica, person_id)
    response = tecnica.post(path, data=data)
    assert response.status_code == 302, response.text
    show = response.headers["Location"]
    assert show.startswith("/t/mourao/applications/")

    reguengos = as_user("gestor@reguengos-de-monsaraz.demo")
    assert reguengos.get(show).status_code == 404
    assert reguengos.get(f"{show}/history").status_code == 404
    assert reguengos.get("/t/mourao/applications").status_code == 404
    for partner in ("ipss@mourao.demo", "saude@mourao.demo"):
        c = as_user(partner)
        assert c.get("/t/mourao/applications").status_code == 404
        assert c.get(show).status_code == 404
        assert c.get(f"{show}/history").status_code == 404
        assert c.get(path).status_code == 404
        assert "Candidaturas" not in c.get("/t/mourao/").text
    # Staff find it in the navigation, and start one from a case with its household.
    assert 'href="/t/mourao/applications"' in _page(tecnica, "/t/mourao/")
    with app.app_context():
        mourao = db.session.scalar(select(Tenant.id).where(Tenant.slug == "mourao"))
        with tenant_scope(mourao):  # type: ignore[arg-type]
            case = db.session.scalar(select(Case).where(Case.number.endswith("/0001")))
            assert case is not None
            case_id, number, members = (
                case.id,
                case.number,
                len(household_members(db.session, case)),
            )
    intake = f"/t/mourao/applications/new?case_id={case_id}"
    assert f'href="{intake}"' in _page(tecnica, f"/t/mourao/cases/{case_id}")
    html = _page(tecnica, intake)
    assert f"Processo {number}" in html
    assert len(re.findall(r'-person_id" type="hidden" value="\d+"', html)) == members


def _submitted(c: FlaskClient, person_id: int, **extra: str) -> int:
    path, data = _intake(c, person_id, **extra)
    response = c.post(path, data=data)
    assert response.status_code == 302, response.text
    application_id = int(response.headers["Location"].rsplit("/", 1)[1])
    for step in ("submit", "start_analysis"):
        assert _step(c, application_id, step).status_code == 302
    return application_id


def test_notice_waiver_and_withdrawal(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    tecnica = as_user("tecnica@mourao.demo")
    person_id = _new_person(tecnica, "Rosa Maria", "Pinto Serrano", "234567902")
    # Six months in Mourão (12 required), after an eviction: a social emergency.
    application_id = _submitted(tecnica, person_id, residence_months="6", social_emergency="y")
    show = f"/t/mourao/applications/{application_id}"
    documents = _documents(app, application_id)

    notified = today(LISBON)
    response = _step(
        tecnica,
        application_id,
        "request_documents",
        codes="income_proof",
        notified_on=notified.isoformat(),
        note="Falta o comprovativo dos rendimentos.",
    )
    assert response.status_code == 302, response.text
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "mourao"))
        due = add_working_days(tenant, notified, 10)  # type: ignore[arg-type]
    html = _page(tecnica, show)
    assert "Notificação de documentos em falta" in html
    assert f"prazo para regularizar até {due:%d/%m/%Y} (10 dias úteis, art. 12.º, n.º 1)" in html
    # Exclusion only after the deadline: refused, the reason beside the form.
    response = _step(tecnica, application_id, "propose_exclusion", cause="not_regularised")
    assert response.status_code == 422
    assert f"O prazo para regularizar só termina a {due:%d/%m/%Y}" in response.text
    assert _status(app, application_id) == "awaiting_documents"

    # The residence condition waived under art. 8.º, e), with its justification.
    response = _step(
        tecnica, application_id, "record_waiver", condition="residence", justification=""
    )
    assert response.status_code == 422 and "Preencha este campo." in response.text
    response = _step(
        tecnica,
        application_id,
        "record_waiver",
        condition="residence",
        justification="Despejada há duas semanas; sem outra resposta no concelho.",
    )
    assert response.status_code == 302, response.text
    html = _page(tecnica, show)
    assert "Condições dispensadas" in html
    assert "Despejada há duas semanas; sem outra resposta no concelho." in html
    assert "Dispensada" in html  # in the evaluation

    response = _step(tecnica, application_id, "regularise_documents")
    assert response.status_code == 422
    assert "Faltam ainda documentos pedidos: income_proof." in response.text
    response = _step(
        tecnica,
        application_id,
        "upload_document",
        document_id=str(documents["income_proof"]),
        file=(io.BytesIO(PDF), "irs.pdf"),
    )
    assert response.status_code == 302
    response = _step(
        tecnica,
        application_id,
        "review_document",
        document_id=str(documents["income_proof"]),
        accepted="1",
    )
    assert response.status_code == 302, response.text
    assert _step(tecnica, application_id, "regularise_documents").status_code == 302
    assert _status(app, application_id) == "in_analysis"
    assert "Candidatura regularizada" in _page(tecnica, show)

    response = _step(tecnica, application_id, "withdraw", reason="Encontrou trabalho.")
    assert response.status_code == 302
    html = _page(tecnica, show)
    assert "Desistência" in html and "Encontrou trabalho." in html
    assert "Passos seguintes" not in html  # nothing left to do


def test_pages_take_a_constant_number_of_statements(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    tecnica = as_user("tecnica@mourao.demo")
    small = _submitted(tecnica, _new_person(tecnica, "Paulo", "Lince", "234567910"))
    counts = {}
    for path in (f"/t/mourao/applications/{small}", "/t/mourao/applications"):
        counts[path] = tecnica.get(path).headers["X-SQL-Statements"]
    person_id = _new_person(tecnica, "Marta", "Raposo Bicho", "234567929")
    larger = _submitted(
        tecnica,
        person_id,
        **{
            "members-2-name": "Avó Raposo",
            "members-2-age": "80",
            "members-2-relationship": "grandparent",
            "expenses-1-kind": "health",
            "expenses-1-monthly_amount": "40",
            "items-1-support_type": "medicines",
            "items-1-quote_1": "35",
            "items-1-quote_2": "30",
            "items-2-support_type": "lodging",
            "items-2-amount": "90",
            "items-2-units": "2",
        },
    )
    _step(
        tecnica,
        larger,
        "record_home_visit",
        visited_on=today(LISBON).isoformat(),
        findings="Casa fria.",
        social_opinion="Favorável.",
    )
    for code, document_id in list(_documents(app, larger).items())[:3]:
        _step(
            tecnica,
            larger,
            "upload_document",
            document_id=str(document_id),
            file=(io.BytesIO(PDF), f"{code}.pdf"),
        )
    assert (
        tecnica.get(f"/t/mourao/applications/{larger}").headers["X-SQL-Statements"]
        == (counts[f"/t/mourao/applications/{small}"])
    )
    assert (
        tecnica.get("/t/mourao/applications").headers["X-SQL-Statements"]
        == (counts["/t/mourao/applications"])
    )


def test_the_page_shows_the_latest_history_and_links_to_the_whole(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    tecnica = as_user("tecnica@mourao.demo")
    application_id = _submitted(tecnica, _new_person(tecnica, "Rui", "Lontra", "234567937"))
    show = f"/t/mourao/applications/{application_id}"
    assert "Ver o histórico completo" not in _page(tecnica, show)
    for n in range(HISTORY_ON_PAGE):
        visit = _step(
            tecnica,
            application_id,
            "record_home_visit",
            visited_on=today(LISBON).isoformat(),
            findings=f"Visita número {n}.",
            social_opinion="Favorável.",
        )
        assert visit.status_code == 302, visit.text
    html = _page(tecnica, show)
    assert html.count('<li class="card">') == HISTORY_ON_PAGE
    assert "Ver o histórico completo" in html
    with app.app_context():
        mourao = db.session.scalar(select(Tenant.id).where(Tenant.slug == "mourao"))
        with tenant_scope(mourao):  # type: ignore[arg-type]
            total = db.session.scalar(
                select(func.count())
                .select_from(ApplicationEvent)
                .where(ApplicationEvent.application_id == application_id)
            )
    assert total is not None and total > HISTORY_ON_PAGE
    whole = _page(tecnica, f"{show}/history")
    assert whole.count('<li class="card">') == total
    assert whole.index("Visita domiciliária e parecer social") < whole.index(
        "Candidatura submetida"
    )  # newest first
    with app.app_context(), tenant_scope(mourao):  # type: ignore[arg-type]
        purposes = db.session.scalars(
            select(AuditEvent.purpose).where(
                AuditEvent.action == "application.read",
                AuditEvent.object_id == str(application_id),
            )
        ).all()
    assert "Consulta do histórico da candidatura" in purposes
