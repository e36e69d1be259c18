"""JSON API for accounts: who am I, the council's members, invitations."""

from __future__ import annotations

from flask_login import current_user
from pydantic import EmailStr, Field

from teia.accounts import services
from teia.accounts.models import Membership, Role
from teia.core.api import ApiModel, Id, UtcDateTime, api_blueprint, json_body, rejected, respond
from teia.core.db import db
from teia.core.openapi import documented
from teia.core.scope import current_tenant, memberships, requires_role

bp = api_blueprint("accounts_api", __name__)


class MembershipOut(ApiModel):
    id: int | None  # None: a machine client's (derived from its registration, not a row)
    role: Role
    organization: str  # the organisation's slug
    tenant: str | None = None  # one of tenant or consortium
    consortium: str | None = None


class MeOut(ApiModel):
    id: int
    email: str
    name: str
    platform_admin: bool
    memberships: list[MembershipOut]


class UserRefOut(ApiModel):
    id: int
    name: str
    email: str


class MemberOut(MembershipOut):
    active: bool
    user: UserRefOut


class MembersOut(ApiModel):
    members: list[MemberOut]


class InvitationIn(ApiModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    role: Role
    organization_id: Id


class InvitationOut(ApiModel):
    id: int
    email: str
    role: Role
    expires_at: UtcDateTime


def _membership(m: Membership) -> dict[str, object]:
    scope = (
        {"tenant": m.tenant.slug} if m.tenant else {"consortium": m.consortium.slug}  # type: ignore[union-attr]
    )
    return {"id": m.id, "role": m.role, "organization": m.organization.slug, **scope}


@bp.get("/me")
@documented(
    "Quem sou: o utilizador da sessão e os seus papéis",
    tags=["accounts"],
    response=MeOut,
    scope=None,
)
def me():  # type: ignore[no-untyped-def]
    return respond(
        MeOut,
        {
            "id": current_user.id,
            "email": current_user.email,
            "name": current_user.name,
            "platform_admin": current_user.is_platform_admin,
            "memberships": [_membership(m) for m in memberships()],
        },
    )


@bp.get("/t/<tenant>/members")
@requires_role(Role.TENANT_ADMIN)
@documented("Os membros do município", tags=["accounts"], response=MembersOut, scope="members:read")
def members():  # type: ignore[no-untyped-def]
    rows = services.tenant_members(db.session, current_tenant().id)
    return respond(
        MembersOut,
        {"members": [{**_membership(m), "active": m.active, "user": m.user} for m in rows]},
    )


@bp.post("/t/<tenant>/invitations")
@requires_role(Role.TENANT_ADMIN)
@documented(
    "Convidar alguém para o município",
    tags=["accounts"],
    body=InvitationIn,
    response=InvitationOut,
    status=201,
    scope="members:write",
)
def create_invitation():  # type: ignore[no-untyped-def]
    data = json_body(InvitationIn)
    try:
        invitation = services.invite(
            db.session,
            inviter=current_user,
            email=data.email,
            name=data.name,
            role=data.role,
            organization_id=data.organization_id,
        )
    except services.AccountError as exc:
        return rejected(exc)
    return respond(InvitationOut, invitation, 201)
