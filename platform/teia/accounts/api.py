"""JSON API for accounts: who am I, the council's members, invitations."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError

from teia.accounts import services
from teia.accounts.models import Membership, Role
from teia.core.api import api_blueprint
from teia.core.db import db
from teia.core.scope import current_tenant, memberships, requires_role

bp = api_blueprint("accounts_api", __name__)


def _membership_json(m: Membership) -> dict[str, object]:
    scope = (
        {"tenant": m.tenant.slug} if m.tenant else {"consortium": m.consortium.slug}  # type: ignore[union-attr]
    )
    return {"id": m.id, "role": m.role, "organization": m.organization.slug, **scope}


@bp.get("/me")
def me():  # type: ignore[no-untyped-def]
    return jsonify(
        id=current_user.id,
        email=current_user.email,
        name=current_user.name,
        platform_admin=current_user.is_platform_admin,
        memberships=[_membership_json(m) for m in memberships()],
    )


@bp.get("/t/<tenant>/members")
@requires_role(Role.TENANT_ADMIN)
def members():  # type: ignore[no-untyped-def]
    rows = services.tenant_members(db.session, current_tenant().id)
    return jsonify(
        members=[
            {
                **_membership_json(m),
                "active": m.active,
                "user": {"id": m.user.id, "name": m.user.name, "email": m.user.email},
            }
            for m in rows
        ]
    )


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    role: Role
    organization_id: int


@bp.post("/t/<tenant>/invitations")
@requires_role(Role.TENANT_ADMIN)
def create_invitation():  # type: ignore[no-untyped-def]
    try:
        data = InvitationIn.model_validate(request.get_json(silent=True) or {})
    except ValidationError as exc:
        errors = [
            {"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()
        ]
        return jsonify(error="invalid", status=422, errors=errors), 422
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
        return jsonify(error="rejected", status=422, message=str(exc)), 422
    return jsonify(
        id=invitation.id,
        email=invitation.email,
        role=invitation.role,
        expires_at=invitation.expires_at.isoformat() + "Z",
    ), 201
