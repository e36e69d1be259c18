"""PostgreSQL row-level security alone keeps councils apart, with the ORM filter switched off.

The suite connects as the application role ``teia_app`` (infra/postgres/roles.sql), which owns
no table and cannot bypass RLS; the schema belongs to the migration owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from teia.accounts.models import Invitation, Role, User
from teia.core import tenancy
from teia.core.db import db, utcnow
from teia.core.tenancy import TenantScoped, tenant_scope
from teia.models import Base
from teia.tenants.models import Organization, Tenant
from tests.conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres]


@pytest.fixture
def orm_filter_off() -> Iterator[None]:
    event.remove(Session, "do_orm_execute", tenancy._add_tenant_criteria)
    try:
        yield
    finally:
        event.listen(Session, "do_orm_execute", tenancy._add_tenant_criteria)


@pytest.fixture
def councils(app: Flask) -> tuple[int, int]:
    with app.app_context():
        ids = {slug: id_ for slug, id_ in db.session.execute(select(Tenant.slug, Tenant.id))}
        inviter = db.session.scalar(select(User.id).where(User.email == "admin@teia.demo"))
        org = db.session.scalar(select(Organization.id).where(Organization.slug == "cimac"))
        for slug in ("mourao", "reguengos-de-monsaraz"):
            with tenant_scope(ids[slug]):
                db.session.add(
                    Invitation(
                        email=f"rls@{slug}.test",
                        name="R",
                        role=Role.FINANCE,
                        organization_id=org,
                        invited_by_id=inviter,
                        expires_at=utcnow() + timedelta(days=1),
                    )
                )
                db.session.flush()
        db.session.commit()
        return ids["mourao"], ids["reguengos-de-monsaraz"]


def test_the_app_role_owns_nothing_and_cannot_bypass(app: Flask) -> None:
    with app.app_context():
        role = db.session.execute(
            text(
                "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles "
                "WHERE rolname = current_user"
            )
        ).one()
        assert role == ("teia_app", False, False)
        owned = db.session.scalar(
            text(
                "SELECT count(*) FROM pg_tables "
                "WHERE schemaname = 'public' AND tableowner = current_user"
            )
        )
        assert owned == 0


def test_every_tenant_owned_table_has_forced_rls(app: Flask) -> None:
    tenant_tables = {
        table.name
        for table in Base.metadata.sorted_tables
        if "tenant_id" in table.c
        and any(
            issubclass(m.class_, TenantScoped) and m.local_table is table
            for m in Base.registry.mappers
        )
    }
    assert {"invitations", "reminders", "audit_events"} <= tenant_tables
    with app.app_context():
        rows = dict(
            db.session.execute(
                text(
                    "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class "
                    "WHERE relname = ANY(:names)"
                ),
                {"names": sorted(tenant_tables)},
            ).all()
        )
    assert rows == dict.fromkeys(tenant_tables, True)


def test_orm_queries_see_one_tenant_with_the_filter_off(
    app: Flask, councils: tuple[int, int], orm_filter_off: None
) -> None:
    mourao, reguengos = councils
    with app.app_context():
        with tenant_scope(mourao):
            seen = set(db.session.scalars(select(Invitation.tenant_id)))
            assert seen == {mourao}
        with tenant_scope(reguengos):
            assert set(db.session.scalars(select(Invitation.tenant_id))) == {reguengos}
        assert list(db.session.scalars(select(Invitation.id))) == []  # no tenant: no rows


def test_raw_sql_sees_one_tenant(app: Flask, councils: tuple[int, int]) -> None:
    mourao, _ = councils
    with app.app_context():
        with tenant_scope(mourao):
            tenants = set(db.session.scalars(text("SELECT tenant_id FROM invitations")))
            assert tenants == {mourao}
            audit = set(db.session.scalars(text("SELECT DISTINCT tenant_id FROM audit_events")))
            assert audit <= {mourao}
        assert db.session.scalar(text("SELECT count(*) FROM invitations")) == 0
        platform_audit = set(
            db.session.scalars(text("SELECT DISTINCT tenant_id FROM audit_events"))
        )
        assert platform_audit <= {None}


def test_writing_into_another_tenant_is_refused(
    app: Flask, councils: tuple[int, int], orm_filter_off: None
) -> None:
    mourao, reguengos = councils
    with app.app_context(), tenant_scope(mourao):
        nested = db.session.begin_nested()
        with pytest.raises(DBAPIError, match="row-level security"):
            db.session.execute(
                text("UPDATE invitations SET tenant_id = :other WHERE tenant_id = :mine"),
                {"other": reguengos, "mine": mourao},
            )
        nested.rollback()
        changed = db.session.execute(
            text("UPDATE invitations SET name = 'x' WHERE tenant_id = :t"), {"t": reguengos}
        )
        assert changed.rowcount == 0  # invisible, so untouched


def test_audit_rows_cannot_be_changed_or_deleted(app: Flask) -> None:
    with app.app_context():
        db.session.execute(
            text("INSERT INTO audit_events (at, action, details) VALUES (now(), 'test.rls', '{}')")
        )
        for statement in (
            "UPDATE audit_events SET action = 'x' WHERE action = 'test.rls'",
            "DELETE FROM audit_events WHERE action = 'test.rls'",
        ):
            nested = db.session.begin_nested()
            with pytest.raises(DBAPIError, match="permission denied"):
                db.session.execute(text(statement))
            nested.rollback()
