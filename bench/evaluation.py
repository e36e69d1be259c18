"""Measure how many evaluations per second the regulation engine runs on one core.

    python bench/evaluation.py [--council mourao --effective 2024-04-02]
                               [--households 2000] [--rounds 5] [--seed 7] [--json]

Builds ``--households`` varied households and requests (1 to 6 members of mixed ages and
flags, 0 to 3 income lines of any source, 0 to 3 expenses, facts sometimes unknown, 1 to 3
requested support types with amounts, quotes or nights, some evidence missing, some paid
this year), then evaluates them all ``--rounds`` times under the council's regulation with
the shipped reference values, in one process on one core. Prints the evaluations per CPU second
(``time.process_time``: other processes on the machine do not count) of the best and the
median round, the microseconds per evaluation, the wall-clock rate, and the outcomes.
``--json`` also times ``Evaluation.to_dict()`` (what an application stores).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "platform"))

from teia.regulations.engine import evaluate  # noqa: E402 - after the path is set
from teia.regulations.facts import (  # noqa: E402
    Expense,
    HouseholdSnapshot,
    Income,
    Member,
    RequestItem,
    SupportRequest,
)
from teia.regulations.schema import (  # noqa: E402
    EXPENSE_KINDS,
    INCOME_SOURCES,
    RegulationFile,
    parse_reference_values,
    parse_regulation,
)

TENANTS = REPO_ROOT / "tenants"


def _money(rng: random.Random, top: int) -> Decimal:
    return Decimal(rng.randint(0, top * 100)) / 100


def _case(
    rng: random.Random, regulation: RegulationFile
) -> tuple[HouseholdSnapshot, SupportRequest]:
    members = tuple(
        Member(
            age=rng.choice((rng.randint(0, 17), rng.randint(18, 64), rng.randint(65, 95))),
            relationship="applicant" if i == 0 else rng.choice(("spouse", "child", "parent")),
            applicant=i == 0,
            disabled=rng.random() < 0.1,
            dependent=rng.random() < 0.1,
            unemployed=rng.random() < 0.2,
        )
        for i in range(rng.randint(1, 6))
    )
    incomes = tuple(
        Income(rng.choice(INCOME_SOURCES), _money(rng, 900), rng.choice(("monthly", "annual")))
        for _ in range(rng.randint(0, 3))
    )
    expenses = tuple(
        Expense(rng.choice(EXPENSE_KINDS), _money(rng, 400)) for _ in range(rng.randint(0, 3))
    )
    household = HouseholdSnapshot(
        members=members,
        incomes=incomes,
        expenses=expenses,
        residence_months=rng.choice((None, rng.randint(0, 240))),
        debts_to_council=rng.choice((None, "none", "none", "in_resolution", "owing")),
        other_support_same_purpose=rng.choice((None, False, False, True)),
        social_emergency=rng.random() < 0.2,
        assets=rng.choice((None, _money(rng, 10_000))),
    )
    codes = [s.code for s in regulation.support_types]
    items = tuple(
        RequestItem(
            support_type=rng.choice(codes),
            amount=_money(rng, 600),
            quotes=tuple(_money(rng, 600) for _ in range(rng.randint(0, 3))),
            units=rng.randint(1, 6),
        )
        for _ in range(rng.randint(1, 3))
    )
    documents = [d.code for d in regulation.documents]
    request = SupportRequest(
        items=items,
        waivers={"residence": "Situação de emergência social"} if rng.random() < 0.2 else {},
        evidence=frozenset(d for d in documents if rng.random() < 0.8),
        paid_this_year={rng.choice(codes): _money(rng, 300)} if rng.random() < 0.3 else {},
        payment_method=rng.choice(("bank_transfer", "cash", "supplier")),
    )
    return household, request


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--council", default="mourao")
    parser.add_argument("--effective", default="2024-04-02", help="the version's file date")
    parser.add_argument("--on", default="2024-10-15", help="the application date")
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="also time to_dict()")
    args = parser.parse_args(argv)

    path = TENANTS / args.council / "regulations" / f"{args.effective}.yaml"
    regulation = parse_regulation(yaml.safe_load(path.read_text()))
    catalogue = TENANTS / "_catalogs" / "reference_values.yaml"
    refs = parse_reference_values(yaml.safe_load(catalogue.read_text())).table()
    on = date.fromisoformat(args.on)
    rng = random.Random(args.seed)
    cases = [_case(rng, regulation) for _ in range(args.households)]

    outcomes = Counter(evaluate(regulation, refs, h, r, on).outcome for h, r in cases)  # warm-up
    rates, wall_rates = [], []
    for _ in range(args.rounds):
        started, wall = time.process_time(), time.perf_counter()
        for household, request in cases:
            evaluate(regulation, refs, household, request, on)
        rates.append(len(cases) / (time.process_time() - started))
        wall_rates.append(len(cases) / (time.perf_counter() - wall))
    best, median = max(rates), statistics.median(rates)
    print(f"{path.relative_to(REPO_ROOT)} on {on}: {len(cases)} households x {args.rounds} rounds")
    print(f"evaluations per CPU second: best {best:,.0f}, median {median:,.0f}")
    print(f"per evaluation: {1e6 / median:.0f} µs of CPU (median round)")
    print(f"wall clock (shared machine): median {statistics.median(wall_rates):,.0f}/s")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    if args.json:
        results = [evaluate(regulation, refs, h, r, on) for h, r in cases]
        started = time.process_time()
        for result in results:
            result.to_dict()
        elapsed = time.process_time() - started
        print(f"to_dict: {1e6 * elapsed / len(results):.0f} µs per evaluation")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
