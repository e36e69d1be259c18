"""The ORM layer: every query of tenant-owned rows is confined to the tenant in scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import and_, case, delete, func, or_, select, update

from teia.accounts.models import Invitation, Role, User
from teia.audit.models import AuditEvent
from teia.core.db import db, utcnow
from teia.core.tenancy import NoTenantInScope, tenant_scope
from teia.tenants.models import Organization, Tenant


def ids(*slugs: str) -> list[int]:
    rows = {slug: id_ for slug, id_ in db.session.execute(select(Tenant.slug, Tenant.id))}
    return [rows[s] for s in slugs]


def add_invitation(tenant_id: int, email: str) -> Invitation:
    inviter = db.session.scalar(select(User).where(User.email == "admin@teia.demo"))
    org = db.session.scalar(select(Organization).where(Organization.slug == "cimac"))
    assert inviter and org
    with tenant_scope(tenant_id):
        invitation = Invitation(
            email=email,
            name="N",
            role=Role.TECHNICIAN,
            organization_id=org.id,
            invited_by_id=inviter.id,
            expires_at=utcnow() + timedelta(days=1),
        )
        db.session.add(invitation)
        db.session.flush()
    return invitation


def like(invitation: Invitation, **overrides: object) -> Invitation:
    """A new invitation with the same inviter and organisation."""
    fields = {
        "email": "x@x.test",
        "name": "X",
        "role": Role.TECHNICIAN,
        "organization_id": invitation.organization_id,
        "invited_by_id": invitation.invited_by_id,
        "expires_at": utcnow(),
    }
    return Invitation(**(fields | overrides))


@pytest.fixture
def two_councils(app: Flask):  # type: ignore[no-untyped-def]
    with app.app_context():
        mourao, reguengos = ids("mourao", "reguengos-de-monsaraz")
        add_invitation(mourao, "a@mourao.test")
        add_invitation(reguengos, "b@reguengos.test")
        db.session.commit()
        yield mourao, reguengos


def emails(stmt) -> set[str]:  # type: ignore[no-untyped-def]
    return set(db.session.scalars(stmt))


def test_select_sees_only_the_tenant_in_scope(app: Flask, two_councils) -> None:  # type: ignore[no-untyped-def]
    mourao, reguengos = two_councils
    with app.app_context():
        with tenant_scope(mourao):
            assert "a@mourao.test" in emails(select(Invitation.email))
            assert "b@reguengos.test" not in emails(select(Invitation.email))
            count = db.session.scalar(select(func.count()).select_from(Invitation))
            assert count == len(emails(select(Invitation.email)))
        with tenant_scope(reguengos):
            assert emails(select(Invitation.email)) == {"b@reguengos.test"}


def test_joins_and_get_are_filtered(app: Flask, two_councils) -> None:  # type: ignore[no-untyped-def]
    mourao, reguengos = two_councils
    with app.app_context():
        with tenant_scope(reguengos):
            foreign_id = db.session.scalar(select(Invitation.id))
        db.session.expunge_all()
        with tenant_scope(mourao):
            joined = db.session.execute(
                select(User.email, Invitation.email).join(
                    Invitation, Invitation.invited_by_id == User.id
                )
            ).all()
            assert all(inv != "b@reguengos.test" for _, inv in joined)
            assert db.session.get(Invitation, foreign_id) is None


def test_bulk_update_and_delete_stay_in_scope(app: Flask, two_councils) -> None:  # type: ignore[no-untyped-def]
    mourao, reguengos = two_councils
    with app.app_context():
        with tenant_scope(mourao):
            db.session.execute(update(Invitation).values(name="changed"))
            db.session.execute(delete(Invitation).where(Invitation.email == "b@reguengos.test"))
        with tenant_scope(reguengos):
            rows = db.session.execute(select(Invitation.email, Invitation.name)).all()
            assert rows == [("b@reguengos.test", "N")]


def test_no_tenant_in_scope_fails_loudly(app: Flask, two_councils) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        with pytest.raises(NoTenantInScope):
            db.session.scalars(select(Invitation)).all()
        with pytest.raises(NoTenantInScope):
            db.session.execute(
                select(User.email).join(Invitation, Invitation.invited_by_id == User.id)
            ).all()
        with pytest.raises(NoTenantInScope):
            db.session.execute(update(Invitation).values(name="x"))


def test_new_rows_take_the_scope_and_cannot_target_another_tenant(app: Flask) -> None:
    with app.app_context():
        mourao, reguengos = ids("mourao", "reguengos-de-monsaraz")
        invitation = add_invitation(mourao, "c@mourao.test")
        assert invitation.tenant_id == mourao
        with tenant_scope(mourao):
            db.session.add(like(invitation, tenant_id=reguengos))  # another council's row
            with pytest.raises(NoTenantInScope):
                db.session.flush()
        db.session.rollback()
        db.session.add(like(invitation))  # outside any council: no tenant at all
        with pytest.raises(NoTenantInScope):
            db.session.flush()
        db.session.rollback()


def test_tenant_optional_rows_split_platform_and_tenant(app: Flask) -> None:
    with app.app_context():
        mourao, reguengos = ids("mourao", "reguengos-de-monsaraz")
        db.session.add(AuditEvent(action="test.platform"))
        db.session.flush()
        with tenant_scope(mourao):
            db.session.add(AuditEvent(action="test.mourao"))
            db.session.flush()
        with tenant_scope(reguengos):
            db.session.add(AuditEvent(action="test.reguengos"))
            db.session.flush()
        db.session.flush()
        tests = AuditEvent.action.like("test.%")
        assert set(db.session.scalars(select(AuditEvent.action).where(tests))) == {"test.platform"}
        counted = select(func.count(case((and_(tests, AuditEvent.id > 0), 1))))
        assert db.session.scalar(counted) == 1
        with tenant_scope(mourao):
            assert set(db.session.scalars(select(AuditEvent.action).where(tests))) == {
                "test.mourao"
            }
            db.session.add(AuditEvent(action="test.late", tenant_id=None))
            with pytest.raises(NoTenantInScope):
                db.session.flush()
        db.session.rollback()


def test_subqueries_of_tenant_data_need_a_tenant_too(app: Flask) -> None:
    with app.app_context(), pytest.raises(NoTenantInScope):
        db.session.scalars(select(User).where(User.id.in_(select(Invitation.invited_by_id)))).all()


def test_aggregates_of_columns_only_count_the_tenant_in_scope(app: Flask, two_councils) -> None:  # type: ignore[no-untyped-def]
    """Indicators select columns and aggregates, never entities: each form stays confined."""
    mourao, reguengos = two_councils
    with app.app_context():
        with tenant_scope(mourao):
            mine = len(emails(select(Invitation.email)))
            by_role = select(Invitation.role, func.count()).group_by(Invitation.role)
            inner = select(Invitation.id).where(Invitation.email.like("%@%")).subquery()
            cte = select(Invitation.id.label("id")).cte("mine")
            forms = {
                "count(column)": db.session.scalar(select(func.count(Invitation.id))),
                "count(distinct)": db.session.scalar(
                    select(func.count(func.distinct(Invitation.email)))
                ),
                "grouped": sum(n for _, n in db.session.execute(by_role)),
                "count(case and)": db.session.scalar(
                    select(func.count(case((and_(Invitation.email != "", Invitation.id > 0), 1))))
                ),
                "count(case or)": db.session.scalar(
                    select(func.count(case((or_(Invitation.email == "", Invitation.id > 0), 1))))
                ),
                "subquery": db.session.scalar(select(func.count()).select_from(inner)),
                "cte": db.session.scalar(select(func.count()).select_from(cte)),
                "exists": db.session.scalar(
                    select(func.count(User.id)).where(
                        select(Invitation.id)
                        .where(Invitation.invited_by_id == User.id)
                        .where(Invitation.email == "b@reguengos.test")
                        .exists()
                    )
                ),
            }
        assert forms == {
            "count(column)": mine,
            "count(distinct)": mine,
            "grouped": mine,
            "count(case and)": mine,
            "count(case or)": mine,
            "subquery": mine,
            "cte": mine,
            "exists": 0,
        }
        with tenant_scope(reguengos):
            assert db.session.scalar(select(func.count(Invitation.id))) == 1
        with pytest.raises(NoTenantInScope):
            db.session.scalar(select(func.count(Invitation.id)))
