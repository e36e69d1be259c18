"""Open plan actions, due reminders and delivery settings for the reminder benchmark (issue 7).

    python bench/remindersdata.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1/teia_bench_reminders

Adds to a database that ``generate.py`` filled with case data (``--persons``/``--cases``: run
``generate.py --councils 20 --users 50 --persons 100000 --cases 40000 --reset`` first). As the
schema owner, in one transaction, each council's rows with ``teia.tenant_id`` set:

- **Deadlines of the open actions.** Every open action (planned or in progress) of an active
  plan of an open case gets a new deadline: ``--overdue`` of them (30 %) 1 to 120 days ago,
  the others from today to 6 months ahead. ``--flagged`` of the overdue ones (a third) were
  already flagged on an earlier day (``overdue_flagged_for`` = the deadline), so the run tells
  the rest. ``casedata.py`` dates the actions from the case's opening, which makes nearly all
  of them overdue. The script stops if fewer than ``--min-open-actions`` open actions exist.
- **Plan reviews.** One ``plan_review`` reminder per plan version (every case, every version)
  to the case's manager: ``--due-reviews`` of them (40 %) due today or up to 2 weeks ago, the
  others over the next 6 months. The due ones of a superseded plan or a closed case are
  cancelled by the dispatch (the thing is no longer due); the others become notifications.
- **Delivery settings.** ``--digest`` of the users (40 %) chose the daily digest, 30 % chose
  each e-mail as it comes (a row with ``digest`` false), the others have no row (each e-mail).

``reminders.py`` copies this database for each run, so the data stays as written here.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "platform"))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from generate import set_tenant  # noqa: E402
from sqlalchemy import Connection, bindparam, create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import teia.models  # noqa: E402, F401 - every mapper, so the ORM columns resolve
from teia.accounts.models import User  # noqa: E402
from teia.cases.models import (  # noqa: E402
    OPEN_ACTION_STATUSES,
    Case,
    CaseStatus,
    InterventionPlan,
    PlanAction,
    PlanStatus,
)
from teia.core.clock import today  # noqa: E402
from teia.core.db import utcnow  # noqa: E402
from teia.notifications.models import NotificationSettings, Reminder  # noqa: E402
from teia.tenants.models import Tenant  # noqa: E402

TIMEZONE = "Europe/Lisbon"  # every bench council's


class RemindersGenerator:
    def __init__(self, conn: Connection, rng: random.Random, day: date) -> None:
        self.conn = conn
        self.rng = rng
        self.day = day
        self.counts: Counter[str] = Counter()
        for key in (
            "open actions (open case, active plan)",
            "  overdue",
            "  overdue, flagged before",
            "plan review reminders",
            "  due",
        ):
            self.counts[key] = 0

    def councils(self) -> list[int]:
        return list(
            self.conn.scalars(
                select(Tenant.id).where(Tenant.source_hash == "bench").order_by(Tenant.id)
            )
        )

    def open_actions(self, tenant_id: int) -> list[int]:
        """The actions the overdue beat looks at: open, in the active plan of an open case."""
        return list(
            self.conn.scalars(
                select(PlanAction.id)
                .join(InterventionPlan, InterventionPlan.id == PlanAction.plan_id)
                .join(Case, Case.id == PlanAction.case_id)
                .where(
                    PlanAction.tenant_id == tenant_id,
                    PlanAction.status.in_([s.value for s in OPEN_ACTION_STATUSES]),
                    InterventionPlan.status == PlanStatus.ACTIVE.value,
                    Case.status == CaseStatus.OPEN.value,
                )
                .order_by(PlanAction.id)
            )
        )

    def deadlines(self, tenant_id: int, overdue: float, flagged: float) -> None:
        rng, day = self.rng, self.day
        rows = []
        for action_id in self.open_actions(tenant_id):
            if rng.random() < overdue:
                due = day - timedelta(days=rng.randint(1, 120))
                done = due if rng.random() < flagged else None
                self.counts["  overdue"] += 1
                self.counts["  overdue, flagged before"] += done is not None
            else:
                due, done = day + timedelta(days=rng.randint(0, 182)), None
            rows.append({"action_id": action_id, "due": due, "done": done})
        self.counts["open actions (open case, active plan)"] += len(rows)
        table = PlanAction.__table__
        self.conn.execute(
            table.update()
            .where(table.c.id == bindparam("action_id"))
            .values(due_on=bindparam("due"), overdue_flagged_for=bindparam("done")),
            rows,
        )

    def reviews(self, tenant_id: int, due_share: float) -> None:
        rng, day, now = self.rng, self.day, utcnow()
        plans = self.conn.execute(
            select(InterventionPlan.id, Case.manager_id)
            .join(Case, Case.id == InterventionPlan.case_id)
            .where(InterventionPlan.tenant_id == tenant_id)
            .order_by(InterventionPlan.id)
        ).all()
        rows = []
        for plan_id, manager_id in plans:
            due = rng.random() < due_share
            offset = -rng.randint(0, 14) if due else rng.randint(1, 182)
            self.counts["  due"] += due  # today or up to 2 weeks ago
            rows.append(
                {
                    "tenant_id": tenant_id,
                    "object_type": "intervention_plan",
                    "object_id": plan_id,
                    "kind": "plan_review",
                    "due_date": day + timedelta(days=offset),
                    "user_id": manager_id,
                    "status": "pending",
                    "sent_at": None,
                    "notification_id": None,
                    "created_at": now,
                }
            )
        self.conn.execute(insert(Reminder.__table__), rows)
        self.counts["plan review reminders"] += len(rows)

    def settings(self, digest: float) -> None:
        rows = []
        for user_id in self.conn.scalars(select(User.id).order_by(User.id)):
            pick = self.rng.random()
            if pick < digest:
                rows.append({"user_id": user_id, "digest": True, "digest_hour": 8})
            elif pick < digest + 0.3:
                rows.append({"user_id": user_id, "digest": False, "digest_hour": 8})
        self.conn.execute(insert(NotificationSettings.__table__), rows)
        self.counts["users with the daily digest"] = sum(r["digest"] for r in rows)
        self.counts["users with each e-mail (explicit)"] = sum(not r["digest"] for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        required=True,
        help="owner URL, e.g. postgresql+psycopg://postgres@127.0.0.1/teia_bench_reminders",
    )
    parser.add_argument("--overdue", type=float, default=0.30, help="share of open actions")
    parser.add_argument(
        "--flagged", type=float, default=1 / 3, help="share of overdue ones flagged before"
    )
    parser.add_argument("--due-reviews", type=float, default=0.40, help="share of plan reviews")
    parser.add_argument("--digest", type=float, default=0.40, help="share of users")
    parser.add_argument("--min-open-actions", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args(argv)
    url = make_url(args.database_url)
    if not url.drivername.startswith("postgresql"):
        parser.error("--database-url must be a postgresql+psycopg:// URL")
    started = time.perf_counter()
    engine = create_engine(url)
    with engine.begin() as conn:
        if conn.scalar(select(NotificationSettings.user_id).limit(1)) is not None:
            sys.exit(f"{url.database} has delivery settings: regenerate with generate.py --reset")
        gen = RemindersGenerator(conn, random.Random(args.seed), today(TIMEZONE))
        councils = gen.councils()
        if not councils:
            sys.exit(f"no bench councils in {url.database}: run generate.py first")
        for tenant_id in councils:
            set_tenant(conn, tenant_id)  # RLS: the rows must match the setting
            gen.deadlines(tenant_id, args.overdue, args.flagged)
            gen.reviews(tenant_id, args.due_reviews)
        set_tenant(conn, None)
        found = gen.counts["open actions (open case, active plan)"]
        if found < args.min_open_actions:
            sys.exit(
                f"only {found} open actions (--min-open-actions {args.min_open_actions}): "
                "generate more cases"
            )
        gen.settings(args.digest)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    width = max(len(k) for k in gen.counts)
    for key, value in gen.counts.items():
        print(f"{key:<{width}}  {value:>7}")
    print(f"generated in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
