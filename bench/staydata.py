"""Shelter stays and their follow-up for the benchmark of the reports (issue 7).

``shelterdata.py --stays`` calls :class:`StayGenerator` once the pool exists, on a database
``generate.py`` filled with case data (``--persons``/``--cases``): the stays are the
requesting councils' rows, each resting on a case and one of its household's people.

- **Current stays.** Every *placed* profile of ``shelterdata.py`` (an *admitted* allocation)
  gets its placement request in the requesting council (numbered per council and year, placed)
  and its stay from the allocation's admission, for a person of an open case of that council
  whose age fits the public when one is left (a person holds one stay at a time); about 8 %
  re-admit someone whose earlier stay (below) ended before.
- **Ended stays** (``--ended`` per current stay, 1 by default): a profile, a *discharged*
  allocation of a place of its public with its four log entries, the request and the stay,
  admitted 60 to 900 days ago for up to 1.6 times the modality's expected duration, with an
  end reason, the discharge steps (three in four with steps 1 to 4) and the follow-up contacts
  the service schedules (7 to 174 days after), four in five of those due already done.
- **On every stay**, as the services write them: the PIA/PIF (most with a main goal, 0 to 4
  goals, a review every 90 days, a quarter of the current ones overdue), contacts of every kind
  (about one a week, at most 40), open or resolved blockers (a third of the current stays);
  the host council's admission sheet, four in five with health, medication and diet.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, text

from teia.accounts.models import Membership, Role
from teia.cases.models import Case, CaseStatus
from teia.people.models import HouseholdMember, Person
from teia.shelter.discharge import follow_up_days
from teia.shelter.indicators import DISCHARGE_STEPS_REQUIRED
from teia.shelter.models import (
    AdmissionSheet,
    Allocation,
    AllocationEvent,
    CarePlan,
    CarePlanGoal,
    CarePlanReview,
    DischargeStep,
    FollowUpContact,
    PlacementProfile,
    PlacementRequest,
    Stay,
    StayBlocker,
    StayContact,
)

Row = dict[str, Any]
CHUNK = 5000
REVIEW_EVERY = 90
CONTACT_KINDS = [
    ("family_visit", 25),
    ("family_call", 25),
    ("outing", 15),
    ("community", 15),
    ("heard", 10),
    ("incident", 7),
    ("no_visit_reason", 3),
]
BLOCKER_KINDS = ["documents", "court_decision", "health", "school", "extended_family", "housing"]
END_REASONS = [
    ("return_family", 35),
    ("extended_family", 15),
    ("autonomy", 20),
    ("transfer", 15),
    ("adoption", 3),
    ("absconded", 8),
    ("other", 4),
]
INDICATORS = ["imminent_risk", "serious_neglect", "no_carer", "expulsion", "protective_measure"]
RESPONSIBLE = ["unit", "team", "family", "protective_body", "health", "school"]


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass
class Candidate:
    """A person of an open case of the council."""

    case_id: int
    person_id: int
    born: date | None
    sex: str | None
    given_names: str
    family_names: str


@dataclass
class Placement:
    """One stay to write: its profile and allocation (written already or not), the person."""

    council: int
    profile: Row
    allocation: Row
    unit: Row
    who: Candidate
    admitted_on: date
    ended_on: date | None
    previous: Placement | None = None
    referent_id: int = 0
    request_id: int = 0
    stay_id: int = 0


class StayGenerator:
    def __init__(
        self,
        conn: Connection,
        rng: random.Random,
        now: datetime,
        consortium_id: int,
        coordinator_id: int,
        council_names: dict[int, str],
        counts: Counter[str],
    ) -> None:
        self.conn = conn
        self.rng = rng
        self.now = now
        self.today = now.date()
        self.consortium_id = consortium_id
        self.coordinator_id = coordinator_id
        self.council_names = council_names
        self.counts = counts

    def set_tenant(self, tenant_id: int | None) -> None:
        """What the app does per transaction: row-level security compares rows with this."""
        value = "" if tenant_id is None else str(tenant_id)
        self.conn.execute(text("SELECT set_config('teia.tenant_id', :v, true)"), {"v": value})

    def insert(self, model: Any, rows: list[Row], *, ids: bool = False) -> list[int]:
        table = model.__table__
        self.counts[table.name] += len(rows)
        found: list[int] = []
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            if ids:
                stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
                found.extend(r[0] for r in self.conn.execute(stmt, chunk))
            else:
                self.conn.execute(insert(table), chunk)
        return found

    def by_council(self, model: Any, rows: list[Row], *, ids: bool = False) -> list[int]:
        """Insert tenant rows council by council, each with its ``teia.tenant_id`` (RLS);
        the new ids in the order of ``rows`` when ``ids``."""
        groups: dict[int, list[int]] = defaultdict(list)
        for n, row in enumerate(rows):
            groups[row["tenant_id"]].append(n)
        found: list[int] = [0] * len(rows)
        for tenant_id, positions in sorted(groups.items()):
            self.set_tenant(tenant_id)
            new = self.insert(model, [rows[n] for n in positions], ids=ids)
            for n, row_id in zip(positions, new, strict=False):
                found[n] = row_id
        self.set_tenant(None)
        return found if ids else []

    # --- who ----------------------------------------------------------------------------------

    def candidates(self, councils: list[int]) -> dict[int, list[Candidate]]:
        rows = self.conn.execute(
            select(
                Case.tenant_id,
                Case.id,
                Person.id,
                Person.birth_date,
                Person.sex,
                Person.given_names,
                Person.family_names,
            )
            .join(HouseholdMember, HouseholdMember.household_id == Case.household_id)
            .join(Person, Person.id == HouseholdMember.person_id)
            .where(
                Case.tenant_id.in_(councils),
                Case.status != CaseStatus.CLOSED.value,
                HouseholdMember.left_on.is_(None),
            )
            .order_by(Case.id, Person.id)
        )
        found: dict[int, list[Candidate]] = defaultdict(list)
        seen: set[int] = set()
        for tenant_id, *rest in rows:
            if rest[1] not in seen:  # a person once, with the first open case found
                seen.add(rest[1])
                found[tenant_id].append(Candidate(*rest))
        for people in found.values():
            self.rng.shuffle(people)
        return found

    def referents(self, councils: list[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for tenant_id, user_id in self.conn.execute(
            select(Membership.tenant_id, Membership.user_id)
            .where(
                Membership.tenant_id.in_(councils),
                Membership.role == Role.CASE_MANAGER,
                Membership.active.is_(True),
            )
            .order_by(Membership.user_id)
        ):
            found[tenant_id].append(user_id)
        return found

    def pick(
        self, people: list[Candidate], used: set[int], ages: tuple[int, int], on: date
    ) -> Candidate:
        """A person with no stay yet (marked used), whose age on ``on`` fits ``ages`` if one is
        found soon."""
        found = self.fitting(people, used, ages, on)
        used.add(found.person_id)
        return found

    def fitting(
        self, people: list[Candidate], used: set[int], ages: tuple[int, int], on: date
    ) -> Candidate:
        fallback = None
        for _ in range(60):
            who = people[self.rng.randrange(len(people))]
            if who.person_id in used:
                continue
            age = age_on(who.born, on)
            if age is not None and ages[0] <= age <= ages[1]:
                return who
            fallback = fallback or who
        if fallback is None:
            fallback = next(p for p in people if p.person_id not in used)
        return fallback

    # --- the run ------------------------------------------------------------------------------

    def run(
        self,
        profiles: list[Row],
        allocations: list[Row],
        units: dict[int, Row],
        places: list[Row],
        ages: dict[str, tuple[int, int]],
        expected_days: dict[str, int | None],
        ended_per_current: float,
    ) -> None:
        rng = self.rng
        councils = sorted({p["requesting_tenant_id"] for p in profiles})
        people = self.candidates(councils)
        referents = self.referents(councils)
        missing = [c for c in councils if not people.get(c) or not referents.get(c)]
        if missing:
            raise SystemExit(f"councils {missing} have no open case or case manager: --cases")
        self.referent = {c: referents[c] for c in councils}
        used: set[int] = set()
        by_public: dict[str, list[Row]] = defaultdict(list)
        for place in places:
            by_public[place["public"]].append(place)

        current = [
            (p, a)
            for p, a in zip(profiles, allocations, strict=False)
            if p["status"] == "placed" and a["status"] == "admitted"
        ]
        ended: list[Placement] = []
        for _ in range(int(len(current) * ended_per_current)):
            model, _alloc = rng.choice(current)
            council = model["requesting_tenant_id"]
            place = rng.choice(by_public[model["public"]])
            unit = units[place["unit_id"]]
            expected = expected_days[unit["modality"]] or 180
            ago = rng.randint(60, 900)
            admitted = self.today - timedelta(days=ago)
            length = rng.randint(3, max(4, min(ago - 1, int(expected * 1.6))))
            who = self.pick(people[council], used, ages[model["public"]], admitted)
            requested = datetime.combine(admitted, time(9)) - timedelta(days=rng.randint(1, 20))
            profile = {k: v for k, v in model.items() if k != "id"}
            profile["requested_at"] = requested
            profile["closed_at"] = datetime.combine(admitted, time(11))
            allocation = {
                "place_id": place["id"],
                "unit_id": place["unit_id"],
                "status": "discharged",
                "offered_at": requested + timedelta(hours=rng.randint(1, 20)),
            }
            ended.append(
                Placement(
                    council, profile, allocation, unit, who, admitted, admitted + timedelta(length)
                )
            )
        self.write_profiles_and_allocations(ended)

        stays = list(ended)
        ended_by_council: dict[int, list[Placement]] = defaultdict(list)
        for e in ended:
            ended_by_council[e.council].append(e)
        readmitted: set[int] = set()
        for profile, allocation in current:
            council = profile["requesting_tenant_id"]
            admitted = allocation["admitted_at"].date()
            previous = None
            if rng.random() < 0.08 and ended_by_council[council]:
                earlier = rng.choice(ended_by_council[council])
                assert earlier.ended_on is not None
                if earlier.ended_on < admitted and earlier.who.person_id not in readmitted:
                    previous = earlier
                    readmitted.add(earlier.who.person_id)
            if previous is not None:
                who = previous.who
            else:
                who = self.pick(people[council], used, ages[profile["public"]], admitted)
            unit = units[allocation["unit_id"]]
            stays.append(
                Placement(council, profile, allocation, unit, who, admitted, None, previous)
            )
        self.write_requests_and_stays(stays, expected_days)
        self.write_follow_up(stays)
        self.write_sheets(stays)
        self.counts["stays current"] = len(stays) - len(ended)
        self.counts["stays ended"] = len(ended)
        self.counts["re-admissions"] = sum(s.previous is not None for s in stays)

    # --- writing ------------------------------------------------------------------------------

    def write_profiles_and_allocations(self, ended: list[Placement]) -> None:
        """The ended stays' profiles (placed), discharged allocations and desk log."""
        rng = self.rng
        ids = self.insert(PlacementProfile, [e.profile for e in ended], ids=True)
        self.counts.pop(PlacementProfile.__tablename__)
        self.counts["profiles placed (ended stays)"] = len(ids)
        rows = []
        for e, profile_id in zip(ended, ids, strict=True):
            e.profile["id"] = profile_id
            offered = e.allocation["offered_at"]
            assert e.ended_on is not None
            rows.append(
                {
                    **e.allocation,
                    "profile_id": profile_id,
                    "consortium_id": self.consortium_id,
                    "offered_by_id": self.coordinator_id,
                    "expires_at": offered + timedelta(hours=24),
                    "responded_by_id": None,
                    "responded_at": offered + timedelta(hours=2),
                    "refusal_reason": None,
                    "admitted_at": datetime.combine(e.admitted_on, time(11)),
                    "discharged_at": datetime.combine(e.ended_on, time(rng.randint(9, 17))),
                    "explanation": {"position": 1, "tier": "same_council", "free": 1},
                }
            )
        for e, allocation_id in zip(ended, self.insert(Allocation, rows, ids=True), strict=True):
            e.allocation = {**e.allocation, "id": allocation_id}
        events = []
        for e, row in zip(ended, rows, strict=True):
            for action, at in (
                ("offered", row["offered_at"]),
                ("accepted", row["responded_at"]),
                ("admitted", row["admitted_at"]),
                ("discharged", row["discharged_at"]),
            ):
                events.append(
                    {
                        "consortium_id": self.consortium_id,
                        "profile_id": row["profile_id"],
                        "allocation_id": e.allocation["id"],
                        "action": action,
                        "actor_id": self.coordinator_id if action == "offered" else None,
                        "at": at,
                        "details": {},
                    }
                )
        self.insert(AllocationEvent, events)

    def write_requests_and_stays(
        self, stays: list[Placement], expected_days: dict[str, int | None]
    ) -> None:
        rng = self.rng
        per_year: Counter[tuple[int, int]] = Counter()
        ordered = sorted(stays, key=lambda s: s.profile["requested_at"])
        requests = []
        for s in ordered:
            year = s.profile["requested_at"].year
            per_year[(s.council, year)] += 1
            s.referent_id = rng.choice(self.referent[s.council])
            requests.append(
                {
                    "tenant_id": s.council,
                    "number": f"{year}/{per_year[(s.council, year)]:04d}",
                    "case_id": s.who.case_id,
                    "person_id": s.who.person_id,
                    "consortium_id": self.consortium_id,
                    "profile_id": s.profile["id"],
                    "indicators": rng.sample(INDICATORS, rng.randint(1, 2)),
                    "isolated_factors": [],
                    "situation": "Situação descrita pela equipa técnica do município.",
                    "risk": s.profile["risk"],
                    "urgency": s.profile["urgency"],
                    "protective_measure": None,
                    "protective_body": "cpcj" if s.profile["age"] < 18 else "none",
                    "protective_reference": None,
                    "outside_territory": s.profile["outside_territory"],
                    "safety_reason": "Perseguição pelo agressor."
                    if s.profile["outside_territory"]
                    else None,
                    "status": "placed",
                    "status_reason": None,
                    "requested_by_id": s.referent_id,
                    "submission_key": None,
                    "created_at": s.profile["requested_at"],
                }
            )
        for s, request_id in zip(
            ordered, self.by_council(PlacementRequest, requests, ids=True), strict=True
        ):
            s.request_id = request_id
        # Earlier stays first, so a re-admission can name the stay it follows.
        first, again = [s for s in ordered if not s.previous], [s for s in ordered if s.previous]
        for batch in (first, again):
            rows = []
            for s in batch:
                expected = expected_days[s.unit["modality"]]
                rows.append(
                    {
                        "tenant_id": s.council,
                        "request_id": s.request_id,
                        "case_id": s.who.case_id,
                        "person_id": s.who.person_id,
                        "allocation_id": s.allocation["id"],
                        "unit_id": s.unit["id"],
                        "modality": s.unit["modality"],
                        "admitted_on": s.admitted_on,
                        "referral_guide": f"GE-{s.council}-{s.admitted_on:%Y}-{s.request_id}",
                        "technical_referent_id": s.referent_id,
                        "follow_up_every_days": rng.choice([7, 15, 15, 30]),
                        "expected_end_on": s.admitted_on + timedelta(days=expected)
                        if expected
                        else None,
                        "status": "discharged" if s.ended_on else "active",
                        "ended_on": s.ended_on,
                        "end_reason": weighted(rng, END_REASONS) if s.ended_on else None,
                        "end_notes": None,
                        "previous_stay_id": s.previous.stay_id if s.previous else None,
                        "created_at": datetime.combine(s.admitted_on, time(12)),
                    }
                )
            for s, stay_id in zip(batch, self.by_council(Stay, rows, ids=True), strict=True):
                s.stay_id = stay_id

    def write_follow_up(self, stays: list[Placement]) -> None:
        """Plans with goals and reviews, contacts, blockers; discharge steps and follow-ups."""
        rng = self.rng
        today = self.today
        plans = []
        for s in stays:
            last = s.ended_on or today
            if s.ended_on is None and rng.random() < 0.25:
                next_review = today - timedelta(days=rng.randint(1, 60))
            else:
                next_review = max(
                    s.admitted_on + timedelta(days=30),
                    last + timedelta(days=rng.randint(0, REVIEW_EVERY - 1)),
                )
            plans.append(
                {
                    "tenant_id": s.council,
                    "stay_id": s.stay_id,
                    "kind": "pia" if s.profile["age"] < 18 else "pif",
                    "diagnosis": "Riscos, necessidades, forças e rede de apoio.",
                    "main_goal": weighted(
                        rng, [("return_family", 40), ("extended_family", 15), ("autonomy", 25)]
                    )
                    if rng.random() < 0.8
                    else None,
                    "main_goal_detail": "",
                    "contact_plan": "Visitas quinzenais supervisionadas.",
                    "review_criteria": "",
                    "review_every_days": REVIEW_EVERY,
                    "next_review_on": next_review,
                    "updated_by_id": s.referent_id,
                    "created_at": datetime.combine(s.admitted_on, time(12)),
                    "updated_at": datetime.combine(s.admitted_on, time(12)),
                }
            )
        plan_ids = self.by_council(CarePlan, plans, ids=True)
        goals, reviews, contacts, blockers, steps, follow_ups = [], [], [], [], [], []
        for s, plan_id in zip(stays, plan_ids, strict=True):
            tenant = s.council
            last = s.ended_on or today
            days = (last - s.admitted_on).days
            for _ in range(rng.randint(0, 4)):
                due = s.admitted_on + timedelta(days=rng.randint(30, 540))
                done = due < today and rng.random() < 0.5
                goals.append(
                    {
                        "tenant_id": tenant,
                        "plan_id": plan_id,
                        "term": rng.choice(["short", "medium"]),
                        "description": "Meta acordada com a pessoa acolhida.",
                        "responsible": rng.choice(RESPONSIBLE),
                        "responsible_detail": None,
                        "due_on": due if rng.random() < 0.8 else None,
                        "status": "done" if done else "open",
                        "done_on": due if done else None,
                        "created_at": datetime.combine(s.admitted_on, time(12)),
                    }
                )
            review = s.admitted_on + timedelta(days=30)
            while review <= last:
                reviews.append(
                    {
                        "tenant_id": tenant,
                        "plan_id": plan_id,
                        "reviewed_on": review,
                        "progress": rng.choice(["advance", "setback", "none"]),
                        "summary": "Reavaliação do plano com a equipa e a pessoa acolhida.",
                        "plan_changed": rng.random() < 0.3,
                        "reviewer_id": s.referent_id,
                        "created_at": datetime.combine(review, time(15)),
                    }
                )
                review += timedelta(days=REVIEW_EVERY)
            for _ in range(rng.randint(0, min(40, days // 7 + 1))):
                on = s.admitted_on + timedelta(days=rng.randint(0, days))
                contacts.append(
                    {
                        "tenant_id": tenant,
                        "stay_id": s.stay_id,
                        "occurred_on": on,
                        "kind": weighted(rng, CONTACT_KINDS),
                        "with_whom": None,
                        "supervised": rng.random() < 0.3,
                        "notes": "",
                        "recorded_by_id": s.referent_id,
                        "created_at": datetime.combine(on, time(16)),
                    }
                )
            for _ in range(rng.choice([0, 0, 0, 0, 1, 2] if s.ended_on else [0, 0, 1, 2])):
                created = s.admitted_on + timedelta(days=rng.randint(0, days))
                resolved = s.ended_on is not None or rng.random() < 0.4
                blockers.append(
                    {
                        "tenant_id": tenant,
                        "stay_id": s.stay_id,
                        "kind": rng.choice(BLOCKER_KINDS),
                        "description": "Pendência que atrasa o desligamento.",
                        "owner": "Tribunal da comarca",
                        "owner_user_id": None,
                        "due_on": created + timedelta(days=60),
                        "resolved_on": min(last, created + timedelta(days=rng.randint(5, 120)))
                        if resolved
                        else None,
                        "created_at": datetime.combine(created, time(10)),
                    }
                )
            if s.ended_on is None:
                continue
            done_steps = list(DISCHARGE_STEPS_REQUIRED)
            if rng.random() < 0.25:
                done_steps = sorted(rng.sample(done_steps, rng.randint(0, len(done_steps) - 1)))
            for step in done_steps:
                on = max(s.admitted_on, s.ended_on - timedelta(days=rng.randint(0, 20)))
                steps.append(self.step(s, step, on))
            if rng.random() < 0.6:
                steps.append(self.step(s, 5, min(today, s.ended_on + timedelta(days=3))))
            for after in follow_up_days():
                due = s.ended_on + timedelta(days=after)
                done = None
                if due <= today and rng.random() < 0.8:
                    done = due - timedelta(days=rng.randint(0, 3))
                    if rng.random() < 0.3:
                        done = min(today, due + timedelta(days=rng.randint(1, 10)))
                follow_ups.append(
                    {
                        "tenant_id": tenant,
                        "stay_id": s.stay_id,
                        "due_on": due,
                        "responsible_id": s.referent_id,
                        "done_on": done,
                        "observations": {},
                        "notes": None,
                    }
                )
        self.by_council(CarePlanGoal, goals)
        self.by_council(CarePlanReview, reviews)
        self.by_council(StayContact, contacts)
        self.by_council(StayBlocker, blockers)
        self.by_council(DischargeStep, steps)
        self.by_council(FollowUpContact, follow_ups)

    @staticmethod
    def step(s: Placement, step: int, on: date) -> Row:
        return {
            "tenant_id": s.council,
            "stay_id": s.stay_id,
            "step": step,
            "done_on": on,
            "notes": "Registado pela equipa técnica.",
            "recorded_by_id": s.referent_id,
            "created_at": datetime.combine(on, time(17)),
        }

    def write_sheets(self, stays: list[Placement]) -> None:
        """The host councils' admission sheets (their rows, in their scope)."""
        rng = self.rng
        sheets = []
        for s in stays:
            full = rng.random() < 0.8
            sheets.append(
                {
                    "tenant_id": s.unit["host_tenant_id"],
                    "unit_id": s.unit["id"],
                    "allocation_id": s.allocation["id"],
                    "given_names": s.who.given_names,
                    "family_names": s.who.family_names,
                    "birth_date": s.who.born,
                    "sex": s.who.sex,
                    "health": "Sem doenças crónicas conhecidas." if full else "",
                    "medication": "Nenhuma." if full or rng.random() < 0.5 else "",
                    "diet": "Sem restrições." if full else "",
                    "school": "",
                    "contacts": "Mãe (visitas supervisionadas).",
                    "referent_name": "Técnica de referência",
                    "referent_contact": "266 000 000",
                    "requesting_council": self.council_names[s.council],
                    "referral_guide": f"GE-{s.council}-{s.admitted_on:%Y}-{s.request_id}",
                    "admitted_on": s.admitted_on,
                    "ended_on": s.ended_on,
                    "created_at": datetime.combine(s.admitted_on, time(12)),
                }
            )
        self.by_council(AdmissionSheet, sheets)
