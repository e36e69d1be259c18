"""Applications for emergency social support (issue 3) for the benchmark.

``generate.py --applications N --application-council <slug>`` calls
:class:`ApplicationGenerator` after the councils, users and (optionally) the case data exist.

- **Regulations.** Every bench council gets Mourão's two shipped versions
  (``tenants/mourao/regulations/*.yaml``, in force from 2023-03-01 and 2024-04-02) as its own
  (``council`` set to the bench slug, a source hash per council), and the national reference
  values of ``tenants/_catalogs/reference_values.yaml``.
- **Households.** Applications reuse the council's households (from ``--persons``); a council
  with fewer than one household per three applications gets more (``fakes.PeopleMaker``).
- **Applications.** ``N`` in ``--application-council``, ``--applications-elsewhere`` in every
  other council; dated from the first version's effective date (or ``--applications-since``)
  to today (recent ones more often), numbered ``YYYY/NNNN`` per year, spread over every
  status by age. Each is judged by the real engine (``teia.regulations.engine.evaluate``)
  under the version in force on its date, with the documents it holds as evidence and what
  its household was already paid that year, so ``evaluation`` and ``snapshot`` hold what the
  services store; its checklist comes from ``engine.checklist``. Items, documents (files
  named but not stored), the history, document requests, home visits, decisions and payments
  follow the path to its status.
- **Two applications per council for the statement check**, both *paid* and by the same
  technician: a *light* one (1 item, 1 payment, the checklist, 11 events) and a *heavy* one
  (6 items, 12 payments, 3 document requests, 3 home visits, about 90 events).

:meth:`ApplicationGenerator.run` returns, per council, the sample technician and what
``load_applications.py`` requests.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fakes import PARTICLES, PeopleMaker, Row
from sqlalchemy import Connection, insert, text

from teia.accounts.models import Role
from teia.applications.evaluation import deadline
from teia.applications.models import (
    PROOF_OF_EXPENSE,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationItem,
    Decision,
    DocumentRequest,
    HomeVisit,
    Payment,
)
from teia.people.models import Household, HouseholdMember, Person
from teia.regulations.engine import checklist, evaluate
from teia.regulations.facts import (
    Expense,
    HouseholdSnapshot,
    Income,
    Member,
    ReferencePoint,
    ReferenceTable,
    RequestItem,
    SupportRequest,
)
from teia.regulations.models import ReferenceValue, RegulationVersion
from teia.regulations.schema import RegulationFile, parse_reference_values, parse_regulation
from teia.tenants.files import read_yaml
from teia.tenants.models import Tenant

REPO_ROOT = Path(__file__).resolve().parents[1]
REGULATION_FILES = sorted((REPO_ROOT / "tenants" / "mourao" / "regulations").glob("*.yaml"))
CATALOGUE = REPO_ROOT / "tenants" / "_catalogs" / "reference_values.yaml"
APPLICATIONS_PER_HOUSEHOLD = 3
CHUNK = 5000
CENT = Decimal("0.01")
PDF = "application/pdf"

# Status weights by the application's age: (days, {status: weight}); the first that fits.
STATUS_BY_AGE = [
    (
        30,
        {"draft": 8, "submitted": 12, "in_analysis": 30, "awaiting_documents": 25, "proposed": 10,
         "approved": 8, "withdrawn": 2, "rejected": 5},
    ),
    (
        120,
        {"in_analysis": 10, "awaiting_documents": 8, "exclusion_proposed": 5, "excluded": 5,
         "proposed": 8, "approved": 12, "paid": 25, "rejected": 10, "closed": 12,
         "withdrawn": 5},
    ),
    (
        100_000,
        {"excluded": 9, "rejected": 14, "closed": 58, "paid": 4, "ceased": 4, "withdrawn": 6,
         "approved": 1, "exclusion_proposed": 1, "in_analysis": 1, "awaiting_documents": 2},
    ),
]  # fmt: skip
# The path to each status (the steps after "created"); "docs" marks the documents' arrival.
PATHS = {
    "draft": [],
    "submitted": ["submitted"],
    "in_analysis": ["submitted", "analysis_started", "docs"],
    "awaiting_documents": ["submitted", "analysis_started", "documents_requested"],
    "exclusion_proposed": ["submitted", "analysis_started", "documents_requested",
                           "exclusion_proposed"],
    "excluded": ["submitted", "analysis_started", "documents_requested", "exclusion_proposed",
                 "excluded"],
    "proposed": ["submitted", "analysis_started", "docs", "visit", "proposed"],
    "approved": ["submitted", "analysis_started", "docs", "visit", "proposed", "approved"],
    "rejected": ["submitted", "analysis_started", "docs", "visit", "proposed", "rejected"],
    "paid": ["submitted", "analysis_started", "docs", "visit", "proposed", "approved", "paid"],
    "closed": ["submitted", "analysis_started", "docs", "visit", "proposed", "approved", "paid",
               "closed"],
    "ceased": ["submitted", "analysis_started", "docs", "visit", "proposed", "approved", "paid",
               "ceased"],
    "withdrawn": ["submitted", "analysis_started", "withdrawn"],
}  # fmt: skip
ELIGIBLE_ONLY = {"proposed", "approved", "paid", "closed", "ceased"}
SUPPORT_WEIGHTS = {
    "utilities": 30, "essential_goods": 24, "housing": 18, "medicines": 14, "glasses": 4,
    "lodging": 3, "health_services": 3, "transport": 2, "education": 2,
}  # fmt: skip
AMOUNTS = {  # (low, high) euros per support type
    "utilities": (35, 320), "essential_goods": (40, 250), "housing": (150, 650),
    "medicines": (15, 180), "glasses": (90, 380), "lodging": (35, 60),
    "health_services": (40, 500), "transport": (20, 90), "education": (30, 300),
}  # fmt: skip
DESCRIPTIONS = {
    "utilities": "Faturas de eletricidade e água em atraso.",
    "essential_goods": "Cabaz de bens alimentares e de higiene.",
    "housing": "Rendas em atraso, com aviso do senhorio.",
    "medicines": "Medicação crónica sem comparticipação suficiente.",
    "glasses": "Óculos graduados para a filha em idade escolar.",
    "lodging": "Alojamento temporário após incêndio na habitação.",
    "health_services": "Consulta de especialidade sem resposta atempada no SNS.",
    "transport": "Passe mensal para tratamentos no hospital distrital.",
    "education": "Material escolar e refeições.",
}
INCOME_SOURCES = ("dependent_work", "pensions", "social_benefits", "self_employment",
                  "alimony_received", "scholarships")  # fmt: skip
INCOME_WEIGHTS = (35, 25, 30, 6, 3, 1)
EXPENSE_KINDS = ("housing", "utilities", "health", "education", "alimony_paid")
EXPENSE_RANGES = {"housing": (90, 450), "utilities": (30, 120), "health": (10, 90),
                  "education": (20, 150), "alimony_paid": (50, 150)}  # fmt: skip
FINDINGS = (
    "Habitação arrendada com humidade e sem aquecimento; agregado colaborante.",
    "Casa própria degradada; a requerente cuida da mãe acamada.",
    "Quarto arrendado; o requerente está desempregado há oito meses.",
)
OPINIONS = (
    "Parecer favorável: carência económica confirmada na visita.",
    "Parecer favorável ao apoio pontual, com acompanhamento pela técnica de referência.",
    "Parecer desfavorável: os sinais exteriores não correspondem aos rendimentos declarados.",
)
EXCLUSION_CAUSES = ("not_regularised", "no_cooperation", "no_economic_need")
CESSATION = (("no_proof_of_expense", False), ("moved_out", False), ("undeclared_wealth", True))


@dataclass
class Staff:
    """Who acts on a council's applications (user ids) and who reads them in the check."""

    technicians: list[int]
    deciders: list[int]
    finance: list[int]
    reader: tuple[int, str]  # a technician: (user id, e-mail)


@dataclass
class Home:
    id: int
    members: list[tuple[int, str, date | None, str]]  # (person id, relationship, born, name)
    family_names: str  # the representative's, for the search terms
    case_id: int | None = None


@dataclass
class Plan:
    """One application to write: its date, status and what it asks, before the rows."""

    on: date
    status: str
    home: Home
    kind: str = ""  # "light", "heavy" or ""
    number: str = ""
    rows: dict[str, Any] = field(default_factory=dict)


def staff_of(tenants: list[Row], people: list[Row]) -> dict[int, Staff]:
    by_role: dict[int, dict[Role, list[tuple[int, str]]]] = {
        t["id"]: defaultdict(list) for t in tenants
    }
    for person in people:
        for tenant_id, role in person["memberships"]:
            by_role[tenant_id][role].append((person["id"], person["email"]))
    staff = {}
    for t in tenants:
        roles = by_role[t["id"]]
        admin = roles[Role.TENANT_ADMIN]
        techs = roles[Role.TECHNICIAN] + roles[Role.CASE_MANAGER] or admin
        staff[t["id"]] = Staff(
            technicians=[u for u, _ in techs],
            deciders=[u for u, _ in roles[Role.DECISION_MAKER] or admin],
            finance=[u for u, _ in roles[Role.FINANCE] or admin],
            reader=techs[0],
        )
    return staff


def iban(rng: random.Random) -> str:
    """A Portuguese IBAN with valid mod-97 check digits."""
    bban = "".join(rng.choice("0123456789") for _ in range(21))
    check = 98 - int(bban + "252900") % 97  # P=25, T=29, then "00"
    return f"PT{check:02d}{bban}"


def company_nif(body: int) -> str:
    digits = f"5{body:07d}"
    check = 11 - sum(int(d) * (9 - i) for i, d in enumerate(digits)) % 11
    return digits + str(0 if check >= 10 else check)


def end_of_next_month(day: date) -> date:
    first = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


class ApplicationGenerator:
    """Writes regulations and applications for every council, in the caller's transaction."""

    def __init__(
        self,
        conn: Connection,
        rng: random.Random,
        tenants: list[Row],
        people: list[Row],
        now: datetime,
        set_tenant: Callable[[Connection, int | None], None],
        counts: Counter[str],
        since: date | None = None,
    ) -> None:
        self.conn = conn
        self.rng = rng
        self.since = since  # the first application day (default: the first version's)
        self.tenants = tenants
        self.staff = staff_of(tenants, people)
        self.now = now
        self.today = now.date()
        self.set_tenant = set_tenant
        self.counts = counts

    def insert(self, model: Any, rows: list[Row], *, ids: bool = False) -> list[int]:
        if not rows:
            return []
        self.counts[model.__tablename__] += len(rows)
        table = model.__table__
        if not ids:
            self.conn.execute(insert(table), rows)
            return []
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [row[0] for row in self.conn.execute(stmt, rows)]

    def run(self, sizes: dict[int, int]) -> list[Row]:
        self.load_regulations()
        samples = []
        for t in self.tenants:
            self.set_tenant(self.conn, t["id"])
            samples.append(self.fill(t, sizes[t["id"]]))
        self.set_tenant(self.conn, None)
        return samples

    # --- regulations ----------------------------------------------------------------------

    def load_regulations(self) -> None:
        """Mourão's versions for every council (as its own), and the national values."""
        problems: list[Any] = []
        read = read_yaml(CATALOGUE, problems)
        assert read is not None, problems
        catalogue = parse_reference_values(read[0])
        national = [
            {
                "name": name,
                "tenant_id": None,
                "valid_from": e.valid_from,
                "amount": e.amount,
                "source": e.source,
                "note": e.note,
                "loaded_at": self.now,
            }
            for name, entries in catalogue.values.items()
            for e in entries
        ]
        self.insert(ReferenceValue, national)
        self.refs = ReferenceTable(
            ReferencePoint(r["name"], r["valid_from"], r["amount"], r["source"]) for r in national
        )
        files = []
        for path in REGULATION_FILES:
            read = read_yaml(path, problems)
            assert read is not None, problems
            files.append((path, read[0], read[1], date.fromisoformat(path.stem)))
        self.versions: dict[int, list[tuple[date, int, RegulationFile]]] = {}
        for t in self.tenants:
            rows, docs = [], []
            for path, data, digest, effective in files:
                doc = parse_regulation(
                    {**data, "council": t["slug"]}, council=t["slug"], effective_from=effective
                )
                assert not doc.reference_overrides, "overrides are not loaded by the bench"
                docs.append((effective, doc))
                rows.append(
                    {
                        "tenant_id": t["id"],
                        "effective_from": effective,
                        "label": doc.version,
                        "title": doc.title,
                        "publication": doc.publication.model_dump(mode="json", exclude_none=True),
                        "document": doc.to_document(),
                        "source_hash": hashlib.sha256(f"{digest}:{t['slug']}".encode()).hexdigest(),
                        "source_path": f"{t['slug']}/regulations/{path.name}",
                        "loaded_at": self.now,
                    }
                )
            ids = self.insert(RegulationVersion, rows, ids=True)
            self.versions[t["id"]] = sorted(
                (eff, vid, doc) for (eff, doc), vid in zip(docs, ids, strict=True)
            )
        first_version = min(eff for eff, _vid, _doc in next(iter(self.versions.values())))
        self.first_day = max(first_version, self.since or first_version)

    def version_on(self, tenant_id: int, day: date) -> tuple[int, RegulationFile]:
        found = [(vid, doc) for eff, vid, doc in self.versions[tenant_id] if eff <= day]
        return found[-1]

    # --- households -----------------------------------------------------------------------

    def homes(self, t: Row, wanted: int) -> list[Home]:
        """The council's households (with their members and latest case); more if too few."""
        rows = self.conn.execute(
            text(
                "SELECT m.household_id, m.person_id, m.relationship_to_representative, "
                "p.birth_date, p.given_names, p.family_names FROM household_members m "
                "JOIN persons p ON p.id = m.person_id "
                "WHERE m.tenant_id = :t AND m.left_on IS NULL ORDER BY m.household_id, m.id"
            ),
            {"t": t["id"]},
        ).all()
        found: dict[int, Home] = {}
        for household_id, person_id, kin, born, name, family in rows:
            home = found.setdefault(household_id, Home(household_id, [], family))
            home.members.append((person_id, kin, born, name.split()[0]))
        cases = self.conn.execute(
            text("SELECT household_id, max(id) FROM cases WHERE tenant_id = :t GROUP BY 1"),
            {"t": t["id"]},
        ).all()
        for household_id, case_id in cases:
            if household_id in found:
                found[household_id].case_id = case_id
        homes = [h for h in found.values() if h.members[0][1] == "representative"]
        if len(homes) < wanted:
            homes += self.more_homes(t, wanted - len(homes))
        return homes

    def more_homes(self, t: Row, count: int) -> list[Home]:
        taken = {
            int(value[:8])
            for (value,) in self.conn.execute(
                text(
                    "SELECT nif FROM persons WHERE nif IS NOT NULL UNION ALL "
                    "SELECT niss FROM persons WHERE niss IS NOT NULL"
                )
            )
        }
        maker = PeopleMaker(self.rng, self.now, 0)
        people = int(count * 2.6) + 6
        maker.nifs = (
            n for n in self.rng.sample(range(10_000_000, 30_000_000), people * 2) if n not in taken
        )
        maker.nisses = iter(
            n
            for n in self.rng.sample(range(1_000_000_000, 2_000_000_000), people * 2)
            if n // 100 not in taken
        )
        households: list[Row] = []
        groups: list[Any] = []
        while len(households) < count:
            more, members = maker.households(t["id"], list(t["parishes"]), people)
            households += more
            groups += members
        households, groups = households[:count], groups[:count]
        home_ids = self.insert(Household, households, ids=True)
        everyone = [person for group in groups for _kin, person in group]
        person_ids = self.insert(Person, everyone, ids=True)
        for person, person_id in zip(everyone, person_ids, strict=True):
            person["id"] = person_id
        self.insert(
            HouseholdMember,
            [
                {
                    "tenant_id": t["id"],
                    "household_id": home_id,
                    "person_id": person["id"],
                    "relationship_to_representative": kin.value,
                    "joined_on": None,
                    "left_on": None,
                }
                for home_id, group in zip(home_ids, groups, strict=True)
                for kin, person in group
            ],
        )
        return [
            Home(
                home_id,
                [
                    (p["id"], kin.value, p["birth_date"], p["given_names"].split()[0])
                    for kin, p in group
                ],
                group[0][1]["family_names"],
            )
            for home_id, group in zip(home_ids, groups, strict=True)
        ]

    # --- one council ----------------------------------------------------------------------

    def fill(self, t: Row, count: int) -> Row:
        rng = self.rng
        homes = self.homes(t, max(20, count // APPLICATIONS_PER_HOUSEHOLD))
        staff = self.staff[t["id"]]
        span = (self.today - self.first_day).days
        plans = []
        for _ in range(max(0, count - 2)):
            age = int(rng.triangular(0, span, 0))
            weights = next(w for days, w in STATUS_BY_AGE if age < days)
            status = rng.choices(list(weights), list(weights.values()))[0]
            plans.append(Plan(self.today - timedelta(days=age), status, rng.choice(homes)))
        big = self.designated_homes = [h for h in homes if len(h.members) >= 3] or homes
        plans.append(Plan(self.today - timedelta(days=75), "paid", rng.choice(homes), "light"))
        plans.append(Plan(self.today - timedelta(days=90), "paid", rng.choice(big), "heavy"))
        plans.sort(key=lambda p: (p.on, p.kind))
        per_year: Counter[int] = Counter()
        for plan in plans:
            per_year[plan.on.year] += 1
            plan.number = f"{plan.on.year}/{per_year[plan.on.year]:04d}"
        self.paid: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
        self.tenant = Tenant(
            slug=t["slug"],
            country="PT",
            municipal_holiday=t["municipal_holiday"],
            timezone=t["timezone"],
        )
        self.reference_no: Counter[int] = Counter()
        designated: dict[str, Row] = {}
        for start in range(0, len(plans), CHUNK):
            chunk = plans[start : start + CHUNK]
            for plan in chunk:
                self.build(t, staff, plan)
            self.write(t, chunk)
            for plan in chunk:
                if plan.kind:
                    designated[plan.kind] = self.describe(plan)
        statuses = Counter(p.status for p in plans)
        surnames = Counter(
            s for p in plans for s in p.home.family_names.split() if s not in PARTICLES
        )
        self.counts["  applications in " + t["slug"]] = len(plans)
        return {
            "tenant": t["slug"],
            "applications": len(plans),
            "households": len(homes),
            "technician": staff.reader[1],
            "statuses": dict(statuses.most_common()),
            "light": designated["light"],
            "heavy": designated["heavy"],
            "search": {
                "surname": surnames.most_common(1)[0][0],
                "rare_surname": min(surnames, key=lambda s: (surnames[s], s)),
                "number": designated["heavy"]["number"],
            },
            "pages": -(-len(plans) // 50),
        }

    @staticmethod
    def describe(plan: Plan) -> Row:
        r = plan.rows
        return {
            "id": r["application"]["id"],
            "number": plan.number,
            "status": plan.status,
            "items": len(r["items"]),
            "documents": len(r["documents"]),
            "events": len(r["events"]),
            "requests": len(r["requests"]),
            "visits": len(r["visits"]),
            "payments": len(r["payments"]),
        }

    # --- one application, as rows ---------------------------------------------------------

    def snapshot(self, home: Home, on: date, heavy: bool) -> tuple[dict[str, Any], int]:
        """The household as declared on ``on`` (the services' JSON), and the applicant."""
        rng = self.rng
        members = []
        for k, (person_id, kin, born, name) in enumerate(home.members):
            age = (on - born).days // 365 if born else rng.randint(25, 70)
            members.append(
                {
                    "age": max(0, age),
                    "relationship": kin,
                    "name": name,
                    "person_id": person_id,
                    "applicant": k == 0,
                    "disabled": rng.random() < 0.05,
                    "dependent": 18 <= age < 25 and rng.random() < 0.3,
                    "emancipated": False,
                    "unemployed": 18 <= age < 66 and rng.random() < 0.25,
                }
            )
        adults = [i for i, m in enumerate(members) if m["age"] >= 18] or [0]
        incomes = []
        for _ in range(rng.choices([1, 2, 3], [50, 35, 15])[0]):
            source = rng.choices(INCOME_SOURCES, INCOME_WEIGHTS)[0]
            monthly = Decimal(rng.randint(60, 240) * len(members) // len(adults) + 40)
            period = "monthly" if rng.random() < 0.3 else "annual"
            amount = monthly if period == "monthly" else monthly * 12
            incomes.append(
                {
                    "source": source,
                    "amount": f"{amount:.2f}",
                    "period": period,
                    "member": rng.choice(adults),
                }
            )
        kinds = rng.sample(
            EXPENSE_KINDS, 5 if heavy else rng.choices([0, 1, 2, 3], [15, 45, 30, 10])[0]
        )
        expenses = [
            {"kind": kind, "monthly_amount": f"{rng.randint(*EXPENSE_RANGES[kind])}.00"}
            for kind in kinds
        ]
        emergency = rng.random() < 0.08
        data = {
            "members": members,
            "incomes": incomes,
            "expenses": expenses,
            "residence_months": rng.choice([4, 9]) if rng.random() < 0.05 else rng.randint(14, 600),
            "debts_to_council": rng.choices(["none", "in_resolution", "owing"], [90, 7, 3])[0],
            "other_support_same_purpose": rng.random() < 0.04,
            "social_emergency": emergency,
            "assets": None if rng.random() < 0.8 else f"{rng.randint(0, 9000)}.00",
        }
        return data, home.members[0][0]

    @staticmethod
    def engine_household(data: dict[str, Any]) -> HouseholdSnapshot:
        return HouseholdSnapshot(
            members=tuple(
                Member(
                    age=m["age"],
                    relationship=m["relationship"],
                    applicant=m["applicant"],
                    disabled=m["disabled"],
                    dependent=m["dependent"],
                    emancipated=m["emancipated"],
                    unemployed=m["unemployed"],
                )
                for m in data["members"]
            ),
            incomes=tuple(
                Income(i["source"], Decimal(i["amount"]), i["period"]) for i in data["incomes"]
            ),
            expenses=tuple(
                Expense(e["kind"], Decimal(e["monthly_amount"])) for e in data["expenses"]
            ),
            residence_months=data["residence_months"],
            debts_to_council=data["debts_to_council"],
            other_support_same_purpose=data["other_support_same_purpose"],
            social_emergency=data["social_emergency"],
            assets=None if data["assets"] is None else Decimal(data["assets"]),
        )

    def items(self, kind: str) -> list[Row]:
        rng = self.rng
        if kind == "heavy":
            codes = ["utilities", "essential_goods", "housing", "medicines", "transport", "lodging"]
        elif kind == "light":
            codes = ["utilities"]
        else:
            n = rng.choices([1, 2, 3], [60, 30, 10])[0]
            codes = []
            while len(codes) < n:
                code = rng.choices(list(SUPPORT_WEIGHTS), list(SUPPORT_WEIGHTS.values()))[0]
                if code not in codes:
                    codes.append(code)
        rows = []
        for position, code in enumerate(codes, 1):
            units = rng.randint(1, 3) if code == "lodging" else None
            low, high = AMOUNTS[code]
            amount = Decimal(rng.randint(low, high)) * (units or 1)
            quotes: list[str] = []
            if code in ("glasses", "health_services") and rng.random() < 0.7:
                quotes = [f"{amount:.2f}", f"{amount + rng.randint(5, 60):.2f}"]
            rows.append(
                {
                    "position": position,
                    "support_type": code,
                    "description": DESCRIPTIONS[code],
                    "requested_amount": amount.quantize(CENT),
                    "quotes": quotes,
                    "units": units,
                    "proposed_amount": None,
                    "approved_amount": None,
                    "paid_amount": Decimal("0.00"),
                    "refunded_amount": Decimal("0.00"),
                }
            )
        return rows

    def build(self, t: Row, staff: Staff, plan: Plan) -> None:
        """Every row of one application, walking the steps to its status."""
        rng = self.rng
        heavy = plan.kind == "heavy"
        version_id, regulation = self.version_on(t["id"], plan.on)
        data, applicant = self.snapshot(plan.home, plan.on, heavy)
        household = self.engine_household(data)
        items = self.items(plan.kind)
        method = rng.choices(["bank_transfer", "cash", "supplier"], [70, 10, 20])[0]
        if plan.kind:
            method = "bank_transfer"
            technician = staff.reader[0]
        else:
            technician = rng.choice(staff.technicians)
        request_items = tuple(
            RequestItem(
                i["support_type"],
                i["requested_amount"],
                tuple(Decimal(q) for q in i["quotes"]),
                i["units"],
            )
            for i in items
        )
        needs = checklist(regulation, household, SupportRequest(items=request_items), method)
        path = PATHS[plan.status]
        delivered = "docs" in path or plan.status in ("in_analysis", "exclusion_proposed")
        documents = []
        for need in needs:
            received = delivered or rng.random() < 0.4
            if plan.status in ("awaiting_documents", "exclusion_proposed", "excluded"):
                received = rng.random() < 0.5
            documents.append(self.document(need.code, need.label, need.article, received, plan))
            if need.deadline:
                documents[-1]["due_date"] = deadline(
                    self.tenant, regulation, need.deadline, plan.on
                )
        waivers = {}
        if data["residence_months"] < 12 and data["social_emergency"] and plan.status != "draft":
            waivers["residence"] = (
                "Agregado desalojado por incêndio; situação de emergência social."
            )
        year = plan.on.year
        paid_before = self.paid[(plan.home.id, year)]
        evidence = frozenset(
            d["code"] for d in documents if d["status"] in ("received", "validated")
        )
        result = evaluate(
            regulation,
            self.refs,
            household,
            SupportRequest(
                items=request_items,
                waivers=waivers,
                evidence=evidence,
                paid_this_year={k: v for k, v in paid_before.items() if v},
                payment_method=method,
            ),
            plan.on,
        )
        allowed = {i.support_type: i.allowed for i in result.items}
        if plan.kind and (result.outcome != "eligible" or not all(allowed.values())):
            plan.home = self.rng.choice(self.designated_homes)  # the designated two are paid
            return self.build(t, staff, plan)
        if plan.status in ELIGIBLE_ONLY and result.outcome != "eligible":
            plan.status = "rejected" if (self.today - plan.on).days > 30 else "in_analysis"
            path = PATHS[plan.status]
        if plan.status in ELIGIBLE_ONLY and not any(allowed.values()):
            plan.status = "rejected"
            path = PATHS[plan.status]
        evaluation = result.to_dict() if plan.status != "draft" else None

        # The steps, spread between the application date and today (or a few months on).
        last = min(self.today, plan.on + timedelta(days=rng.randint(20, 150)))
        if plan.status in ("closed", "ceased"):
            last = min(self.today, plan.on + timedelta(days=rng.randint(60, 200)))
        start = datetime.combine(plan.on, time(9, rng.randint(0, 59)))
        seconds = max(60, int((datetime.combine(last, time(17)) - start).total_seconds()))
        moments = sorted(
            start + timedelta(seconds=rng.randrange(seconds)) for _ in range(150 if heavy else 40)
        )
        clock = iter(moments)

        events: list[Row] = []
        requests: list[Row] = []
        visits: list[Row] = []
        payments: list[Row] = []
        decision: Row | None = None
        status = "draft"

        def event(
            kind: str,
            actor: int | None,
            to: str | None = None,
            note: str | None = None,
            extra: dict[str, Any] | None = None,
            at: datetime | None = None,
        ) -> datetime:
            nonlocal status
            when = at or next(clock, moments[-1])
            events.append(
                {
                    "kind": kind,
                    "from_status": status,
                    "to_status": to,
                    "actor_id": actor,
                    "at": when,
                    "note": note,
                    "data": extra or {},
                }
            )
            if to is not None:
                status = to
            return when

        event("created", technician, None, None, {"number": plan.number}, at=start)

        def uploads() -> None:
            for d in documents:
                if d["status"] in ("received", "validated") and not d["uploaded_at"]:
                    d["uploaded_at"] = event(
                        "document_uploaded",
                        technician,
                        extra={"document": d["code"], "size": d["size"], "sha256": d["sha256"]},
                    )
                    d["uploaded_by_id"] = technician

        def ask(codes: list[str], state: str) -> None:
            when = next(clock, moments[-1])
            due = deadline(self.tenant, regulation, "regularisation", when.date())
            requests.append(
                {
                    "notified_on": when.date(),
                    "due_on": due,
                    "codes": codes,
                    "note": "Entregar no SAAS.",
                    "status": state,
                    "resolved_on": when.date() + timedelta(days=3)
                    if state == "regularised"
                    else None,
                    "requested_by_id": technician,
                }
            )
            event(
                "documents_requested",
                technician,
                "awaiting_documents",
                "Entregar no SAAS.",
                {"codes": codes, "notified_on": when.date().isoformat(), "due_on": due.isoformat()},
                at=when,
            )

        rounds = 3 if heavy else 1
        for step in path:
            if step == "submitted":
                event("submitted", technician, "submitted")
            elif step == "analysis_started":
                event("analysis_started", technician, "in_analysis")
            elif step == "docs":
                missing = [d["code"] for d in documents if d["status"] == "missing"]
                if heavy or (missing and rng.random() < 0.5):
                    for k in range(rounds):
                        asked = missing or [documents[k % len(documents)]["code"]]
                        ask(asked, "regularised")
                        for d in documents:
                            d["status"] = "received" if d["status"] == "missing" else d["status"]
                        uploads()
                        for d in documents if heavy else []:  # refused, then sent again
                            event("document_rejected", technician, extra={"document": d["code"]})
                            event(
                                "document_uploaded",
                                technician,
                                extra={"document": d["code"], "size": d["size"]},
                            )
                        event(
                            "documents_regularised",
                            technician,
                            "in_analysis",
                            None,
                            {"late": False},
                        )
                        missing = []
                for d in documents:
                    if d["status"] == "missing":
                        d["status"] = "received"
                uploads()
                for d in documents:
                    if plan.kind != "light" and rng.random() < 0.6:
                        d["status"] = "validated"
                        event("document_validated", technician, extra={"document": d["code"]})
            elif step == "documents_requested":
                missing = [d["code"] for d in documents if d["status"] == "missing"]
                uploads()
                state = {"awaiting_documents": "open"}.get(plan.status, "expired")
                ask(missing or ["income_proof"], state)
            elif step == "exclusion_proposed":
                event(
                    "exclusion_proposed",
                    None,
                    "exclusion_proposed",
                    None,
                    {"cause": "not_regularised", "article": "12.º, n.º 1"},
                )
            elif step == "excluded":
                event(
                    "excluded",
                    rng.choice(staff.deciders),
                    "excluded",
                    None,
                    {"cause": "not_regularised", "article": "12.º, n.º 1"},
                )
            elif step == "visit":
                for _ in range(3 if heavy else int(rng.random() < 0.45)):
                    on = next(clock, moments[-1])
                    visits.append(
                        {
                            "visited_on": on.date(),
                            "by_id": technician,
                            "findings": rng.choice(FINDINGS),
                            "social_opinion": rng.choice(OPINIONS[:2]),
                            "created_at": on,
                        }
                    )
                    event(
                        "home_visit_recorded",
                        technician,
                        extra={"visited_on": on.date().isoformat()},
                    )
                if heavy:
                    event(
                        "proof_requested",
                        technician,
                        None,
                        "Declaração da Segurança Social sobre as prestações recebidas.",
                        {"due_on": (plan.on + timedelta(days=20)).isoformat()},
                    )
                if waivers:
                    event(
                        "condition_waived",
                        technician,
                        None,
                        waivers["residence"],
                        {"condition": "residence", "article": "8.º, e)"},
                    )
            elif step == "proposed":
                amounts = {}
                for position, item in enumerate(items, 1):
                    item["proposed_amount"] = allowed.get(item["support_type"]) or Decimal("0.00")
                    amounts[str(position)] = str(item["proposed_amount"])
                event("proposed", technician, "proposed", None, {"amounts": amounts})
            elif step in ("approved", "rejected"):
                decided = next(clock, moments[-1])
                self.reference_no[decided.year] += 1
                reference = f"Deliberação n.º {self.reference_no[decided.year]}/{decided.year}"
                approved = step == "approved"
                for item in items:
                    item["approved_amount"] = item["proposed_amount"] if approved else None
                decider = rng.choice(staff.deciders)
                decision = {
                    "outcome": step,
                    "decided_on": decided.date(),
                    "reference": reference,
                    "reasons": "" if approved else "Rendimento per capita acima do limiar.",
                    "decided_by_id": decider,
                    "created_at": decided,
                }
                event(
                    "decided",
                    decider,
                    step,
                    None,
                    {
                        "outcome": step,
                        "decided_on": decided.date().isoformat(),
                        "reference": reference,
                    },
                )
            elif step == "paid":
                payer = rng.choice(staff.finance)
                to_pay = [i for i in items if i["approved_amount"]]
                for n, item in enumerate(to_pay):
                    parts = 2 if heavy or rng.random() < 0.1 else 1
                    amount = item["approved_amount"]
                    shares = [(amount / parts).quantize(CENT)] * (parts - 1)
                    shares.append(amount - sum(shares, Decimal(0)))
                    for k, share in enumerate(shares):
                        final = n == len(to_pay) - 1 and k == parts - 1
                        when = next(clock, moments[-1])
                        payments.append(
                            {
                                "item": item,
                                "amount": share,
                                "method": method,
                                "paid_on": when.date(),
                                "recorded_by_id": payer,
                                "proof_due_on": end_of_next_month(when.date()),
                                "proof_received_on": None,
                                "created_at": when,
                            }
                        )
                        item["paid_amount"] += share
                        paid_before[item["support_type"]] += share
                        event(
                            "payment_recorded",
                            payer,
                            "paid" if final else None,
                            None,
                            {
                                "item": item["support_type"],
                                "amount": str(share),
                                "method": method,
                                "paid_on": when.date().isoformat(),
                            },
                        )
            elif step == "closed":
                for p in payments:
                    when = next(clock, moments[-1])
                    p["proof_received_on"] = when.date()
                    p["proof"] = self.document(
                        PROOF_OF_EXPENSE, "Comprovativo da despesa", "17.º", True, plan
                    )
                    p["proof"].update(required=False, uploaded_at=when, uploaded_by_id=technician)
                    event(
                        "expense_proven",
                        technician,
                        "closed" if p is payments[-1] else None,
                        None,
                        {
                            "received_on": when.date().isoformat(),
                            "late": when.date() > p["proof_due_on"],
                        },
                    )
            elif step == "ceased":
                cause, refund = rng.choice(CESSATION)
                total = sum((i["paid_amount"] for i in items), Decimal(0))
                amount = total if refund else Decimal(0)
                when = next(clock, moments[-1])
                plan.rows["ceased"] = (cause, when.date(), amount or None)
                event(
                    "ceased",
                    technician,
                    "ceased",
                    "Cessação do apoio (art. 18.º).",
                    {"cause": cause, "article": "18.º", "refund": str(amount)},
                )
            elif step == "withdrawn":
                event("withdrawn", technician, "withdrawn", "A requerente desistiu do pedido.")
        for d in documents:  # delivered with the intake form, before any step
            if d["status"] != "missing" and d["uploaded_at"] is None:
                d.update(uploaded_at=start, uploaded_by_id=technician)
        plan.status = status
        cause, ceased_on, refund = plan.rows.get("ceased", (None, None, None))
        plan.rows.update(
            application={
                "tenant_id": t["id"],
                "number": plan.number,
                "household_id": plan.home.id,
                "applicant_id": applicant,
                # The designated two without a case: linked, the page reads the case (+1).
                "case_id": None if plan.kind or rng.random() >= 0.7 else plan.home.case_id,
                "technician_id": technician,
                "status": status,
                "application_date": plan.on,
                "regulation_version_id": version_id,
                "snapshot": data,
                "waivers": waivers,
                "payment_method": method,
                "iban": iban(rng) if method == "bank_transfer" else None,
                "supplier_name": "Mercearia Central, Lda." if method == "supplier" else None,
                "supplier_nif": company_nif(rng.randint(0, 9_999_999))
                if method == "supplier"
                else None,
                "evaluation": evaluation,
                "evaluated_at": events[1]["at"] if evaluation else None,
                "exclusion_cause": "not_regularised" if "exclusion_proposed" in path else None,
                "cessation_cause": cause,
                "ceased_on": ceased_on,
                "refund_amount": refund,
                "refund_reason": "Indícios de rendimentos não declarados." if refund else None,
                "refunded_on": None,
                "submission_key": None,
                "created_at": start,
                "updated_at": events[-1]["at"],
            },
            items=items,
            documents=documents,
            events=events,
            requests=requests,
            visits=visits,
            payments=payments,
            decision=decision,
        )

    def document(
        self, code: str, label: str, article: str | None, received: bool, plan: Plan
    ) -> Row:
        rng = self.rng
        size = rng.randint(40_000, 2_500_000) if received else None
        return {
            "code": code,
            "label": label,
            "article": article,
            "required": True,
            "status": "received" if received else "missing",
            "due_date": None,
            "storage_key": f"applications/{plan.number}/{rng.getrandbits(128):032x}"
            if received
            else None,
            "filename": f"{code}.pdf" if received else None,
            "content_type": PDF if received else None,
            "size": size,
            "sha256": f"{rng.getrandbits(256):064x}" if received else None,
            "uploaded_by_id": None,
            "uploaded_at": None,
            "note": None,
        }

    # --- writing a chunk ------------------------------------------------------------------

    def write(self, t: Row, chunk: list[Plan]) -> None:
        tenant = {"tenant_id": t["id"]}
        ids = self.insert(Application, [p.rows["application"] for p in chunk], ids=True)
        for plan, app_id in zip(chunk, ids, strict=True):
            plan.rows["application"]["id"] = app_id
        items = [(p, i) for p in chunk for i in p.rows["items"]]
        item_ids = self.insert(
            ApplicationItem,
            [tenant | {"application_id": p.rows["application"]["id"]} | i for p, i in items],
            ids=True,
        )
        for (_p, item), item_id in zip(items, item_ids, strict=True):
            item["id"] = item_id
        docs = [(p, d) for p in chunk for d in p.rows["documents"]]
        docs += [(p, pay["proof"]) for p in chunk for pay in p.rows["payments"] if "proof" in pay]
        doc_ids = self.insert(
            ApplicationDocument,
            [tenant | {"application_id": p.rows["application"]["id"]} | d for p, d in docs],
            ids=True,
        )
        for (_p, doc), doc_id in zip(docs, doc_ids, strict=True):
            doc["id"] = doc_id
        self.insert(
            Payment,
            [
                tenant
                | {
                    "application_id": p.rows["application"]["id"],
                    "item_id": pay["item"]["id"],
                    "amount": pay["amount"],
                    "method": pay["method"],
                    "iban": p.rows["application"]["iban"],
                    "supplier_name": p.rows["application"]["supplier_name"],
                    "supplier_nif": p.rows["application"]["supplier_nif"],
                    "paid_on": pay["paid_on"],
                    "recorded_by_id": pay["recorded_by_id"],
                    "proof_due_on": pay["proof_due_on"],
                    "proof_received_on": pay["proof_received_on"],
                    "proof_document_id": pay["proof"]["id"] if "proof" in pay else None,
                    "created_at": pay["created_at"],
                }
                for p in chunk
                for pay in p.rows["payments"]
            ],
        )
        for model, key in (
            (ApplicationEvent, "events"),
            (DocumentRequest, "requests"),
            (HomeVisit, "visits"),
        ):
            self.insert(
                model,
                [
                    tenant | {"application_id": p.rows["application"]["id"]} | row
                    for p in chunk
                    for row in p.rows[key]
                ],
            )
        self.insert(
            Decision,
            [
                tenant | {"application_id": p.rows["application"]["id"]} | p.rows["decision"]
                for p in chunk
                if p.rows["decision"]
            ],
        )
