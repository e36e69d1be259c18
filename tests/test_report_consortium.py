"""The consortium report: its member councils side by side, each column counted in that
council's scope; counts of 1 to 4 people shown as "<5" (0 and 5 or more shown), the figures
resting on them hidden with them, and a second cell hidden ("…") wherever a sum would give a
"<5" away (a council's people by age band, its applications by status, the consortium's
totals); counts of staff shown whole; the regulations' thresholds council by council; and
every consortium report page or API answer out of reach (404) of anyone but the consortium's
coordinators."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.accounts.models import Membership, Role, User
from teia.applications.labels import APPLICATION_STATUS
from teia.applications.models import ApplicationStatus, DecisionOutcome
from teia.cases.models import Case
from teia.core.db import db
from teia.core.security import hash_password
from teia.core.tenancy import tenant_scope
from teia.people.services import PersonData, create_person
from teia.regulations import services as regulations
from teia.regulations.rules import describe
from teia.reports.consortium import CONCEALED, consortium_report
from teia.reports.figures import SUPPRESSED, Report, Table
from teia.tenants.models import Organization, Tenant
from teia.tenants.services import council_organization_slug
from tests import case_factories as cf
from tests import report_factories as rf
from tests import shelter_factories as sf
from tests.conftest import DEMO_PASSWORD, csrf_token

START, END = date(2019, 5, 1), date(2019, 5, 31)
MANAGERS = {
    "mourao": "gestora@mourao.demo",
    "portel": "gestora@portel.demo",
    "reguengos-de-monsaraz": "gestor@reguengos-de-monsaraz.demo",
}
NAMES = ["Mourão", "Portel", "Reguengos de Monsaraz"]  # the columns, by name
KID, ADULT, FORTY, ELDER = date(2010, 1, 1), date(1989, 1, 1), date(1979, 1, 1), date(1949, 1, 1)


def _user(email: str) -> int:
    found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


def _household(tenant: int, slug: str, n: int, born: date, *others: date) -> Case:
    """A case opened in the period for a new household: its representative born ``born``
    and members born ``others``; Mourão's in two areas, the others' in one."""
    case = sf.council_case(tenant, MANAGERS[slug], "Pessoa", f"Consórcio {n}", birth_date=born)
    case.opened_on = START + timedelta(days=n)
    if slug == "mourao":
        case.areas = ["housing", "family"]
    for i, day in enumerate(others):
        person, _created = create_person(
            db.session,
            PersonData(given_names="Membro", family_names=f"Consórcio {n}-{i}", birth_date=day),
            actor_id=_user(MANAGERS[slug]),
        )
        rf.member(case.household_id, person.id)
    return case


def _seed(w: sf.Cimac) -> None:
    """Mourão: 3 households (15 people: 2 children, 6 aged 25 to 44, 7 over 64), 6 applications
    (5 approved, 1 submitted; 3 paid for two support types each), 4 referrals, 1 stay ended in
    May. Portel: 5 households of one adult, 2 applications, 6 referrals, 5 stays ended in May.
    Reguengos: nothing in May."""
    scm = db.session.scalar(select(Organization.id).where(Organization.slug == "scm-mourao"))
    assert scm is not None
    home = sf.unit(
        w.portel, w.operator, name="Casa P", places={"adolescents": 8}, pools=(w.consortium,)
    )
    with tenant_scope(w.mourao):
        cases = [
            _household(w.mourao, "mourao", 0, ADULT, KID, KID, ADULT, ADULT),
            _household(w.mourao, "mourao", 1, ADULT, FORTY, FORTY),
            _household(w.mourao, "mourao", 2, ELDER, *[ELDER] * 6),
        ]
        technician = _user("tecnica@mourao.demo")
        for i in range(6):
            status = ApplicationStatus.APPROVED if i < 5 else ApplicationStatus.SUBMITTED
            items = [("utilities", "100.00", "80.00"), ("medicines", "20.00", "20.00")]
            if i == 5:
                items = [("utilities", "100.00", None)]
            app = rf.application(
                cases[i % 3], technician, START + timedelta(days=i), status, *items
            )
            if i < 5:
                rf.decide(app, DecisionOutcome.APPROVED, START + timedelta(days=2 * i + 1))
            if i < 3:
                rf.pay(app, 0, "80.00", END)
                rf.pay(app, 1, "20.00", END)
        for i in range(4):
            rf.referral(cases[0], scm, datetime.combine(START + timedelta(days=i), time(10)))
        sf.indicator_stay(
            w.consortium,
            w.mourao,
            home,
            manager=_user(MANAGERS["mourao"]),
            admitted_on=date(2019, 4, 1),
            ended_on=date(2019, 5, 20),
        )
    with tenant_scope(w.portel):
        cases = [_household(w.portel, "portel", i, ADULT) for i in range(5)]
        technician = _user("gestora@portel.demo")
        for i in range(2):
            rf.application(
                cases[i],
                technician,
                START,
                ApplicationStatus.SUBMITTED,
                ("utilities", "50.00", None),
            )
        for i in range(6):
            rf.referral(cases[i % 5], scm, datetime.combine(END, time(9)))
        for _i in range(5):
            sf.indicator_stay(
                w.consortium,
                w.portel,
                home,
                manager=_user(MANAGERS["portel"]),
                admitted_on=date(2019, 4, 1),
                ended_on=date(2019, 5, 20),
            )
    db.session.flush()


def _report(app: Flask) -> tuple[Report, sf.Cimac]:
    with app.test_request_context():
        w = sf.Cimac.load()
        _seed(w)
        return consortium_report(db.session, w.consortium, START, END), w


def _rows(table: Table) -> dict[str, list[object]]:
    return {str(row[0]): row[1:] for row in table.rows}


def test_every_member_has_its_column(app: Flask) -> None:
    report, _w = _report(app)
    for section in report.sections:
        for table in section.tables:
            extra = [] if table.code == "regulation_thresholds" else ["Consórcio"]
            assert table.columns[1:] == NAMES + extra, table.code
            assert all(len(row) == len(table.columns) for row in table.rows), table.code


def test_small_counts_of_people_are_hidden_and_zero_and_five_shown(app: Flask) -> None:
    report, _w = _report(app)
    summary = _rows(report.table("cases_summary"))
    # 3 households in Mourão, 5 in Portel, none in Reguengos: the consortium's 8 would give
    # Mourão's 3 away, so it is hidden too.
    assert summary["Agregados acompanhados"] == [SUPPRESSED, 5, 0, CONCEALED]
    assert summary["Processos novos"] == [SUPPRESSED, 5, 0, CONCEALED]
    assert summary["Pessoas acompanhados"] == [15, 5, 0, 20]
    assert summary["Processos encerrados"] == [0, 0, 0, 0]
    areas = _rows(report.table("cases_by_area"))
    assert areas["Habitação"] == [SUPPRESSED, 0, 0, SUPPRESSED]  # a total of 3 is small itself
    assert areas["Família e parentalidade"] == [SUPPRESSED, 5, 0, CONCEALED]
    assert areas["Saúde"] == [0, 0, 0, 0]

    # Mourão's people by age band add up to its 15 people: with only the 2 children hidden,
    # 15 - 6 - 7 would tell them, so the smallest other band is hidden as well.
    ages = _rows(report.table("people_by_age"))
    assert ages["0-17"] == [SUPPRESSED, 0, 0, SUPPRESSED]
    assert ages["25-44"] == [CONCEALED, 5, 0, CONCEALED]
    assert ages["65+"] == [7, 0, 0, 7]
    assert ages["18-24"] == ages["45-64"] == ages["Sem data de nascimento"] == [0, 0, 0, 0]

    [chart] = report.sections[0].charts
    assert chart.labels == NAMES
    assert chart.series[0].values == [0.0, 5.0, 0.0]  # nothing drawn of Mourão's 3


def test_applications_hide_amounts_and_days_resting_on_few(app: Flask) -> None:
    report, _w = _report(app)
    rows = _rows(report.table("applications"))
    # Mourão: 6 applications, 5 approved and 1 submitted (the 5 hidden with the 1, or 6 - 5
    # would give it away); Portel: 2 submitted.
    assert rows["Candidaturas do período"] == [6, SUPPRESSED, 0, CONCEALED]
    assert rows["Aprovada"] == [CONCEALED, 0, 0, CONCEALED]
    assert rows["Submetida"] == [SUPPRESSED, SUPPRESSED, 0, SUPPRESSED]
    # Approved: Mourão's 500 € rest on its 6 applications; Portel's (nothing) on 2.
    assert rows["Aprovado (€)"] == [500.0, SUPPRESSED, 0.0, CONCEALED]
    # Paid: 3 applications paid for two support types each are 3 applications, not 6; the
    # consortium's rests on the same 3.
    assert rows["Pago no período (€)"] == [SUPPRESSED, 0.0, 0.0, SUPPRESSED]
    # Days to the decision: 1, 2, 3, 4 and 5 days in Mourão; no decision elsewhere.
    assert rows["Da candidatura à decisão: mediana (dias)"] == [3.0, None, None, 3.0]


def test_work_and_staff(app: Flask) -> None:
    report, w = _report(app)
    rows = _rows(report.table("work"))
    assert rows["Encaminhamentos feitos"] == [SUPPRESSED, 6, 0, CONCEALED]
    assert rows["Processos com ações em atraso"] == [0, 0, 0, 0]
    with app.app_context():
        staff = []
        targets = []
        for tenant in (w.mourao, w.portel, w.reguengos):
            staff.append(
                len(
                    set(
                        db.session.scalars(
                            select(Membership.user_id)
                            .join(User, User.id == Membership.user_id)
                            .where(
                                Membership.tenant_id == tenant,
                                Membership.role == Role.CASE_MANAGER,
                                Membership.active.is_(True),
                                User.active.is_(True),
                            )
                        )
                    )
                )
            )
            targets.append(db.session.get(Tenant, tenant).caseload_target)  # type: ignore[union-attr]
    assert 0 < staff[0] < 5  # a small team: shown whole all the same
    assert rows["Gestores de caso"] == [*staff, sum(staff)]
    assert rows["Meta de agregados por gestor"] == [*targets, None]


def test_shelter_counts_and_the_quality_totals(app: Flask) -> None:
    report, _w = _report(app)
    stays = _rows(report.table("shelter_stays"))
    assert stays["Saídas no período"] == [SUPPRESSED, 5, 0, CONCEALED]
    assert stays["Acolhimentos em curso no período"] == [SUPPRESSED, 5, 0, CONCEALED]
    assert stays["Entradas no período"] == [0, 0, 0, 0]
    quality = _rows(report.table("shelter_quality"))
    # The consortium's 6 discharges less Portel's 5 would be Mourão's one.
    assert quality["Desligamentos no período"] == [SUPPRESSED, "5", "0", CONCEALED]


STATUSES = {str(label) for label in APPLICATION_STATUS.values()}
# The rows whose councils add up to the consortium (None: every row of the table).
ADDITIVE: dict[str, set[str] | None] = {
    "cases_summary": None,
    "cases_by_area": None,
    "people_by_age": None,
    "applications": {"Candidaturas do período", "Aprovado (€)", "Pago no período (€)", *STATUSES},
    "work": {"Encaminhamentos feitos", "Processos com ações em atraso", "Gestores de caso"},
    "shelter_stays": None,
    "shelter_quality": {"Desligamentos no período", "Pendências abertas, por tipo"},
}


def _alone(cells: list[object]) -> bool:
    return sum(cell in (SUPPRESSED, CONCEALED) for cell in cells) == 1


def test_no_hidden_cell_is_alone_in_a_sum(app: Flask) -> None:
    """Wherever cells add up (a row's councils to the consortium; a council's age bands to its
    people, its statuses to its applications), none or at least two of them are hidden."""
    report, _w = _report(app)
    for code, additive in ADDITIVE.items():
        for row in report.table(code).rows:
            if additive is None or row[0] in additive:
                assert not _alone(row[1:]), (code, row)
    ages = report.table("people_by_age").rows
    people = _rows(report.table("cases_summary"))["Pessoas acompanhados"]
    applications = _rows(report.table("applications"))
    statuses = [cells for label, cells in applications.items() if label in STATUSES]
    for column in range(len(NAMES) + 1):
        assert not _alone([row[column + 1] for row in ages] + [people[column]]), column
        parts = [cells[column] for cells in statuses]
        assert not _alone([*parts, applications["Candidaturas do período"][column]]), column


def test_the_thresholds_of_each_councils_regulation(app: Flask) -> None:
    end = date(2024, 12, 31)  # Mourão's 2024 and Portel's 2024 regulations; Reguengos' is 2025
    with app.test_request_context():
        w = sf.Cimac.load()
        report = consortium_report(db.session, w.consortium, date(2024, 12, 1), end)
        texts: list[dict[str, str]] = []
        for tenant in (w.mourao, w.portel, w.reguengos):
            try:
                version = regulations.version_in_force(db.session, tenant, end)
            except regulations.NoRegulationInForce:
                texts.append({})
                continue
            doc = regulations.regulation_doc(version)
            with tenant_scope(tenant):
                refs = regulations.reference_table(db.session, tenant)
            texts.append(
                {
                    r.label: r.text
                    for r in describe(doc, refs, end)
                    if r.section in ("threshold", "per_capita", "limits")
                }
            )
    table = report.table("regulation_thresholds")
    assert table.columns == ["Regra", *NAMES]
    assert texts[0] and texts[1] and texts[2] == {}
    labels = set(texts[0]) | set(texts[1])
    assert {row[0] for row in table.rows} == labels
    for row in table.rows:
        assert row[1:] == [t.get(row[0]) for t in texts], row
    threshold = next(row for row in table.rows if row[0] == "Limiar")
    assert threshold[3] is None and "pensão social" in str(threshold[1]).lower()


# --- who may see them -----------------------------------------------------------------------

OUTSIDER = "ninguem@teia.demo"
ELSEWHERE = "gestora@alandroal.demo"


def _people_outside(w: sf.Cimac) -> None:
    """A user with no membership at all, and the admin of a council that is in no
    consortium."""
    outsider = User(email=OUTSIDER, name="Ninguém", password_hash=hash_password(DEMO_PASSWORD))
    council = cf.alandroal()
    db.session.add_all([outsider, council])
    db.session.flush()
    org = db.session.scalar(
        select(Organization.id).where(Organization.slug == council_organization_slug("mourao"))
    )
    assert org is not None
    sf.staff_user(ELSEWHERE, council.id, org, Role.CASE_MANAGER)


def _consortium_urls(app: Flask, run_id: int) -> list[tuple[str, str]]:
    """Every report and dashboard URL of a consortium, with a real run of CIMAC's."""
    values = {"consortium": "cimac", "run_id": str(run_id), "fmt": "csv"}
    found = []
    for rule in app.url_map.iter_rules():
        if "consortium" not in rule.arguments or not rule.endpoint.startswith(
            ("reports.", "reports_api.", "dashboards.")
        ):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def _open(c: FlaskClient, method: str, path: str, token: str):  # type: ignore[no-untyped-def]
    if method == "GET":
        return c.get(path)
    if path.startswith("/api/"):
        return c.post(path, json={}, headers={"X-CSRFToken": token})
    return c.post(path, data={"csrf_token": token})


@pytest.fixture
def cimac_run(app: Flask, as_user) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        _people_outside(sf.Cimac.load())
        db.session.commit()
    c = as_user("coordenacao@cimac.demo")
    page = c.get("/c/cimac/reports")
    answer = c.post(
        "/c/cimac/reports",
        data={
            "kind": "consortium_monthly",
            "start": "2026-11-01",
            "end": "2026-11-30",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert answer.status_code == 302, answer.text
    run_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    for method, path in _consortium_urls(app, run_id):
        if method == "GET":
            assert c.get(path).status_code == 200, path  # the coordinator's own
    return run_id


@pytest.mark.parametrize(
    "email",
    [
        ELSEWHERE,  # a council that is not a member
        "coordenacao@mourao.demo",  # a member council's staff, not the consortium's
        "ipss@mourao.demo",  # a partner
        OUTSIDER,  # no membership at all
        "coordenacao@cimbal.demo",  # another consortium's coordinator
    ],
)
def test_the_consortium_pages_are_404_to_others(
    app: Flask, as_user, cimac_run: int, email: str
) -> None:  # type: ignore[no-untyped-def]
    urls = _consortium_urls(app, cimac_run)
    paths = {path for _m, path in urls}
    assert {"/c/cimac/dashboard", "/c/cimac/reports", f"/c/cimac/reports/{cimac_run}"} <= paths
    c = as_user(email)
    token = csrf_token(c.get("/account").text)
    for method, path in urls:
        assert _open(c, method, path, token).status_code == 404, (email, method, path)


def test_a_consortium_with_no_council_yet_has_a_column_of_zeros(as_user) -> None:  # type: ignore[no-untyped-def]
    page = as_user("coordenacao@cimbal.demo").get("/c/cimbal/dashboard?month=2019-05")
    assert page.status_code == 200
    assert "<td>0</td>" in page.text and f"<td>{CONCEALED}</td>" not in page.text
