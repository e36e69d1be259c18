"""Every mapped model, imported together: Alembic and the tests need the whole metadata."""

from teia.accounts.models import Invitation, Membership, PasswordResetToken, User
from teia.audit.models import AuditEvent
from teia.core.db import Base
from teia.notifications.models import Notification, Reminder
from teia.tenants.models import CatalogEntry, Consortium, Organization, Tenant

__all__ = [
    "AuditEvent",
    "Base",
    "CatalogEntry",
    "Consortium",
    "Invitation",
    "Membership",
    "Notification",
    "Organization",
    "PasswordResetToken",
    "Reminder",
    "Tenant",
    "User",
]
