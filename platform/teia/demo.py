"""Demo data for a laptop run: partner organisations, one user per role, two cases.

Every demo password is ``teia-demo``; the e-mails are listed in the README.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.accounts.mfa import enrol_with_secret, enrolled, requires_two_factor
from teia.accounts.models import Invitation, Membership, Role, User
from teia.applications.demo import load_demo_applications
from teia.cases.demo import load_demo_cases
from teia.core.db import utcnow
from teia.core.security import hash_password
from teia.core.tenancy import tenant_scope
from teia.groups.demo import load_groups_demo
from teia.notifications.services import notify, schedule_reminder
from teia.shelter.demo import load_shelter_demo
from teia.tenants.models import Consortium, Organization, Tenant
from teia.tenants.services import council_organization_slug

DEMO_PASSWORD = "teia-demo"  # noqa: S105 - documented demo credential, refused in production
# The authenticator key of every demo account that must use a second factor (README).
DEMO_TOTP_SECRET = "TEIADEMOTEIADEMOTEIADEMOTEIADEMO"  # noqa: S105 - documented, demo only

# (slug, name, catalogue type, councils it works in)
ORGANIZATIONS = [
    (
        "cimac",
        "Comunidade Intermunicipal do Alentejo Central",
        "intermunicipal_entity",
        ["mourao", "reguengos-de-monsaraz", "portel"],
    ),
    (
        "cimbal",
        "Comunidade Intermunicipal do Baixo Alentejo",
        "intermunicipal_entity",
        [],
    ),
    (
        "ss-evora-mourao",
        "Segurança Social, Serviço Local de Mourão",
        "social_security_service",
        ["mourao"],
    ),
    (
        "scm-mourao",
        "Santa Casa da Misericórdia de Mourão",
        "misericordia",
        ["mourao", "reguengos-de-monsaraz"],
    ),
    ("cs-mourao", "Centro de Saúde de Mourão (UCSP)", "primary_health_care_unit", ["mourao"]),
    ("ae-mourao", "Agrupamento de Escolas de Mourão", "school", ["mourao"]),
    ("jf-mourao", "Junta de Freguesia de Mourão", "parish_council", ["mourao"]),
    (
        "acolher-alentejo",
        "Casa de Acolhimento Temporário do Alentejo Central",
        "shelter_operator",
        ["mourao", "reguengos-de-monsaraz", "portel"],
    ),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    memberships: tuple[tuple[str, Role, str], ...]  # (tenant or consortium slug, role, org slug)
    platform_admin: bool = False


_M = "municipio-mourao"
USERS = [
    DemoUser("admin@teia.demo", "Administração da Plataforma", (), platform_admin=True),
    DemoUser(
        "coordenacao@cimac.demo",
        "Inês Coordenadora (CIMAC)",
        (("cimac", Role.CONSORTIUM_COORDINATOR, "cimac"),),
    ),
    DemoUser(
        "coordenacao@cimbal.demo",
        "Paulo Coordenador (CIMBAL)",
        (("cimbal", Role.CONSORTIUM_COORDINATOR, "cimbal"),),
    ),
    DemoUser(
        "coordenacao@mourao.demo",
        "Rita Coordenadora (SAAS Mourão)",
        (("mourao", Role.TENANT_ADMIN, _M),),
    ),
    DemoUser("gestora@mourao.demo", "Ana Gestora de Caso", (("mourao", Role.CASE_MANAGER, _M),)),
    DemoUser(
        "tecnica@mourao.demo",
        "Joana Técnica",
        (
            ("mourao", Role.TECHNICIAN, _M),
            ("portel", Role.TECHNICIAN, council_organization_slug("portel")),
        ),
    ),
    DemoUser(
        "decisao@mourao.demo", "Vereador da Ação Social", (("mourao", Role.DECISION_MAKER, _M),)
    ),
    DemoUser("financas@mourao.demo", "Divisão Financeira", (("mourao", Role.FINANCE, _M),)),
    DemoUser(
        "ipss@mourao.demo",
        "Carla (Santa Casa da Misericórdia)",
        (
            ("mourao", Role.PARTNER_PROFESSIONAL, "scm-mourao"),
            ("reguengos-de-monsaraz", Role.PARTNER_PROFESSIONAL, "scm-mourao"),
        ),
    ),
    DemoUser(
        "saude@mourao.demo",
        "Enf.ª Teresa (Centro de Saúde)",
        (("mourao", Role.PARTNER_PROFESSIONAL, "cs-mourao"),),
    ),
    DemoUser(
        "seguranca-social@mourao.demo",
        "Paulo (Segurança Social)",
        (("mourao", Role.PARTNER_PROFESSIONAL, "ss-evora-mourao"),),
    ),
    DemoUser(
        "escola@mourao.demo",
        "Prof.ª Sofia (Agrupamento de Escolas)",
        (("mourao", Role.PARTNER_PROFESSIONAL, "ae-mourao"),),
    ),
    DemoUser(
        "junta@mourao.demo",
        "Luís (Junta de Freguesia)",
        (("mourao", Role.PARTNER_PROFESSIONAL, "jf-mourao"),),
    ),
    DemoUser(
        "acolhimento@mourao.demo",
        "Marta (Casa de Acolhimento)",
        (("mourao", Role.SHELTER_STAFF, "acolher-alentejo"),),
    ),
    DemoUser(
        "coordenacao@reguengos-de-monsaraz.demo",
        "Coordenação SAAS Reguengos",
        (
            (
                "reguengos-de-monsaraz",
                Role.TENANT_ADMIN,
                council_organization_slug("reguengos-de-monsaraz"),
            ),
        ),
    ),
    DemoUser(
        "gestor@reguengos-de-monsaraz.demo",
        "Rui Gestor de Caso",
        (
            (
                "reguengos-de-monsaraz",
                Role.CASE_MANAGER,
                council_organization_slug("reguengos-de-monsaraz"),
            ),
        ),
    ),
    DemoUser(
        "coordenacao@portel.demo",
        "Coordenação SAAS Portel",
        (("portel", Role.TENANT_ADMIN, council_organization_slug("portel")),),
    ),
    DemoUser(
        "gestora@portel.demo",
        "Helena Gestora de Caso",
        (("portel", Role.CASE_MANAGER, council_organization_slug("portel")),),
    ),
    DemoUser(
        "acolhimento@portel.demo",
        "Sérgio (Casa de Acolhimento de Portel)",
        (("portel", Role.SHELTER_STAFF, "acolher-alentejo"),),
    ),
    DemoUser(
        "acolhimento@reguengos-de-monsaraz.demo",
        "Filipa (Lar de Infância e Juventude de Reguengos)",
        (("reguengos-de-monsaraz", Role.SHELTER_STAFF, "acolher-alentejo"),),
    ),
]


class DemoError(RuntimeError):
    pass


def load_demo(session: Session) -> int:
    """Create (or complete) the demo organisations, users and memberships; idempotent."""
    tenants = {t.slug: t for t in session.scalars(select(Tenant))}
    consortia = {c.slug: c for c in session.scalars(select(Consortium))}
    missing = {"mourao", "reguengos-de-monsaraz", "portel"} - tenants.keys()
    if missing or "cimac" not in consortia:
        raise DemoError("load the councils first: flask --app teia tenants sync tenants/")
    orgs = {o.slug: o for o in session.scalars(select(Organization))}
    for slug, name, type_code, councils in ORGANIZATIONS:
        if slug not in orgs:
            orgs[slug] = Organization(slug=slug, name=name, type_code=type_code)
            session.add(orgs[slug])
        orgs[slug].tenants = [tenants[c] for c in councils]
    password_hash = hash_password(DEMO_PASSWORD)
    created = 0
    for spec in USERS:
        user = session.scalar(select(User).where(User.email == spec.email))
        if user is None:
            user = User(
                email=spec.email,
                name=spec.name,
                password_hash=password_hash,
                is_platform_admin=spec.platform_admin,
            )
            session.add(user)
            created += 1
        for scope_slug, role, org_slug in spec.memberships:
            _ensure_membership(
                session,
                user,
                role,
                orgs[org_slug],
                tenants.get(scope_slug),
                consortia.get(scope_slug),
            )
    session.flush()
    _demo_second_factor(session)
    _welcome(session, tenants["mourao"])
    load_demo_cases(session, tenants["mourao"])
    load_demo_applications(session, tenants["mourao"])
    load_shelter_demo(session)
    load_groups_demo(session)
    return created


def _ensure_membership(
    session: Session,
    user: User,
    role: Role,
    org: Organization,
    tenant: Tenant | None,
    consortium: Consortium | None,
) -> None:
    for membership in user.memberships:
        if (
            membership.role == role
            and membership.tenant == tenant
            and membership.consortium == consortium
        ):
            return
    user.memberships.append(
        Membership(role=role, organization=org, tenant=tenant, consortium=consortium)
    )


def _demo_second_factor(session: Session) -> None:
    """Demo accounts that must use a second factor get the published demo key."""
    emails = [spec.email for spec in USERS]
    for user in session.scalars(select(User).where(User.email.in_(emails))):
        if requires_two_factor(session, user) and not enrolled(session, user):
            enrol_with_secret(session, user, DEMO_TOTP_SECRET)


def _welcome(session: Session, mourao: Tenant) -> None:
    """Something on the coordinator's home page: a pending invitation about to expire."""
    admin = session.scalar(select(User).where(User.email == "coordenacao@mourao.demo"))
    assert admin is not None
    with tenant_scope(mourao.id):
        if session.scalar(select(Invitation.id).limit(1)) is not None:
            return
        invitation = Invitation(
            email="nova.tecnica@mourao.demo",
            name="Nova Técnica",
            role=Role.TECHNICIAN,
            organization_id=admin.memberships[0].organization_id,
            invited_by_id=admin.id,
            expires_at=utcnow() + timedelta(days=2),
        )
        session.add(invitation)
        session.flush()
        schedule_reminder(
            session,
            object_type="invitation",
            object_id=invitation.id,
            kind="invitation_expiring",
            due_date=utcnow().date(),
            user_id=admin.id,
        )
        notify(
            session,
            user_id=admin.id,
            tenant_id=mourao.id,
            kind="welcome",
            email=False,
            subject="Bem-vinda à Teia",
            body="Os dados de demonstração estão prontos.",
            link="/t/mourao/",
        )
