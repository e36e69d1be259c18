"""Shelter places pooled by a consortium of the generated councils, for the benchmark.

    python bench/shelterdata.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1/teia_bench_shelter \
        --units 2000 --profiles 5000

Adds to a database that ``generate.py`` filled (it needs the ``bench-*`` councils only: run
``generate.py --councils 20 --users 20 --reset`` first), with Core bulk inserts as the schema
owner, in one transaction:

- **Catalogues.** The shelter modalities and publics of ``tenants/_catalogs/shelter_*.yaml``
  (``tenants sync`` is not run on a bench database).
- **The consortium** ``bench-cim``: every bench council a member; each council borders the
  next and the previous one (``neighbours``, a ring), so territoriality has all three tiers.
- **Its coordinator**, ``coordenacao@bench-cim.bench.teia.pt`` (password ``bench-password``),
  with a second factor (coordinators must have one): the TOTP secret is encrypted with a
  secret key generated here, which ``load_shelter.py`` gives the server.
- **Units** (``--units``, spread over the councils): mixed modalities, sex rules (the casas de
  abrigo female-only, the rest 76 % any, 12 % female-only, 12 % male-only: about 68/21/11),
  accessibility, intensive care, 3 % inactive; 8 to 12 places each for one to three publics,
  every place in the consortium's pool, 10 % reserved for a member council (a quota), 3 %
  blocked, 1 % retired.
- **Occupancy.** About 55 % of the active, unblocked places hold a stay (an *admitted*
  allocation of a *placed* profile, with its offer, acceptance and admission in the desk's
  log); 250 open profiles hold a place (offered or accepted).
- **Open profiles** (``--profiles``, waiting or offered): ages that fit their public, F/M/X,
  risk and urgency (a quarter critical), requested over the last 60 days, the anchor council
  mostly the requesting one, 10 % with the safety flag, some needing accessibility, intensive
  care or named modalities.

With ``--stays`` (on a database with case data), also the stays of the placed profiles and as
many ended ones, with their plans, contacts, blockers, discharges, follow-ups and admission
sheets (``staydata.py``): what the reports' shelter indicators count.

Writes ``bench/results/shelter.json`` for ``load_shelter.py``: the coordinator, the secret key
and TOTP secret, and five sample profiles (see ``load_shelter.py``) with what their pages show.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "platform"))

import pyotp  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import Connection, create_engine, func, insert, select, text, update  # noqa: E402
from sqlalchemy.dialects.postgresql import insert as pg_insert  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from staydata import StayGenerator  # noqa: E402

import teia.models  # noqa: E402, F401 - every mapper, so the ORM columns resolve
from teia.accounts.models import Membership, Role, TwoFactor, User  # noqa: E402
from teia.core.crypto import encrypt  # noqa: E402
from teia.core.db import utcnow  # noqa: E402
from teia.core.security import hash_password  # noqa: E402
from teia.shelter.models import (  # noqa: E402
    RISK_RANK,
    URGENCY_RANK,
    Allocation,
    AllocationEvent,
    PlacementProfile,
    PlacePool,
    ShelterPlace,
    ShelterUnit,
)
from teia.tenants.files import read_yaml  # noqa: E402
from teia.tenants.models import (  # noqa: E402
    CatalogEntry,
    Consortium,
    Organization,
    Tenant,
    consortium_members,
)
from teia.tenants.schemas import CatalogFile  # noqa: E402
from teia.tenants.services import council_organization_slug  # noqa: E402

RESULTS_DIR = REPO_ROOT / "bench" / "results"
BENCH_PASSWORD = "bench-password"  # noqa: S105 - the documented benchmark credential
CONSORTIUM = "bench-cim"
COORDINATOR = "coordenacao@bench-cim.bench.teia.pt"
CATALOGUES = ("shelter_modalities.yaml", "shelter_publics.yaml")
CHUNK = 5000

# (modality, weight, publics it serves) for Portuguese units.
MODALITIES = [
    ("residential_care_children", 30, ("children_0_5", "children_6_11", "adolescents")),
    ("emergency_care_children", 10, ("children_0_5", "children_6_11", "adolescents")),
    ("foster_family", 8, ("children_0_5", "children_6_11")),
    ("domestic_violence_shelter", 10, ("adults",)),
    ("emergency_lodging", 10, ("adults", "street_homeless", "young_adults")),
    ("temporary_shelter_centre", 10, ("street_homeless", "adults")),
    ("elderly_residence", 14, ("older_people",)),
    ("disability_residence", 8, ("people_with_disabilities",)),
]
# The open requests' publics, weighted (children and adolescents are most of the demand).
DEMAND = {
    "children_0_5": 12,
    "children_6_11": 16,
    "adolescents": 26,
    "young_adults": 6,
    "adults": 14,
    "street_homeless": 8,
    "older_people": 12,
    "people_with_disabilities": 6,
}
AGES = {
    "children_0_5": (0, 5),
    "children_6_11": (6, 11),
    "adolescents": (12, 17),
    "young_adults": (18, 21),
    "adults": (18, 64),
    "street_homeless": (18, 80),
    "older_people": (65, 98),
    "people_with_disabilities": (18, 70),
}
RISKS = [("critical", 25), ("high", 45), ("moderate", 30)]
URGENCIES = [("immediate", 25), ("days", 45), ("planned", 30)]
CONSTRAINTS = ["with_children", "siblings_together", "pregnant", "mental_health_support"]
UNIT_WORDS = [
    "Casa",
    "Lar",
    "Centro",
    "Residência",
    "Unidade",
    "Casa de Acolhimento",
    "Refúgio",
    "Abrigo",
]
UNIT_NAMES = [
    "Sol Nascente",
    "Oliveira",
    "Esperança",
    "Ribeira",
    "Aurora",
    "Horizonte",
    "São Francisco",
    "Nossa Senhora da Paz",
    "Girassol",
    "Laranjeira",
    "Monte Verde",
    "Azinhaga",
    "Miradouro",
    "Alecrim",
    "Amendoeira",
    "Azenha",
]


def weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class ShelterGenerator:
    def __init__(self, conn: Connection, rng: random.Random) -> None:
        self.conn = conn
        self.rng = rng
        self.now = utcnow()
        self.counts: Counter[str] = Counter()

    def insert_returning(self, table: Any, rows: list[dict[str, Any]], *cols: Any) -> list[Any]:
        found: list[Any] = []
        for start in range(0, len(rows), CHUNK):
            stmt = insert(table).returning(*cols, sort_by_parameter_order=True)
            found.extend(self.conn.execute(stmt, rows[start : start + CHUNK]))
        return found

    def insert_many(self, table: Any, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            self.conn.execute(insert(table), rows[start : start + CHUNK])

    # --- the consortium ---------------------------------------------------------------------

    def catalogues(self) -> None:
        for name in CATALOGUES:
            problems: list[Any] = []
            read = read_yaml(REPO_ROOT / "tenants" / "_catalogs" / name, problems)
            assert read is not None, problems
            data, digest = read
            spec = CatalogFile.model_validate(data)
            rows = [
                {
                    "catalog": spec.catalog,
                    "code": e.code,
                    "countries": list(e.countries),
                    "labels": dict(e.label),
                    "attributes": dict(e.attributes),
                    "source_hash": digest,
                }
                for e in spec.entries
            ]
            self.conn.execute(
                pg_insert(CatalogEntry.__table__).on_conflict_do_nothing(
                    index_elements=["catalog", "code"]
                ),
                rows,
            )
            self.counts[f"catalogue {spec.catalog}"] = len(rows)

    def consortium(self) -> tuple[int, list[dict[str, Any]]]:
        councils = [
            dict(r._mapping)
            for r in self.conn.execute(
                select(Tenant.id, Tenant.slug, Tenant.name)
                .where(Tenant.source_hash == "bench")
                .order_by(Tenant.slug)
            )
        ]
        if len(councils) < 3:
            sys.exit("run generate.py first: at least 3 bench councils are needed")
        for i, council in enumerate(councils):
            ring = {councils[i - 1]["slug"], councils[(i + 1) % len(councils)]["slug"]}
            ring.discard(council["slug"])
            self.conn.execute(
                update(Tenant).where(Tenant.id == council["id"]).values(neighbours=sorted(ring))
            )
        [(consortium_id,)] = self.conn.execute(
            insert(Consortium.__table__).returning(Consortium.id),
            [
                {
                    "slug": CONSORTIUM,
                    "name": "CIM Bench",
                    "official_name": "Comunidade Intermunicipal de Bench",
                    "country": "PT",
                    "source_hash": "bench",
                }
            ],
        )
        self.conn.execute(
            insert(consortium_members),
            [{"consortium_id": consortium_id, "tenant_id": c["id"]} for c in councils],
        )
        self.counts["councils in the consortium"] = len(councils)
        return consortium_id, councils

    def coordinator(self, consortium_id: int, secret_key: str) -> str:
        """The desk's coordinator, with a TOTP secret encrypted under ``secret_key``."""
        [(org_id,)] = self.conn.execute(
            insert(Organization.__table__).returning(Organization.id),
            [
                {
                    "slug": CONSORTIUM,
                    "name": "CIM Bench",
                    "type_code": "intermunicipal_community",
                    "created_at": self.now,
                }
            ],
        )
        [(user_id,)] = self.conn.execute(
            insert(User.__table__).returning(User.id),
            [
                {
                    "email": COORDINATOR,
                    "name": "Coordenação CIM Bench",
                    "password_hash": hash_password(BENCH_PASSWORD),
                    "active": True,
                    "is_platform_admin": False,
                    "auth_version": 1,
                    "failed_logins": 0,
                    "created_at": self.now,
                }
            ],
        )
        self.conn.execute(
            insert(Membership.__table__),
            [
                {
                    "user_id": user_id,
                    "tenant_id": None,
                    "consortium_id": consortium_id,
                    "organization_id": org_id,
                    "role": Role.CONSORTIUM_COORDINATOR.value,
                    "active": True,
                    "created_at": self.now,
                }
            ],
        )
        totp_secret = pyotp.random_base32()
        app = Flask("shelterdata")
        app.config["SECRET_KEY"] = secret_key
        with app.app_context():
            sealed = encrypt(totp_secret)
        self.conn.execute(
            insert(TwoFactor.__table__),
            [{"user_id": user_id, "secret": sealed, "confirmed_at": self.now, "last_step": 0}],
        )
        self.coordinator_id = user_id
        return totp_secret

    # --- units and places -------------------------------------------------------------------

    def units(self, consortium_id: int, councils: list[dict[str, Any]], count: int) -> None:
        rng = self.rng
        operators = dict(
            self.conn.execute(
                select(Organization.slug, Organization.id).where(
                    Organization.slug.in_([council_organization_slug(c["slug"]) for c in councils])
                )
            ).all()
        )
        rows, plans = [], []
        for n in range(count):
            council = councils[n % len(councils)]
            modality, _weight, publics = weighted(rng, [((m, w, p), w) for m, w, p in MODALITIES])
            if modality == "domestic_violence_shelter":
                sex_rule = "female"
            else:
                sex_rule = weighted(rng, [("any", 76), ("female", 12), ("male", 12)])
            name = f"{rng.choice(UNIT_WORDS)} {rng.choice(UNIT_NAMES)} {n + 1:04d}"
            rows.append(
                {
                    "name": name,
                    "host_tenant_id": council["id"],
                    "operator_id": operators[council_organization_slug(council["slug"])],
                    "modality": modality,
                    "sex_rule": sex_rule,
                    "accessible": rng.random() < 0.3,
                    "intensive_care": modality in ("elderly_residence", "disability_residence")
                    and rng.random() < 0.5,
                    "parish": None,
                    "phone": None,
                    "active": rng.random() > 0.03,
                    "created_at": self.now,
                }
            )
            chosen = rng.sample(publics, rng.randint(1, min(3, len(publics))))
            plans.append((council, chosen, rng.randint(8, 12)))
        unit_ids = [
            r[0] for r in self.insert_returning(ShelterUnit.__table__, rows, ShelterUnit.id)
        ]
        self.units_by_id = {
            unit_id: {
                "id": unit_id,
                "host_tenant_id": row["host_tenant_id"],
                "modality": row["modality"],
            }
            for unit_id, row in zip(unit_ids, rows, strict=True)
        }
        places = []
        for unit_id, (_council, publics, size) in zip(unit_ids, plans, strict=True):
            for k in range(size):
                public = publics[k % len(publics)]
                blocked = rng.random() < 0.03
                places.append(
                    {
                        "unit_id": unit_id,
                        "label": f"Quarto {k // 2 + 1}, cama {'AB'[k % 2]}",
                        "public": public,
                        "active": rng.random() > 0.01,
                        "blocked_reason": "Obras de manutenção" if blocked else None,
                        "blocked_at": self.now if blocked else None,
                        "blocked_by_id": None,
                        "created_at": self.now,
                    }
                )
        ids = self.insert_returning(
            ShelterPlace.__table__, places, ShelterPlace.id, ShelterPlace.unit_id
        )
        host = {unit_id: plan[0]["id"] for unit_id, plan in zip(unit_ids, plans, strict=True)}
        member_ids = [c["id"] for c in councils]
        pools = []
        self.places: list[dict[str, Any]] = []
        for (place_id, unit_id), place in zip(ids, places, strict=True):
            reserved = None
            if rng.random() < 0.10:
                reserved = host[unit_id] if rng.random() < 0.6 else rng.choice(member_ids)
            pools.append(
                {
                    "place_id": place_id,
                    "consortium_id": consortium_id,
                    "reserved_for_tenant_id": reserved,
                }
            )
            if place["active"] and place["blocked_reason"] is None:
                self.places.append({"id": place_id, "unit_id": unit_id, "public": place["public"]})
        self.insert_many(PlacePool.__table__, pools)
        self.counts["units"] = len(rows)
        self.counts["places"] = len(places)
        self.counts["  blocked"] = sum(p["blocked_reason"] is not None for p in places)
        self.counts["  in a quota"] = sum(p["reserved_for_tenant_id"] is not None for p in pools)

    # --- profiles and allocations -------------------------------------------------------------

    def profile_row(
        self,
        consortium_id: int,
        councils: list[dict[str, Any]],
        public: str,
        status: str,
        requested_at: datetime,
    ) -> dict[str, Any]:
        rng = self.rng
        i = rng.randrange(len(councils))
        requesting = councils[i]
        anchor = (
            requesting
            if rng.random() < 0.85
            else councils[(i + rng.choice([1, -1])) % len(councils)]
        )
        low, high = AGES[public]
        risk = weighted(rng, RISKS)
        urgency = weighted(rng, URGENCIES)
        sex = weighted(rng, [("F", 52), ("M", 46), ("X", 2)])
        if public == "adults" and rng.random() < 0.3:
            sex = "F"
        modalities = (
            rng.sample(
                [m for m, _w, served in MODALITIES if public in served],
                1,
            )
            if rng.random() < 0.2
            else []
        )
        return {
            "consortium_id": consortium_id,
            "requesting_tenant_id": requesting["id"],
            "anchor_tenant_id": anchor["id"],
            "reference": "",
            "age": rng.randint(low, high),
            "sex": sex,
            "public": public,
            "modalities": modalities,
            "needs_accessibility": rng.random() < (0.3 if public == "older_people" else 0.05),
            "needs_intensive_care": public in ("older_people", "people_with_disabilities")
            and rng.random() < 0.15,
            "outside_territory": rng.random() < 0.10,
            "constraints": rng.sample(CONSTRAINTS, rng.choice([0, 0, 0, 1])),
            "risk": risk,
            "risk_rank": RISK_RANK[risk],  # type: ignore[index]
            "urgency": urgency,
            "urgency_rank": URGENCY_RANK[urgency],  # type: ignore[index]
            "status": status,
            "requested_at": requested_at,
            "closed_at": requested_at + timedelta(days=2) if status == "placed" else None,
        }

    def profiles_and_allocations(
        self, consortium_id: int, councils: list[dict[str, Any]], open_count: int
    ) -> None:
        rng = self.rng
        slugs = {c["id"]: c["slug"] for c in councils}
        free = self.places[:]
        rng.shuffle(free)
        occupied = free[: int(len(free) * 0.55)]
        held = free[len(occupied) : len(occupied) + 250]
        rows: list[dict[str, Any]] = []
        holdings: list[tuple[dict[str, Any], str]] = []
        for place in occupied:
            when = self.now - timedelta(days=rng.randint(3, 700), minutes=rng.randint(0, 1440))
            rows.append(self.profile_row(consortium_id, councils, place["public"], "placed", when))
            holdings.append((place, "admitted"))
        for place in held:
            when = self.now - timedelta(hours=rng.randint(1, 240))
            rows.append(self.profile_row(consortium_id, councils, place["public"], "offered", when))
            holdings.append((place, rng.choice(["offered", "offered", "accepted"])))
        publics = list(DEMAND.items())
        for _ in range(open_count - len(held)):
            when = self.now - timedelta(minutes=rng.randint(5, 60 * 24 * 60))
            rows.append(
                self.profile_row(consortium_id, councils, weighted(rng, publics), "waiting", when)
            )
        for n, row in enumerate(rows, start=1):
            row["reference"] = f"{slugs[row['requesting_tenant_id']].upper()} {n:06d}"
        ids = [
            r[0]
            for r in self.insert_returning(PlacementProfile.__table__, rows, PlacementProfile.id)
        ]
        for row, profile_id in zip(rows, ids, strict=True):
            row["id"] = profile_id
        allocations = []
        for (place, status), row in zip(holdings, rows, strict=False):
            offered = row["requested_at"] + timedelta(hours=rng.randint(1, 20))
            allocations.append(
                {
                    "profile_id": row["id"],
                    "place_id": place["id"],
                    "unit_id": place["unit_id"],
                    "consortium_id": consortium_id,
                    "status": status,
                    "offered_by_id": self.coordinator_id,
                    "offered_at": offered,
                    "expires_at": self.now + timedelta(hours=rng.randint(1, 24))
                    if status == "offered"
                    else offered + timedelta(hours=24),
                    "responded_by_id": None,
                    "responded_at": offered + timedelta(hours=2) if status != "offered" else None,
                    "refusal_reason": None,
                    "admitted_at": offered + timedelta(days=1) if status == "admitted" else None,
                    "discharged_at": None,
                    "explanation": {
                        "position": 1,
                        "candidates": rng.randint(5, 300),
                        "score": 100,
                        "tier": "same_council",
                        "rules": [{"code": "same_council", "points": 100}],
                        "free": rng.randint(1, 4),
                        "unit": "",
                    },
                }
            )
        allocation_ids = [
            r[0] for r in self.insert_returning(Allocation.__table__, allocations, Allocation.id)
        ]
        for allocation, allocation_id in zip(allocations, allocation_ids, strict=True):
            allocation["id"] = allocation_id
        self.allocations = allocations
        events = []
        steps = {"offered": ("offered",), "accepted": ("offered", "accepted")}
        for allocation, allocation_id in zip(allocations, allocation_ids, strict=True):
            for k, action in enumerate(
                steps.get(allocation["status"], ("offered", "accepted", "admitted"))
            ):
                events.append(
                    {
                        "consortium_id": consortium_id,
                        "profile_id": allocation["profile_id"],
                        "allocation_id": allocation_id,
                        "action": action,
                        "actor_id": self.coordinator_id if action == "offered" else None,
                        "at": allocation["offered_at"] + timedelta(hours=k),
                        "details": allocation["explanation"] if action == "offered" else {},
                    }
                )
        self.insert_many(AllocationEvent.__table__, events)
        self.profiles = rows
        counts = Counter(r["status"] for r in rows)
        self.counts["profiles waiting"] = counts["waiting"]
        self.counts["profiles offered"] = counts["offered"]
        self.counts["profiles placed"] = counts["placed"]
        self.counts["allocations"] = len(allocations)
        self.counts["desk log entries"] = len(events)

    def sample(self) -> dict[str, Any]:
        """Profiles whose pages the load test requests, of different weights."""
        waiting = [r for r in self.profiles if r["status"] == "waiting"]

        def first(**wanted: Any) -> int:
            return next(r["id"] for r in waiting if all(r[k] == v for k, v in wanted.items()))

        return {
            "adolescent": first(public="adolescents", outside_territory=False, modalities=[]),
            "child": first(public="children_6_11", outside_territory=False, modalities=[]),
            "safety": first(public="adolescents", outside_territory=True),
            "older": first(public="older_people", needs_accessibility=True),
            "offered": next(r["id"] for r in self.profiles if r["status"] == "offered"),
        }


def expected_stay_days() -> dict[str, int | None]:
    """Modality -> its expected duration in days (the catalogue's attribute)."""
    problems: list[Any] = []
    read = read_yaml(REPO_ROOT / "tenants" / "_catalogs" / "shelter_modalities.yaml", problems)
    assert read is not None, problems
    spec = CatalogFile.model_validate(read[0])
    return {e.code: e.attributes.get("expected_stay_days") for e in spec.entries}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        required=True,
        help="owner URL, e.g. postgresql+psycopg://postgres@127.0.0.1/teia_bench_shelter",
    )
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--profiles", type=int, default=5000, help="open profiles")
    parser.add_argument(
        "--stays",
        action="store_true",
        help="also the stays of the placed profiles and ended ones (staydata.py; needs the "
        "case data of generate.py --persons/--cases)",
    )
    parser.add_argument(
        "--ended", type=float, default=1.0, help="with --stays: ended stays per current stay"
    )
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args(argv)
    url = make_url(args.database_url)
    if not url.drivername.startswith("postgresql"):
        parser.error("--database-url must be a postgresql+psycopg:// URL")
    started = time.perf_counter()
    engine = create_engine(url)
    secret_key = secrets.token_hex(32)
    with engine.begin() as conn:
        if conn.scalar(
            select(func.count())
            .select_from(Consortium.__table__)
            .where(Consortium.slug == CONSORTIUM)
        ):
            sys.exit(f"{CONSORTIUM} already in {url.database}: regenerate with generate.py --reset")
        gen = ShelterGenerator(conn, random.Random(args.seed))
        gen.catalogues()
        consortium_id, councils = gen.consortium()
        totp_secret = gen.coordinator(consortium_id, secret_key)
        gen.units(consortium_id, councils, args.units)
        gen.profiles_and_allocations(consortium_id, councils, args.profiles)
        sample = gen.sample()
        if args.stays:
            stays_started = time.perf_counter()
            StayGenerator(
                conn,
                random.Random(f"{args.seed}:stays"),
                gen.now,
                consortium_id,
                gen.coordinator_id,
                {c["id"]: c["name"] for c in councils},
                gen.counts,
            ).run(
                gen.profiles,
                gen.allocations,
                gen.units_by_id,
                gen.places,
                AGES,
                expected_stay_days(),
                args.ended,
            )
            print(f"stays in {time.perf_counter() - stays_started:.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / "shelter.json"
    out.write_text(
        json.dumps(
            {
                "consortium": CONSORTIUM,
                "coordinator": COORDINATOR,
                "secret_key": secret_key,
                "totp_secret": totp_secret,
                "units": args.units,
                "open_profiles": args.profiles,
                "profiles": sample,
            },
            indent=1,
        )
        + "\n"
    )
    width = max(len(k) for k in gen.counts)
    for key, value in gen.counts.items():
        print(f"{key:<{width}}  {value:>7}")
    print(f"generated in {time.perf_counter() - started:.1f} s; wrote {out.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
