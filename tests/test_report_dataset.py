"""The anonymised indicators dataset: its figures equal counts made directly, counts of 1 to
4 people are hidden with what rests on them and with a complement where a total would tell
them, its CSV and JSON records validate against the published JSON schema, and no name of a
person, a professional or a partner organisation is in it."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator, ValidationError
from sqlalchemy import select

from teia.accounts.models import User
from teia.audit.models import AuditEvent
from teia.cases.models import Case, Referral, ReferralStatus
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.people.models import HouseholdMember, Person
from teia.reports.dataset import (
    Tally,
    consortium_dataset,
    council_dataset,
    figures,
    hidden_cells,
    parish_code,
)
from teia.reports.dataset_catalog import BY_CODE, COLUMNS, INDICATORS, SCHEMA_VERSION
from teia.reports.dataset_schema import dataset_schema, schema_json
from teia.reports.figures import Report, Section, Table
from teia.reports.models import ReportRun, RunStatus
from teia.reports.render_dataset import records, render_dataset_csv, render_dataset_json
from teia.reports.suppression import Sum, hidden_with_parts, suppress
from teia.tenants.models import Consortium, Organization, Tenant
from tests import case_factories as cf
from tests.conftest import csrf_token

REPO = Path(__file__).resolve().parents[1]
START, END = date(2019, 1, 1), date(2019, 12, 31)


# --- the suppression rules, on their own ------------------------------------------------------


def test_small_counts_what_rests_on_them_and_a_complement_are_hidden() -> None:
    values: dict[str, Any] = {
        "total": 12,
        "a": 3,  # primary
        "b": 6,
        "c": 0,
        "d": 3 + 0,  # primary too: two hidden, nothing more needed in this sum
        "amount_a": Decimal("120.00"),
        "big": 40,
    }
    hidden = suppress(
        values,
        people=["total", "a", "b", "c", "d", "big"],
        rests_on={"amount_a": "a"},
        sums=[Sum("total", ("a", "b", "c", "d"))],
    )
    assert hidden == {"a", "d", "amount_a"}

    one = dict(values, d=0, total=9)  # a alone hidden: 9 - 6 - 0 - 0 would tell it
    assert suppress(
        one, people=list(one), rests_on={}, sums=[Sum("total", ("a", "b", "c", "d"))]
    ) == {
        "a",
        "b",  # the smallest part that is not zero
    }
    lone = {"total": 7, "a": 3, "b": 0}  # no other part to hide: the total goes
    assert suppress(lone, people=["a"], rests_on={}, sums=[Sum("total", ("a", "b"))]) == {
        "a",
        "total",
    }
    # A complement that a figure rests on takes that figure along, which may need another
    # complement in its own sum.
    chain = {"n": 9, "n_x": 3, "n_y": 6, "amt": Decimal(90), "amt_x": Decimal(30), "amt_y": 60}
    assert suppress(
        chain,
        people=["n", "n_x", "n_y"],
        rests_on={"amt_x": "n_x", "amt_y": "n_y", "amt": "n"},
        sums=[Sum("n", ("n_x", "n_y")), Sum("amt", ("amt_x", "amt_y"))],
    ) == {"n_x", "n_y", "amt_x", "amt_y"}
    assert (
        suppress({"x": 5, "y": 0, "z": 4000}, people=["x", "y", "z"], rests_on={}, sums=[]) == set()
    )


def test_a_sum_of_territories_hides_what_any_part_hides() -> None:
    assert hidden_with_parts(["a", "b", "c"], [{"a", "x"}, {"b"}, set()]) == {"a", "b"}


def test_a_parish_is_a_code_from_the_councils_list_only() -> None:
    listed = ["Mourão", "Luz", "União das Freguesias de São Pedro e Santiago"]
    assert parish_code("Mourão", listed) == "mourao"
    assert parish_code("União das Freguesias de São Pedro e Santiago", listed) == (
        "uniao_das_freguesias_de_sao_pedro_e_santiago"
    )
    assert parish_code("", listed) == "unknown"
    assert parish_code("Rua do Castelo, 3", listed) == "other"  # never a free text


# --- a council's dataset, from seeded data ----------------------------------------------------


def _seed(world: cf.Mourao) -> None:
    """Eight cases opened in 2019 (two minors in Luz, six adults in Mourão) and eight
    referrals: six to the Santa Casa, two to the health centre."""
    cases = []
    for i in range(8):
        born = date(2010, 1, 1 + i) if i < 2 else date(1985, 1, 1 + i)
        pid = cf.person(world, "Quitéria", f"Zulmira Dados {i}", birth_date=born)
        case = cf.case_for(world, pid, "Teste")
        case.opened_on = date(2019, 3, 1 + i)
        case.household.parish = "Luz" if i < 2 else "Mourão"
        cases.append(case)
    statuses = [
        *[(world.scm, ReferralStatus.ACCEPTED)] * 3,
        *[(world.scm, ReferralStatus.COMPLETED)] * 2,
        (world.scm, ReferralStatus.REFUSED),
        (world.health, ReferralStatus.ACCEPTED),
        (world.health, ReferralStatus.CANCELLED),
    ]
    for i, (org, status) in enumerate(statuses):
        answered = status != ReferralStatus.CANCELLED
        db.session.add(
            Referral(
                case_id=cases[i].id,
                organization_id=org,
                area="housing",
                request="Apoio",
                respond_by=date(2019, 4, 1),
                status=status,
                requested_at=cf.at(date(2019, 3, 10)),
                responded_at=cf.at(date(2019, 3, 12 + i)) if answered else None,
            )
        )
    db.session.commit()  # a savepoint of the test's transaction


def _direct() -> dict[str, int]:
    """Counts made in Python from the rows, as the dataset defines them."""
    cases = db.session.scalars(select(Case).where(Case.opened_on <= END)).all()
    new = [c for c in cases if START <= c.opened_on <= END]
    followed = [c for c in cases if c.closed_on is None or c.closed_on >= START]
    members: dict[int, set[int]] = {}
    for household, person in db.session.execute(
        select(HouseholdMember.household_id, HouseholdMember.person_id)
    ):
        members.setdefault(household, set()).add(person)
    people = set().union(*(members.get(c.household_id, set()) for c in followed))
    births = dict(db.session.execute(select(Person.id, Person.birth_date)).all())
    referrals = db.session.scalars(select(Referral)).all()
    made = [r for r in referrals if START <= r.requested_at.date() <= END]
    return {
        "cases_new": len(new),
        "cases_followed": len(followed),
        "households_followed": len({c.household_id for c in followed}),
        "people_followed": len(people),
        "minors": sum(1 for p in people if births[p] and births[p] > date(2001, 12, 31)),
        "adults_25_44": sum(
            1 for p in people if births[p] and date(1974, 12, 31) < births[p] <= date(1994, 12, 31)
        ),
        "housing": sum(1 for c in followed if "housing" in c.areas),
        "referrals_made": len(made),
        "referrals_accepted": sum(
            r.status in (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED) for r in made
        ),
    }


def _cells(
    report: Report, territory: str | None = None
) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (r["indicator"], r["breakdown"], r["category"]): r
        for r in records(report)
        if territory is None or r["territory_code"] == territory
    }


def _forbidden_names() -> list[str]:
    """Every name of a person, a user (staff) and a partner organisation in the database."""
    people = [f"{p.given_names} {p.family_names}" for p in db.session.scalars(select(Person)).all()]
    users = list(db.session.scalars(select(User.name)))
    organisations = list(db.session.scalars(select(Organization.name)))
    return [n for n in people + users + organisations if n.strip()]


def test_a_councils_dataset_counts_like_the_rows_and_hides_small_numbers(app: Flask) -> None:
    with app.test_request_context():
        world = cf.Mourao.load()
        with tenant_scope(world.tenant):
            _seed(world)
            direct = _direct()
            names = _forbidden_names()
        report = council_dataset(db.session, world.tenant, START, END)
        mourao = db.session.get(Tenant, world.tenant)
        assert mourao is not None
    cells = _cells(report)
    assert {r["territory_code"] for r in records(report)} == {mourao.official_code} == {"0708"}
    assert {(r["period_start"], r["period_end"]) for r in records(report)} == {
        ("2019-01-01", "2019-12-31")
    }

    def shown(key: tuple[str, str, str]) -> Any:
        assert cells[key]["suppressed"] is False, key
        return cells[key]["value"]

    assert shown(("cases_new", "none", "total")) == direct["cases_new"] == 8
    assert shown(("cases_followed", "none", "total")) == direct["cases_followed"]
    assert shown(("households_followed", "none", "total")) == direct["households_followed"]
    assert shown(("people_followed", "none", "total")) == direct["people_followed"] == 8
    assert shown(("cases_followed", "area", "housing")) == direct["housing"] == 8
    assert shown(("referrals_made", "none", "total")) == direct["referrals_made"] == 8
    assert shown(("referrals_accepted", "none", "total")) == direct["referrals_accepted"] == 6

    def hidden(key: tuple[str, str, str]) -> None:
        assert cells[key]["suppressed"] is True and cells[key]["value"] is None, key

    # Two minors: hidden; the 25-44 band (6) would give them away (8 - 6 - 0 ...): hidden too.
    assert direct["minors"] == 2 and direct["adults_25_44"] == 6
    hidden(("people_followed", "age_band", "0-17"))
    hidden(("people_followed", "age_band", "25-44"))
    assert shown(("people_followed", "age_band", "65+")) == 0
    # Two cases in Luz, six in Mourão: both hidden; Granja (none) shown as 0.
    hidden(("cases_new", "parish", "luz"))
    hidden(("cases_new", "parish", "mourao"))
    assert shown(("cases_new", "parish", "granja")) == 0
    # Referrals by the partner's type, never by name: the health centre's 2 are hidden, and
    # the Santa Casa's 6 with them (8 - 6 would tell them); the median of 1 answer too.
    hidden(("referrals_made", "partner_type", "primary_health_care_unit"))
    hidden(("referrals_made", "partner_type", "misericordia"))
    hidden(("referral_response_days_median", "partner_type", "primary_health_care_unit"))
    hidden(("referrals_refused", "none", "total"))  # 1 of the 8 = 6 + 1 + 0 + 1
    hidden(("referrals_cancelled", "none", "total"))
    assert shown(("referrals_pending", "none", "total")) == 0
    # Staff figures are shown as they are; a mean resting on few households is not.
    assert shown(("caseload_target", "none", "total")) == 40
    assert shown(("case_managers", "none", "total")) >= 1

    # Every count of 1 to 4 people is hidden; nothing else is hidden without a reason.
    for key, row in cells.items():
        indicator = BY_CODE[key[0]]
        if indicator.people and not row["suppressed"]:
            assert row["value"] == 0 or row["value"] >= 5, key
        if not indicator.people and indicator.base is None:
            assert not row["suppressed"], key

    text = render_dataset_csv(report).decode() + render_dataset_json(report).decode()
    assert names and "Santa Casa da Misericórdia de Mourão" in names
    for name in names:
        assert name.lower() not in text.lower(), name


def test_a_council_alone_gets_the_same_rows_in_its_consortiums_dataset(app: Flask) -> None:
    with app.test_request_context():
        world = cf.Mourao.load()
        with tenant_scope(world.tenant):
            _seed(world)
        own = council_dataset(db.session, world.tenant, START, END)
        cimac = db.session.scalar(select(Consortium).where(Consortium.slug == "cimac"))
        assert cimac is not None
        combined = consortium_dataset(db.session, cimac.id, START, END)
        codes = sorted(t.official_code for t in cimac.members)
    assert [r for r in records(combined) if r["territory_code"] == "0708"] == records(own)
    territories = [r["territory_code"] for r in records(combined)]
    assert sorted(set(territories)) == sorted([*codes, "cimac"])
    assert territories[-1] == "cimac"  # the councils by code, then the consortium
    consortium = _cells(combined, "cimac")
    mourao = _cells(own)
    # Only Mourão has cases in 2019: the consortium's totals are its, hidden where its are.
    for key, row in consortium.items():
        if key in mourao and BY_CODE[key[0]].additive and not mourao[key]["suppressed"]:
            assert row["suppressed"] or row["value"] >= mourao[key]["value"], key
        if key in mourao and mourao[key]["suppressed"]:
            assert row["suppressed"], key
    assert ("cases_new", "parish", "luz") not in consortium  # a parish is one council's
    assert ("caseload_target", "none", "total") not in consortium
    assert consortium[("cases_new", "none", "total")]["value"] == 8


def _tally(cases: int, minors: int) -> Tally:
    t = Tally()
    t.count(("people_followed", "none", "total"), cases)
    t.count(("people_followed", "age_band", "0-17"), minors)
    t.count(("people_followed", "age_band", "25-44"), cases - minors)
    t.count(("shelter_places", "none", "total"), 10)
    t.count(("shelter_places_occupied", "none", "total"), 3)
    t.histogram(("stay_days", "none", "total"), Counter({10: 2, 20: 1}))
    t.count(("stays_ended", "none", "total"), 3)
    return t


def test_a_consortiums_cell_is_hidden_when_a_councils_cell_in_it_is() -> None:
    small, large = _tally(9, 2), _tally(30, 12)
    total = Tally()
    total.add(small)
    total.add(large)
    values = figures(total)
    assert values[("people_followed", "age_band", "0-17")] == 14
    assert values[("shelter_occupancy_percent", "none", "total")] == 30.0
    assert values[("stay_days_median", "none", "total")] == 10
    assert values[("stay_days_mean", "none", "total")] == 13.3
    parts = [hidden_cells(figures(small)), hidden_cells(figures(large))]
    assert ("people_followed", "age_band", "0-17") in parts[0]
    hidden = hidden_cells(values, within=False, hidden=hidden_with_parts(values, parts))
    # 14 children in the consortium, but 14 - 12 would give the small council's 2.
    assert ("people_followed", "age_band", "0-17") in hidden
    assert ("people_followed", "age_band", "25-44") in hidden  # its complement, in the sum
    assert ("people_followed", "none", "total") not in hidden
    # 6 occupied places in all, 3 in each: each council's are hidden, and so the sum.
    assert ("shelter_places_occupied", "none", "total") in hidden
    assert ("shelter_occupancy_percent", "none", "total") in hidden
    assert ("shelter_places", "none", "total") not in hidden


# --- the files and their schema ---------------------------------------------------------------


def _typed(row: dict[str, str], schema: dict[str, Any]) -> dict[str, Any]:
    """A CSV row read as the schema says: an empty cell is null, true/false booleans,
    numbers where a number is expected."""
    out: dict[str, Any] = {}
    for column, text in row.items():
        kind = schema["properties"][column].get("type", "string")
        kinds = [kind] if isinstance(kind, str) else kind
        if text == "" and "null" in kinds:
            out[column] = None
        elif "boolean" in kinds:
            out[column] = {"true": True, "false": False}[text]
        elif "number" in kinds:
            out[column] = int(text) if re.fullmatch(r"\d+", text) else float(text)
        else:
            out[column] = text
    return out


def test_the_renderers_write_rfc_4180_csv_and_json_records() -> None:
    rows: list[list[Any]] = [
        [SCHEMA_VERSION, "2026-11-01", "2026-11-30", "council", "0708", *r]
        for r in (
            ["amount_paid", "support_type", "housing", "EUR", 1234.5, False],
            ["decision_days_median", "none", "total", "days", 12.0, False],
            ["applications", "none", "total", "count", None, True],
            ["stay_days_mean", "none", "total", "days", None, False],
        )
    ]
    report = Report(
        "t", "s", [Section("dataset", "D", [Table("dataset", "T", list(COLUMNS), rows)])]
    )
    data = render_dataset_csv(report)
    assert not data.startswith(b"\xef\xbb\xbf")  # no byte-order mark
    lines = data.decode("utf-8").split("\r\n")
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1].endswith(",amount_paid,support_type,housing,EUR,1234.50,false")
    assert lines[2].endswith(",days,12.0,false")
    assert lines[3].endswith(",count,,true")
    assert lines[4].endswith(",days,,false") and lines[5] == ""
    assert json.loads(render_dataset_json(report))[0] == dict(zip(COLUMNS, rows[0], strict=True))


def test_the_published_schema_is_the_one_the_worker_writes(app: Flask) -> None:
    published = REPO / "docs/schemas/teia-indicators-dataset.schema.json"
    with app.test_request_context():  # pt-PT
        assert published.read_text(encoding="utf-8") == schema_json(), (
            "run: python -m teia.reports.dataset_schema"
        )
        schema = dataset_schema()
    Draft202012Validator.check_schema(schema)
    codes = [i.code for i in INDICATORS]
    assert schema["properties"]["indicator"]["enum"] == codes and len(set(codes)) == len(codes)
    described = {o["const"]: o["description"] for o in schema["properties"]["indicator"]["oneOf"]}
    assert all(described[c] for c in codes)
    documentation = (REPO / "docs/dataset.md").read_text(encoding="utf-8")
    for code in codes:
        assert f"`{code}`" in documentation, code


def test_a_dataset_run_stores_csv_json_and_schema_whose_records_validate(  # type: ignore[no-untyped-def]
    app: Flask, as_user
) -> None:
    with app.test_request_context():
        world = cf.Mourao.load()
        with tenant_scope(world.tenant):
            _seed(world)
            names = _forbidden_names()
    c = as_user("tecnica@mourao.demo")
    page = c.get("/t/mourao/reports")
    assert "council_dataset" in page.text
    answer = c.post(
        "/t/mourao/reports",
        data={
            "kind": "council_dataset",
            "start": START.isoformat(),
            "end": END.isoformat(),
            "csrf_token": csrf_token(page.text),
        },
    )
    assert answer.status_code == 302, answer.text
    run_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        run = db.session.get(ReportRun, run_id)
        assert run is not None and run.status == RunStatus.DONE, run and run.error
        files = dict(run.files)
    assert set(files) == {"csv", "json", "schema"}

    page = c.get(f"/t/mourao/reports/{run_id}")
    assert page.status_code == 200
    assert "Descarregar esquema JSON" in page.text and "cases_followed" in page.text
    got = {}
    for fmt, (mimetype, name) in {
        "csv": ("text/csv", f"teia-dados-{run_id}-2019-01.csv"),
        "json": ("application/json", f"teia-dados-{run_id}-2019-01.json"),
        "schema": ("application/schema+json", f"teia-dados-{run_id}-2019-01.schema.json"),
    }.items():
        response = c.get(f"/t/mourao/reports/{run_id}/file/{fmt}")
        assert response.status_code == 200 and response.mimetype == mimetype
        assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        assert len(response.data) == files[fmt]["size"]
        got[fmt] = response.data

    schema = json.loads(got["schema"])
    validator = Draft202012Validator(schema)
    reader = csv.DictReader(io.StringIO(got["csv"].decode("utf-8"), newline=""))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    from_csv = [_typed(row, schema) for row in reader]
    assert len(from_csv) > 100
    for record in from_csv:
        validator.validate(record)
    from_json = json.loads(got["json"])
    validator.evolve(schema=schema["$defs"]["dataset"]).validate(from_json)
    assert from_json == from_csv
    assert any(r["suppressed"] for r in from_csv) and any(r["value"] for r in from_csv)

    # The schema bites: a hidden value, a count with decimals, a name as a category.
    hidden = next(r for r in from_csv if r["suppressed"])
    count = next(r for r in from_csv if r["unit"] == "count" and not r["suppressed"])
    for bad in (
        hidden | {"value": 3},
        count | {"value": 2.5},
        count | {"category": "Santa Casa"},
        count | {"indicator": "cases_nww"},
        count | {"unit": "EUR"},
        count | {"territory_code": "mourao"},
    ):
        with pytest.raises(ValidationError):
            validator.validate(bad)

    text = b"".join(got.values()).decode("utf-8")
    for name in names:
        assert name.lower() not in text.lower(), name
    with app.app_context(), tenant_scope(world.tenant):
        downloads = db.session.scalars(
            select(AuditEvent.details).where(
                AuditEvent.action == "report.downloaded", AuditEvent.object_id == str(run_id)
            )
        ).all()
    assert sorted(d["format"] for d in downloads) == ["csv", "json", "schema"]


def test_a_consortiums_dataset_page_previews_its_rows(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("coordenacao@cimac.demo")
    page = c.get("/c/cimac/reports")
    answer = c.post(
        "/c/cimac/reports",
        data={
            "kind": "consortium_dataset",
            "start": START.isoformat(),
            "end": END.isoformat(),
            "csrf_token": csrf_token(page.text),
        },
    )
    assert answer.status_code == 302, answer.text
    run_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        run = db.session.get(ReportRun, run_id)
        assert run is not None and run.status == RunStatus.DONE
        total = len(Report.from_json(run.figures).table("dataset").rows)
    assert total > 400  # three councils and the consortium
    html = c.get(f"/c/cimac/reports/{run_id}").text
    assert f"Mostradas as primeiras 400 de {total} linhas" in html
    assert html.count("<td>consortium</td>") + html.count("<td>council</td>") == 400
    assert "<td>false</td>" in html and "True" not in html
    assert c.get(f"/c/cimac/reports/{run_id}/file/csv").status_code == 200
    assert as_user("coordenacao@cimbal.demo").get(f"/c/cimac/reports/{run_id}").status_code == 404
