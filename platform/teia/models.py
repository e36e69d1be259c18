"""Every mapped model, imported together: Alembic and the tests need the whole metadata."""

from teia.accounts.models import (
    Invitation,
    Membership,
    PasswordResetToken,
    RecoveryCode,
    TwoFactor,
    User,
)
from teia.applications.models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationItem,
    Decision,
    DocumentRequest,
    HomeVisit,
    Payment,
)
from teia.audit.models import AuditEvent
from teia.cases.models import (
    Anonymisation,
    Case,
    CaseEvent,
    CaseShare,
    ConfidentialReader,
    Consent,
    DiagnosisArea,
    EmergencyAccess,
    InterventionPlan,
    PlanAction,
    PlanGoal,
    Referral,
)
from teia.core.db import Base
from teia.notifications.models import Notification, Reminder
from teia.oauth.models import ApiClient, ApiToken
from teia.people.models import (
    Household,
    HouseholdMember,
    Person,
    PersonChange,
    PersonDocument,
    PersonMerge,
)
from teia.regulations.models import ReferenceValue, RegulationVersion
from teia.sso.models import ExternalIdentity, IdentityProvider, SsoAttempt
from teia.tenants.models import CatalogEntry, Consortium, Organization, Tenant

__all__ = [
    "Anonymisation",
    "ApiClient",
    "ApiToken",
    "Application",
    "ApplicationDocument",
    "ApplicationEvent",
    "ApplicationItem",
    "AuditEvent",
    "Base",
    "Case",
    "CaseEvent",
    "CaseShare",
    "CatalogEntry",
    "ConfidentialReader",
    "Consent",
    "Consortium",
    "Decision",
    "DiagnosisArea",
    "DocumentRequest",
    "EmergencyAccess",
    "ExternalIdentity",
    "HomeVisit",
    "Household",
    "HouseholdMember",
    "IdentityProvider",
    "InterventionPlan",
    "Invitation",
    "Membership",
    "Notification",
    "Organization",
    "PasswordResetToken",
    "Payment",
    "Person",
    "PersonChange",
    "PersonDocument",
    "PersonMerge",
    "PlanAction",
    "PlanGoal",
    "RecoveryCode",
    "ReferenceValue",
    "Referral",
    "RegulationVersion",
    "Reminder",
    "SsoAttempt",
    "Tenant",
    "TwoFactor",
    "User",
]
