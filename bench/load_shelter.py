"""Load-test the consortium's regulation desk under gunicorn with wrk, against ``shelterdata.py``.

    python bench/load_shelter.py \
        --database-url postgresql+psycopg://teia_app@127.0.0.1/teia_bench_shelter \
        --duration 15 --connections 2 --connections 4 --connections 16

Reads ``bench/results/shelter.json`` (written by ``shelterdata.py``). Starts gunicorn with the
secret key the data was generated with (the coordinator's TOTP secret is encrypted under it),
signs the coordinator in with the password and the second factor, and reads
``X-SQL-Statements`` twice on every page: the queue (plain, by public, by status, its last
page), the request page of five profiles of different weight (an adolescent and a child with
hundreds of candidates, one with the safety flag, an older person needing accessibility, one
with a place offered) and the log. Every queue page must cost the same number of statements,
and so must every request page. Then it runs wrk on the queue and on the adolescent's
request page (``--all-pages``: on every page) at each ``--connections`` and writes a Markdown
report (``bench/results/shelter.md``). Helpers come from ``load.py`` and ``load_cases.py``.
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
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyotp
from load import (
    CSRF_INPUT,
    HOST,
    RESULTS_DIR,
    USER_AGENT,
    VALUE_ATTR,
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
from load_cases import span, stop_on_sigterm, table_sizes

P95_TARGET_MS = 100.0
SHELTER_TABLES = (
    "shelter_units",
    "shelter_places",
    "shelter_place_pools",
    "placement_profiles",
    "shelter_allocations",
    "shelter_allocation_events",
)


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    kind: str  # "queue", "request" or "log": pages of a kind must cost the same statements
    benched: bool = False  # wrk runs on it by default


def pages(data: dict[str, Any]) -> list[Page]:
    base = f"/c/{data['consortium']}/shelter"
    profiles = data["profiles"]
    last = (data["open_profiles"] - 1) // 50 + 1
    return [
        Page("queue", f"{base}/queue", "queue", benched=True),
        Page("queue ?public=adolescents", f"{base}/queue?public=adolescents", "queue"),
        Page("queue ?status=offered", f"{base}/queue?status=offered", "queue"),
        Page(f"queue, last page ({last})", f"{base}/queue?page={last}", "queue"),
        Page("request: adolescent", f"{base}/requests/{profiles['adolescent']}", "request", True),
        Page("request: child 6-11", f"{base}/requests/{profiles['child']}", "request"),
        Page("request: safety flag", f"{base}/requests/{profiles['safety']}", "request"),
        Page("request: older, accessibility", f"{base}/requests/{profiles['older']}", "request"),
        Page("request: place offered", f"{base}/requests/{profiles['offered']}", "request"),
        Page("log", f"{base}/log", "log"),
    ]


class DeskServer(Server):
    """gunicorn with the secret key the coordinator's TOTP secret was encrypted under."""

    def __init__(self, secret_key: str, *args: Any) -> None:
        super().__init__(*args)
        self.secret_key = secret_key

    def env(self) -> dict[str, str]:
        return {**super().env(), "TEIA_SECRET_KEY": self.secret_key}


def signed_in_coordinator(port: int, data: dict[str, Any]) -> Client:
    """The coordinator, through the password and the second factor (a code not used before)."""
    clear_login_limits()
    client = Client(port)
    login = sign_in(client, data["coordinator"])
    if login.status != 302 or not login.location.endswith("/login/two-factor"):
        raise RuntimeError(f"sign-in of {data['coordinator']}: {login.status} {login.location}")
    totp = pyotp.TOTP(data["totp_secret"])
    for at in (time.time(), time.time() + totp.interval):
        page = client.request("GET", "/login/two-factor")
        tag = CSRF_INPUT.search(page.body.decode())
        value = VALUE_ATTR.search(tag.group(0)) if tag else None
        if value is None:
            raise RuntimeError(f"GET /login/two-factor: {page.status}, no csrf_token")
        answer = client.request(
            "POST", "/login/two-factor", {"code": totp.at(at), "csrf_token": value.group(1)}
        )
        if answer.status == 302 and "/login" not in answer.headers.get("Location", ""):
            return client
    raise RuntimeError("the second factor was refused twice")


@dataclass
class Probe:
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


def check_statements(client: Client, data: dict[str, Any], report: Report) -> None:
    for page in pages(data):
        first = client.request("GET", page.path)
        again = client.request("GET", page.path)
        report.probes.append(
            Probe(page, first.status, first.statements, again.statements, len(first.body))
        )
        if first.status != 200:
            report.notes.append(f"{page.path} answered {first.status}")
    for kind in ("queue", "request", "log"):
        seen = {v for p in report.probes if p.page.kind == kind for v in (p.statements, p.again)}
        if len(seen) > 1:
            report.notes.append(f"{kind} pages differ in statements: {sorted(map(str, seen))}")


def bench_pages(
    port: int, client: Client, data: dict[str, Any], report: Report, script: Path
) -> None:
    args = report.args
    only = re.compile(args.only) if args.only else None
    headers = [
        f"User-Agent: {USER_AGENT}",
        f"Cookie: teia_session={client.cookies['teia_session']}",
    ]
    for page in pages(data):
        if not (page.benched or args.all_pages) or (only and not only.search(page.label)):
            continue
        probe = client.request("GET", page.path)
        if probe.status != 200:
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
                    f"{page.label} -c{connections}: wrk averaged {size:.0f} bytes, the page "
                    f"has {len(probe.body)}: redirects or errors?"
                )
            report.runs.append(Run(page, connections, result, probe.statements))
            print(
                f"  {page.label} -c{connections}: {result.rps:.0f} req/s, p50 {result.p50:.1f} "
                f"ms, p95 {result.p95:.1f} ms, p99 {result.p99:.1f} ms, errors {result.errors}",
                flush=True,
            )
    after = client.request("GET", pages(data)[0].path)
    if after.status != 200:
        report.notes.append(f"the queue answered {after.status} after the runs: session lost?")


def markdown(report: Report, data: dict[str, Any], sizes: dict[str, int]) -> str:
    args = report.args
    lines = [
        f"# Teia regulation desk benchmark, {report.started:%Y-%m-%d %H:%M %z}",
        "",
        f"- machine: {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; wrk, gunicorn and PostgreSQL share the cores; "
        f"CPU busy with other work before the server started: {report.busy:.0f}%; load "
        f"average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}",
        f"- commit {git_commit()}; gunicorn -w {args.workers} gthread --threads {args.threads}, "
        "TEIA_ENV=development (X-SQL-Statements on)",
        "- data (pg_class estimates): "
        + ", ".join(f"{table} {count:,}" for table, count in sizes.items()),
        f"- consortium {data['consortium']}: {data['units']:,} units, "
        f"{data['open_profiles']:,} open requests; signed in as its coordinator; "
        f"{args.duration} s per run after a {WARMUP_SECONDS} s warm-up; latencies in ms",
        "",
        f"| page | connections | requests/s | p50 | p95 | p99 | statements | errors "
        f"| p95 < {P95_TARGET_MS:.0f} ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in report.runs:
        r = run.result
        lines.append(
            f"| {run.page.label} | {run.connections} | {r.rps:.0f} | {r.p50:.1f} | "
            f"{r.p95:.1f} | {r.p99:.1f} | {'-' if run.statements is None else run.statements} | "
            f"{r.errors} | {'yes' if r.p95 < P95_TARGET_MS else '**no**'} |"
        )
    lines += [
        "",
        "Statements per request (`X-SQL-Statements`, first and second request):",
        "",
        "| page | kind | status | bytes | statements |",
        "|---|---|---:|---:|---:|",
    ]
    for p in report.probes:
        lines.append(
            f"| {p.page.label} | {p.page.kind} | {p.status} | {p.bytes:,} | "
            f"{span({p.statements, p.again})} |"
        )
    if report.notes:
        lines += ["", "Warnings:", "", *(f"- {note}" for note in report.notes)]
    return "\n".join(lines) + "\n"


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
    parser.add_argument("--all-pages", action="store_true", help="wrk on every page")
    parser.add_argument("--only", help="regex on the page label to limit wrk runs")
    parser.add_argument("--no-wrk", action="store_true", help="check statements only")
    parser.add_argument("--shelter-file", type=Path, default=RESULTS_DIR / "shelter.json")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "shelter.md")
    args = parser.parse_args(argv)
    args.connections = args.connections or [2, 4, 16]
    if shutil.which("wrk") is None and not args.no_wrk:
        parser.error("wrk is not installed")
    data = json.loads(args.shelter_file.read_text())
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)

    report = Report(datetime.now().astimezone(), args)
    report.busy = wait_for_quiet(args.max_busy)
    server = DeskServer(data["secret_key"], args.database_url, args.workers, args.threads)
    try:
        server.start()
        print(f"gunicorn -w {args.workers}: {server.wait_healthy()}", flush=True)
        client = signed_in_coordinator(server.port, data)
        try:
            check_statements(client, data, report)
            print("  statements checked", flush=True)
            if not args.no_wrk:
                with tempfile.TemporaryDirectory(prefix="teia-wrk-") as tmp:
                    script = Path(tmp) / "report.lua"
                    script.write_text(WRK_SCRIPT)
                    bench_pages(server.port, client, data, report, script)
        finally:
            client.close()
    finally:
        server.stop()
    text = markdown(report, data, table_sizes(args.database_url, SHELTER_TABLES))
    return write_report(text, args.output, failed=bool(report.notes))


if __name__ == "__main__":
    raise SystemExit(main())
