"""Load-test the applications pages and API under gunicorn with wrk, against ``generate.py`` data.

    python bench/load_applications.py \
        --database-url postgresql+psycopg://teia_app@127.0.0.1/teia_bench \
        --duration 15 --connections 2 --connections 4 --connections 16

Reads ``bench/results/applications.json`` (written by ``generate.py --applications N``). First
it signs in as the sample technician of every council and reads ``X-SQL-Statements`` on every
page: the list (plain, by status, by support type, searched by a common surname and by number,
its last page), the page of a *light* application (1 item, 1 payment, about 12 events) and of a
*heavy* one (6 items, 12 payments, 3 document requests, 3 visits, about 100 events), and the
same list and detail in the JSON API. The counts of the council with the most applications
must equal the others'. Then it runs wrk on each page of that council (``--tenant`` for
another) at each ``--connections`` and writes a Markdown report
(``bench/results/applications.md``). Helpers come from ``load.py`` and ``load_cases.py``.
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
from typing import Any
from urllib.parse import quote

from load import (
    HOST,
    RESULTS_DIR,
    USER_AGENT,
    WARMUP_SECONDS,
    WRK_SCRIPT,
    Server,
    WrkResult,
    git_commit,
    run_wrk,
    wait_for_quiet,
    write_report,
)
from load_cases import signed_in, span, stop_on_sigterm, table_sizes

P95_TARGET_MS = 50.0


@dataclass(frozen=True)
class Page:
    label: str
    path: str


def pages(council: dict[str, Any], api: bool = True) -> list[Page]:
    """Every page of the check for one council (the same labels in every council)."""
    base = f"/t/{council['tenant']}/applications"
    terms = council["search"]
    light, heavy = council["light"]["id"], council["heavy"]["id"]
    listed = [
        Page("list", base),
        Page("list ?status=closed", f"{base}?status=closed"),
        Page("list ?status=awaiting_documents", f"{base}?status=awaiting_documents"),
        Page("list ?support_type=housing", f"{base}?support_type=housing"),
        Page("list ?q=<common surname>", f"{base}?q={quote(terms['surname'])}"),
        Page("list ?q=<number>", f"{base}?q={quote(terms['number'])}"),
        Page("list, last page", f"{base}?page={council['pages']}"),
        Page("application, light", f"{base}/{light}"),
        Page("application, heavy", f"{base}/{heavy}"),
    ]
    if api:
        listed += [
            Page("API list", f"/api/v1{base}"),
            Page("API list ?q=<common surname>", f"/api/v1{base}?q={quote(terms['surname'])}"),
            Page("API application, light", f"/api/v1{base}/{light}"),
            Page("API application, heavy", f"/api/v1{base}/{heavy}"),
        ]
    return listed


@dataclass
class Probe:
    tenant: str
    applications: int
    page: Page
    status: int
    statements: int | None
    again: int | None
    bytes: int


@dataclass
class Run:
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


def check_statements(port: int, councils: list[dict[str, Any]], report: Report) -> None:
    for council in councils:
        client = signed_in(port, council["technician"])
        try:
            for page in pages(council, report.args.api):
                first = client.request("GET", page.path)
                again = client.request("GET", page.path)
                report.probes.append(
                    Probe(
                        council["tenant"],
                        council["applications"],
                        page,
                        first.status,
                        first.statements,
                        again.statements,
                        len(first.body),
                    )
                )
                if first.status != 200:
                    report.notes.append(f"{council['tenant']}: {page.path} answered {first.status}")
        finally:
            client.close()
        print(f"  statements checked in {council['tenant']}", flush=True)


def bench_pages(
    port: int, council: dict[str, Any], report: Report, script: Path, args: argparse.Namespace
) -> None:
    only = re.compile(args.only) if args.only else None
    client = signed_in(port, council["technician"])
    headers = [
        f"User-Agent: {USER_AGENT}",
        f"Cookie: teia_session={client.cookies['teia_session']}",
    ]
    try:
        for page in pages(council, args.api):
            if only is not None and not only.search(page.label):
                continue
            probe = client.request("GET", page.path)
            if probe.status != 200:  # noted, and the other pages still run
                report.notes.append(f"{page.path} answered {probe.status}: not measured")
                continue
            url = f"http://{HOST}:{port}{page.path}"
            for connections in args.connections:
                threads = min(args.wrk_threads, connections)
                common = {"connections": connections, "threads": threads, "script": script}
                run_wrk(url, duration=WARMUP_SECONDS, headers=headers, **common)
                result = run_wrk(url, duration=args.duration, headers=headers, **common)
                size = result.bytes / result.requests if result.requests else 0
                if size < 0.8 * len(probe.body):
                    report.notes.append(
                        f"{page.label} -c{connections}: wrk averaged {size:.0f} bytes, the "
                        f"page has {len(probe.body)}: redirects or errors?"
                    )
                report.runs.append(Run(page, connections, result, probe.statements))
                print(
                    f"  {page.label} -c{connections}: {result.rps:.0f} req/s, "
                    f"p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms, errors {result.errors}",
                    flush=True,
                )
        after = client.request("GET", f"/t/{council['tenant']}/applications")
        if after.status != 200:
            report.notes.append(f"the list answered {after.status} after the runs")
    finally:
        client.close()


def statement_table(report: Report) -> list[str]:
    """Per page: the statements in the largest council and in the others."""
    largest = max((p.applications, p.tenant) for p in report.probes)[1]
    seen: dict[str, dict[str, set[int | None]]] = defaultdict(lambda: defaultdict(set))
    sizes: dict[str, set[int]] = defaultdict(set)
    for p in report.probes:
        where = "large" if p.tenant == largest else "small"
        seen[p.page.label][where] |= {p.statements, p.again}
        sizes[where].add(p.applications)
    small = sizes.get("small", set())
    small_sizes = f"{min(small):,} to {max(small):,}" if small else "-"
    lines = [
        f"| page | {largest} ({max(sizes['large']):,} applications) | other councils "
        f"({small_sizes} applications) | constant |",
        "|---|---:|---:|---|",
    ]
    for label, cell in seen.items():
        every = {v for v in set().union(*cell.values()) if v is not None}
        lines.append(
            f"| {label} | {span(cell['large'])} | {span(cell.get('small', set()))} | "
            f"{'yes' if len(every) == 1 else '**no**'} |"
        )
    return lines


def markdown(report: Report, council: dict[str, Any], data: dict[str, int]) -> str:
    args = report.args
    light, heavy = council["light"], council["heavy"]
    lines = [
        f"# Teia applications benchmark, {report.started:%Y-%m-%d %H:%M %z}",
        "",
        f"- machine: {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; wrk, gunicorn and PostgreSQL share the cores; "
        f"CPU busy with other work before the server started: {report.busy:.0f}%; load "
        f"average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}",
        f"- commit {git_commit()}; gunicorn -w {args.workers} gthread --threads {args.threads}, "
        "TEIA_ENV=development (X-SQL-Statements on)",
        "- data (pg_class estimates): "
        + ", ".join(f"{table} {count:,}" for table, count in data.items()),
        f"- wrk on {council['tenant']} ({council['applications']:,} applications, "
        f"{council['households']:,} households), signed in as a technician: light application "
        f"{light['number']} ({light['items']} item, {light['documents']} documents, "
        f"{light['events']} events, {light['payments']} payment), heavy {heavy['number']} "
        f"({heavy['items']} items, {heavy['documents']} documents, {heavy['events']} events, "
        f"{heavy['requests']} document requests, {heavy['visits']} visits, "
        f"{heavy['payments']} payments); {args.duration} s per run after a {WARMUP_SECONDS} s "
        "warm-up; latencies in ms",
        "",
        "| page | connections | requests/s | p50 | p95 | p99 | statements | errors | p95 < 50 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in report.runs:
        r = run.result
        lines.append(
            f"| {run.page.label} | {run.connections} | {r.rps:.0f} | {r.p50:.1f} | "
            f"{r.p95:.1f} | {r.p99:.1f} | {'-' if run.statements is None else run.statements} | "
            f"{r.errors} | {'yes' if r.p95 < P95_TARGET_MS else '**no**'} |"
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


APPLICATION_TABLES = (
    "applications",
    "application_items",
    "application_documents",
    "application_events",
    "application_payments",
    "persons",
)


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
    parser.add_argument("--tenant", help="council slug for wrk (default: the largest)")
    parser.add_argument("--only", help="regex on the page label to limit wrk runs")
    parser.add_argument("--no-wrk", action="store_true", help="check statements only")
    parser.add_argument("--no-api", dest="api", action="store_false", help="leave out the JSON API")
    parser.add_argument(
        "--check-councils", type=int, help="check statements in N councils only (largest first)"
    )
    parser.add_argument("--applications-file", type=Path, default=RESULTS_DIR / "applications.json")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "applications.md")
    args = parser.parse_args(argv)
    args.connections = args.connections or [2, 4, 16]
    if shutil.which("wrk") is None and not args.no_wrk:
        parser.error("wrk is not installed")
    councils = sorted(
        json.loads(args.applications_file.read_text()), key=lambda c: -c["applications"]
    )
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
    text = markdown(report, council, table_sizes(args.database_url, APPLICATION_TABLES))
    return write_report(text, args.output, failed=bool(report.notes))


if __name__ == "__main__":
    raise SystemExit(main())
