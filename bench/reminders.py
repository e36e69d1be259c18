"""The reminder beats at scale (issue 7): 100,000 open plan actions through a real worker.

    python bench/reminders.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1/teia_bench_reminders --runs 3

``--database-url`` is the owner's URL of a database that ``generate.py`` and then
``remindersdata.py`` filled. Each run works on a fresh copy of it (``CREATE DATABASE
<name>_run TEMPLATE <name>``), so every run starts from the same state, and:

1. starts an SMTP relay on 127.0.0.1 (aiosmtpd, in this process) that accepts and counts
   every message, and a Celery worker (``celery -A tasks worker``, ``--pool solo`` unless
   told otherwise) connected as ``teia_app`` (row-level security on), with Redis database 6
   as its broker (flushed first) and the relay as its mail server;
2. **computation**: sends the daily beat entry points as beat would (overdue plan actions,
   due reminders, the applications' deadlines, the working groups' reminders) and waits
   until the beat tasks and every per-council task they fanned out have finished;
3. **delivery**: waits until the worker has e-mailed every notification of the users who
   take each e-mail as it comes (no e-mail pending, the broker's queue empty);
4. **digests**: sets the digest hour of the users who chose the daily digest to the current
   hour in Lisbon, sends the hourly digest beat and waits for every digest e-mail;
5. **the same slot again**: sends every beat entry again, and also every per-council task
   and every digest task directly (what a redelivery would do), and checks that nothing new
   is stored or e-mailed.

It measures the wall time of each phase from the moment its tasks are sent, the worker's
CPU time (``utime + stime`` of the worker and its children, ``/proc/<pid>/stat``), its peak
memory (``VmHWM`` of each process, ``/proc/<pid>/status``, and the peak of the processes'
summed ``Pss``, ``smaps_rollup``, which counts a prefork worker's shared pages once), the
CPU of the run database's PostgreSQL
backends, and what the run produced; writes ``bench/results/reminders.md`` and prints it.
``--profile out.html`` runs the worker under pyinstrument (``pip install pyinstrument``;
the CPU figures then include the profiler's cost).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "bench"))

import redis  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from celery import Celery  # noqa: E402
from load import cpu_busy, free_port, git_commit, wait_for_quiet  # noqa: E402
from sqlalchemy import Connection, create_engine, text  # noqa: E402
from sqlalchemy.engine import URL, make_url  # noqa: E402

RESULTS_DIR = REPO_ROOT / "bench" / "results"
BROKER_URL = "redis://127.0.0.1:6379/6"
TIMEZONE = "Europe/Lisbon"  # every bench council's
TICKS = os.sysconf("SC_CLK_TCK")
COMPUTATION_TARGET_S = 30.0
MEMORY_TARGET_MB = 500.0
# The daily beat entries that compute reminders, and the per-council task each fans out.
COMPUTATION_BEATS = {
    "teia.cases.flag_overdue_actions": "teia.cases.flag_tenant_overdue_actions",
    "teia.notifications.dispatch_reminders": "teia.notifications.dispatch_tenant_reminders",
    "teia.applications.run_deadlines": "teia.applications.run_tenant_deadlines",
    "teia.groups.reminders": None,
}
DIGEST_BEAT = "teia.notifications.send_digests"
DIGEST_TASK = "teia.notifications.send_user_digest"
SUCCEEDED = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([\d.]+)s: (.*)$")
FAILED = re.compile(r"Task ([\w.]+)\[[^\]]+\] (raised unexpected|retry)")


# --- the relay ---------------------------------------------------------------------------


class Relay:
    """An SMTP server that accepts every message and counts them."""

    def __init__(self) -> None:
        self.messages = 0
        self.recipients: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages += 1
            self.recipients.update(envelope.rcpt_tos)
        return "250 OK"

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


# --- measuring processes -----------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[int, int] | None:
    """(utime + stime in ticks, VmHWM in kB) of a live process; None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    ticks = int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
    hwm = next((int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmHWM:"), 0)
    return ticks, hwm


def _pss_kb(pid: int) -> int:
    """The process's proportional set size: pages shared with a prefork worker's parent and
    siblings counted once across them, so that a sum over the processes is real memory."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in rollup.splitlines() if line[:4] == "Pss:"), 0)


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (a prefork worker's children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo += [int(c) for c in children]
    return found


class Meter:
    """Samples the CPU time and peak memory of a set of processes (given by ``pids``) in a
    thread; the last reading of each process counts, so one that exits keeps its CPU."""

    def __init__(self, pids: Callable[[], list[int]], interval: float = 0.25) -> None:
        self.pids = pids
        self.interval = interval
        self.last: dict[int, tuple[int, int]] = {}
        self.peak_sum_pss_kb = 0
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self.sample()
        self.thread.start()

    def _loop(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        pids = self.pids()
        readings = {pid: r for pid in pids if (r := _proc_stat(pid)) is not None}
        pss = sum(_pss_kb(pid) for pid in readings)
        with self.lock:
            self.last.update(readings)
            self.peak_sum_pss_kb = max(self.peak_sum_pss_kb, pss)

    def cpu_seconds(self) -> float:
        with self.lock:
            return sum(ticks for ticks, _hwm in self.last.values()) / TICKS

    def peak_process_mb(self) -> float:
        with self.lock:
            return max((hwm for _ticks, hwm in self.last.values()), default=0) / 1024


# --- the worker ----------------------------------------------------------------------------


class Worker:
    """``celery -A tasks worker`` as ``teia_app`` on the run database; stopped by its pid."""

    def __init__(self, database_url: str, relay_port: int, args: argparse.Namespace) -> None:
        self.database_url = database_url
        self.relay_port = relay_port
        self.args = args
        self.instance = tempfile.mkdtemp(prefix="teia-bench-worker-")
        self.log_path = RESULTS_DIR / "reminders-worker.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.offset = 0
        self.succeeded: Counter[str] = Counter()
        self.results: Counter[str] = Counter()  # the sum of integer results, per task
        self.task_seconds: Counter[str] = Counter()
        self.failures: list[str] = []

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEIA_")}
        env.update(
            TEIA_ENV="production",
            TEIA_SECRET_KEY=os.urandom(32).hex(),
            TEIA_DATABASE_URL=self.database_url,
            TEIA_BROKER_URL=BROKER_URL,
            TEIA_REDIS_URL=BROKER_URL,
            TEIA_INSTANCE_DIR=self.instance,
            TEIA_MAIL_SERVER="127.0.0.1",
            TEIA_MAIL_PORT=str(self.relay_port),
            TEIA_BASE_URL="https://teia.bench.invalid",
        )
        return env

    def start(self) -> None:
        celery = [str(REPO_ROOT / ".venv" / "bin" / "celery")]
        if self.args.profile:
            celery = [
                sys.executable,
                "-m",
                "pyinstrument",
                "-r",
                "html",
                "-o",
                str(self.args.profile),
                "-m",
                "celery",
            ]
        pool = [f"--pool={self.args.pool}"]
        if self.args.pool == "prefork":
            pool.append(f"--concurrency={self.args.concurrency}")
        command = [
            *celery,
            "-A",
            "tasks",
            "worker",
            *pool,
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ]
        with self.log_path.open("wb") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                command, cwd=REPO_ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 120
        while " ready." not in self.log_path.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{self.log_tail()}")
            time.sleep(0.1)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def read_log(self) -> None:
        """Count the tasks that finished since the last call."""
        with self.log_path.open("rb") as log:
            log.seek(self.offset)
            chunk = log.read()
        end = chunk.rfind(b"\n") + 1
        self.offset += end
        for line in chunk[:end].decode(errors="replace").splitlines():
            if done := SUCCEEDED.search(line):
                name, seconds, result = done.groups()
                self.succeeded[name] += 1
                self.task_seconds[name] += float(seconds)
                if result.strip().lstrip("-").isdigit():
                    self.results[name] += int(result)
            elif FAILED.search(line):
                self.failures.append(line.strip())
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        text_ = self.log_path.read_text(errors="replace")
        return "\n".join(text_.splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


# --- the database --------------------------------------------------------------------------


def clone_database(owner: URL) -> URL:
    """A fresh copy of the generated database for one run: ``<name>_run``."""
    name = owner.database or ""
    if "bench" not in name:
        sys.exit(f"refusing to copy {name!r}: only databases named *bench*")
    run = f"{name}_run"
    admin = create_engine(owner.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{run}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{run}" TEMPLATE "{name}"'))
    admin.dispose()
    return owner.set(database=run)


def drop_database(owner: URL) -> None:
    name = owner.database or ""
    assert name.endswith("_run") and "bench" in name
    admin = create_engine(owner.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


DATA_QUERIES = {
    "councils": "SELECT count(*) FROM tenants WHERE active",
    "users": "SELECT count(*) FROM users",
    "cases (open)": "SELECT count(*) FROM cases WHERE status = 'open'",
    "open actions (open case, active plan)": """
        SELECT count(*) FROM plan_actions a
        JOIN intervention_plans p ON p.id = a.plan_id AND p.status = 'active'
        JOIN cases c ON c.id = a.case_id AND c.status = 'open'
        WHERE a.status IN ('planned', 'in_progress')""",
    "  overdue, not yet flagged": """
        SELECT count(*) FROM plan_actions a
        JOIN intervention_plans p ON p.id = a.plan_id AND p.status = 'active'
        JOIN cases c ON c.id = a.case_id AND c.status = 'open'
        WHERE a.status IN ('planned', 'in_progress') AND a.due_on < :today
          AND a.overdue_flagged_for IS DISTINCT FROM a.due_on""",
    "  overdue, flagged on an earlier day": """
        SELECT count(*) FROM plan_actions a
        JOIN intervention_plans p ON p.id = a.plan_id AND p.status = 'active'
        JOIN cases c ON c.id = a.case_id AND c.status = 'open'
        WHERE a.status IN ('planned', 'in_progress') AND a.due_on < :today
          AND a.overdue_flagged_for = a.due_on""",
    "plan actions (all)": "SELECT count(*) FROM plan_actions",
    "reminders pending": "SELECT count(*) FROM reminders WHERE status = 'pending'",
    "  due (today or before)": """
        SELECT count(*) FROM reminders WHERE status = 'pending' AND due_date <= :today""",
    "users with the daily digest": "SELECT count(*) FROM notification_settings WHERE digest",
    "notifications": "SELECT count(*) FROM notifications",
}

RUN_QUERIES = {
    "notifications": "SELECT count(*) FROM notifications WHERE id > :since",
    "pending e-mails": """
        SELECT count(*) FROM notifications n
        WHERE n.id > :since AND n.email AND n.emailed_at IS NULL AND n.email_failed_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM notification_settings s
                          WHERE s.user_id = n.user_id AND s.digest)""",
    "e-mailed one by one": """
        SELECT count(*) FROM notifications
        WHERE id > :since AND emailed_at IS NOT NULL AND digest_id IS NULL""",
    "e-mail attempts": "SELECT coalesce(sum(email_attempts), 0) FROM notifications "
    "WHERE id > :since",
    "e-mails failed": "SELECT count(*) FROM notifications "
    "WHERE id > :since AND email_failed_at IS NOT NULL",
    "gathered in digests": "SELECT count(*) FROM notifications "
    "WHERE id > :since AND digest_id IS NOT NULL",
    "digests": "SELECT count(*) FROM notification_digests",
    "digests e-mailed": """
        SELECT count(*) FROM notification_digests WHERE emailed_at IS NOT NULL AND count > 0""",
    "digests pending": "SELECT count(*) FROM notification_digests WHERE emailed_at IS NULL",
    "reminders sent": "SELECT count(*) FROM reminders WHERE status = 'sent' AND sent_at >= :t0",
    "reminders cancelled": "SELECT count(*) FROM reminders WHERE status = 'cancelled'",
    "reminders still due": """
        SELECT count(*) FROM reminders WHERE status IN ('pending', 'claimed')
          AND due_date <= :today""",
    "overdue actions left unflagged": """
        SELECT count(*) FROM plan_actions a
        JOIN intervention_plans p ON p.id = a.plan_id AND p.status = 'active'
        JOIN cases c ON c.id = a.case_id AND c.status = 'open'
        WHERE a.status IN ('planned', 'in_progress') AND a.due_on < :today
          AND a.overdue_flagged_for IS DISTINCT FROM a.due_on""",
}


def query(conn: Connection, sql: str, **params: Any) -> int:
    value = conn.execute(text(sql), params).scalar()
    conn.rollback()  # a fresh snapshot for the next poll
    return int(value or 0)


def local_today() -> date:
    return datetime.now(ZoneInfo(TIMEZONE)).date()


# --- one run -------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    wall: float = 0.0
    worker_cpu: float = 0.0
    db_cpu: float = 0.0
    tasks: int = 0
    task_seconds: float = 0.0
    produced: str = ""


@dataclass
class RunResult:
    number: int
    started: datetime
    busy_before: float
    load_before: str
    load_after: str = ""
    phases: list[Phase] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    worker_start_cpu: float = 0.0
    worker_start_mb: float = 0.0
    worker_cpu: float = 0.0
    peak_process_mb: float = 0.0
    peak_tree_mb: float = 0.0
    emails: int = 0
    second_slot: dict[str, object] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def computation(self) -> Phase:
        return self.phases[0]

    @property
    def total_wall(self) -> float:
        return sum(p.wall for p in self.phases[:2])


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Run:
    def __init__(self, owner: URL, args: argparse.Namespace, number: int) -> None:
        self.owner = owner
        self.args = args
        self.broker = Celery(broker=BROKER_URL)
        self.redis = redis.Redis.from_url(BROKER_URL)
        self.result = RunResult(number, datetime.now().astimezone(), 0.0, "")

    def execute(self) -> RunResult:
        result = self.result
        result.busy_before = wait_for_quiet(self.args.max_busy)
        result.load_before = loadavg()
        self.redis.flushdb()  # database 6: this benchmark's broker only
        relay = Relay()
        relay.start()
        engine = create_engine(self.owner)
        worker = Worker(
            self.owner.set(username="teia_app", password=None).render_as_string(
                hide_password=False
            ),
            relay.port,
            self.args,
        )
        backends: list[int] = []
        worker_meter = Meter(lambda: process_tree(worker.pid))
        db_meter = Meter(lambda: backends)
        try:
            with engine.connect() as conn:
                self.today = local_today()
                self.since = query(conn, "SELECT coalesce(max(id), 0) FROM notifications")
                self.t0 = datetime.now(UTC).replace(tzinfo=None)  # as the app stores it
                worker.start()
                worker_meter.start()
                db_meter.start()
                result.worker_start_cpu = worker_meter.cpu_seconds()
                result.worker_start_mb = worker_meter.peak_process_mb()

                def refresh_backends() -> None:
                    backends[:] = [
                        int(pid)
                        for pid in conn.execute(
                            text(
                                "SELECT pid FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                            )
                        ).scalars()
                    ]
                    conn.rollback()

                self.conn, self.worker, self.relay = conn, worker, relay
                self.worker_meter, self.db_meter = worker_meter, db_meter
                self.refresh_backends = refresh_backends
                result.phases.append(self.computation())
                result.phases.append(self.delivery())
                result.phases.append(self.digests())
                result.counts = self.counts()
                result.emails = relay.messages
                result.phases.append(self.same_slot_again())
                worker_meter.sample()
                result.worker_cpu = worker_meter.cpu_seconds() - result.worker_start_cpu
                result.peak_process_mb = worker_meter.peak_process_mb()
                result.peak_tree_mb = worker_meter.peak_sum_pss_kb / 1024
                result.failures = worker.failures
        finally:
            for meter in (worker_meter, db_meter):
                meter.stopped.set()
                if meter.thread.is_alive():
                    meter.thread.join()
            worker.stop()
            relay.stop()
            engine.dispose()
            shutil.rmtree(worker.instance, ignore_errors=True)
        result.load_after = loadavg()
        return result

    # --- phases ------------------------------------------------------------------------

    def begin(self) -> tuple[float, float, float, Counter[str], Counter[str]]:
        self.worker.read_log()
        self.refresh_backends()
        self.worker_meter.sample()
        self.db_meter.sample()
        return (
            time.monotonic(),
            self.worker_meter.cpu_seconds(),
            self.db_meter.cpu_seconds(),
            Counter(self.worker.succeeded),
            Counter(self.worker.task_seconds),
        )

    def end(
        self, name: str, begun: tuple[float, float, float, Counter[str], Counter[str]]
    ) -> Phase:
        started, cpu, db_cpu, succeeded, seconds = begun
        wall = time.monotonic() - started
        self.worker_meter.sample()
        self.db_meter.sample()
        done = self.worker.succeeded - succeeded
        return Phase(
            name,
            wall=wall,
            worker_cpu=self.worker_meter.cpu_seconds() - cpu,
            db_cpu=self.db_meter.cpu_seconds() - db_cpu,
            tasks=sum(done.values()),
            task_seconds=sum((self.worker.task_seconds - seconds).values()),
        )

    def wait(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + self.args.timeout
        last_backends = 0.0
        while not done():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: not done in {self.args.timeout} s")
            if time.monotonic() - last_backends > 1:
                self.refresh_backends()
                last_backends = time.monotonic()
            time.sleep(0.05)

    def fanned_out(self, before: Counter[str], beats: dict[str, str | None]) -> bool:
        """Every beat entry sent, and every task each fanned out, has finished."""
        self.worker.read_log()
        done = self.worker.succeeded - before
        if any(done[beat] < 1 for beat in beats):
            return False
        return all(
            done[task] >= self.worker.results[beat] - self.results_before[beat]
            for beat, task in beats.items()
            if task is not None
        )

    def drained(self) -> bool:
        """Nothing waits in the broker: no message queued, none taken and unacknowledged."""
        return not self.redis.llen("celery") and not self.redis.hlen("unacked")

    def send(self, name: str, *args: Any) -> None:
        self.broker.send_task(name, args=list(args))

    def computation(self) -> Phase:
        begun = self.begin()
        self.results_before = Counter(self.worker.results)
        for beat in COMPUTATION_BEATS:
            self.send(beat)
        self.wait(lambda: self.fanned_out(begun[3], COMPUTATION_BEATS), "computation")
        phase = self.end("computation (4 beat entries, one task per council)", begun)
        notes = query(self.conn, RUN_QUERIES["notifications"], since=self.since)
        phase.produced = f"{notes:,} notifications"
        return phase

    def delivery(self) -> Phase:
        begun = self.begin()
        sql = RUN_QUERIES["pending e-mails"]
        self.wait(
            lambda: self.stable(lambda: query(self.conn, sql, since=self.since) == 0),
            "delivery",
        )
        phase = self.end("delivery (the e-mails, to the relay)", begun)
        phase.produced = f"{self.relay.messages:,} e-mails"
        return phase

    def stable(self, condition: Callable[[], bool]) -> bool:
        """The broker drained and ``condition`` true, twice in a row 0.1 s apart."""
        for attempt in range(2):
            self.worker.read_log()
            if not (self.drained() and condition()):
                return False
            if attempt == 0:
                time.sleep(0.1)
        return True

    def digests(self) -> Phase:
        with self.conn.begin():
            hour = datetime.now(ZoneInfo(TIMEZONE)).hour
            self.conn.execute(
                text("UPDATE notification_settings SET digest_hour = :h WHERE digest"),
                {"h": hour},
            )
        messages = self.relay.messages
        begun = self.begin()
        self.results_before = Counter(self.worker.results)
        self.send(DIGEST_BEAT)
        beats: dict[str, str | None] = {DIGEST_BEAT: DIGEST_TASK}
        self.wait(
            lambda: (
                self.fanned_out(begun[3], beats)
                and self.stable(lambda: query(self.conn, RUN_QUERIES["digests pending"]) == 0)
            ),
            "digests",
        )
        phase = self.end("digests (the hourly beat, one task per user)", begun)
        phase.produced = f"{self.relay.messages - messages:,} digest e-mails"
        return phase

    def same_slot_again(self) -> Phase:
        """Every beat entry again, and every task they fan out sent directly: nothing new."""
        before = (
            query(self.conn, RUN_QUERIES["notifications"], since=self.since),
            self.relay.messages,
            query(self.conn, RUN_QUERIES["digests"]),
        )
        councils = [
            int(t) for t in self.conn.execute(text("SELECT id FROM tenants WHERE active")).scalars()
        ]
        digests = self.conn.execute(text("SELECT user_id, day FROM notification_digests")).all()
        self.conn.rollback()
        begun = self.begin()
        results_before = Counter(self.worker.results)
        beats = [*COMPUTATION_BEATS, DIGEST_BEAT]
        for beat in beats:
            self.send(beat)
        for task in filter(None, COMPUTATION_BEATS.values()):
            for tenant_id in councils:
                self.send(task, tenant_id)
        for user_id, day in digests:
            self.send(DIGEST_TASK, user_id, day.isoformat())
        expected = Counter({beat: 1 for beat in beats})
        for task in filter(None, COMPUTATION_BEATS.values()):
            expected[task] = len(councils)
        expected[DIGEST_TASK] = len(digests)

        def finished() -> bool:
            self.worker.read_log()
            done = self.worker.succeeded - begun[3]
            return all(done[name] >= n for name, n in expected.items()) and self.drained()

        self.wait(finished, "the same slot again")
        phase = self.end("the same slot again (beats, and each task sent directly)", begun)
        after = (
            query(self.conn, RUN_QUERIES["notifications"], since=self.since),
            self.relay.messages,
            query(self.conn, RUN_QUERIES["digests"]),
        )
        returned = self.worker.results - results_before
        again = [beat for beat in beats if returned[beat]]
        self.result.second_slot = {
            "new notifications": after[0] - before[0],
            "new e-mails": after[1] - before[1],
            "new digests": after[2] - before[2],
            "actions flagged, reminders sent, digests sent (the tasks' results)": sum(
                n for name, n in returned.items() if name not in beats
            ),
            "beat entries whose slot had passed meanwhile (they ran again, finding nothing)": (
                ", ".join(again) or "none"
            ),
        }
        phase.produced = f"{after[0] - before[0]} notifications, {after[1] - before[1]} e-mails"
        return phase

    def counts(self) -> dict[str, int]:
        params = {"since": self.since, "today": self.today, "t0": self.t0}
        found = {
            name: query(self.conn, sql, **params)
            for name, sql in RUN_QUERIES.items()
            if name not in ("digests pending",)
        }
        kinds = self.conn.execute(
            text(
                "SELECT kind, count(*) FROM notifications WHERE id > :since "
                "GROUP BY kind ORDER BY count(*) DESC"
            ),
            {"since": self.since},
        ).all()
        self.conn.rollback()
        for kind, n in kinds:
            found[f"  kind {kind}"] = int(n)
        found["actions flagged (the tasks' results)"] = self.worker.results[
            COMPUTATION_BEATS["teia.cases.flag_overdue_actions"] or ""
        ]
        return found


# --- the report ----------------------------------------------------------------------------


def data_counts(owner: URL) -> dict[str, int]:
    engine = create_engine(owner)
    try:
        with engine.connect() as conn:
            return {
                name: query(conn, sql, today=local_today()) for name, sql in DATA_QUERIES.items()
            }
    finally:
        engine.dispose()


def verdicts(runs: list[RunResult]) -> list[str]:
    best = min(runs, key=lambda r: r.computation.wall)
    peak = max(r.peak_process_mb for r in runs)
    peak_tree = max(r.peak_tree_mb for r in runs)
    idle = all(not any(v for v in r.second_slot.values() if isinstance(v, int)) for r in runs)
    ok = best.computation.wall < COMPUTATION_TARGET_S
    return [
        f"- reminder computation for the open actions in under {COMPUTATION_TARGET_S:.0f} s: "
        f"{'met' if ok else 'NOT met'} (best {best.computation.wall:.1f} s wall, "
        f"{best.computation.worker_cpu:.1f} s of worker CPU)",
        f"- worker memory under {MEMORY_TARGET_MB:.0f} MB: "
        f"{'met' if peak < MEMORY_TARGET_MB and peak_tree < MEMORY_TARGET_MB else 'NOT met'} "
        f"(peak VmHWM of a worker process {peak:.0f} MB; peak PSS of the worker's processes "
        f"together {peak_tree:.0f} MB)",
        f"- the same slot again stores and sends nothing: {'met' if idle else 'NOT met'}",
        f"- no task failed or retried: {'met' if not any(r.failures for r in runs) else 'NOT met'}",
    ]


def markdown(args: argparse.Namespace, data: dict[str, int], runs: list[RunResult]) -> str:
    pool = "solo" if args.pool == "solo" else f"prefork, concurrency {args.concurrency}"
    lines = [
        "# Reminder beats at scale (issue 7)",
        "",
        f"- {runs[0].started:%Y-%m-%d %H:%M %Z}, commit {git_commit()}",
        f"- machine: {os.cpu_count()} cores; worker pool: {pool}; broker Redis db 6; "
        "SMTP relay: aiosmtpd on 127.0.0.1",
        f"- database: a copy of `{args.database_url.database}` per run, worker as `teia_app`",
        *(["- **profiled with pyinstrument** (CPU figures include its cost)"] * bool(args.profile)),
        "",
        "## Data",
        "",
        "| what | count |",
        "|---|---:|",
        *(f"| {name} | {value:,} |" for name, value in data.items()),
        "",
        "## Runs",
        "",
        "Wall time from sending the phase's tasks until they are all done; CPU in seconds.",
        "",
        "| run | phase | wall s | worker CPU s | PostgreSQL CPU s | tasks | sum of task times s "
        "| produced |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        for phase in run.phases:
            lines.append(
                f"| {run.number} | {phase.name} | {phase.wall:.1f} | {phase.worker_cpu:.1f} | "
                f"{phase.db_cpu:.1f} | {phase.tasks:,} | {phase.task_seconds:.1f} | "
                f"{phase.produced} |"
            )
    lines += [
        "",
        "| run | load before (1/5/15 min) | CPU busy before | load after | worker CPU at start "
        "s | worker CPU in the run s | VmHWM once started MB | peak VmHWM MB "
        "| peak PSS, all worker processes MB | e-mails received |",
        "|---:|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {run.number} | {run.load_before} | {run.busy_before:.0f} % | {run.load_after} | "
            f"{run.worker_start_cpu:.1f} | {run.worker_cpu:.1f} | {run.worker_start_mb:.0f} | "
            f"{run.peak_process_mb:.0f} | "
            f"{run.peak_tree_mb:.0f} | {run.emails:,} |"
        )
    last = runs[-1]
    lines += ["", f"## What run {last.number} produced", "", "| what | count |", "|---|---:|"]
    lines += [f"| {name} | {value:,} |" for name, value in last.counts.items()]
    lines += ["", "The same slot again:", ""]
    lines += [f"- {name}: {value}" for name, value in last.second_slot.items()]
    failures = [f for run in runs for f in run.failures]
    if failures:
        lines += ["", "## Failures", "", *(f"- `{f[:300]}`" for f in failures[:20])]
    lines += ["", "## Verdict", "", *verdicts(runs), ""]
    return "\n".join(lines)


def check(run: RunResult) -> list[str]:
    """What must hold whatever the timing: each notification e-mailed once, by one way."""
    c = run.counts
    problems = []
    if c["pending e-mails"]:
        problems.append(f"{c['pending e-mails']} e-mails still pending")
    if c["e-mail attempts"] != c["e-mailed one by one"]:
        problems.append(f"{c['e-mail attempts']} attempts for {c['e-mailed one by one']} e-mails")
    if run.emails != c["e-mailed one by one"] + c["digests e-mailed"]:
        problems.append(
            f"the relay got {run.emails} e-mails, the database says "
            f"{c['e-mailed one by one']} + {c['digests e-mailed']} digests"
        )
    if c["reminders still due"] or c["overdue actions left unflagged"]:
        problems.append("due reminders or overdue actions left unhandled")
    return problems


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)  # unwinds through the finally blocks that stop the worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        required=True,
        type=make_url,
        help="owner URL of the generated database, "
        "e.g. postgresql+psycopg://postgres@127.0.0.1/teia_bench_reminders",
    )
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--pool", choices=["solo", "prefork"], default="solo")
    parser.add_argument("--concurrency", type=int, default=2, help="with --pool prefork")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per phase")
    parser.add_argument(
        "--max-busy",
        type=float,
        default=30.0,
        help="before each run, wait (up to 3 min) until other work uses less CPU (%%)",
    )
    parser.add_argument("--profile", type=Path, help="run the worker under pyinstrument")
    parser.add_argument("--keep", action="store_true", help="keep the last run's database")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "reminders.md")
    args = parser.parse_args(argv)
    if not args.database_url.drivername.startswith("postgresql"):
        parser.error("--database-url must be a postgresql+psycopg:// URL")
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    data = data_counts(args.database_url)
    runs: list[RunResult] = []
    problems: list[str] = []
    for number in range(1, args.runs + 1):
        started = time.perf_counter()
        run_url = clone_database(args.database_url)
        print(f"run {number}: copied the database in {time.perf_counter() - started:.1f} s")
        try:
            run = Run(run_url, args, number).execute()
        finally:
            if not (args.keep and number == args.runs):
                drop_database(run_url)
        runs.append(run)
        problems += [f"run {number}: {p}" for p in check(run)]
        for phase in run.phases:
            print(
                f"  {phase.name}: {phase.wall:.1f} s wall, worker CPU {phase.worker_cpu:.1f} s, "
                f"PostgreSQL CPU {phase.db_cpu:.1f} s; {phase.produced}",
                flush=True,
            )
        print(f"  peak VmHWM {run.peak_process_mb:.0f} MB; load {run.load_after}", flush=True)
    report = markdown(args, data, runs)
    if problems:
        report += "\n## Problems\n\n" + "\n".join(f"- {p}" for p in problems) + "\n"
    args.output.write_text(report)
    print(report)
    print(f"busy now: {cpu_busy(1):.0f} %; wrote {args.output}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
