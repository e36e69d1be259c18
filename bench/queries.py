"""Show the SQL one page runs, with timings and (optionally) PostgreSQL's plans.

    python bench/queries.py \
        --database-url postgresql+psycopg://teia_app@127.0.0.1/teia_bench \
        --email someone@bench.teia.pt --path /t/bench-001/ [--explain] [--repeat 200]

Builds the app in-process (Flask test client, ``TEIA_ENV=development``, CSRF off for the
sign-in), signs in as ``--email`` and requests ``--path``: every statement is printed with
its parameters and time. ``--explain`` re-runs each SELECT under ``EXPLAIN (ANALYZE,
BUFFERS)`` as the same role, with the same ``teia.tenant_id``. ``--repeat N`` times N more
requests of the page and splits the time between SQL and Python, with the CPU time of this
process (steadier than the wall clock on a busy machine). ``--profile`` runs those requests
under ``cProfile`` (CPU time) and prints the 40 functions with the most cumulative time
(``PROFILE_SORT=tottime`` for another order), the Python function calls per request (a count
that does not move with the machine's load) and, with ``PROFILE_DUMP=<file>``, saves the stats.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "platform"))

BENCH_PASSWORD = "bench-password"  # noqa: S105 - the documented benchmark credential


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--repeat", type=int, default=0)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)

    os.environ.update(
        TEIA_ENV="development",
        TEIA_DATABASE_URL=args.database_url,
        TEIA_SECRET_KEY=secrets.token_hex(32),
        TEIA_INSTANCE_DIR=tempfile.mkdtemp(prefix="teia-queries-"),
        TEIA_REDIS_URL="",
    )
    from sqlalchemy import event

    from teia import create_app
    from teia.core.db import db

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        engine = db.engine
    statements: list[dict[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, _cursor: Any, stmt: str, params: Any, _ctx: Any, _many: Any) -> None:
        conn.info["query_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, _cursor: Any, stmt: str, params: Any, _ctx: Any, _many: Any) -> None:
        tenant = conn.info.get("teia_rls_tenant")
        statements.append(
            {
                "sql": stmt,
                "params": params,
                "tenant": tenant,
                "ms": (time.perf_counter() - conn.info["query_started"]) * 1000,
            }
        )

    client = app.test_client()
    answer = client.post("/login", data={"email": args.email, "password": BENCH_PASSWORD})
    if answer.status_code != 302:
        sys.exit(f"sign-in failed: {answer.status_code}")
    statements.clear()
    answer = client.get(args.path)
    print(
        f"GET {args.path}: {answer.status_code}, {len(answer.data)} bytes, "
        f"X-SQL-Statements {answer.headers.get('X-SQL-Statements')}"
    )
    page = list(statements)
    for i, s in enumerate(page, 1):
        print(f"\n-- {i}. {s['ms']:.2f} ms (teia.tenant_id={s['tenant']!r}) params={s['params']}")
        print(s["sql"])

    if args.explain:
        for i, s in enumerate(page, 1):
            if not s["sql"].lstrip().upper().startswith("SELECT"):
                continue
            with engine.begin() as conn:
                value = "" if s["tenant"] is None else str(s["tenant"])
                conn.exec_driver_sql("SELECT set_config('teia.tenant_id', %s, true)", (value,))
                plan = (
                    conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + s["sql"], s["params"])
                    .scalars()
                    .all()
                )
            print(f"\n-- plan of {i}:")
            print("\n".join(plan))

    if args.repeat:
        totals, sql, cpu = [], [], []
        profiler = cProfile.Profile(time.process_time)
        if args.profile:
            profiler.enable()
        for _ in range(args.repeat):
            statements.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(args.path)
            totals.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            sql.append(sum(s["ms"] for s in statements))
        profiler.disable()
        if args.profile:
            stats = pstats.Stats(profiler)
            stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(40)
            if os.environ.get("PROFILE_DUMP"):
                stats.dump_stats(os.environ["PROFILE_DUMP"])
            print(f"Python function calls per request: {stats.total_calls / args.repeat:,.0f}")
        print(
            f"\n{args.repeat} requests in-process: mean {statistics.fmean(totals):.2f} ms, "
            f"of which SQL {statistics.fmean(sql):.2f} ms; "
            f"CPU of this process {statistics.fmean(cpu):.2f} ms "
            f"(median {statistics.median(totals):.2f} ms)"
        )
    with app.app_context():
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
