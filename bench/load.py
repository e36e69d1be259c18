"""Load-test Teia under gunicorn with wrk, on 127.0.0.1 only, against ``bench/generate.py`` data.

    python bench/load.py \
        --database-url postgresql+psycopg://teia_app@127.0.0.1/teia_bench \
        --duration 15 --connections 16

Starts gunicorn (``TEIA_ENV=development``, so every response carries ``X-SQL-Statements``),
signs in as a sampled user, checks that the home page costs the same number of statements
for users of councils of different sizes, times 50 sequential sign-ins, then runs wrk on
each endpoint and prints a Markdown table (also written to ``bench/results/latest.md``).
gunicorn is always stopped at the end. ``--workers`` may be given more than once to
compare worker counts in one run.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "bench" / "results"
HOST = "127.0.0.1"
USER_AGENT = "teia-bench/1.0"  # wrk must send the same one: sessions are "strong"-protected
BENCH_PASSWORD = "bench-password"  # noqa: S105 - the documented benchmark credential
BROKER_URL = "redis://127.0.0.1:6379/15"
REDIS_URL = "redis://127.0.0.1:6379/14"
WARMUP_SECONDS = 2
CSRF_INPUT = re.compile(r"<input[^>]*\bname=\"csrf_token\"[^>]*>")
VALUE_ATTR = re.compile(r"\bvalue=\"([^\"]*)\"")

WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\"requests\": %.0f, \"duration_us\": %.0f, \"bytes\": %.0f, " ..
    "\"connect\": %.0f, \"read\": %.0f, \"write\": %.0f, \"status\": %.0f, " ..
    "\"timeout\": %.0f, \"p50\": %.0f, \"p95\": %.0f, \"p99\": %.0f, \"max\": %.0f, " ..
    "\"mean\": %.1f}\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
"""


# --- a tiny HTTP client with a cookie jar -------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    @property
    def statements(self) -> int | None:
        value = self.headers.get("X-SQL-Statements")
        return int(value) if value is not None else None


class Client:
    """One keep-alive connection to the server, with the cookies it sets (no redirects)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        self.conn.close()

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        headers = {"User-Agent": USER_AGENT, "Host": f"{HOST}:{self.conn.port}"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            raw = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # gunicorn closed the idle keep-alive connection: open a new one, once.
            self.conn.close()
            started = time.perf_counter()
            self.conn.request(method, path, body=body, headers=headers)
            raw = self.conn.getresponse()
        data = raw.read()
        seconds = time.perf_counter() - started
        for header in raw.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                gone = morsel["max-age"] == "0" or "1970" in morsel["expires"]
                if gone or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(raw.status, raw.headers, data, seconds)

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


@dataclass
class Login:
    ok: bool
    status: int
    location: str
    get_seconds: float
    post_seconds: float
    statements: int | None


def sign_in(client: Client, email: str, password: str = BENCH_PASSWORD) -> Login:
    page = client.request("GET", "/login")
    tag = CSRF_INPUT.search(page.body.decode())
    value = VALUE_ATTR.search(tag.group(0)) if tag else None
    if page.status != 200 or value is None:
        raise RuntimeError(f"GET /login: status {page.status}, no csrf_token input")
    posted = client.request(
        "POST", "/login", {"email": email, "password": password, "csrf_token": value.group(1)}
    )
    location = posted.headers.get("Location", "")
    ok = posted.status == 302 and "/login" not in location and "teia_session" in client.cookies
    return Login(ok, posted.status, location, page.seconds, posted.seconds, posted.statements)


def clear_login_limits() -> int:
    """Forget this run's sign-in rate-limit counters (20 POST /login a minute per address).

    Only the limiter's keys for the login route, in the Redis database this run gives the app.
    """
    import redis

    store = redis.Redis.from_url(REDIS_URL)
    keys = list(store.scan_iter(match="LIMITS:LIMITER/*accounts.login*", count=1000))
    if keys:
        store.delete(*keys)
    store.close()
    return len(keys)


# --- gunicorn -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on a free 127.0.0.1 port; stopped (by its own pid) whatever happens."""

    def __init__(self, database_url: str, workers: int, threads: int) -> None:
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.instance = ""
        self.log_path = RESULTS_DIR / f"gunicorn-w{workers}.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEIA_")}
        env.update(
            TEIA_DATABASE_URL=self.database_url,
            TEIA_ENV="development",
            TEIA_SECRET_KEY=secrets.token_hex(32),
            TEIA_INSTANCE_DIR=self.instance,
            TEIA_BROKER_URL=BROKER_URL,
            GUNICORN_ACCESS_LOG="",  # wrk's requests are not worth a log line each
            TEIA_REDIS_URL=REDIS_URL,
        )
        return env

    def start(self) -> None:
        self.instance = tempfile.mkdtemp(prefix="teia-bench-")
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",  # production's settings and hooks; the flags below override the rest
            str(REPO_ROOT / "infra" / "gunicorn.conf.py"),
            "-w",
            str(self.workers),
            "-k",
            "gthread",
            "--threads",
            str(self.threads),
            "-b",
            f"{HOST}:{self.port}",
            "--log-level",
            "warning",
            "teia:create_app()",
        ]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=REPO_ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT
            )

    def wait_healthy(self, timeout: float = 60) -> dict[str, Any]:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                client = Client(self.port)
                answer = client.request("GET", "/healthz")
                client.close()
            except OSError as exc:
                last = str(exc)
            else:
                if answer.status == 200:
                    return json.loads(answer.body)
                last = f"{answer.status} {answer.body[:200]!r}"
            time.sleep(0.3)
        raise RuntimeError(f"/healthz never answered 200 ({last}):\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM to the master: graceful stop of its workers
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        if self.instance:
            shutil.rmtree(self.instance, ignore_errors=True)
            self.instance = ""


# --- wrk -------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int
    seconds: float
    bytes: int
    errors: int
    p50: float
    p95: float
    p99: float
    max: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    url: str, *, duration: int, connections: int, threads: int, script: Path, headers: list[str]
) -> WrkResult:
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    line = next((x for x in out.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"no summary from wrk:\n{out}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(int(data[k]) for k in ("connect", "read", "write", "status", "timeout"))
    return WrkResult(
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        bytes=int(data["bytes"]),
        errors=errors,
        p50=data["p50"] / 1000,
        p95=data["p95"] / 1000,
        p99=data["p99"] / 1000,
        max=data["max"] / 1000,
    )


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Row:
    endpoint: str
    workers: int
    result: WrkResult
    statements: int | None


@dataclass
class Report:
    started: datetime
    args: argparse.Namespace
    data: dict[str, int] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    statement_checks: list[dict[str, Any]] = field(default_factory=list)
    logins: dict[int, dict[str, float]] = field(default_factory=dict)
    load: dict[int, float] = field(default_factory=dict)  # CPU % busy before each run
    notes: list[str] = field(default_factory=list)
    commit: str = field(default_factory=lambda: git_commit())


def pick_statement_users(users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Five non-admin users of five different councils, from the smallest to the largest."""
    by_tenant: dict[str, dict[str, Any]] = {}
    for user in sorted(users, key=lambda u: (-u["councils"], -u["pending_reminders"])):
        if user["role"] != "tenant_admin":
            by_tenant.setdefault(user["tenant"], user)
    ordered = sorted(by_tenant.values(), key=lambda u: u["council_users"])
    if len(ordered) < 5:
        return ordered
    picks = [ordered[round(i * (len(ordered) - 1) / 4)] for i in range(5)]
    if not any(u["councils"] > 1 for u in picks):
        two = next((u for u in ordered if u["councils"] > 1 and u not in picks), None)
        if two is not None:
            picks[2] = two
    return picks


def check_statements(port: int, users: list[dict[str, Any]], report: Report) -> None:
    picks = pick_statement_users(users)
    admin = min(
        (u for u in users if u["role"] == "tenant_admin"),
        key=lambda u: u["council_users"],
        default=None,
    )
    for user in [*picks, *([admin] if admin else [])]:
        client = Client(port)
        try:
            login = sign_in(client, user["email"])
            if not login.ok:
                raise RuntimeError(f"sign-in of {user['email']} failed: {login.status}")
            first = client.request("GET", f"/t/{user['tenant']}/")
            second = client.request("GET", f"/t/{user['tenant']}/")
        finally:
            client.close()
        if first.status != 200:
            raise RuntimeError(f"home of {user['email']}: {first.status}")
        report.statement_checks.append(
            {**user, "statements": first.statements, "again": second.statements}
        )
    counts = {c["statements"] for c in report.statement_checks if c["role"] != "tenant_admin"}
    if len(counts) > 1:
        report.notes.append(f"home page statements differ between users: {sorted(counts)}")


def time_logins(port: int, users: list[dict[str, Any]], count: int) -> dict[str, float]:
    full: list[float] = []
    posts: list[float] = []
    statements: list[int] = []
    cleared = 0
    candidates = [u for u in users if u["role"] != "tenant_admin"] or users
    for i in range(count):
        user = candidates[i % len(candidates)]
        cleared += clear_login_limits()
        client = Client(port)
        try:
            client.request("GET", "/healthz")  # the TCP connection is not part of the timing
            login = sign_in(client, user["email"])
        finally:
            client.close()
        if not login.ok:
            raise RuntimeError(f"sign-in {i + 1} of {user['email']}: status {login.status}")
        full.append(login.get_seconds + login.post_seconds)
        posts.append(login.post_seconds)
        if login.statements is not None:
            statements.append(login.statements)
    return {
        "count": count,
        "mean": statistics.fmean(full) * 1000,
        "p50": percentile(full, 50) * 1000,
        "p95": percentile(full, 95) * 1000,
        "post_mean": statistics.fmean(posts) * 1000,
        "post_p95": percentile(posts, 95) * 1000,
        "statements": max(statements) if statements else -1,
        "limit_keys_cleared": cleared,
    }


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def bench_config(
    args: argparse.Namespace,
    workers: int,
    users: list[dict[str, Any]],
    report: Report,
    script: Path,
) -> None:
    report.load[workers] = wait_for_quiet(args.max_busy)
    server = Server(args.database_url, workers, args.threads)
    try:
        server.start()
        health = server.wait_healthy()
        print(
            f"gunicorn -w {workers} -k gthread --threads {args.threads} on "
            f"{HOST}:{server.port}: {health}",
            flush=True,
        )
        if not report.statement_checks:
            check_statements(server.port, users, report)
            for check in report.statement_checks:
                print(
                    f"  home page of {check['email']} ({check['tenant']}, "
                    f"{check['council_users']} users): {check['statements']} statements",
                    flush=True,
                )
        report.logins[workers] = time_logins(server.port, users, args.logins)
        print(
            f"  {args.logins} sequential sign-ins: mean {report.logins[workers]['mean']:.1f} ms",
            flush=True,
        )

        bench_user = max(
            (c for c in report.statement_checks if c["role"] != "tenant_admin"),
            key=lambda c: (c["council_users"], c["pending_reminders"]),
        )
        client = Client(server.port)
        login = sign_in(client, bench_user["email"])
        if not login.ok:
            raise RuntimeError(f"sign-in of {bench_user['email']} failed")
        home_path = f"/t/{bench_user['tenant']}/"
        cookie = f"Cookie: teia_session={client.cookies['teia_session']}"
        probes = {path: client.request("GET", path) for path in (home_path, "/healthz")}
        anonymous = Client(server.port)
        probes["/login"] = anonymous.request("GET", "/login")
        anonymous.close()
        endpoints = [
            (
                f"GET /t/&lt;slug&gt;/ (home, signed in: {bench_user['tenant']}, "
                f"{bench_user['council_users']} users)",
                home_path,
                [cookie],
            ),
            ("GET /healthz", "/healthz", []),
            ("GET /login (form, anonymous)", "/login", []),
        ]
        for label, path, extra in endpoints:
            url = f"http://{HOST}:{server.port}{path}"
            headers = [f"User-Agent: {USER_AGENT}", *extra]
            run_wrk(
                url,
                duration=WARMUP_SECONDS,
                connections=args.connections,
                threads=args.wrk_threads,
                script=script,
                headers=headers,
            )
            result = run_wrk(
                url,
                duration=args.duration,
                connections=args.connections,
                threads=args.wrk_threads,
                script=script,
                headers=headers,
            )
            probe = probes[path]
            if probe.status != 200:
                raise RuntimeError(f"{path} answered {probe.status} before the run")
            per_request = result.bytes / result.requests if result.requests else 0
            if per_request < 0.8 * len(probe.body):
                report.notes.append(
                    f"{path} (-w {workers}): wrk averaged {per_request:.0f} "
                    f"bytes a response, the page has {len(probe.body)}: "
                    "redirects or errors?"
                )
            report.rows.append(Row(label, workers, result, probe.statements))
            print(
                f"  {path}: {result.rps:.0f} req/s, p95 {result.p95:.1f} ms, "
                f"errors {result.errors}",
                flush=True,
            )
        after = client.request("GET", home_path)
        client.close()
        if after.status != 200:
            report.notes.append(f"home page answered {after.status} after the run: session lost?")
    finally:
        server.stop()


def cpu_busy(seconds: float = 2.0) -> float:
    """Share of CPU time others use while nothing of this run is running (Linux; else -1)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return -1.0
    return 100.0 * (1 - (idle1 - idle0) / max(1, total1 - total0))


def wait_for_quiet(max_busy: float, patience: float = 180.0) -> float:
    """Wait (up to ``patience`` s) until other work leaves the CPU; return the last reading."""
    deadline = time.monotonic() + patience
    busy = cpu_busy()
    while max_busy < busy and time.monotonic() < deadline:
        print(f"  CPU {busy:.0f}% busy with other work: waiting", flush=True)
        time.sleep(5)
        busy = cpu_busy()
    return busy


def count_data(database_url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {
                table: conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0  # noqa: S608
                for table in ("tenants", "organizations", "users", "memberships", "notifications")
            }
    finally:
        engine.dispose()


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        diff = git("diff", "HEAD", "--", "platform")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    if not diff:
        return commit
    digest = hashlib.sha1(diff.encode(), usedforsecurity=False).hexdigest()[:10]
    return f"{commit} + uncommitted changes in platform/ (diff sha1 {digest})"


HOME_P95_TARGET_MS = 30.0


def verdicts(report: Report) -> list[str]:
    """The two targets: home page p95 under 30 ms, the same statements for every member."""
    lines = []
    for row in report.rows:
        if row.endpoint.startswith("GET /t/"):
            ok = row.result.p95 < HOME_P95_TARGET_MS
            lines.append(
                f"- home page p95 < {HOME_P95_TARGET_MS:.0f} ms with -w {row.workers}: "
                f"{'met' if ok else 'NOT met'} ({row.result.p95:.1f} ms)"
            )
    members = [c for c in report.statement_checks if c["role"] != "tenant_admin"]
    counts = sorted({c["statements"] for c in members} | {c["again"] for c in members})
    lines.append(
        f"- constant statements per home page ({len(members)} members of councils of "
        f"{', '.join(str(c['council_users']) for c in members)} users): "
        f"{'met' if len(counts) == 1 else 'NOT met'} ({', '.join(map(str, counts))})"
    )
    return lines


def markdown(report: Report) -> str:
    args = report.args
    cores = os.cpu_count() or 1
    data = report.data
    load = ", ".join(f"{busy:.0f}% before -w {w}" for w, busy in report.load.items())
    lines = [
        f"# Teia load benchmark, {report.started:%Y-%m-%d %H:%M %z}",
        "",
        f"- machine: {cores} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; wrk, gunicorn and PostgreSQL share the cores",
        f"- CPU busy with other work, measured for 2 s before each server starts: {load} "
        "(anything else running skews the figures)",
        f"- commit {report.commit}; data: {data.get('tenants', 0)} councils, "
        f"{data.get('users', 0)} users, {data.get('memberships', 0)} memberships, "
        f"{data.get('notifications', 0)} notifications",
        f"- gunicorn gthread, {args.threads} threads per worker; "
        "**TEIA_ENV=development** (the X-SQL-Statements counter is on)",
        f"- wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s per endpoint, "
        f"after a {WARMUP_SECONDS} s warm-up; latencies in ms. wrk keeps every connection "
        "busy (a closed loop), so mean latency is about connections / requests per second",
        "",
        "| endpoint | workers | requests/s | p50 | p95 | p99 | statements/request | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report.rows:
        r = row.result
        lines.append(
            f"| {row.endpoint} | {row.workers} | {r.rps:.0f} | {r.p50:.1f} | "
            f"{r.p95:.1f} | {r.p99:.1f} | "
            f"{'-' if row.statements is None else row.statements} | {r.errors} |"
        )
    for workers, login in report.logins.items():
        lines.append(
            f"| sign-in: GET + POST /login, {login['count']} in a row, 1 connection | "
            f"{workers} | {1000 / login['mean']:.1f} | {login['p50']:.1f} | "
            f"{login['p95']:.1f} | - | {login['statements']} (POST) | 0 |"
        )
    lines += ["", "Targets:", "", *verdicts(report)]
    lines += ["", "Sequential sign-ins (one at a time, argon2 verification on each POST):", ""]
    for workers, login in report.logins.items():
        lines.append(
            f"- -w {workers}: GET+POST mean {login['mean']:.1f} ms, p95 {login['p95']:.1f} ms; "
            f"POST alone mean {login['post_mean']:.1f} ms, p95 {login['post_p95']:.1f} ms "
            "(the login rate limit's Redis keys were cleared before each sign-in)"
        )
    lines += [
        "",
        "Statements per home page (`X-SQL-Statements`, first and second request):",
        "",
        "| user | council | council users | councils | role | pending reminders "
        "| unread | statements |",
        "|---|---|---:|---:|---|---:|---:|---:|",
    ]
    for c in report.statement_checks:
        lines.append(
            f"| {c['email']} | {c['tenant']} | {c['council_users']} | {c['councils']} | "
            f"{c['role']} | {c['pending_reminders']} | {c['unread_notifications']} | "
            f"{c['statements']} / {c['again']} |"
        )
    if report.notes:
        lines += ["", "Warnings:", "", *(f"- {note}" for note in report.notes)]
    return "\n".join(lines) + "\n"


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)  # unwinds through the finally blocks that stop gunicorn


def main(argv: list[str] | None = None) -> int:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        required=True,
        help="the application role's URL (teia_app), not the owner's",
    )
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--workers",
        type=int,
        action="append",
        help=f"gunicorn workers (default 2*cores+1 = {2 * cores + 1}); repeat to compare",
    )
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--wrk-threads", type=int, default=min(cores, 4))
    parser.add_argument(
        "--max-busy",
        type=float,
        default=20.0,
        help="before each server starts, wait (up to 3 min) until other work uses less CPU (%%)",
    )
    parser.add_argument("--logins", type=int, default=50, help="sequential sign-ins to time")
    parser.add_argument("--users-file", type=Path, default=RESULTS_DIR / "users.json")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.md")
    args = parser.parse_args(argv)
    args.workers = args.workers or [2 * cores + 1]
    args.wrk_threads = min(args.wrk_threads, args.connections)
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed")
    users = json.loads(args.users_file.read_text())
    signal.signal(signal.SIGTERM, _stop_on_sigterm)

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    print(
        "TEIA_ENV=development: X-SQL-Statements is on, and the app is not in production "
        "mode (no secure cookies, statement counter active).",
        flush=True,
    )
    report = Report(datetime.now().astimezone(), args, data=count_data(args.database_url))
    with tempfile.TemporaryDirectory(prefix="teia-wrk-") as tmp:
        script = Path(tmp) / "report.lua"
        script.write_text(WRK_SCRIPT)
        for workers in args.workers:
            bench_config(args, workers, users, report, script)
    return write_report(markdown(report), args.output, failed=bool(report.notes))


def write_report(text: str, output: Path, *, failed: bool) -> int:
    """Write the Markdown report, show it, and give the exit status."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print()
    print(text)
    print(f"written to {output}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
