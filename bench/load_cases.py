"""Load-test the case-management pages under gunicorn with wrk, against ``generate.py`` case data.

    python bench/load_cases.py \
        --database-url postgresql+psycopg://teia_app@127.0.0.1/teia_bench \
        --duration 15 --connections 2 --connections 4 --connections 16

Reads ``bench/results/cases.json`` (written by ``generate.py --persons N --cases M``). First it
signs in as the sample case manager and the sample partner professional of every council and
reads ``X-SQL-Statements`` on every page: the case list (plain, filtered, searched), person
search (surname, NIF, birth date), and the summary, timeline and plan of a *light* case (2
entries, 1 action, 1 share) and a *heavy* one (200 entries, 36 active actions, 20 shares).
Then it runs wrk on each page of one council (``--tenant``) at each ``--connections`` and
writes a Markdown report (``bench/results/cases.md``). Helpers come from ``load.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

from load import (
    HOST,
    RESULTS_DIR,
    USER_AGENT,
    WARMUP_SECONDS,
    WRK_SCRIPT,
    Client,
    Server,
    WrkResult,
    clear_login_limits,
    git_commit,
    run_wrk,
    sign_in,
    wait_for_quiet,
    write_report,
)

P95_TARGET_MS = 50.0
CASE_TABS = (("case page", ""), ("timeline", "/timeline"), ("plan", "/plan"))


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    case: str = ""  # "light", "heavy" or "" (lists and searches)


def pages(council: dict[str, Any], partner: bool) -> list[Page]:
    """Every page of the check for one council, as its case manager or its partner."""
    base = f"/t/{council['tenant']}"
    terms = council["search"]
    surname = quote(terms["surname"])
    listed = [
        Page("case list", f"{base}/cases"),
        Page("case list ?status=open&area=housing", f"{base}/cases?status=open&area=housing"),
        Page("case list ?q=<common surname>", f"{base}/cases?q={surname}"),
        Page("person search ?q=<common surname>", f"{base}/persons?q={surname}"),
        Page("person search ?q=<rare surname>", f"{base}/persons?q={quote(terms['rare_surname'])}"),
        Page("person search ?q=<NIF>", f"{base}/persons?q={terms['nif']}"),
        Page("person search ?q=<birth date>", f"{base}/persons?q={quote(terms['birth_date'])}"),
    ]
    if partner:  # a partner's search is limited to shared cases: the NIF and date add nothing
        listed = [p for p in listed if "NIF" not in p.label and "birth" not in p.label]
    for label, suffix in CASE_TABS:
        for kind in ("light", "heavy"):
            case_id = council[f"{kind}_case"]["id"]
            listed.append(Page(label, f"{base}/cases/{case_id}{suffix}", kind))
    return listed


@dataclass
class Probe:
    tenant: str
    role: str
    page: Page
    status: int
    statements: int | None
    again: int | None
    bytes: int


@dataclass
class Run:
    role: str
    page: Page
    connections: int
    result: WrkResult
    statements: int | None


@dataclass
class Report:
    started: datetime
    args: argparse.Namespace
    probes: list[Probe] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    busy: float = 0.0
    notes: list[str] = field(default_factory=list)


def signed_in(port: int, email: str) -> Client:
    clear_login_limits()  # 40 sign-ins in a row exceed the per-address limit otherwise
    client = Client(port)
    login = sign_in(client, email)
    if not login.ok:
        raise RuntimeError(f"sign-in of {email} failed: {login.status} {login.location}")
    return client


def check_statements(port: int, councils: list[dict[str, Any]], report: Report) -> None:
    for council in councils:
        for role in ("manager", "partner"):
            client = signed_in(port, council[role])
            try:
                for page in pages(council, role == "partner"):
                    first = client.request("GET", page.path)
                    again = client.request("GET", page.path)
                    report.probes.append(
                        Probe(
                            council["tenant"],
                            role,
                            page,
                            first.status,
                            first.statements,
                            again.statements,
                            len(first.body),
                        )
                    )
                    if first.status != 200:
                        report.notes.append(
                            f"{role} of {council['tenant']}: {page.path} answered {first.status}"
                        )
            finally:
                client.close()
        print(f"  statements checked in {council['tenant']}", flush=True)


def bench_pages(
    port: int, council: dict[str, Any], report: Report, script: Path, args: argparse.Namespace
) -> None:
    only = re.compile(args.only) if args.only else None
    for role in ("manager", "partner"):
        client = signed_in(port, council[role])
        cookie = f"Cookie: teia_session={client.cookies['teia_session']}"
        headers = [f"User-Agent: {USER_AGENT}", cookie]
        try:
            for page in pages(council, role == "partner"):
                name = f"{role}: {page.label} {page.case}".strip()
                if only is not None and not only.search(name):
                    continue
                probe = client.request("GET", page.path)
                if probe.status != 200:
                    raise RuntimeError(f"{page.path} answered {probe.status} before the run")
                url = f"http://{HOST}:{port}{page.path}"
                for connections in args.connections:
                    threads = min(args.wrk_threads, connections)
                    common = {"connections": connections, "threads": threads, "script": script}
                    run_wrk(url, duration=WARMUP_SECONDS, headers=headers, **common)
                    result = run_wrk(url, duration=args.duration, headers=headers, **common)
                    size = result.bytes / result.requests if result.requests else 0
                    if size < 0.8 * len(probe.body):
                        report.notes.append(
                            f"{name} -c{connections}: wrk averaged {size:.0f} bytes, the "
                            f"page has {len(probe.body)}: redirects or errors?"
                        )
                    report.runs.append(Run(role, page, connections, result, probe.statements))
                    print(
                        f"  {name} -c{connections}: {result.rps:.0f} req/s, "
                        f"p95 {result.p95:.1f} ms, errors {result.errors}",
                        flush=True,
                    )
            after = client.request("GET", f"/t/{council['tenant']}/cases")
            if after.status != 200:
                report.notes.append(f"{role}: case list answered {after.status} after the runs")
        finally:
            client.close()


def span(values: set[int | None]) -> str:
    known = sorted(v for v in values if v is not None)
    if not known:
        return "-"
    return str(known[0]) if known[0] == known[-1] else f"{known[0]} to {known[-1]}"


def statement_table(report: Report) -> list[str]:
    """Per page and role: the statements seen over every council, light and heavy apart."""
    seen: dict[tuple[str, str], dict[str, set[int | None]]] = defaultdict(lambda: defaultdict(set))
    for p in report.probes:
        cell = seen[(p.page.label, p.role)]
        cell[p.page.case or "all"] |= {p.statements, p.again}
    lines = [
        "| page | role | statements (every council) | light case | heavy case | constant |",
        "|---|---|---:|---:|---:|---|",
    ]
    for (label, role), cell in seen.items():
        every = set().union(*cell.values())
        constant = "yes" if len({v for v in every if v is not None}) == 1 else "**no**"
        lines.append(
            f"| {label} | {role} | {span(every)} | {span(cell.get('light', set()))} | "
            f"{span(cell.get('heavy', set()))} | {constant} |"
        )
    return lines


def markdown(report: Report, council: dict[str, Any], data: dict[str, int]) -> str:
    args = report.args
    light, heavy = council["light_case"], council["heavy_case"]
    lines = [
        f"# Teia case-management benchmark, {report.started:%Y-%m-%d %H:%M %z}",
        "",
        f"- machine: {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; wrk, gunicorn and PostgreSQL share the cores; "
        f"CPU busy with other work before the server started: {report.busy:.0f}%",
        f"- commit {git_commit()}; gunicorn -w {args.workers} gthread --threads {args.threads}, "
        "TEIA_ENV=development (X-SQL-Statements on)",
        "- data (pg_class estimates): "
        + ", ".join(f"{table} {count:,}" for table, count in data.items()),
        f"- wrk on {council['tenant']} ({council['persons']} persons, {council['cases']} cases; "
        f"the partner reaches {council['partner_visible_cases']}): light case {light['id']} "
        f"({light['events']} entries, {light['active_plan_actions']} actions, "
        f"{light['shares']} shares), heavy case {heavy['id']} ({heavy['events']} entries, "
        f"{heavy['confidential_events']} confidential, {heavy['active_plan_actions']} actions, "
        f"{heavy['shares']} shares); {args.duration} s per run after a {WARMUP_SECONDS} s "
        "warm-up; latencies in ms",
        "",
        "| role | page | case | connections | requests/s | p50 | p95 | p99 | statements "
        "| errors | p95 < 50 ms |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in report.runs:
        r = run.result
        lines.append(
            f"| {run.role} | {run.page.label} | {run.page.case or '-'} | {run.connections} | "
            f"{r.rps:.0f} | {r.p50:.1f} | {r.p95:.1f} | {r.p99:.1f} | "
            f"{'-' if run.statements is None else run.statements} | {r.errors} | "
            f"{'yes' if r.p95 < P95_TARGET_MS else '**no**'} |"
        )
    councils = sorted({p.tenant for p in report.probes})
    lines += [
        "",
        f"Statements per request (`X-SQL-Statements`, first and second request) in "
        f"{len(councils)} councils:",
        "",
        *statement_table(report),
    ]
    if report.notes:
        lines += ["", "Warnings:", "", *(f"- {note}" for note in report.notes)]
    return "\n".join(lines) + "\n"


CASE_TABLES = ("persons", "households", "cases", "case_events", "plan_actions", "case_shares")


def table_sizes(database_url: str, tables: tuple[str, ...] = CASE_TABLES) -> dict[str, int]:
    """Row counts from the planner's statistics: the app role sees no tenant rows here."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(:t)"),
                {"t": list(tables)},
            )
            found = {name: count for name, count in rows}
    finally:
        engine.dispose()
    return {t: int(found.get(t, 0)) for t in tables}


def stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)  # unwinds through the finally block that stops gunicorn


def main(argv: list[str] | None = None) -> int:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="the application role's URL")
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per run")
    parser.add_argument(
        "--connections", type=int, action="append", help="repeat to compare (default 2, 4, 16)"
    )
    parser.add_argument("--workers", type=int, default=2 * cores + 1)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--wrk-threads", type=int, default=min(cores, 4))
    parser.add_argument("--max-busy", type=float, default=20.0)
    parser.add_argument("--tenant", help="council slug for wrk (default: the first sampled)")
    parser.add_argument("--only", help="regex on '<role>: <page> <case>' to limit wrk runs")
    parser.add_argument("--no-wrk", action="store_true", help="check statements only")
    parser.add_argument(
        "--check-councils", type=int, help="check statements in the first N councils only"
    )
    parser.add_argument("--cases-file", type=Path, default=RESULTS_DIR / "cases.json")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "cases.md")
    args = parser.parse_args(argv)
    args.connections = args.connections or [2, 4, 16]
    if shutil.which("wrk") is None and not args.no_wrk:
        parser.error("wrk is not installed")
    councils = json.loads(args.cases_file.read_text())
    council = next((c for c in councils if c["tenant"] == args.tenant), None) or councils[0]
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)

    report = Report(datetime.now().astimezone(), args)
    report.busy = wait_for_quiet(args.max_busy)
    server = Server(args.database_url, args.workers, args.threads)
    try:
        server.start()
        print(f"gunicorn -w {args.workers}: {server.wait_healthy()}", flush=True)
        check_statements(server.port, councils[: args.check_councils], report)
        if not args.no_wrk:
            with tempfile.TemporaryDirectory(prefix="teia-wrk-") as tmp:
                script = Path(tmp) / "report.lua"
                script.write_text(WRK_SCRIPT)
                bench_pages(server.port, council, report, script, args)
    finally:
        server.stop()
    text = markdown(report, council, table_sizes(args.database_url))
    return write_report(text, args.output, failed=bool(report.notes))


if __name__ == "__main__":
    raise SystemExit(main())
