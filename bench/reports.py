"""Time the council's and the consortium's reports built by a real Celery worker (issue 7).

    python bench/reports.py \
        --database-url postgresql+psycopg://teia_app@127.0.0.1/teia_bench_reports \
        --council bench-001 --consortium bench-cim --repeat 3

Starts one worker (``celery -A report_worker worker --pool=solo --concurrency=1``: the
project's ``tasks.py`` app with a statement counter, see ``report_worker.py``) connected as
``--database-url`` (``teia_app``: row-level security on) with Redis database 8 as its broker,
then, for each report and period, asks for a run through ``teia.reports.runs.request_run``
(the service the page, the API and the monthly schedule use) and waits for it. Per run:

- **wall**: the run's ``started_at`` (claimed by the worker) to ``finished_at`` (done);
- **worker CPU**: ``utime + stime`` of the worker process (``/proc/<pid>/stat``) before the
  run was asked for and after it was done, and the task's own ``process_time`` in the worker;
- **peak RSS**: ``VmHWM`` of ``/proc/<pid>/status``, reset before each run through
  ``/proc/<pid>/clear_refs`` (so each run's own peak), and the RSS after it;
- **statements** and the time spent in them (the worker's SQLAlchemy events), and the sizes
  of the PDF, XLSX and CSV.

The periods default to the twelve months up to the end of last month and last month alone
(the monthly report). Results go to ``bench/results/reports.md`` (``--output``) and are
printed. The worker is always stopped (SIGTERM to its own pid). ``--in-process`` builds the
report in this process instead (no worker, no files) with ``--profile`` (cProfile, top
functions) or ``--explain N`` (the N slowest statements under ``EXPLAIN ANALYZE``, as the same
role and with the same ``teia.tenant_id``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "platform"))
from load import cpu_busy, git_commit  # noqa: E402

RESULTS_DIR = REPO_ROOT / "bench" / "results"
REDIS_DB = 8  # the broker of this benchmark, flushed at the start
BROKER_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
KINDS = {"council": "council_monthly", "consortium": "consortium_monthly"}
# Seconds of the worker's time, claim to done (issue 7), and its memory.
TARGETS = {"council": 10.0, "consortium": 60.0}
RSS_TARGET_MB = 500
RUN_TIMEOUT = 900  # seconds


@dataclass
class Target:
    scope: str  # "council" or "consortium"
    slug: str
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.scope} {self.slug}"

    @property
    def period(self) -> str:
        return f"{self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}"


@dataclass
class Measured:
    target: Target
    attempt: int
    run_id: int
    status: str
    wall: float
    cpu: float  # worker process, from /proc
    task: dict[str, Any]  # the worker's own line: statements, sql_s, cpu_s, wall_s
    peak_mb: float
    rss_after_mb: float
    sizes: dict[str, int]
    load: float  # 1-minute load average when the run was asked for
    error: str | None = None


@dataclass
class Results:
    started: datetime
    volumes: list[tuple[str, str]] = field(default_factory=list)
    runs: list[Measured] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- /proc ---------------------------------------------------------------------------------


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False when not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# --- the worker ----------------------------------------------------------------------------


class Worker:
    def __init__(self, env: dict[str, str], instance: Path) -> None:
        self.env = env
        self.instance = instance
        self.log_path = instance / "worker.log"
        self.tasks_path = instance / "tasks.jsonl"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> int:
        env = {**self.env, "PYTHONPATH": str(REPO_ROOT / "bench")}
        env["BENCH_TASKS_FILE"] = str(self.tasks_path)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "report_worker", "worker"),
                    *("--pool=solo", "--concurrency=1", "--without-mingle", "--without-gossip"),
                    *("-l", "INFO", "-n", f"bench-reports-{os.getpid()}@%h"),
                ],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{self.log_tail()}")
            if " ready." in self.log_path.read_text(errors="replace"):
                return self.proc.pid
            time.sleep(0.2)
        raise RuntimeError(f"the worker did not start in {timeout:.0f} s:\n{self.log_tail()}")

    def task_line(self, run_id: int) -> dict[str, Any]:
        if not self.tasks_path.exists():
            return {}
        found = {}
        for line in self.tasks_path.read_text().splitlines():
            entry = json.loads(line)
            if entry.get("task") == "teia.reports.generate" and entry.get("arg") == run_id:
                found = entry
        return found

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # warm shutdown: Celery finishes the task in hand
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


# --- the app in this process ---------------------------------------------------------------


def make_app(env: dict[str, str]) -> Any:
    os.environ.update(env)
    from teia import create_app

    return create_app()


def scope_id(target: Target) -> int:
    from sqlalchemy import select

    from teia.core.db import db
    from teia.tenants.models import Consortium, Tenant

    model = Tenant if target.scope == "council" else Consortium
    found = db.session.scalar(select(model.id).where(model.slug == target.slug))
    if found is None:
        raise SystemExit(f"no {target.scope} {target.slug!r} in the database")
    return found


def ask_for_run(target: Target) -> int:
    """Queue a run as the page does; the worker gets it once this commits."""
    from teia.core.clock import today
    from teia.core.db import db
    from teia.reports import runs
    from teia.reports.definitions import ScopeKind

    run = runs.request_run(
        db.session,
        kind=KINDS[target.scope],
        scope=ScopeKind(target.scope),
        scope_id=scope_id(target),
        start=target.start,
        end=target.end,
        today=today(),
    )
    assert run is not None
    run_id = run.id
    db.session.commit()
    return run_id


def wait_for(run_id: int, timeout: float = RUN_TIMEOUT) -> Any:
    from teia.core.db import db
    from teia.reports.models import ReportRun, RunStatus

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # a fresh snapshot each time
        run = db.session.get(ReportRun, run_id, populate_existing=True)
        assert run is not None
        if run.status in (RunStatus.DONE, RunStatus.FAILED):
            return run
        time.sleep(0.25)
    raise TimeoutError(f"run {run_id} not done in {timeout:.0f} s")


def measure(worker: Worker, pid: int, target: Target, attempt: int, results: Results) -> None:
    load = os.getloadavg()[0]
    if not reset_peak(pid) and attempt == 1:
        results.notes.append("VmHWM could not be reset: peak RSS is the worker's lifetime peak")
    cpu0 = proc_cpu(pid)
    run_id = ask_for_run(target)
    run = wait_for(run_id)
    time.sleep(0.3)  # the task's last line (postrun) is written after the commit
    cpu1 = proc_cpu(pid)
    wall = (run.finished_at - run.started_at).total_seconds() if run.started_at else 0.0
    measured = Measured(
        target,
        attempt,
        run_id,
        str(run.status),
        wall,
        cpu1 - cpu0,
        worker.task_line(run_id),
        proc_status_mb(pid, "VmHWM"),
        proc_status_mb(pid, "VmRSS"),
        {fmt: f["size"] for fmt, f in (run.files or {}).items()},
        load,
        run.error,
    )
    results.runs.append(measured)
    print(
        f"  {target.label} {target.period} #{attempt}: {measured.status}, wall {wall:.2f} s, "
        f"worker CPU {measured.cpu:.2f} s, peak RSS {measured.peak_mb:.0f} MB, "
        f"{measured.task.get('statements', '?')} statements, load {load:.2f}",
        flush=True,
    )


# --- what the database holds ---------------------------------------------------------------


COUNTS = {
    "cases": "SELECT count(*) FROM cases WHERE tenant_id = ANY(:ids)",
    "people": "SELECT count(*) FROM household_members WHERE tenant_id = ANY(:ids)",
    "applications": "SELECT count(*) FROM applications WHERE tenant_id = ANY(:ids)",
    "applications in the period": "SELECT count(*) FROM applications WHERE tenant_id = ANY(:ids) "
    "AND application_date BETWEEN :start AND :end AND status <> 'draft'",
    "cases followed in the period": "SELECT count(*) FROM cases WHERE tenant_id = ANY(:ids) "
    "AND opened_on <= :end AND (closed_on IS NULL OR closed_on >= :start)",
    "current stays": "SELECT count(*) FROM shelter_stays WHERE tenant_id = ANY(:ids) "
    "AND ended_on IS NULL",
    "ended stays": "SELECT count(*) FROM shelter_stays WHERE tenant_id = ANY(:ids) "
    "AND ended_on IS NOT NULL",
    "stay contacts": "SELECT count(*) FROM shelter_stay_contacts WHERE tenant_id = ANY(:ids)",
}
SCOPE_IDS = {
    "council": "SELECT array_agg(id) FROM tenants WHERE slug = :slug",
    "consortium": "SELECT array_agg(m.tenant_id) FROM consortium_members m "
    "JOIN consortia c ON c.id = m.consortium_id WHERE c.slug = :slug",
}


def volumes(owner_url: str, targets: list[Target]) -> list[tuple[str, str]]:
    """What each report counts (as the owner: every council's rows)."""
    from sqlalchemy import create_engine, text

    totals = ("cases", "people", "applications", "current stays", "ended stays", "stay contacts")
    in_period = ("applications in the period", "cases followed in the period")
    found: list[tuple[str, str]] = []
    engine = create_engine(owner_url)
    try:
        with engine.connect() as conn:

            def count(name: str, **params: Any) -> str:
                return f"{conn.execute(text(COUNTS[name]), params).scalar():,}"

            done: set[str] = set()
            for t in targets:
                ids = conn.execute(text(SCOPE_IDS[t.scope]), {"slug": t.slug}).scalar() or []
                if t.slug not in done:
                    done.add(t.slug)
                    found.append(
                        (
                            f"{t.slug} ({len(ids)} council{'s' * (len(ids) != 1)}): "
                            + " / ".join(totals),
                            " / ".join(count(n, ids=ids) for n in totals),
                        )
                    )
                found.append(
                    (
                        f"{t.slug} {t.period}: {' / '.join(in_period)}",
                        " / ".join(count(n, ids=ids, start=t.start, end=t.end) for n in in_period),
                    )
                )
    finally:
        engine.dispose()
    return found


# --- in this process: profile and plans ----------------------------------------------------


def build_here(target: Target, profile: bool, explain: int) -> None:
    """Build the report and its files in this process (no worker, nothing stored): its time,
    and why."""
    from flask_babel import force_locale
    from sqlalchemy import event, text
    from sqlalchemy.engine import Engine

    from teia.core.db import db
    from teia.core.tenancy import tenant_scope
    from teia.reports.definitions import ScopeKind, definition

    seen: list[tuple[float, str, Any, str]] = []
    state: dict[str, Any] = {}

    def before(conn: Any, _cursor: Any, statement: str, parameters: Any, *_a: Any) -> None:
        state["t"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, *_a: Any) -> None:
        took = time.perf_counter() - state["t"]
        tenant = ""
        if explain and statement.lstrip().upper().startswith("SELECT"):
            raw = conn.connection.dbapi_connection
            with raw.cursor() as other:
                other.execute("SELECT current_setting('teia.tenant_id', true)")
                tenant = (other.fetchone() or [""])[0] or ""
        seen.append((took, statement, parameters, tenant))

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)
    found = definition(KINDS[target.scope], ScopeKind(target.scope))
    sid = scope_id(target)
    profiler = cProfile.Profile() if profile else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    # As the task does: in the council's scope (a consortium's builder enters each member's).
    with force_locale("pt_PT"), tenant_scope(sid if target.scope == "council" else None):
        report = found.run(db.session, sid, target.start, target.end, lambda p, s: None)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    rendered = []
    for fmt, file in found.formats.items():
        cpu1 = time.process_time()
        with force_locale("pt_PT"):
            size = len(file.render(report))
        rendered.append(f"{fmt} {size / 1024:,.0f} KB in {time.process_time() - cpu1:.2f} s")
    if profiler:
        profiler.disable()
    db.session.rollback()
    event.remove(Engine, "before_cursor_execute", before)
    event.remove(Engine, "after_cursor_execute", after)
    sql = sum(s[0] for s in seen)
    print(
        f"{target.label} {target.period}: {wall:.2f} s wall, {cpu:.2f} s CPU of this process, "
        f"{len(seen)} statements taking {sql:.2f} s, {len(report.sections)} sections; "
        f"files (CPU): {', '.join(rendered)}"
    )
    if profiler:
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
        stats.print_stats(40)
    if explain:
        by_tenant: dict[str, list[float]] = {}
        for took, _statement, _parameters, tenant in seen:
            by_tenant.setdefault(tenant or "-", []).append(took)
        print(
            "SELECTs by teia.tenant_id: "
            + ", ".join(f"{t}: {len(v)} in {sum(v):.2f} s" for t, v in by_tenant.items())
        )
        slowest = sorted(seen, key=lambda s: -s[0])[:explain]
        with db.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            for took, statement, parameters, tenant in slowest:
                print(f"\n--- {took * 1000:.1f} ms, teia.tenant_id={tenant!r}\n{statement}")
                print(f"parameters: {parameters}")
                with raw.cursor() as cur:
                    cur.execute("SELECT set_config('teia.tenant_id', %s, false)", (tenant,))
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    print("\n".join(r[0] for r in cur.fetchall()))
            conn.execute(text("SELECT set_config('teia.tenant_id', '', false)"))


# --- the report ----------------------------------------------------------------------------


def best(runs: list[Measured]) -> Measured:
    """The fastest run: the machine is shared, so the others measure the neighbours too."""
    return min(runs, key=lambda r: r.wall)


def markdown(results: Results, args: argparse.Namespace, worker_start: float) -> str:
    nan = float("nan")

    def kb(n: int) -> str:
        return f"{n / 1024:,.0f}"

    lines = [
        "# Reports built by the worker (issue 7)",
        "",
        f"{results.started:%Y-%m-%d %H:%M} UTC, commit {git_commit()}, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; one worker (`--pool=solo`) as "
        f"`{args.database_url.split('@')[0].split('//')[-1]}`, broker Redis db {REDIS_DB}; "
        f"worker ready in {worker_start:.1f} s. CPU busy with other work before the runs: "
        f"{args.busy_before:.0f} %; load average {args.load_before}.",
        "",
        "## Data",
        "",
        "| what | count |",
        "|---|---:|",
        *(f"| {k} | {v} |" for k, v in results.volumes),
        "",
        "## Runs",
        "",
        "Wall: the run's `started_at` (claimed) to `finished_at` (done). Worker CPU: user + "
        "system of the worker process (`/proc`) from asking to done; task CPU and SQL: the "
        "worker's own count inside the task. Peak RSS: the worker's `VmHWM`, reset before "
        "each run. Load: 1-minute load average when the run was asked for.",
        "",
        "| report | period | # | status | wall s | worker CPU s | task CPU s | SQL s "
        "| statements | peak RSS MB | RSS after MB | PDF KB | XLSX KB | CSV KB | load |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results.runs:
        t = r.task
        lines.append(
            f"| {r.target.label} | {r.target.period} | {r.attempt} | {r.status} | {r.wall:.2f} "
            f"| {r.cpu:.2f} | {t.get('cpu_s', nan):.2f} | {t.get('sql_s', nan):.2f} "
            f"| {t.get('statements', '-')} | {r.peak_mb:.0f} | {r.rss_after_mb:.0f} "
            f"| {kb(r.sizes.get('pdf', 0))} | {kb(r.sizes.get('xlsx', 0))} "
            f"| {kb(r.sizes.get('csv', 0))} | {r.load:.2f} |"
        )
    lines += ["", "## Against the targets (best run of each)", ""]
    lines += [
        "| report | period | wall s | worker CPU s | peak RSS MB | target | met |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    groups: dict[tuple[str, str], list[Measured]] = {}
    for r in results.runs:
        groups.setdefault((r.target.label, r.target.period), []).append(r)
    for (label, period), runs in groups.items():
        done = [r for r in runs if r.status == "done"]
        if not done:
            lines.append(f"| {label} | {period} | - | - | - | - | failed |")
            continue
        b = best(done)
        limit = TARGETS[b.target.scope]
        met = b.wall < limit and max(r.peak_mb for r in done) < RSS_TARGET_MB
        lines.append(
            f"| {label} | {period} | {b.wall:.2f} | {b.cpu:.2f} | "
            f"{max(r.peak_mb for r in done):.0f} | < {limit:.0f} s, < {RSS_TARGET_MB} MB "
            f"| {'yes' if met else 'no'} |"
        )
    if results.notes:
        lines += ["", *(f"- {n}" for n in results.notes)]
    return "\n".join(lines) + "\n"


# --- main ----------------------------------------------------------------------------------


def default_periods(today: date) -> list[tuple[date, date]]:
    """The twelve months up to the end of last month, and last month."""
    end = today.replace(day=1) - timedelta(days=1)
    year_start = (end.replace(day=1) - timedelta(days=335)).replace(day=1)
    return [(year_start, end), (end.replace(day=1), end)]


def parse_period(value: str) -> tuple[date, date]:
    start, _sep, end = value.partition(":")
    return date.fromisoformat(start), date.fromisoformat(end)


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="as teia_app (RLS on)")
    parser.add_argument(
        "--owner-url", help="to count the data (default: --database-url as postgres)"
    )
    parser.add_argument("--council", default="bench-001")
    parser.add_argument("--consortium", default="bench-cim")
    parser.add_argument(
        "--only", choices=("council", "consortium"), help="one of the two reports only"
    )
    parser.add_argument(
        "--period",
        action="append",
        type=parse_period,
        help="START:END (ISO dates, both included); repeatable",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each report and period")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "reports.md")
    parser.add_argument("--in-process", action="store_true", help="no worker: build here")
    parser.add_argument("--profile", action="store_true", help="with --in-process: cProfile")
    parser.add_argument(
        "--explain", type=int, default=0, help="with --in-process: EXPLAIN the N slowest"
    )
    args = parser.parse_args(argv)
    periods = args.period or default_periods(datetime.now(UTC).date())
    targets = [
        Target(scope, slug, start, end)
        for scope, slug in (("council", args.council), ("consortium", args.consortium))
        if args.only in (None, scope)
        for start, end in periods
    ]
    instance = Path(tempfile.mkdtemp(prefix="teia-bench-reports-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEIA_")}
    env.update(
        TEIA_ENV="development",
        TEIA_DATABASE_URL=args.database_url,
        TEIA_SECRET_KEY=secrets.token_hex(32),
        TEIA_INSTANCE_DIR=str(instance),
        TEIA_BROKER_URL=BROKER_URL,
        TEIA_REDIS_URL=BROKER_URL,
    )
    app = make_app(env)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    if args.in_process:
        try:
            with app.app_context():
                for target in targets:
                    build_here(target, args.profile, args.explain)
        finally:
            shutil.rmtree(instance, ignore_errors=True)
        return 0

    from sqlalchemy.engine import make_url

    owner = args.owner_url or make_url(args.database_url).set(username="postgres")
    results = Results(datetime.now(UTC))
    results.volumes = volumes(str(owner), targets)
    for k, v in results.volumes:
        print(f"{k}: {v}")
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], check=True, capture_output=True)
    args.busy_before = cpu_busy()
    args.load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    worker = Worker(env, instance)
    failed = False
    worker_start = 0.0
    try:
        started = time.perf_counter()
        pid = worker.start()
        worker_start = time.perf_counter() - started
        print(f"worker {pid} ready in {worker_start:.1f} s; load {os.getloadavg()[0]:.2f}")
        with app.app_context():
            for target in targets:
                for attempt in range(1, args.repeat + 1):
                    measure(worker, pid, target, attempt, results)
    except (KeyboardInterrupt, RuntimeError, TimeoutError) as exc:
        failed = True
        print(f"stopped: {exc}\n{worker.log_tail()}", file=sys.stderr)
    finally:
        worker.stop()
        shutil.rmtree(instance, ignore_errors=True)
    if not results.runs:
        return 1
    text = markdown(results, args, worker_start)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 1 if failed or any(r.status != "done" for r in results.runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
