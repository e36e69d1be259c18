"""One helper writes every audit event: logins, changes, and reads of a person's data."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from teia.audit.models import AuditEvent
from teia.core.tenancy import current_tenant_id


def audit(
    session: Session,
    action: str,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    purpose: str | None = None,
    actor_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record ``action`` by the current user (or ``actor_id``) in the tenant in scope."""
    address = None
    if has_request_context():
        address = request.remote_addr
        if actor_id is None and current_user.is_authenticated:
            actor_id = current_user.id
    event = AuditEvent(
        tenant_id=current_tenant_id(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        purpose=purpose,
        address=address,
        details=details or {},
    )
    session.add(event)
    return event
