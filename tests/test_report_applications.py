"""The council report's emergency-support figures (applications by support type, status and
decision, amounts requested, approved and paid, days to the decision and to the first
payment) equal counts made directly, in Python, from the rows the test made: applications,
decisions and payments on both days of the period and just outside it, a draft, one support
type twice in an application, a code the regulation does not know, and another council's
applications that must not count."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from statistics import mean, median

from flask import Flask
from sqlalchemy import select

from teia.accounts.models import User
from teia.applications.labels import APPLICATION_STATUS, DECISION_OUTCOME
from teia.applications.models import Application, ApplicationStatus, Decision, Payment
from teia.applications.models import DecisionOutcome as Outcome
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.regulations.services import regulation_doc, versions
from teia.reports.council import council_report
from teia.reports.figures import Report
from tests import case_factories as cf
from tests import report_factories as rf
from tests import shelter_factories as sf

START, END = date(2019, 5, 1), date(2019, 5, 31)
BEFORE, AFTER = START - timedelta(days=1), END + timedelta(days=1)
S = ApplicationStatus


def _seed(world: cf.Mourao) -> tuple[list[Application], list[Decision], list[Payment]]:
    technician = world.technician
    case = cf.case_for(world, cf.person(world, "Pessoa", "Candidata"), "Teste")
    apps: list[Application] = []
    decisions: list[Decision] = []
    payments: list[Payment] = []

    def new(on: date, status: S, *items: rf.Item) -> Application:
        apps.append(rf.application(case, technician, on, status, *items))
        return apps[-1]

    a1 = new(START, S.PAID, ("utilities", "100.00", "90.00"), ("medicines", "50.00", "50.00"))
    decisions.append(rf.decide(a1, Outcome.APPROVED, date(2019, 5, 10)))
    payments.append(rf.pay(a1, 0, "90.00", date(2019, 5, 20)))
    payments.append(rf.pay(a1, 1, "50.00", AFTER))  # paid after the period
    new(END, S.SUBMITTED, ("housing", "300.00", None))
    a3 = new(BEFORE, S.APPROVED, ("housing", "250.00", "200.00"))  # applied before the period
    decisions.append(rf.decide(a3, Outcome.APPROVED, date(2019, 5, 2)))
    payments.append(rf.pay(a3, 0, "200.00", date(2019, 5, 3)))
    new(AFTER, S.SUBMITTED, ("utilities", "80.00", None))
    new(date(2019, 5, 15), S.DRAFT, ("glasses", "120.00", None))
    a6 = new(date(2019, 5, 15), S.REJECTED, ("essential_goods", "60.00", None))
    decisions.append(rf.decide(a6, Outcome.REJECTED, END))
    a7 = new(date(2019, 3, 1), S.PAID, ("lodging", "45.00", "45.00"))
    decisions.append(rf.decide(a7, Outcome.APPROVED, BEFORE))
    payments.append(rf.pay(a7, 0, "45.00", END))  # its first payment, on the last day
    a8 = new(
        date(2019, 4, 1), S.PAID, ("utilities", "40.00", "40.00"), ("utilities", "30.00", "30.00")
    )
    decisions.append(rf.decide(a8, Outcome.APPROVED, date(2019, 4, 20)))
    payments.append(rf.pay(a8, 0, "40.00", BEFORE))  # the first payment: before the period
    payments.append(rf.pay(a8, 1, "30.00", START))
    new(
        date(2019, 5, 20), S.IN_ANALYSIS, ("utilities", "70.00", None), ("utilities", "20.00", None)
    )
    a10 = new(date(2019, 5, 25), S.APPROVED, ("legacy_support", "15.00", "15.00"))
    decisions.append(rf.decide(a10, Outcome.APPROVED, AFTER))
    new(date(2019, 5, 26), S.WITHDRAWN, ("medicines", None, None))
    return apps, decisions, payments


def _seed_elsewhere() -> None:
    """A Reguengos application, decided and paid in the period: not Mourão's."""
    w = sf.Cimac.load()
    with tenant_scope(w.reguengos):
        case = sf.council_case(
            w.reguengos, "gestor@reguengos-de-monsaraz.demo", "Outra", "Candidata", birth_date=None
        )
        technician = db.session.scalar(
            select(User.id).where(User.email == "gestor@reguengos-de-monsaraz.demo")
        )
        assert technician is not None
        other = rf.application(case, technician, START, S.PAID, ("utilities", "999.00", "999.00"))
        rf.decide(other, Outcome.APPROVED, START)
        rf.pay(other, 0, "999.00", START)


def _euros(amounts: list[Decimal | None]) -> float:
    return float(sum((a or Decimal(0) for a in amounts), Decimal(0)))


def _timing(label: str, days: list[int]) -> list[object]:
    return [label, len(days), median(days), round(mean(days), 1)]


def _report(app: Flask) -> tuple[Report, dict[str, str], list[list[object]], dict[str, object]]:
    with app.test_request_context():
        world = cf.Mourao.load()
        with tenant_scope(world.tenant):
            apps, decisions, payments = _seed(world)
            labels: dict[str, str] = {}
            for version in versions(db.session, world.tenant):  # the latest wording first
                for s in regulation_doc(version).support_types:
                    labels.setdefault(s.code, s.label)
            expected = _expected(apps, decisions, payments, labels)
        _seed_elsewhere()
        return council_report(db.session, world.tenant, START, END), labels, *expected


def _expected(
    apps: list[Application],
    decisions: list[Decision],
    payments: list[Payment],
    labels: dict[str, str],
) -> tuple[list[list[object]], dict[str, object]]:
    in_period = [a for a in apps if START <= a.application_date <= END and a.status != S.DRAFT]
    paid_in_period = [p for p in payments if START <= p.paid_on <= END]
    item_kind = {i.id: i.support_type for a in apps for i in a.items}
    kinds = {i.support_type for a in in_period for i in a.items} | {
        item_kind[p.item_id] for p in paid_in_period
    }
    # In the regulation's order, then the codes it does not know.
    kinds_in_order = [k for k in labels if k in kinds] + sorted(kinds - set(labels))
    by_support = [
        [
            labels.get(k, k),
            len([a for a in in_period if any(i.support_type == k for i in a.items)]),
            _euros([i.requested_amount for a in in_period for i in a.items if i.support_type == k]),
            _euros([i.approved_amount for a in in_period for i in a.items if i.support_type == k]),
            _euros([p.amount for p in paid_in_period if item_kind[p.item_id] == k]),
        ]
        for k in kinds_in_order
    ]
    by_id = {a.id: a for a in apps}
    decided = [d for d in decisions if START <= d.decided_on <= END]
    first_paid: dict[int, date] = {}
    for p in payments:
        first_paid[p.application_id] = min(p.paid_on, first_paid.get(p.application_id, p.paid_on))
    statuses = Counter(str(a.status) for a in in_period)
    return by_support, {
        "by_status": [
            [str(APPLICATION_STATUS[s]), statuses[s]] for s in APPLICATION_STATUS if statuses[s]
        ],
        "decisions": [
            [str(label), len([d for d in decided if d.outcome == code])]
            for code, label in DECISION_OUTCOME.items()
        ],
        "timing": [
            _timing(
                "Da candidatura à decisão",
                [(d.decided_on - by_id[d.application_id].application_date).days for d in decided],
            ),
            _timing(
                "Da candidatura ao primeiro pagamento",
                [
                    (day - by_id[a].application_date).days
                    for a, day in first_paid.items()
                    if START <= day <= END
                ],
            ),
        ],
    }


def test_application_figures_match_direct_counts(app: Flask) -> None:
    report, labels, by_support, expected = _report(app)
    table = report.table("applications_by_support")
    assert table.rows == by_support
    # The hand count: utilities in three applications of the period (one with the type twice),
    # 30 € of it paid in May; the lodging applied for in March but paid on the last day.
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows[labels["utilities"]] == [2, 190.0, 90.0, 120.0]
    assert rows[labels["lodging"]] == [0, 0.0, 0.0, 45.0]
    assert rows["legacy_support"] == [1, 15.0, 15.0, 0.0]  # a code no regulation labels
    assert labels["glasses"] not in rows  # only in a draft
    assert table.links[0].startswith("/t/mourao/applications?support_type=")

    [chart] = [c for s in report.sections for c in s.charts if c.code == "applications_by_support"]
    assert chart.labels == [row[0] for row in table.rows]
    assert [s.values for s in chart.series] == [
        [row[3] for row in table.rows],
        [row[4] for row in table.rows],
    ]

    assert report.table("applications_by_status").rows == expected["by_status"]
    assert report.table("applications_decisions").rows == expected["decisions"]
    assert report.table("applications_timing").rows == expected["timing"]
    assert expected["timing"] == [
        ["Da candidatura à decisão", 3, 9, 9.0],  # 9, 2 (applied the day before) and 16 days
        ["Da candidatura ao primeiro pagamento", 3, 19, 37.7],  # 19, 3 and 91 days
    ]
