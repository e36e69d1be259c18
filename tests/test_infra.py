"""Deployment files in infra/: gunicorn serves the app as the image runs it, the Compose file is
complete and holds no secret, and the gunicorn settings follow the environment."""

from __future__ import annotations

import gc
import http.client
import json
import os
import runpy
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = ROOT / "infra" / "gunicorn.conf.py"
COMPOSE_FILE = ROOT / "infra" / "docker-compose.yml"

# Variables of the calling shell that would change what the subprocesses do.
_FOREIGN_ENV = (
    "WEB_CONCURRENCY",
    "WEB_THREADS",
    "FORWARDED_ALLOW_IPS",
    "GUNICORN_CMD_ARGS",
    "GUNICORN_ACCESS_LOG",
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _embedded_env(instance: Path, **extra: str) -> dict[str, str]:
    """The environment of a laptop run: no TEIA_* from the caller, SQLite under ``instance``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TEIA_") and key not in _FOREIGN_ENV
    }
    # The checkout's code, whether or not (and however) the project is installed in this venv.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "platform"), str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    env.update(TEIA_ENV="development", TEIA_INSTANCE_DIR=str(instance), **extra)
    return env


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_gunicorn_serves_healthz_as_the_image_runs_it(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    port = _free_port()
    env = _embedded_env(instance, TEIA_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1")

    migrated = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert (instance / "teia.sqlite").exists()

    out_path, log_path = tmp_path / "gunicorn.out", tmp_path / "gunicorn.err"
    with out_path.open("wb") as out, log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "teia:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=log,
        )
        try:
            last: object = "no answer"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log_path.read_text()}")
                try:
                    status, body = _get(port, "/healthz")
                except (OSError, http.client.HTTPException) as exc:
                    last = exc
                else:
                    last = (status, body)
                    if status == 200:
                        break
                time.sleep(0.2)
            else:
                pytest.fail(f"/healthz never answered 200 ({last!r}):\n{log_path.read_text()}")

            payload = json.loads(body)
            assert payload["status"] == "ok", payload

            proc.terminate()  # SIGTERM: gunicorn's graceful shutdown
            returncode = proc.wait(timeout=40)
            assert returncode == 0, log_path.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)

    assert "GET /healthz" in out_path.read_text()  # the access log goes to stdout


def _command_tokens(service: dict[str, Any]) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(t) for t in command]


def _environment(service: dict[str, Any]) -> dict[str, Any]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.partition("=")[::2] for item in env)
    return dict(env)


def test_compose_has_every_service_one_beat_and_no_secret() -> None:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    services = compose["services"]

    for name in ("web", "worker", "beat", "migrate", "postgres", "redis", "nginx"):
        assert name in services, f"service {name!r} missing"

    beats = [
        name
        for name, service in services.items()
        if {"beat", "--beat", "-B"} & set(_command_tokens(service))
    ]
    assert beats == ["beat"], f"exactly one service may run celery beat, found {beats}"
    assert _command_tokens(services["worker"])[:4] == ["celery", "-A", "tasks", "worker"]
    assert "infra/gunicorn.conf.py" in _command_tokens(services["web"])

    secret_words = ("SECRET", "PASSWORD", "TOKEN", "_KEY")
    for name, service in services.items():
        for key, value in _environment(service).items():
            value = "" if value is None else str(value)
            if any(word in key for word in secret_words) and value:
                assert value.startswith("${"), f"{name}: {key} holds a literal value"
            if "://" in value and "@" in value:  # credentials in a URL
                userinfo = value.split("://", 1)[1].rsplit("@", 1)[0]
                password = userinfo.partition(":")[2]
                assert not password or password.startswith("${"), f"{name}: {key} password"

    app_env = _environment(services["web"])
    assert app_env["TEIA_SECRET_KEY"].startswith("${TEIA_SECRET_KEY:?")
    assert app_env["TEIA_ENV"] == "production"
    assert "${TEIA_APP_DB_PASSWORD" in app_env["TEIA_DATABASE_URL"]


def test_gunicorn_conf_reads_bind_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _FOREIGN_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEIA_BIND", "127.0.0.1:9999")
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["bind"] == "127.0.0.1:9999"
    assert conf["worker_class"] == "gthread"
    assert conf["threads"] == 4
    assert 1 <= conf["workers"] <= 8
    assert conf["timeout"] == 30
    assert conf["preload_app"] is False
    assert conf["accesslog"] == "-"
    gc_before = gc.get_freeze_count()
    conf["post_worker_init"](None)  # a worker's app is built: its objects leave the collector
    assert gc.get_freeze_count() > gc_before
    gc.unfreeze()

    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "")
    assert runpy.run_path(str(GUNICORN_CONF))["accesslog"] is None

    monkeypatch.delenv("TEIA_BIND")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["bind"] == "0.0.0.0:8000"
    assert conf["workers"] == 3
