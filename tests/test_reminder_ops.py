"""The operators' page of reminders and e-mail delivery: platform administrators only; per
council what is due, sent and cancelled; the e-mails that failed, each queued again on demand."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Notification, Reminder
from teia.notifications.services import notify
from teia.tenants.models import Tenant
from tests import groups_factories as gf
from tests.conftest import csrf_token, outbox

PAGE = "/admin/reminders"
ADMIN = "admin@teia.demo"


def _row(page: str, slug: str) -> list[str]:
    row = page[page.index(f'id="council-{slug}"') :]
    row = row[: row.index("</tr>")]
    return [cell.split("</td>")[0] for cell in row.split("<td>")[1:]]


def test_only_platform_administrators_see_it(client, as_user) -> None:  # type: ignore[no-untyped-def]
    assert client.get(PAGE).status_code in (302, 401)
    member = as_user("coordenacao@portel.demo")
    assert member.get(PAGE).status_code == 404
    token = csrf_token(member.get("/account/notifications").text)
    assert member.post(f"{PAGE}/1/resend", data={"csrf_token": token}).status_code == 404
    admin = as_user(ADMIN)
    assert admin.get(PAGE).status_code == 200
    assert f'href="{PAGE}"' in admin.get("/admin/").text


def test_counts_per_council(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user(ADMIN)
    before = admin.get(PAGE).text
    with app.app_context():
        portel = db.session.scalar(select(Tenant.id).where(Tenant.slug == "portel"))
        uid = gf.user_id("gestora@portel.demo")
        today = utcnow().date()
        rows = [
            ("pending", today - timedelta(days=1), None),
            ("pending", today, None),
            ("pending", today + timedelta(days=3), None),
            ("sent", today, utcnow() - timedelta(hours=2)),
            ("sent", today, utcnow() - timedelta(days=3)),
            ("sent", today, utcnow() - timedelta(days=9)),
            ("cancelled", today, None),
        ]
        with tenant_scope(portel):
            for i, (status, due, sent_at) in enumerate(rows):
                db.session.add(
                    Reminder(
                        object_type="test",
                        object_id=i,
                        kind="test",
                        due_date=due,
                        user_id=uid,
                        status=status,
                        sent_at=sent_at,
                    )
                )
            db.session.commit()
    page = admin.get(PAGE).text
    added = [
        int(a) - int(b) for a, b in zip(_row(page, "portel"), _row(before, "portel"), strict=True)
    ]
    assert added == [2, 1, 1, 2, 1]  # due, upcoming, sent in 24 h, in 7 days, cancelled
    assert _row(page, "mourao") == _row(before, "mourao")


def test_a_failed_email_is_listed_and_sent_again(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        uid = gf.user_id("gestora@portel.demo")
        note = notify(db.session, user_id=uid, kind="test", subject="Prazo a vencer", email=False)
        note.email = True
        note.email_attempts = 9
        note.email_error = "(451, b'4.3.0 try again later')"
        note.email_failed_at = utcnow()
        db.session.commit()
        note_id = note.id
    admin = as_user(ADMIN)
    page = admin.get(PAGE).text
    assert "E-mails que falharam (1)" in page
    row = page[page.index(f'id="failed-{note_id}"') :]
    assert "gestora@portel.demo" in row and "Prazo a vencer" in row and "try again later" in row
    url = f"{PAGE}/{note_id}/resend"
    assert admin.post(url).status_code == 400  # no CSRF token
    response = admin.post(url, data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    [message] = outbox(app)  # queued after commit, eagerly here
    assert message["To"] == "gestora@portel.demo" and message["Subject"] == "Prazo a vencer"
    with app.app_context():
        sent = db.session.get(Notification, note_id)
        assert sent is not None and sent.emailed_at is not None and sent.email_failed_at is None
    page = admin.get(PAGE).text
    assert "Nenhum e-mail falhou." in page
    admin.post(url, data={"csrf_token": csrf_token(page)})
    assert len(outbox(app)) == 1  # delivered: nothing to send again
