"""Case-management data for the benchmark: people, households, cases and all that hangs on them.

``generate.py --persons N --cases M`` calls :class:`CaseGenerator` after the councils and users
exist. Per council it writes persons (valid NIF and NISS check digits, accented names folded by
``teia.people.identifiers.normalise``), households of 1 to 6, one case per household episode,
a skewed timeline (0 to 200 entries, some confidential with named readers), diagnosis areas,
1 to 3 plan versions with goals and actions, referrals, consents and shares with partner
organisations (some expired, some revoked, some resting on a revoked or lapsed consent).

Each council also gets two cases built on purpose for the statement check: a *light* one (2
timeline entries, 1 action, 1 share) and a *heavy* one (200 entries, 3 plan versions with 36
actions, a dozen referrals, 20 shares), both managed by the same case manager and both shared
in full with one partner organisation. :meth:`CaseGenerator.run` returns them, with that case
manager, a partner professional of that organisation and search terms, for ``load.py``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from fakes import ACTIONS, EVENT_TEXTS, GOALS, PARTICLES, REASONS, PeopleMaker, Row
from sqlalchemy import Connection, insert

from teia.accounts.models import Role
from teia.cases.models import (
    ActionStatus,
    Area,
    Case,
    CaseEvent,
    CaseShare,
    CaseStatus,
    ConfidentialReader,
    Consent,
    DiagnosisArea,
    EventKind,
    InterventionPlan,
    LegalBasis,
    PlanAction,
    PlanGoal,
    PlanStatus,
    Referral,
    ReferralStatus,
    RiskFlag,
    Section,
)
from teia.people.models import Household, HouseholdMember, Person

EVENT_KIND_WEIGHTS = (40, 20, 15, 25)  # contact, home visit, meeting, note
LEGAL_REFERENCES = {
    LegalBasis.LEGAL_OBLIGATION: "Lei n.º 147/99 (proteção de crianças e jovens), art. 13.º",
    LegalBasis.PUBLIC_INTEREST: "Decreto-Lei n.º 55/2020, art. 12.º",
}
ALL_SECTIONS = [str(s) for s in Section]
AREAS = [str(a) for a in Area]
RISKS = [str(r) for r in RiskFlag]


@dataclass
class Council:
    """What the case data of one council needs to know of its users and partners."""

    id: int
    slug: str
    parishes: list[str]
    managers: list[tuple[int, str]] = field(default_factory=list)  # (user id, e-mail)
    staff: list[int] = field(default_factory=list)  # case managers and technicians
    partners: list[int] = field(default_factory=list)  # partner organisation ids
    partner_users: dict[int, list[str]] = field(default_factory=dict)  # org id -> e-mails


def councils_from(
    tenants: list[Row], people: list[Row], partners: dict[int, list[int]]
) -> list[Council]:
    """Per council: its case managers, its staff, its partners and their professionals."""
    councils = {
        t["id"]: Council(t["id"], t["slug"], list(t["parishes"]), partners=partners[t["id"]])
        for t in tenants
    }
    for person in people:
        for tenant_id, role in person["memberships"]:
            council = councils[tenant_id]
            if role is Role.CASE_MANAGER:
                council.managers.append((person["id"], person["email"]))
            if role in (Role.CASE_MANAGER, Role.TECHNICIAN):
                council.staff.append(person["id"])
            if role in (Role.PARTNER_PROFESSIONAL, Role.SHELTER_STAFF):
                org = person["organizations"][tenant_id]
                council.partner_users.setdefault(org, []).append(person["email"])
    for council in councils.values():
        if not council.managers or not council.partner_users:
            raise SystemExit(f"{council.slug} needs a case manager and a partner professional")
    return list(councils.values())


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (i < total % parts) for i in range(parts)]


class CaseGenerator:
    """Writes the case data of every council, one council at a time, in one transaction."""

    def __init__(
        self,
        conn: Connection,
        rng: random.Random,
        councils: list[Council],
        now: datetime,
        set_tenant: Callable[[Connection, int | None], None],
        counts: Counter[str],
    ) -> None:
        self.conn = conn
        self.rng = rng
        self.councils = councils
        self.now = now
        self.today = now.date()
        self.set_tenant = set_tenant
        self.counts = counts

    def run(self, sizes: dict[int, tuple[int, int]]) -> list[Row]:
        """``sizes``: council id -> (persons, cases)."""
        self.maker = PeopleMaker(self.rng, self.now, sum(p for p, _c in sizes.values()))
        samples = []
        for council in self.councils:
            self.set_tenant(self.conn, council.id)  # RLS: rows must match the setting
            samples.append(self.fill(council, *sizes[council.id]))
        self.set_tenant(self.conn, None)
        return samples

    def insert(self, model: Any, rows: list[Row], *, ids: bool = False) -> list[int]:
        """Bulk insert (batched multi-row VALUES); the new ids in order when ``ids``."""
        if not rows:
            return []
        self.counts[model.__tablename__] += len(rows)
        table = model.__table__
        if not ids:
            self.conn.execute(insert(table), rows)
            return []
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [row[0] for row in self.conn.execute(stmt, rows)]

    # --- one council ----------------------------------------------------------------------

    def fill(self, c: Council, n_persons: int, n_cases: int) -> Row:
        rng = self.rng
        households, groups = self.maker.households(c.id, c.parishes, n_persons)
        home_ids = self.insert(Household, households, ids=True)
        everyone = [person for group in groups for _kin, person in group]
        for person, person_id in zip(
            everyone, self.insert(Person, everyone, ids=True), strict=True
        ):
            person["id"] = person_id
        members = [
            {
                "tenant_id": c.id,
                "household_id": home_id,
                "person_id": person["id"],
                "relationship_to_representative": kin.value,
                "joined_on": None,
                "left_on": None,
            }
            for home_id, group in zip(home_ids, groups, strict=True)
            for kin, person in group
        ]
        self.insert(HouseholdMember, members)

        manager = c.managers[0]
        partner_org = max(c.partner_users, key=lambda org: (len(c.partner_users[org]), -org))
        order = list(range(len(home_ids)))
        rng.shuffle(order)
        episodes = [order[i % len(order)] for i in range(n_cases)]  # extra cases: 2nd episodes
        cases = [
            self.case_row(c, home_ids[h], groups[h][0][1], i >= len(order))
            for i, h in enumerate(episodes)
        ]
        light, heavy = self.designate(cases, manager[0])
        self.number(cases)
        for case, case_id in zip(cases, self.insert(Case, cases, ids=True), strict=True):
            case["id"] = case_id
        sizes = {home_id: len(group) for home_id, group in zip(home_ids, groups, strict=True)}

        self.timeline(c, cases, light, heavy)
        self.diagnosis(c, cases)
        actions = self.plans(c, cases, light, heavy, partner_org)
        self.referrals(c, cases, light, heavy, partner_org)
        visible = self.shares(c, cases, light, heavy, partner_org)

        surnames = Counter(
            s for p in everyone for s in p["family_names"].split() if s not in PARTICLES
        )
        adult = self.today - timedelta(days=18 * 365)
        someone = rng.choice(
            [p for p in everyone if p["nif"] and (p["birth_date"] or adult) < adult]
        )
        return {
            "tenant": c.slug,
            "persons": len(everyone),
            "cases": len(cases),
            "manager": manager[1],
            "partner": c.partner_users[partner_org][0],
            "partner_organization_id": partner_org,
            "partner_visible_cases": len(visible),
            "light_case": self.describe(light, actions, sizes),
            "heavy_case": self.describe(heavy, actions, sizes),
            "search": {
                "surname": surnames.most_common(1)[0][0],
                "rare_surname": min(surnames, key=lambda s: (surnames[s], s)),
                "nif": someone["nif"],
                "birth_date": someone["birth_date"].strftime("%d/%m/%Y"),
                "case_number": heavy["number"],
            },
        }

    @staticmethod
    def describe(case: Row, actions: Counter[int], sizes: dict[int, int]) -> Row:
        return {
            "id": case["id"],
            "number": case["number"],
            "events": case["n_events"],
            "confidential_events": case["n_confidential"],
            "active_plan_actions": actions[case["id"]],
            "shares": case["n_shares"],
            "referrals": case["n_referrals"],
            "household": sizes[case["household_id"]],
        }

    # --- cases ----------------------------------------------------------------------------

    def case_row(self, c: Council, home_id: int, rep: Row, earlier: bool) -> Row:
        rng = self.rng
        age_days = int(rng.triangular(0, 6 * 365, 0))
        status = rng.choices(
            [CaseStatus.OPEN, CaseStatus.SUSPENDED, CaseStatus.CLOSED], [72, 10, 18]
        )[0]
        if earlier:  # a household's earlier episode: older, closed
            age_days, status = rng.randint(3 * 365, 8 * 365), CaseStatus.CLOSED
        opened = self.today - timedelta(days=age_days)
        closed = None
        if status == CaseStatus.CLOSED:
            closed = opened + timedelta(days=rng.randint(0, max(0, age_days - 1)))
        return {
            "tenant_id": c.id,
            "number": "",
            "household_id": home_id,
            "person_id": rep["id"],
            "manager_id": rng.choice(c.managers)[0],
            "opening_reason": rng.choice(REASONS),
            "status": status.value,
            "status_reason": "Objetivos do plano cumpridos." if closed else None,
            "areas": rng.sample(AREAS, rng.choices([1, 2, 3], [45, 35, 20])[0]),
            "risk_flags": rng.sample(RISKS, rng.choices([0, 1, 2], [60, 30, 10])[0]),
            "opened_on": opened,
            "closed_on": closed,
            "anonymised_at": None,
            "submission_key": None,
            "created_at": datetime.combine(opened, time(10)),
        }

    def designate(self, cases: list[Row], manager_id: int) -> tuple[Row, Row]:
        """The light and the heavy case: open, both with the sample case manager."""
        light, heavy = cases[0], cases[1]
        for case, days in ((light, 40), (heavy, 700)):
            case.update(status=CaseStatus.OPEN.value, status_reason=None, closed_on=None)
            case["manager_id"] = manager_id
            case["opened_on"] = self.today - timedelta(days=days)
            case["created_at"] = datetime.combine(case["opened_on"], time(10))
            case["areas"] = [str(Area.HOUSING), str(Area.INCOME)]
        return light, heavy

    @staticmethod
    def number(cases: list[Row]) -> None:
        """ "YYYY/NNNN", in opening order within each year."""
        per_year: Counter[int] = Counter()
        for case in sorted(cases, key=lambda c: (c["opened_on"], c["created_at"])):
            year = case["opened_on"].year
            per_year[year] += 1
            case["number"] = f"{year}/{per_year[year]:04d}"

    def event_count(self) -> int:
        rng = self.rng
        low, high = rng.choices([(0, 3), (4, 12), (13, 50), (51, 200)], [45, 35, 17, 3])[0]
        return rng.randint(low, high)

    def timeline(self, c: Council, cases: list[Row], light: Row, heavy: Row) -> None:
        rng = self.rng
        plain: list[Row] = []
        secret: list[Row] = []
        for case in cases:
            n = {id(light): 2, id(heavy): 200}.get(id(case), self.event_count())
            start = datetime.combine(case["opened_on"], time(9))
            end = datetime.combine(case["closed_on"] or self.today, time(18))
            span = max(1, int((end - start).total_seconds()))
            case["n_events"] = n
            case["n_confidential"] = 0
            for _ in range(n):
                kind = rng.choices(list(EventKind), EVENT_KIND_WEIGHTS)[0]
                at = start + timedelta(seconds=rng.randrange(span))
                confidential = case is not light and rng.random() < 0.08
                author = case["manager_id"] if rng.random() < 0.7 else rng.choice(c.staff)
                row = {
                    "tenant_id": c.id,
                    "case_id": case["id"],
                    "kind": kind.value,
                    "occurred_at": at,
                    "text": rng.choice(EVENT_TEXTS[kind]),
                    "confidential": confidential,
                    "author_id": author,
                    "created_at": at,
                }
                (secret if confidential else plain).append(row)
                case["n_confidential"] += confidential
        self.insert(CaseEvent, plain)
        readers = []
        for event_id in self.insert(CaseEvent, secret, ids=True):
            for user_id in set(rng.sample(c.staff, min(len(c.staff), rng.choice([0, 0, 1, 2])))):
                readers.append({"tenant_id": c.id, "event_id": event_id, "user_id": user_id})
        self.insert(ConfidentialReader, readers)

    def diagnosis(self, c: Council, cases: list[Row]) -> None:
        rows = [
            {
                "tenant_id": c.id,
                "case_id": case["id"],
                "area": area,
                "needs": "Rendimento insuficiente para as despesas fixas do agregado.",
                "potentials": "Família colaborante e com vontade de mudar a situação.",
                "support_network": "Vizinhos e uma irmã que vive no concelho.",
                "updated_by_id": case["manager_id"],
                "updated_at": self.now,
            }
            for case in cases
            for area in case["areas"]
        ]
        self.insert(DiagnosisArea, rows)

    def plans(
        self, c: Council, cases: list[Row], light: Row, heavy: Row, partner_org: int
    ) -> Counter[int]:
        """1-3 versions per case that has a plan, the last active; active actions per case."""
        rng = self.rng
        plans: list[Row] = []
        # (case, active, goals, actions per goal)
        shapes: list[tuple[Row, bool, int, int | None]] = []
        for case in cases:
            if case is light:
                versions, goals, actions = 1, 1, 1
            elif case is heavy:
                versions, goals, actions = 3, 6, 6
            elif rng.random() < (0.85 if case["status"] != CaseStatus.CLOSED else 0.5):
                versions, goals, actions = rng.choices([1, 2, 3], [60, 30, 10])[0], 0, None
            else:
                continue
            for version in range(1, versions + 1):
                agreed = case["opened_on"] + timedelta(days=20 + 60 * (version - 1))
                current = version == versions
                plans.append(
                    {
                        "tenant_id": c.id,
                        "case_id": case["id"],
                        "version": version,
                        "status": (PlanStatus.ACTIVE if current else PlanStatus.SUPERSEDED).value,
                        "agreed_on": agreed,
                        "review_on": agreed + timedelta(days=180),
                        "created_by_id": case["manager_id"],
                        "created_at": datetime.combine(agreed, time(11)),
                    }
                )
                shapes.append((case, current, goals or rng.randint(1, 4), actions))
        goal_rows: list[Row] = []
        goal_shapes: list[tuple[Row, bool, int, int]] = []  # (case, active, plan id, actions)
        for plan_id, (case, current, goals, actions) in zip(
            self.insert(InterventionPlan, plans, ids=True), shapes, strict=True
        ):
            for position in range(1, goals + 1):
                goal_rows.append(
                    {
                        "tenant_id": c.id,
                        "plan_id": plan_id,
                        "position": position,
                        "description": rng.choice(GOALS),
                    }
                )
                goal_shapes.append((case, current, plan_id, actions or rng.randint(1, 4)))
        action_rows: list[Row] = []
        per_case: Counter[int] = Counter()
        for goal_id, (case, current, plan_id, n) in zip(
            self.insert(PlanGoal, goal_rows, ids=True), goal_shapes, strict=True
        ):
            for position in range(1, n + 1):
                designated = case is light or case is heavy
                user_id, org_id = None, None
                pick = rng.random()
                if designated and (case is light or pick < 0.6):
                    org_id = partner_org
                elif pick < 0.55:
                    user_id = rng.choice(c.staff)
                elif pick < 0.85:
                    org_id = rng.choice(c.partners)
                due = case["opened_on"] + timedelta(days=rng.randint(15, 400))
                status = rng.choices(list(ActionStatus), [40, 30, 25, 5])[0]
                action_rows.append(
                    {
                        "tenant_id": c.id,
                        "goal_id": goal_id,
                        "plan_id": plan_id,
                        "case_id": case["id"],
                        "position": position,
                        "description": rng.choice(ACTIONS),
                        "responsible_user_id": user_id,
                        "responsible_organization_id": org_id,
                        "due_on": due,
                        "status": status.value,
                        "progress_note": None,
                        "overdue_flagged_for": None,
                        "updated_by_id": case["manager_id"],
                        "updated_at": self.now,
                    }
                )
                per_case[case["id"]] += current
        self.insert(PlanAction, action_rows)
        return per_case

    def referrals(
        self, c: Council, cases: list[Row], light: Row, heavy: Row, partner_org: int
    ) -> None:
        rng = self.rng
        rows = []
        for case in cases:
            n = {id(light): 1, id(heavy): 12}.get(id(case))
            if n is None:
                n = rng.choice([1, 1, 2, 3]) if rng.random() < 0.35 else 0
            case["n_referrals"] = n
            for k in range(n):
                designated = case is light or case is heavy
                org = partner_org if designated and k % 2 == 0 else rng.choice(c.partners)
                status = rng.choices(list(ReferralStatus), [30, 30, 10, 25, 5])[0]
                asked = datetime.combine(case["opened_on"], time(14)) + timedelta(days=k * 7)
                answered = status != ReferralStatus.PENDING
                rows.append(
                    {
                        "tenant_id": c.id,
                        "case_id": case["id"],
                        "organization_id": org,
                        "area": rng.choice(case["areas"]),
                        "request": "Pedimos avaliação e resposta para o agregado.",
                        "respond_by": asked.date() + timedelta(days=15),
                        "status": status.value,
                        "requested_by_id": case["manager_id"],
                        "requested_at": asked,
                        "response_reason": "Sem vaga disponível."
                        if status == ReferralStatus.REFUSED
                        else None,
                        "responded_by_id": None,
                        "responded_at": asked + timedelta(days=5) if answered else None,
                        "outcome": "Resposta assegurada."
                        if status == ReferralStatus.COMPLETED
                        else None,
                        "completed_at": asked + timedelta(days=30)
                        if status == ReferralStatus.COMPLETED
                        else None,
                    }
                )
        self.insert(Referral, rows)

    def share_plan(self, c: Council, case: Row, light: Row, heavy: Row, org: int) -> list[Row]:
        """The shares of one case as dicts (``state``: active, expired, revoked, consent_*)."""
        rng = self.rng
        if case is light:
            return [{"org": org, "state": "active", "sections": ALL_SECTIONS, "basis": "law"}]
        if case is heavy:
            others = [o for o in c.partners if o != org] or [org]
            plan = [
                {"org": org, "state": "active", "sections": ALL_SECTIONS, "basis": b}
                for b in ("consent", "law", "consent", "law")
            ]
            plan += [
                {"org": org, "state": s, "sections": ALL_SECTIONS, "basis": "consent"}
                for s in ("expired", "expired", "revoked", "revoked", "consent_revoked")
            ]
            plan.append(
                {
                    "org": org,
                    "state": "consent_lapsed",
                    "sections": ALL_SECTIONS,
                    "basis": "consent",
                }
            )
            plan += [
                {
                    "org": others[k % len(others)],
                    "state": rng.choice(["active", "expired"]),
                    "sections": ALL_SECTIONS,
                    "basis": "law",
                }
                for k in range(10)
            ]
            return plan
        closed = case["status"] == CaseStatus.CLOSED
        if rng.random() >= (0.1 if closed else 0.3):
            return []
        plan = []
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            sections = [str(Section.IDENTIFICATION)] if rng.random() < 0.9 else []
            sections += [s for s in ALL_SECTIONS[1:] if rng.random() < 0.5]
            state = rng.choices(
                ["active", "expired", "revoked", "consent_revoked", "consent_lapsed"],
                [70, 15, 8, 4, 3],
            )[0]
            plan.append(
                {
                    "org": rng.choice(c.partners),
                    "state": state,
                    "sections": sections or [str(Section.IDENTIFICATION)],
                    "basis": "consent"
                    if state.startswith("consent") or rng.random() < 0.6
                    else "law",
                }
            )
        return plan

    def shares(
        self, c: Council, cases: list[Row], light: Row, heavy: Row, partner_org: int
    ) -> set[int]:
        """Consents and shares; the ids of the cases ``partner_org`` reaches now."""
        rng = self.rng
        consents: list[Row] = []
        pending: list[tuple[Row, Row, int | None]] = []  # (share row, consent row index)
        for case in cases:
            plans = self.share_plan(c, case, light, heavy, partner_org)
            case["n_shares"] = len(plans)
            for plan in plans:
                state = plan["state"]
                given = case["opened_on"] + timedelta(days=rng.randint(0, 30))
                created = datetime.combine(given, time(15))
                consent_index = None
                if plan["basis"] == "consent":
                    lapsed = state == "consent_lapsed"
                    valid_until = None
                    if lapsed:
                        valid_until = self.today - timedelta(days=rng.randint(1, 200))
                    elif rng.random() < 0.4:
                        valid_until = self.today + timedelta(days=rng.randint(30, 700))
                    consents.append(
                        {
                            "tenant_id": c.id,
                            "person_id": case["person_id"],
                            "given_by": "O próprio",
                            "given_on": min(given, valid_until or given),
                            "scope": "Partilha de informação com a entidade parceira.",
                            "valid_until": valid_until,
                            "revoked_at": self.now if state == "consent_revoked" else None,
                            "revoked_by_id": None,
                            "recorded_by_id": case["manager_id"],
                            "created_at": created,
                        }
                    )
                    consent_index = len(consents) - 1
                    basis = LegalBasis.CONSENT
                else:
                    basis = rng.choice([LegalBasis.LEGAL_OBLIGATION, LegalBasis.PUBLIC_INTEREST])
                if state == "expired":
                    expires = self.today - timedelta(days=rng.randint(1, 400))
                else:
                    expires = self.today + timedelta(days=rng.randint(1, 365))
                diagnosis = str(Section.DIAGNOSIS) in plan["sections"]
                limited = diagnosis and case is not light and rng.random() < 0.3
                share = {
                    "tenant_id": c.id,
                    "case_id": case["id"],
                    "organization_id": plan["org"],
                    "sections": plan["sections"],
                    "diagnosis_areas": case["areas"][:1] if limited else [],
                    "purpose": "Articulação do acompanhamento da família.",
                    "legal_basis": basis.value,
                    "legal_reference": LEGAL_REFERENCES.get(basis),
                    "consent_id": None,
                    "expires_on": expires,
                    "revoked_at": self.now if state == "revoked" else None,
                    "revoked_by_id": case["manager_id"] if state == "revoked" else None,
                    "created_by_id": case["manager_id"],
                    "created_at": created,
                }
                pending.append((share, case, consent_index))
        consent_ids = self.insert(Consent, consents, ids=True)
        rows = []
        visible = set()
        for share, case, index in pending:
            if index is not None:
                share["consent_id"] = consent_ids[index]
            rows.append(share)
            consent = consents[index] if index is not None else None
            active = (
                share["revoked_at"] is None
                and share["expires_on"] >= self.today
                and (
                    consent is None
                    or (
                        consent["revoked_at"] is None
                        and (consent["valid_until"] is None or consent["valid_until"] >= self.today)
                    )
                )
            )
            if active and share["organization_id"] == partner_org:
                visible.add(case["id"])
        self.insert(CaseShare, rows)
        return visible
