"""``flask --app teia ...`` commands: load tenants, demo data, a platform admin."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.serving import run_simple

from teia.core.db import db

tenants_cli = AppGroup("tenants", help="Councils, consortia and catalogues kept as data.")


@tenants_cli.command("sync")
@click.argument("root", type=click.Path(path_type=Path), default=None, required=False)
def sync_command(root: Path | None) -> None:
    """Validate every file under ROOT (default: tenants/) and load what changed."""
    from teia.tenants.services import TenantDataError, sync_tenants

    root = root or current_app.config["TEIA_SETTINGS"].tenants_dir
    try:
        report = sync_tenants(db.session, root)
    except TenantDataError as exc:
        db.session.rollback()
        click.echo(f"Nothing was loaded: {len(exc.problems)} problem(s).", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from exc
    db.session.commit()
    for label, items in (
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
    ):
        if items:
            click.echo(f"{label}: {', '.join(items)}")


@click.command("demo")
def demo_command() -> None:
    """Create demo organisations and users (password: teia-demo). Not in production."""
    from teia.demo import DemoError, load_demo

    if current_app.config["TEIA_SETTINGS"].production:
        raise click.ClickException("demo data is never loaded in production")
    try:
        created = load_demo(db.session)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"demo ready: {created} new user(s); every password is 'teia-demo'")


@click.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option()
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create (or promote) a platform administrator."""
    from teia.accounts.models import User
    from teia.accounts.services import (
        AccountError,
        find_user_by_email,
        normalize_email,
        set_password,
        validate_new_password,
    )

    try:
        validate_new_password(password, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    user = find_user_by_email(db.session, email)
    if user is None:
        user = User(email=normalize_email(email), name=name)
        db.session.add(user)
        db.session.flush()
    user.is_platform_admin = True
    set_password(db.session, user, password)
    db.session.commit()
    click.echo(f"platform admin: {user.email}")


@click.command("dev")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def dev_command(host: str, port: int) -> None:
    """Laptop run: the web server, plus a Celery worker with beat on the embedded broker."""
    if current_app.config["TEIA_SETTINGS"].production:
        raise click.ClickException("use gunicorn and separate worker/beat in production")
    root = Path(__file__).resolve().parents[3]
    # SIGTERM (a supervisor, a test fixture) must stop the worker too: exit through `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tasks",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=INFO",
        ],
        cwd=root,
    )
    try:
        run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def init_app(app: Flask) -> None:
    app.cli.add_command(tenants_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(dev_command)
