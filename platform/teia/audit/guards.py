"""The ORM refuses to change or delete an audit event (PostgreSQL grants refuse it too)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from teia.audit.models import AuditEvent


class AuditIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditIsAppendOnly("audit events cannot be changed or deleted")
