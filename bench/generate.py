"""Fill a PostgreSQL database with fake councils, users and their notifications for benchmarks.

    python bench/generate.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1/teia_bench \
        --councils 50 --users 200 --reset

With ``--persons N --cases M`` (both 0 by default) it also writes case-management data
(``casedata.py``: people, households, cases, timelines, plans, referrals, consents, shares)
and ``bench/results/cases.json`` for ``load_cases.py``; ``--case-council`` gives one council
its own ``--case-council-persons``/``--case-council-cases`` and splits the rest over the
others. With ``--applications N`` it loads Mourão's regulation for every council and writes
applications (``applicationdata.py``: N in ``--application-council``,
``--applications-elsewhere`` in each other council, dated from ``--applications-since`` or
the regulation's first version) and ``bench/results/applications.json`` for
``load_applications.py``.

``--reset`` drops and recreates the database, runs ``alembic upgrade head`` and applies
``infra/postgres/roles.sql``. The rows are written with Core bulk inserts as the schema owner
(``postgres``, a superuser, bypasses row-level security; each tenant's rows are still inserted
with ``teia.tenant_id`` set, so a non-superuser owner works too). Everything is deterministic
for a given ``--seed``. Every user's password is ``bench-password``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "platform"))

from applicationdata import ApplicationGenerator  # noqa: E402
from casedata import CaseGenerator, councils_from, split  # noqa: E402
from fakes import names  # noqa: E402
from sqlalchemy import Connection, create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import URL, make_url  # noqa: E402

from teia.accounts.models import TENANT_ROLES, Invitation, Membership, Role, User  # noqa: E402
from teia.core.db import utcnow  # noqa: E402
from teia.core.security import hash_password  # noqa: E402
from teia.notifications.models import Notification, Reminder  # noqa: E402
from teia.tenants.models import Organization, Tenant, organization_tenants  # noqa: E402
from teia.tenants.services import council_organization_slug  # noqa: E402

BENCH_PASSWORD = "bench-password"  # noqa: S105 - the documented benchmark credential
RESULTS_DIR = REPO_ROOT / "bench" / "results"
SAMPLE_SIZE = 100

# --- fake Portuguese data ---------------------------------------------------------------


PLACE_PREFIXES = names(
    "Vila Nova de|Vila Real de|São João de|São Pedro do|Santa Maria da|Castelo de|"
    "Torre de|Ponte da|Vale de|Monte|Aldeia da|Alvito de|Figueira de|Oliveira de|"
    "Ribeira de|Sobral de|Fonte da|Póvoa de"
)
PLACE_BASES = names(
    "Almeida|Alvor|Sousa|Lima|Paiva|Coura|Cávado|Mondego|Vouga|Tâmega|Sabor|Zêzere|"
    "Sado|Mira|Guadiana|Arouca|Basto|Tua|Corgo|Ceira|Alva|Dão|Sorraia|Tejo|Nabão|"
    "Ocreza|Távora"
)
SAINTS = names(
    "São Pedro|São Tiago|Santa Maria|São Miguel|Santo António|São João Baptista|"
    "Nossa Senhora da Conceição|São Martinho|Santa Luzia|São Bartolomeu|São Salvador|"
    "Santa Marinha|São Vicente|Santa Eulália"
)
# (DTMN district code, district, NUTS III region)
DISTRICTS = [
    ("01", "Aveiro", "Região de Aveiro"),
    ("02", "Beja", "Baixo Alentejo"),
    ("03", "Braga", "Cávado"),
    ("04", "Bragança", "Terras de Trás-os-Montes"),
    ("05", "Castelo Branco", "Beira Baixa"),
    ("06", "Coimbra", "Região de Coimbra"),
    ("07", "Évora", "Alentejo Central"),
    ("08", "Faro", "Algarve"),
    ("09", "Guarda", "Beiras e Serra da Estrela"),
    ("10", "Leiria", "Região de Leiria"),
    ("11", "Lisboa", "Grande Lisboa"),
    ("12", "Portalegre", "Alto Alentejo"),
    ("13", "Porto", "Área Metropolitana do Porto"),
    ("14", "Santarém", "Lezíria do Tejo"),
    ("15", "Setúbal", "Península de Setúbal"),
    ("16", "Viana do Castelo", "Alto Minho"),
    ("17", "Vila Real", "Douro"),
    ("18", "Viseu", "Viseu Dão Lafões"),
]
FIRST_NAMES = names(
    "Ana|Maria|Inês|Beatriz|Mariana|Joana|Sofia|Catarina|Rita|Carla|Helena|Teresa|"
    "Marta|Sara|Filipa|Leonor|Matilde|Patrícia|João|José|António|Francisco|Pedro|"
    "Tiago|Rui|Luís|Paulo|Miguel|Nuno|Ricardo|Diogo|Gonçalo|Bruno|Hugo|Vasco|Duarte"
)
SURNAMES = names(
    "Silva|Santos|Ferreira|Pereira|Oliveira|Costa|Rodrigues|Martins|Jesus|Sousa|"
    "Fernandes|Gonçalves|Gomes|Lopes|Marques|Alves|Almeida|Ribeiro|Pinto|Carvalho|"
    "Teixeira|Moreira|Correia|Mendes|Nunes|Soares|Vieira|Monteiro|Cardoso|Rocha|"
    "Raposo|Neves|Coelho|Cruz|Cunha|Pires|Ramos|Reis|Simões|Antunes|Matos|Fonseca"
)
# (name pattern, catalogue type code)
PARTNER_KINDS = [
    ("Santa Casa da Misericórdia de {place}", "misericordia"),
    ("Centro de Saúde de {place} (UCSP)", "primary_health_care_unit"),
    ("Agrupamento de Escolas de {place}", "school"),
    ("Segurança Social \u2013 Serviço Local de {place}", "social_security_service"),
    ("Associação de Solidariedade Social de {place}", "private_social_solidarity_institution"),
    ("Casa de Acolhimento Temporário de {place}", "shelter_operator"),
    ("CPCJ de {place}", "child_protection_commission"),
]
# Weights of the roles other than the one tenant_admin per council.
ROLE_WEIGHTS = {
    Role.TECHNICIAN: 35,
    Role.CASE_MANAGER: 18,
    Role.PARTNER_PROFESSIONAL: 27,
    Role.SHELTER_STAFF: 8,
    Role.DECISION_MAKER: 6,
    Role.FINANCE: 6,
}
PARTNER_ROLES = {Role.PARTNER_PROFESSIONAL, Role.SHELTER_STAFF}
NOTIFICATION_SUBJECTS = [
    "Um caso foi-lhe atribuído",
    "Nova mensagem no processo",
    "Um convite que enviou ainda não foi aceite",
    "Relatório mensal disponível",
    "Pedido de apoio aguarda decisão",
    "Documento anexado a um processo",
]
# Reminders per user: most have a few, some have none, a few have more than the page shows.
REMINDERS_PER_USER = [0, 0, 0, 1, 1, 2, 2, 3, 4, 6, 9, 25]
NOTIFICATIONS_PER_USER = [0, 0, 1, 1, 2, 3, 4, 6, 8, 12]


def ascii_slug(value: str) -> str:
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in plain.lower()).strip("-")


def council_sizes(rng: random.Random, councils: int, users: int, spread: float) -> list[int]:
    """``councils`` sizes averaging ``users`` (exact total), from (1-spread)x to (1+spread)x."""
    if councils == 1 or spread <= 0:
        return [users] * councils
    raw = [1 - spread + 2 * spread * i / (councils - 1) for i in range(councils)]
    sizes = [max(2, round(users * r)) for r in raw]
    diff = users * councils - sum(sizes)
    i = 0
    while diff:
        step = 1 if diff > 0 else -1
        if sizes[i % councils] + step >= 2:
            sizes[i % councils] += step
            diff -= step
        i += 1
    rng.shuffle(sizes)
    return sizes


# --- database setup ---------------------------------------------------------------------


def libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def reset_database(url: URL) -> None:
    name = url.database or ""
    if "bench" not in name:
        sys.exit(f"refusing to drop {name!r}: --reset only drops databases named *bench*")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    env = {**os.environ, "TEIA_MIGRATION_DATABASE_URL": url.render_as_string(hide_password=False)}
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=REPO_ROOT, env=env, check=True
    )
    subprocess.run(
        [
            "psql",
            "-q",
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            libpq_url(url),
            "-f",
            str(REPO_ROOT / "infra" / "postgres" / "roles.sql"),
        ],
        cwd=REPO_ROOT,
        check=True,
    )


def set_tenant(conn: Connection, tenant_id: int | None) -> None:
    """What the app does per transaction: row-level security compares rows with this."""
    value = "" if tenant_id is None else str(tenant_id)
    conn.execute(text("SELECT set_config('teia.tenant_id', :v, true)"), {"v": value})


# --- generation ---------------------------------------------------------------------------


class Generator:
    def __init__(
        self,
        conn: Connection,
        rng: random.Random,
        councils: int,
        users: int,
        spread: float,
        second_share: float,
        case_roles: bool = False,
    ) -> None:
        self.conn = conn
        self.rng = rng
        self.councils = councils
        self.users = users
        self.spread = spread
        self.second_share = second_share
        self.case_roles = case_roles
        self.now = utcnow()
        self.counts: Counter[str] = Counter()

    def run(self) -> list[dict[str, Any]]:
        self.tenants = tenants = self.make_tenants()
        sizes = council_sizes(self.rng, len(tenants), self.users, self.spread)
        self.counts["  smallest (users)"] = min(sizes)
        self.counts["  largest (users)"] = max(sizes)
        council_orgs, partners = self.make_organizations(tenants)
        self.partners = partners
        self.people = people = self.make_users(tenants, sizes, council_orgs, partners)
        self.make_invitations(tenants, people)
        notes, reminders = self.make_notifications_and_reminders(tenants, people)
        return self.sample(tenants, sizes, people, notes, reminders)

    def insert_returning(self, table: Any, rows: list[dict[str, Any]], *cols: Any) -> list[Any]:
        stmt = insert(table).returning(*cols, sort_by_parameter_order=True)
        return list(self.conn.execute(stmt, rows))

    def make_tenants(self) -> list[dict[str, Any]]:
        rng = self.rng
        names: set[str] = set()
        combos = [f"{p} {b}" for p in PLACE_PREFIXES for b in PLACE_BASES]
        rng.shuffle(combos)
        per_district: Counter[str] = Counter()
        rows = []
        for i in range(self.councils):
            name = combos[i % len(combos)]
            if name in names:
                name = f"{name} {i // len(combos) + 1}"
            names.add(name)
            code, district, region = DISTRICTS[
                (i * len(DISTRICTS)) // self.councils % len(DISTRICTS)
            ]
            per_district[code] += 1
            parishes = [*rng.sample(SAINTS, rng.randint(1, 4)), name.split()[-1]]
            if rng.random() < 0.4:
                a, b = rng.sample(SAINTS, 2)
                parishes.append(f"União das Freguesias de {a} e {b}")
            rows.append(
                {
                    "slug": f"bench-{i + 1:03d}",
                    "name": name,
                    "official_name": f"Município de {name}",
                    "country": "PT",
                    "locale": "pt_PT",
                    "official_code": f"{code}{per_district[code] % 100:02d}",
                    "district": district,
                    "region": region,
                    "timezone": "Europe/Lisbon",
                    "municipal_holiday": "06-13",
                    "municipal_holiday_name": "Dia de Santo António",
                    "parishes": sorted(set(parishes)),
                    "source_hash": "bench",
                    "active": True,
                }
            )
        ids = self.insert_returning(Tenant.__table__, rows, Tenant.id)
        for row, (tenant_id,) in zip(rows, ids, strict=True):
            row["id"] = tenant_id
        self.counts["councils"] = len(rows)
        return rows

    def make_organizations(
        self, tenants: list[dict[str, Any]]
    ) -> tuple[dict[int, int], dict[int, list[int]]]:
        """One council organisation each; partners shared by 1-3 neighbouring councils."""
        rng = self.rng
        orgs: list[dict[str, Any]] = []
        links: list[list[int]] = []
        for t in tenants:
            orgs.append(
                {
                    "slug": council_organization_slug(t["slug"]),
                    "name": t["official_name"],
                    "type_code": "municipality",
                    "created_at": self.now,
                }
            )
            links.append([t["id"]])
        for i, t in enumerate(tenants):
            for pattern, type_code in rng.sample(PARTNER_KINDS, rng.randint(2, 4)):
                reach = rng.choice([1, 2, 2, 3])
                served = [tenants[(i + k) % len(tenants)]["id"] for k in range(reach)]
                name = pattern.format(place=t["name"])
                orgs.append(
                    {
                        "slug": f"{ascii_slug(name)}-{t['slug']}"[:80],
                        "name": name,
                        "type_code": type_code,
                        "created_at": self.now,
                    }
                )
                links.append(sorted(set(served)))
        ids = [
            row[0] for row in self.insert_returning(Organization.__table__, orgs, Organization.id)
        ]
        pairs = [
            {"organization_id": org_id, "tenant_id": tenant_id}
            for org_id, served in zip(ids, links, strict=True)
            for tenant_id in served
        ]
        self.conn.execute(insert(organization_tenants), pairs)
        council_orgs = {
            served[0]: org_id
            for org_id, served, row in zip(ids, links, orgs, strict=True)
            if row["type_code"] == "municipality"
        }
        partners: dict[int, list[int]] = {t["id"]: [] for t in tenants}
        for org_id, served, row in zip(ids, links, orgs, strict=True):
            if row["type_code"] != "municipality":
                for tenant_id in served:
                    partners[tenant_id].append(org_id)
        self.counts["organizations"] = len(orgs)
        self.counts["organization links"] = len(pairs)
        return council_orgs, partners

    def pick_role(self) -> Role:
        roles = list(ROLE_WEIGHTS)
        return self.rng.choices(roles, weights=[ROLE_WEIGHTS[r] for r in roles])[0]

    def org_for(
        self,
        role: Role,
        tenant_id: int,
        council_orgs: dict[int, int],
        partners: dict[int, list[int]],
    ) -> int:
        if role in PARTNER_ROLES and partners[tenant_id]:
            return self.rng.choice(partners[tenant_id])
        return council_orgs[tenant_id]

    def make_users(
        self,
        tenants: list[dict[str, Any]],
        sizes: list[int],
        council_orgs: dict[int, int],
        partners: dict[int, list[int]],
    ) -> list[dict[str, Any]]:
        rng = self.rng
        password_hash = hash_password(BENCH_PASSWORD)
        people: list[dict[str, Any]] = []
        user_rows: list[dict[str, Any]] = []
        for t, size in zip(tenants, sizes, strict=True):
            first_of_council = len(people)
            for k in range(size):
                first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
                middle = rng.choice(SURNAMES)
                n = len(user_rows) + 1
                email = f"{ascii_slug(first)}.{ascii_slug(last)}.{n:05d}@bench.teia.pt"
                user_rows.append(
                    {
                        "email": email,
                        "name": f"{first} {middle} {last}",
                        "password_hash": password_hash,
                        "active": True,
                        "is_platform_admin": False,
                        "auth_version": 1,
                        "failed_logins": 0,
                        "created_at": self.now,
                    }
                )
                role = Role.TENANT_ADMIN if k == 0 else self.pick_role()
                people.append(
                    {"email": email, "tenant": t, "role": role, "memberships": [(t["id"], role)]}
                )
            if self.case_roles:
                self.ensure_case_roles(people[first_of_council:])
        ids = self.insert_returning(User.__table__, user_rows, User.id)
        position = {t["id"]: i for i, t in enumerate(tenants)}
        memberships = []
        for person, (user_id,) in zip(people, ids, strict=True):
            person["id"] = user_id
            t = person["tenant"]
            memberships.append(
                self.membership_row(user_id, t["id"], person["role"], council_orgs, partners)
            )
            person["organizations"] = {t["id"]: memberships[-1]["organization_id"]}
            if person["role"] is not Role.TENANT_ADMIN and rng.random() < self.second_share:
                i = position[t["id"]]
                other = tenants[(i + rng.choice([1, 2, -1, -2])) % len(tenants)]
                if other["id"] != t["id"]:
                    role = self.pick_role()
                    memberships.append(
                        self.membership_row(user_id, other["id"], role, council_orgs, partners)
                    )
                    person["memberships"].append((other["id"], role))
                    person["organizations"][other["id"]] = memberships[-1]["organization_id"]
        self.conn.execute(insert(Membership.__table__), memberships)
        self.counts["users"] = len(user_rows)
        self.counts["memberships"] = len(memberships)
        self.counts["users in two councils"] = sum(len(p["memberships"]) > 1 for p in people)
        for role, n in sorted(Counter(m["role"] for m in memberships).items()):
            self.counts[f"  role {role}"] = n
        return people

    @staticmethod
    def ensure_case_roles(council: list[dict[str, Any]]) -> None:
        """Case data needs a case manager and a partner professional in every council."""
        needed = (Role.CASE_MANAGER, Role.PARTNER_PROFESSIONAL)
        for role in needed:
            if any(p["role"] is role for p in council):
                continue
            spare = next((p for p in council[1:] if p["role"] not in needed), None)
            if spare is not None:  # never the tenant admin (first)
                spare["role"] = role
                spare["memberships"] = [(spare["tenant"]["id"], role)]

    def membership_row(
        self,
        user_id: int,
        tenant_id: int,
        role: Role,
        council_orgs: dict[int, int],
        partners: dict[int, list[int]],
    ) -> dict[str, Any]:
        assert role in TENANT_ROLES
        return {
            "user_id": user_id,
            "tenant_id": tenant_id,
            "consortium_id": None,
            "organization_id": self.org_for(role, tenant_id, council_orgs, partners),
            "role": role.value,
            "active": True,
            "created_at": self.now,
        }

    def make_invitations(self, tenants: list[dict[str, Any]], people: list[dict[str, Any]]) -> None:
        """A few pending invitations per council, so a tenant admin's home page lists some."""
        rng = self.rng
        admins = {p["tenant"]["id"]: p for p in people if p["role"] is Role.TENANT_ADMIN}
        total = 0
        for t in tenants:
            admin = admins[t["id"]]
            rows = []
            for k in range(rng.randint(0, 3)):
                first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
                rows.append(
                    {
                        "tenant_id": t["id"],
                        "email": f"convite.{k}.{t['slug']}@bench.teia.pt",
                        "name": f"{first} {last}",
                        "role": self.pick_role().value,
                        "organization_id": None,
                        "invited_by_id": admin["id"],
                        "token_hash": None,
                        "expires_at": self.now + timedelta(days=rng.randint(1, 7)),
                        "created_at": self.now,
                    }
                )
            if rows:
                org_id = self.conn.scalar(
                    select(Organization.id).where(
                        Organization.slug == council_organization_slug(t["slug"])
                    )
                )
                for row in rows:
                    row["organization_id"] = org_id
                set_tenant(self.conn, t["id"])
                self.conn.execute(insert(Invitation.__table__), rows)
                total += len(rows)
        set_tenant(self.conn, None)
        self.counts["invitations"] = total

    def make_notifications_and_reminders(
        self, tenants: list[dict[str, Any]], people: list[dict[str, Any]]
    ) -> tuple[Counter[int], Counter[int]]:
        rng = self.rng
        today = self.now.date()
        notes: list[dict[str, Any]] = []
        unread: Counter[int] = Counter()
        by_tenant: dict[int, list[dict[str, Any]]] = {t["id"]: [] for t in tenants}
        pending: Counter[int] = Counter()
        slugs = {t["id"]: t["slug"] for t in tenants}
        object_id = 0
        for person in people:
            for tenant_id, _role in person["memberships"]:
                for _ in range(rng.choice(NOTIFICATIONS_PER_USER)):
                    is_read = rng.random() < 0.2
                    created = self.now - timedelta(minutes=rng.randint(1, 60 * 24 * 30))
                    notes.append(
                        {
                            "user_id": person["id"],
                            "tenant_id": tenant_id,
                            "kind": rng.choice(
                                [
                                    "case.assigned",
                                    "case.message",
                                    "reminder.invitation_expiring",
                                    "report.ready",
                                ]
                            ),
                            "subject": rng.choice(NOTIFICATION_SUBJECTS),
                            "body": "",
                            "link": f"/t/{slugs[tenant_id]}/",
                            "email": False,
                            "created_at": created,
                            "read_at": created + timedelta(hours=1) if is_read else None,
                            "emailed_at": None,
                        }
                    )
                    if not is_read:
                        unread[person["id"]] += 1
                for _ in range(rng.choice(REMINDERS_PER_USER)):
                    object_id += 1
                    status = "pending" if rng.random() < 0.85 else "sent"
                    by_tenant[tenant_id].append(
                        {
                            "tenant_id": tenant_id,
                            "object_type": "invitation",
                            "object_id": object_id,
                            "kind": "invitation_expiring",
                            "due_date": today + timedelta(days=rng.randint(-3, 60)),
                            "user_id": person["id"],
                            "status": status,
                            "sent_at": self.now if status == "sent" else None,
                            "notification_id": None,
                            "created_at": self.now,
                        }
                    )
                    if status == "pending" and tenant_id == person["tenant"]["id"]:
                        pending[person["id"]] += 1
        if notes:
            self.conn.execute(insert(Notification.__table__), notes)
        reminders = 0
        for tenant_id, rows in by_tenant.items():
            if rows:
                set_tenant(self.conn, tenant_id)  # RLS: the rows must match the setting
                self.conn.execute(insert(Reminder.__table__), rows)
                reminders += len(rows)
        set_tenant(self.conn, None)
        self.counts["notifications"] = len(notes)
        self.counts["  unread"] = sum(unread.values())
        self.counts["reminders"] = reminders
        return unread, pending

    def sample(
        self,
        tenants: list[dict[str, Any]],
        sizes: list[int],
        people: list[dict[str, Any]],
        unread: Counter[int],
        pending: Counter[int],
    ) -> list[dict[str, Any]]:
        """100 users spread over councils, with every tenant admin of the smallest and largest."""
        size_of = {t["id"]: s for t, s in zip(tenants, sizes, strict=True)}
        chosen = self.rng.sample(people, min(SAMPLE_SIZE, len(people)))
        by_size = sorted(tenants, key=lambda t: size_of[t["id"]])
        extremes = {by_size[0]["id"], by_size[-1]["id"]}
        wanted = [
            p for p in people if p["role"] is Role.TENANT_ADMIN and p["tenant"]["id"] in extremes
        ]
        for person in wanted:
            if person not in chosen:
                chosen[-1 - wanted.index(person)] = person
        return [
            {
                "email": p["email"],
                "tenant": p["tenant"]["slug"],
                "role": p["role"].value,
                "council_users": size_of[p["tenant"]["id"]],
                "councils": len(p["memberships"]),
                "pending_reminders": pending[p["id"]],
                "unread_notifications": unread[p["id"]],
            }
            for p in chosen
        ]


def case_sizes(
    tenants: list[dict[str, Any]], args: argparse.Namespace
) -> dict[int, tuple[int, int]]:
    """Council id -> (persons, cases): ``--persons``/``--cases`` split evenly, over the councils
    other than ``--case-council`` when it is given."""
    rest = [t["id"] for t in tenants if t["slug"] != args.case_council]
    if len(rest) == len(tenants) and args.case_council:
        sys.exit(f"no council {args.case_council!r}")
    sizes = dict(
        zip(
            rest,
            zip(split(args.persons, len(rest)), split(args.cases, len(rest)), strict=True),
            strict=True,
        )
    )
    for t in tenants:
        if t["slug"] == args.case_council:
            sizes[t["id"]] = (args.case_council_persons, args.case_council_cases)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        required=True,
        help="owner URL, e.g. postgresql+psycopg://postgres@127.0.0.1/teia_bench",
    )
    parser.add_argument("--councils", type=int, default=50)
    parser.add_argument(
        "--users", type=int, default=200, help="users per council on average (see --size-spread)"
    )
    parser.add_argument(
        "--size-spread",
        type=float,
        default=0.5,
        help="council sizes range over users x (1 +/- spread), same total; "
        "0 gives every council exactly --users",
    )
    parser.add_argument(
        "--second-council",
        type=float,
        default=0.10,
        help="share of users who are also members of a neighbouring council",
    )
    parser.add_argument(
        "--persons", type=int, default=0, help="case management: people, over all councils"
    )
    parser.add_argument(
        "--cases", type=int, default=0, help="case management: cases, over all councils"
    )
    parser.add_argument(
        "--case-council",
        help="a council given --case-council-persons and --case-council-cases; --persons and "
        "--cases are then split over the other councils",
    )
    parser.add_argument("--case-council-persons", type=int, default=0)
    parser.add_argument("--case-council-cases", type=int, default=0)
    parser.add_argument(
        "--applications", type=int, default=0, help="applications in --application-council"
    )
    parser.add_argument("--application-council", default="bench-001")
    parser.add_argument(
        "--applications-elsewhere",
        type=int,
        default=300,
        help="applications in every other council (with --applications)",
    )
    parser.add_argument(
        "--applications-since",
        type=date.fromisoformat,
        help="date applications from this day (default: the regulation's first version, "
        "2023-03-01), recent ones more often",
    )
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument(
        "--reset",
        action="store_true",
        help="drop and recreate the database, migrate, apply roles.sql",
    )
    args = parser.parse_args(argv)
    url = make_url(args.database_url)
    if not url.drivername.startswith("postgresql"):
        parser.error("--database-url must be a postgresql+psycopg:// URL")
    if (args.persons or args.cases) and (
        args.persons < 2 * args.councils or args.cases < 2 * args.councils
    ):
        parser.error("--persons and --cases go together, each at least 2 per council")
    if args.case_council and (
        not args.cases or args.case_council_persons < 2 or args.case_council_cases < 2
    ):
        parser.error("--case-council needs --persons/--cases and its own persons and cases")

    started = time.perf_counter()
    if args.reset:
        reset_database(url)
        print(
            f"reset {url.database}: migrated and roles applied "
            f"({time.perf_counter() - started:.1f} s)"
        )
    engine = create_engine(url)
    generated = time.perf_counter()
    with engine.begin() as conn:
        existing = conn.scalar(
            select(func.count()).select_from(Tenant.__table__).where(Tenant.source_hash == "bench")
        )
        if existing:
            sys.exit(f"{existing} bench councils already in {url.database}: use --reset")
        gen = Generator(
            conn,
            random.Random(args.seed),
            args.councils,
            args.users,
            args.size_spread,
            args.second_council,
            case_roles=bool(args.cases),
        )
        sample = gen.run()
        users_done = time.perf_counter()
        case_sample = []
        if args.cases:
            cases = CaseGenerator(
                conn,
                random.Random(f"{args.seed}:cases"),
                councils_from(gen.tenants, gen.people, gen.partners),
                gen.now,
                set_tenant,
                gen.counts,
            )
            case_sample = cases.run(case_sizes(gen.tenants, args))
            print(f"case management data in {time.perf_counter() - users_done:.1f} s", flush=True)
        application_sample = []
        if args.applications:
            started_apps = time.perf_counter()
            sizes = {
                t["id"]: args.applications
                if t["slug"] == args.application_council
                else args.applications_elsewhere
                for t in gen.tenants
            }
            application_sample = ApplicationGenerator(
                conn,
                random.Random(f"{args.seed}:applications"),
                gen.tenants,
                gen.people,
                gen.now,
                set_tenant,
                gen.counts,
                args.applications_since,
            ).run(sizes)
            print(f"applications in {time.perf_counter() - started_apps:.1f} s", flush=True)
    analyzed = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))  # the visibility map: index-only scans
    engine.dispose()
    print(f"VACUUM ANALYZE in {time.perf_counter() - analyzed:.1f} s")

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    users_file = RESULTS_DIR / "users.json"
    users_file.write_text(json.dumps(sample, indent=1, ensure_ascii=False) + "\n")
    width = max(len(k) for k in gen.counts)
    for key, value in gen.counts.items():
        print(f"{key:<{width}}  {value:>7}")
    print(
        f"generated in {time.perf_counter() - generated:.1f} s "
        f"(total {time.perf_counter() - started:.1f} s); password of every user: "
        f"{BENCH_PASSWORD}"
    )
    print(f"wrote {len(sample)} sample users to {users_file.relative_to(REPO_ROOT)}")
    if case_sample:
        cases_file = RESULTS_DIR / "cases.json"
        cases_file.write_text(json.dumps(case_sample, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote the case sample of {len(case_sample)} councils to {cases_file.name}")
    if application_sample:
        apps_file = RESULTS_DIR / "applications.json"
        apps_file.write_text(json.dumps(application_sample, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote the application sample of {len(application_sample)} councils")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
